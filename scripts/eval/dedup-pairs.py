#!/usr/bin/env python3
# scripts/eval/dedup-pairs.py: pairwise precision / recall of `minyi dedup`
# output against the campaign ids `minyi gen` writes (gen_campaign; 0 is no
# campaign, so such a message is a group of its own in the truth).
# usage: dedup-pairs.py MSGS.jsonl DEDUP-OUT.tsv [LABEL]
# Prints one line; with --worst N also the N predicted groups that cost the
# most false pairs (size, campaigns mixed), to see why precision drops.
import json, sys
from collections import Counter, defaultdict

args = [a for a in sys.argv[1:] if not a.startswith("--")]
worst = 0
if "--worst" in sys.argv:
    worst = int(sys.argv[sys.argv.index("--worst") + 1])
    args = [a for a in args if a != str(worst)]
if len(args) < 2:
    sys.exit("usage: dedup-pairs.py MSGS.jsonl DEDUP-OUT.tsv [LABEL] [--worst N]")
lab = {}
with open(args[0], encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        m = json.loads(line)
        c = m.get("gen_campaign")
        if c is None:
            sys.exit("%s: row without gen_campaign (not written by minyi gen)" % args[0])
        i = str(m["id"])
        lab[i] = "c%d" % c if c else "s" + i
grp = {}
with open(args[1], encoding="utf-8") as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        grp[p[0]] = p[1]
if set(grp) != set(lab):
    sys.exit("dedup-pairs: output ids differ from the input ids (%d vs %d)" % (len(grp), len(lab)))
pairs = lambda c: sum(v * (v - 1) // 2 for v in c.values())
both = Counter((lab[i], grp[i]) for i in lab)
tp = pairs(both)
pred, true = pairs(Counter(grp.values())), pairs(Counter(lab.values()))
p = tp / pred if pred else 1.0
r = tp / true if true else 1.0
f1 = 2 * p * r / (p + r) if p + r else 0.0
print("dedup pairs %s: %d messages, %d true groups, %d predicted; pairwise precision %.4f recall %.4f F1 %.4f"
      % (args[2] if len(args) > 2 else args[1], len(lab), len(set(lab.values())), len(set(grp.values())), p, r, f1))
if worst:
    per = defaultdict(Counter)
    for (l, g), v in both.items():
        per[g][l] = v
    cost = []
    for g, c in per.items():
        n = sum(c.values())
        cost.append((n * (n - 1) // 2 - pairs(c), g, n, c.most_common(4)))
    for fp, g, n, top in sorted(cost, reverse=True)[:worst]:
        print("  group %s: %d members, %d false pairs, top labels %s" % (g, n, fp, top))
