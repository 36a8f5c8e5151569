/* place.c: see place.h. A place is a suffix word (市, 区, 小区, 学院, 路...)
 * or a word the dictionary tags ns/nt, extended to the left over the name
 * words before it (nouns, names, letters and digits, words the dictionary
 * does not know), stopping at verbs, function words, punctuation and any
 * place of a wider level ("A5区" ends the name of "魅力之城小区"). */
#include "text/place.h"
#include "text/segdict.h"
#include "text/utf8.h"
#include <assert.h>
#include <pthread.h>
#include <string.h>

typedef struct { const char *s; uint8_t level, generic, weak; } suffix;

/* generic: dropped from the core name ("魅力之城小区" is "魅力之城" elsewhere).
 * weak: a common character that ends many non-place words too (家里, 县城,
 * 公园): it makes a place only after a real name of two characters or more. */
static const suffix SUFFIXES[] = {
    { "省", 1, 0, 0 }, { "自治区", 1, 0, 0 },
    { "市", 2, 0, 0 }, { "州", 2, 0, 1 },
    { "区", 3, 0, 0 }, { "县", 3, 0, 0 }, { "旗", 3, 0, 1 }, { "新区", 3, 0, 0 },
    { "镇", 4, 0, 0 }, { "乡", 4, 0, 1 }, { "街道", 4, 0, 0 }, { "开发区", 4, 0, 0 }, { "高新区", 4, 0, 0 },
    { "园区", 4, 0, 0 }, { "工业园", 4, 0, 0 }, { "产业园", 4, 0, 0 }, { "街道办", 4, 0, 0 },
    { "社区", 5, 1, 0 }, { "村", 5, 0, 0 }, { "路", 5, 0, 0 }, { "街", 5, 0, 0 }, { "大道", 5, 0, 0 },
    { "巷", 5, 0, 0 }, { "大街", 5, 0, 0 }, { "村委会", 5, 0, 0 }, { "居委会", 5, 0, 0 }, { "组", 5, 0, 1 },
    { "小区", 6, 1, 0 }, { "花园", 6, 0, 0 }, { "家园", 6, 0, 0 }, { "公寓", 6, 0, 0 }, { "大厦", 6, 0, 0 },
    { "广场", 6, 0, 0 }, { "新城", 6, 0, 0 }, { "学院", 6, 0, 0 }, { "大学", 6, 0, 0 }, { "中学", 6, 0, 0 },
    { "小学", 6, 0, 0 }, { "学校", 6, 0, 0 }, { "幼儿园", 6, 0, 0 }, { "医院", 6, 0, 0 }, { "卫生院", 6, 0, 0 },
    { "公司", 6, 0, 0 }, { "集团", 6, 0, 0 }, { "银行", 6, 0, 0 }, { "酒店", 6, 0, 0 }, { "宾馆", 6, 0, 0 },
    { "市场", 6, 0, 0 }, { "商场", 6, 0, 0 }, { "超市", 6, 0, 0 }, { "工厂", 6, 0, 0 }, { "厂", 6, 0, 1 },
    { "车站", 6, 0, 0 }, { "加油站", 6, 0, 0 }, { "公园", 6, 0, 0 }, { "楼盘", 6, 0, 0 }, { "安置房", 6, 0, 0 },
    { "里", 6, 0, 1 }, { "城", 6, 0, 1 }, { "园", 6, 0, 1 }, { "苑", 6, 0, 1 }, { "府", 6, 0, 1 },
    { "湾", 6, 0, 1 }, { "院", 6, 0, 1 }, { "庭", 6, 0, 1 }, { "居", 6, 0, 1 }, { "阁", 6, 0, 1 },
    { "坊", 6, 0, 1 }, { "郡", 6, 0, 1 }, { "庄", 6, 0, 1 }, { "公馆", 6, 0, 0 }, { "山庄", 6, 0, 0 },
};
#define NSUFFIX (sizeof SUFFIXES / sizeof *SUFFIXES)

