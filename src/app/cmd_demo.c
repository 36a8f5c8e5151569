/* cmd_demo.c: `minyi demo`, what `make run` calls first: creates the
 * database with demo data (departments with routing keywords, two
 * consultations, a few messages and a reply) and an admin and a handler
 * with random passwords, printed once; only their argon2id hashes are kept.
 * With --generate N (make run: 3,000) a month of generated messages (gen.h)
 * up to today is added, analyzed, and partly replied and rated, so the
 * dashboard, the inbox and hot issues are full. On a database that already
 * has users it changes nothing. */
#include "app/analyzer.h"
#include "app/auth.h"
#include "app/cmd.h"
#include "app/staffphone.h"
#include <sodium.h>
#include "app/gen.h"
#include "app/routing.h"
#include "core/log.h"
#include "store/store.h"
#include "text/seg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct { const char *name; const char *keywords[10]; } depts[] = {
    { "交通运输局",         { "公交", "地铁", "道路", "交通", "停车", "红绿灯", "出租车", "高速", "路口", NULL } },
    { "住房和城乡建设局",   { "小区", "物业", "房屋", "拆迁", "施工", "装修", "开发商", "房产", "安置", NULL } },
    { "生态环境局",         { "噪音", "污染", "排放", "环境", "垃圾", "油烟", "异味", "扬尘", NULL } },
    { "教育局",             { "学校", "教育", "学生", "幼儿园", "老师", "学位", "招生", "培训", NULL } },
    { "人力资源和社会保障局", { "社保", "医保", "工资", "养老", "就业", "退休", "欠薪", "劳动", NULL } },
    { "卫生健康委员会",     { "医院", "医生", "疫苗", "卫生", "诊所", "看病", NULL } },
    { "商务局",             { "商家", "价格", "市场", "消费", "旅游", "景区", NULL } },
};

static const struct { int cons; const char *title, *body, *type, *region, *phone, *reply; } msgs[] = {
    { 2, "A3区枫林路口红绿灯时间太短", "枫林路与桐梓坡路口的人行道绿灯只有15秒，老人和带孩子的家长来不及通过，建议延长到30秒。",
      "建议", "A3区", "13812345678", "您好，经现场核查，已将该路口行人绿灯时间调整为28秒，感谢您的建议。" },
    { 2, "小区物业长期不维修电梯", "我们小区3栋的电梯去年以来多次停运，物业一直以没有维修资金为由拖延，请有关部门督促。",
      "投诉", "A5区", NULL, NULL },
    { 2, "幼儿园学位不足怎么办", "今年孩子满三岁，家附近两所公办幼儿园都说学位已满，请问还有什么渠道可以申请？",
      "咨询", "A7县", NULL, NULL },
    { 1, "建议增加社区养老服务点", "我市老龄人口越来越多，建议在2026年工作计划中增加社区养老服务点，提供助餐和日间照料。",
      "建议", NULL, NULL, NULL },
};

/* Official replies, by message type (建议 咨询 投诉 求助 感谢). */
static const char *const replies[5][2] = {
    { "感谢您的建议。我们将在下一步工作中认真研究，统筹考虑，并在条件成熟时推进实施。",
      "您好，您的建议已收悉，已转相关科室研究，感谢您对我们工作的关心和支持。" },
    { "您好，关于您咨询的问题，请携带身份证等材料到政务服务中心窗口办理，具体可拨打12345咨询。",
      "您好，经查询，相关政策已在门户网站公开，您可按公告要求准备材料后申请。" },
    { "您好，经现场核实，您反映的情况属实，我局已责令责任单位限期整改，并将持续跟踪。",
      "您好！您反映的问题已收悉。经核查，相关单位已安排专人处理，预计近期解决。感谢您的监督。" },
    { "您好，您反映的困难我们已了解，已协调属地街道上门帮助解决，如有进展将及时告知。",
      "您好，已联系相关单位为您办理，请保持电话畅通。" },
    { "感谢您的肯定，我们将继续努力，做好服务。", "感谢您的来信，我们会把您的鼓励转达给工作人员。" },
};

