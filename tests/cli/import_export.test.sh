#!/usr/bin/env bash
# CLI tests for `minyi import`, `minyi analyze` and `minyi export`: real
# messages in, bad rows reported and skipped, original times kept, personal
# data masked on the way out. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
db="sqlite:$d/db"
"$M" demo --db "$db" >/dev/null
D=../shared/data/teddy2020c
# --no-analyze: the rows wait for `minyi analyze` below (a plain import analyses them as they go in).

out=$("$M" import --db "$db" --consultation 2 --data "$D/labeled_full.tsv" --no-analyze 2>"$d/err")
t "real file imported" "456" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
t "per-file count" "$D/labeled_full.tsv: 456 rows taken, 0 skipped" "$(grep 'rows taken' "$d/err")"
t "original time kept (Beijing time to UTC)" "2020-01-06T04:09:38Z" "$(sqlite3 "$d/db" "SELECT created_at FROM messages WHERE author = 'A00074011'")"

printf 'title\tbody\tcreated_at\ttype\n路灯不亮\t请联系13912340000\t2021/3/5 08:00\t投诉\n \t \t\t投诉\nbad\xff\tx\t\t\n只有标题\t\tnot a time\tunknown\n' > "$d/bad.tsv"
out=$("$M" import --db "$db" --consultation 2 --data "$d/bad.tsv" --no-analyze 2>"$d/err")
t "good rows of a bad file go in" "2" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
t "empty row reported" "1" "$(grep -c 'bad.tsv:3: no text' "$d/err")"
t "invalid UTF-8 reported with line" "1" "$(grep -c 'bad.tsv:4: invalid UTF-8' "$d/err")"
t "unreadable time reported, row kept" "1" "$(grep -c "bad.tsv:5: unreadable time 'not a time'" "$d/err")"
t "unknown type falls back to the default" "建议" "$(sqlite3 "$d/db" "SELECT type FROM messages WHERE title = '只有标题'")"
t "body-only rows get a title, title-only rows a body" "只有标题" "$(sqlite3 "$d/db" "SELECT body FROM messages WHERE title = '只有标题'")"

"$M" import --db "$db" --consultation 999 --data "$d/bad.tsv" >/dev/null 2>"$d/err"; rc=$?
t "unknown consultation refused" "1 1" "$rc $(grep -c 'no consultation 999' "$d/err")"
"$M" import --db "$db" --data "$d/bad.tsv" >/dev/null 2>&1; t "missing --consultation is a usage error" 2 $?
printf 'foo\tbar\n1\t2\n' > "$d/cols.tsv"
"$M" import --db "$db" --consultation 2 --data "$d/cols.tsv" >/dev/null 2>"$d/err"; rc=$?
t "unknown columns refused, naming them" "1 1" "$rc $(grep -c 'foo, bar' "$d/err")"

out=$("$M" analyze --db "$db")
t "analyze takes the pending messages" "462 messages analyzed" "$out"
t "nothing left to analyze" "0 messages analyzed" "$("$M" analyze --db "$db" 2>/dev/null)"

"$M" export --db "$db" --consultation 2 --format jsonl > "$d/out.jsonl" 2>"$d/err"
t "export count" "461" "$(wc -l < "$d/out.jsonl")"
t "export says it masked" "exported 461 messages (personal data masked)" "$(cat "$d/err")"
t "mobile masked in export" "1 0" "$(grep -c '139\*\*\*\*0000' "$d/out.jsonl") $(grep -c '13912340000' "$d/out.jsonl")"
"$M" export --db "$db" --consultation 2 --unmasked > "$d/raw.jsonl" 2>/dev/null
t "--unmasked keeps the original" "1" "$(grep -c '13912340000' "$d/raw.jsonl")"
"$M" export --db "$db" --format csv --chinese > "$d/out.csv" 2>/dev/null
t "csv with Chinese headers" "留言编号,查询码,留言主题" "$(head -1 "$d/out.csv" | cut -d, -f1-3)"
t "csv reads back with minyi's own reader" "1" "$("$M" pii --data "$d/out.csv" >/dev/null 2>"$d/err"; grep -c 'rows' "$d/err" || true)"
"$M" export --db "$db" --format xml >/dev/null 2>&1; t "bad format is a usage error" 2 $?

head -51 "$D/replies.tsv" > "$d/replies.tsv"
out=$("$M" import --db "$db" --consultation 1 --data "$d/replies.tsv" 2>/dev/null)
t "replies come along" "imported 50 messages (0 rows skipped, 50 with their reply)" "$(sed 's/ into consultation.*//' <<<"$out")"
t "imported replies are answered, with their original time" "50|50" "$(sqlite3 "$d/db" "SELECT count(*), sum(first_reply_at < '2021-01-01') FROM messages m JOIN replies r ON r.message_id = m.id WHERE m.consultation_id = 1 AND m.state = 'replied' AND r.user_id IS NULL")"

# Re-import and gzip: the same rows never go in twice, with or without an id column.
"$M" consultation add "重复导入" --db "$db" >/dev/null
cid=$(sqlite3 "$d/db" "SELECT max(id) FROM consultations")
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/replies.tsv" 2>/dev/null)
t "first import of a file" "50" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/replies.tsv" 2>"$d/err")
t "re-import adds nothing" "imported 0 messages (0 rows skipped, 50 already imported, 0 with their reply)" "$(sed 's/ into consultation.*//' <<<"$out")"
t "re-import says so per file" "$d/replies.tsv: 0 rows taken, 50 already imported, 0 skipped" "$(grep 'rows taken' "$d/err")"
printf 'title\tbody\n没有编号的留言\t同一内容\n没有编号的留言\t同一内容\n' > "$d/noid.tsv"
gzip -c "$d/noid.tsv" > "$d/noid.tsv.gz"
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/noid.tsv.gz" 2>"$d/err")
t "gzip read; identical rows without an id both go in" "2" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/noid.tsv" 2>"$d/err")
t "the same file plain: nothing again" "0" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
t "rows in the consultation" "52" "$(sqlite3 "$d/db" "SELECT count(*) FROM messages WHERE consultation_id = $cid")"
head -c 60 "$d/noid.tsv.gz" > "$d/cut.tsv.gz"
"$M" import --quiet --db "$db" --consultation "$cid" --data "$d/cut.tsv.gz" >/dev/null 2>"$d/err"; rc=$?
t "truncated gzip refused with its name" "1 1" "$rc $(grep -c 'cut.tsv.gz' "$d/err")"
gzip -c "$d/bad.tsv" > "$d/bad.tsv.gz"
"$M" import --quiet --db "$db" --consultation "$cid" --data "$d/bad.tsv.gz" >/dev/null 2>"$d/err"
t "bad rows of a gzip file reported with file:line" "1 1" "$(grep -c 'bad.tsv.gz:3: no text' "$d/err") $(grep -c 'bad.tsv.gz:4: invalid UTF-8' "$d/err")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
