/* cmd_demo.c: `minyi demo`, what `make run` calls first: creates the
 * database with demo data (departments with routing keywords, two
 * consultations, a few messages and a reply) and an admin and a handler
 * with random passwords, printed once; only their argon2id hashes are kept.
 * On a database that already has users it changes nothing. */
#include "app/auth.h"
#include "app/cmd.h"
#include "app/staffphone.h"
#include <sodium.h>
#include "app/routing.h"
#include "core/log.h"
#include "store/store.h"
#include <stdio.h>
#include <string.h>

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

int cmd_demo(int argc, char **argv) {
    const char *db = "sqlite:var/minyi.db", *key_file = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("usage: minyi demo [--db URI] [--key-file FILE]\n\nCreates the database with demo data and prints the demo logins (once),\n"
                 "and the key file for officials' phone numbers if missing (default: minyi.key beside the database).");
            return 0;
        }
        if (cmd_opt(argc, argv, &i, "--db", &db) || cmd_opt(argc, argv, &i, "--key-file", &key_file)) continue;
        fprintf(stderr, "minyi demo: unknown option '%s'\n", argv[i]);
        return 2;
    }
    if (auth_init()) { log_error("cannot initialise libsodium"); return 1; }
    char err[512];
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); return 1; }
    const store_ops *o = st->ops;
    char key_path[4096];
    if (key_file) snprintf(key_path, sizeof key_path, "%s", key_file); else secret_default_path(db, key_path, sizeof key_path);
    secret_key key;
    int kr = staffphone_key(st, key_path, &key, err, sizeof err);
    sodium_memzero(&key, sizeof key);
    if (kr < 0) { log_error("demo: %s", err); store_close(st); return 1; }
    if (kr == 1) printf("demo: created the key file %s (mode 0600) for officials' phone numbers\n", key_path);
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
    json_decref(rules);
    store_close(st);
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
