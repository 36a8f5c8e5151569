#!/usr/bin/env bash
# bench/hot.sh: `minyi hot` on 1 million messages (<= 60 s on 2 cores).
# Input: `minyi gen --count N --seed 2` (real messages' vocabulary, campaigns,
# likes and dislikes), generated once into /tmp (not the repo). Reference in
# the same run: `minyi seg` segmenting every title and body once, on one
# core (the floor: minyi hot must segment each message at least once).
# Figures: wall and CPU seconds (user + sys; the machine may be shared),
# and the ratio of CPU seconds against the reference. Checksum: of the
# printed top issues. N=... overrides the message count.
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000000}
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "hot bench: $MINYI not built"; exit 1; }
IN=/tmp/minyi-hot-bench-$N.jsonl
if [ ! -s "$IN" ]; then
  echo "hot bench: generating $N messages into $IN"
  "$MINYI" gen --count "$N" --seed 2 --out "$IN" >/dev/null
fi
if [ ! -s "$IN.txt" ]; then
  /usr/bin/python3 -c 'import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(l); print((r.get("title", "") + " " + r.get("body", "")).replace("\n", " "))' "$IN" > "$IN.txt"
fi
echo "hot bench: $(wc -l < "$IN") messages, $(($(stat -c %s "$IN") / 1048576)) MB, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
out=$(mktemp); trap 'rm -f "$out" "$out.time" "$out.ref"' EXIT
/usr/bin/time -f "%e %U %S %M" -o "$out.time" "$MINYI" hot --data "$IN" --top 5 > "$out"
read -r secs usr sys rss < "$out.time"
/usr/bin/time -f "%e %U %S %M" -o "$out.ref" "$MINYI" seg < "$IN.txt" > /dev/null
read -r rsecs rusr rsys rrss < "$out.ref"
cut -f2- "$out" | sed 's/^/  /'
cpu=$(echo "$usr + $sys" | bc); rcpu=$(echo "$rusr + $rsys" | bc)
echo "minyi hot: ${secs}s wall, ${cpu}s CPU, max RSS $((rss / 1024)) MB, checksum $(md5sum < "$out" | cut -c1-16)"
echo "reference minyi seg (one core): ${rsecs}s wall, ${rcpu}s CPU, max RSS $((rrss / 1024)) MB"
echo "ratio minyi hot / seg CPU seconds: $(echo "scale=2; $cpu / $rcpu" | bc)"
if [ "$N" != 1000000 ]; then echo "hot bench: the 60 s target is for N=1000000"
elif [ "$(echo "$secs <= 60" | bc)" = 1 ]; then echo "hot bench: within target (<= 60 s)"
else echo "hot bench: over the 60 s target (load $(cut -d' ' -f1 /proc/loadavg); CPU ${cpu}s over $(nproc) cores)"; fi
