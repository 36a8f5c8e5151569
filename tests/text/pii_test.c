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

TEST(landline) {
    CHECK_STR(spans("请致电0731-88889999"), "landline:0731-88889999");
    CHECK_STR(spans("010-12345678"), "");               /* local part starting with 1 */
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
    CHECK_STR(spans("身份证430102199003071235"), "");    /* wrong check digit */
    CHECK_STR(spans("4301021990030712345"), "");         /* 19 digits, fails Luhn */
    CHECK_STR(masked("430102199003071234"), "430102********1234");
}

TEST(bankcard) {
    CHECK_STR(spans("卡号6222021234567890128"), "bankcard:6222021234567890128");
    CHECK_STR(spans("卡号6222021234567890127"), "");     /* fails Luhn */
    CHECK_STR(spans("4111 1111 1111 1111"), "bankcard:4111 1111 1111 1111");
    CHECK_STR(spans("4111-1111-1111-1112"), "");
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
