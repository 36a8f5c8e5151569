#!/usr/bin/env bash
# CLI tests of Excel files: `minyi export --format xlsx` opened by another
# reader (python3-openpyxl), exported and imported back (round trip), a
# workbook written by openpyxl (shared strings, a date cell, English and
# Chinese headers) imported, and malformed .xlsx files refused with a clear
# error naming the file (and the row where there is one), never a crash.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
PY=/usr/bin/python3   # Debian's, with python3-openpyxl
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
db="sqlite:$d/db"
"$M" demo --db "$db" >/dev/null
printf 'id\ttitle\tbody\ttype\tcreated_at\treply\treplied_at\n' > "$d/in.tsv"
printf 'r1\t公交站台破损\t顶棚破了，联系电话13912345678\t投诉\t2021-03-05 08:00:00\t已修复\t2021-03-06 09:00:00\n' >> "$d/in.tsv"
printf 'r2\t路灯不亮\t"引号"和,逗号 与换行符号\t咨询\t2021-03-05 09:00:00\t\t\n' >> "$d/in.tsv"
printf 'r3\t噪音扰民\t夜间施工噪音大\t投诉\t2021-03-05 10:00:00\t\t\n' >> "$d/in.tsv"
"$M" import --quiet --db "$db" --consultation 2 --data "$d/in.tsv" >/dev/null 2>&1
n=$(sqlite3 "$d/db" "SELECT count(*) FROM messages WHERE consultation_id = 2")

# ---- export, opened by openpyxl
"$M" export --db "$db" --consultation 2 --format xlsx --chinese --out "$d/out.xlsx" 2>"$d/err"
t "export says how many" "exported $n messages (personal data masked)" "$(cat "$d/err")"
read -r -d '' PYREAD <<'PY'
import sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = list(ws.iter_rows(values_only=True))
print(ws.title, len(rows) - 1, "|".join(rows[0][:5]))
print("|".join(str(r[3]) for r in rows[1:] if r[2] == "公交站台破损"))
PY
out=$($PY -c "$PYREAD" "$d/out.xlsx")
t "openpyxl reads the sheet, Chinese headers, every message" "留言 $n 留言编号|查询码|留言主题|留言详情|留言时间" "$(head -1 <<<"$out")"
t "personal data masked in the file" "顶棚破了，联系电话139****5678" "$(sed -n 2p <<<"$out")"
"$M" export --db "$db" --consultation 2 --format xlsx --chinese > "$d/stdout.xlsx" 2>/dev/null
t "xlsx to stdout is the same workbook" "留言 $n" "$($PY -c "$PYREAD" "$d/stdout.xlsx" | head -1 | cut -d' ' -f1-2)"

# ---- round trip: the exported workbook imported into another consultation
cid=$("$M" consultation add 往返测试 --db "$db" | grep -o '[0-9]*' | head -1)
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/out.xlsx" 2>"$d/err")
t "round trip: every row back" "$n" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
t "round trip: same titles" "$(sqlite3 "$d/db" "SELECT group_concat(title, '|') FROM (SELECT title FROM messages WHERE consultation_id = 2 ORDER BY title)")" \
  "$(sqlite3 "$d/db" "SELECT group_concat(title, '|') FROM (SELECT title FROM messages WHERE consultation_id = $cid ORDER BY title)")"
t "round trip: quotes, commas and line breaks intact" "\"引号\"和,逗号 与换行符号" "$(sqlite3 "$d/db" "SELECT body FROM messages WHERE consultation_id = $cid AND title = '路灯不亮'")"
t "round trip: times and replies kept" "2021-03-05T00:00:00Z 已修复" "$(sqlite3 "$d/db" "SELECT m.created_at || ' ' || r.body FROM messages m JOIN replies r ON r.message_id = m.id WHERE m.consultation_id = $cid AND m.title = '公交站台破损'")"
out=$("$M" import --quiet --db "$db" --consultation "$cid" --data "$d/out.xlsx" 2>&1)
t "importing the same workbook again adds nothing" "0" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"

