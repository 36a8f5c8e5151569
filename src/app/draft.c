/* draft.c: see draft.h. Line-based: a heading is '#'{1,6} then a space at
 * the start of a line (ATX headings, the form people paste from editors);
 * setext underlines and headings inside fenced code blocks are left as
 * text, since a draft law or plan rarely has either and a false section is
 * worse than a missed one. */
#include "app/draft.h"
#include "text/utf8.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* If line is an ATX heading, returns its title (trimmed, trailing #s off). */
static bool heading(str line, str *title) {
    size_t i = 0;
    while (i < line.n && i < 7 && line.p[i] == '#') i++;
    if (i == 0 || i > 6 || i >= line.n || (line.p[i] != ' ' && line.p[i] != '\t')) return false;
    str t = str_trim((str){ line.p + i, line.n - i });
    while (t.n && t.p[t.n - 1] == '#') t.n--;
    *title = str_trim(t);
    return true;
}

static json_t *trimmed_string(const char *p, size_t n) {
    str t = str_trim((str){ p, n });
    return json_stringn(t.p ? t.p : "", t.n);
}

/* A title cut to DRAFT_TITLE_MAX characters on a character boundary. */
static json_t *title_string(str t) {
    size_t i = 0, chars = 0;
    uint32_t cp;
    while (i < t.n && chars < DRAFT_TITLE_MAX) { i += (size_t)utf8_decode(t.p + i, t.n - i, &cp); chars++; }
    return json_stringn(t.p ? t.p : "", i);
}

int draft_split(str doc, const char *fallback_title, json_t **out, json_t **preamble, char *msg, size_t cap) {
    *out = NULL; *preamble = NULL;
    if (doc.n && !utf8_valid(doc.p, doc.n)) { snprintf(msg, cap, "the document is not valid UTF-8"); return -1; }
    json_t *a = json_array();
    const char *body_start = doc.p;     /* text of the current section (or preamble) */
    str cur_title = {0};
    bool in_section = false, in_fence = false;
    size_t pos = 0;
    json_t *pre = NULL;
    for (;;) {
        size_t end = pos;
        while (end < doc.n && doc.p[end] != '\n') end++;
        str line = { doc.p + pos, end - pos };
        str lt = str_trim(line);
        if (lt.n >= 3 && (!strncmp(lt.p, "```", 3) || !strncmp(lt.p, "~~~", 3))) in_fence = !in_fence;
        str title;
        bool is_head = pos < doc.n && !in_fence && heading(line, &title);
        bool last = end >= doc.n;
        if (is_head || last) {
            const char *text_end = is_head ? doc.p + pos : doc.p + doc.n;
            size_t tn = body_start ? (size_t)(text_end - body_start) : 0;
            if (in_section) {
                if (json_array_size(a) >= DRAFT_MAX_SECTIONS) {
                    snprintf(msg, cap, "the document has more than %d sections", DRAFT_MAX_SECTIONS);
                    json_decref(a); json_decref(pre);
                    return -1;
                }
                json_array_append_new(a, json_pack("{s:I,s:o,s:o}", "no", (json_int_t)json_array_size(a) + 1,
                                                   "title", title_string(cur_title), "text", trimmed_string(body_start, tn)));
            } else if (!pre) {
                pre = trimmed_string(body_start, tn);
            }
            if (is_head) {
                cur_title = title;
                in_section = true;
                body_start = end < doc.n ? doc.p + end + 1 : doc.p + doc.n;
            }
        }
        if (last) break;
        pos = end + 1;
    }
    if (!pre) pre = json_string("");
    /* No headings: the whole text is one section, titled as the consultation. */
    if (json_array_size(a) == 0 && json_string_length(pre) > 0) {
        json_array_append_new(a, json_pack("{s:i,s:s,s:O}", "no", 1, "title", fallback_title ? fallback_title : "全文", "text", pre));
        json_decref(pre);
        pre = json_string("");
    }
    *out = a;
    *preamble = pre;
    return 0;
}
