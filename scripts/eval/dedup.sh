#!/usr/bin/env bash
# scripts/eval/dedup.sh: pairwise precision / recall / F1 of `minyi dedup`
# on a labelled set generated from real messages by scripts/gen-dedup-eval
# (campaign variants + same-place hard negatives + singletons; issue 5,
# target F1 >= 0.95). Two seeds, so a figure tuned to one set shows.
set -eu
cd "$(dirname "$0")/../.."
D=../shared/data/teddy2020c
[ -d "$D" ] || { echo "dedup eval: $D missing, skipped"; exit 0; }
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "dedup eval: $MINYI not built"; exit 1; }
tmp=$(mktemp -d /tmp/minyi-dedup-eval.XXXXXX); trap 'rm -rf "$tmp"' EXIT
for run in "20200101" "7" "20200101 --hard" "7 --hard"; do
  seed=${run%% *}; hard=; [ "$run" != "$seed" ] && hard=--hard
  /usr/bin/python3 scripts/gen-dedup-eval "$D" "$tmp/set.tsv" "$tmp/labels.tsv" --seed "$seed" $hard
  "$MINYI" dedup --data "$tmp/set.tsv" "$@" > "$tmp/out.tsv"
  /usr/bin/python3 - "$tmp/labels.tsv" "$tmp/out.tsv" "$seed${hard:+ hard}" <<'EOF'
import sys
from collections import Counter
lab = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8"))
grp = {}
for l in open(sys.argv[2], encoding="utf-8"):
    f = l.rstrip("\n").split("\t")
    grp[f[0]] = f[1]
assert set(grp) == set(lab), "output ids differ from the input ids"
pairs = lambda c: sum(v * (v - 1) // 2 for v in c.values())
tp = pairs(Counter((lab[i], grp[i]) for i in lab))
pred, true = pairs(Counter(grp.values())), pairs(Counter(lab.values()))
p = tp / pred if pred else 1.0
r = tp / true if true else 1.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print("dedup eval seed %s: %d messages, %d true groups, %d predicted; pairwise precision %.4f recall %.4f F1 %.4f"
      % (sys.argv[3], len(lab), len(set(lab.values())), len(set(grp.values())), p, r, f1))
EOF
done
