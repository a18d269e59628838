#!/bin/sh
# Rebuild tests/fixtures/diff_cases.db and tests/fixtures/downstream.db with real redun 0.44.1
# (/work/redun-venv). Dev tool only; the databases are committed. What each execution shows is
# documented in tests/fixtures/README.md; rebuilding changes every id and hash there.
# Usage: scripts/goldens/build_diff_downstream.sh   (from the repository root)
set -eu
REDUN=${REDUN:-/work/redun-venv/bin/redun}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WF="$ROOT/scripts/goldens/workflows"
export TZ=UTC PYTHONDONTWRITEBYTECODE=1
unset DIFFEX_FAIL || true

WORK=$(mktemp -d /tmp/redun-fixtures.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

run() {  # run DIR EXPECT [redun run ARGS...]: one execution in $WORK/DIR (its .redun/redun.db)
  dir=$1; expect=$2; shift 2
  # Executions are ordered by start time: keep them a second apart.
  sleep 1
  if (cd "$WORK/$dir" && "$REDUN" run --user goldens --project redun-tui "$@" \
        >"$WORK/$dir.out" 2>"$WORK/$dir.log"); then got=ok; else got=fail; fi
  if [ "$got" != "$expect" ]; then
    cat "$WORK/$dir.log"; echo "redun run $*: expected $expect, got $got" >&2; exit 1
  fi
}

# --- diff_cases.db: nine runs of diffex.main, each differing from the previous one ------------
D="$WORK/diff"
mkdir -p "$D/data" "$D/out"
cp "$WF/diff_cases.py" "$D/diff_cases.py"
for s in s1 s2 s3 s4 s5; do printf 'read%s ' $(seq 1 ${s#s}) > "$D/data/$s.txt"; done

run diff ok diff_cases.py main --samples s1,s2,s3 --threshold 3              # 1 baseline
run diff ok diff_cases.py main --samples s1,s2,s3 --threshold 3              # 2 fully CACHED
sed -i 's/scale = 1  # SCALE/scale = 2  # SCALE/' "$D/diff_cases.py"
grep -q 'scale = 2  # SCALE' "$D/diff_cases.py"
run diff ok diff_cases.py main --samples s1,s2,s3 --threshold 3              # 3 code change
run diff ok diff_cases.py main --samples s1,s2,s3 --threshold 5              # 4 argument change
printf 'read1 read2 read3 read4 read5 read6 read7\n' > "$D/data/s2.txt"
run diff ok diff_cases.py main --samples s1,s2,s3 --threshold 5              # 5 s2.txt new content
run diff ok diff_cases.py main --samples s1,s2,s3,s4 --threshold 5           # 6 child added
export DIFFEX_FAIL=s5  # count_reads("s5", ...) raises
run diff fail diff_cases.py main --samples s1,s2,s3,s4,s5 --threshold 5       # 7 s5 fails
unset DIFFEX_FAIL
run diff ok diff_cases.py main --samples s1,s2,s3,s4,s5 --threshold 5        # 8 same args, passes
run diff ok diff_cases.py main --samples s1,s3,s5 --threshold 5              # 9 s2, s4 removed

# --- downstream.db: data/ref.txt read by two pipelines; then a new version of it -------------
W="$WORK/down"
mkdir -p "$W/data" "$W/out"
cp "$WF/downstream.py" "$W/downstream.py"
printf 'ACGTACGGCC\n' > "$W/data/ref.txt"
printf 'TTGACCA\n' > "$W/data/other_ref.txt"
printf 'GGCATT\n' > "$W/data/extra.txt"
for s in s1 s2 s3; do printf '@%s\nACGT%s\n' $s $(seq -s '' 1 ${s#s}) > "$W/data/$s.fq"; done

run down ok downstream.py align_main --ref data/ref.txt --samples s1,s2,s3         # 1
run down ok downstream.py derive_main                                              # 2
run down ok downstream.py derive_main                                              # 3 CACHED
run down ok downstream.py align_main --ref data/other_ref.txt --samples s1         # 4 no ref.txt
printf 'ACGTACGGCCTTAA\n' > "$W/data/ref.txt"
run down ok downstream.py align_main --ref data/ref.txt --samples s1,s2            # 5 new version

cp "$D/.redun/redun.db" "$ROOT/tests/fixtures/diff_cases.db"
cp "$W/.redun/redun.db" "$ROOT/tests/fixtures/downstream.db"
echo "wrote tests/fixtures/diff_cases.db tests/fixtures/downstream.db"
