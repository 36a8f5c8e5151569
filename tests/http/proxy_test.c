/* proxy_test.c: CIDR matching and the X-Forwarded-For walk, with the
 * headers a hostile client can send. */
#include "http/proxy.h"
#include "test.h"

static proxy_cidr L[8];
static size_t NL;

static void trust(const char *s) {
    char err[128];
    CHECK_INT(proxy_cidr_parse(s, &L[NL++], err, sizeof err), 0);
}

static const char *client(const char *peer, const char *xff, const char *xri) {
    static char out[64];
    proxy_client_ip(L, NL, peer, xff, xri, out, sizeof out);
    return out;
}

static bool in(const char *addr) {
    uint8_t a[16];
    return proxy_addr_parse(str_c(addr), a) && proxy_match(L, NL, a);
}

TEST(cidr_parse_errors) {
    proxy_cidr c;
    char err[128];
    CHECK_INT(proxy_cidr_parse("10.0.0.0/8", &c, err, sizeof err), 0);
    CHECK_INT(c.bits, 104);
    CHECK_INT(proxy_cidr_parse("fd00::/8", &c, err, sizeof err), 0);
    CHECK_INT(c.bits, 8);
    CHECK_INT(proxy_cidr_parse("10.0.0.0/33", &c, err, sizeof err), -1);
    CHECK(strstr(err, "0..32"));
    CHECK_INT(proxy_cidr_parse("::/129", &c, err, sizeof err), -1);
    CHECK_INT(proxy_cidr_parse("10.0.0.0/", &c, err, sizeof err), -1);
    CHECK_INT(proxy_cidr_parse("10.0.0.0/-1", &c, err, sizeof err), -1);
    CHECK_INT(proxy_cidr_parse("10.0.0/8", &c, err, sizeof err), -1);
    CHECK_INT(proxy_cidr_parse("nginx", &c, err, sizeof err), -1);
    CHECK(strstr(err, "'nginx'"));
    CHECK_INT(proxy_cidr_parse("", &c, err, sizeof err), -1);
    CHECK_INT(proxy_cidr_parse("1.2.3.4/0008", &c, err, sizeof err), -1);
}

TEST(cidr_match) {
    NL = 0;
    trust("10.0.0.0/8"); trust("192.168.1.7"); trust("fd00::/8"); trust("172.16.0.0/12");
    CHECK(in("10.255.1.2"));
    CHECK(!in("11.0.0.1"));
    CHECK(in("192.168.1.7"));
    CHECK(!in("192.168.1.8"));
    CHECK(in("172.31.255.255"));
    CHECK(!in("172.32.0.0"));
    CHECK(in("fd12:3456::1"));
    CHECK(!in("fe80::1"));
    CHECK(in("::ffff:10.1.2.3"));      /* IPv4-mapped peers of a dual-stack socket */
    CHECK(!in("::a01:203"));           /* IPv4-compatible form is not IPv4 */
    NL = 0;
    trust("0.0.0.0/0");
    CHECK(in("8.8.8.8"));
    CHECK(!in("::1"));                 /* all of IPv4, none of IPv6 */
    NL = 0;
    trust("10.1.2.3/31");               /* host bits are cleared */
    CHECK(in("10.1.2.2"));
    CHECK(in("10.1.2.3"));
    CHECK(!in("10.1.2.4"));
}

TEST(addr_parse_forms) {
    uint8_t a[16];
    char out[64];
    CHECK(proxy_addr_parse(str_c("  1.2.3.4  "), a));
    proxy_addr_format(a, out, sizeof out);
    CHECK_STR(out, "1.2.3.4");
    CHECK(proxy_addr_parse(str_c("1.2.3.4:5678"), a));
    CHECK(proxy_addr_parse(str_c("[2001:db8::1]:443"), a));
    proxy_addr_format(a, out, sizeof out);
    CHECK_STR(out, "2001:db8::1");
    CHECK(proxy_addr_parse(str_c("[2001:db8::1]"), a));
    CHECK(proxy_addr_parse(str_c("2001:DB8:0:0::1"), a));
    CHECK(!proxy_addr_parse(str_c("[1.2.3.4]"), a));
    CHECK(!proxy_addr_parse(str_c("1.2.3.4:"), a));
    CHECK(!proxy_addr_parse(str_c("1.2.3.4:99999x"), a));
    CHECK(!proxy_addr_parse(str_c("[::1]x"), a));
    CHECK(!proxy_addr_parse(str_c("[::1"), a));
    CHECK(!proxy_addr_parse(str_c("unknown"), a));
    CHECK(!proxy_addr_parse(str_c("1.2.3.4 5.6.7.8"), a));
    CHECK(!proxy_addr_parse(str_c(""), a));
    CHECK(!proxy_addr_parse(str_c("   "), a));
    CHECK(!proxy_addr_parse((str){ "1.2.3.4\0evil", 12 }, a));
    char big[300];
    memset(big, '1', sizeof big);
    CHECK(!proxy_addr_parse((str){ big, sizeof big }, a));
}

