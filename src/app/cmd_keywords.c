/* cmd_keywords.c: `minyi keywords`: the top keywords of each stdin line, by
 * TF-IDF (jieba.analyse.extract_tags) or TextRank; see src/text/keywords.h. */
#include "app/cmd.h"
#include "app/lines.h"
#include "core/str.h"
#include "text/keywords.h"
#include "text/norm.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void kw_usage(FILE *f) {
    fprintf(f,
        "usage: minyi keywords [--top K] [--method tfidf|textrank] [--normalize] [--jieba-stopwords] [--dict FILE]\n\n"
        "Reads UTF-8 lines on stdin and writes, for each, its top K keywords\n"
        "(default 5) as WORD:WEIGHT separated by spaces, best first; an empty\n"
        "line when it has none. TF-IDF uses jieba's idf table; TextRank ranks\n"
        "nouns and verbs by co-occurrence within 5 words.\n"
        "  --normalize        extract from the normalised text (NFKC, half-width)\n"
        "  --jieba-stopwords  only jieba's stop words (to compare with jieba.analyse)\n");
}

int cmd_keywords(int argc, char **argv) {
    const char *method = "tfidf", *dictpath = NULL, *topv = "5";
    int flags = 0, normalize = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { kw_usage(stdout); return 0; }
        else if (cmd_opt(argc, argv, &i, "--top", &v)) topv = v;
        else if (cmd_opt(argc, argv, &i, "--method", &v)) method = v;
        else if (cmd_opt(argc, argv, &i, "--dict", &v)) dictpath = v;
        else if (!strcmp(argv[i], "--normalize")) normalize = 1;
        else if (!strcmp(argv[i], "--jieba-stopwords")) flags |= KW_JIEBA_STOPWORDS;
        else { fprintf(stderr, "minyi keywords: unknown argument '%s'\n", argv[i]); kw_usage(stderr); return 2; }
    }
    char *end;
    long top = strtol(topv, &end, 10);
    if (*end || top < 1 || top > 1000) { fprintf(stderr, "minyi keywords: --top must be 1..1000, not '%s'\n", topv); return 2; }
    if (!strcmp(method, "textrank")) flags |= KW_TEXTRANK;
    else if (strcmp(method, "tfidf")) { fprintf(stderr, "minyi keywords: --method must be tfidf or textrank, not '%s'\n", method); return 2; }
    char err[512];
    seg_dict *d;
    if (seg_dict_open(dictpath, &d, err, sizeof err)) { fprintf(stderr, "minyi keywords: %s\n", err); return 1; }
    kw_ctx *k;
    if (kw_ctx_new(d, &k)) { seg_dict_close(d); fprintf(stderr, "minyi keywords: out of memory\n"); return 1; }
    lines in = { .in = stdin, .normalize = normalize };
    int rc = 0, got;
    str line;
    while ((got = lines_next(&in, &line)) != 0) {
        if (got < 0) { fprintf(stderr, "minyi keywords: out of memory\n"); rc = 1; break; }
        const char *s = line.p;
        size_t n = line.n;
        const kw_item *it;
        long m = kw_extract(k, s, n, (size_t)top, flags, &it);
        if (m < 0) { fprintf(stderr, "minyi keywords: out of memory\n"); rc = 1; break; }
        for (long i = 0; i < m; i++)
            printf("%s%.*s:%.4f", i ? " " : "", (int)it[i].len, s + it[i].off, it[i].weight);
        putchar('\n');
    }
    if (fflush(stdout) || ferror(stdout)) { fprintf(stderr, "minyi keywords: write error\n"); rc = 1; }
    if (in.bad) { fprintf(stderr, "minyi keywords: %ld of %ld lines had invalid UTF-8\n", in.bad, in.lineno); rc = 1; }
    lines_free(&in);
    kw_ctx_free(k);
    seg_dict_close(d);
    return rc;
}
