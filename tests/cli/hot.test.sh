#!/usr/bin/env bash
# CLI tests for `minyi hot`. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
d=$(mktemp -d)
# Chinese columns as in the 2020 challenge's file: four citizens on one oil-fume
# problem, one on parking at the same estate, one liked message elsewhere.
cat > "$d/m.tsv" <<'T'
留言编号	留言用户	留言主题	留言时间	留言详情	点赞数	反对数
1	U1	A市A5区魅力之城小区临街餐饮店油烟扰民	2019-08-01 10:00:00	魅力之城小区楼下的餐饮店每天油烟很大，严重扰民。	3	0
2	U2	魅力之城小区餐馆油烟太大	2019-08-02 10:00:00	我是A5区魅力之城小区业主，临街饭店排放油烟，家里窗户都不能开。	0	0
3	U3	投诉魅力之城楼下餐饮油烟	2019-08-03 10:00:00	魅力之城一楼餐饮店油烟直排，噪音也大，请求整治。	1	0
4	U4	魅力之城小区油烟污染	2019-08-04 10:00:00	A5区魅力之城小区临街商铺开餐馆，油烟扰民问题一直没解决。	0	0
5	U5	魅力之城小区停车位捆绑销售	2019-08-03 12:00:00	开发商将魅力之城小区的车位与房屋捆绑销售，强制业主购买车位。	0	0
6	U6	经济学院学生被强制实习	2019-07-01 09:00:00	A市经济学院强制学生去工厂实习，不去不给毕业证。	40	2
T
out=$("$M" hot --data "$d/m.tsv" --top 3 2>/dev/null)
t "header" $'rank\tissue_id\theat\ttime_range\tplace_or_group\tdescription' "$(head -1 <<<"$out")"
t "top issue: 4 messages, place, range" $'1\t2019/08/01 至 2019/08/04\tA市A5区魅力之城小区' "$(sed -n 2p <<<"$out" | cut -f1,4,5)"
t "description names place and problem" 1 "$(sed -n 2p <<<"$out" | cut -f6 | grep -c '魅力之城.*油烟')"
t "three issues" 4 "$(wc -l <<<"$out" | tr -d ' ')"
"$M" hot --data "$d/m.tsv" --top 1 --details "$d/det.tsv" >/dev/null 2>&1
t "details members" "1 2 3 4" "$(tail -n +2 "$d/det.tsv" | cut -f2 | tr '\n' ' ' | sed 's/ $//')"
t "date filter" 1 "$("$M" hot --data "$d/m.tsv" --from 2019-07-01 --to 2019-07-31 2>/dev/null | tail -n +2 | wc -l | tr -d ' ')"
t "date filter keeps the liked issue" "经济学院学生" "$("$M" hot --data "$d/m.tsv" --from 2019-07-01 --to 2019-07-31 2>/dev/null | sed -n 2p | cut -f5 | sed 's/^A市//')"
"$M" hot --data "$d/m.tsv" --from 2019-13-01 >/dev/null 2>&1; t "bad date exit 2" 2 $?
"$M" hot --data "$d/m.tsv" --top 0 >/dev/null 2>&1; t "bad top exit 2" 2 $?
"$M" hot >/dev/null 2>&1; t "missing --data exit 2" 2 $?
"$M" hot --data "$d/none.tsv" >/dev/null 2>&1; t "missing file exit 1" 1 $?
printf 'a\tb\n1\t2\n' > "$d/bad.tsv"
t "file without columns names them" 1 "$("$M" hot --data "$d/bad.tsv" 2>&1 | grep -c 'a, b\|columns')"
rm -rf "$d"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
