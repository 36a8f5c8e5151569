/* replyq_test.c: tests for src/text/replyq.c: each part of the reply score. */
#include "test.h"
#include "text/replyq.h"
#include <math.h>
#include <stdlib.h>

static seg_dict *D;

static replyq *fresh(void) {
    char err[256];
    if (!D && seg_dict_open(NULL, &D, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
    replyq *q;
    if (replyq_new(D, &q)) exit(1);
    return q;
}

static const char *MSG = "魅力之城小区楼下餐饮店油烟扰民，每天晚上排烟到十点。请问环保部门能否责令餐饮店安装油烟净化器？希望尽快处理。";
static const char *GOOD = "经核实，魅力之城小区临街餐饮店油烟排放确实超标。区环保局已于3月5日责令该餐饮店安装油烟净化器，限期10个工作日整改，逾期将依法处罚。联系电话0731-88886666。";
static const char *TEMPLATE = "您好，您反映的问题已收悉，我们高度重视，将转交相关部门研究处理。感谢您对我们工作的支持。";

TEST(relevance_and_completeness) {
    replyq *q = fresh();
    replyq_result g, t;
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(GOOD), 0, 0, 15, &g), 0);
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(TEMPLATE), 0, 0, 15, &t), 0);
    CHECK(g.relevance > 0.5);
    CHECK(t.relevance < 0.15);
    /* One question: "希望尽快处理" has nothing but filler to answer. */
    CHECK_INT(g.questions, 1);
    CHECK_INT(g.answered, 1);
    CHECK(g.flags == (REPLYQ_ACTION | REPLYQ_TIME | REPLYQ_UNIT | REPLYQ_CONTACT));
    CHECK(fabs(g.concrete - 1) < 1e-9);
    CHECK(t.answered < g.answered);
    CHECK(!(t.flags & REPLYQ_CONTACT) && !(t.flags & REPLYQ_TIME));
    CHECK(g.completeness > t.completeness);
    CHECK(g.score > t.score + 20);
    CHECK(g.timeliness == -1 && g.lag_days == -1);     /* no times */
    replyq_free(q);
}

TEST(boilerplate_needs_many_replies) {
    replyq *q = fresh();
    replyq_result r;
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(TEMPLATE), 0, 0, 15, &r), 0);
    CHECK(r.boilerplate == 0);          /* nothing learned: no template yet */
    for (int i = 0; i < 5; i++) CHECK_INT(replyq_learn(q, str_c(TEMPLATE)), 0);
    CHECK_INT(replyq_learn(q, str_c(GOOD)), 0);
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(TEMPLATE), 0, 0, 15, &r), 0);
    CHECK(r.boilerplate > 0.99);
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(GOOD), 0, 0, 15, &r), 0);
    CHECK(r.boilerplate == 0);
    replyq_free(q);
}

TEST(timeliness_against_the_deadline) {
    replyq *q = fresh();
    replyq_result r;
    int64_t t0 = 1577836800;
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(GOOD), t0, t0 + 3 * 86400, 15, &r), 0);
    CHECK(r.timeliness == 1 && fabs(r.lag_days - 3) < 1e-9);
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(GOOD), t0, t0 + 30 * 86400, 15, &r), 0);
    CHECK(fabs(r.timeliness - 0.5) < 1e-9);
    CHECK_INT(replyq_score(q, str_c(MSG), str_c(GOOD), t0, t0 + 90 * 86400, 15, &r), 0);
    CHECK(r.timeliness == 0);
    replyq_free(q);
}

TEST(score_formula) {
    CHECK(fabs(replyq_combine(1, 1, 0, 1) - 100) < 1e-9);
    CHECK(fabs(replyq_combine(0, 0, 1, 0)) < 1e-9);
    /* Unknown timeliness: the other parts renormalised. */
    CHECK(fabs(replyq_combine(1, 1, 0, -1) - 100) < 1e-9);
    CHECK(fabs(replyq_combine(0.5, 0.5, 0.5, 0.5) - 50) < 1e-9);
}

TEST(hostile_input) {
    replyq *q = fresh();
    replyq_result r;
    CHECK_INT(replyq_score(q, str_c(""), str_c(""), 0, 0, 15, &r), 0);
    CHECK(r.score >= 0 && r.score <= 100);
    const char bad[] = "\xff\xfe？\x00吗\xe5";
    CHECK_INT(replyq_score(q, (str){ bad, sizeof bad - 1 }, (str){ bad, sizeof bad - 1 }, 5, 1, 15, &r), 0);
    CHECK(r.timeliness == 1);           /* a reply "before" the message: lag counted as 0 */
    CHECK_INT(replyq_learn(q, (str){ bad, sizeof bad - 1 }), 0);
    replyq_free(q);
}

TEST(unit_whose_suffix_the_segmenter_cuts_off) {
    replyq *q = fresh();
    replyq_result r;
    /* "交通运输局" is cut "交通运输 / 局": still a responsible unit. */
    CHECK_INT(replyq_score(q, str_c(MSG), str_c("由交通运输局安排维修人员处理。"), 0, 0, 15, &r), 0);
    CHECK(r.flags & REPLYQ_UNIT);
    /* A bare 所 is no unit ("我们 / 所 / 说"). */
    CHECK_INT(replyq_score(q, str_c(MSG), str_c("我们所说的情况属实。"), 0, 0, 15, &r), 0);
    CHECK(!(r.flags & REPLYQ_UNIT));
    replyq_free(q);
}
