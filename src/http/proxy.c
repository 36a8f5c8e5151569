/* proxy.c: see proxy.h. Parsing never allocates and reads only the bytes
 * given: header values come from clients and may be anything. */
#include "http/proxy.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4mapped[12] = { 0,0,0,0, 0,0,0,0, 0,0,0xff,0xff };

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static str trim(str s) {
    while (s.n && is_space(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_space(s.p[s.n - 1])) s.n--;
    return s;
}

/* Text address without port or brackets: "1.2.3.4" or "::1". */
static bool parse_plain(const char *p, size_t n, uint8_t out[16]) {
    char tmp[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof tmp) return false;
    memcpy(tmp, p, n); tmp[n] = 0;
    struct in_addr a4;
    if (inet_pton(AF_INET, tmp, &a4) == 1) {
        memcpy(out, v4mapped, 12);
        memcpy(out + 12, &a4, 4);
        return true;
    }
    return inet_pton(AF_INET6, tmp, out) == 1;
}

static bool all_digits(const char *p, size_t n) {
    if (n == 0 || n > 5) return false;
    for (size_t i = 0; i < n; i++) if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

static unsigned digits_value(const char *p, size_t n) {
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (unsigned)(p[i] - '0');
    return v;
}

bool proxy_addr_parse(str s, uint8_t out[16]) {
    s = trim(s);
    if (s.n == 0 || memchr(s.p, 0, s.n)) return false;
    if (s.p[0] == '[') {                       /* [v6] or [v6]:port */
        const char *close = memchr(s.p, ']', s.n);
        if (!close) return false;
        size_t rest = s.n - (size_t)(close - s.p) - 1;
        if (rest && (close[1] != ':' || !all_digits(close + 2, rest - 1))) return false;
        size_t n = (size_t)(close - s.p) - 1;
        char tmp[INET6_ADDRSTRLEN + 1];
        if (n == 0 || n >= sizeof tmp) return false;
        memcpy(tmp, s.p + 1, n); tmp[n] = 0;
        return inet_pton(AF_INET6, tmp, out) == 1;   /* brackets hold IPv6 only */
    }
    const char *colon = memchr(s.p, ':', s.n);
    if (colon && !memchr(colon + 1, ':', s.n - (size_t)(colon - s.p) - 1)) {   /* one colon: a.b.c.d:port */
        if (!all_digits(colon + 1, s.n - (size_t)(colon - s.p) - 1)) return false;
        struct in_addr a4;
        char tmp[16];
        size_t n = (size_t)(colon - s.p);
        if (n >= sizeof tmp) return false;
        memcpy(tmp, s.p, n); tmp[n] = 0;
        if (inet_pton(AF_INET, tmp, &a4) != 1) return false;
        memcpy(out, v4mapped, 12);
        memcpy(out + 12, &a4, 4);
        return true;
    }
    return parse_plain(s.p, s.n, out);
}

int proxy_cidr_parse(const char *s, proxy_cidr *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (!parse_plain(s, n, out->addr)) {
        snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address or CIDR block", s);
        return -1;
    }
    bool v4 = memcmp(out->addr, v4mapped, 12) == 0;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        const char *b = slash + 1;
        size_t bl = strlen(b);
        if (!all_digits(b, bl) || bl > 3 || (bits = digits_value(b, bl)) > max) {
            snprintf(err, errlen, "'%s': the prefix length must be 0..%u", s, max);
            return -1;
        }
    }
    out->bits = v4 ? 96 + bits : bits;
    /* Clear host bits so that matching is a plain prefix compare. */
    for (unsigned i = out->bits; i < 128; i++) out->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
    return 0;
}

bool proxy_match(const proxy_cidr *list, size_t n, const uint8_t addr[16]) {
    for (size_t k = 0; k < n; k++) {
        unsigned bits = list[k].bits, full = bits / 8, rem = bits % 8;
        if (memcmp(list[k].addr, addr, full) != 0) continue;
        if (rem && ((list[k].addr[full] ^ addr[full]) & (uint8_t)(0xff00u >> rem))) continue;
        return true;
    }
    return false;
}

void proxy_addr_format(const uint8_t addr[16], char *out, size_t cap) {
    char tmp[INET6_ADDRSTRLEN];
    if (memcmp(addr, v4mapped, 12) == 0) inet_ntop(AF_INET, addr + 12, tmp, sizeof tmp);
    else inet_ntop(AF_INET6, addr, tmp, sizeof tmp);
    snprintf(out, cap, "%s", tmp);
}

void proxy_client_ip(const proxy_cidr *list, size_t n, const char *peer, const char *xff, const char *xri,
                     char *out, size_t cap) {
    uint8_t a[16];
    if (!proxy_addr_parse(str_c(peer ? peer : ""), a)) { snprintf(out, cap, "%s", peer ? peer : ""); return; }
    if (!n || !proxy_match(list, n, a)) { proxy_addr_format(a, out, cap); return; }
    /* The peer is a proxy we trust: walk its chain from the right. Each hop
     * appends the address it saw, so the first untrusted one from the right
     * is the last address no client could forge. */
    if (xff && *xff) {
        const char *end = xff + strlen(xff);
        while (end > xff) {
            const char *p = end;
            while (p > xff && p[-1] != ',') p--;
            uint8_t h[16];
            if (!proxy_addr_parse((str){ p, (size_t)(end - p) }, h)) break;   /* garbage: keep the last believed */
            memcpy(a, h, 16);
            if (!proxy_match(list, n, h)) break;
            end = p > xff ? p - 1 : xff;
        }
    } else if (xri && *xri) {
        uint8_t h[16];
        if (proxy_addr_parse(str_c(xri), h)) memcpy(a, h, 16);
    }
    proxy_addr_format(a, out, cap);
}
