"""Alembic environment for redun's schema history.

Only online migrations on a connection handed over by ``redun_tui.db.migrations`` are supported:
the connection travels in ``config.attributes["connection"]`` so that no ``alembic.ini`` and no
URL are needed at run time.
"""

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "redun-tui migrations run only through redun_tui.db.migrations.upgrade()/downgrade()"
    )

# Batch mode lets SQLite alter tables (it recreates them); other dialects alter in place.
context.configure(connection=connection, target_metadata=None, render_as_batch=True)

with context.begin_transaction():
    context.run_migrations()