/* Words that name people of a place ("经济学院学生"). */
static const char *const GROUPS[] = {
    "学生", "业主", "居民", "村民", "职工", "员工", "教师", "老师", "家长", "住户", "商户",
    "司机", "工人", "考生", "患者", "租户", "店主", "师生", "群众",
};

/* Names that look like a place before a weak suffix but are not (院子里, 县城). */
static const char *const NOT_NAMES[] = {
    "院子", "家", "心", "夜", "这", "那", "哪", "手", "眼", "屋", "房间", "学校", "城市", "城区",
    "小区", "老城", "进城", "校", "公", "乡", "县", "城", "村", "山", "水", "花", "果", "菜", "乐",
    "附近", "周边", "周围", "整个", "所在", "我们", "我", "你们", "他们", "本", "该", "此",
    "老旧", "新", "旧", "各个", "所有", "很多", "一些", "部分", "其他", "这个", "那个", "多个", "临街",
};

static int word_eq(const char *p, size_t n, const char *lit) { size_t m = strlen(lit); return n == m && !memcmp(p, lit, n); }

/* Suffixes by their last character (every word of every message is looked
 * up): a small open-addressing table of the last 3 bytes, each slot listing
 * its suffixes longest first. Built once. */
#define SFX_SLOTS 256
static struct { uint32_t key; uint8_t n, idx[12]; } sfx_tab[SFX_SLOTS];
static uint8_t sfx_len[NSUFFIX];
static pthread_once_t sfx_once = PTHREAD_ONCE_INIT;

static uint32_t last3(const char *p, size_t n) {
    return (uint32_t)(unsigned char)p[n - 3] << 16 | (uint32_t)(unsigned char)p[n - 2] << 8 | (unsigned char)p[n - 1];
}

static void sfx_init(void) {
    for (size_t i = 0; i < NSUFFIX; i++) sfx_len[i] = (uint8_t)strlen(SUFFIXES[i].s);
    for (size_t i = 0; i < NSUFFIX; i++) {
        uint32_t k = last3(SUFFIXES[i].s, sfx_len[i]);
        size_t j = (k * 2654435761u) >> 24;
        while (sfx_tab[j].n && sfx_tab[j].key != k) j = (j + 1) & (SFX_SLOTS - 1);
        sfx_tab[j].key = k;
        size_t at = sfx_tab[j].n++;
        assert(at < sizeof sfx_tab[j].idx);
        while (at > 0 && sfx_len[sfx_tab[j].idx[at - 1]] < sfx_len[i]) { sfx_tab[j].idx[at] = sfx_tab[j].idx[at - 1]; at--; }
        sfx_tab[j].idx[at] = (uint8_t)i;
    }
}

/* The longest suffix p[0..n) ends with (exact: that is all of it), NULL if none. */
static const suffix *suffix_of(const char *p, size_t n, int exact) {
    if (n < 3) return NULL;
    pthread_once(&sfx_once, sfx_init);
    uint32_t k = last3(p, n);
    size_t j = (k * 2654435761u) >> 24;
    while (sfx_tab[j].n && sfx_tab[j].key != k) j = (j + 1) & (SFX_SLOTS - 1);
    for (int a = 0; a < sfx_tab[j].n; a++) {
        size_t i = sfx_tab[j].idx[a], m = sfx_len[i];
        if (m > n || (exact && m != n)) continue;
        if (!memcmp(p + n - m, SUFFIXES[i].s, m)) return &SUFFIXES[i];
    }
    return NULL;
}

int place_suffix_level(const char *s, size_t n) {
    const suffix *x = suffix_of(s, n, 0);
    return x && sfx_len[x - SUFFIXES] < n ? x->level : 0;
}

/* The dictionary's POS tag of a word, "" when it has none (words the HMM found). */
static const char *word_tag(const seg_dict *d, const char *w, size_t n) {
    uint16_t codes[32];
    long m = segd_encode(w, n, codes, 32);
    int64_t f;
    int32_t cell;
    if (m <= 0 || m > 32 || !segd_lookup(d, codes, (size_t)m, &f, &cell) || cell <= 0 || f <= 0) return "";
    uint8_t t = d->tag[cell];
    return t && t <= d->ntags ? d->tags[t - 1] : "";
}

