/* seg_test.c: tests for src/text/seg.c and segdict.c. Expected segmentations
 * are python3-jieba 0.42.1's (jieba.cut / cut_for_search, HMM on and off).
 * Needs the compiled dictionary (build/jieba.dict, or it is built in memory). */
#include "test.h"
#include "text/seg.h"
#include "text/segdict.h"
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

static seg_dict *D;
static seg_ctx *C;

static void setup(void) {
    if (D) return;
    char err[256];
    if (seg_dict_open(NULL, &D, err, sizeof err)) { fprintf(stderr, "seg_test: %s\n", err); exit(1); }
    if (seg_ctx_new(D, &C)) exit(1);
}

/* Words joined by '|', whitespace words included. */
static const char *cut(const char *s, int flags) {
    static char out[8192];
    setup();
    const seg_word *w;
    long k = seg_cut(C, s, strlen(s), flags, &w);
    size_t o = 0;
    out[0] = 0;
    for (long i = 0; i < k && o + w[i].len + 2 < sizeof out; i++) {
        if (i) out[o++] = '|';
        memcpy(out + o, s + w[i].off, w[i].len);
        o += w[i].len;
    }
    out[o] = 0;
    return out;
}

/* Precise-mode words are contiguous and cover every byte exactly once. */
static int covers(const char *s, size_t n, int flags) {
    setup();
    const seg_word *w;
    long k = seg_cut(C, s, n, flags, &w);
    if (k < 0) return 0;
    size_t at = 0;
    for (long i = 0; i < k; i++) {
        if (w[i].off != at || w[i].len == 0) return 0;
        at += w[i].len;
    }
    return at == n;
}

TEST(mixed_chinese_latin_digits) {
    CHECK_STR(cut("2023年1月18日iPhone15发布", SEG_PRECISE), "2023|年|1|月|18|日|iPhone15|发布");
    CHECK_STR(cut("A市A5区魅力之城小区", SEG_PRECISE), "A|市|A5|区|魅力|之|城|小区");
    CHECK_STR(cut("AT&T和c#都是词", SEG_PRECISE), "AT&T|和|c#|都|是|词");
    CHECK_STR(cut("增长3.5%的GDP", SEG_PRECISE), "增长|3.5%|的|GDP");
    CHECK_STR(cut("增长3.5%的GDP", SEG_NO_HMM), "增长|3|.|5|%|的|GDP");
}

TEST(precise_mode_uses_dictionary_and_hmm) {
    CHECK_STR(cut("小明硕士毕业于中国科学院计算所，后在日本京都大学深造", SEG_PRECISE),
              "小明|硕士|毕业|于|中国科学院|计算所|，|后|在|日本京都大学|深造");
    /* 杭研 is not in the dictionary: only the HMM joins it. */
    CHECK_STR(cut("他来到了网易杭研大厦", SEG_PRECISE), "他|来到|了|网易|杭研|大厦");
    CHECK_STR(cut("他来到了网易杭研大厦", SEG_NO_HMM), "他|来到|了|网易|杭|研|大厦");
    CHECK_STR(cut("小明硕士毕业于中国科学院计算所", SEG_NO_HMM), "小|明|硕士|毕业|于|中国科学院|计算所");
}

TEST(search_mode_adds_dictionary_subwords_first) {
    CHECK_STR(cut("中华人民共和国成立了", SEG_SEARCH), "中华|华人|人民|共和|共和国|中华人民共和国|成立|了");
    CHECK_STR(cut("小明硕士毕业于中国科学院计算所", SEG_SEARCH | SEG_NO_HMM),
              "小|明|硕士|毕业|于|中国|科学|学院|科学院|中国科学院|计算|计算所");
}

TEST(non_han_characters_one_word_each) {
    /* Full-width letters and digits are outside jieba's han block: one word per character. */
    CHECK_STR(cut("ａｂｃ１２３全角", SEG_PRECISE), "ａ|ｂ|ｃ|１|２|３|全角");
    /* Each whitespace character is a word; CR LF is one. */
    CHECK_STR(cut("  我 爱\t北京\r\n", SEG_PRECISE), " | |我| |爱|\t|北京|\r\n");
    CHECK_STR(cut("，。！", SEG_PRECISE), "，|。|！");
}

