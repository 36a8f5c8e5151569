/* cmd_serve.c: `minyi serve`, the web server. Runs until SIGINT/SIGTERM,
 * then stops taking requests, finishes those in flight and closes the
 * database cleanly. */
#include "app/api.h"
#include "app/background.h"
#include "app/replylive.h"
#include "app/screen.h"
#include "http/sse.h"
#include "app/auth.h"
#include "app/cmd.h"
#include "app/staffphone.h"
#include "core/log.h"
#include "store/fts.h"
#include "http/ratelimit.h"
#include <errno.h>
#include <pthread.h>
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
    "  --quiet              no per-request log lines\n"
    "  --key-file FILE      key sealing officials' phone numbers (default: minyi.key beside the\n"
    "                       database, made if missing while no number is sealed; mode 0600)\n"
    "  --trusted-proxy CIDR a reverse proxy (address or block, IPv4 or IPv6; repeatable; default\n"
    "                       none) whose X-Forwarded-For / X-Real-IP name the client\n"
    "  --submit-rate N      messages accepted per client address per minute (default 30; 0 = no\n"
    "                       limit); more get 429 with Retry-After\n"
    "  --conns-per-ip N     open connections per client address (default 64; 0 = no limit;\n"
    "                       trusted proxies are not limited)\n"
    "  --max-conns N        open connections in all (default 20000)\n"
    "  --conn-timeout SEC   close a connection silent this long (default 30)\n"
    "  --metrics-allow CIDR who may read /metrics besides loopback and admins (repeatable)\n"
    "  --config FILE        read options from FILE: 'name = value' lines with the names above\n"
    "                       (e.g. 'listen = 127.0.0.1:8080', 'secure-cookies'); flags given on\n"
    "                       the command line override the file\n";

static const cmd_optspec serve_opts[] = {
    { "listen", true }, { "db", true }, { "web", true }, { "max-body", true }, { "max-upload", true },
    { "dict", true }, { "no-analyzer", false }, { "threads", true }, { "secure-cookies", false },
    { "port-file", true }, { "quiet", false }, { "trusted-proxy", true }, { "submit-rate", true },
    { "conns-per-ip", true }, { "max-conns", true }, { "conn-timeout", true }, { "metrics-allow", true }, { "key-file", true },
};

/* Parses a decimal in lo..hi for option name; prints the error and returns false otherwise. */
static bool num_opt(const char *name, const char *v, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end || errno || n < lo || n > hi) {
        fprintf(stderr, "minyi serve: %s must be %lld..%lld, not '%s'\n", name, lo, hi, v);
        return false;
    }
    *out = n;
    return true;
}

/* Adds a CIDR to a list of at most PROXY_MAX_TRUSTED; prints the error otherwise. */
static bool cidr_opt(const char *name, const char *v, proxy_cidr *list, size_t *n) {
    char err[160];
    if (*n >= PROXY_MAX_TRUSTED) { fprintf(stderr, "minyi serve: at most %d %s\n", PROXY_MAX_TRUSTED, name); return false; }
    if (proxy_cidr_parse(v, &list[*n], err, sizeof err)) { fprintf(stderr, "minyi serve: %s %s\n", name, err); return false; }
    ++*n;
    return true;
}

static int serve(int argc, char **argv, int from_cli);

int cmd_serve(int argc, char **argv) {
    /* Options from --config come first, so that flags override them. */
    cmd_args args = {0};
    int from_cli = 1;
    if (cmd_args_push(&args, argv[0])) return 1;
    for (int i = 1; i < argc; i++) {
        const char *cfg;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) { fputs(serve_help, stdout); cmd_args_free(&args); return 0; }
        if (cmd_opt(argc, argv, &i, "--config", &cfg)) {
            char err[512];
            if (cmd_config_read(cfg, serve_opts, sizeof serve_opts / sizeof *serve_opts, &args, err, sizeof err)) {
                fprintf(stderr, "minyi serve: --config %s\n", err);
                cmd_args_free(&args);
                return 2;
            }
        }
    }
    from_cli = args.n;
    for (int i = 1; i < argc; i++) if (cmd_args_push(&args, argv[i])) { cmd_args_free(&args); return 1; }
    int rc = serve(args.n, args.v, from_cli);
    cmd_args_free(&args);
    return rc;
}

