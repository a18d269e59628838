#!/bin/sh
# Rebuild tests/fixtures/crash_cases.db and tests/fixtures/dataflow_shapes.db with real
# redun 0.44.1 (/work/redun-venv). Dev tool only; the databases are committed.
# Usage: scripts/goldens/build_fixtures.sh   (from the repository root)
set -eu
REDUN=${REDUN:-/work/redun-venv/bin/redun}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WF="$ROOT/scripts/goldens/workflows"
export TZ=UTC

run_in() {  # run_in NAME TASK [ARGS...]: run one root task into $WORK/NAME.db
  name=$1; shift
  (cd "$WORK" && "$REDUN" -c .redun-$name run --user goldens --project redun-tui \
      "$WF/$name.py" "$@" >/dev/null 2>"$WORK/$name.log" || { cat "$WORK/$name.log"; exit 1; })
}

WORK=$(mktemp -d /tmp/redun-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/data" "$WORK/out"
for name in crash_cases dataflow_shapes; do
  mkdir -p "$WORK/.redun-$name"
  printf '[backend]\ndb_uri = sqlite:///%s/%s.db\n' "$WORK" "$name" > "$WORK/.redun-$name/redun.ini"
done
for i in 0 1 2; do printf 'input %s\n' "$i" > "$WORK/data/in$i.txt"; done

for t in index_main chunk_main files_main variadic_main same_main; do
  run_in crash_cases "$t"
done

run_in dataflow_shapes derive_main
run_in dataflow_shapes routing_main
run_in dataflow_shapes merge_main
run_in dataflow_shapes merge_list_main
run_in dataflow_shapes names_main
run_in dataflow_shapes shapes_main
run_in dataflow_shapes script_main
run_in dataflow_shapes misc_main
sleep 1
printf 'input 1, changed\n' > "$WORK/data/in1.txt"
run_in dataflow_shapes derive_main

for name in crash_cases dataflow_shapes; do
  cp "$WORK/$name.db" "$ROOT/tests/fixtures/$name.db"
  echo "wrote tests/fixtures/$name.db"
done