static size_t nchars(const char *p, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

/* The tag of word k of a scan: from the caller's table when given (looked
 * up once per text), else from the dictionary. */
typedef struct { const seg_dict *d; const char *s; const seg_word *w; const uint8_t *tags; } scan_words;

static const char *tag_of(const scan_words *sw, long k) {
    if (!sw->tags) return word_tag(sw->d, sw->s + sw->w[k].off, sw->w[k].len);
    uint8_t t = sw->tags[k];
    return t && t <= sw->d->ntags ? sw->d->tags[t - 1] : "";
}

/* Can word k be part of a place's name? Letters, digits, CJK nouns and unknown words. */
static int name_word(const scan_words *sw, long k, int weak) {
    const char *p = sw->s + sw->w[k].off;
    size_t n = sw->w[k].len;
    int cjk = 0, alnum = 0;
    for (size_t i = 0; i < n; ) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80) {
            /* Only ideographs: full-width punctuation is no part of a name. */
            uint32_t cp;
            int k = utf8_decode(p + i, n - i, &cp);
            if (k <= 0 || !((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF))) return 0;
            cjk = 1;
            i += (size_t)k;
            continue;
        }
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) alnum = 1;
        else return 0;       /* punctuation, space, symbols */
        i++;
    }
    if (!cjk) return alnum;
    if (word_eq(p, n, "之")) return 1;
    for (size_t i = 0; i < sizeof NOT_NAMES / sizeof *NOT_NAMES; i++)
        if (word_eq(p, n, NOT_NAMES[i])) return 0;
    const char *t = tag_of(sw, k);
    if (!*t) return 1;
    if (t[0] == 'n' || !strcmp(t, "vn") || !strcmp(t, "j") || !strcmp(t, "l") || !strcmp(t, "nz")) return 1;
    if (weak && (!strcmp(t, "a") || !strcmp(t, "an"))) return 1;
    return 0;
}

/* In a word the dictionary does not know, the end of the last 省/市/区/县
 * inside it (0 when none). */
static size_t admin_cut(const char *p, size_t n) {
    static const char *const ADMIN[] = { "省", "市", "区", "县" };
    size_t cut = 0;
    for (size_t i = 0; i + 3 <= n; i++)
        for (size_t k = 0; k < 4; k++)
            if (!memcmp(p + i, ADMIN[k], 3)) cut = i + 3;
    return cut;
}

static int is_group(const char *p, size_t n) {
    for (size_t i = 0; i < sizeof GROUPS / sizeof *GROUPS; i++)
        if (word_eq(p, n, GROUPS[i])) return 1;
    return 0;
}

/* The level of a word that ends a place by itself or as a suffix; 0 if none.
 * *exact: the word is only the suffix (the name comes from the words before).
 * as_end: the word is looked at as the end of a place, not inside a name. */
static int place_word(const scan_words *sw, long k, int *exact, const suffix **sx, int as_end) {
    const char *p = sw->s + sw->w[k].off;
    size_t n = sw->w[k].len;
    const suffix *x = suffix_of(p, n, 0);
    *sx = x;
    *exact = x && sfx_len[x - SUFFIXES] == n;
    if (x && *exact) return x->level;
    const char *t = tag_of(sw, k);
    int tagged = !strcmp(t, "ns") || !strcmp(t, "nt");
    if (x) {
        /* 城市, 道路, 临街, 分公司: common words that merely end like a place. */
        size_t rest = nchars(p, n) - nchars(x->s, strlen(x->s));
        if (rest >= 2 && (tagged || !x->weak)) return x->level;
        /* 雅苑, 花园 of an estate's name: a weak suffix with one more
         * character ends a place when a name comes before it. */
        if (as_end && rest == 1 && x->weak && x->level == PLACE_SITE && !tagged) { *exact = 1; return x->level; }
        return 0;
    }
    /* ns without a suffix is too often a common word (四楼, 滨河); nt is an organisation. */
    if (!strcmp(t, "nt")) return PLACE_SITE;
    return 0;
}

