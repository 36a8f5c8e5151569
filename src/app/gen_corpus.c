/* gen_corpus.c: the vocabulary of `minyi gen` (docs/gen.md). Titles and
 * body clauses are read from the real messages at gen time, by topic (their
 * first-level label), with every region name replaced by a marker; regions
 * are counted as they occur. Without the data a small built-in vocabulary,
 * written for this file, stands in. Nothing from the data is kept in the tree. */
#include "app/gen_int.h"
#include "app/datafile.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const gen_type_names[GEN_TYPES] = { "建议", "咨询", "投诉", "求助", "感谢" };

/* Words whose presence in a title suggests its type; first list that matches wins. */
static const char *const cue_words[GEN_TYPES][10] = {
    { "建议", "希望", "呼吁", "应该", "应当", NULL },
    { "请问", "咨询", "？", "?", "吗", "何时", "如何", "怎么", "能否", "是否" },
    { "投诉", "举报", "不作为", "违规", "违法", "乱收费", "扰民", "拖欠", "坑", NULL },
    { "求助", "恳请", "救救", "帮帮", "帮助", NULL },
    { "感谢", "谢谢", "点赞", "表扬", NULL },
};
static const int cue_order[GEN_TYPES] = { 4, 3, 2, 1, 0 };

int gen_title_cue(str t) {
    for (int k = 0; k < GEN_TYPES; k++) {
        int ty = cue_order[k];
        for (int w = 0; w < 10 && cue_words[ty][w]; w++)
            if (memmem(t.p, t.n, cue_words[ty][w], strlen(cue_words[ty][w]))) return ty;
    }
    return GEN_TYPES;
}

static int pieces_push(gen_pieces *ps, gen_piece p) {
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 64;
        gen_piece *v = realloc(ps->v, cap * sizeof *v);
        if (!v) return -1;
        ps->v = v; ps->cap = cap;
    }
    ps->v[ps->n++] = p;
    return 0;
}

static bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* Length of a region name at s (A3区, K6县, C4市 or A市), 0 if none.
 * *city is set when it is a city without a number. */
static size_t region_at(const char *s, size_t n, bool *city) {
    if (n < 4 || s[0] < 'A' || s[0] > 'Z') return 0;
    size_t i = 1;
    while (i < n && i < 3 && s[i] >= '0' && s[i] <= '9') i++;
    if (i + 3 > n) return 0;
    const char *u = s + i;
    bool qu = !memcmp(u, "区", 3), xian = !memcmp(u, "县", 3), shi = !memcmp(u, "市", 3);
    if (i == 1) { *city = true; return shi ? 4 : 0; }
    *city = false;
    return qu || xian || shi ? i + 3 : 0;
}

static gen_region *region_find(gen_corpus *c, const char *name, size_t n) {
    for (size_t i = 0; i < c->nregions; i++)
        if (strlen(c->regions[i].name) == n && !memcmp(c->regions[i].name, name, n)) return &c->regions[i];
    return NULL;
}

static int region_count(gen_corpus *c, const char *name, size_t n) {
    if (n >= sizeof c->regions[0].name) return 0;
    gen_region *r = region_find(c, name, n);
    if (r) { r->count++; return 0; }
    gen_region *v = realloc(c->regions, (c->nregions + 1) * sizeof *v);
    if (!v) return -1;
    c->regions = v;
    r = &v[c->nregions++];
    memcpy(r->name, name, n);
    r->name[n] = 0;
    r->count = 1;
    return 0;
}

/* Appends s to the arena with region names replaced by markers (and
 * counted); the piece's chars count a marker as the 3 characters of a
 * typical district name. */
static int arena_put(gen_corpus *c, str s, bool count_regions, gen_piece *out) {
    out->off = (uint32_t)c->arena.n;
    size_t i = 0, chars = 0;
    while (i < s.n) {
        bool city;
        size_t k = (i == 0 || !is_alnum(s.p[i-1])) ? region_at(s.p + i, s.n - i, &city) : 0;
        if (k) {
            if (buf_putc(&c->arena, city ? GEN_MARK_CITY : GEN_MARK_REGION)) return -1;
            if (count_regions && !city && region_count(c, s.p + i, k)) return -1;
            chars += city ? 2 : 3;
            i += k;
            continue;
        }
        uint32_t cp;
        int l = utf8_decode(s.p + i, s.n - i, &cp);
        if (l < 1) l = 1;
        if (buf_put(&c->arena, s.p + i, (size_t)l)) return -1;
        i += (size_t)l;
        chars++;
    }
    if (c->arena.n > UINT32_MAX / 2) return -1;
    out->bytes = (uint32_t)(c->arena.n - out->off);
    out->chars = (uint32_t)chars;
    return 0;
}

