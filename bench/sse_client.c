/* sse_client.c: the viewers of bench/sse.sh. Holds N real HTTP event streams
 * (GET /api/v1/posts/ID/events, one TCP connection each) in one epoll loop,
 * waits until each has had its first event, prints READY and waits for a line
 * on stdin; then ROUNDS times it approves a held comment (POST
 * /api/v1/comments/ID/moderation as the moderator) and records, per viewer,
 * the time from just before that request to the arrival of the comment's
 * event on the viewer's stream. Prints p50/p99/max over all viewers and
 * rounds, the viewers that missed one, and a checksum of the ids received.
 * A C client rather than Node.js: 10,000 streams in one Node process spend
 * more time in the client than in the server being measured.
 *   sse_client PORT POST_ID N ROUNDS COOKIE CSRF COMMENT_IDS(comma-separated) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 64
#define TAIL 256            /* bytes kept between reads: an event may straddle two */

typedef struct {
    int fd, ready, asked;   /* asked: the GET has been written */
    size_t n;               /* bytes in buf */
    char buf[TAIL + 4096];
    double got[MAX_ROUNDS]; /* arrival, ms (0 = not yet) */
} viewer;

static int port;
static viewer *vs;
static int nv, rounds, ep;
static long ids[MAX_ROUNDS];

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) && errno != EINPROGRESS) { close(fd); return -1; }
    return fd;
}

/* Scans a viewer's bytes for whole events: the first event makes it ready;
 * a comment event records its arrival for the round of its id. */
static int scan(viewer *v, double t) {
    int newly = 0;
    v->buf[v->n] = 0;
    char *p = v->buf, *end = v->buf + v->n;
    for (;;) {
        char *e = strstr(p, "\n\n");
        if (!e) break;
        if (!v->ready && !strncmp(p, "event: views", 12)) { v->ready = 1; newly = 1; }
        char *c = strstr(p, "event: comment\ndata: ");
        if (c && c < e) {
            char *idp = strstr(c, "\"id\":");
            long id = idp && idp < e ? strtol(idp + 5, NULL, 10) : -1;
            for (int r = 0; r < rounds; r++) if (ids[r] == id && !v->got[r]) v->got[r] = t;
        }
        p = e + 2;
    }
    size_t keep = (size_t)(end - p);
    if (keep > TAIL) { p = end - TAIL; keep = TAIL; }   /* no event is that long here */
    memmove(v->buf, p, keep);
    v->n = keep;
    return newly;
}

/* Reads everything pending on the ready sockets; returns viewers made ready. */
static int pump(int timeout_ms) {
    struct epoll_event evs[512];
    int k = epoll_wait(ep, evs, 512, timeout_ms), newly = 0;
    double t = now_ms();
    for (int i = 0; i < k; i++) {
        viewer *v = &vs[evs[i].data.u32];
        for (;;) {
            ssize_t r = read(v->fd, v->buf + v->n, sizeof v->buf - 1 - v->n);
            if (r > 0) { v->n += (size_t)r; newly += scan(v, t); continue; }
            if (r == 0 || (errno != EAGAIN && errno != EINTR)) { epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL); close(v->fd); v->fd = -1; }
            break;
        }
    }
    return newly;
}

