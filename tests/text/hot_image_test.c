/* hot_image_test.c: tests for src/text/hot_image.c: a state saved and
 * loaded back ranks, trends and clusters exactly like the one it came from;
 * a damaged, truncated, overlong or foreign image is refused. */
#include "test.h"
#include "text/hot.h"
#include <stdlib.h>

static seg_dict *D;
static hot_ctx *C;

static void setup(void) {
    if (C) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err) || hot_ctx_new(D, &C)) { fprintf(stderr, "%s\n", err); exit(1); }
}

typedef struct { const char *title, *body; int64_t day; uint64_t author, group; } msg;

static const msg M[] = {
    { "A市A5区魅力之城小区临街餐饮店油烟扰民", "魅力之城小区楼下的餐饮店每天油烟很大，严重扰民。", 0, 1, 0 },
    { "魅力之城小区餐馆油烟太大", "我是A5区魅力之城小区业主，临街饭店排放油烟，家里窗户都不能开。", 1, 2, 0 },
    { "投诉魅力之城楼下餐饮油烟", "魅力之城一楼餐饮店油烟直排，噪音也大，请求整治。", 2, 3, 0 },
    { "魅力之城小区停车位捆绑销售", "开发商将魅力之城小区的车位与房屋捆绑销售，强制业主购买车位。", 2, 5, 0 },
    { "丽发新城小区餐饮店油烟扰民", "丽发新城小区楼下餐饮店油烟很大，严重扰民。", 2, 6, 0 },
    { "华水景医院挂号难", "华水景医院门诊挂号要排三个小时。", 3, 7, 9 },
    { "华水景医院排队太久", "在华水景医院看病排队太久了。", 3, 8, 9 },
    { "坚决反映", "居民坚决反映情况，请领导尽快处理。", 4, 9, 0 },
};
#define NM (sizeof M / sizeof *M)
static const msg LATER = { "魅力之城小区油烟污染", "A5区魅力之城小区临街商铺开餐馆，油烟扰民问题一直没解决。", 5, 4, 0 };

static int add(hot *h, const msg *m, uint64_t id, uint32_t *issue) {
    hot_feat f;
    if (hot_extract(C, h, str_c(m->title), str_c(m->body), &f)) return -1;
    hot_msg hm = { id, m->author, 1577836800 + m->day * 86400, 1, 0, m->group };
    return hot_add(h, &f, &hm, issue);
}

static hot *live(void) {
    hot_cfg cfg;
    hot_cfg_default(&cfg);
    cfg.learn_on_add = 1;
    hot *h;
    if (hot_new(D, &cfg, &h)) return NULL;
    for (size_t i = 0; i < NM; i++) CHECK_INT(add(h, &M[i], i + 1, NULL), 0);
    CHECK_INT(hot_support(h, 2, 5, 1), 0);
    return h;
}

typedef struct { char *p; size_t n, cap; } bytes;

static int put(void *ud, const void *p, size_t n) {
    bytes *b = ud;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) return -1;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    return 0;
}

/* Loads b fed in pieces of step bytes; NULL when refused. */
static hot *load(const bytes *b, size_t step, int window_days) {
    hot_cfg cfg;
    hot_cfg_default(&cfg);
    cfg.learn_on_add = 1;
    cfg.window_days = window_days;
    hot_loader *l;
    if (hot_loader_new(D, &cfg, &l)) return NULL;
    for (size_t i = 0; i < b->n; i += step)
        if (hot_loader_feed(l, b->p + i, b->n - i < step ? b->n - i : step)) break;
    hot *h;
    return hot_loader_finish(l, &h) ? NULL : h;
}

static void same(const hot *a, const hot *b) {
    hot_issue x[8], y[8];
    int64_t now = 1577836800 + 6 * 86400;
    size_t n = hot_top(a, now - 30 * 86400, now, 7, x, 8);
    CHECK(n >= 3);
    CHECK_INT(hot_top(b, now - 30 * 86400, now, 7, y, 8), n);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(x[i].issue, y[i].issue);
        CHECK(x[i].heat == y[i].heat);
        CHECK_INT(x[i].messages, y[i].messages);
        CHECK_INT(x[i].authors, y[i].authors);
        CHECK_INT(x[i].likes, y[i].likes);
        CHECK_STR(x[i].description, y[i].description);
        uint64_t ma[16], mb[16];
        CHECK_INT(hot_members(a, x[i].issue, ma, 16), hot_members(b, y[i].issue, mb, 16));
        CHECK(!memcmp(ma, mb, (x[i].messages < 16 ? x[i].messages : 16) * sizeof *ma));
    }
    hot_trend t[8], u[8];
    size_t nt = hot_trends(a, now, 7, t, 8);
    CHECK_INT(hot_trends(b, now, 7, u, 8), nt);
    for (size_t i = 0; i < nt; i++) { CHECK_STR(t[i].word, u[i].word); CHECK_INT(t[i].recent, u[i].recent); }
    CHECK_INT(hot_nmsgs(a), hot_nmsgs(b));
    CHECK_INT(hot_nissues(a), hot_nissues(b));
}

TEST(saved_and_loaded_is_the_same_state) {
    setup();
    hot *h = live();
    bytes b = {0};
    CHECK_INT(hot_save(h, put, &b), 0);
    size_t steps[] = { 1, 7, 4096, b.n };
    for (size_t s = 0; s < sizeof steps / sizeof *steps; s++) {
        hot *g = load(&b, steps[s], 30);
        CHECK(g != NULL);
        if (!g) continue;
        same(h, g);
        /* It goes on as the original: the same issue for the next message, a later support counts. */
        uint32_t i1, i2;
        CHECK_INT(add(h, &LATER, 100, &i1), 0);
        CHECK_INT(add(g, &LATER, 100, &i2), 0);
        CHECK_INT(i1, i2);
        CHECK_INT(hot_support(h, 100, 3, 0), 0);
        CHECK_INT(hot_support(g, 100, 3, 0), 0);
        same(h, g);
        hot_free(g);
        hot_free(h);
        h = live();
    }
    hot_free(h);
    free(b.p);
}

TEST(damaged_or_foreign_images_are_refused) {
    setup();
    hot *h = live();
    bytes b = {0};
    CHECK_INT(hot_save(h, put, &b), 0);
    hot_free(h);
    /* A flipped byte anywhere: in the header, the arrays, the checksum. */
    size_t at[] = { 0, 100, b.n / 2, b.n - 1 };
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        b.p[at[i]] ^= 0x10;
        hot *g = load(&b, 4096, 30);
        CHECK(g == NULL);
        hot_free(g);
        b.p[at[i]] ^= 0x10;
    }
    /* Truncated, overlong, empty. */
    bytes t = b;
    t.n = b.n - 1;
    CHECK(load(&t, 4096, 30) == NULL);
    t.n = 10;
    CHECK(load(&t, 1, 30) == NULL);
    t.n = 0;
    CHECK(load(&t, 1, 30) == NULL);
    CHECK_INT(put(&b, "x", 1), 0);
    CHECK(load(&b, 4096, 30) == NULL);
    b.n--;
    /* Another configuration: its issues would not be ours. */
    CHECK(load(&b, 4096, 20) == NULL);
    /* Intact, it loads. */
    hot *g = load(&b, 4096, 30);
    CHECK(g != NULL);
    hot_free(g);
    free(b.p);
}
