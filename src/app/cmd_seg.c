/* cmd_seg.c: `minyi seg` (word segmentation of stdin lines, jieba-compatible)
 * and `minyi seg --build-dict` (compiles python3-jieba's data; scripts/build-dict).
 * The segmenter itself is src/text/seg.c; see issue 3. */
#include "app/cmd.h"
#include "app/lines.h"
#include "core/str.h"
#include "text/norm.h"
#include "text/seg.h"
#include "text/utf8.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void seg_usage(FILE *f) {
    fprintf(f,
        "usage: minyi seg [--mode precise|search] [--no-hmm] [--normalize] [--user-dict FILE] [--dict FILE]\n"
        "       minyi seg --build-dict OUT [--jieba DIR]\n\n"
        "Reads UTF-8 lines on stdin (CRLF tolerated) and writes the words of each\n"
        "line separated by single spaces, one output line per input line, as\n"
        "python3-jieba's jieba.cut (precise) or jieba.cut_for_search (search) does.\n"
        "  --mode MODE       precise (default) or search (adds dictionary sub-words)\n"
        "  --no-hmm          no HMM for runs of characters outside the dictionary\n"
        "  --normalize       segment the normalised text (NFKC, half-width, folded spaces)\n"
        "  --user-dict FILE  jieba user dictionary: \"word [freq] [tag]\" per line\n"
        "  --dict FILE       compiled dictionary (default: $MINYI_DICT, build/jieba.dict)\n"
        "  --build-dict OUT  compile python3-jieba's dictionary, idf and HMM tables into OUT\n"
        "  --jieba DIR       python3-jieba's package folder (default: Debian's)\n"
        "Invalid UTF-8 is reported on stderr (line and byte offset), replaced by\n"
        "U+FFFD, and makes the exit status 1.\n");
}

int cmd_seg(int argc, char **argv) {
    const char *mode = "precise", *user = NULL, *dictpath = NULL, *build = NULL, *jdir = NULL;
    int flags = 0, normalize = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { seg_usage(stdout); return 0; }
        else if (cmd_opt(argc, argv, &i, "--mode", &v)) mode = v;
        else if (!strcmp(argv[i], "--no-hmm")) flags |= SEG_NO_HMM;
        else if (!strcmp(argv[i], "--normalize")) normalize = 1;
        else if (cmd_opt(argc, argv, &i, "--user-dict", &v)) user = v;
        else if (cmd_opt(argc, argv, &i, "--dict", &v)) dictpath = v;
        else if (cmd_opt(argc, argv, &i, "--build-dict", &v)) build = v;
        else if (cmd_opt(argc, argv, &i, "--jieba", &v)) jdir = v;
        else { fprintf(stderr, "minyi seg: unknown argument '%s'\n", argv[i]); seg_usage(stderr); return 2; }
    }
    if (!strcmp(mode, "search")) flags |= SEG_SEARCH;
    else if (strcmp(mode, "precise")) { fprintf(stderr, "minyi seg: --mode must be precise or search, not '%s'\n", mode); return 2; }
    char err[512] = "";
    if (build) {
        if (seg_dict_build(jdir, build, err, sizeof err)) { fprintf(stderr, "minyi seg: %s\n", err); return 1; }
        return 0;
    }
    seg_dict *d;
    if (seg_dict_open(dictpath, &d, err, sizeof err)) { fprintf(stderr, "minyi seg: %s\n", err); return 1; }
    if (user && seg_dict_load_user(d, user, err, sizeof err) < 0) {
        fprintf(stderr, "minyi seg: %s\n", err);
        seg_dict_close(d);
        return 1;
    }
    seg_ctx *c;
    if (seg_ctx_new(d, &c)) { seg_dict_close(d); fprintf(stderr, "minyi seg: out of memory\n"); return 1; }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    lines in = { .in = stdin, .normalize = normalize };
    int rc = 0, got;
    str line;
    while ((got = lines_next(&in, &line)) != 0) {
        if (got < 0) { fprintf(stderr, "minyi seg: out of memory\n"); rc = 1; break; }
        const char *s = line.p;
        size_t n = line.n;
        const seg_word *w;
        long k = seg_cut(c, s, n, flags, &w);
        if (k < 0) { fprintf(stderr, "minyi seg: out of memory\n"); rc = 1; break; }
        int first = 1;
        for (long i = 0; i < k; i++) {
            if (seg_is_space(s, w[i])) continue;
            if (!first) putchar(' ');
            fwrite(s + w[i].off, 1, w[i].len, stdout);
            first = 0;
        }
        putchar('\n');
    }
    if (fflush(stdout) || ferror(stdout)) { fprintf(stderr, "minyi seg: write error\n"); rc = 1; }
    if (in.bad) {
        fprintf(stderr, "minyi seg: %ld of %ld lines had invalid UTF-8\n", in.bad, in.lineno);
        rc = 1;
    }
    lines_free(&in);
    seg_ctx_free(c);
    seg_dict_close(d);
    return rc;
}
