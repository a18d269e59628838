"""Schema 1.0: redun's prototype schema, created from nothing.

Revision ID: 806f5dcb11bf
Revises: (none)
"""

import sqlalchemy as sa
from alembic import op

revision = "806f5dcb11bf"
down_revision = None
branch_labels = None
depends_on = None

# Ids and hashes are 40-character hex strings (sha512 truncated) in every table.
HASH = 40


def _hash(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length=HASH), nullable=nullable)


def _fk(column: str, target: str) -> sa.ForeignKeyConstraint:
    table, _, target_column = target.partition(".")
    return sa.ForeignKeyConstraint([column], [f"{table}.{target_column}"])


def _indexes(table: str, *columns: str) -> None:
    for column in columns:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)


def upgrade() -> None:
    """Create the 1.0 tables, parents before children."""
    op.create_table(
        "redun_version",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "task",
        _hash("hash"),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("namespace", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("hash"),
    )
    op.create_table(
        "value",
        _hash("value_hash"),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("format", sa.String(length=100), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("value_hash"),
    )
    op.create_table(
        "call_node",
        _hash("call_hash"),
        sa.Column("task_name", sa.String(length=1024), nullable=False),
        _hash("task_hash"),
        _hash("args_hash"),
        _hash("value_hash"),
        sa.Column("timestamp", sa.DateTime(), nullable=False),
        _fk("task_hash", "task.hash"),
        _fk("value_hash", "value.value_hash"),
        sa.PrimaryKeyConstraint("call_hash"),
    )
    _indexes("call_node", "task_hash", "value_hash")
    op.create_table(
        "file",
        _hash("value_hash"),
        sa.Column("path", sa.String(length=1024), nullable=False),
        _fk("value_hash", "value.value_hash"),
        sa.PrimaryKeyConstraint("value_hash"),
    )
    op.create_table(
        "handle",
        _hash("hash"),
        sa.Column("fullname", sa.String(length=1024), nullable=False),
        _hash("value_hash"),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("is_valid", sa.Boolean(), nullable=False),
        _fk("value_hash", "value.value_hash"),
        sa.PrimaryKeyConstraint("hash"),
    )
    _indexes("handle", "fullname", "value_hash")
    op.create_table(
        "subvalue",
        _hash("value_hash"),
        _hash("parent_value_hash"),
        _fk("parent_value_hash", "value.value_hash"),
        _fk("value_hash", "value.value_hash"),
        sa.PrimaryKeyConstraint("value_hash", "parent_value_hash"),
    )
    _indexes("subvalue", "parent_value_hash", "value_hash")
    op.create_table(
        "argument",
        _hash("arg_hash"),
        _hash("call_hash"),
        _hash("value_hash"),
        sa.Column("arg_position", sa.Integer(), nullable=True),
        sa.Column("arg_key", sa.String(length=100), nullable=True),
        _fk("call_hash", "call_node.call_hash"),
        _fk("value_hash", "value.value_hash"),
        sa.PrimaryKeyConstraint("arg_hash"),
    )
    _indexes("argument", "call_hash", "value_hash")
    op.create_table(
        "call_edge",
        _hash("parent_id"),
        _hash("child_id"),
        sa.Column("call_order", sa.Integer(), nullable=False),
        _fk("child_id", "call_node.call_hash"),
        _fk("parent_id", "call_node.call_hash"),
        sa.PrimaryKeyConstraint("parent_id", "child_id", "call_order"),
    )
    _indexes("call_edge", "child_id", "parent_id")
    op.create_table(
        "call_subtree_task",
        _hash("call_hash"),
        _hash("task_hash"),
        _fk("call_hash", "call_node.call_hash"),
        _fk("task_hash", "task.hash"),
        sa.PrimaryKeyConstraint("call_hash", "task_hash"),
    )
    _indexes("call_subtree_task", "call_hash", "task_hash")
    op.create_table(
        "handle_edge",
        _hash("parent_id"),
        _hash("child_id"),
        _fk("child_id", "handle.hash"),
        _fk("parent_id", "handle.hash"),
        sa.PrimaryKeyConstraint("parent_id", "child_id"),
    )
    _indexes("handle_edge", "child_id", "parent_id")
    op.create_table(
        "job",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        _hash("task_hash"),
        sa.Column("cached", sa.Boolean(), nullable=False),
        _hash("call_hash", nullable=True),
        sa.Column("parent_id", sa.String(), nullable=True),
        _fk("call_hash", "call_node.call_hash"),
        _fk("parent_id", "job.id"),
        _fk("task_hash", "task.hash"),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("job", "call_hash", "parent_id", "task_hash")
    op.create_table(
        "argument_result",
        _hash("arg_hash"),
        _hash("result_call_hash"),
        _fk("arg_hash", "argument.arg_hash"),
        _fk("result_call_hash", "call_node.call_hash"),
        sa.PrimaryKeyConstraint("arg_hash", "result_call_hash"),
    )
    _indexes("argument_result", "arg_hash", "result_call_hash")
    op.create_table(
        "execution",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("args", sa.String(), nullable=False),
        sa.Column("job_id", sa.String(), nullable=False),
        _fk("job_id", "job.id"),
        sa.PrimaryKeyConstraint("id"),
    )
    _indexes("execution", "job_id")


# Children before parents; dropping a table drops its indexes too.
_TABLES_TOP_DOWN = [
    "execution",
    "argument_result",
    "job",
    "handle_edge",
    "call_subtree_task",
    "call_edge",
    "argument",
    "subvalue",
    "handle",
    "file",
    "call_node",
    "value",
    "task",
    "redun_version",
]


def downgrade() -> None:
    """Drop every 1.0 table (the database is left empty but for alembic's own table)."""
    for table in _TABLES_TOP_DOWN:
        op.drop_table(table)
