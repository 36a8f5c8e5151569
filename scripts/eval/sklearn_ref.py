#!/usr/bin/python3
"""sklearn_ref.py: the scikit-learn reference for issue 4 (message classification).

For each labelled TSV file given: 5-fold stratified CV macro-F1 (pooled
out-of-fold predictions, the same protocol `minyi train` uses) of
  - LinearSVC over TF-IDF of character 1-2-grams, C chosen by that CV;
  - MultinomialNB over counts of character bigrams.
Files with both a title and a body column are classified on title + body.
Prints one line per file:  FILE  svc_f1  svc_C  nb_f1  messages  seconds
With --bench FILE...: fit time of the same LinearSVC (C=1) on all the files
together, and its prediction throughput from features and from text.
With --transfer TITLES BODIES FULL OUTDIR: writes OUTDIR/titles.tsv and
OUTDIR/bodies.tsv without the rows whose title or body is one of FULL's
messages (no test message in training), trains the LinearSVC (C=1) on them
and prints its macro-F1 on FULL's messages (title + body).
With --score GOLD PRED: macro-F1 of PRED (`minyi classify` output) against
the labels of GOLD, rows matched by position.
With --pooled TITLES BODIES FULL OUTDIR (after --transfer wrote OUTDIR's
clean titles/bodies): stratified 5-fold CV over FULL's messages where each
fold's model also trains on the titles and bodies files. Writes
OUTDIR/train{0-4}.tsv and OUTDIR/test{0-4}.tsv for minyi, and prints the
LinearSVC (C=1) macro-F1 twice: with the titles/bodies files as they are
(441 of the 456 full titles stand verbatim in labeled_titles.tsv, so the
test messages leak into training) and with the clean ones (no leak).
With --score-folds FULL OUTDIR: macro-F1 of OUTDIR/pred{0-4}.tsv (`minyi
classify` on the test folds) against FULL's labels, rows matched by id.
Run with Debian's /usr/bin/python3 (python3-sklearn)."""
import csv, sys, time
from sklearn.feature_extraction.text import TfidfVectorizer, CountVectorizer
from sklearn.svm import LinearSVC
from sklearn.naive_bayes import MultinomialNB
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.metrics import f1_score

csv.field_size_limit(1 << 30)
TITLE = {"留言主题", "title"}
BODY = {"留言详情", "body"}
LABEL = {"一级标签", "label"}


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    head = rows[0]
    ti = next((i for i, c in enumerate(head) if c in TITLE), None)
    bi = next((i for i, c in enumerate(head) if c in BODY), None)
    li = next(i for i, c in enumerate(head) if c in LABEL)
    X, y = [], []
    for r in rows[1:]:
        if len(r) != len(head) or not r[li].strip():
            continue
        parts = [r[i] for i in (ti, bi) if i is not None and r[i].strip()]
        if not parts:
            continue
        X.append("\n".join(parts))
        y.append(r[li].strip())
    return X, y


def bench(paths):
    X, y = [], []
    for p in paths:
        a, b = load(p)
        X += a
        y += b
    fits = []
    for _ in range(3):
        t0 = time.perf_counter()
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        A = vec.fit_transform(X)
        svc = LinearSVC(C=1.0).fit(A, y)
        fits.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    A = vec.transform(X)
    t1 = time.perf_counter()
    svc.decision_function(A)
    t2 = time.perf_counter()
    fits.sort()
    print(f"sklearn fit (TF-IDF char 1-2 + LinearSVC C=1): {fits[1]:.2f} s (median of 3), {len(y)} messages")
    print(f"sklearn predict from feature vectors: {len(y) / (t2 - t1):.0f} messages/s")
    print(f"sklearn predict from text: {len(y) / (t2 - t0):.0f} messages/s")


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def transfer(titles, bodies, full, outdir):
    f = read_rows(full)
    head = f[0]
    ti, bi = head.index("留言主题"), head.index("留言详情")
    seen = {r[ti].strip() for r in f[1:]} | {r[bi].strip() for r in f[1:]}
    X, y = [], []
    for src, name in ((titles, "titles.tsv"), (bodies, "bodies.tsv")):
        rows = read_rows(src)
        with open(f"{outdir}/{name}", "w", encoding="utf-8") as o:
            o.write("\t".join(rows[0]) + "\n")
            for r in rows[1:]:
                if len(r) == 2 and r[0].strip() and r[0].strip() not in seen:
                    o.write("\t".join(r) + "\n")
                    X.append(r[0])
                    y.append(r[1].strip())
    Xt, yt = load(full)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
    svc = LinearSVC(C=1.0).fit(vec.fit_transform(X), y)
    f1 = f1_score(yt, svc.predict(vec.transform(Xt)), average="macro")
    print(f"{f1:.4f}\t{len(y)}\t{len(yt)}")


