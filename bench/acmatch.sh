#!/usr/bin/env bash
# bench/acmatch.sh: sensitive-word matching throughput (issue 5, target
# >= 100 MB/s with 10k patterns; microseconds per message with 100k).
# Text: the teddy2020c messages and replies repeated to ~100 MB, in /tmp.
# Reference in the same run: GNU grep -F -f (Commentz-Walter / Aho-Corasick)
# over the same text and patterns, printing every (non-overlapping) match
# with -o. grep does no folding, no gap skipping and reports no overlapping
# matches, so it has less to do; the ratio is minyi / grep.
set -eu
cd "$(dirname "$0")/.."
B=${BUILD:-build}
D=../shared/data/teddy2020c
[ -d "$D" ] || { echo "acmatch: $D missing, skipped"; exit 0; }
make -s BUILD="$B" "$B/rel/bench/acmatch" >/dev/null
tmp=$(mktemp -d /tmp/minyi-acm.XXXXXX); trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6 7 8; do cat "$D/labeled_bodies.tsv" "$D/replies.tsv"; done > "$tmp/text"
mb=$(awk -v s="$(stat -c %s "$tmp/text")" 'BEGIN{printf "%.1f", s/1048576}')

for np in 10000 100000; do
  out=$("$B/rel/bench/acmatch" "$tmp/text" "$np" "$tmp/pats")
  echo "$out"
  ours=$(echo "$out" | sed -n 's/^acmatch: \([0-9.]*\) MB\/s.*/\1/p')
  best=999999
  for r in 1 2 3; do
    s=$(date +%s.%N)
    lines=$(LC_ALL=C grep -F -o -f "$tmp/pats" "$tmp/text" | wc -l || true)
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    best=$(echo "if ($t < $best) $t else $best" | bc -l)
  done
  ref=$(echo "$mb / $best" | bc -l)
  printf 'reference grep -F -f (%s patterns): %.1f MB/s, %s matches\n' "$np" "$ref" "$lines"
  printf 'ratio minyi/grep: %.2f\n' "$(echo "$ours / $ref" | bc -l)"
done
