/* secret_test.c: tests for src/app/secret.c: sealing round trip, wrong key,
 * tampering, truncation at every length, key files (made 0600, refused when
 * others can read them or when malformed), default key paths. */
#include "test.h"
#include "app/secret.h"
#include <sodium.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(seal_and_open) {
    CHECK(sodium_init() >= 0);
    secret_key k, other;
    secret_key_new(&k);
    secret_key_new(&other);
    buf c = {0}, p = {0};
    CHECK_INT(secret_seal(&k, "13812345678", 11, &c), 0);
    CHECK(memmem(c.p, c.n, "13812345678", 11) == NULL);
    CHECK(secret_sealed_by(&k, c.p, c.n));
    CHECK(!secret_sealed_by(&other, c.p, c.n));
    CHECK_INT(secret_open(&k, c.p, c.n, &p), 0);
    CHECK_INT(p.n, 11);
    CHECK_STR(p.p, "13812345678");
    buf_reset(&p);
    CHECK_INT(secret_open(&other, c.p, c.n, &p), -2);        /* another key: said so, not garbage */
    buf c2 = {0};
    CHECK_INT(secret_seal(&k, "13812345678", 11, &c2), 0);
    CHECK(c2.n == c.n && memcmp(c2.p, c.p, c.n) != 0);        /* fresh nonce each time */
    c.p[c.n - 1] ^= 1;                                        /* tampered */
    CHECK_INT(secret_open(&k, c.p, c.n, &p), -1);
    for (size_t l = 0; l < c2.n; l++) CHECK_INT(secret_open(&k, c2.p, l, &p), -1);
    buf_free(&c); buf_free(&c2); buf_free(&p);
}

TEST(key_files) {
    char dir[] = "/tmp/minyi_key_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/minyi.key", dir);
    secret_key a, b;
    CHECK_INT(secret_key_load(path, false, &a, err, sizeof err), -1);   /* missing, not asked to create */
    CHECK_INT(secret_key_load(path, true, &a, err, sizeof err), 1);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK_INT(secret_key_load(path, true, &b, err, sizeof err), 0);    /* loaded, not remade */
    CHECK(memcmp(a.k, b.k, 32) == 0 && memcmp(a.id, b.id, 4) == 0);
    chmod(path, 0644);
    CHECK_INT(secret_key_load(path, false, &b, err, sizeof err), -1);
    CHECK(strstr(err, "chmod 600") != NULL);
    FILE *f = fopen(path, "w"); fputs("minyi-key-v1 nothex\n", f); fclose(f);
    chmod(path, 0600);
    CHECK_INT(secret_key_load(path, false, &b, err, sizeof err), -1);
    CHECK(strstr(err, "not a minyi key file") != NULL);
    CHECK_INT(secret_key_write(path, &a, err, sizeof err), 0);
    CHECK_INT(secret_key_load(path, false, &b, err, sizeof err), 0);
    CHECK(memcmp(a.k, b.k, 32) == 0);
    unlink(path);
    rmdir(dir);
}

TEST(default_paths) {
    char p[256];
    secret_default_path("sqlite:var/minyi.db", p, sizeof p);
    CHECK_STR(p, "var/minyi.key");
    secret_default_path("sqlite:/srv/minyi/data.db?sync=normal", p, sizeof p);
    CHECK_STR(p, "/srv/minyi/minyi.key");
    secret_default_path("sqlite:x.db", p, sizeof p);
    CHECK_STR(p, "minyi.key");
    secret_default_path("sqlite:///abs/x.db", p, sizeof p);
    CHECK_STR(p, "/abs/minyi.key");
    secret_default_path("postgres://db.example/minyi", p, sizeof p);
    CHECK_STR(p, "minyi.key");
}
