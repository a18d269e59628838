"""Schema 3.2: ``value.type`` loses its 100-character limit.

Revision ID: eb7b95e4e8bf
Revises: cc4f663817b6

SQLite does not enforce VARCHAR lengths, so its schema is left as it is (still ``VARCHAR(100)``
in ``sqlite_master``, exactly like redun's).
"""

import sqlalchemy as sa
from alembic import op

revision = "eb7b95e4e8bf"
down_revision = "cc4f663817b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """VARCHAR(100) -> VARCHAR, except on SQLite."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("value", "type", existing_type=sa.String(100), type_=sa.String())


def downgrade() -> None:
    """VARCHAR -> VARCHAR(100), except on SQLite."""
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("value", "type", existing_type=sa.String(), type_=sa.String(100))
