"""Schema 2.2: indexes for searching ids and names by prefix.

Revision ID: 71ec303c90e4
Revises: 30ffbaee18cd

On PostgreSQL the indexes use ``varchar_pattern_ops`` so that ``LIKE 'abc%'`` can use them
whatever the collation; elsewhere they are plain indexes.
"""

from alembic import op

revision = "71ec303c90e4"
down_revision = "30ffbaee18cd"
branch_labels = None
depends_on = None

# (index name, table, column, unique, prefix-search operator class on PostgreSQL)
INDEXES = [
    ("ix_call_node_call_hash_vpo", "call_node", "call_hash", True, True),
    ("ix_execution_id_vpo", "execution", "id", True, True),
    ("ix_file_path", "file", "path", False, False),
    ("ix_job_id_vpo", "job", "id", True, True),
    ("ix_task_hash_vpo", "task", "hash", True, True),
    ("ix_task_name_vpo", "task", "name", False, True),
    ("ix_task_namespace_vpo", "task", "namespace", False, True),
    ("ix_value_value_hash_vpo", "value", "value_hash", True, True),
]


def upgrade() -> None:
    """Create the indexes."""
    for name, table, column, unique, pattern_ops in INDEXES:
        extra = {"postgresql_ops": {column: "varchar_pattern_ops"}} if pattern_ops else {}
        op.create_index(name, table, [column], unique=unique, **extra)


def downgrade() -> None:
    """Drop the indexes, newest first."""
    for name, table, _column, _unique, _pattern_ops in reversed(INDEXES):
        op.drop_index(name, table_name=table)
