"""Schema 2.0: the evaluation table (cache of task + arguments -> result).

Revision ID: 647c510a77b1
Revises: 806f5dcb11bf
"""

import sqlalchemy as sa
from alembic import op

revision = "647c510a77b1"
down_revision = "806f5dcb11bf"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``evaluation`` with its two lookup indexes."""
    op.create_table(
        "evaluation",
        sa.Column("eval_hash", sa.String(length=40), nullable=False),
        sa.Column("task_hash", sa.String(length=40), nullable=False),
        sa.Column("args_hash", sa.String(length=40), nullable=False),
        sa.Column("value_hash", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["task_hash"], ["task.hash"]),
        sa.ForeignKeyConstraint(["value_hash"], ["value.value_hash"]),
        sa.PrimaryKeyConstraint("eval_hash"),
    )
    for column in ("task_hash", "value_hash"):
        op.create_index(f"ix_evaluation_{column}", "evaluation", [column], unique=False)


def downgrade() -> None:
    """Drop ``evaluation`` (its indexes go with it)."""
    op.drop_table("evaluation")
