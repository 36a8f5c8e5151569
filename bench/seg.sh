#!/usr/bin/env bash
# Segmentation speed (issue 3): minyi's C segmenter vs python3-jieba on the
# same text (the SIGHAN PKU test set repeated to >= 25 MB), single thread,
# dictionary already loaded. Both print a BLAKE2b checksum of their output
# (words joined by spaces, a line per line): equal checksums = equal output.
# SEG_BENCH_MB sets the text size, SEG_BENCH_REF_MB the size given to jieba
# (default: the same text; ~30 s at jieba's ~0.9 MB/s).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${BUILD:-build}
file=${SEG_BENCH_FILE:-../shared/data/sighan2005/pku_test.utf8}
mb=${SEG_BENCH_MB:-25}
ref_mb=${SEG_BENCH_REF_MB:-$mb}
[ -r "$file" ] || { echo "bench/seg: $file not found (../shared/data)"; exit 1; }
[ -x "$B/rel/bench/seg" ] || make -s BUILD="$B" "$B/rel/bench/seg"
out=$("$B/rel/bench/seg" --mb "$mb" --runs 3 "$file")
echo "$out"
ours=$(sed -n 's/^minyi seg: \([0-9.]*\) MB\/s.*/\1/p' <<<"$out")
ref=$(/usr/bin/python3 - "$file" "$ref_mb" <<'PY'
import sys, time, hashlib, logging
t0 = time.time()
import jieba
jieba.setLogLevel(logging.WARNING)
jieba.initialize()
load = time.time() - t0
path, mb = sys.argv[1], float(sys.argv[2])
src = [l.rstrip(b'\n').rstrip(b'\r').decode('utf-8') for l in open(path, 'rb')]
lines, size = [], 0
while size < mb * 1e6:
    for l in src:
        lines.append(l); size += len(l.encode('utf-8'))
t = time.time()
out = [' '.join(w for w in jieba.cut(l) if not w.isspace()) for l in lines]
secs = time.time() - t
h = hashlib.blake2b(digest_size=32)
for o in out: h.update(o.encode('utf-8') + b'\n')
print(f"python3-jieba: {size/1e6/secs:.2f} MB/s ({size/1e6:.1f} MB in {secs:.1f} s), dictionary load {load*1e3:.0f} ms")
print(f"python3-jieba checksum: {h.hexdigest()}")
PY
)
echo "$ref"
theirs=$(sed -n 's/^python3-jieba: \([0-9.]*\) MB\/s.*/\1/p' <<<"$ref")
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio: %.0fx python3-jieba (target: >= 60 MB/s single thread)\n", a / b }'
c1=$(sed -n 's/^checksum: //p' <<<"$out"); c2=$(sed -n 's/^python3-jieba checksum: //p' <<<"$ref")
if [ "$mb" = "$ref_mb" ]; then
  if [ "$c1" = "$c2" ]; then echo "checksums equal: identical output"; else echo "checksums DIFFER"; exit 1; fi
fi
