#!/usr/bin/env bash
# CLI test for `minyi digest`: each department's day counted by China's
# calendar day (new by arrival; overdue, due within 2 working days and
# urged as of the end of that day), the unrouted queue, and bad input.
# Ends with "N passed, N failed".
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
# Three 咨询 (5 working days) about 公交 (routed to 交通运输局 by its keyword) on
# Monday 2026-03-02, China time: one just before midnight; one just after
# midnight belongs to Tuesday. One message about nothing routable.
printf 'id\ttitle\tbody\ttype\tcreated_at\n' > "$d/in.tsv"
printf 'a1\t公交站牌\t公交站牌倒了\t咨询\t2026-03-02T02:00:00Z\n' >> "$d/in.tsv"
printf 'a2\t公交线路\t公交线路太少\t咨询\t2026-03-02T09:00:00Z\n' >> "$d/in.tsv"
printf 'a3\t公交末班\t公交末班车太早\t咨询\t2026-03-02T15:30:00Z\n' >> "$d/in.tsv"
printf 'a4\t公交卡\t公交卡充值\t咨询\t2026-03-02T16:10:00Z\n' >> "$d/in.tsv"
printf 'a5\t随便说说\t今天天气不错\t咨询\t2026-03-02T03:00:00Z\n' >> "$d/in.tsv"
"$M" import --quiet --db "$db" --consultation 2 --data "$d/in.tsv" >/dev/null 2>"$d/err"
"$M" analyze --db "$db" >/dev/null 2>&1
t "routed by keyword" "4" "$(sqlite3 "$d/db" "SELECT count(*) FROM messages m JOIN departments d ON d.id = m.department_id WHERE d.name = '交通运输局' AND m.source_id IS NOT NULL")"

