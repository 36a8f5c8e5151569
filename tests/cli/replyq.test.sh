#!/usr/bin/env bash
# CLI tests for `minyi reply-quality`. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d)
cat > "$d/r.tsv" <<'T'
留言编号	留言主题	留言时间	留言详情	答复意见	答复时间	部门
1	小区油烟扰民	2019-08-01 10:00:00	魅力之城小区楼下餐饮店油烟扰民。请问能否责令餐饮店安装油烟净化器？	经核实，魅力之城小区餐饮店油烟超标，区环保局已于8月5日责令其安装油烟净化器，联系电话0731-88886666。	2019-08-06 10:00:00	环保局
2	小区油烟扰民	2019-08-01 10:00:00	魅力之城小区楼下餐饮店油烟扰民。请问能否责令餐饮店安装油烟净化器？	您好，您反映的问题已收悉，我们将研究处理。感谢您对我们工作的支持。	2019-10-30 10:00:00	住建局
T
out=$("$M" reply-quality --data "$d/r.tsv" 2>/dev/null)
t "header" $'id\tscore\trelevance\tcompleteness\tboilerplate\ttimeliness\tlag_days\tquestions\tanswered\tconcrete' "$(head -1 <<<"$out")"
s1=$(sed -n 2p <<<"$out" | cut -f2); s2=$(sed -n 3p <<<"$out" | cut -f2)
t "a concrete, relevant, timely reply scores higher" 1 "$(awk -v a="$s1" -v b="$s2" 'BEGIN { print (a > b + 30) ? 1 : 0 }')"
t "parts of the good reply" $'5.0\t1\t1\tATUC' "$(sed -n 2p <<<"$out" | cut -f7-10)"
t "late reply: timeliness" "0.000" "$(sed -n 3p <<<"$out" | cut -f6)"
by=$("$M" reply-quality --data "$d/r.tsv" --by-department 2>/dev/null)
t "by department" $'department\treplies\n环保局\t1\n住建局\t1' "$(cut -f1,2 <<<"$by")"
printf '留言详情\n无答复\n' > "$d/no.tsv"
"$M" reply-quality --data "$d/no.tsv" >/dev/null 2>&1; t "no reply column exit 1" 1 $?
t "no reply column message" 1 "$("$M" reply-quality --data "$d/no.tsv" 2>&1 | grep -c '答复意见')"
"$M" reply-quality --data "$d/r.tsv" --deadline 0 >/dev/null 2>&1; t "bad deadline exit 2" 2 $?
"$M" reply-quality >/dev/null 2>&1; t "missing --data exit 2" 2 $?
rm -rf "$d"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