TEST(is_space) {
    const char *s = "a \xe3\x80\x80\r\n";   /* U+3000 is whitespace for jieba */
    CHECK(!seg_is_space(s, (seg_word){ 0, 1 }));
    CHECK(seg_is_space(s, (seg_word){ 1, 1 }));
    CHECK(seg_is_space(s, (seg_word){ 2, 3 }));
    CHECK(seg_is_space(s, (seg_word){ 5, 2 }));
    CHECK(!seg_is_space(s, (seg_word){ 0, 0 }));
    CHECK(seg_space_cp(0x3000) && seg_space_cp(0xA0) && !seg_space_cp(0x200B));
}

TEST(empty_nul_and_invalid_utf8) {
    CHECK_STR(cut("", SEG_PRECISE), "");
    CHECK(covers("", 0, SEG_PRECISE));
    /* NUL is an ordinary non-han character. */
    CHECK(covers("北京\0大学", 7, SEG_PRECISE));
    /* A truncated character, a lone continuation byte, an overlong and a surrogate. */
    const char bad[] = "北\xe4\xba" "京\x80大\xc0\xaf学\xed\xa0\x80";
    CHECK(covers(bad, sizeof bad - 1, SEG_PRECISE));
    CHECK(covers(bad, sizeof bad - 1, SEG_NO_HMM));
    const seg_word *w;
    long k = seg_cut(C, "\xff", 1, SEG_SEARCH, &w);
    CHECK_INT(k, 1);
}

TEST(byte_by_byte_prefixes) {
    const char *s = "小明硕士毕业于中国科学院计算所，iPhone15发布3.5%";
    size_t n = strlen(s);
    for (size_t k = 0; k <= n; k++) {
        char *copy = malloc(k ? k : 1);   /* exact size: ASan catches any over-read */
        memcpy(copy, s, k);
        CHECK(covers(copy, k, SEG_PRECISE));
        CHECK(covers(copy, k, SEG_NO_HMM));
        free(copy);
    }
}

TEST(huge_inputs) {
    /* 1 MB of one character (a single han block: one long DAG) and of an
     * unknown-character run (one long Viterbi). */
    size_t n = 3 * 350000;
    char *s = malloc(n);
    for (size_t i = 0; i < n; i += 3) memcpy(s + i, "的", 3);
    CHECK(covers(s, n, SEG_PRECISE));
    for (size_t i = 0; i < n; i += 3) memcpy(s + i, (i / 3) % 2 ? "\xe9\xbe\x98" : "\xe5\x9b\x8d", 3);   /* 龘 囍 */
    CHECK(covers(s, n, SEG_PRECISE));
    const seg_word *w;
    long k = seg_cut(C, s, n, SEG_SEARCH, &w);
    CHECK(k > 0);
    memset(s, 'a', n);
    CHECK(covers(s, n, SEG_PRECISE));
    CHECK_INT(seg_cut(C, s, n, SEG_PRECISE, &w), 1);
    free(s);
}

