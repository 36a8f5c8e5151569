#!/usr/bin/env bash
# classify.sh: issue 4 benchmark. Training time of `minyi train` on all the
# labelled shared data (fit only, and with 5-fold CV model selection), and
# single-thread classification throughput from extracted feature vectors and
# from text (bench/classify.c, with checksums of the predictions), beside
# scikit-learn's TF-IDF + LinearSVC measured in the same run.
set -u
cd "$(dirname "$0")/.."
D=${MINYI_DATA:-../shared/data}/teddy2020c
BIN=${MINYI_BIN:-./minyi}
B=${BUILD:-build}/rel/bench/classify
[ -x "$BIN" ] || { echo "classify.sh: $BIN not built (run make)"; exit 1; }
[ -x "$B" ] || make -s "$B" || exit 1
FILES="$D/labeled_titles.tsv $D/labeled_bodies.tsv $D/labeled_full.tsv"
DATA=""; for f in $FILES; do DATA="$DATA --data $f"; done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

secs() { local s e; s=$(date +%s.%N); "$@" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; return 1; }; e=$(date +%s.%N); awk -v a="$s" -v b="$e" 'BEGIN{printf "%.2f", b-a}'; }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

t1=$(secs "$BIN" train --quiet --folds 0 $DATA --model "$tmp/all.model") || exit 1
t2=$(secs "$BIN" train --quiet --folds 0 $DATA --model "$tmp/all.model") || exit 1
t3=$(secs "$BIN" train --quiet --folds 0 $DATA --model "$tmp/all.model") || exit 1
fit=$(median3 "$t1" "$t2" "$t3")
cv=$(secs "$BIN" train --quiet $DATA --model "$tmp/cv.model") || exit 1
cvline=$(grep macro-F1 "$tmp/out")
echo "minyi train, all shared data (14607 messages), fit only (--folds 0): $fit s (median of 3; target <= 5 s)"
echo "minyi train, with 5-fold CV and the choice of solver and C: $cv s ($cvline)"
echo "model: $(stat -c %s "$tmp/all.model") bytes, sha256 $(sha256sum < "$tmp/all.model" | cut -c1-16) (differs by training date)"

"$B" "$tmp/all.model" $FILES > "$tmp/bench.out" || { cat "$tmp/bench.out"; exit 1; }
cat "$tmp/bench.out"
/usr/bin/python3 scripts/eval/sklearn_ref.py --bench $FILES > "$tmp/sk.out" || exit 1
cat "$tmp/sk.out"
skfit=$(sed -n 's/^sklearn fit.*: \([0-9.]*\) s.*/\1/p' "$tmp/sk.out")
skv=$(sed -n 's/^sklearn predict from feature vectors: \([0-9]*\).*/\1/p' "$tmp/sk.out")
skt=$(sed -n 's/^sklearn predict from text: \([0-9]*\).*/\1/p' "$tmp/sk.out")
mv=$(sed -n 's/^from feature vectors: \([0-9]*\).*/\1/p' "$tmp/bench.out")
mt=$(sed -n 's/^from text.*: \([0-9]*\) messages.*/\1/p' "$tmp/bench.out")
awk -v a="$fit" -v b="$skfit" -v c="$mv" -v d="$skv" -v e="$mt" -v f="$skt" 'BEGIN{
  printf "ratio: training sklearn/minyi %.2fx; throughput minyi/sklearn %.2fx from features, %.2fx from text\n", b/a, c/d, e/f }'
