/* cmd_serve.c: `minyi serve`, the web server. Runs until SIGINT/SIGTERM,
 * then stops taking requests, finishes those in flight and closes the
 * database cleanly. */
#include "app/api.h"
#include "app/screen.h"
#include "http/sse.h"
#include "app/auth.h"
#include "app/cmd.h"
#include "core/log.h"
#include "store/fts.h"
#include "http/ratelimit.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char serve_help[] =
    "usage: minyi serve [options]\n\n"
    "Runs the web pages and the JSON API (docs/api.md).\n\n"
    "  --listen ADDR:PORT   where to listen (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --db URI             database (default sqlite:var/minyi.db; sqlite:PATH?sync=normal trades\n"
    "                       power-loss durability for speed)\n"
    "  --web DIR            static files to serve (default web)\n"
    "  --max-body BYTES     largest request body accepted (default 65536)\n"
    "  --max-upload BYTES   largest model upload (POST /api/v1/models; default 268435456)\n"
    "  --dict FILE          segmentation dictionary (default: build/jieba.dict, else built from python3-jieba)\n"
    "  --no-analyzer        do not run the background analyzer (classification, spam, duplicates)\n"
    "  --threads N          request threads (default: 8 per CPU, at most 64)\n"
    "  --secure-cookies     mark the session cookie Secure (when served over HTTPS)\n"
    "  --port-file FILE     write the bound port to FILE once listening (for tests)\n"
    "  --quiet              no per-request log lines\n";

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

int cmd_serve(int argc, char **argv) {
    http_opts o = { .listen = "127.0.0.1:8080", .max_body = 65536,
                    .upload_prefix = "/api/v1/models", .max_upload = 256u << 20 };
    const char *db = "sqlite:var/minyi.db", *web = "web", *port_file = NULL, *dict_path = NULL, *v;
    bool secure = false, no_analyzer = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(serve_help, stdout); return 0; }
        else if (cmd_opt(argc, argv, &i, "--listen", &o.listen)) ;
        else if (cmd_opt(argc, argv, &i, "--db", &db)) ;
        else if (cmd_opt(argc, argv, &i, "--web", &web)) ;
        else if (cmd_opt(argc, argv, &i, "--port-file", &port_file)) ;
        else if (cmd_opt(argc, argv, &i, "--max-body", &v)) {
            char *end; long long n = strtoll(v, &end, 10);
            if (*end || n < 1024 || n > (1LL << 30)) { fprintf(stderr, "minyi serve: --max-body must be 1024..1073741824 bytes\n"); return 2; }
            o.max_body = (size_t)n;
        }
        else if (cmd_opt(argc, argv, &i, "--max-upload", &v)) {
            char *end; long long n = strtoll(v, &end, 10);
            if (*end || n < 1024 || n > (4LL << 30)) { fprintf(stderr, "minyi serve: --max-upload must be 1024..4294967296 bytes\n"); return 2; }
            o.max_upload = (size_t)n;
        }
        else if (cmd_opt(argc, argv, &i, "--dict", &dict_path)) ;
        else if (!strcmp(argv[i], "--no-analyzer")) no_analyzer = true;
        else if (cmd_opt(argc, argv, &i, "--threads", &v)) {
            int n = atoi(v);
            if (n < 1 || n > 256) { fprintf(stderr, "minyi serve: --threads must be 1..256\n"); return 2; }
            o.threads = (unsigned)n;
        }
        else if (!strcmp(argv[i], "--secure-cookies")) secure = true;
        else if (!strcmp(argv[i], "--quiet")) o.quiet = true;
        else { fprintf(stderr, "minyi serve: unknown option '%s'\n%s", argv[i], serve_help); return 2; }
    }
    log_quiet = o.quiet;
    if (auth_init()) { log_error("cannot initialise libsodium"); return 1; }
    if (web && access(web, R_OK) != 0) { log_error("serve: --web %s: not readable; pages will not be served", web); web = NULL; }
    char err[512];
    seg_dict *dict = NULL;
    if (seg_dict_open(dict_path, &dict, err, sizeof err)) {
        if (dict_path) { log_error("%s", err); return 1; }
        log_error("serve: no segmentation dictionary (%s); word features and search run without it", err);
    }
    fts_use_dict(dict);
    store *st;
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); seg_dict_close(dict); return 1; }
    analyzer *an = NULL;
    if (!no_analyzer && (analyzer_new(st, dict, &an, err, sizeof err) || analyzer_start(an))) {
        log_error("serve: cannot start the analyzer: %s", err);
        analyzer_free(an); seg_dict_close(dict); store_close(st);
        return 1;
    }
    api_ctx ctx = { .st = st, .an = an, .dict = dict, .web_root = web, .secure_cookies = secure,
                    .vendor_echarts = "node_modules/echarts/dist",
                    .login_ip = ratelimit_new(4096, 900, 10), .login_name = ratelimit_new(4096, 900, 20),
                    .live = sse_hub_new() };
    if (!ctx.live || screen_new(st, &ctx.screen)) {
        log_error("serve: out of memory"); analyzer_free(an); seg_dict_close(dict); store_close(st); return 1;
    }
    http_server *srv;
    if (http_start(&o, api_handle, &ctx, &srv, err, sizeof err)) {
        log_error("%s", err); analyzer_free(an); seg_dict_close(dict); store_close(st); return 1;
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned port = http_port(srv);
    char host[64] = "127.0.0.1";
    const char *colon = strrchr(o.listen, ':');
    if (colon && colon > o.listen && (size_t)(colon - o.listen) < sizeof host)
        snprintf(host, sizeof host, "%.*s", (int)(colon - o.listen), o.listen);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (!f) { log_error("--port-file %s: cannot write", port_file); http_stop(srv); analyzer_free(an); seg_dict_close(dict); store_close(st); return 1; }
        fprintf(f, "%u\n", port);
        fclose(f);
    }
    printf("minyi serving on http://%s:%u/  (database %s)\n", host, port, db);
    fflush(stdout);
    while (!stop) pause();
    log_info("minyi: shutting down");
    sse_hub_close(ctx.live);
    http_stop(srv);
    sse_hub_free(ctx.live);
    screen_free(ctx.screen);
    analyzer_free(an);
    ratelimit_free(ctx.login_ip);
    ratelimit_free(ctx.login_name);
    seg_dict_close(dict);
    store_close(st);
    return 0;
}
