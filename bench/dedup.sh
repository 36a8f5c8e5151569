#!/usr/bin/env bash
# bench/dedup.sh: `minyi dedup` on 1 million messages (issue 5: <= 20 s on
# 2 cores, <= 1 GiB RSS, measured with /usr/bin/time -v).
# Input: generated once into /tmp (not the repo) from the real teddy2020c
# messages with campaign-style variations (synonym swaps, inserted personal
# sentences with names/phones, sentence swaps, punctuation noise, exact
# copies), ~1.2 GB. Reference in the same run: exact-duplicate grouping with
# awk (hash of title+body per row: the floor of reading and hashing every
# message once, with no near-duplicate detection at all).
# N=... overrides the message count.
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000000}
D=../shared/data/teddy2020c
[ -d "$D" ] || { echo "dedup bench: $D missing, skipped"; exit 0; }
MINYI=${MINYI:-./minyi}
[ -x "$MINYI" ] || { echo "dedup bench: $MINYI not built"; exit 1; }
IN=/tmp/minyi-dedup-bench-$N.tsv
if [ ! -s "$IN" ]; then
  echo "dedup bench: generating $N messages into $IN"
  /usr/bin/python3 - "$D" "$IN" "$N" <<'EOF'
import os, random, re, sys
data, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(5)
base = []
def tsv(name):
    with open(os.path.join(data, name), encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            yield dict(zip(head, line.rstrip("\n").split("\t")))
for name in ("replies.tsv", "labeled_full.tsv", "labeled_bodies.tsv"):
    for r in tsv(name):
        b = r.get("留言详情", "").strip()
        if len(b) >= 20:
            base.append((r.get("留言主题", ""), re.split(r"(?<=[。！？；])", b)))
SYN = [("小区", "社区"), ("居民", "住户"), ("希望", "恳请"), ("有关部门", "相关部门"), ("问题", "情况"),
       ("解决", "处理"), ("反映", "投诉"), ("影响", "干扰"), ("尽快", "尽早"), ("非常", "特别"),
       ("目前", "现在"), ("没有", "未"), ("造成", "导致"), ("每天", "天天"), ("很多", "许多")]
INS = ["我是本小区的业主，家住%d栋%d单元。", "本人%s，联系电话1%d%09d。", "恳请领导在百忙之中关注一下。",
       "此事已拖延很久，群众意见很大。"]
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
with open(out, "w", encoding="utf-8") as f:
    f.write("id\tuser\ttitle\tcreated_at\tbody\n")
    for i in range(n):
        t, sents = base[rng.randrange(len(base))]
        if rng.random() >= 0.2:
            sents = list(sents)
            for _ in range(3):
                a, b = SYN[rng.randrange(len(SYN))]
                k = rng.randrange(len(sents))
                sents[k] = sents[k].replace(a, b, 1)
            ins = INS[rng.randrange(len(INS))]
            if "%s" in ins:
                ins = ins % (NAMES[rng.randrange(20)] + "先生", rng.randint(3, 9), rng.randrange(10**9))
            elif "%d" in ins:
                ins = ins % (rng.randint(1, 30), rng.randint(1, 6))
            sents.insert(rng.randrange(len(sents) + 1), ins)
            if len(sents) > 2 and rng.random() < 0.3:
                k = rng.randrange(len(sents) - 1)
                sents[k], sents[k + 1] = sents[k + 1], sents[k]
        body = "".join(sents)
        if rng.random() < 0.3:
            body = body.replace("，", ", ")
        f.write("%d\tU%07d\t%s\t2020-%02d-%02d 10:00:00\t%s\n" % (i + 1, rng.randrange(10**7), t,
                rng.randint(1, 12), rng.randint(1, 28), body))
EOF
fi
size=$(stat -c %s "$IN")
echo "dedup bench: $N messages, $(echo "$size / 1048576" | bc) MB"

run() {   # run OUTFILE CMD...: prints "seconds maxrss_kb"
  local out=$1; shift
  /usr/bin/time -v "$@" > "$out" 2> "$out.time"
  awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=(n==3)?a[1]*3600+a[2]*60+a[3]:a[1]*60+a[2]}
              /Maximum resident set size/{r=$2} END{printf "%.2f %d\n", s, r}' "$out.time"
}
tmp=$(mktemp -d /tmp/minyi-dedup-bench.XXXXXX); trap 'rm -rf "$tmp"' EXIT
best=999999; rss=0
for r in 1 2 3; do
  read -r s k < <(run "$tmp/out" "$MINYI" dedup --data "$IN" --stats)
  grep -h 'minyi dedup' "$tmp/out.time" | sed 's/^/  /' | head -2
  echo "  run $r: ${s}s, max RSS $((k / 1024)) MB"
  if [ "$(echo "$s < $best" | bc)" = 1 ]; then best=$s; rss=$k; fi
done
sum=$(cut -f2-4 "$tmp/out" | md5sum | cut -c1-16)
rows=$(wc -l < "$tmp/out")
echo "minyi dedup: ${best}s (best of 3), max RSS $((rss / 1024)) MB, $rows rows, checksum $sum"
read -r rs rk < <(run "$tmp/ref" env LC_ALL=C awk -F'\t' 'NR>1{k=$3 "\t" $5; if(!(k in g)) g[k]=++n; print $1 "\t" g[k]}' "$IN")
echo "reference awk exact-duplicate grouping: ${rs}s, max RSS $((rk / 1024)) MB, $(cut -f2 "$tmp/ref" | sort -u | wc -l) groups"
echo "ratio minyi/awk time: $(echo "scale=2; $best / $rs" | bc)"
[ "$(echo "$best <= 20" | bc)" = 1 ] && [ "$rss" -le 1048576 ] && echo "dedup bench: within target (<= 20 s, <= 1 GiB)" || echo "dedup bench: OVER TARGET"
