#!/usr/bin/env bash
# scripts/eval/dedup-gen.sh: pairwise precision / recall of `minyi dedup` on
# national-scale generated messages (`minyi gen`, its campaigns as the
# truth; scored by scripts/eval/dedup-pairs.py), two seeds so a figure tuned
# to one set shows. N=... overrides the count (default 854,200: a tenth of
# the national consultation); the sets go to /tmp and are removed.
set -eu
cd "$(dirname "$0")/../.."
D=../shared/data/teddy2020c
[ -d "$D" ] || { echo "dedup gen eval: $D missing, skipped"; exit 0; }
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "dedup gen eval: $MINYI not built"; exit 1; }
N=${N:-854200}
tmp=$(mktemp -d /tmp/minyi-dedup-gen.XXXXXX); trap 'rm -rf "$tmp"' EXIT
for seed in 1 2; do
  "$MINYI" gen --from "$D" --count "$N" --seed "$seed" --out "$tmp/msgs.jsonl" > /dev/null
  "$MINYI" dedup --data "$tmp/msgs.jsonl" --stats "$@" > "$tmp/out.tsv" 2> "$tmp/err"
  grep 'incremental add' "$tmp/err" | sed 's/^/  /'
  /usr/bin/python3 scripts/eval/dedup-pairs.py "$tmp/msgs.jsonl" "$tmp/out.tsv" "gen seed $seed, $N messages"
done
