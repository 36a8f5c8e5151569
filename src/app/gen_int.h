/* gen_int.h: the corpus shared by gen_corpus.c (which fills it) and gen.c
 * (which draws messages from it). Not for other modules: see gen.h. */
#ifndef MINYI_GEN_INT_H
#define MINYI_GEN_INT_H
#include "app/gen.h"

/* In stored text, a district or county (A3区, K6县, C4市) is replaced by
 * GEN_MARK_REGION and a city (A市) by GEN_MARK_CITY, so a message can name
 * its own region consistently wherever the source named another. */
#define GEN_MARK_REGION '\x01'
#define GEN_MARK_CITY   '\x02'

enum { GEN_TYPES = 5, GEN_CUES = GEN_TYPES + 1 };   /* cue GEN_TYPES: no type cue */
extern const char *const gen_type_names[GEN_TYPES];

typedef struct { uint32_t off, bytes, chars; } gen_piece;   /* text at arena + off */
typedef struct { gen_piece *v; size_t n, cap; } gen_pieces;

typedef struct {
    char name[48];
    gen_pieces titles[GEN_CUES];   /* by the type their wording suggests */
    gen_pieces clauses;            /* sorted by chars */
    uint32_t weight;
} gen_topic;

typedef struct { char name[16]; uint32_t count; } gen_region;

#define GEN_MAX_TOPICS 32
struct gen_corpus {
    buf arena;
    gen_topic topics[GEN_MAX_TOPICS];
    int ntopics;
    gen_region *regions;
    size_t nregions;
};

/* Type cue of a title (0..4, or GEN_TYPES for none). */
int gen_title_cue(str title);

#endif
