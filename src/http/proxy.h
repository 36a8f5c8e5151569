/* proxy.h: who the client is behind a reverse proxy. The socket peer is
 * the client unless it is a trusted proxy (--trusted-proxy CIDR); only then
 * are X-Forwarded-For / X-Real-IP believed, and the client is the right-most
 * address in the chain that is not itself a trusted proxy (everything left
 * of it could have been written by the client). */
#ifndef MINYI_PROXY_H
#define MINYI_PROXY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/str.h"

/* An address block; IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n)
 * so that one comparison covers both families and mapped peers. */
typedef struct {
    uint8_t addr[16];
    unsigned bits;            /* prefix length over the 128-bit form */
} proxy_cidr;

#define PROXY_MAX_TRUSTED 64

/* Parses "10.0.0.0/8", "192.168.1.7", "fd00::/8", "::1". Host bits beyond
 * the prefix are ignored. Returns 0, or -1 with a reason in err. */
int proxy_cidr_parse(const char *s, proxy_cidr *out, char *err, size_t errlen);

/* Parses one address as found in a header: surrounding spaces, an IPv4
 * "a.b.c.d:port", an IPv6 "[v6]" or "[v6]:port" are accepted. Fills the
 * 16-byte form; returns false for anything else. */
bool proxy_addr_parse(str s, uint8_t out[16]);

/* Is addr (16-byte form) inside one of the n blocks? */
bool proxy_match(const proxy_cidr *list, size_t n, const uint8_t addr[16]);

/* The client address of a request, written to out (normalised text: IPv4
 * dotted, IPv6 compressed). peer is the socket address as text; xff the
 * X-Forwarded-For values joined by commas (or NULL); xri X-Real-IP (or
 * NULL). Headers are ignored unless peer is trusted. Garbage in the chain
 * ends the walk at the last address believed. */
void proxy_client_ip(const proxy_cidr *list, size_t n, const char *peer, const char *xff, const char *xri,
                     char *out, size_t cap);

/* Formats the 16-byte form as text (IPv4-mapped as dotted quad). */
void proxy_addr_format(const uint8_t addr[16], char *out, size_t cap);

#endif