typedef struct {
    const store_ops *o;
    json_t *rules;
    int64_t c1, c2;
    const gen *g;
    uint64_t n, next;
    int64_t *ids, *created;
    int *types;
    int64_t now;
    unsigned seed;
    long replied, rated;
} demo_gen;

static const char *iso(int64_t t, char out[32]) {
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return out;
}

static int type_index(const char *type) {
    static const char *const names[5] = { "建议", "咨询", "投诉", "求助", "感谢" };
    for (int k = 0; k < 5; k++) if (!strcmp(type, names[k])) return k;
    return 0;
}

/* All generated messages in one transaction. */
static int demo_insert(store *st, void *arg) {
    demo_gen *d = arg;
    gen_buf gb = {0};
    int rc = STORE_OK;
    for (uint64_t i = 0; i < d->n && rc == STORE_OK; i++) {
        gen_msg m;
        if (gen_message(d->g, i, &gb, &m)) { rc = STORE_ERROR; break; }
        char when[32];
        /* Most messages go to the board; one in seven comments on the work report. */
        store_new_msg nm = { .consultation_id = i % 7 == 3 ? d->c1 : d->c2, .title = m.title, .body = m.body,
                             .type = str_c(m.type), .region = str_c(m.region), .author = str_c(m.user),
                             .created_at = str_c(iso(m.created_at, when)) };
        if (!m.region[0]) nm.region = (str){0};
        nm.department_id = routing_pick(d->rules, nm.title, nm.body);
        char code[20];
        rc = d->o->msg_add(st, &nm, &d->ids[i], code);
        d->created[i] = m.created_at;
        d->types[i] = type_index(m.type);
        /* supporters: a few per liked message */
        for (unsigned k = 0; k < m.likes && k < 8 && rc == STORE_OK; k++) {
            char visitor[32];
            int64_t supports;
            snprintf(visitor, sizeof visitor, "demo-%u", k);
            rc = d->o->support_add(st, d->ids[i], visitor, &supports);
            if (rc == STORE_CONFLICT || rc == STORE_NOT_FOUND) rc = STORE_OK;
        }
    }
    gen_buf_free(&gb);
    return rc;
}

/* After analysis: most routed messages older than a few days get their
 * department's reply (some late, past reply_days), and some replies a rating. */
static int demo_reply(store *st, void *arg) {
    demo_gen *d = arg;
    for (uint64_t i = 0; i < d->n; i++) {
        store_msg m = {0};
        int rc = d->o->msg_get(st, d->ids[i], &m);
        if (rc) return rc;
        bool open = m.department_id && strcmp(m.moderation, "held") && strcmp(m.moderation, "rejected");
        int64_t dept = m.department_id;
        store_msg_clear(&m);
        double u = rand_r(&d->seed) / (RAND_MAX + 1.0);
        int64_t at = d->created[i] + (int64_t)((0.2 + 22 * u * u) * 86400);
        if (!open || at > d->now || rand_r(&d->seed) % 100 >= 80) continue;
        char when[32];
        const char *text = replies[d->types[i]][rand_r(&d->seed) % 2];
        if ((rc = d->o->reply_import(st, d->ids[i], dept, str_c(text), str_c(iso(at, when))))) return rc;
        d->replied++;
        if (rand_r(&d->seed) % 100 < 45) {
            static const int scores[20] = { 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 1, 1 };
            rc = d->o->rating_add(st, d->ids[i], scores[rand_r(&d->seed) % 20], (str){0});
            if (rc == STORE_OK) d->rated++;
            else if (rc != STORE_CONFLICT) return rc;
        }
    }
    return STORE_OK;
}

/* Adds n generated messages over the 30 days before today, analyzes them,
 * then replies and rates. Returns 0, or 1 with the error logged. */