TEST(user_words_at_run_time) {
    char err[256];
    seg_dict *d;
    seg_ctx *c;
    CHECK_INT(seg_dict_open(NULL, &d, err, sizeof err), 0);
    CHECK_INT(seg_ctx_new(d, &c), 0);
    const char *s = "A市A5区魅力之城小区";
    /* No frequency: jieba's suggest_freq; the word then comes out whole. */
    CHECK_INT(seg_dict_add_word(d, "魅力之城", strlen("魅力之城"), 0), 0);
    const seg_word *w;
    long k = seg_cut(c, s, strlen(s), SEG_PRECISE, &w);
    CHECK_INT(k, 6);
    if (k == 6) { CHECK_INT(w[4].off, strlen("A市A5区")); CHECK_INT(w[4].len, strlen("魅力之城")); }
    const char *t = "他来到了网易杭研大厦";
    CHECK_INT(seg_dict_add_word(d, "杭研大厦", strlen("杭研大厦"), 5), 0);
    k = seg_cut(c, t, strlen(t), SEG_NO_HMM, &w);
    CHECK_INT(k, 5);
    if (k == 5) CHECK_INT(w[4].len, strlen("杭研大厦"));
    CHECK_INT(seg_dict_add_word(d, "\xff", 1, 3), -1);
    CHECK_INT(seg_dict_add_word(d, "", 0, 3), -1);
    /* A word with characters outside the han block is accepted (counted) but never matched. */
    CHECK_INT(seg_dict_add_word(d, "ｘｙ", strlen("ｘｙ"), 3), 0);
    seg_ctx_free(c);
    seg_dict_close(d);
    /* The shared dictionary was not touched. */
    CHECK_STR(cut("A市A5区魅力之城小区", SEG_PRECISE), "A|市|A5|区|魅力|之|城|小区");
}

TEST(user_dictionary_file) {
    char path[] = "/tmp/minyi_seg_test_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char *text = "\xEF\xBB\xBF魅力之城 10 ns\n\n杭研大厦\n石墨烯 n\r\n";
    CHECK_INT(write(fd, text, strlen(text)), (long)strlen(text));
    close(fd);
    char err[256];
    seg_dict *d;
    seg_ctx *c;
    CHECK_INT(seg_dict_open(NULL, &d, err, sizeof err), 0);
    CHECK_INT(seg_dict_load_user(d, path, err, sizeof err), 3);
    CHECK_INT(seg_ctx_new(d, &c), 0);
    const seg_word *w;
    const char *s = "魅力之城杭研大厦";
    long k = seg_cut(c, s, strlen(s), SEG_NO_HMM, &w);
    CHECK_INT(k, 2);
    /* The tag after a frequency is not part of the word. */
    int64_t f = -1;
    uint16_t codes[8];
    long m = segd_encode("魅力之城", strlen("魅力之城"), codes, 8);
    CHECK(segd_lookup(d, codes, (size_t)m, &f, NULL) && f == 10);
    seg_ctx_free(c);
    seg_dict_close(d);
    unlink(path);
    CHECK_INT(seg_dict_load_user(D, "/nonexistent/user.dict", err, sizeof err), -1);
}

TEST(dictionary_file_errors) {
    char err[256] = "";
    seg_dict *d = NULL;
    CHECK_INT(seg_dict_open("/nonexistent/jieba.dict", &d, err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/jieba.dict") != NULL);
    char path[] = "/tmp/minyi_seg_dict_XXXXXX";
    int fd = mkstemp(path);
    CHECK_INT(write(fd, "MINYISEG garbage", 16), 16);
    close(fd);
    CHECK_INT(seg_dict_open(path, &d, err, sizeof err), -1);
    CHECK(strstr(err, path) != NULL && strstr(err, "not a minyi dictionary") != NULL);
    /* A valid header with a wrong size: refused, not trusted. */
    fd = open(path, O_WRONLY | O_TRUNC);
    char hdr[512] = "MINYISEG";
    uint32_t v = 1;
    memcpy(hdr + 8, &v, 4);
    CHECK_INT(write(fd, hdr, sizeof hdr), (long)sizeof hdr);
    close(fd);
    CHECK_INT(seg_dict_open(path, &d, err, sizeof err), -1);
    unlink(path);
}

TEST(dictionary_lookup) {
    setup();
    uint16_t codes[16];
    int64_t f;
    long m = segd_encode("中国科学院", strlen("中国科学院"), codes, 16);
    CHECK_INT(m, 5);
    CHECK(segd_lookup(D, codes, 5, &f, NULL) && f > 0);
    CHECK(segd_lookup(D, codes, 4, &f, NULL) && f == 0);      /* 中国科学: a prefix only */
    CHECK_INT(segd_encode("ｘ", 3, codes, 16), -1);
    CHECK(D->median_idf > 5 && D->median_idf < 15);
}
