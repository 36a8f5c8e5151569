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


def main():
    if sys.argv[1:2] == ["--bench"]:
        return bench(sys.argv[2:])
    if sys.argv[1:2] == ["--transfer"]:
        return transfer(*sys.argv[2:6])
    if sys.argv[1:2] == ["--score"]:
        return score(*sys.argv[2:4])
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
