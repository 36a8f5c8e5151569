/* json_test.c: tests for src/http/json.c (answers built without a socket). */
#include "test.h"
#include "http/json.h"
#include <jansson.h>

static json_t *answer(http_req *r) {
    json_error_t e;
    return json_loadb(r->out.p ? r->out.p : "", r->out.n, 0, &e);
}

TEST(error_quoting_invalid_utf8_keeps_its_code) {
    /* found by fuzz/http: a method or percent-decoded path with bytes that
     * are not UTF-8, quoted in the message, emptied the error object */
    http_req r = { .status = 200 };
    http_error(&r, 405, "method_not_allowed", NULL, "%s is not allowed on %s", "GET\xbd/metrics", "/api/v1/x\xff\xfe");
    CHECK_INT(r.status, 405);
    json_t *j = answer(&r);
    CHECK(j != NULL);
    json_t *e = json_object_get(j, "error");
    CHECK_STR(json_string_value(json_object_get(e, "code")), "method_not_allowed");
    CHECK(strstr(json_string_value(json_object_get(e, "message")), "\xef\xbf\xbd") != NULL);   /* U+FFFD */
    json_decref(j);
    buf_free(&r.out);
}

TEST(error_cut_inside_a_character_is_still_json) {
    http_req r = { .status = 200 };
    char big[600];
    for (size_t i = 0; i + 3 < sizeof big; i += 3) memcpy(big + i, "路", 3);
    big[sizeof big - 1] = 0;
    http_error(&r, 422, "invalid", "title", "x%s", big);
    json_t *j = answer(&r);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "error"), "field")), "title");
    json_decref(j);
    buf_free(&r.out);
}
