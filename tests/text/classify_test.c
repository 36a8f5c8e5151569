/* classify_test.c: tests for src/text/classify.c: training on a synthetic
 * corpus, classification, the model file round trip, and refusal of
 * corrupt, truncated and foreign model files. */
#include "test.h"
#include "text/classify.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

static const char *labels[] = { "卫生", "教育", "交通" };
static const char *topic[3][6] = {
    { "医院", "医保", "医生", "看病", "药费", "护士" },
    { "学校", "老师", "学生", "招生", "学费", "课堂" },
    { "公交", "道路", "红绿灯", "地铁", "司机", "车站" },
};
static const char *common[] = { "请问", "领导", "我们", "小区", "问题", "希望", "解决", "市里", "一直", "没有" };

static uint64_t rng = 88172645463325252ULL;
static uint32_t rnd(uint32_t n) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)(rng % n); }

/* A message of the given label: mostly common words, a few topic words,
 * and sometimes a word of another topic (so the task is not trivial). */
static void make_msg(int label, buf *title, buf *body) {
    buf_reset(title); buf_reset(body);
    buf_puts(title, topic[label][rnd(6)]);
    buf_puts(title, common[rnd(10)]);
    for (int i = 0; i < 12; i++) {
        int r = rnd(10);
        if (r < 3) buf_puts(body, topic[label][rnd(6)]);
        else if (r == 3) buf_puts(body, topic[rnd(3)][rnd(6)]);
        else buf_puts(body, common[rnd(10)]);
        if (rnd(4) == 0) buf_puts(body, "，");
    }
}

typedef struct { cls_doc *docs; buf *t, *b; size_t n; } corpus;

static corpus make_corpus(size_t n) {
    corpus c = { calloc(n, sizeof(cls_doc)), calloc(n, sizeof(buf)), calloc(n, sizeof(buf)), n };
    for (size_t i = 0; i < n; i++) {
        int l = (int)(i % 3);
        make_msg(l, &c.t[i], &c.b[i]);
        c.docs[i] = (cls_doc){ { c.t[i].p, c.t[i].n }, { c.b[i].p, c.b[i].n }, l };
    }
    return c;
}

static void free_corpus(corpus *c) {
    for (size_t i = 0; i < c->n; i++) { buf_free(&c->t[i]); buf_free(&c->b[i]); }
    free(c->docs); free(c->t); free(c->b);
}

static cls_train_opts opts(void) {
    cls_train_opts o;
    cls_train_opts_default(&o);
    o.feat.words = 0;
    o.folds = 3;
    o.min_df = 1;
    return o;
}

static cls_model *train_small(cls_report *rep) {
    corpus c = make_corpus(300);
    cls_train_opts o = opts();
    cls_model *m = NULL; char err[256];
    int rc = cls_train(c.docs, c.n, labels, 3, &o, &m, rep, err, sizeof err);
    if (rc) fprintf(stderr, "  train: %s\n", err);
    CHECK_INT(rc, 0);
    free_corpus(&c);
    return m;
}

TEST(train_cv_and_classify) {
    cls_report rep;
    cls_model *m = train_small(&rep);
    if (!m) return;
    CHECK_INT(rep.ndocs, 300);
    CHECK_INT(rep.count[0] + rep.count[1] + rep.count[2], 300);
    CHECK(rep.macro_f1 > 0.85);           /* the topics are separable */
    CHECK(rep.ntried >= 2);
    CHECK(rep.temperature > 0);
    CHECK(rep.nll_after <= rep.nll_before + 1e-9);   /* the fitted T cannot do worse than T = 1 */
    long binned = 0;
    for (int b = 0; b < CLS_REL_BINS; b++) binned += rep.bins[b].n;
    CHECK_INT(binned, 300);
    CHECK_INT(cls_nlabels(m), 3);
    CHECK_STR(cls_label_name(m, 1), "教育");
    CHECK_INT(cls_label_index(m, str_c("交通")), 2);
    CHECK_INT(cls_label_index(m, str_c("环境")), -1);

    cls_ctx *cx; char err[256];
    CHECK_INT(cls_ctx_new(m, NULL, &cx, err, sizeof err), 0);
    cls_pred p[5];
    CHECK_INT(cls_classify(cx, str_c("孩子学校学费太高"), str_c("老师说学生要交学费"), p, 5), 3);
    CHECK_STR(p[0].name, "教育");
    CHECK(p[0].conf > 0.5 && p[0].conf <= 1.0);
    CHECK(p[0].conf >= p[1].conf && p[1].conf >= p[2].conf);
    CHECK(p[0].label != p[1].label && p[1].label != p[2].label && p[0].label != p[2].label);
    CHECK(fabs(p[0].conf + p[1].conf + p[2].conf - 1.0) < 1e-9);
    CHECK_INT(cls_classify(cx, (str){0}, str_c("公交车站的司机"), p, 1), 1);
    CHECK_STR(p[0].name, "交通");
    /* unknown text: still a valid, low-confidence answer */
    CHECK_INT(cls_classify(cx, str_c("xyz"), (str){0}, p, 1), 1);
    CHECK(fabs(p[0].conf - 100.0 / 300) < 1e-9);   /* the label shares: 100 of 300 each */
    cls_ctx_free(cx);
    cls_report_free(&rep);
    cls_free(m);
}

