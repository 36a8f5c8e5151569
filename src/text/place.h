/* place.h: the places and groups a citizen message names ("A市A5区魅力之城小区",
 * "经济学院学生", "K9县", streets, communities, schools, companies), found
 * over the segmenter's words by place suffixes and the dictionary's ns/nt tags.
 * Pure; design and limits in docs/hot-issues.md. */
#ifndef MINYI_PLACE_H
#define MINYI_PLACE_H
#include <stddef.h>
#include <stdint.h>
#include "text/seg.h"

/* How specific a place is: a message's place is its most specific one. */
enum {
    PLACE_PROVINCE = 1, PLACE_CITY = 2, PLACE_DISTRICT = 3, PLACE_TOWN = 4,
    PLACE_STREET = 5,   /* streets, roads, villages, communities */
    PLACE_SITE = 6,     /* housing estates, buildings, schools, hospitals, companies */
};

/* A place: bytes [off, off+len) of the text. core_len: the bytes of its
 * name without a generic suffix ("魅力之城" of "魅力之城小区"), the form
 * other messages use without the suffix; equal to len when nothing is
 * generic. group_len: bytes of a group word right after it ("学生" of
 * "经济学院学生"), 0 when none. name_len: see the field. */
typedef struct {
    uint32_t off, len, core_len, group_len;
    uint8_t level;
    uint32_t name_len;   /* bytes of the name before a separate suffix word ("华水景" of "华水景医院"); 0 when none */
} place_span;

/* The places among the words w[0..nw) of s (seg_cut output, SEG_PRECISE),
 * in text order, at most cap of them. Returns how many were found (may
 * exceed cap; only cap are written). Never allocates. */
size_t place_scan(const seg_dict *d, const char *s, const seg_word *w, long nw, place_span *out, size_t cap);

/* The same, with each word's dictionary tag looked up by the caller (a text
 * scanned for more than places looks each word up once): tags[k] is the
 * tag number of w[k] as the dictionary stores it (seg_dict's tag[cell]:
 * 0 none, else 1 + an index into its tags), 0 for a word the dictionary does
 * not know (or knows with no frequency, or longer than 32 characters). */
size_t place_scan_tagged(const seg_dict *d, const char *s, const seg_word *w, long nw, const uint8_t *tags, place_span *out, size_t cap);

/* Segments s[0..n) with c and scans it. Returns the count as place_scan,
 * or -1 on out-of-memory. */
long place_find(seg_ctx *c, const seg_dict *d, const char *s, size_t n, place_span *out, size_t cap);

/* The level a name would have by its suffix alone (0: no place suffix). */
int place_suffix_level(const char *s, size_t n);

#endif
