"""Schema 2.3: ``job.execution_id``, nullable for now (3.0 fills it in).

Revision ID: d4af139b6f53
Revises: 71ec303c90e4

The new foreign key is deferrable, and on PostgreSQL the existing ``execution.job_id`` key is
made deferrable too: a job and its execution point at each other, so a new pair can only be
inserted with the checks deferred to commit.
"""

import sqlalchemy as sa
from alembic import op

revision = "d4af139b6f53"
down_revision = "71ec303c90e4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column, its index and its (deferred) foreign key."""
    with op.batch_alter_table("job", schema=None) as batch:
        batch.add_column(sa.Column("execution_id", sa.String(), nullable=True))
        batch.create_index("ix_job_execution_id", ["execution_id"], unique=False)
        batch.create_foreign_key(
            "ct_job_execution_id",
            "execution",
            ["execution_id"],
            ["id"],
            deferrable=True,
            initially="DEFERRED",
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE execution ALTER CONSTRAINT execution_job_id_fkey "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def downgrade() -> None:
    """Remove the foreign key, the index and the column.

    Like redun, this leaves ``execution.job_id`` deferrable on PostgreSQL.
    """
    with op.batch_alter_table("job", schema=None) as batch:
        batch.drop_constraint("ct_job_execution_id", type_="foreignkey")
        batch.drop_index("ix_job_execution_id")
        batch.drop_column("execution_id")
