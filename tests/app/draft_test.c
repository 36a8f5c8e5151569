/* draft_test.c: tests for src/app/draft.c. */
#include "test.h"
#include "app/draft.h"

static json_t *split(const char *doc, json_t **pre) {
    char msg[128];
    json_t *a = NULL;
    CHECK_INT(draft_split(str_c(doc), "规划", &a, pre, msg, sizeof msg), 0);
    return a;
}

TEST(headings_start_numbered_sections) {
    json_t *pre;
    json_t *a = split("关于征求意见的说明\n\n# 第一章 总则\n第一条 为了……\n\n## 第二章 规划目标 ##\n到2035年……\n第二段\n", &pre);
    CHECK_INT(json_array_size(a), 2);
    CHECK_STR(json_string_value(pre), "关于征求意见的说明");
    json_t *s1 = json_array_get(a, 0), *s2 = json_array_get(a, 1);
    CHECK_INT(json_integer_value(json_object_get(s1, "no")), 1);
    CHECK_STR(json_string_value(json_object_get(s1, "title")), "第一章 总则");
    CHECK_STR(json_string_value(json_object_get(s1, "text")), "第一条 为了……");
    CHECK_STR(json_string_value(json_object_get(s2, "title")), "第二章 规划目标");
    CHECK_STR(json_string_value(json_object_get(s2, "text")), "到2035年……\n第二段");
    json_decref(a); json_decref(pre);
}

TEST(plain_text_is_one_section_and_hash_without_space_is_text) {
    json_t *pre;
    json_t *a = split("#话题 不是标题\n全文内容。", &pre);
    CHECK_INT(json_array_size(a), 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "title")), "规划");
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "text")), "#话题 不是标题\n全文内容。");
    CHECK_STR(json_string_value(pre), "");
    json_decref(a); json_decref(pre);
}

TEST(headings_in_code_fences_and_crlf) {
    json_t *pre;
    json_t *a = split("# 一\r\n```\n# 不是标题\n```\n# 二\r\ntext\r\n", &pre);
    CHECK_INT(json_array_size(a), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "title")), "一");
    CHECK_STR(json_string_value(json_object_get(json_array_get(a, 1), "text")), "text");
    json_decref(a); json_decref(pre);
}

TEST(empty_and_hostile_documents) {
    json_t *pre, *a = split("", &pre);
    CHECK_INT(json_array_size(a), 0);
    json_decref(a); json_decref(pre);
    a = split("#\n# \n#######  seven\n", &pre);   /* "# " with no title: an empty title, still a section */
    CHECK(a != NULL);
    json_decref(a); json_decref(pre);
    char msg[128];
    CHECK_INT(draft_split((str){ "\xff\xfe", 2 }, NULL, &a, &pre, msg, sizeof msg), -1);
    CHECK(strstr(msg, "UTF-8") != NULL);
    static char big[600 * 8 + 1];
    for (int i = 0; i < 600; i++) memcpy(big + i * 8, "# t\nxxx\n", 8);
    CHECK_INT(draft_split(str_c(big), NULL, &a, &pre, msg, sizeof msg), -1);
    CHECK(strstr(msg, "sections") != NULL);
}
