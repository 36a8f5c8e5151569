/* auth_test.c: tests for src/app/auth.c. */
#include "test.h"
#include "app/auth.h"
#include <sodium.h>

TEST(argon2id_hash_and_verify) {
    CHECK_INT(auth_init(), 0);
    char h[crypto_pwhash_STRBYTES];
    CHECK_INT(auth_hash_password("correct horse", 13, h), 0);
    CHECK(strncmp(h, "$argon2id$", 10) == 0);
    CHECK(auth_check_password(h, "correct horse", 13));
    CHECK(!auth_check_password(h, "correct horsE", 13));
    CHECK(!auth_check_password(NULL, "correct horse", 13));
    CHECK(!auth_check_password("garbage", "x", 1));
    char h2[crypto_pwhash_STRBYTES];
    auth_hash_password("correct horse", 13, h2);
    CHECK(strcmp(h, h2) != 0);   /* salted */
}

TEST(tokens) {
    auth_init();
    char a[AUTH_TOKEN_LEN + 1], b[AUTH_TOKEN_LEN + 1], ha[65];
    auth_random_token(a);
    auth_random_token(b);
    CHECK_INT(strlen(a), AUTH_TOKEN_LEN);
    CHECK(strcmp(a, b) != 0);
    CHECK(auth_token_eq(a, a));
    CHECK(!auth_token_eq(a, b));
    CHECK(!auth_token_eq(a, NULL));
    CHECK(!auth_token_eq("", ""));
    auth_token_hash(a, ha);
    CHECK_INT(strlen(ha), 64);
    char pw[17];
    auth_random_password(pw, 16);
    CHECK_INT(strlen(pw), 16);
}
