/* auth.c: see auth.h. */
#include "app/auth.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* INTERACTIVE limits (64 MiB, 2 passes): ~0.1 s per login on this machine,
 * the libsodium recommendation for online logins. */
#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* A hash to verify against when the login is unknown (see auth_check_password);
 * made once at start so no thread races to create it. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int auth_init(void) {
    if (sodium_init() < 0) return -1;
    if (!dummy_hash[0] && auth_hash_password("minyi-dummy", 11, dummy_hash)) return -1;
    return 0;
}

int auth_hash_password(const char *pw, size_t n, char *out) {
    return crypto_pwhash_str_alg(out, pw, n, PW_OPS, PW_MEM, crypto_pwhash_ALG_ARGON2ID13) == 0 ? 0 : -1;
}

bool auth_check_password(const char *hash, const char *pw, size_t n) {
    if (!hash || !*hash) {
        if (dummy_hash[0] && crypto_pwhash_str_verify(dummy_hash, pw, n) == 0) return false;
        return false;
    }
    return crypto_pwhash_str_verify(hash, pw, n) == 0;
}

void auth_random_token(char *out) {
    unsigned char raw[AUTH_TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, AUTH_TOKEN_LEN + 1, raw, sizeof raw);
}

void auth_token_hash(const char *token, char *out) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof h);
}

void auth_random_password(char *out, size_t n) {
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    for (size_t i = 0; i < n; i++) out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
    out[n] = 0;
}

int auth_session_new(store *s, int64_t user_id, char *token, char *csrf) {
    char th[65];
    auth_random_token(token);
    auth_random_token(csrf);
    auth_token_hash(token, th);
    return s->ops->session_add(s, th, user_id, csrf, (int64_t)time(NULL) + AUTH_SESSION_SECONDS);
}

int auth_session_find(store *s, const char *token, store_user *u, char *csrf) {
    if (!token || strlen(token) != AUTH_TOKEN_LEN) return STORE_NOT_FOUND;
    char th[65];
    auth_token_hash(token, th);
    return s->ops->session_get(s, th, (int64_t)time(NULL), u, csrf);
}

int auth_session_end(store *s, const char *token) {
    char th[65];
    auth_token_hash(token, th);
    return s->ops->session_del(s, th);
}

bool auth_token_eq(const char *a, const char *b) {
    if (!a || !b) return false;
    size_t n = strlen(a);
    if (n == 0 || n != strlen(b)) return false;
    return sodium_memcmp(a, b, n) == 0;
}
