#!/usr/bin/env bash
# CLI test: `minyi analyze` moves the rows of a big merged group before it
# ends (the analysis records the merge; the command then moves the rows in
# steps), and `minyi import` does so for the pending messages it analyses
# first. Ends with "N passed, N failed".
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
# A = p+Q, B = Q+R, C = R+s (runs of CJK characters sharing nothing):
# B bridges the campaigns of A and C.
python3 - "$d" <<'PY'
import sys
run = lambda base, n: ''.join(chr(base + i * 7) for i in range(n))
p, q, r, s = run(0x4E00, 12), run(0x5000, 80), run(0x6000, 80), run(0x7000, 12)
with open(sys.argv[1] + '/two.tsv', 'w') as f:
    f.write('id\ttitle\tbody\ttype\n')
    for i in range(2100): f.write(f'a{i}\t{p}\t{p}{q}\t建议\n')
    for i in range(2100): f.write(f'c{i}\t{s}\t{r}{s}\t建议\n')
    f.write(f'b\t{q[:6]}{r[:6]}\t{q}{r}\t建议\n')
PY
"$M" import --quiet --no-analyze --db "$db" --consultation 2 --data "$d/two.tsv" >/dev/null 2>&1
"$M" analyze --db "$db" >/dev/null 2>"$d/err"
q() { sqlite3 "$d/db" "$1"; }
ga=$(q "SELECT group_id FROM messages WHERE source_id = 'a0'")
t "the bridge joins the older campaign" "$ga" "$(q "SELECT group_id FROM messages WHERE source_id = 'b'")"
t "the merge was one to move in steps" "2100 1" "$(q "SELECT json_extract(detail, '\$.moved') || ' ' || json_extract(detail, '\$.in_steps') FROM events WHERE kind = 'group_merged'")"
t "analyze moved every row before it ended" "4201 0" "$(q "SELECT count(*) FROM messages WHERE group_id = $ga") $(q "SELECT count(*) FROM group_moves WHERE finished_at IS NULL")"
t "analyze says how many rows it moved" "1" "$(grep -c '2100 rows of merged groups moved' "$d/err")"
t "minyi check passes" "1" "$("$M" check --db "$db" 2>&1 | grep -c 'all checks passed')"
# A merge recorded but not moved (a server stopped first): the next import moves it.
gx=$(q "SELECT id FROM messages WHERE source_id = 'c1'")
q "UPDATE messages SET group_id = $gx WHERE source_id IN ('c1', 'c2')"   # a group of two, as if merged away
q "INSERT INTO group_moves(from_group, into_group, size) VALUES ($gx, $ga, 2)"
t "a recorded move waiting" "2 1" "$(q "SELECT count(*) FROM messages WHERE group_id = $gx") $(q "SELECT count(*) FROM group_moves WHERE finished_at IS NULL")"
printf 'id\ttitle\tbody\ttype\nz1\t路灯\t路灯不亮\t投诉\n' > "$d/one.tsv"
"$M" import --quiet --db "$db" --consultation 2 --data "$d/one.tsv" >/dev/null 2>&1
t "import finishes a recorded move first" "0 0 4201" "$(q "SELECT count(*) FROM messages WHERE group_id = $gx") $(q "SELECT count(*) FROM group_moves WHERE finished_at IS NULL") $(q "SELECT count(*) FROM messages WHERE group_id = $ga")"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
