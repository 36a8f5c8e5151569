#!/usr/bin/env bash
# classify.sh: issue 4 evaluation. 5-fold cross-validated macro-F1 over the 7
# first-level labels of the Teddy Cup 2020 C data, for minyi (`minyi train`)
# and, in the same run, the scikit-learn reference (scripts/eval/sklearn_ref.py:
# LinearSVC on TF-IDF of character 1-2-grams with C chosen by CV, and
# multinomial naive Bayes on character bigrams). labeled_full.tsv holds full
# messages (title + body). Both sides use stratified 5-fold CV with TF-IDF
# refitted inside each fold and score pooled out-of-fold predictions.
# A last line trains on the titles and bodies files (rows equal to one of the
# full messages' titles or bodies removed) and tests on the 456 full
# messages: the realistic case of a model trained on history and applied to
# new messages, with 30x the training data of the in-file CV.
# The last two lines are 5-fold CV over the full messages where every fold's
# model also learns from the titles and bodies files: once with those files
# as given (441 of the 456 full messages' titles stand verbatim in
# labeled_titles.tsv, so test messages leak into training: the protocol
# that reaches the ~0.95 quoted in issue 4) and once without the leak.
set -u
cd "$(dirname "$0")/../.."
D=${MINYI_DATA:-../shared/data}/teddy2020c
BIN=${MINYI_BIN:-./minyi}
[ -x "$BIN" ] || { echo "classify.sh: $BIN not built (run make)"; exit 1; }
for f in titles bodies full; do
  [ -r "$D/labeled_$f.tsv" ] || { echo "classify.sh: $D/labeled_$f.tsv missing"; exit 1; }
done
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# The reference takes ~2-3 minutes; run it beside minyi.
/usr/bin/python3 scripts/eval/sklearn_ref.py "$D/labeled_titles.tsv" "$D/labeled_bodies.tsv" "$D/labeled_full.tsv" \
  > "$tmp/sk.out" 2> "$tmp/sk.err" &
skpid=$!

for f in titles bodies full; do
  start=$(date +%s.%N)
  "$BIN" train --quiet --data "$D/labeled_$f.tsv" --model "$tmp/$f.model" > "$tmp/$f.out" 2> "$tmp/$f.err" \
    || { echo "minyi train failed on $f:"; cat "$tmp/$f.err"; exit 1; }
  end=$(date +%s.%N)
  echo "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')" > "$tmp/$f.time"
done
mkdir -p "$tmp/xf"
/usr/bin/python3 scripts/eval/sklearn_ref.py --transfer "$D/labeled_titles.tsv" "$D/labeled_bodies.tsv" "$D/labeled_full.tsv" "$tmp/xf" \
  > "$tmp/skx.out" || { echo "sklearn transfer failed"; exit 1; }
"$BIN" train --quiet --data "$tmp/xf/titles.tsv" --data "$tmp/xf/bodies.tsv" --model "$tmp/xf.model" > "$tmp/xf.out" 2> "$tmp/xf.err" \
  || { echo "minyi train failed on the transfer set:"; cat "$tmp/xf.err"; exit 1; }
"$BIN" classify --model "$tmp/xf.model" --data "$D/labeled_full.tsv" > "$tmp/xf.pred" 2> "$tmp/xf.err" \
  || { echo "minyi classify failed:"; cat "$tmp/xf.err"; exit 1; }
xf=$(/usr/bin/python3 scripts/eval/sklearn_ref.py --score "$D/labeled_full.tsv" "$tmp/xf.pred")
xfset=$(sed -n 's/.*(5-fold CV, \(.*\))/\1/p' "$tmp/xf.out")
if ! wait $skpid; then echo "sklearn reference failed:"; cat "$tmp/sk.err"; exit 1; fi

fmt='%-26s %6s | %-8s %-14s %6s | %-8s %-6s %-8s | %s\n'
printf "$fmt" "5-fold CV macro-F1" msgs minyi "(chosen)" time sklearn "(C)" "NB" "minyi-sklearn"
for f in titles bodies full; do
  m=$(grep -o 'macro-F1 [0-9.]*' "$tmp/$f.out" | awk '{print $2}')
  set=$(sed -n 's/.*(5-fold CV, \(.*\))/\1/p' "$tmp/$f.out")
  line=$(grep "labeled_$f.tsv" "$tmp/sk.out")
  svc=$(echo "$line" | cut -f2); c=$(echo "$line" | cut -f3); nb=$(echo "$line" | cut -f4); n=$(echo "$line" | cut -f5)
  name=labeled_$f.tsv; [ "$f" = full ] && name="labeled_full.tsv (t+b)"
  printf "$fmt" "$name" "$n" "$m" "($set)" "$(cat "$tmp/$f.time")s" "$svc" "(C=$c)" "$nb" \
    "$(awk -v a="$m" -v b="$svc" 'BEGIN{printf "%+.4f", a-b}')"
done
skx=$(cut -f1 "$tmp/skx.out"); ntr=$(cut -f2 "$tmp/skx.out")
echo "full messages, model trained on the titles and bodies files ($ntr rows, none of the test messages):"
printf "$fmt" "labeled_full.tsv (t+b)" 456 "$xf" "($xfset)" "" "$skx" "(C=1)" "-" \
  "$(awk -v a="$xf" -v b="$skx" 'BEGIN{printf "%+.4f", a-b}')"

# Pooled CV over the full messages (see the header): leaky, then leak-free.
sk=$(/usr/bin/python3 scripts/eval/sklearn_ref.py --pooled "$D/labeled_titles.tsv" "$D/labeled_bodies.tsv" "$D/labeled_full.tsv" "$tmp/xf") \
  || { echo "sklearn pooled CV failed"; exit 1; }
for variant in leaky clean; do
  if [ $variant = leaky ]; then t="$D/labeled_titles.tsv"; b="$D/labeled_bodies.tsv"; else t="$tmp/xf/titles.tsv"; b="$tmp/xf/bodies.tsv"; fi
  for k in 0 1 2 3 4; do
    "$BIN" train --quiet --folds 0 --data "$t" --data "$b" --data "$tmp/xf/train$k.tsv" --model "$tmp/p$k.model" > /dev/null 2> "$tmp/p.err" \
      || { echo "minyi train failed (pooled $variant, fold $k):"; cat "$tmp/p.err"; exit 1; }
    "$BIN" classify --model "$tmp/p$k.model" --data "$tmp/xf/test$k.tsv" > "$tmp/xf/pred$k.tsv" 2> "$tmp/p.err" \
      || { echo "minyi classify failed:"; cat "$tmp/p.err"; exit 1; }
  done
  m=$(/usr/bin/python3 scripts/eval/sklearn_ref.py --score-folds "$D/labeled_full.tsv" "$tmp/xf")
  if [ $variant = leaky ]; then s=$(cut -f1 <<<"$sk"); label="full, pooled, leaky"; else s=$(cut -f2 <<<"$sk"); label="full, pooled, no leak"; fi
  printf "$fmt" "$label" 456 "$m" "(svm C=1)" "" "$s" "(C=1)" "-" "$(awk -v a="$m" -v b="$s" 'BEGIN{printf "%+.4f", a-b}')"
done