static int serve(int argc, char **argv, int from_cli) {
    http_opts o = { .listen = "127.0.0.1:8080", .max_body = 65536,
                    .upload_prefix = "/api/v1/models", .max_upload = 256u << 20,
                    .conns_per_ip = 64, .max_conns = HTTP_MAX_CONNECTIONS, .conn_timeout = 30 };
    const char *db = "sqlite:var/minyi.db", *web = "web", *port_file = NULL, *dict_path = NULL, *key_file = NULL, *v;
    bool secure = false, no_analyzer = false, cli_proxies = false, cli_allow = false;
    static proxy_cidr trusted[PROXY_MAX_TRUSTED], allow[PROXY_MAX_TRUSTED];
    size_t ntrusted = 0, nallow = 0;
    long long submit_rate = 30, n;
    for (int i = 1; i < argc; i++) {
        if (cmd_opt(argc, argv, &i, "--config", &v)) ;   /* read already */
        else if (cmd_opt(argc, argv, &i, "--listen", &o.listen)) ;
        else if (cmd_opt(argc, argv, &i, "--db", &db)) ;
        else if (cmd_opt(argc, argv, &i, "--web", &web)) ;
        else if (cmd_opt(argc, argv, &i, "--port-file", &port_file)) ;
        else if (cmd_opt(argc, argv, &i, "--key-file", &key_file)) ;
        else if (cmd_opt(argc, argv, &i, "--max-body", &v)) {
            if (!num_opt("--max-body", v, 1024, 1LL << 30, &n)) return 2;
            o.max_body = (size_t)n;
        }
        else if (cmd_opt(argc, argv, &i, "--max-upload", &v)) {
            if (!num_opt("--max-upload", v, 1024, 4LL << 30, &n)) return 2;
            o.max_upload = (size_t)n;
        }
        else if (cmd_opt(argc, argv, &i, "--dict", &dict_path)) ;
        else if (!strcmp(argv[i], "--no-analyzer")) no_analyzer = true;
        else if (cmd_opt(argc, argv, &i, "--threads", &v)) {
            if (!num_opt("--threads", v, 1, 256, &n)) return 2;
            o.threads = (unsigned)n;
        }
        else if (cmd_opt(argc, argv, &i, "--trusted-proxy", &v)) {
            /* A list from the command line replaces the file's list. */
            if (i >= from_cli && !cli_proxies) { cli_proxies = true; ntrusted = 0; }
            if (!cidr_opt("--trusted-proxy", v, trusted, &ntrusted)) return 2;
        }
        else if (cmd_opt(argc, argv, &i, "--metrics-allow", &v)) {
            if (i >= from_cli && !cli_allow) { cli_allow = true; nallow = 0; }
            if (!cidr_opt("--metrics-allow", v, allow, &nallow)) return 2;
        }
        else if (cmd_opt(argc, argv, &i, "--submit-rate", &v)) { if (!num_opt("--submit-rate", v, 0, 1000000, &submit_rate)) return 2; }
        else if (cmd_opt(argc, argv, &i, "--conns-per-ip", &v)) { if (!num_opt("--conns-per-ip", v, 0, 100000, &n)) return 2; o.conns_per_ip = (unsigned)n; }
        else if (cmd_opt(argc, argv, &i, "--max-conns", &v)) { if (!num_opt("--max-conns", v, 16, 1000000, &n)) return 2; o.max_conns = (unsigned)n; }
        else if (cmd_opt(argc, argv, &i, "--conn-timeout", &v)) { if (!num_opt("--conn-timeout", v, 1, 86400, &n)) return 2; o.conn_timeout = (unsigned)n; }
        else if (!strcmp(argv[i], "--secure-cookies")) secure = true;
        else if (!strcmp(argv[i], "--quiet")) o.quiet = true;
        else { fprintf(stderr, "minyi serve: unknown option '%s'\n%s", argv[i], serve_help); return 2; }
    }
    o.trusted = trusted;
    o.ntrusted = ntrusted;
    log_quiet = o.quiet;
    /* SIGINT and SIGTERM are blocked before any thread starts (every thread
     * inherits the mask) and taken by sigwait below on this thread alone.
     * With a handler and pause() instead, a signal delivered to one of the
     * server's threads set the flag but never woke pause(): a stop that hung. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, NULL);
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
    store_map_reads();
    if (store_open(db, &st, err, sizeof err)) { log_error("%s", err); seg_dict_close(dict); return 1; }
    char key_path[4096];
    if (key_file) snprintf(key_path, sizeof key_path, "%s", key_file); else secret_default_path(db, key_path, sizeof key_path);
    secret_key key;
    int kr = staffphone_key(st, key_path, &key, err, sizeof err);
    if (kr < 0) { log_error("serve: %s", err); seg_dict_close(dict); store_close(st); return 1; }
    if (kr == 1) log_info("serve: created the key file %s for officials' phone numbers (keep it, and out of database backups)", key_path);
    analyzer *an = NULL;
    if (!no_analyzer && (analyzer_new(st, dict, &an, err, sizeof err) || analyzer_start(an))) {
        log_error("serve: cannot start the analyzer: %s", err);
        analyzer_free(an); seg_dict_close(dict); store_close(st);
        return 1;
    }
    api_ctx ctx = { .st = st, .an = an, .dict = dict, .web_root = web, .secure_cookies = secure,
                    .vendor_echarts = "node_modules/echarts/dist", .key = &key,
                    .login_ip = ratelimit_new(4096, 900, 10), .login_name = ratelimit_new(4096, 900, 20),
                    .code_ip = ratelimit_new(4096, 900, API_CODE_MISSES),
                    .submit = submit_rate ? ratelimit_new(65536, 60, (unsigned)submit_rate) : NULL,
                    .metrics_allow = allow, .nmetrics_allow = nallow,

                    .live = sse_hub_new() };
    if (dict && replylive_new(dict, st, &ctx.rq)) log_error("serve: reply quality is off (out of memory or a store error)");
    if (background_start(st, &ctx.bg)) log_error("serve: no background thread: whole-group replies run in their requests, big group merges wait for a restart");
    if (!ctx.live || screen_new(st, &ctx.screen)) {
        log_error("serve: out of memory"); analyzer_free(an); seg_dict_close(dict); store_close(st); return 1;
    }
    http_server *srv;
    if (http_start(&o, api_handle, &ctx, &srv, err, sizeof err)) {
        log_error("%s", err); analyzer_free(an); seg_dict_close(dict); store_close(st); return 1;
    }

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
    int sig;
    while (sigwait(&stops, &sig) != 0) {}
    log_info("minyi: shutting down");
    sse_hub_close(ctx.live);
    http_stop(srv);
    sse_hub_free(ctx.live);
    screen_free(ctx.screen);
    replylive_free(ctx.rq);
    background_stop(ctx.bg);
    analyzer_free(an);
    ratelimit_free(ctx.login_ip);
    ratelimit_free(ctx.login_name);
    ratelimit_free(ctx.code_ip);
    ratelimit_free(ctx.submit);
    seg_dict_close(dict);
    store_close(st);
    return 0;
}
