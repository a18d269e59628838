"""Schema 3.5: ``execution.updated_time``, the heartbeat of a running execution.

Revision ID: 0bee3d6dba76
Revises: 3b0a6e67cc58
"""

import sqlalchemy as sa
from alembic import op

revision = "0bee3d6dba76"
down_revision = "3b0a6e67cc58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable, time-zone aware column (DATETIME on SQLite)."""
    with op.batch_alter_table("execution", schema=None) as batch:
        batch.add_column(sa.Column("updated_time", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the column (SQLite recreates the table)."""
    with op.batch_alter_table("execution", schema=None) as batch:
        batch.drop_column("updated_time")
