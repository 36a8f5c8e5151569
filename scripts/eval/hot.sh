#!/usr/bin/env bash
# scripts/eval/hot.sh: `minyi hot` on labelled sets from scripts/gen-hot-eval
# (generated issues in many wordings, adversarial neighbours, filler floods,
# real messages from ../shared/data as background): pairwise precision and
# recall of the members, and the largest true issues found in the top 5.
# Several seeds and sizes, so a figure tuned to one set shows.
set -eu
cd "$(dirname "$0")/../.."
D=../shared/data/teddy2020c
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "hot eval: $MINYI not built"; exit 1; }
bg=; [ -d "$D" ] && bg="--background $D"
tmp=$(mktemp -d /tmp/minyi-hot-eval.XXXXXX); trap 'rm -rf "$tmp"' EXIT
for run in "12" "99" "7 --issues 200"; do
  seed=${run%% *}; extra=; [ "$run" != "$seed" ] && extra=${run#* }
  /usr/bin/python3 scripts/gen-hot-eval gen "$tmp/set.tsv" "$tmp/labels.tsv" --seed "$seed" $extra $bg 2>/dev/null
  "$MINYI" hot --data "$tmp/set.tsv" --top 100000 --details "$tmp/det.tsv" "$@" > "$tmp/top.tsv" 2>/dev/null
  printf 'seed %s%s: ' "$seed" "${extra:+ $extra}"
  /usr/bin/python3 scripts/gen-hot-eval score "$tmp/labels.tsv" "$tmp/det.tsv" "$tmp/top.tsv"
done
