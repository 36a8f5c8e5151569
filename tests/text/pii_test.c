/* pii_test.c: tests for src/text/pii.c: each detector with positive and
 * negative cases, masking, and hostile input. */
#include "test.h"
#include "text/pii.h"
#include <stdlib.h>

/* Finds spans in s and renders them as "type:text|type:text". */
static char *spans(const char *s) {
    static char out[2048];
    pii_span sp[32];
    size_t n = pii_find(s, strlen(s), PII_ALL, sp, 32);
    out[0] = 0;
    for (size_t i = 0; i < n && i < 32; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%s:%.*s", i ? "|" : "", pii_type_name(sp[i].type),
                 (int)sp[i].len, s + sp[i].off);
    }
    return out;
}

static char *masked(const char *s) {
    static char out[2048];
    buf b = {0};
    CHECK_INT(pii_mask(s, strlen(s), PII_ALL, &b), 0);
    snprintf(out, sizeof out, "%s", b.p ? b.p : "");
    buf_free(&b);
    return out;
}

TEST(mobile) {
    CHECK_STR(spans("我的电话13812345678，谢谢"), "mobile:13812345678");
    CHECK_STR(spans("call +8613812345678"), "mobile:+8613812345678");
    CHECK_STR(spans("+86 138 1234 5678"), "mobile:+86 138 1234 5678");
    CHECK_STR(spans("86-15912345678"), "mobile:86-15912345678");
    CHECK_STR(spans("联系138-1234-5678"), "mobile:138-1234-5678");
    CHECK_STR(spans("手机：１３８１２３４５６７８"), "mobile:１３８１２３４５６７８");
    CHECK_STR(masked("手机：１３８１２３４５６７８"), "手机：１３８****５６７８");
    CHECK_STR(spans("１３８ １２３４ ５６７８"), "mobile:１３８ １２３４ ５６７８");
    CHECK_STR(spans("Tel13812345678"), "mobile:13812345678");
    CHECK_STR(masked("电话13812345678"), "电话138****5678");
    CHECK_STR(masked("138-1234-5678"), "138-****-5678");
    CHECK_STR(masked("+8613812345678"), "+86138****5678");
}

TEST(not_mobile) {
    CHECK_STR(spans("订单号12345678901"), "");          /* 12x is no mobile prefix */
    CHECK_STR(spans("10086 客服"), "");
    CHECK_STR(spans("编号138123456789"), "");            /* 12 digits: part of a longer run */
    CHECK_STR(spans("x1381234567899"), "");
    CHECK_STR(spans("订单DD13812345678"), "");           /* letters glued: an order number */
    CHECK_STR(spans("2023年01月18日"), "");
    CHECK_STR(spans("20230118"), "");
    CHECK_STR(spans("电话 20230118"), "");              /* a date even after a phone word */
    CHECK_STR(spans("价格1380.00元，共12345678元"), "");
    CHECK_STR(spans("12345 热线"), "");
}

/* Ordinary numbers that must stay readable: dates, years, amounts, counts,
 * message ids and tracking codes. */
TEST(not_personal_numbers) {
    CHECK_STR(spans("2020年我家就反映过"), "");
    CHECK_STR(spans("2019年至2020年"), "");
    CHECK_STR(spans("２０２０年１２月３１日"), "");
    CHECK_STR(spans("2020-12-31"), "");
    CHECK_STR(spans("2020/12/31 08:30:00"), "");
    CHECK_STR(spans("补贴3000元，共计1234567.89元"), "");
    CHECK_STR(spans("金额１２３４５６７８元"), "");
    CHECK_STR(spans("留言编号12345678"), "");
    CHECK_STR(spans("留言编号 2020012345678901"), "");
    CHECK_STR(spans("查询码 ABCD-2345-6789"), "");
    CHECK_STR(spans("第0731号文件"), "");
    CHECK_STR(spans("共有18000000人参与"), "");
    CHECK_STR(spans("邮编410000"), "");
    CHECK_STR(spans("1号线2号口"), "");
}

