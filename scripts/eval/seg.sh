#!/usr/bin/env bash
# Segmentation accuracy (issue 3): the official SIGHAN 2005 scorer on the PKU
# test set (python3-jieba 0.42.1 scores F1 0.818 there), and line-for-line
# agreement with python3-jieba itself in each mode (target >= 99%).
set -euo pipefail
cd "$(dirname "$0")/../.."
D=../shared/data/sighan2005
MINYI=${MINYI:-./minyi}
[ -r $D/pku_test.utf8 ] || { echo "eval/seg: $D not found"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$MINYI" seg < $D/pku_test.utf8 > "$tmp/out"
# The scorer writes temporary files in the current directory.
(cd "$tmp" && perl "$OLDPWD/$D/score" "$OLDPWD/$D/pku_training_words.utf8" "$OLDPWD/$D/pku_test_gold.utf8" out > score.txt)
grep -E '^=== (TOTAL TRUE WORDS RECALL|TOTAL TEST WORDS PRECISION|F MEASURE|OOV Recall Rate)' "$tmp/score.txt" | sed 's/^=== /minyi seg /'
f=$(sed -n 's/^=== F MEASURE:\s*//p' "$tmp/score.txt")
echo "python3-jieba reference: F1 0.818 (P 0.853, R 0.787)"
rc=0
awk -v f="$f" 'BEGIN { exit !(f >= 0.818) }' && echo "F1 $f >= 0.818: ok" || { echo "F1 $f below 0.818"; rc=1; }
for m in "" "--mode search" "--no-hmm"; do
  echo "-- agreement with python3-jieba ${m:-(precise, HMM)}"
  MINYI="$MINYI" scripts/compare-jieba $m --show 3 || rc=1
done
exit $rc