def score(gold, pred):
    g = [r[-1].strip() for r in read_rows(gold)[1:]]
    p = [r[1] for r in read_rows(pred)[1:]]
    if len(g) != len(p):
        sys.exit(f"score: {len(g)} gold rows, {len(p)} predictions")
    print(f"{f1_score(g, p, average='macro'):.4f}")


def pooled(titles, bodies, full, outdir):
    f = read_rows(full)
    head = f[0]
    ii, ti, bi, li = head.index("留言编号"), head.index("留言主题"), head.index("留言详情"), head.index("一级标签")
    rows = f[1:]
    labels = [r[li].strip() for r in rows]
    folds = [0] * len(rows)
    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    for k, (_, te) in enumerate(skf.split(rows, labels)):
        for i in te:
            folds[i] = k
    for k in range(5):
        with open(f"{outdir}/train{k}.tsv", "w", encoding="utf-8") as o:
            o.write("留言主题\t留言详情\t一级标签\n")
            for r, fo in zip(rows, folds):
                if fo != k:
                    o.write(f"{r[ti]}\t{r[bi]}\t{r[li]}\n")
        with open(f"{outdir}/test{k}.tsv", "w", encoding="utf-8") as o:
            o.write("留言编号\t留言主题\t留言详情\t一级标签\n")
            for r, fo in zip(rows, folds):
                if fo == k:
                    o.write(f"{r[ii]}\t{r[ti]}\t{r[bi]}\t{r[li]}\n")
    out = []
    for t_path, b_path in ((titles, bodies), (f"{outdir}/titles.tsv", f"{outdir}/bodies.tsv")):
        extra = [(r[0], r[1].strip()) for p in (t_path, b_path) for r in read_rows(p)[1:] if len(r) == 2]
        gold, pred = [], []
        for k in range(5):
            tr = extra + [(r[ti] + " " + r[bi], r[li].strip()) for r, fo in zip(rows, folds) if fo != k]
            te = [(r[ti] + " " + r[bi], r[li].strip()) for r, fo in zip(rows, folds) if fo == k]
            vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
            svc = LinearSVC(C=1.0).fit(vec.fit_transform([x for x, _ in tr]), [y for _, y in tr])
            pred += list(svc.predict(vec.transform([x for x, _ in te])))
            gold += [y for _, y in te]
        out.append(f"{f1_score(gold, pred, average='macro'):.4f}")
    print("\t".join(out))


def score_folds(full, outdir):
    f = read_rows(full)
    ii, li = f[0].index("留言编号"), f[0].index("一级标签")
    gold = {r[ii]: r[li].strip() for r in f[1:]}
    g, p = [], []
    for k in range(5):
        for r in read_rows(f"{outdir}/pred{k}.tsv")[1:]:
            g.append(gold[r[0]])
            p.append(r[1])
    if len(g) != len(gold):
        sys.exit(f"score-folds: {len(g)} predictions for {len(gold)} messages")
    print(f"{f1_score(g, p, average='macro'):.4f}")


def main():
    if sys.argv[1:2] == ["--bench"]:
        return bench(sys.argv[2:])
    if sys.argv[1:2] == ["--transfer"]:
        return transfer(*sys.argv[2:6])
    if sys.argv[1:2] == ["--score"]:
        return score(*sys.argv[2:4])
    if sys.argv[1:2] == ["--pooled"]:
        return pooled(*sys.argv[2:6])
    if sys.argv[1:2] == ["--score-folds"]:
        return score_folds(*sys.argv[2:4])
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for path in sys.argv[1:]:
        X, y = load(path)
        t0 = time.time()
        tfidf = TfidfVectorizer(analyzer="char", ngram_range=(1, 2))
        best = (-1.0, None)
        for C in (0.1, 0.3, 1.0, 3.0, 10.0):
            # TF-IDF is fitted inside each fold (no leakage from the test fold).
            from sklearn.pipeline import make_pipeline
            p = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 2)), LinearSVC(C=C))
            pred = cross_val_predict(p, X, y, cv=folds)
            f1 = f1_score(y, pred, average="macro")
            best = max(best, (f1, C))
        from sklearn.pipeline import make_pipeline
        nb = make_pipeline(CountVectorizer(analyzer="char", ngram_range=(2, 2)), MultinomialNB())
        nbf1 = f1_score(y, cross_val_predict(nb, X, y, cv=folds), average="macro")
        print(f"{path}\t{best[0]:.4f}\t{best[1]:g}\t{nbf1:.4f}\t{len(y)}\t{time.time() - t0:.1f}s", flush=True)


if __name__ == "__main__":
    main()