TEST(untrusted_peer_headers_ignored) {
    NL = 0;
    trust("10.0.0.1");
    CHECK_STR(client("203.0.113.9", "1.1.1.1", "2.2.2.2"), "203.0.113.9");
    NL = 0;   /* no trusted proxy at all (the default) */
    CHECK_STR(client("10.0.0.1", "1.1.1.1", NULL), "10.0.0.1");
}

TEST(forwarded_walk) {
    NL = 0;
    trust("10.0.0.0/8"); trust("2001:db8:ffff::/48");
    /* one proxy: the client is the single entry */
    CHECK_STR(client("10.0.0.1", "198.51.100.7", NULL), "198.51.100.7");
    /* the client forged entries on the left: the right-most untrusted wins */
    CHECK_STR(client("10.0.0.1", "6.6.6.6, 7.7.7.7, 198.51.100.7", NULL), "198.51.100.7");
    /* two trusted hops on the right are skipped */
    CHECK_STR(client("10.0.0.1", "1.1.1.1, 198.51.100.7, 10.9.9.9,10.8.8.8", NULL), "198.51.100.7");
    /* forged trusted-looking addresses left of the client do not matter */
    CHECK_STR(client("10.0.0.1", "10.0.0.5, 198.51.100.7", NULL), "198.51.100.7");
    /* everything trusted: the left-most hop */
    CHECK_STR(client("10.0.0.1", "10.1.1.1, 10.2.2.2", NULL), "10.1.1.1");
    /* garbage ends the walk at the last believed address */
    CHECK_STR(client("10.0.0.1", "198.51.100.7, garbage", NULL), "10.0.0.1");
    CHECK_STR(client("10.0.0.1", "garbage, 10.3.3.3", NULL), "10.3.3.3");
    CHECK_STR(client("10.0.0.1", ",,,", NULL), "10.0.0.1");
    CHECK_STR(client("10.0.0.1", ", 198.51.100.7", NULL), "198.51.100.7");
    CHECK_STR(client("10.0.0.1", "198.51.100.7,", NULL), "10.0.0.1");
    /* ports, brackets, spaces and tabs */
    CHECK_STR(client("10.0.0.1", "  198.51.100.7:5555 ,\t10.2.2.2:80 ", NULL), "198.51.100.7");
    CHECK_STR(client("10.0.0.1", "[2001:db8::7]:443, [2001:db8:ffff::1]", NULL), "2001:db8::7");
    CHECK_STR(client("10.0.0.1", "2001:db8::7", NULL), "2001:db8::7");
    /* an IPv6 peer that is trusted */
    CHECK_STR(client("2001:db8:ffff::2", "198.51.100.7", NULL), "198.51.100.7");
    CHECK_STR(client("::ffff:10.0.0.1", "198.51.100.7", NULL), "198.51.100.7");
    /* X-Real-IP only without X-Forwarded-For, and only if it parses */
    CHECK_STR(client("10.0.0.1", NULL, "198.51.100.8"), "198.51.100.8");
    CHECK_STR(client("10.0.0.1", "198.51.100.7", "198.51.100.8"), "198.51.100.7");
    CHECK_STR(client("10.0.0.1", NULL, "<script>"), "10.0.0.1");
    CHECK_STR(client("10.0.0.1", "", ""), "10.0.0.1");
}

TEST(many_hops) {
    NL = 0;
    trust("10.0.0.0/8");
    static char xff[64 * 1024];
    size_t n = 0;
    n += (size_t)snprintf(xff + n, sizeof xff - n, "198.51.100.7");
    while (n + 16 < sizeof xff) n += (size_t)snprintf(xff + n, sizeof xff - n, ", 10.1.2.3");
    CHECK_STR(client("10.0.0.1", xff, NULL), "198.51.100.7");
    /* thousands of forged hops left of the client cost one walk to the client */
    n = 0;
    while (n + 32 < sizeof xff) n += (size_t)snprintf(xff + n, sizeof xff - n, "6.6.6.6, ");
    snprintf(xff + n, sizeof xff - n, "198.51.100.7");
    CHECK_STR(client("10.0.0.1", xff, NULL), "198.51.100.7");
}

TEST(bad_peer_text_passes_through) {
    NL = 0;
    trust("10.0.0.0/8");
    CHECK_STR(client("", "1.2.3.4", NULL), "");
}
