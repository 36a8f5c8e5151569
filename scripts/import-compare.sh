#!/usr/bin/env bash
# scripts/import-compare.sh: `minyi import` in one pass (rows analysed before
# they are written) against `minyi import --no-analyze` then `minyi analyze`,
# on the same generated messages: every analysis column of every row, the
# aggregates, keyword counts, groups, audit rows, search index and the kept
# near-duplicate image must be equal. Prints one line per table and exits 1
# on any difference.
#   usage: scripts/import-compare.sh [N (default 200000)] [DIR (default a temporary one)]
#   MINYI: the binary (default ./minyi); MINYI_DICT as for any run.
set -uo pipefail
N=${1:-200000}
M=${MINYI:-$PWD/minyi}
dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/import-compare.XXXXXX")}
mkdir -p "$dir"
[ -s "$dir/in.jsonl" ] || "$M" gen --count "$N" --seed 1 --out "$dir/in.jsonl" --quiet || exit 1
rm -f "$dir"/old.db* "$dir"/new.db*
# One demo database, its own messages analysed, copied: both start equal.
rm -f "$dir"/base.db*
"$M" demo --db "sqlite:$dir/base.db" > /dev/null && "$M" analyze --db "sqlite:$dir/base.db" --quiet > /dev/null 2>&1 || exit 1
sqlite3 "$dir/base.db" "PRAGMA wal_checkpoint(TRUNCATE)" > /dev/null
cp "$dir/base.db" "$dir/old.db" && cp "$dir/base.db" "$dir/new.db" || exit 1
# GNU time when there (Debian package time, not in a minimal system: the
# tests run this script too); else the command untimed.
TIME_BIN=${TIME_BIN:-/usr/bin/time}
tm() {
  if [ -x "$TIME_BIN" ]; then "$TIME_BIN" -f "%e s wall, %U+%S s CPU, %M KB" "$@"
  else "$@"; local rc=$?; echo "(not timed: no $TIME_BIN)" >&2; return $rc; fi
}
echo "old: import --no-analyze, then analyze"
tm "$M" import --db "sqlite:$dir/old.db" --consultation 1 --data "$dir/in.jsonl" --quiet --no-analyze 2>&1 >/dev/null | tail -1
tm "$M" analyze --db "sqlite:$dir/old.db" --quiet 2>&1 >/dev/null | tail -1
echo "new: import (one pass)"
tm "$M" import --db "sqlite:$dir/new.db" --consultation 1 --data "$dir/in.jsonl" --quiet 2>&1 >/dev/null | tail -1
pending=$(sqlite3 "$dir/new.db" "SELECT count(*) FROM messages WHERE analyzed = 0")

# Every column but the random tracking code and the time of analysis.
cols=$(sqlite3 "$dir/old.db" "SELECT group_concat(name, ', ') FROM pragma_table_info('messages') WHERE name NOT IN ('tracking_code', 'analyzed_at')")
bad=0
cmp() {   # name, query over db.: rows of old not in new and of new not in old
  local q="$2" d
  d=$(sqlite3 "$dir/old.db" "ATTACH '$dir/new.db' AS n;
      SELECT (SELECT count(*) FROM (SELECT * FROM (${q//db./main.}) EXCEPT SELECT * FROM (${q//db./n.})))
           + (SELECT count(*) FROM (SELECT * FROM (${q//db./n.}) EXCEPT SELECT * FROM (${q//db./main.})));")
  local rows; rows=$(sqlite3 "$dir/old.db" "SELECT count(*) FROM (${q//db./main.})")
  printf '%-22s %8s rows  %s\n' "$1" "$rows" "$([ "$d" = 0 ] && echo equal || echo "DIFFERENT ($d rows)")"
  [ "$d" = 0 ] || bad=1
}
cmp messages "SELECT $cols FROM db.messages"
cmp analyzed_at_set "SELECT id FROM db.messages WHERE analyzed_at IS NOT NULL"
cmp consultations "SELECT id, message_count, public_count FROM db.consultations"
cmp keyword_days "SELECT * FROM db.keyword_days"
cmp msg_groups "SELECT * FROM db.msg_groups"
cmp stats_days "SELECT * FROM db.stats_days"
cmp inbox_counts "SELECT * FROM db.inbox_counts"
cmp open_counts "SELECT * FROM db.open_counts ORDER BY 1, 2"
cmp consultation_counts "SELECT * FROM db.consultation_counts"
cmp section_public_counts "SELECT * FROM db.section_public_counts"
cmp events "SELECT actor_id, kind, message_id, detail FROM db.events"
# The kept near-duplicate image: its bytes differ between two runs of the
# same path (the index's tables are filled by the workers' timing), so
# its extent is compared; the groups it gives are the messages' group_id.
cmp app_state "SELECT name, part, mark, length(data) FROM db.app_state"
# The search index: the token counts of every row and column (the index's
# segments themselves differ: the analyzer commits 256 rows at a time, the
# import a batch; the sqlite3 shell cannot load the tokenizer to compare
# the merged index).
cmp search_docsize "SELECT * FROM db.messages_fts_docsize"
printf '%-22s %8s\n' "pending after import" "$pending"
[ "$pending" = 0 ] || bad=1
check=$("$M" check --db "sqlite:$dir/new.db" 2>&1 | tail -1)
echo "minyi check (new): $check"
[ -z "${2:-}" ] && rm -rf "$dir"
exit $bad