static gen_topic *topic_get(gen_corpus *c, str name) {
    name = str_trim(name);
    if (!name.n || name.n >= sizeof c->topics[0].name) return NULL;
    for (int i = 0; i < c->ntopics; i++)
        if (str_eq_c(name, c->topics[i].name)) return &c->topics[i];
    if (c->ntopics == GEN_MAX_TOPICS) return NULL;
    gen_topic *t = &c->topics[c->ntopics++];
    memcpy(t->name, name.p, name.n);
    t->name[name.n] = 0;
    return t;
}

/* Titles the length the docs promise (10-25 characters) without digits runs
 * that could be personal data, so the gen_pii ground truth stays exact. */
static bool digit_run(str s, int max) {
    int run = 0;
    for (size_t i = 0; i < s.n; i++) {
        run = (s.p[i] >= '0' && s.p[i] <= '9') ? run + 1 : 0;
        if (run > max) return true;
    }
    return false;
}

static int add_title(gen_corpus *c, gen_topic *t, str s) {
    s = str_trim(s);
    if (!s.n || digit_run(s, 6) || memchr(s.p, '@', s.n)) return 0;
    gen_piece p;
    size_t mark = c->arena.n;
    if (arena_put(c, s, true, &p)) return -1;
    if (p.chars < 10 || p.chars > 25) { c->arena.n = mark; return 0; }
    t->weight++;
    return pieces_push(&t->titles[gen_title_cue(s)], p);
}

/* Length of a clause separator at s (Chinese or ASCII punctuation, space), 0 if none. */
static size_t sep_at(const unsigned char *s, size_t n) {
    switch (s[0]) {
    case ',': case '!': case '?': case ';': case ' ': case '\t': return 1;
    case 0xE3:   /* 。、 */
        return n >= 3 && s[1] == 0x80 && (s[2] == 0x82 || s[2] == 0x81) ? 3 : 0;
    case 0xEF:   /* ，！？；： */
        return n >= 3 && s[1] == 0xBC && (s[2] == 0x8C || s[2] == 0x81 || s[2] == 0x9F || s[2] == 0x9B || s[2] == 0x9A) ? 3 : 0;
    default: return 0;
    }
}

/* A body split into clauses at punctuation. */
static int add_body(gen_corpus *c, gen_topic *t, str s) {
    size_t i = 0, st = 0;
    while (i <= s.n) {
        size_t sl = i == s.n ? 1 : sep_at((const unsigned char *)s.p + i, s.n - i);
        if (!sl) { i++; continue; }
        str cl = { s.p + st, i - st };
        size_t chars = utf8_count(cl.p, cl.n);
        if (chars >= 2 && chars <= 60 && !digit_run(cl, 6) && !memchr(cl.p, '@', cl.n)) {
            gen_piece p;
            if (arena_put(c, cl, true, &p) || pieces_push(&t->clauses, p)) return -1;
        }
        i += sl;
        st = i;
    }
    return 0;
}

static int load_file(gen_corpus *c, const char *path) {
    datafile *df;
    char err[512];
    if (datafile_open(path, &df, err, sizeof err)) return 0;   /* absent: the others may do */
    str f[DF_NFIELDS];
    int r, rc = 0;
    while ((r = datafile_next(df, f)) != 0 && !rc) {
        if (r < 0) continue;
        gen_topic *t = topic_get(c, f[DF_LABEL]);
        if (!t) continue;
        if (f[DF_TITLE].n) rc = add_title(c, t, f[DF_TITLE]);
        if (!rc && f[DF_BODY].n) rc = add_body(c, t, f[DF_BODY]);
    }
    datafile_close(df);
    return rc;
}

/* The built-in vocabulary: written for minyi, in the style of a city's
 * message board, so gen works (and its tests pass) without the data. */