/* One blocking HTTP request on its own connection; returns the status. */
static int approve(long id, const char *cookie, const char *csrf) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) { if (fd >= 0) close(fd); return -1; }
    char req[1024];
    const char *body = "{\"decision\":\"approve\"}";
    int n = snprintf(req, sizeof req, "POST /api/v1/comments/%ld/moderation HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Content-Type: application/json\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", id, cookie, csrf, strlen(body), body);
    if (write(fd, req, (size_t)n) != n) { close(fd); return -1; }
    char resp[64] = {0};
    ssize_t r = read(fd, resp, sizeof resp - 1);
    close(fd);
    return r > 12 ? atoi(resp + 9) : -1;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 8) { fprintf(stderr, "usage: sse_client PORT POST_ID N ROUNDS COOKIE CSRF COMMENT_IDS\n"); return 2; }
    port = atoi(argv[1]);
    nv = atoi(argv[3]);
    rounds = atoi(argv[4]);
    if (nv <= 0 || rounds <= 0 || rounds > MAX_ROUNDS) { fprintf(stderr, "sse_client: bad N or ROUNDS\n"); return 2; }
    char *s = argv[7];
    for (int r = 0; r < rounds; r++) { ids[r] = strtol(s, &s, 10); if (*s == ',') s++; }
    vs = calloc((size_t)nv, sizeof *vs);
    ep = epoll_create1(0);
    char req[256];
    int reqn = snprintf(req, sizeof req, "GET /api/v1/posts/%s/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", argv[2]);

    /* Connect in waves no deeper than the server's listen backlog. */
    double t0 = now_ms();
    int opened = 0, ready = 0;
    while (ready < nv && now_ms() - t0 < 120000) {
        while (opened < nv && opened - ready < 500) {
            viewer *v = &vs[opened];
            v->fd = dial();
            if (v->fd < 0) { fprintf(stderr, "sse_client: socket: %s\n", strerror(errno)); return 1; }
            struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = (uint32_t)opened };
            epoll_ctl(ep, EPOLL_CTL_ADD, v->fd, &e);
            opened++;
        }
        struct epoll_event evs[512];
        int k = epoll_wait(ep, evs, 512, 100);
        double t = now_ms();
        for (int i = 0; i < k; i++) {
            viewer *v = &vs[evs[i].data.u32];
            if (v->fd < 0) continue;
            if ((evs[i].events & EPOLLOUT) && !v->asked) {
                v->asked = 1;
                if (write(v->fd, req, (size_t)reqn) != reqn) { close(v->fd); v->fd = -1; continue; }
            }
            for (;;) {
                ssize_t r = read(v->fd, v->buf + v->n, sizeof v->buf - 1 - v->n);
                if (r > 0) { v->n += (size_t)r; ready += scan(v, t); continue; }
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) { epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL); close(v->fd); v->fd = -1; }
                break;
            }
        }
        int dead = 0;
        for (int i = 0; i < opened; i++) dead += vs[i].fd < 0;
        if (dead) { fprintf(stderr, "sse_client: %d streams closed while connecting\n", dead); break; }
    }
    for (int i = 0; i < nv; i++) {
        if (vs[i].fd < 0) continue;
        struct epoll_event e = { .events = EPOLLIN | EPOLLET, .data.u32 = (uint32_t)i };
        epoll_ctl(ep, EPOLL_CTL_MOD, vs[i].fd, &e);
    }
    printf("viewers connected: %d/%d in %.1f s\nREADY\n", ready, nv, (now_ms() - t0) / 1e3);
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return 1;

    double *d = calloc((size_t)nv * (size_t)rounds, sizeof *d);
    size_t nd = 0, missed = 0;
    for (int r = 0; r < rounds; r++) {
        double sent = now_ms();
        int st = approve(ids[r], argv[5], argv[6]);
        double answered = now_ms() - sent;
        if (st != 200) { printf("approval answered %d\n", st); return 1; }
        int waiting = 1;
        while (waiting && now_ms() - sent < 10000) {
            pump(20);
            waiting = 0;
            for (int i = 0; i < nv && !waiting; i++) waiting = vs[i].ready && vs[i].fd >= 0 && !vs[i].got[r];
        }
        double lo = 1e12, hi = 0;
        for (int i = 0; i < nv; i++) {
            if (!vs[i].ready) continue;
            if (vs[i].got[r]) {
                double x = vs[i].got[r] - sent;
                d[nd++] = x;
                if (x < lo) lo = x;
                if (x > hi) hi = x;
            } else { d[nd++] = 1e12; missed++; }
        }
        /* The approval's answer comes after its durable commit (and the
         * publish): a slow disk delays every viewer of that round alike. */
        printf("round %d: approval answered in %.1f ms; arrivals from %.1f to %.1f ms\n", r + 1, answered, lo, hi);
    }
    qsort(d, nd, sizeof *d, cmp);
    double p50 = d[(size_t)(0.5 * nd)], p99 = d[(size_t)(0.99 * nd) < nd ? (size_t)(0.99 * nd) : nd - 1];
    printf("delivery delay over %d approvals x %d viewers: p50 %.1f ms, p99 %.1f ms, max %.1f ms, missed %zu\n",
           rounds, ready, p50, p99, d[nd - 1], missed);
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a over each viewer's received ids */
    for (int i = 0; i < nv; i++)
        for (int r = 0; r < rounds; r++) if (vs[i].got[r]) { h ^= (uint64_t)ids[r]; h *= 1099511628211ULL; }
    printf("checksum %016llx\n", (unsigned long long)h);
    return 0;
}
