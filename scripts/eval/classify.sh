#!/usr/bin/env bash
# classify.sh: issue 4 evaluation. 5-fold cross-validated macro-F1 over the 7
# first-level labels of the Teddy Cup 2020 C data, for minyi (`minyi train`)
# and, in the same run, the scikit-learn reference (scripts/eval/sklearn_ref.py:
# LinearSVC on TF-IDF of character 1-2-grams with C chosen by CV, and
# multinomial naive Bayes on character bigrams). labeled_full.tsv holds full
# messages (title + body). Both sides use stratified 5-fold CV with TF-IDF
# refitted inside each fold and score pooled out-of-fold predictions.
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
if ! wait $skpid; then echo "sklearn reference failed:"; cat "$tmp/sk.err"; exit 1; fi

printf '%-22s %6s  %-28s %-24s %-9s %s\n' file msgs "minyi macro-F1 (setting)" "sklearn LinearSVC (C)" "sklearn NB" "minyi - svc"
for f in titles bodies full; do
  m=$(grep -o 'macro-F1 [0-9.]*' "$tmp/$f.out" | awk '{print $2}')
  set=$(sed -n 's/.*(5-fold CV, \(.*\))/\1/p' "$tmp/$f.out")
  line=$(grep "labeled_$f.tsv" "$tmp/sk.out")
  svc=$(echo "$line" | cut -f2); c=$(echo "$line" | cut -f3); nb=$(echo "$line" | cut -f4); n=$(echo "$line" | cut -f5)
  name=labeled_$f.tsv; [ "$f" = full ] && name="labeled_full.tsv (t+b)"
  printf '%-22s %6s  %-28s %-24s %-9s %+.4f\n' "$name" "$n" "$m ($set, ${f}: $(cat "$tmp/$f.time") s)" "$svc (C=$c)" "$nb" \
    "$(awk -v a="$m" -v b="$svc" 'BEGIN{print a-b}')"
done
