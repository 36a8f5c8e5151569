/* secret.h: encryption at rest of small personal fields (officials' phone
 * numbers) with libsodium's secretbox (XSalsa20-Poly1305). The key lives in
 * a file outside the database (default: minyi.key beside an SQLite
 * database, --key-file elsewhere), so a copied database or backup alone
 * reveals nothing. Rotation: `minyi key rotate` (cmd_key.c). */
#ifndef MINYI_SECRET_H
#define MINYI_SECRET_H
#include <stdbool.h>
#include <stddef.h>
#include "core/str.h"

typedef struct {
    unsigned char k[32];
    unsigned char id[4];     /* fingerprint: first bytes of BLAKE2b(k); stored with each sealed value */
} secret_key;

/* The default key file of a database URI: DIR/minyi.key for sqlite:DIR/x.db
 * (var/minyi.key for the default database). */
void secret_default_path(const char *db_uri, char *out, size_t cap);

/* Loads the key at path. Missing and create: makes a new random key there
 * (mode 0600) and returns 1. Returns 0 when loaded, -1 with err otherwise
 * (unreadable, malformed, or readable by group or others). */
int  secret_key_load(const char *path, bool create, secret_key *k, char *err, size_t errlen);

/* A new random key. */
void secret_key_new(secret_key *k);

/* Writes k to path atomically (path.tmp, fsync, rename), mode 0600. */
int  secret_key_write(const char *path, const secret_key *k, char *err, size_t errlen);

/* Appends the sealed form of p[0..n) to out: "S1", key id, nonce, box.
 * Returns 0, or -1 on out-of-memory. */
int  secret_seal(const secret_key *k, const void *p, size_t n, buf *out);

/* Appends the plain text of a sealed value to out. Returns 0; -2 when it was
 * sealed under another key (see secret_sealed_by); -1 when malformed or
 * tampered with. */
int  secret_open(const secret_key *k, const void *c, size_t n, buf *out);

/* Whether c was sealed under key k (by fingerprint; no decryption). */
bool secret_sealed_by(const secret_key *k, const void *c, size_t n);

#endif