size_t place_scan(const seg_dict *d, const char *s, const seg_word *w, long nw, place_span *out, size_t cap) {
    return place_scan_tagged(d, s, w, nw, NULL, out, cap);
}

size_t place_scan_tagged(const seg_dict *d, const char *s, const seg_word *w, long nw, const uint8_t *tags, place_span *out, size_t cap) {
    const scan_words sw = { d, s, w, tags };
    size_t found = 0;
    for (long i = 0; i < nw; i++) {
        int exact;
        const suffix *x;
        int level = place_word(&sw, i, &exact, &x, 1);
        if (!level) continue;
        int weak = x && x->weak && exact;
        /* The name: up to 4 words / 12 characters to the left, not crossing
         * a wider place (its level is smaller) or a place of its own kind. */
        long j = i;
        size_t chars = 0, glued = 0;
        while (j > 0 && i - j < 4) {
            const char *q = s + w[j - 1].off;
            size_t qn = w[j - 1].len;
            int ex2; const suffix *x2;
            int l2 = place_word(&sw, j - 1, &ex2, &x2, 0);
            /* A place of the same level is part of the name when it is weak or
             * before a generic suffix ("幸福里小区", "丽发新城小区"; not "学校校园"). */
            if (l2 && (l2 != level || !((x2 && x2->weak) || (x && x->generic)))) break;
            /* An adjective right before the suffix is a description (老旧小区), further left part of a name (幸福里小区). */
            if (!l2 && !name_word(&sw, j - 1, weak || j < i)) break;
            size_t c = nchars(q, qn);
            if (level <= PLACE_DISTRICT) {
                /* Cities and districts have one-word names; "再谈A9市" is A9市. */
                size_t a = qn;
                while (a > 0 && (unsigned char)q[a - 1] < 0x80) a--;
                if (a > 0 && a < qn) { chars += qn - a; j--; glued = a; break; }
                const char *t = tag_of(&sw, j - 1);
                if (!(l2 || !*t || t[0] == 'n') || !strcmp(t, "vn")) break;
                chars += c; j--;
                break;
            }
            /* The HMM glues an anonymised district to the next name ("区丽发"): cut after it. */
            size_t cut = *tag_of(&sw, j - 1) ? 0 : admin_cut(q, qn);
            if (cut) {
                if (cut < qn) { chars += nchars(q + cut, qn - cut); j--; glued = cut; }
                break;
            }
            if (chars + c > 12) break;
            chars += c;
            j--;
        }
        if (exact) {
            /* A bare suffix needs a name: one letter or more for cities and
             * districts (anonymised "A市", "K9县"), two characters otherwise. */
            size_t need = level <= PLACE_DISTRICT ? 1 : 2;
            if (chars < need) continue;
        }
        uint32_t off = w[j].off + (uint32_t)glued, end = w[i].off + w[i].len;
        place_span sp = { off, end - off, end - off, 0, (uint8_t)level, exact && w[i].off > off ? w[i].off - off : 0 };
        if (x && x->generic && exact && chars >= 2) sp.core_len = w[i].off - off;
        if (i + 1 < nw && is_group(s + w[i + 1].off, w[i + 1].len)) sp.group_len = w[i + 1].len;
        /* A longer span that swallows the previous one replaces it ("魅力之城" -> "魅力之城小区"). */
        while (found && found <= cap && out[found - 1].off >= off) found--;
        if (found < cap) out[found] = sp;
        found++;
    }
    return found;
}

long place_find(seg_ctx *c, const seg_dict *d, const char *s, size_t n, place_span *out, size_t cap) {
    const seg_word *w;
    long nw = seg_cut(c, s, n, SEG_PRECISE, &w);
    if (nw < 0) return -1;
    return (long)place_scan(d, s, w, nw, out, cap);
}
