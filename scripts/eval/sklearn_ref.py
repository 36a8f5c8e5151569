#!/usr/bin/python3
"""sklearn_ref.py: the scikit-learn reference for issue 4 (message classification).

For each labelled TSV file given: 5-fold stratified CV macro-F1 (pooled
out-of-fold predictions, the same protocol `minyi train` uses) of
  - LinearSVC over TF-IDF of character 1-2-grams, C chosen by that CV;
  - MultinomialNB over counts of character bigrams.
Files with both a title and a body column are classified on title + body.
Prints one line per file:  FILE  svc_f1  svc_C  nb_f1
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


def main():
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
