/* place_test.c: tests for src/text/place.c on real-looking messages. */
#include "test.h"
#include "text/place.h"
#include <stdlib.h>

static seg_dict *D;
static seg_ctx *C;

static void setup(void) {
    if (C) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err) || seg_ctx_new(D, &C)) { fprintf(stderr, "%s\n", err); exit(1); }
}

/* The places of s joined as "name/core/level;..." for compact checks. */
static const char *places(const char *s) {
    static char out[1024];
    place_span sp[16];
    long n = place_find(C, D, s, strlen(s), sp, 16);
    size_t k = 0;
    out[0] = 0;
    for (long i = 0; i < n && i < 16; i++)
        k += (size_t)snprintf(out + k, sizeof out - k, "%.*s/%.*s/%d%s%.*s;", (int)sp[i].len, s + sp[i].off,
                              (int)sp[i].core_len, s + sp[i].off, sp[i].level, sp[i].group_len ? "+" : "",
                              (int)sp[i].group_len, s + sp[i].off + sp[i].len);
    return out;
}

TEST(administrative_chain_and_estate) {
    setup();
    CHECK_STR(places("A市A5区魅力之城小区临街餐饮店油烟噪音扰民"), "A市/A市/2;A5区/A5区/3;魅力之城小区/魅力之城/6;");
    CHECK_STR(places("长沙市雨花区区域内"), "长沙市/长沙市/2;雨花区/雨花区/3;");
    CHECK_STR(places("K9县某镇拖欠工资"), "K9县/K9县/3;");
}

TEST(groups_schools_roads) {
    setup();
    CHECK_STR(places("A市经济学院学生被强制实习"), "A市/A市/2;经济学院/经济学院/6+学生;");
    CHECK_STR(places("位于书院路主干道的大楼"), "书院路/书院路/5;");
    CHECK_STR(places("再谈A9市人民医院"), "A9市/A9市/2;人民医院/人民医院/6;");
}

TEST(place_names_are_not_split) {
    setup();
    /* 幸福 + 里 is one place, and a generic 小区 after it joins it. */
    CHECK_STR(places("我住在幸福里，楼下噪音很大"), "幸福里/幸福里/6;");
    CHECK_STR(places("幸福里小区居民坚决反对"), "幸福里小区/幸福里/6+居民;");
    /* The HMM glues "区丽发": the name is cut after the district. */
    CHECK_STR(places("A2区丽发新城小区附近搅拌站噪音扰民"), "丽发新城小区/丽发新城/6;");
}

TEST(descriptions_are_not_places) {
    setup();
    CHECK_STR(places("我们小区的老旧小区改造"), "");
    CHECK_STR(places("院子里的噪音"), "");
    CHECK_STR(places("城市的道路很堵"), "");
}

TEST(hostile_input) {
    setup();
    const char bad[] = "\xff\xfe小区\x00市\xe5";
    place_span sp[4];
    CHECK(place_find(C, D, bad, sizeof bad - 1, sp, 4) >= 0);
    CHECK(place_find(C, D, "", 0, sp, 4) == 0);
    /* More places than room: the count says so, only cap are written. */
    const char *many = "A市B市C市D市E市F市";
    CHECK(place_find(C, D, many, strlen(many), sp, 2) >= 2);
    CHECK_INT(place_suffix_level("魅力之城小区", strlen("魅力之城小区")), PLACE_SITE);
    CHECK_INT(place_suffix_level("小区", strlen("小区")), 0);
}