TEST(landline) {
    CHECK_STR(spans("请致电0731-88889999"), "landline:0731-88889999");
    CHECK_STR(spans("010-12345678"), "landline:010-12345678");   /* local part starting with 1 */
    CHECK_STR(spans("请拨0731-19165453咨询"), "landline:0731-19165453");
    CHECK_STR(masked("0731-19165453"), "0731-******53");
    CHECK_STR(spans("(0731)19165453"), "landline:(0731)19165453");
    CHECK_STR(spans("电话073119165453"), "landline:073119165453");
    CHECK_STR(spans("编号073119165453"), "");            /* unseparated, starts with 1, no phone word */
    CHECK_STR(spans("０７３１－８８８８９９９９"), "");   /* full-width dash is no separator... */
    CHECK_STR(spans("０７３１-８８８８９９９９"), "landline:０７３１-８８８８９９９９");
    CHECK_STR(spans("010-62345678"), "landline:010-62345678");
    CHECK_STR(spans("(0731)8888999"), "landline:(0731)8888999");
    CHECK_STR(spans("（0731）88889999"), "landline:（0731）88889999");
    CHECK_STR(spans("073188889999"), "landline:073188889999");
    CHECK_STR(spans("办公电话：84567890"), "landline:84567890");
    CHECK_STR(spans("共84567890人"), "");               /* no phone context */
    CHECK_STR(masked("0731-88889999"), "0731-******99");
}

TEST(idcard) {
    CHECK_STR(spans("身份证430102199003071234号"), "idcard:430102199003071234");
    CHECK_STR(spans("ID 11010519491231002X."), "idcard:11010519491231002X");
    CHECK_STR(spans("ID 11010519491231002x"), "idcard:11010519491231002x");
    /* Shaped like an ID (province code, birth year): masked even when the
     * check digit or the date is wrong. */
    CHECK_STR(spans("身份证430102199003071235"), "idcard:430102199003071235");   /* wrong check digit */
    CHECK_STR(spans("身份证430102199003001234"), "idcard:430102199003001234");   /* day 00 */
    CHECK_STR(spans("430102199013071234"), "idcard:430102199013071234");         /* month 13 */
    CHECK_STR(spans("43010219900300123X"), "idcard:43010219900300123X");
    CHECK_STR(spans("身份证４３０１０２１９９００３０７１２３４"), "idcard:４３０１０２１９９００３０７１２３４");
    CHECK_STR(masked("430102199003001234"), "430102********1234");
    CHECK_STR(spans("4301021990030712345"), "bankcard:4301021990030712345");   /* 19 digits, Visa prefix */
    /* Not ID-shaped: no province code, or no birth year. */
    CHECK_STR(spans("订单202301181234567890"), "");
    CHECK_STR(spans("流水号990102199003071235"), "");
    CHECK_STR(spans("单号430102300003071235"), "");
    CHECK_STR(masked("430102199003071234"), "430102********1234");
}

TEST(bankcard) {
    CHECK_STR(spans("卡号6222021234567890128"), "bankcard:6222021234567890128");
    CHECK_STR(spans("卡号6222021234567890127"), "bankcard:6222021234567890127");   /* fails Luhn, UnionPay prefix */
    CHECK_STR(spans("卡号4111111111111112"), "bankcard:4111111111111112");
    CHECK_STR(spans("卡号5212345678901234"), "bankcard:5212345678901234");
    CHECK_STR(spans("卡号６２２２０２１２３４５６７８９０１２７"), "bankcard:６２２２０２１２３４５６７８９０１２７");
    CHECK_STR(masked("卡号6222021234567890127"), "卡号6222***********0127");
    CHECK_STR(spans("订单3912345678901234"), "");        /* fails Luhn, no card prefix */
    CHECK_STR(spans("交易号2023011812345678901"), "");
    CHECK_STR(spans("4111 1111 1111 1111"), "bankcard:4111 1111 1111 1111");
    CHECK_STR(spans("4111-1111-1111-1112"), "bankcard:4111-1111-1111-1112");   /* typo in a Visa card */
    CHECK_STR(spans("3111-1111-1111-1112"), "");
    CHECK_STR(masked("卡号4111111111111111"), "卡号4111********1111");
    CHECK_STR(masked("4111 1111 1111 1111"), "4111 **** **** 1111");
}

TEST(email) {
    CHECK_STR(spans("邮箱zhang.san@example.com。"), "email:zhang.san@example.com");
    CHECK_STR(spans("13812345678@qq.com"), "email:13812345678@qq.com");
    CHECK_STR(spans("a@b"), "");
    CHECK_STR(spans("@example.com"), "");
    CHECK_STR(spans("x@y.c1"), "");
    CHECK_STR(masked("发到zhang@example.com."), "发到z***@example.com.");
    CHECK_STR(masked("13812345678@qq.com"), "1***@qq.com");
}

