/* fts_test.c: the FTS5 tokenizer "minyi" (src/store/fts.c) on an in-memory
 * database: short Chinese queries, character phrases, Latin, highlight();
 * words worked out ahead index exactly as the tokenizer's own. */
#include "test.h"
#include "store/fts.h"
#include "text/seg.h"
#include <stdlib.h>
#include <xxhash.h>

static sqlite3 *db;
static seg_dict *D;

static void setup(void) {
    if (db) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
    if (sqlite3_open(":memory:", &db) != SQLITE_OK || fts_register(db) != SQLITE_OK) {
        fprintf(stderr, "fts_seg_test: %s\n", err);
        exit(1);
    }
    const char *sql =
        "CREATE VIRTUAL TABLE m USING fts5(body, tokenize='minyi');"
        "INSERT INTO m(rowid, body) VALUES (1, '小区物业乱收停车费，业主多次反映'), (2, 'A市A5区魅力之城小区噪音扰民'),"
        " (3, '我的ＩＰＨＯＮＥ15在地铁站丢了'), (4, '人民意见征集：中华人民共和国成立'), (5, '他来到了网易杭研大厦');"
        ;
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) { fprintf(stderr, "%s\n", e); exit(1); }
}

/* Comma-separated rowids matching q in table t. */
static const char *hits(const char *t, const char *q) {
    static char out[256];
    setup();
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT rowid FROM %s WHERE %s MATCH ?1 ORDER BY rowid", t, t);
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return "prepare error";
    sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%lld", out[0] ? "," : "", sqlite3_column_int64(st, 0));
    if (rc != SQLITE_DONE) snprintf(out, sizeof out, "error: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return out;
}

TEST(one_and_two_character_queries_find_messages) {
    CHECK_STR(hits("m", "车"), "1");
    CHECK_STR(hits("m", "小区"), "1,2");
    CHECK_STR(hits("m", "扰民"), "2");
    CHECK_STR(hits("m", "民"), "2,4");
}

TEST(longer_queries_are_character_phrases) {
    CHECK_STR(hits("m", "停车费"), "1");
    CHECK_STR(hits("m", "乱收停车"), "1");
    CHECK_STR(hits("m", "杭研"), "5");          /* an HMM word */
    CHECK_STR(hits("m", "民意"), "4");          /* substring across 人民|意见 */
    CHECK_STR(hits("m", "停费"), "");
    CHECK_STR(hits("m", "小区 噪音"), "2");      /* AND of two phrases */
}

TEST(latin_digits_normalised_and_case_folded) {
    CHECK_STR(hits("m", "iphone15"), "3");
    CHECK_STR(hits("m", "ＩＰｈｏｎｅ15"), "3");
    CHECK_STR(hits("m", "a5"), "2");
}

TEST(highlight_marks_the_original_text) {
    setup();
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "SELECT highlight(m, 0, '[', ']') FROM m WHERE m MATCH ?1", -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, "iphone15", -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "我的[ＩＰＨＯＮＥ15]在地铁站丢了");
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, "停车", -1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "小区物业乱收[停车]费，业主多次反映");
    sqlite3_finalize(st);
}

