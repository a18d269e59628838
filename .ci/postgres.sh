# shellcheck shell=bash
# A throw-away PostgreSQL server for the test suite; sourced by .ci/run.
#
#   source .ci/postgres.sh
#   start_postgres || echo "no PostgreSQL"   # exports REDUN_TUI_TEST_PG_URL on success
#
# start_postgres installs Debian's `postgresql` if its binaries are missing, runs initdb (as the
# postgres user when we are root: initdb refuses root) into a temporary directory with trust
# authentication, starts the server on 127.0.0.1 with its socket in that directory (not
# /var/run/postgresql, which may not exist or be writable), creates a database and exports its URL.
# An EXIT trap stops the server and removes the directory, even after a failing test run.
#
# It never aborts the caller: every failure prints one clear line and returns 1, so the suite still
# runs and the PostgreSQL tests skip, saying that REDUN_TUI_TEST_PG_URL is unset. The callers run it
# as `start_postgres || …`, which disables `set -e` inside, hence the explicit checks.

REDUN_TUI_PG_DIR=""
REDUN_TUI_PG_BIN=""

_pg_log() {
    echo "postgres.sh: $*" >&2
}

# The directory holding initdb/pg_ctl of the newest installed server, or "".
_pg_find_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
            echo "$dir"
            return 0
        fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

_pg_install() {
    if [ "$(id -u)" != 0 ]; then
        _pg_log "PostgreSQL is not installed and we are not root: cannot apt-get install it"
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _pg_log "PostgreSQL is not installed and apt-get is not available"
        return 1
    fi
    _pg_log "installing Debian's postgresql package"
    # The package's own cluster would try to start on 5432: policy-rc.d 101 forbids service starts.
    local policy=/usr/sbin/policy-rc.d created_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    local status=0
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || status=$?
    if [ "$status" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || status=$?
    fi
    [ -n "$created_policy" ] && rm -f "$policy"
    if [ "$status" != 0 ]; then
        _pg_log "apt-get install postgresql failed (exit $status)"
        return 1
    fi
    return 0
}

# Runs a command as the server's owner: postgres when we are root, else ourselves.
_pg_as_owner() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null 2>&1; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

_pg_free_port() {
    local python
    python="$(command -v python3 || command -v python)"
    if [ -n "$python" ]; then
        "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $((20000 + RANDOM % 20000))
    fi
}

stop_postgres() {
    if [ -n "$REDUN_TUI_PG_DIR" ] && [ -d "$REDUN_TUI_PG_DIR" ]; then
        if [ -f "$REDUN_TUI_PG_DIR/data/postmaster.pid" ]; then
            _pg_as_owner "$REDUN_TUI_PG_BIN/pg_ctl" stop -D "$REDUN_TUI_PG_DIR/data" -m fast -w >/dev/null 2>&1 \
                || _pg_log "pg_ctl stop failed"
        fi
        rm -rf "$REDUN_TUI_PG_DIR"
    fi
    REDUN_TUI_PG_DIR=""
}

start_postgres() {
    if [ -n "${REDUN_TUI_TEST_PG_URL:-}" ]; then
        _pg_log "using the given REDUN_TUI_TEST_PG_URL"
        return 0
    fi
    REDUN_TUI_PG_BIN="$(_pg_find_bin)"
    if [ -z "$REDUN_TUI_PG_BIN" ]; then
        _pg_install || return 1
        REDUN_TUI_PG_BIN="$(_pg_find_bin)"
        if [ -z "$REDUN_TUI_PG_BIN" ]; then
            _pg_log "postgresql installed but initdb/pg_ctl not found"
            return 1
        fi
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        _pg_log "no postgres user to run the server as (initdb refuses root)"
        return 1
    fi

    REDUN_TUI_PG_DIR="$(mktemp -d /tmp/redun-tui-pg.XXXXXX)" || return 1
    # The trap is set before anything starts, so a failure half-way still cleans up.
    trap stop_postgres EXIT
    trap 'stop_postgres; exit 130' INT
    trap 'stop_postgres; exit 143' TERM
    chmod 755 "$REDUN_TUI_PG_DIR"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$REDUN_TUI_PG_DIR" || return 1
    fi

    local data="$REDUN_TUI_PG_DIR/data" port db=redun_tui_test
    if ! _pg_as_owner "$REDUN_TUI_PG_BIN/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C >"$REDUN_TUI_PG_DIR/initdb.log" 2>&1; then
        _pg_log "initdb failed: $(tail -n 3 "$REDUN_TUI_PG_DIR/initdb.log" | tr '\n' ' ')"
        stop_postgres
        return 1
    fi
    local attempt
    for attempt in 1 2 3; do
        port="$(_pg_free_port)"
        if _pg_as_owner "$REDUN_TUI_PG_BIN/pg_ctl" start -D "$data" -w -t 30 -l "$REDUN_TUI_PG_DIR/server.log" \
                -o "-c listen_addresses=127.0.0.1 -p $port -k $REDUN_TUI_PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
                >/dev/null 2>&1; then
            break
        fi
        port=""
    done
    if [ -z "$port" ]; then
        _pg_log "pg_ctl start failed: $(tail -n 3 "$REDUN_TUI_PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
        stop_postgres
        return 1
    fi
    if ! _pg_as_owner "$REDUN_TUI_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db" \
            >"$REDUN_TUI_PG_DIR/createdb.log" 2>&1; then
        _pg_log "createdb failed: $(tr '\n' ' ' <"$REDUN_TUI_PG_DIR/createdb.log")"
        stop_postgres
        return 1
    fi
    export REDUN_TUI_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/$db"
    _pg_log "PostgreSQL $("$REDUN_TUI_PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port; REDUN_TUI_TEST_PG_URL=$REDUN_TUI_TEST_PG_URL"
    return 0
}