static int demo_generate(store *st, json_t *rules, int64_t c1, int64_t c2, uint64_t n, const char *from, long *replied, long *rated) {
    gen_corpus *corpus;
    bool builtin;
    char err[512];
    if (gen_corpus_load(from, &corpus, &builtin, err, sizeof err)) { log_error("demo: out of memory"); return 1; }
    if (err[0]) fprintf(stderr, "demo: %s\n", err);
    int64_t now = (int64_t)time(NULL);
    int64_t today = (now + 8 * 3600) / 86400 * 86400 - 8 * 3600;   /* midnight in Beijing */
    gen_opts go = { .seed = 2026, .count = n, .start = today - 30 * 86400, .days = 30 };
    gen *g = NULL;
    demo_gen d = { .o = st->ops, .rules = rules, .c1 = c1, .c2 = c2, .n = n, .now = now, .seed = 2026 };
    d.ids = calloc(n, sizeof *d.ids);
    d.created = calloc(n, sizeof *d.created);
    d.types = calloc(n, sizeof *d.types);
    int rc = 1;
    if (!d.ids || !d.created || !d.types || gen_new(corpus, &go, &g)) { log_error("demo: out of memory"); goto done; }
    d.g = g;
    if (st->ops->batch(st, demo_insert, &d)) { log_error("demo: %s", store_errmsg(st)); goto done; }
    seg_dict *dict = NULL;
    if (seg_dict_open(NULL, &dict, err, sizeof err)) log_error("demo: no segmentation dictionary (%s)", err);
    analyzer *an;
    size_t done = 0;
    if (analyzer_new(st, dict, &an, err, sizeof err)) { log_error("demo: %s", err); seg_dict_close(dict); goto done; }
    int arc = analyzer_run(an, &done);
    analyzer_free(an);
    seg_dict_close(dict);
    if (arc) { log_error("demo: analyze: %s", store_errmsg(st)); goto done; }
    if (st->ops->batch(st, demo_reply, &d)) { log_error("demo: %s", store_errmsg(st)); goto done; }
    *replied = d.replied;
    *rated = d.rated;
    rc = 0;
done:
    free(d.ids); free(d.created); free(d.types);
    gen_free(g);
    gen_corpus_free(corpus);
    return rc;
}

static const char demo_help[] =
    "usage: minyi demo [--db URI] [--generate N] [--from DIR]\n\n"
    "Creates the database with demo data and prints the demo logins (once).\n\n"
    "  --generate N   also add N generated messages (minyi gen) over the last 30\n"
    "                 days, analyzed, most of the older ones replied and some\n"
    "                 rated (make run: 3000; default 0)\n"
    "  --from DIR     real messages to draw their vocabulary from\n"
    "                 (default ../shared/data/teddy2020c, else built in)\n";

