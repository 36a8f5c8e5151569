#!/usr/bin/env bash
# bench/hot.sh: `minyi hot` on 1 million messages (<= 60 s on 2 cores).
# Input: scripts/gen-hot-eval issues (invented places, problems in many
# wordings, adversarial neighbours, filler floods) with likes, generated once
# into /tmp (not the repo). Reference in the same run: awk counting the words
# of every title and body (one pass over the same bytes with a hash per
# token: the floor of reading the file, with no segmentation at all).
# Checksum: of the printed top issues. N=... overrides the message count.
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000000}
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "hot bench: $MINYI not built"; exit 1; }
IN=/tmp/minyi-hot-bench-$N.tsv
if [ ! -s "$IN" ]; then
  echo "hot bench: generating $N messages into $IN"
  /usr/bin/python3 scripts/gen-hot-eval gen "$IN" "$IN.labels" --count "$N" --seed 3
fi
echo "hot bench: $(($(wc -l < "$IN") - 1)) messages, $(($(stat -c %s "$IN") / 1048576)) MB, load $(cut -d' ' -f1 /proc/loadavg)"
out=$(mktemp); trap 'rm -f "$out"' EXIT
/usr/bin/time -f "%e %M" -o "$out.time" "$MINYI" hot --data "$IN" --top 5 > "$out"
read -r secs rss < "$out.time"
/usr/bin/time -f "%e %M" -o "$out.ref" awk -F'\t' 'NR > 1 { n = split($3 $5, w, /[，。！？,.!? ]/); for (i = 1; i <= n; i++) c[w[i]]++ } END { print length(c) }' "$IN" > /dev/null
read -r rsecs rrss < "$out.ref"
cut -f2- "$out" | sed 's/^/  /'
echo "minyi hot: ${secs}s, max RSS $((rss / 1024)) MB, checksum $(md5sum < "$out" | cut -c1-16)"
echo "reference awk token count: ${rsecs}s, max RSS $((rrss / 1024)) MB"
echo "ratio minyi/awk time: $(echo "scale=2; $secs / $rsecs" | bc)"
rm -f "$out.time" "$out.ref"
if [ "$(echo "$secs <= 60" | bc)" = 1 ]; then echo "hot bench: within target (<= 60 s)"; else echo "hot bench: over the 60 s target (load $(cut -d' ' -f1 /proc/loadavg))"; fi
