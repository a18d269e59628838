"""Schema 3.0: every job records its execution (``job.execution_id`` NOT NULL).

Revision ID: cd2d53191748
Revises: d4af139b6f53

Data first: a root job (no parent) without an execution gets a stub execution (a new uuid4,
``args`` = ``"Stub Execution"`` as JSON text), then every job takes the execution of its root,
found by walking ``job.parent_id`` up with a recursive query. A job whose chain of parents never
reaches an execution keeps NULL and the NOT NULL change fails, as with redun.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "cd2d53191748"
down_revision = "d4af139b6f53"
branch_labels = None
depends_on = None

STUB_ARGS = '"Stub Execution"'

# A temporary table (it never shows in the schema) indexed by job id keeps the backfill
# linear instead of running the recursive walk once per job.
_ANCESTORS = "redun_tui_job_execution"


def _add_stub_executions(bind: sa.Connection) -> None:
    orphans = bind.execute(
        sa.text(
            "SELECT job.id FROM job "
            "LEFT JOIN execution ON execution.job_id = job.id "
            "WHERE job.parent_id IS NULL AND execution.id IS NULL"
        )
    ).scalars().all()
    if orphans:
        bind.execute(
            sa.text("INSERT INTO execution (id, args, job_id) VALUES (:id, :args, :job_id)"),
            [{"id": str(uuid.uuid4()), "args": STUB_ARGS, "job_id": job_id} for job_id in orphans],
        )


def _backfill_execution_ids(bind: sa.Connection) -> None:
    bind.execute(sa.text(f"DROP TABLE IF EXISTS {_ANCESTORS}"))
    bind.execute(
        sa.text(
            f"CREATE TEMPORARY TABLE {_ANCESTORS} AS "
            "WITH RECURSIVE walk(job_id, exec_id) AS ("
            "  SELECT execution.job_id, execution.id FROM execution"
            "  UNION"
            "  SELECT child.id, walk.exec_id FROM job AS child"
            "  JOIN walk ON child.parent_id = walk.job_id"
            ") SELECT job_id, exec_id FROM walk"
        )
    )
    bind.execute(sa.text(f"CREATE INDEX ix_{_ANCESTORS} ON {_ANCESTORS} (job_id)"))
    bind.execute(
        sa.text(
            "UPDATE job SET execution_id = ("
            f"  SELECT a.exec_id FROM {_ANCESTORS} AS a WHERE a.job_id = job.id LIMIT 1"
            ")"
        )
    )
    bind.execute(sa.text(f"DROP TABLE {_ANCESTORS}"))


def upgrade() -> None:
    """Backfill ``job.execution_id``, then make it NOT NULL."""
    bind = op.get_bind()
    _add_stub_executions(bind)
    _backfill_execution_ids(bind)
    if bind.dialect.name == "postgresql":
        # The update queued checks of the deferred foreign key; PostgreSQL refuses to alter a
        # table with pending trigger events, so run those checks now.
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with op.batch_alter_table("job", schema=None) as batch:
        batch.alter_column("execution_id", existing_type=sa.VARCHAR(), nullable=False)


def downgrade() -> None:
    """Allow NULL again (stub executions and filled ids stay)."""
    with op.batch_alter_table("job", schema=None) as batch:
        batch.alter_column("execution_id", existing_type=sa.VARCHAR(), nullable=True)