int cmd_demo(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *gen_s = "0", *from = "../shared/data/teddy2020c";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(demo_help, stdout); return 0; }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--generate", &gen_s) || cmd_opt(argc, argv, &i, "--from", &from)) continue;
        fprintf(stderr, "minyi demo: unknown option '%s'\n", argv[i]);
        return 2;
    }
    char *end;
    long long ngen = strtoll(gen_s, &end, 10);
    if (*end || end == gen_s || ngen < 0 || ngen > 1000000) {
        fprintf(stderr, "minyi demo: --generate wants a number of messages from 0 to 1000000, not '%s'\n", gen_s);
        return 2;
    }
    if (auth_init()) { log_error("cannot initialise libsodium"); return 1; }
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    char key_path[4096];
    secret_default_path(db, key_path, sizeof key_path);
    secret_key key;
    int kr = staffphone_key(st, key_path, &key, err, sizeof err);
    sodium_memzero(&key, sizeof key);
    if (kr < 0) { log_error("demo: %s", err); store_close(st); return 1; }
    if (kr == 1) printf("demo: created the key file %s (mode 0600) for officials' phone numbers\n", key_path);
    const store_ops *o = st->ops;
    int64_t users = 0;
    if (o->user_count(st, &users)) goto fail;
    if (users > 0) {
        printf("demo: %s already has accounts; nothing changed.\n"
               "      (lost the password? ./minyi user passwd admin --db %s)\n", db, db);
        store_close(st);
        return 0;
    }
    int64_t dept_ids[sizeof depts / sizeof *depts];
    for (size_t i = 0; i < sizeof depts / sizeof *depts; i++) {
        int rc = o->dept_add(st, str_c(depts[i].name), &dept_ids[i]);
        if (rc == STORE_CONFLICT) rc = o->dept_find(st, str_c(depts[i].name), &dept_ids[i]);
        if (rc) goto fail;
        for (int k = 0; depts[i].keywords[k]; k++)
            if (o->rule_add(st, str_c(depts[i].keywords[k]), dept_ids[i])) goto fail;
    }
    int64_t c1, c2;
    if (o->consultation_add(st, STR_LIT("A市2026年政府工作报告征求意见"),
            STR_LIT("2026年政府工作报告正在起草。欢迎就经济发展、民生保障、城市建设、生态环境等方面提出意见和建议。"),
            STR_LIT("consultation"), &c1)
        || o->consultation_add(st, STR_LIT("12345市民留言板"),
            STR_LIT("反映问题、咨询政策、提出建议、表达感谢。留言将按内容转交相关部门办理，并在规定时限内公开答复。"),
            STR_LIT("board"), &c2)) goto fail;

    char admin_pw[17], handler_pw[17], hash[160];
    auth_random_password(admin_pw, 16);
    auth_random_password(handler_pw, 16);
    int64_t admin_id, handler_id;
    if (auth_hash_password(admin_pw, 16, hash) || o->user_add(st, STR_LIT("admin"), hash, "admin", 0, &admin_id)) goto fail;
    if (auth_hash_password(handler_pw, 16, hash) || o->user_add(st, STR_LIT("handler"), hash, "handler", dept_ids[0], &handler_id)) goto fail;

    json_t *rules;
    if (o->rule_list(st, &rules)) goto fail;
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
        store_new_msg m = { .consultation_id = msgs[i].cons == 1 ? c1 : c2,
                            .title = str_c(msgs[i].title), .body = str_c(msgs[i].body), .type = str_c(msgs[i].type),
                            .region = str_c(msgs[i].region), .phone = str_c(msgs[i].phone), .author_ip = STR_LIT("127.0.0.1") };
        if (!msgs[i].region) m.region = (str){0};
        if (!msgs[i].phone) m.phone = (str){0};
        m.department_id = routing_pick(rules, m.title, m.body);
        int64_t id, rid;
        char code[20];
        if (o->msg_add(st, &m, &id, code)) { json_decref(rules); goto fail; }
        if (msgs[i].reply && o->reply_add(st, id, handler_id, m.department_id, str_c(msgs[i].reply), &rid)) { json_decref(rules); goto fail; }
    }
    long replied = 0, rated = 0;
    if (ngen > 0 && demo_generate(st, rules, c1, c2, (uint64_t)ngen, from, &replied, &rated)) { json_decref(rules); store_close(st); return 1; }
    json_decref(rules);
    store_close(st);
    if (ngen > 0) printf("demo: %lld generated messages over the last 30 days (%ld replied, %ld rated).\n", ngen, replied, rated);
    printf("demo: created %s with %zu departments, 2 consultations and %zu messages.\n"
           "demo logins (shown only now; only argon2id hashes are stored):\n"
           "  admin    password: %s\n"
           "  handler  password: %s   (department %s)\n",
           db, sizeof depts / sizeof *depts, sizeof msgs / sizeof *msgs, admin_pw, handler_pw, depts[0].name);
    return 0;
fail:
    log_error("demo: %s", store_errmsg(st));
    store_close(st);
    return 1;
}
