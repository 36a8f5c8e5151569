/* validate_test.c: tests for src/app/validate.c. */
#include "test.h"
#include "app/validate.h"
#include <stdlib.h>

static json_t *obj(const char *s) { return json_loads(s, 0, NULL); }

TEST(valid_message_accepts_and_trims) {
    json_t *j = obj("{\"consultation_id\":3,\"title\":\"  路灯不亮 \",\"body\":\"晚上很黑\\n请修理\",\"type\":\"投诉\",\"phone\":\"+86 138-1234-5678\"}");
    store_new_msg m; valid_err e;
    CHECK_INT(valid_message(j, &m, &e), 0);
    CHECK_INT(m.consultation_id, 3);
    CHECK(str_eq_c(m.title, "路灯不亮"));
    CHECK(m.region.p == NULL);
    json_decref(j);
}

TEST(valid_message_names_the_field) {
    struct { const char *json, *code, *field; } cases[] = {
        { "{\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\"}", "missing", "consultation_id" },
        { "{\"consultation_id\":\"7x\",\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\"}", "invalid", "consultation_id" },
        { "{\"consultation_id\":0,\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\"}", "invalid", "consultation_id" },
        { "{\"consultation_id\":1,\"body\":\"b\",\"type\":\"建议\"}", "missing", "title" },
        { "{\"consultation_id\":1,\"title\":\"\",\"body\":\"b\",\"type\":\"建议\"}", "missing", "title" },
        { "{\"consultation_id\":1,\"title\":[1],\"body\":\"b\",\"type\":\"建议\"}", "invalid", "title" },
        { "{\"consultation_id\":1,\"title\":\"t\",\"type\":\"建议\"}", "missing", "body" },
        { "{\"consultation_id\":1,\"title\":\"t\",\"body\":\"b\",\"type\":\"other\"}", "invalid", "type" },
        { "{\"consultation_id\":1,\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\",\"phone\":\"12\"}", "invalid", "phone" },
        { "{\"consultation_id\":1,\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\",\"phone\":\"abc12345\"}", "invalid", "phone" },
        { "{\"consultation_id\":1,\"title\":\"a\\u001bb\",\"body\":\"b\",\"type\":\"建议\"}", "invalid", "title" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *j = obj(cases[i].json);
        CHECK(j != NULL);
        store_new_msg m; valid_err e = {0};
        CHECK_INT(valid_message(j, &m, &e), -1);
        CHECK_STR(e.code, cases[i].code);
        CHECK_STR(e.field, cases[i].field);
        CHECK(e.message[0] != 0);
        json_decref(j);
    }
}

TEST(lengths_count_characters_not_bytes) {
    /* 100 Chinese characters = 300 bytes: allowed; 101: too long. */
    buf b = {0};
    buf_puts(&b, "{\"t\":\"");
    for (int i = 0; i < 100; i++) buf_puts(&b, "民");
    buf_puts(&b, "\"}");
    json_t *j = obj(b.p);
    str out; valid_err e;
    CHECK_INT(valid_text(j, "t", true, 100, &out, &e), 0);
    CHECK_INT(out.n, 300);
    CHECK_INT(valid_text(j, "t", true, 99, &out, &e), -1);
    CHECK_STR(e.code, "too_long");
    json_decref(j);
    buf_free(&b);
}

TEST(one_megabyte_body_is_too_long_not_a_crash) {
    size_t n = 1 << 20;
    char *big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = 0;
    json_t *j = json_pack("{s:i,s:s,s:s,s:s}", "consultation_id", 1, "title", "t", "body", big, "type", "建议");
    store_new_msg m; valid_err e;
    CHECK_INT(valid_message(j, &m, &e), -1);
    CHECK_STR(e.code, "too_long");
    CHECK_STR(e.field, "body");
    json_decref(j);
    free(big);
}

TEST(logins) {
    valid_err e;
    CHECK_INT(valid_login(STR_LIT("wang.li-2"), &e), 0);
    CHECK_INT(valid_login(STR_LIT("a"), &e), -1);
    CHECK_INT(valid_login(STR_LIT("王力"), &e), -1);
    CHECK_INT(valid_login(STR_LIT("a b"), &e), -1);
    CHECK_INT(valid_login((str){ "ab\0c", 4 }, &e), -1);
}

TEST(invalid_utf8_and_nul_in_fields_are_refused) {
    /* jansson refuses these when parsing; other sources (imports, CLI) must not slip them through. */
    json_t *j = json_object();
    json_object_set_new(j, "t", json_stringn_nocheck("ab\xff" "c", 4));
    json_object_set_new(j, "n", json_stringn_nocheck("a\0b", 3));
    str out; valid_err e;
    CHECK_INT(valid_text(j, "t", true, 100, &out, &e), -1);
    CHECK_STR(e.code, "invalid");
    CHECK_STR(e.field, "t");
    CHECK_INT(valid_text(j, "n", true, 100, &out, &e), -1);
    CHECK_STR(e.field, "n");
    json_decref(j);
}

TEST(phone_full_width_is_normalised) {
    json_t *j = obj("{\"consultation_id\":1,\"title\":\"t\",\"body\":\"b\",\"type\":\"建议\",\"phone\":\"１３８　１２３４－５６７８\"}");
    store_new_msg m; valid_err e = {0};
    CHECK_INT(valid_message(j, &m, &e), 0);
    CHECK(str_eq_c(m.phone, "138 1234-5678"));
    CHECK_STR(json_string_value(json_object_get(j, "phone")), "138 1234-5678");
    json_decref(j);
}

TEST(phone_shapes) {
    static const char *good[] = {
        "13812345678", "+86 138-1234-5678", "008613812345678", "8613812345678",
        "0731-88889999", "（０７３１）８８８８９９９９", "010 6234 5678", "84567890", "+44 20 7946 0958",
        "0731-19165453",
    };
    static const char *bad[] = {
        "00000", "12345", "11111111111", "0000-0000000", "12812345678", "1381234567", "138123456789",
        "+0731 8888", "13+812345678", "138１２３４abcd", "0731-8888999９9999", "一三八一二三四五六七八",
    };
    char out[64]; size_t n; valid_err e;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        e = (valid_err){0};
        int rc = valid_phone((str){ good[i], strlen(good[i]) }, out, sizeof out, &n, &e);
        if (rc) fprintf(stderr, "  refused %s: %s\n", good[i], e.message);
        CHECK_INT(rc, 0);
        CHECK_INT(n, strlen(out));
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e = (valid_err){0};
        int rc = valid_phone((str){ bad[i], strlen(bad[i]) }, out, sizeof out, &n, &e);
        if (!rc) fprintf(stderr, "  accepted %s\n", bad[i]);
        CHECK_INT(rc, -1);
        CHECK_STR(e.field, "phone");
        CHECK(strstr(e.message, "phone") != NULL);
    }
    /* Byte-by-byte truncations of a full-width number never read past the end. */
    const char *fw = "１３８１２３４５６７８";
    for (size_t l = 0; l <= strlen(fw); l++) {
        char *c = malloc(l ? l : 1);
        memcpy(c, fw, l);
        valid_phone((str){ c, l }, out, sizeof out, &n, &e);
        free(c);
    }
    CHECK_INT(valid_phone((str){ "00000", 5 }, out, sizeof out, &n, &e), -1);
    CHECK(strstr(e.message, "mobile") != NULL);
}
