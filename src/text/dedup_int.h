/* dedup_int.h: what dedup.c and dedup_sig.c share (not part of the API). */
#ifndef MINYI_DEDUP_INT_H
#define MINYI_DEDUP_INT_H
#include <stdint.h>

static inline uint64_t mix64(uint64_t x) {   /* splitmix64 finaliser */
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

#endif
