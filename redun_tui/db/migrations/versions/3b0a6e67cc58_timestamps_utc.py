"""Schema 3.4: timestamps are UTC.

Revision ID: 3b0a6e67cc58
Revises: f68b3aaee9cc

Before 3.4 redun wrote job times in the local time zone of the machine that ran it.

- SQLite keeps naive text; job start and end times are converted from the local time zone of
  the process running the migration to UTC with SQLite's ``datetime(x, 'utc')`` (which also
  drops fractional seconds, as redun's migration does). Other timestamps are left alone.
- PostgreSQL: the four timestamp columns become ``timestamp with time zone`` (existing values
  are read in the session time zone), and a trigger converts job times written by old redun
  clients (which do not set ``redun.version`` on their connection) from
  ``$REDUN_LOCALTIMEZONE`` (default UTC) to UTC.
"""

import os

from alembic import op

revision = "3b0a6e67cc58"
down_revision = "f68b3aaee9cc"
branch_labels = None
depends_on = None

# (table, column) pairs whose type changes on PostgreSQL.
TIMESTAMP_COLUMNS = [
    ("job", "start_time"),
    ("job", "end_time"),
    ("call_node", "timestamp"),
    ("redun_version", "timestamp"),
]


def _alter_types(with_time_zone: bool) -> None:
    kind = "timestamp with time zone" if with_time_zone else "timestamp without time zone"
    for table, column in TIMESTAMP_COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" TYPE {kind}')


def _convert_sqlite_job_times(modifier: str) -> None:
    op.execute(
        f"UPDATE job SET start_time = datetime(start_time, '{modifier}'), "
        f"end_time = datetime(end_time, '{modifier}')"
    )


def upgrade() -> None:
    """Convert job times to UTC (SQLite) or make timestamps time-zone aware (PostgreSQL)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        local_timezone = os.environ.get("REDUN_LOCALTIMEZONE", "UTC").replace("'", "''")
        _alter_types(with_time_zone=True)
        # A client older than 3.4 wrote local times: read them in that zone, store UTC.
        op.execute(
            f"""
            CREATE OR REPLACE FUNCTION check_job_utc()
            RETURNS TRIGGER AS $$
            BEGIN
                IF current_setting('redun.version', true) IS NULL THEN
                    set local timezone = '{local_timezone}';
                    NEW.start_time := NEW.start_time AT TIME ZONE 'UTC';
                    NEW.end_time := NEW.end_time AT TIME ZONE 'UTC';
                END IF;

                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            """
        )
        op.execute("DROP TRIGGER IF EXISTS check_job_utc ON job")
        op.execute(
            "CREATE TRIGGER check_job_utc BEFORE INSERT ON job "
            "FOR EACH ROW EXECUTE FUNCTION check_job_utc()"
        )
    elif dialect == "sqlite":
        _convert_sqlite_job_times("utc")


def downgrade() -> None:
    """Back to local job times (SQLite) or naive timestamps without the trigger (PostgreSQL)."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _alter_types(with_time_zone=False)
        op.execute("DROP TRIGGER IF EXISTS check_job_utc ON job")
        op.execute("DROP FUNCTION IF EXISTS check_job_utc")
    elif dialect == "sqlite":
        _convert_sqlite_job_times("localtime")