static const char *probe[][2] = {
    { "医院看病难", "医生态度不好，药费太贵" }, { "", "学校招生" }, { "公交", "" },
    { "\xff\xfe", "a\0b" }, { "市里小区问题", "希望解决" },
};

TEST(save_load_round_trip_identical) {
    cls_model *m = train_small(NULL);
    if (!m) return;
    char path[] = "/tmp/minyi_cls_test_XXXXXX";
    int fd = mkstemp(path); close(fd);
    char err[256];
    CHECK_INT(cls_save(m, path, err, sizeof err), 0);
    cls_model *m2;
    CHECK_INT(cls_load(path, &m2, err, sizeof err), 0);
    if (!m2) { cls_free(m); return; }
    CHECK_INT(cls_nfeatures(m2), cls_nfeatures(m));
    CHECK(cls_temperature(m2) == cls_temperature(m));
    CHECK(cls_features(m2)->title_weight == cls_features(m)->title_weight);
    buf a = {0}, b = {0};
    CHECK_INT(cls_serialize(m, &a), 0);
    CHECK_INT(cls_serialize(m2, &b), 0);
    CHECK(a.n == b.n && memcmp(a.p, b.p, a.n) == 0);
    cls_ctx *c1, *c2;
    CHECK_INT(cls_ctx_new(m, NULL, &c1, err, sizeof err), 0);
    CHECK_INT(cls_ctx_new(m2, NULL, &c2, err, sizeof err), 0);
    for (size_t i = 0; i < sizeof probe / sizeof *probe; i++) {
        cls_pred p1[3], p2[3];
        str t = { probe[i][0], strlen(probe[i][0]) }, bd = { probe[i][1], i == 3 ? 3 : strlen(probe[i][1]) };
        CHECK_INT(cls_classify(c1, t, bd, p1, 3), 3);
        CHECK_INT(cls_classify(c2, t, bd, p2, 3), 3);
        for (int k = 0; k < 3; k++) { CHECK_INT(p1[k].label, p2[k].label); CHECK(p1[k].conf == p2[k].conf); }
    }
    cls_ctx_free(c1); cls_ctx_free(c2);
    buf_free(&a); buf_free(&b);
    cls_free(m2); cls_free(m);
    unlink(path);
}