TEST(hostile_documents) {
    setup();
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "INSERT INTO m(body) VALUES (?1)", -1, &st, NULL), SQLITE_OK);
    static const char bad[] = "坏\xff\xfe数据\0后面";
    sqlite3_bind_text(st, 1, bad, sizeof bad - 1, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_reset(st);
    size_t n = 600000;
    char *big = malloc(n);
    for (size_t i = 0; i + 3 <= n; i += 3) memcpy(big, "好", 3), memcpy(big + i, (i / 3) % 7 ? "好" : "人", 3);
    sqlite3_bind_text(st, 1, big, (int)n, SQLITE_STATIC);
    CHECK_INT(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    free(big);
    CHECK_STR(hits("m", "数据"), "6");
    CHECK_STR(hits("m", "iphone*"), "3");      /* Latin words match by prefix queries */
}


/* fts_matches repeats the index's test on other text: phrases of
 * characters (punctuation between them does not count), Latin runs whole
 * and folded, every term somewhere. */
TEST(matches_on_other_text_as_the_index_does) {
    str cols[2] = { STR_LIT("公交车太挤"), STR_LIT("每天早上挤不上去，电话138****5678。ＡＰＰ登录") };
    CHECK(fts_matches(STR_LIT("公交"), cols, 2));
    CHECK(fts_matches(STR_LIT("公交 早上"), cols, 2));          /* one term per column */
    CHECK(fts_matches(STR_LIT("去电话"), cols, 2));             /* the comma is not a token */
    CHECK(fts_matches(STR_LIT("app"), cols, 2));
    CHECK(fts_matches(STR_LIT("138"), cols, 2));
    CHECK(!fts_matches(STR_LIT("13812345678"), cols, 2));      /* masked away */
    CHECK(!fts_matches(STR_LIT("公交 地铁"), cols, 2));
    CHECK(!fts_matches(STR_LIT("挤早"), cols, 2));
    CHECK(!fts_matches(STR_LIT("ap"), cols, 2));                /* a Latin run is one token */
    CHECK(!fts_matches(STR_LIT("交车太挤每"), cols, 2));        /* no phrase across columns */
}

static const char *snip(const char *q, const char *text, size_t chars) {
    static buf b;
    buf_reset(&b);
    CHECK_INT(fts_snippet_html(str_c(q), str_c(text), chars, &b), 0);
    return b.p ? b.p : "";
}

TEST(snippets_escape_and_mark_only_matches) {
    CHECK_STR(snip("噪音", "夜间<b>噪音</b>扰民 & 噪音", 80), "夜间&lt;b&gt;<mark>噪音</mark>&lt;/b&gt;扰民 &amp; <mark>噪音</mark>");
    CHECK_STR(snip("a", "\"a\" 'b'", 80), "&quot;<mark>a</mark>&quot; &#39;b&#39;");
    CHECK_STR(snip("路 灯", "路灯", 80), "<mark>路</mark><mark>灯</mark>");
    CHECK_STR(snip("error", "登录提示ＥＲＲＯＲ了", 80), "登录提示<mark>ＥＲＲＯＲ</mark>了");
    /* a window around the first match, cut marks on both sides */
    CHECK_STR(snip("目标", "一二三四五六七八九十一二三四五六七八九十目标一二三四五六七八九十", 10), "…六七八九十<mark>目标</mark>一二三…");
    CHECK_STR(snip("无", "没有匹配的文字", 4), "没有匹配…");
    CHECK_STR(snip("匹配", "", 10), "");
    CHECK_STR(snip("坏", "坏\xff数据", 10), "<mark>坏</mark>\xff数据");   /* bytes kept as given; the caller has valid UTF-8 */
}

/* Every (term, row, column, offset) of table t, one per line (fts5vocab). */
static char *instances(const char *t) {
    setup();
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE IF NOT EXISTS v_%s USING fts5vocab(%s, 'instance');", t, t);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) return strdup("vocab error");
    snprintf(sql, sizeof sql, "SELECT term, doc, col, offset FROM v_%s ORDER BY 1, 2, 3, 4", t);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return strdup("prepare error");
    buf b = {0};
    while (sqlite3_step(st) == SQLITE_ROW)
        buf_printf(&b, "%s %lld %s %d\n", (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                   (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 3));
    sqlite3_finalize(st);
    buf_putc(&b, 0);
    return b.p;
}

static const char *const AHEAD_ROWS[][2] = {
    { "小区物业乱收停车费", "业主多次反映，物业公司至今没有答复。" },
    { "", "标题为空的留言：公交线路太少，希望增加班次" },
    { "噪音扰民", "" },
    { "iPhone15 在地铁站丢了", "ＩＰＨＯＮＥ１５，联系电话１３８００１３８０００" },
    { "中华人民共和国成立", "人民意见征集：中华人民共和国成立七十五周年" },
};
#define NAHEAD (sizeof AHEAD_ROWS / sizeof AHEAD_ROWS[0])

/* Rows of AHEAD_ROWS into table t (title, body), with blobs lent when given. */
static void fill(const char *t, fts_ahead *lend, size_t nlend) {
    char sql[160];
    snprintf(sql, sizeof sql, "CREATE VIRTUAL TABLE %s USING fts5(title, body, tokenize='minyi');", t);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    snprintf(sql, sizeof sql, "INSERT INTO %s(rowid, title, body) VALUES (?1, ?2, ?3)", t);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (lend) fts_ahead_use(lend, nlend);
    for (size_t i = 0; i < NAHEAD; i++) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
        sqlite3_bind_text(st, 2, AHEAD_ROWS[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, AHEAD_ROWS[i][1], -1, SQLITE_STATIC);
        CHECK_INT(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    fts_ahead_use(NULL, 0);
    sqlite3_finalize(st);
}

TEST(words_worked_out_ahead_index_exactly_as_segmenting_does) {
    setup();
    fts_ahead lend[NAHEAD];
    for (size_t i = 0; i < NAHEAD; i++) {
        void *p; size_t n;
        CHECK_INT(fts_words_ahead(AHEAD_ROWS[i][0], strlen(AHEAD_ROWS[i][0]), AHEAD_ROWS[i][1], strlen(AHEAD_ROWS[i][1]), &p, &n), 0);
        lend[i] = (fts_ahead){ p, n };
    }
    fill("plain", NULL, 0);
    fill("ahead", lend, NAHEAD);
    char *want = instances("plain"), *got = instances("ahead");
    CHECK(strstr(want, "物业 1 title") != NULL);   /* words are indexed, not only characters */
    CHECK_STR(got, want);
    free(got);
    /* A loan that does not fit (another row's words, a gap) changes nothing: those texts are segmented. */
    fts_ahead shifted[NAHEAD] = { lend[1], lend[0], lend[4] };
    fill("shifted", shifted, 3);
    got = instances("shifted");
    CHECK_STR(got, want);
    free(got);
    /* The loan is what the tokenizer uses: a forged blob for row 1 (the right
     * texts, no words) leaves its words out. Layout (fts.c): per text, a
     * 64-bit hash, its length, its number of words, then its words. */
    struct { uint64_t hash; uint32_t len, nwords; } forged[2];
    for (int k = 0; k < 2; k++) {
        const char *x = AHEAD_ROWS[0][k];
        forged[k].hash = XXH3_64bits(x, strlen(x));
        forged[k].len = (uint32_t)strlen(x);
        forged[k].nwords = 0;
    }
    fts_ahead one = { forged, sizeof forged };
    fill("forged", &one, 1);
    got = instances("forged");
    CHECK(strstr(got, "物业 1 title") == NULL && strstr(got, "物 1 title") != NULL);
    free(got);
    free(want);
    for (size_t i = 0; i < NAHEAD; i++) free((void *)lend[i].p);
}