# ---- a workbook written by another program: shared strings, a date cell, a blank row
$PY - "$d/other.xlsx" <<'PY'
import sys, datetime, openpyxl
wb = openpyxl.Workbook(); ws = wb.active
ws.append(["title", "body", "created_at", "type", "其他列"])
ws.append(["井盖缺失", "人民路井盖缺失很危险", datetime.datetime(2022, 5, 1, 9, 30), "求助", "x"])
ws.append([])
ws.append(["", "", None, "投诉", "只有无关列"])
ws.append(["绿化带垃圾", "绿化带里堆满垃圾", "2022-05-02 10:00", "投诉", 12.5])
wb.save(sys.argv[1])
PY
cid2=$("$M" consultation add 外部表格 --db "$db" | grep -o '[0-9]*' | head -1)
out=$("$M" import --quiet --db "$db" --consultation "$cid2" --data "$d/other.xlsx" 2>"$d/err")
t "openpyxl's workbook: the good rows" "2" "$(sed -n 's/^imported \([0-9]*\) messages.*/\1/p' <<<"$out")"
t "a bad row named by its sheet row" "1" "$(grep -c 'other.xlsx:4: no text' "$d/err")"
t "a date cell read as the time it stands for" "2022-05-01T01:30:00Z" "$(sqlite3 "$d/db" "SELECT created_at FROM messages WHERE title = '井盖缺失'")"
t "pii and the other --data commands read it too" "3" "$("$M" pii --data "$d/other.xlsx" 2>/dev/null | wc -l | tr -d ' ')"

# ---- malformed files: a clear error, exit status 1, no crash
bad() {  # bad NAME FILE PATTERN: import refuses FILE, saying PATTERN
  "$M" import --quiet --db "$db" --consultation 2 --data "$2" >/dev/null 2>"$d/err"; local rc=$?
  t "$1" "1 1" "$rc $(grep -c -- "$3" "$d/err")"
}
head -c 4000 /dev/urandom > "$d/random.xlsx"
bad "random bytes" "$d/random.xlsx" "random.xlsx: not an Excel .xlsx file"
head -c 2000 "$d/out.xlsx" > "$d/cut.xlsx"
bad "a truncated workbook" "$d/cut.xlsx" "cut.xlsx: "
: > "$d/empty.xlsx"
bad "an empty file" "$d/empty.xlsx" "empty.xlsx: file is empty"
mk() {  # mk FILE MEMBER CONTENT [MEMBER CONTENT]: a zip with these members
  $PY - "$@" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    a = sys.argv[2:]
    for i in range(0, len(a), 2): z.writestr(a[i], a[i + 1])
PY
}
S='<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
mk "$d/nosheet.xlsx" "readme.txt" "hello"
bad "a zip without a worksheet" "$d/nosheet.xlsx" "nosheet.xlsx: no worksheet"
mk "$d/badxml.xlsx" "xl/worksheets/sheet1.xml" "$S<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>title</t></is></c></row><row r=\"2\"><c r=\"A2\"></row></sheetData></worksheet>"
bad "broken XML, with its line" "$d/badxml.xlsx" "badxml.xlsx: worksheets/sheet1.xml: line 1: mismatched tag"
mk "$d/sst.xlsx" "xl/sharedStrings.xml" '<sst><si><t>title</t></si></sst>' "xl/worksheets/sheet1.xml" "$S<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row><row r=\"2\"><c r=\"A2\" t=\"s\"><v>7</v></c></row></sheetData></worksheet>"
bad "a shared string that does not exist, with its row" "$d/sst.xlsx" "sst.xlsx: sheet row 2: shared string 7 does not exist"
mk "$d/dtd.xlsx" "xl/worksheets/sheet1.xml" '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>'
bad "a document type declaration (entity expansion) refused" "$d/dtd.xlsx" "dtd.xlsx: worksheets/sheet1.xml: a document type declaration"
mk "$d/order.xlsx" "xl/worksheets/sheet1.xml" "$S<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>title</t></is></c></row><row r=\"1\"></row></sheetData></worksheet>"
bad "rows out of order" "$d/order.xlsx" "order.xlsx: sheet row 1: rows out of order"
mk "$d/ref.xlsx" "xl/worksheets/sheet1.xml" "$S<row r=\"1\"><c r=\"1A\" t=\"inlineStr\"><is><t>title</t></is></c></row></sheetData></worksheet>"
bad "a bad cell reference" "$d/ref.xlsx" "ref.xlsx: sheet row 1: bad cell reference '1A'"
mk "$d/cols.xlsx" "xl/worksheets/sheet1.xml" "$S<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>foo</t></is></c><c r=\"B1\" t=\"inlineStr\"><is><t>bar</t></is></c></row></sheetData></worksheet>"
bad "unknown headers named" "$d/cols.xlsx" "cols.xlsx: none of the column names is known (saw: foo, bar)"
mk "$d/wide.xlsx" "xl/worksheets/sheet1.xml" "$S<row r=\"1\"><c r=\"ZZ1\" t=\"inlineStr\"><is><t>title</t></is></c></row></sheetData></worksheet>"
bad "too many columns" "$d/wide.xlsx" "wide.xlsx: sheet row 1: more than 64 columns"
mk "$d/norows.xlsx" "xl/worksheets/sheet1.xml" "$S</sheetData></worksheet>"
bad "a sheet without rows" "$d/norows.xlsx" "norows.xlsx: the first worksheet has no rows"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