TEST(corrupt_truncated_foreign_models_refused) {
    cls_model *m = train_small(NULL);
    if (!m) return;
    buf b = {0};
    CHECK_INT(cls_serialize(m, &b), 0);
    cls_model *x = NULL; char err[256];
    CHECK_INT(cls_load_mem(b.p, b.n, &x, err, sizeof err), 0);
    cls_free(x);
    /* truncated at many lengths, including inside the header and the weights */
    size_t cuts[] = { 0, 1, 7, 8, 15, 16, 40, b.n / 3, b.n / 2, b.n - 9, b.n - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        x = (cls_model *)1; err[0] = 0;
        CHECK_INT(cls_load_mem(b.p, cuts[i], &x, err, sizeof err), -1);
        CHECK(x == NULL);
        CHECK(strstr(err, "truncated") || strstr(err, "magic") || strstr(err, "corrupt"));
    }
    /* one flipped bit anywhere */
    size_t flips[] = { 20, 100, b.n / 2, b.n - 20 };
    for (size_t i = 0; i < sizeof flips / sizeof *flips; i++) {
        b.p[flips[i]] ^= 0x10;
        CHECK_INT(cls_load_mem(b.p, b.n, &x, err, sizeof err), -1);
        CHECK(strstr(err, "corrupt") != NULL);
        b.p[flips[i]] ^= 0x10;
    }
    /* another version */
    b.p[8] = 99;
    CHECK_INT(cls_load_mem(b.p, b.n, &x, err, sizeof err), -1);
    CHECK(strstr(err, "version 99") != NULL);
    b.p[8] = CLS_FORMAT_VERSION;
    /* not a model at all */
    CHECK_INT(cls_load_mem("id\tlabel\n1\tx\n", 13, &x, err, sizeof err), -1);
    CHECK(strstr(err, "magic") != NULL);
    CHECK_INT(cls_load("/nonexistent/minyi.model", &x, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/minyi.model") != NULL);
    buf_free(&b);
    cls_free(m);
}

TEST(training_input_refused) {
    cls_doc d[3] = { { str_c("a"), {0}, 0 }, { str_c("b"), {0}, 1 }, { str_c("c"), {0}, 5 } };
    cls_train_opts o = opts();
    o.folds = 0;
    cls_model *m = (cls_model *)1; char err[256];
    CHECK_INT(cls_train(d, 3, labels, 3, &o, &m, NULL, err, sizeof err), -1);
    CHECK(m == NULL);
    CHECK(strstr(err, "label index") != NULL);
    CHECK_INT(cls_train(d, 2, labels, 1, &o, &m, NULL, err, sizeof err), -1);   /* one label */
    CHECK_INT(cls_train(d, 2, labels, 3, &o, &m, NULL, err, sizeof err), -1);   /* label 2 unused */
    CHECK(strstr(err, "交通") != NULL);
    const char *bad[] = { "a\nb", "x" };
    CHECK_INT(cls_train(d, 2, bad, 2, &o, &m, NULL, err, sizeof err), -1);
    o.folds = 1;
    CHECK_INT(cls_train(d, 2, labels, 2, &o, &m, NULL, err, sizeof err), -1);
    /* no CV: still a model, temperature 1 */
    o.folds = 0;
    CHECK_INT(cls_train(d, 2, labels, 2, &o, &m, NULL, err, sizeof err), 0);
    CHECK(cls_temperature(m) == 1.0);
    cls_free(m);
}

typedef struct { const cls_model *m; int labels[64]; double conf[64]; } job;

static void *worker(void *arg) {
    job *j = arg;
    cls_ctx *cx; char err[128];
    if (cls_ctx_new(j->m, NULL, &cx, err, sizeof err)) return NULL;
    for (int i = 0; i < 64; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "%s%s%s", topic[i % 3][i % 6], common[i % 10], topic[(i / 3) % 3][(i / 7) % 6]);
        cls_pred p;
        cls_classify(cx, str_c(msg), (str){0}, &p, 1);
        j->labels[i] = p.label; j->conf[i] = p.conf;
    }
    cls_ctx_free(cx);
    return NULL;
}

TEST(shared_model_threads_agree) {
    cls_model *m = train_small(NULL);
    if (!m) return;
    job j[3] = { { .m = m }, { .m = m }, { .m = m } };
    worker(&j[0]);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, worker, &j[i + 1]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 64; i++)
        for (int k = 1; k < 3; k++) { CHECK_INT(j[k].labels[i], j[0].labels[i]); CHECK(j[k].conf[i] == j[0].conf[i]); }
    cls_free(m);
}

/* Rewrites the trailing checksum so only the loader's own checks remain. */
static void reseal(buf *b) {
    uint64_t h = XXH3_64bits(b->p, b->n - 8);
    for (int i = 0; i < 8; i++) b->p[b->n - 8 + i] = (char)(h >> (8 * i));
}

static int load_err(buf *b, const char *want) {
    cls_model *x = (cls_model *)1; char err[256] = "";
    int rc = cls_load_mem(b->p, b->n, &x, err, sizeof err);
    if (rc != -1 || x != NULL || !strstr(err, want)) { fprintf(stderr, "  got rc %d: %s (wanted %s)\n", rc, err, want); return 0; }
    return 1;
}

TEST(crafted_models_with_valid_checksum_refused) {
    cls_model *m = train_small(NULL);
    if (!m) return;
    buf b = {0};
    CHECK_INT(cls_serialize(m, &b), 0);
    char *h = memmem(b.p, b.n, "labels=3", 8);
    CHECK(h != NULL);
    if (h) { h[7] = '4'; reseal(&b); CHECK(load_err(&b, "corrupt (labels)")); h[7] = '3'; }
    h = memmem(b.p, b.n, "feat.bigrams=1", 14);
    if (h) { h[13] = '7'; reseal(&b); CHECK(load_err(&b, "feat.bigrams")); h[13] = '1'; }
    h = memmem(b.p, b.n, "temperature=", 12);
    if (h) { h[12] = 'x'; reseal(&b); CHECK(load_err(&b, "temperature")); }
    buf_free(&b);
    CHECK_INT(cls_serialize(m, &b), 0);
    /* the feature count no longer matches the file size */
    uint32_t hl; memcpy(&hl, b.p + 12, 4);
    size_t at = 16 + hl + 4;
    b.p[at] ^= 1; reseal(&b);
    CHECK(load_err(&b, "sizes do not add up"));
    b.p[at] ^= 1;
    /* keys out of order */
    char tmp[8];
    memcpy(tmp, b.p + at + 4, 8); memcpy(b.p + at + 4, b.p + at + 12, 8); memcpy(b.p + at + 12, tmp, 8);
    reseal(&b);
    CHECK(load_err(&b, "bad term keys"));
    buf_free(&b);
    cls_free(m);
}
