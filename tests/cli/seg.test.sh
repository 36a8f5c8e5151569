#!/usr/bin/env bash
# CLI tests for `minyi seg` and `minyi keywords` (issue 3). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
M=${MINYI_BIN:-./minyi}
pass=0; fail=0
t() {  # t NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"; fi
}
out=$(printf '2023年1月18日iPhone15发布\r\nA市A5区魅力之城小区\n\n  我 爱\t北京  \n' | "$M" seg)
t "precise, CRLF, empty line, spaces" $'2023 年 1 月 18 日 iPhone15 发布\nA 市 A5 区 魅力 之 城 小区\n\n我 爱 北京' "$out"
t "search mode" "中华 华人 人民 共和 共和国 中华人民共和国 成立 了" "$(echo 中华人民共和国成立了 | "$M" seg --mode search)"
t "no hmm" "他 来到 了 网易 杭 研 大厦" "$(echo 他来到了网易杭研大厦 | "$M" seg --no-hmm)"
t "full-width kept" "ａ ｂ １ ２ 全角" "$(echo ａｂ１２全角 | "$M" seg)"
t "--normalize" "ab12 全角" "$(echo ａｂ１２全角 | "$M" seg --normalize)"
ud=$(mktemp); printf '魅力之城 10 ns\n' > "$ud"
t "user dict" "A 市 A5 区 魅力之城 小区" "$(echo A市A5区魅力之城小区 | "$M" seg --user-dict "$ud")"
rm -f "$ud"
err=$(printf 'ok\n北\xff京\n' | "$M" seg 2>&1 >/dev/null); rc=$?
t "invalid UTF-8 exit status" 1 "$rc"
t "invalid UTF-8 message" "stdin:2: invalid UTF-8 at byte 3; replaced with U+FFFD" "$(head -1 <<<"$err")"
t "invalid UTF-8 replaced" $'ok\n北 \xef\xbf\xbd 京' "$(printf 'ok\n北\xff京\n' | "$M" seg 2>/dev/null)"
"$M" seg --mode fast </dev/null >/dev/null 2>&1; t "bad mode exit 2" 2 $?
"$M" seg --bogus </dev/null >/dev/null 2>&1; t "unknown option exit 2" 2 $?
"$M" seg --help | grep -q 'usage: minyi seg'; t "help" 0 $?
"$M" seg --dict /nonexistent </dev/null >/dev/null 2>&1; t "missing dictionary exit 1" 1 $?
t "keywords tfidf" "停车费" "$(echo 小区物业乱收停车费，业主多次向物业公司反映停车费问题 | "$M" keywords --top 1 | sed "s/:[0-9.]*//")"
t "keywords textrank top 1" "停车费:1.0000" "$(echo 小区物业乱收停车费，业主多次向物业公司反映停车费问题，物业公司不予理睬，希望政府相关部门调查处理小区停车费问题。 | "$M" keywords --top 1 --method textrank)"
"$M" keywords --top 0 </dev/null >/dev/null 2>&1; t "keywords bad top exit 2" 2 $?
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
