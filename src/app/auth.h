/* auth.h: passwords (argon2id via libsodium), sessions and CSRF tokens.
 * The session cookie holds a random token; the database holds only its
 * SHA-256, so a copy of the database does not let anyone log in. */
#ifndef MINYI_AUTH_H
#define MINYI_AUTH_H
#include <stdbool.h>
#include "store/store.h"

#define AUTH_TOKEN_LEN 64                  /* hex characters */
#define AUTH_SESSION_SECONDS (12 * 3600)

int  auth_init(void);                      /* sodium_init(); 0 ok */
/* out gets an argon2id hash string (crypto_pwhash_STRBYTES). 0 or -1 (out of memory). */
int  auth_hash_password(const char *pw, size_t n, char *out);
/* Verifies pw against hash; with hash NULL still spends the same time, so
 * unknown logins cannot be told apart by timing. */
bool auth_check_password(const char *hash, const char *pw, size_t n);
/* Random hex token of AUTH_TOKEN_LEN characters + NUL. */
void auth_random_token(char *out);
void auth_token_hash(const char *token, char *out);     /* hex SHA-256, 65 bytes */
/* A random password of n characters from an unambiguous alphabet. */
void auth_random_password(char *out, size_t n);

int  auth_session_new(store *s, int64_t user_id, char *token, char *csrf);
int  auth_session_find(store *s, const char *token, store_user *u, char *csrf);
int  auth_session_end(store *s, const char *token);
/* Constant-time comparison of two NUL-terminated tokens. */
bool auth_token_eq(const char *a, const char *b);

#endif