j() { "$M" digest --db "$db" --json "$@" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s=%s" % (k, x[k]) for x in d["departments"] for k in ("new","overdue","due_soon","urged","urged_today")))'; }
t "Monday: three new (China's day), nothing due yet" "new=3 overdue=0 due_soon=0 urged=0 urged_today=0" "$(j --department 交通运输局 --date 2026-03-02)"
t "Tuesday: the one after midnight" "new=1 overdue=0 due_soon=0 urged=0 urged_today=0" "$(j --department 交通运输局 --date 2026-03-03)"
t "Friday: all four due within 2 working days (by Tuesday)" "new=0 overdue=0 due_soon=4 urged=0 urged_today=0" "$(j --department 交通运输局 --date 2026-03-06)"
t "the next Monday, at its end: three overdue, one due" "new=0 overdue=3 due_soon=1 urged=0 urged_today=0" "$(j --department 交通运输局 --date 2026-03-09)"
# A leader's urging (督办) as the lifecycle records it on the message.
sqlite3 "$d/db" "UPDATE messages SET urged_at = '2026-03-05T01:00:00Z', urge_count = 1 WHERE source_id = 'a1'"
t "urged: open urged messages, and those urged that day" "new=0 overdue=0 due_soon=3 urged=1 urged_today=1" "$(j --department 交通运输局 --date 2026-03-05)"
sqlite3 "$d/db" "UPDATE messages SET state = 'replied' WHERE source_id = 'a2'"
t "a replied message is no longer overdue" "new=0 overdue=2 due_soon=1 urged=1 urged_today=0" "$(j --department 交通运输局 --date 2026-03-09)"

out=$("$M" digest --db "$db" --date 2026-03-02)
t "text: every department and the unrouted queue" "1 1 1" "$(grep -c '^交通运输局$' <<<"$out") $(grep -c '^待分办$' <<<"$out") $(grep -c '^教育局$' <<<"$out")"
t "text: the figures under the department" "新收留言       3" "$(sed -n '/^交通运输局$/,/^$/p' <<<"$out" | grep 新收留言 | sed 's/^ *//')"
t "the unrouted message counted in the queue" "1" "$("$M" digest --db "$db" --date 2026-03-02 --json | python3 -c 'import json,sys; print([x["new"] for x in json.load(sys.stdin)["departments"] if x["id"] == 0][0])')"

"$M" digest --db "$db" --date 2026-02-30 >/dev/null 2>"$d/err"; rc=$?
t "a bad date is a usage error naming it" "2 1" "$rc $(grep -c "2026-02-30" "$d/err")"
"$M" digest --db "$db" --department 不存在的局 >/dev/null 2>"$d/err"; rc=$?
t "an unknown department is refused" "1 1" "$rc $(grep -c '不存在的局' "$d/err")"
"$M" digest --db "$db" --bogus >/dev/null 2>&1; t "unknown option" 2 $?

# Today's overdue figure comes from the count of each department's open
# messages less those not due yet: it must equal counting the overdue.
today() { "$M" digest --db "$db" --json | python3 -c 'import json,sys; [print(x["id"], x["overdue"]) for x in json.load(sys.stdin)["departments"]]' | sort -n | tr '\n' ' '; }
want() { sqlite3 "$d/db" "SELECT d.id, (SELECT count(*) FROM messages m WHERE m.department_id IS nullif(d.id, 0) AND m.state IN ('new','assigned')
  AND m.due_at < strftime('%Y-%m-%dT%H:%M:%SZ','now')) FROM (SELECT id FROM departments WHERE disabled = 0 UNION ALL SELECT 0) d ORDER BY 1" | tr '|\n' '  '; }
t "today: overdue as counted" "$(want)" "$(today)"
t "today: three overdue in 交通运输局" "3" "$("$M" digest --db "$db" --department 交通运输局 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["departments"][0]["overdue"])')"
# Moved, reopened, given a deadline to come, or none: still as counted.
sqlite3 "$d/db" "UPDATE messages SET department_id = (SELECT id FROM departments WHERE name = '教育局') WHERE source_id = 'a3'"
sqlite3 "$d/db" "UPDATE messages SET state = 'assigned' WHERE source_id = 'a2'"
sqlite3 "$d/db" "UPDATE messages SET due_at = '2999-01-01T00:00:00Z' WHERE source_id = 'a4'"
sqlite3 "$d/db" "UPDATE messages SET due_at = NULL WHERE source_id = 'a5'"
t "today, after a transfer, a reopening and new deadlines: as counted" "$(want)" "$(today)"
# Any day's figure too: the hours before its end summed, its last hour counted.
# A deadline a second ago (this hour, or the last) and one at a day's end (16:00Z).
sqlite3 "$d/db" "UPDATE messages SET due_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 second') WHERE source_id = 'a2'"
sqlite3 "$d/db" "UPDATE messages SET due_at = '2026-03-09T15:59:59Z' WHERE source_id = 'a1'"
sqlite3 "$d/db" "UPDATE messages SET due_at = '2026-03-09T16:00:00Z', department_id = (SELECT id FROM departments WHERE name = '交通运输局') WHERE source_id = 'a3'"
t "today, a deadline a second ago: as counted" "$(want)" "$(today)"
on() { "$M" digest --db "$db" --date "$1" --json | python3 -c 'import json,sys; [print(x["id"], x["overdue"]) for x in json.load(sys.stdin)["departments"]]' | sort -n | tr '\n' ' '; }
want_on() { sqlite3 "$d/db" "SELECT d.id, (SELECT count(*) FROM messages m WHERE m.department_id IS nullif(d.id, 0) AND m.state IN ('new','assigned')
  AND m.due_at < '$2') FROM (SELECT id FROM departments WHERE disabled = 0 UNION ALL SELECT 0) d ORDER BY 1" | tr '|\n' '  '; }
for day in 2026-03-05 2026-03-09 2026-03-10; do
  t "$day: overdue as counted at the day's end" "$(want_on "$day" "${day}T16:00:00Z")" "$(on "$day")"
done
# Due soon on 2026-03-09 (as of its end, 16:00Z): due by the end of the
# second working day after, 2026-03-11T15:59:59Z, that instant included.
sqlite3 "$d/db" "UPDATE messages SET due_at = '2026-03-10T03:30:00Z' WHERE source_id = 'a4'"
sqlite3 "$d/db" "UPDATE messages SET due_at = '2026-03-11T15:59:59Z', department_id = (SELECT id FROM departments WHERE name = '交通运输局') WHERE source_id = 'a5'"
soon() { "$M" digest --db "$db" --department 交通运输局 --date "$1" --json | python3 -c 'import json,sys; x=json.load(sys.stdin)["departments"][0]; print(x["overdue"], x["due_soon"])'; }
t "2026-03-09: a3 (16:00), a4 (03:30 next day) and a5 (the last second) due soon" "1 3" "$(soon 2026-03-09)"
sqlite3 "$d/db" "UPDATE messages SET due_at = '2026-03-11T16:00:00Z' WHERE source_id = 'a5'"
t "2026-03-09: one second later is not soon" "1 2" "$(soon 2026-03-09)"
t "2026-03-10 (as of 16:00Z): a3 and a4 overdue, a5 due soon" "3 1" "$(soon 2026-03-10)"
t "2026-03-09: the one due at 15:59:59 is overdue, the one at 16:00 not" "1" "$("$M" digest --db "$db" --department 交通运输局 --date 2026-03-09 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["departments"][0]["overdue"])')"
t "the open counts agree with the messages (minyi check)" "open_counts ok" "$("$M" check --db "$db" 2>&1 | awk '$2 == "open_counts" { print $2, $1 }')"

# The counts come from indexes: no query of the digest walks the messages table.
plan=$(sqlite3 "$d/db" "EXPLAIN QUERY PLAN SELECT count(*) FROM messages INDEXED BY messages_dept_created WHERE department_id IS 1 AND created_at >= '2026-03-01' AND created_at < '2026-03-02'")
t "new messages of a day: an index search" "1" "$(grep -c 'SEARCH messages USING COVERING INDEX messages_dept_created' <<<"$plan")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
