#!/usr/bin/env bash
# CLI tests for `minyi import` in one pass (rows analysed before they are
# written) and its bulk path (secondary indexes and per-row counting
# triggers dropped and made again, the counters kept per batch): the same
# database as `import --no-analyze` then `analyze` (every counter table
# included), nothing left pending, `minyi check` clean, every index and
# trigger back, and a list left by an import that died made again at the
# next open. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT

# Both paths on 3,000 generated messages, compared table by table.
out=$(MINYI="$M" bash scripts/import-compare.sh 3000 "$d/cmp" 2>&1); rc=$?
t "one pass equals import then analyze (scripts/import-compare.sh)" "0" "$rc"
[ "$rc" = 0 ] || echo "$out"
t "every table compared is equal" "0" "$(grep -c DIFFERENT <<<"$out")"
t "the rows compared" "messages 3004" "$(awk '$1 == "messages" { print $1, $2 }' <<<"$out")"
t "nothing pending after a one-pass import" "0" "$(awk '/^pending after import/ { print $4 }' <<<"$out")"
t "minyi check clean after a one-pass import" "all checks passed" "$(grep -o 'all checks passed' <<<"$out")"

# The bulk path: the secondary indexes and triggers of the base database all come back.
idx() { sqlite3 "$1" "SELECT group_concat(name || ':' || sql, ' | ') FROM (SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'messages' ORDER BY name)"; }
t "the same indexes and triggers after the bulk import" "$(idx "$d/cmp/base.db")" "$(idx "$d/cmp/new.db")"
t "no index list left behind" "0" "$(sqlite3 "$d/cmp/new.db" "SELECT count(*) FROM settings WHERE key LIKE 'bulk_import%'")"
t "the bulk import said it made them again" "1" "$(cp "$d/cmp/base.db" "$d/b.db"; "$M" import --db "sqlite:$d/b.db" --consultation 1 --data "$d/cmp/in.jsonl" 2>&1 >/dev/null | grep -c 'indexes and counting triggers made again')"

# A re-import adds nothing and changes no analysis.
before=$(sqlite3 "$d/cmp/new.db" "SELECT count(*), sum(group_id), sum(analyzed) FROM messages")
out=$("$M" import --db "sqlite:$d/cmp/new.db" --consultation 1 --data "$d/cmp/in.jsonl" 2>&1)
t "re-import: every row already in" "3000 already imported" "$(grep -o '[0-9]* already imported' <<<"$out" | head -1)"
t "re-import changes nothing" "$before" "$(sqlite3 "$d/cmp/new.db" "SELECT count(*), sum(group_id), sum(analyzed) FROM messages")"

# An import that died after dropping the indexes: the next open makes them again.
cp "$d/cmp/base.db" "$d/crash.db"
sql=$(sqlite3 "$d/crash.db" "SELECT sql FROM sqlite_master WHERE name = 'messages_dept_new'")
sqlite3 "$d/crash.db" "DROP INDEX messages_dept_new; INSERT INTO settings(key, value) VALUES ('bulk_import_indexes', '$sql;')"
"$M" check --db "sqlite:$d/crash.db" > /dev/null
t "an open after a crash makes the dropped index again" "$(idx "$d/cmp/base.db")" "$(idx "$d/crash.db")"
t "and forgets the list" "0" "$(sqlite3 "$d/crash.db" "SELECT count(*) FROM settings WHERE key = 'bulk_import_indexes'")"
# The same for a counting trigger; the counters themselves need no repair
# (each committed batch counted its rows), which minyi check confirms.
cp "$d/cmp/new.db" "$d/crash2.db"
sql=$(sqlite3 "$d/crash2.db" "SELECT sql FROM sqlite_master WHERE name = 'messages_count_insert'")
sqlite3 "$d/crash2.db" "DROP TRIGGER messages_count_insert; INSERT INTO settings(key, value) VALUES ('bulk_import_indexes', '$sql;')"
t "an open after a crash makes the dropped trigger again" "all checks passed" "$("$M" check --db "sqlite:$d/crash2.db" 2>&1 | grep -o 'all checks passed')"
t "and the trigger is the same" "$(idx "$d/cmp/new.db")" "$(idx "$d/crash2.db")"

# A row written by another process while the counting triggers were away
# (then analysed and routed through the update triggers): nobody counted
# it, so the end of the bulk import counts every row again.
cp "$d/cmp/new.db" "$d/inter.db"
trig="'messages_count_insert','messages_counts_insert','messages_inbox_insert','messages_public_insert'"
sqlite3 "$d/inter.db" "INSERT INTO settings SELECT 'bulk_import_indexes', group_concat(sql || ';', char(10)) FROM sqlite_master WHERE name IN ($trig);
  INSERT INTO settings SELECT 'bulk_import_counted', max(id) FROM messages;
  DROP TRIGGER messages_count_insert; DROP TRIGGER messages_counts_insert; DROP TRIGGER messages_inbox_insert; DROP TRIGGER messages_public_insert;
  INSERT INTO messages(consultation_id, tracking_code, title, body, type) VALUES (1, 'INTERLOPER', 'title', 'body', '建议');
  UPDATE messages SET analyzed = 1, department_id = (SELECT min(id) FROM departments) WHERE tracking_code = 'INTERLOPER';"
t "the row is missing from the counters before the next open" "1" "$(sqlite3 "$d/inter.db" "SELECT (SELECT count(*) FROM messages WHERE consultation_id = 1) - message_count FROM consultations WHERE id = 1")"
# (The dashboard's daily figures are the writer's, not a trigger's: the
# shell's INSERT skipped them, so only the trigger counters are looked at.)
t "the next open counts every row again" "5" "$("$M" check --db "sqlite:$d/inter.db" 2>&1 | grep -cE '^ok +(consultation_count|consultation_public_count|section_public_counts|inbox_counts|consultation_counts) ')"
t "the triggers are back" "$(idx "$d/cmp/new.db")" "$(idx "$d/inter.db")"
t "no note left behind" "0" "$(sqlite3 "$d/inter.db" "SELECT count(*) FROM settings WHERE key LIKE 'bulk_import%'")"

# --no-analyze leaves the rows to the analyzer, as before.
cp "$d/cmp/base.db" "$d/na.db"
"$M" import --db "sqlite:$d/na.db" --consultation 1 --data "$d/cmp/in.jsonl" --no-analyze --quiet > /dev/null 2>&1
t "--no-analyze leaves the rows pending" "3000" "$(sqlite3 "$d/na.db" "SELECT count(*) FROM messages WHERE analyzed = 0")"
t "--no-analyze keeps the indexes" "$(idx "$d/cmp/base.db")" "$(idx "$d/na.db")"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
