"""Schema 3.1: tags (``tag``) and their edit history (``tag_edit``).

Revision ID: cc4f663817b6
Revises: cd2d53191748

``tag.value`` is JSON: JSONB on PostgreSQL, text elsewhere. ``entity_type`` is an enum (a
``tagentitytype`` type on PostgreSQL, VARCHAR(9) on SQLite). Only current tags must have a
unique hash, hence the partial unique index.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "cc4f663817b6"
down_revision = "cd2d53191748"
branch_labels = None
depends_on = None

ENTITY_TYPES = ("Execution", "Job", "CallNode", "Task", "Value", "Null")


def upgrade() -> None:
    """Create ``tag`` with its indexes, then ``tag_edit``."""
    is_postgres = op.get_bind().dialect.name == "postgresql"
    json_type = postgresql.JSONB if is_postgres else sa.String
    op.create_table(
        "tag",
        sa.Column("tag_hash", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.Enum(*ENTITY_TYPES, name="tagentitytype"), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", json_type(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tag_hash"),
    )
    for column in ("entity_id", "key", "value"):
        op.create_index(f"ix_tag_{column}", "tag", [column], unique=False)
    op.create_index(
        "ix_tag_tag_hash_current",
        "tag",
        ["tag_hash"],
        unique=True,
        postgresql_where=sa.text("is_current"),
        sqlite_where=sa.text("is_current"),
    )
    op.create_table(
        "tag_edit",
        sa.Column("parent_id", sa.String(), nullable=False),
        sa.Column("child_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["tag.tag_hash"]),
        sa.ForeignKeyConstraint(["parent_id"], ["tag.tag_hash"]),
        sa.PrimaryKeyConstraint("parent_id", "child_id"),
    )


def downgrade() -> None:
    """Drop both tables.

    On PostgreSQL the enum type is dropped too (redun leaves it behind, which makes a later
    upgrade fail with "type tagentitytype already exists").
    """
    op.drop_table("tag_edit")
    op.drop_table("tag")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TYPE IF EXISTS tagentitytype")