static const struct { const char *name; const char *titles[10]; const char *clauses[16]; } builtin[] = {
    { "住房城建",
      { "A1区幸福家园小区物业不作为", "老旧小区改造进度太慢怎么办", "建议A2区增加小区停车位",
        "请问A3区老旧小区加装电梯如何申请？", "A4区某楼盘延期交房业主维权难", "小区物业乱收停车费问题",
        "安置小区电梯经常停运无人维修", "恳请帮助解决小区漏水问题", "感谢街道帮我们修好了小区路灯" },
      { "小区物业长期不作为", "电梯三天两头停运", "停车位严重不足", "业主多次反映无人处理", "楼道堆满杂物",
        "开发商迟迟不交房", "房屋外墙出现裂缝", "物业费年年上涨", "小区路灯坏了半年", "绿化带被改成停车场",
        "雨天地下室积水严重", "希望有关部门督促整改", "老旧小区改造方案没有公示", "楼顶漏水影响生活", "如题" } },
    { "生态环境",
      { "A2区搅拌站夜间施工噪音扰民", "河道污染严重请尽快治理", "建议关停A5区违规搅拌站",
        "餐馆油烟直排影响居民生活", "请问工地扬尘由哪个部门管？", "工厂排放异味严重影响健康",
        "A3区垃圾中转站臭气熏天", "感谢环保部门及时处理污染问题" },
      { "搅拌站半夜还在施工", "噪音大到无法入睡", "河水发黑发臭", "工地扬尘很大", "油烟直接排到楼上",
        "异味让人喘不过气", "垃圾堆放无人清运", "夜间施工噪音严重扰民", "附近居民苦不堪言", "请环保部门现场查看",
        "多次投诉没有结果", "空气质量越来越差", "希望尽快整改", "渣土车沿路撒漏" } },
    { "交通出行",
      { "A1区和平路口红绿灯时间太短", "建议增开A2区到高铁站的公交", "请问地铁三号线什么时候通车？",
        "A3区学校门口道路拥堵严重", "小区门口马路长期占道经营", "高速出口路况太差存在安全隐患",
        "建议在人民路增设人行天桥", "公交车经常不按时到站" },
      { "路口红绿灯时间太短", "老人来不及过马路", "公交车很久才来一趟", "道路坑洼不平", "上下班高峰堵得厉害",
        "路边违停车辆太多", "希望增开公交线路", "建议增设停车场", "马路被占道经营", "夜间路灯不亮",
        "出租车拒载现象严重", "学校门口没有斑马线", "共享单车乱停乱放", "如题" } },
    { "教育",
      { "A2区幼儿园学位不足怎么办", "请问外地户籍孩子如何入学？", "建议增加A4区公办学校学位",
        "学校违规收取补课费", "校外培训机构退费难", "学生课业负担太重", "感谢老师对孩子的耐心帮助",
        "A5区学校食堂饭菜质量差" },
      { "孩子上学太远", "公办幼儿园学位已满", "学校要求购买指定资料", "培训机构跑路", "退费一直拖着",
        "学生作业写到深夜", "校车数量不够", "食堂饭菜不卫生", "希望教育部门调查", "入学政策不清楚",
        "家长们都很着急", "请问需要准备哪些材料" } },
    { "社保就业",
      { "A1区某公司拖欠工资半年", "请问灵活就业人员如何缴纳社保？", "医保异地报销太麻烦",
        "建议提高城乡居民养老金标准", "恳请帮助讨回农民工工资", "退休手续办理进度缓慢",
        "失业金申领流程太复杂", "感谢人社局帮我们讨回欠薪" },
      { "公司拖欠工资", "工资已经半年没发", "社保断缴了", "医保报销比例太低", "异地就医手续复杂",
        "养老金太少不够生活", "劳动合同没有签", "工伤认定迟迟不办", "希望劳动部门介入", "农民工讨薪难",
        "退休手续跑了很多次", "请问该找哪个部门" } },
    { "医疗卫生",
      { "A3区医院挂号难看病难", "请问新生儿疫苗在哪里接种？", "建议社区卫生服务中心延长服务时间",
        "诊所无证行医存在隐患", "医院收费不透明", "感谢医生护士的精心治疗", "A2区医院停车难问题" },
      { "挂号要排很久", "医生态度不好", "检查费用太高", "药品价格不透明", "诊所没有资质",
        "疫苗预约不上", "社区医院缺少医生", "住院床位紧张", "希望卫生部门核查", "看病报销不方便" } },
    { "市场消费",
      { "A4区商场虚假促销欺骗消费者", "请问预付卡退费怎么维权？", "景区门票价格过高",
        "建议规范菜市场经营秩序", "网购商品质量问题商家不处理", "A1区农贸市场缺斤少两",
        "感谢市场监管局为我们维权" },
      { "商家虚假宣传", "办卡后门店关门", "预付费退不了", "菜价缺斤少两", "景区强制消费",
        "商品质量有问题", "商家拒绝退换", "价格欺诈严重", "希望市场监管部门查处", "消费者权益受损" } },
};

