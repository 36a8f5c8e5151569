#!/usr/bin/env bash
# CLI tests for `minyi gen`: the same bytes for the same seed (whatever the
# threads), the distributions docs/gen.md promises (length, campaigns, spam,
# personal data, types, times in the period), and output that `minyi import`
# takes whole. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
D=../shared/data/teddy2020c

"$M" gen --count 20000 --seed 7 --out "$d/a.jsonl" --threads 2 --quiet
"$M" gen --count 20000 --seed 7 --out "$d/b.jsonl" --threads 1 --quiet
t "same seed, same bytes (2 threads or 1)" "$(sha256sum < "$d/a.jsonl")" "$(sha256sum < "$d/b.jsonl")"
"$M" gen --count 20000 --seed 8 --out "$d/c.jsonl" --quiet
t "another seed, other messages" "different" "$(cmp -s "$d/a.jsonl" "$d/c.jsonl" && echo same || echo different)"
"$M" gen --count 300 --seed 7 --quiet > "$d/head.jsonl"
t "a smaller run to stdout is well formed" "300" "$(wc -l < "$d/head.jsonl")"

# Distribution checks over the 20,000 messages (both vocabularies).
check() {  # check NAME FILE: prints the figures docs/gen.md promises, as PASS/MISS words
  python3 - "$2" <<'EOF'
import json, sys, datetime
n = 0; chars = 0; camp = 0; spam = 0; pii = 0; types = set(); tmin = None; tmax = None
titles_ok = 0; longest = 0; ids_ok = True; piis_found = 0
for line in open(sys.argv[1], encoding='utf-8'):
    m = json.loads(line); n += 1
    tl, bl = len(m['title']), len(m['body'])
    chars += tl + bl; longest = max(longest, bl)
    titles_ok += 8 <= tl <= 30
    camp += m['gen_campaign'] > 0; spam += m['gen_spam']; types.add(m['type'])
    if m['gen_pii']:
        pii += 1
        digits = ''.join(ch if ch.isdigit() or ch == 'X' else ' ' for ch in m['body']).split()
        piis_found += any(len(x) in (11, 18) for x in digits)
    ids_ok &= m['id'] == n
    t = datetime.datetime.strptime(m['created_at'], '%Y-%m-%d %H:%M:%S')
    tmin = t if tmin is None else min(tmin, t); tmax = t if tmax is None else max(tmax, t)
print('mean', 'ok' if 28 <= chars / n <= 40 else 'bad %.1f' % (chars / n))
print('titles', 'ok' if titles_ok / n >= 0.9 else 'bad %.3f' % (titles_ok / n))
print('long', 'ok' if 300 <= longest <= 2100 else 'bad %d' % longest)
print('campaign', 'ok' if 0.20 <= camp / n <= 0.40 else 'bad %.3f' % (camp / n))
print('spam', 'ok' if 0.015 <= spam / n <= 0.025 else 'bad %.4f' % (spam / n))
print('pii', 'ok' if 0.02 <= pii / n <= 0.04 and piis_found == pii else 'bad %.4f %d/%d' % (pii / n, piis_found, pii))
print('types', ' '.join(sorted(types)))
print('ids', 'ok' if ids_ok else 'bad')
print('period', tmin >= datetime.datetime(2026, 3, 1) and tmax < datetime.datetime(2026, 3, 31))
EOF
}
for vocab in real builtin; do
  f="$d/a.jsonl"
  if [ $vocab = builtin ]; then "$M" gen --builtin --count 20000 --seed 7 --out "$d/bi.jsonl" --quiet; f="$d/bi.jsonl"; fi
  [ $vocab = real ] && [ ! -d "$D" ] && continue
  out=$(check $vocab "$f")
  t "$vocab: ~34 characters a message" "mean ok" "$(grep ^mean <<<"$out")"
  t "$vocab: titles of 10-25 characters" "titles ok" "$(grep ^titles <<<"$out")"
  t "$vocab: a few bodies of hundreds of characters" "long ok" "$(grep ^long <<<"$out")"
  t "$vocab: 20-40% in mail-merge campaigns" "campaign ok" "$(grep ^campaign <<<"$out")"
  t "$vocab: ~2% spam" "spam ok" "$(grep ^spam <<<"$out")"
  t "$vocab: ~3% with a phone or ID number, each really there" "pii ok" "$(grep ^pii <<<"$out")"
  t "$vocab: the 5 types" "types 咨询 建议 感谢 投诉 求助" "$(grep ^types <<<"$out")"
  t "$vocab: ids count up" "ids ok" "$(grep ^ids <<<"$out")"
  t "$vocab: times within the period" "period True" "$(grep ^period <<<"$out")"
done

"$M" gen --count 2000 --seed 3 --start 2025-12-30 --days 3 --out "$d/p.jsonl" --quiet
t "--start and --days bound the times" "2025-12-30 2026-01-01" "$(head -1 "$d/p.jsonl" | sed 's/.*"created_at":"\([0-9-]*\).*/\1/') $(tail -1 "$d/p.jsonl" | sed 's/.*"created_at":"\([0-9-]*\).*/\1/')"
"$M" gen --count 50 --from "$d/nowhere" --out "$d/fb.jsonl" 2>"$d/err"
t "absent --from falls back to the built-in vocabulary, saying so" "1 50" "$(grep -c 'nowhere: no labelled messages.*built-in vocabulary' "$d/err") $(wc -l < "$d/fb.jsonl")"

"$M" demo --db "sqlite:$d/db" >/dev/null
out=$("$M" import --db "sqlite:$d/db" --consultation 1 --data "$d/a.jsonl" 2>"$d/err")
t "minyi import takes every generated row" "imported 20000 messages (0 rows skipped" "$(grep -o 'imported [0-9]* messages ([0-9]* rows skipped' <<<"$out")"
t "times kept on import" "$(head -1 "$d/a.jsonl" | python3 -c 'import json,sys,datetime; m=json.load(sys.stdin); print((datetime.datetime.strptime(m["created_at"],"%Y-%m-%d %H:%M:%S")-datetime.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ"))')" \
  "$(sqlite3 "$d/db" "SELECT created_at FROM messages WHERE consultation_id = 1 AND author = '$(head -1 "$d/a.jsonl" | sed 's/.*"user":"\([^"]*\)".*/\1/')' ORDER BY id LIMIT 1")"

"$M" gen --seed 1 >/dev/null 2>&1; t "missing --count is a usage error" 2 $?
"$M" gen --count 0 >/dev/null 2>"$d/err"; t "--count 0 refused, naming it" "2 1" "$? $(grep -c -- '--count' "$d/err")"
"$M" gen --count 5 --seed x >/dev/null 2>&1; t "bad seed is a usage error" 2 $?
"$M" gen --count 5 --start 2026-13-01 >/dev/null 2>&1; t "bad start date is a usage error" 2 $?
"$M" gen --count 5 --out "$d/no/such/dir.jsonl" --quiet 2>"$d/err"; t "unwritable output fails with the path" "1 1" "$? $(grep -c 'no/such/dir' "$d/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
