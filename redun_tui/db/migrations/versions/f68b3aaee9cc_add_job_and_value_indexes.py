"""Schema 3.3: indexes on job start/end times and on value types.

Revision ID: f68b3aaee9cc
Revises: eb7b95e4e8bf
"""

from alembic import op

revision = "f68b3aaee9cc"
down_revision = "eb7b95e4e8bf"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_job_end_time", "job", "end_time"),
    ("ix_job_start_time", "job", "start_time"),
    ("ix_value_type", "value", "type"),
]


def upgrade() -> None:
    """Create the three indexes."""
    for name, table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch:
            batch.create_index(name, [column], unique=False)


def downgrade() -> None:
    """Drop the three indexes."""
    for name, table, _column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch:
            batch.drop_index(name)