static int load_builtin(gen_corpus *c) {
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++) {
        gen_topic *t = topic_get(c, str_c(builtin[i].name));
        if (!t) return -1;
        for (int k = 0; k < 10 && builtin[i].titles[k]; k++) {
            str s = str_c(builtin[i].titles[k]);
            gen_piece p;
            if (arena_put(c, s, false, &p) || pieces_push(&t->titles[gen_title_cue(s)], p)) return -1;
            t->weight += 10;
        }
        for (int k = 0; k < 16 && builtin[i].clauses[k]; k++) {
            gen_piece p;
            if (arena_put(c, str_c(builtin[i].clauses[k]), false, &p) || pieces_push(&t->clauses, p)) return -1;
        }
    }
    /* Regions named the way the anonymised boards name them: letter, number, 区 or 县. */
    for (int l = 0; l < 6; l++)
        for (int d = 1; d <= 9; d++) {
            char name[16];
            int n = snprintf(name, sizeof name, "%c%d%s", 'A' + l, d, d % 3 ? "区" : "县");
            if (region_count(c, name, (size_t)n)) return -1;
            c->regions[c->nregions - 1].count = (uint32_t)(1000 / (l * 9 + d));
        }
    return 0;
}

static int by_chars(const void *a, const void *b) {
    const gen_piece *x = a, *y = b;
    if (x->chars != y->chars) return x->chars < y->chars ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

static int by_count(const void *a, const void *b) {
    const gen_region *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void corpus_clear(gen_corpus *c) {
    for (int i = 0; i < c->ntopics; i++) {
        for (int k = 0; k < GEN_CUES; k++) free(c->topics[i].titles[k].v);
        free(c->topics[i].clauses.v);
    }
    free(c->regions);
    buf_free(&c->arena);
    memset(c, 0, sizeof *c);
}

/* A topic is usable with a few titles and clauses; the corpus with two topics and regions. */
static bool usable(gen_corpus *c) {
    int k = 0;
    for (int i = 0; i < c->ntopics; i++) {
        gen_topic *t = &c->topics[i];
        size_t titles = 0;
        for (int q = 0; q < GEN_CUES; q++) titles += t->titles[q].n;
        if (titles >= 3 && t->clauses.n >= 10) c->topics[k++] = *t;
        else { for (int q = 0; q < GEN_CUES; q++) free(t->titles[q].v); free(t->clauses.v); }
    }
    c->ntopics = k;
    return k >= 2 && c->nregions >= 1;
}

int gen_corpus_load(const char *dir, gen_corpus **out, bool *was_builtin, char *err, size_t errlen) {
    gen_corpus *c = calloc(1, sizeof *c);
    if (!c) return -1;
    *was_builtin = false;
    if (err && errlen) err[0] = 0;
    int rc = 0;
    if (dir) {
        static const char *const files[] = { "labeled_titles.tsv", "labeled_bodies.tsv", "labeled_full.tsv" };
        for (size_t i = 0; i < sizeof files / sizeof *files && !rc; i++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            rc = load_file(c, path);
        }
        if (!rc && !usable(c)) {
            snprintf(err, errlen, "%s: no labelled messages (labeled_titles.tsv, labeled_bodies.tsv); using the built-in vocabulary", dir);
            corpus_clear(c);
            dir = NULL;
        }
    }
    if (!rc && !dir) {
        *was_builtin = true;
        rc = load_builtin(c);
    }
    if (rc) { corpus_clear(c); free(c); return -1; }
    for (int i = 0; i < c->ntopics; i++)
        qsort(c->topics[i].clauses.v, c->topics[i].clauses.n, sizeof(gen_piece), by_chars);
    qsort(c->regions, c->nregions, sizeof *c->regions, by_count);
    *out = c;
    return 0;
}

int gen_corpus_topics(const gen_corpus *c) { return c->ntopics; }

void gen_corpus_free(gen_corpus *c) {
    if (!c) return;
    corpus_clear(c);
    free(c);
}
