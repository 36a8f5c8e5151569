#!/usr/bin/env bash
# CLI tests for `minyi train` and `minyi classify` (issue 4): output shape,
# row order, bad input. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT

# A small labelled set: three topics, mixed with common words.
health=(医院 医生 看病 医保 药费 护士); school=(学校 老师 学生 招生 学费 课堂); traffic=(公交 道路 地铁 司机 车站 红绿灯)
common=(请问 领导 小区 问题 希望 解决 一直 没有)
{
  printf 'title\tbody\tlabel\n'
  for i in $(seq 0 29); do
    c1=${common[$((i % 8))]}; c2=${common[$(((i * 3) % 8))]}
    printf '%s%s\t%s%s%s%s\t卫生\n' "${health[$((i % 6))]}" "$c1" "$c2" "${health[$(((i + 2) % 6))]}" "$c1" "${health[$(((i + 4) % 6))]}"
    printf '%s%s\t%s%s%s%s\t教育\n' "${school[$((i % 6))]}" "$c1" "$c2" "${school[$(((i + 2) % 6))]}" "$c1" "${school[$(((i + 4) % 6))]}"
    printf '%s%s\t%s%s%s%s\t交通\n' "${traffic[$((i % 6))]}" "$c1" "$c2" "${traffic[$(((i + 2) % 6))]}" "$c1" "${traffic[$(((i + 4) % 6))]}"
  done
  printf '\t\t教育\n'            # no text: skipped
  printf '公交车晚点\t\t\n'      # no label: skipped
  printf '只有标题\t\t卫生\n'     # title only: fine
} > "$d/train.tsv"

out=$("$M" train --data "$d/train.tsv" --model "$d/m.model" --folds 3 2> "$d/train.err"); rc=$?
t "train exit 0" 0 "$rc"
t "train counts" "3" "$(grep -cE '^  (卫生|教育|交通) +[0-9]+$' <<<"$out")"
t "train macro-F1 line" 1 "$(grep -c '^macro-F1 ' <<<"$out")"
t "train reliability table" 1 "$(grep -c '^confidence calibration' <<<"$out")"
t "train skipped rows reported" "$d/train.tsv:92: no text (title and body empty), skipped|$d/train.tsv:93: no label, skipped" \
  "$(grep -E 'skipped$' "$d/train.err" | grep -v rows | paste -sd'|')"
t "train rows taken" "$d/train.tsv: 91 rows taken, 2 skipped" "$(grep 'rows taken' "$d/train.err")"
t "model magic" "MINYICLS" "$(head -c 8 "$d/m.model")"
t "model header labels" "label.0=交通|label.1=卫生|label.2=教育" "$(grep -a '^label\.' "$d/m.model" | paste -sd'|')"

printf 'id\ttitle\tbody\tlabel\nA1\t孩子学校学费太高\t老师补课\t教育\nA2\t\t\t\nA3\t地铁司机\t\t环境\nA4\t医院看病\t医生\t卫生\n' > "$d/in.tsv"
out=$("$M" classify --model "$d/m.model" --data "$d/in.tsv" 2> "$d/cls.err"); rc=$?
t "classify exit 0" 0 "$rc"
t "classify header" $'id\tlabel\tconfidence' "$(head -1 <<<"$out")"
t "classify one row per input row, in order" "A1 A2 A3 A4" "$(tail -n +2 <<<"$out" | cut -f1 | paste -sd' ')"
t "classify labels" "教育||交通|卫生" "$(tail -n +2 <<<"$out" | cut -f2 | paste -sd'|')"
t "no-text row" $'A2\t\t0' "$(sed -n 3p <<<"$out")"
conf=$(sed -n 2p <<<"$out" | cut -f3)
t "confidence in (0.34, 1]" 1 "$(awk -v c="$conf" 'BEGIN{print (c > 0.34 && c <= 1)}')"
t "no-text message" 1 "$(grep -c "in.tsv:3: no text" "$d/cls.err")"
t "unknown label warned" 1 "$(grep -c "label '环境' is not one of the model's 3 labels" "$d/cls.err")"
t "accuracy line" "accuracy against the label column: 1.0000 (2 of 2 rows)" "$(grep '^accuracy' "$d/cls.err")"

printf '{"title":"学生课堂"}\n{"id":"x9","body":"公交车站"}\n' > "$d/in.jsonl"
t "jsonl, row number as id" $'1\t教育|x9\t交通' "$("$M" classify --model "$d/m.model" --data "$d/in.jsonl" --no-header 2>/dev/null | cut -f1,2 | paste -sd'|')"
printf '留言主题,留言详情\n"医生,护士",\n' > "$d/in.csv"
t "csv, Chinese headers" "卫生" "$("$M" classify --model "$d/m.model" --data "$d/in.csv" 2>/dev/null | tail -1 | cut -f2)"
t "top 2" 5 "$("$M" classify --model "$d/m.model" --data "$d/in.csv" --top 2 2>/dev/null | tail -1 | awk -F'\t' '{print NF}')"

printf 'foo\tbar\n1\t2\n' > "$d/bad.tsv"
err=$("$M" classify --model "$d/m.model" --data "$d/bad.tsv" 2>&1 >/dev/null); rc=$?
t "unknown columns exit 1" 1 "$rc"
t "unknown columns message" 1 "$(grep -c 'none of the column names is known (saw: foo, bar)' <<<"$err")"
: > "$d/empty.tsv"
"$M" classify --model "$d/m.model" --data "$d/empty.tsv" >/dev/null 2>&1; t "empty file exit 1" 1 $?
head -c 300 "$d/m.model" > "$d/trunc.model"
err=$("$M" classify --model "$d/trunc.model" --data "$d/in.tsv" 2>&1 >/dev/null); rc=$?
t "truncated model exit 1" 1 "$rc"
t "truncated model message" 1 "$(grep -c 'model file truncated' <<<"$err")"
"$M" classify --model "$d/in.tsv" --data "$d/in.tsv" >/dev/null 2>&1; t "not a model exit 1" 1 $?
"$M" classify --data "$d/in.tsv" >/dev/null 2>&1; t "classify missing --model exit 2" 2 $?
"$M" classify --model "$d/m.model" --data "$d/in.tsv" --top 0 >/dev/null 2>&1; t "classify bad --top exit 2" 2 $?
"$M" train --data "$d/train.tsv" >/dev/null 2>&1; t "train missing --model exit 2" 2 $?
"$M" train --data "$d/train.tsv" --model "$d/x" --folds 1 >/dev/null 2>&1; t "train bad --folds exit 2" 2 $?
"$M" train --data "$d/train.tsv" --model "$d/x" --bogus >/dev/null 2>&1; t "train unknown option exit 2" 2 $?
printf 'title\tlabel\n一\t甲\n二\t甲\n' > "$d/one.tsv"
err=$("$M" train --data "$d/one.tsv" --model "$d/x" 2>&1 >/dev/null); rc=$?
t "one label exit 1" 1 "$rc"
t "one label message" 1 "$(grep -c 'at least 2 labels' <<<"$err")"
"$M" train --data "$d/bad.tsv" --model "$d/x" >/dev/null 2>&1; t "train unknown columns exit 1" 1 $?
"$M" train --help | grep -q 'usage: minyi train'; t "train help" 0 $?
"$M" classify --help | grep -q 'usage: minyi classify'; t "classify help" 0 $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