TEST(plate) {
    CHECK_STR(spans("车牌湘A12345违停"), "plate:湘A12345");
    CHECK_STR(spans("京AD12345"), "plate:京AD12345");
    CHECK_STR(spans("湘A·B1234"), "plate:湘A·B1234");
    CHECK_STR(spans("湘AB"), "");
    CHECK_STR(spans("湘江大道"), "");
    CHECK_STR(spans("湘ABCDEF"), "");                   /* no digits */
    CHECK_STR(spans("湘A1234567"), "");                 /* too long */
    CHECK_STR(masked("湘A12345"), "湘A***45");
    /* a plate's kept tail before 室 is not then masked as a room number:
     * masking what was masked changes nothing (found by fuzz/pii.c) */
    CHECK_STR(masked("湘A12B451室"), "湘A****51室");
    CHECK_STR(masked("湘A****51室"), "湘A****51室");
    CHECK_STR(masked("湘A1A12B4室"), "湘A****B4室");
    CHECK_STR(masked("湘A****B4室"), "湘A****B4室");
}

TEST(address) {
    CHECK_STR(spans("住在幸福小区3栋2单元501室"), "address:3栋2单元501室");
    CHECK_STR(spans("5号楼1单元302，漏水"), "address:5号楼1单元302");
    CHECK_STR(spans("B座1502室"), "address:B座1502室");
    CHECK_STR(spans("三栋二单元"), "address:三栋二单元");
    CHECK_STR(spans("12幢"), "address:12幢");
    CHECK_STR(spans("3月5号去了一楼大厅"), "");
    CHECK_STR(spans("三楼"), "");
    CHECK_STR(masked("小区3栋2单元501室"), "小区*栋*单元***室");
}

TEST(mixed_and_order) {
    const char *s = "张三 13812345678 zs@qq.com 湘A12345 3栋2单元 430102199003071234";
    CHECK_STR(spans(s), "mobile:13812345678|email:zs@qq.com|plate:湘A12345|address:3栋2单元|idcard:430102199003071234");
    pii_span sp[2];
    CHECK_INT(pii_find(s, strlen(s), PII_ALL, sp, 2), 5);   /* total even past cap */
    CHECK_INT(pii_find(s, strlen(s), PII_MOBILE | PII_IDCARD, sp, 2), 2);
    CHECK_INT(sp[1].type, PII_IDCARD);
    buf b = {0};
    CHECK_INT(pii_mask(s, strlen(s), PII_EMAIL, &b), 0);
    CHECK_STR(b.p, "张三 13812345678 z***@qq.com 湘A12345 3栋2单元 430102199003071234");
    buf_free(&b);
}

TEST(hostile) {
    CHECK_INT(pii_find("", 0, PII_ALL, NULL, 0), 0);
    const char bad[] = "\xff\xfe\xe6\xb0 13812345678\0 0731-8888999\xe6";
    pii_span sp[8];
    size_t n = pii_find(bad, sizeof bad - 1, PII_ALL, sp, 8);
    CHECK_INT(n, 2);
    buf b = {0};
    CHECK_INT(pii_mask(bad, sizeof bad - 1, PII_ALL, &b), 0);
    CHECK_INT(b.n, sizeof bad - 1 - 8 + 8);   /* same length: digits become '*' one for one */
    buf_free(&b);
    /* A long digit run and many spans: all found, none overflow. */
    size_t big = 1 << 20;
    char *s = malloc(big);
    for (size_t i = 0; i < big; i++) s[i] = (char)('0' + i % 10);
    CHECK_INT(pii_find(s, big, PII_ALL, sp, 8), 0);
    for (size_t i = 0; i + 12 <= big; i += 12) memcpy(s + i, "13812345678 ", 12);
    n = pii_find(s, big, PII_ALL, sp, 8);
    CHECK_INT(n, big / 12);
    CHECK_INT(pii_mask(s, big, PII_ALL, &b), 0);
    CHECK(b.n == big && memcmp(b.p, "138****5678 ", 12) == 0);
    buf_free(&b);
    free(s);
    /* Truncated input at every length must not read past the end. */
    const char *t = "电话138-1234-5678 湘A12345 a@b.cn 3栋2单元501室";
    for (size_t l = 0; l <= strlen(t); l++) {
        char *c = malloc(l ? l : 1);
        memcpy(c, t, l);
        pii_find(c, l, PII_ALL, sp, 8);
        CHECK_INT(pii_mask(c, l, PII_ALL, &b), 0);
        buf_reset(&b);
        free(c);
    }
    buf_free(&b);
}
