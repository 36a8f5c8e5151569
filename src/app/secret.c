/* secret.c: see secret.h. Key file: one line "minyi-key-v1 <64 hex digits>". */
#include "app/secret.h"
#include <sodium.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "minyi-key-v1 "
#define HDR 2                                   /* "S1" */
#define OVERHEAD (HDR + 4 + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)

static void fingerprint(secret_key *k) {
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, k->k, sizeof k->k, NULL, 0);
    memcpy(k->id, h, sizeof k->id);
}

void secret_default_path(const char *db_uri, char *out, size_t cap) {
    const char *p = db_uri;
    if (!strncmp(p, "sqlite:", 7)) p += 7;
    if (!strncmp(p, "//", 2)) p += 2;
    size_t n = strcspn(p, "?");
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++) if (p[i] == '/') slash = p + i;
    if (strstr(db_uri, "://") && strncmp(db_uri, "sqlite:", 7)) slash = NULL;   /* not a file: the working directory */
    if (slash) snprintf(out, cap, "%.*s/minyi.key", (int)(slash - p), p);
    else snprintf(out, cap, "minyi.key");
}

void secret_key_new(secret_key *k) {
    randombytes_buf(k->k, sizeof k->k);
    fingerprint(k);
}

int secret_key_write(const char *path, const secret_key *k, char *err, size_t errlen) {
    char tmp[4200], line[sizeof MAGIC + 64 + 2];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    memcpy(line, MAGIC, sizeof MAGIC - 1);
    sodium_bin2hex(line + sizeof MAGIC - 1, 65, k->k, sizeof k->k);
    strcat(line, "\n");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { snprintf(err, errlen, "%.300s: cannot create the key file: %s", tmp, strerror(errno)); return -1; }
    bool ok = write(fd, line, strlen(line)) == (ssize_t)strlen(line) && fchmod(fd, 0600) == 0 && fsync(fd) == 0;
    close(fd);
    sodium_memzero(line, sizeof line);
    if (!ok || rename(tmp, path)) { unlink(tmp); snprintf(err, errlen, "%.300s: cannot write the key file", path); return -1; }
    return 0;
}

int secret_key_load(const char *path, bool create, secret_key *k, char *err, size_t errlen) {
    int fd = open(path, O_RDONLY);
    if (fd < 0 && errno == ENOENT && create) {
        secret_key_new(k);
        return secret_key_write(path, k, err, errlen) ? -1 : 1;
    }
    if (fd < 0) { snprintf(err, errlen, "%.300s: cannot read the key file: %s", path, strerror(errno)); return -1; }
    struct stat sb;
    char line[256];
    ssize_t n = fstat(fd, &sb) == 0 ? read(fd, line, sizeof line - 1) : -1;
    close(fd);
    if (n < 0) { snprintf(err, errlen, "%.300s: cannot read the key file", path); return -1; }
    if (sb.st_mode & 077) {
        snprintf(err, errlen, "%.300s: the key file is readable by others (mode %03o); chmod 600 it", path, (unsigned)(sb.st_mode & 0777));
        return -1;
    }
    line[n] = 0;
    size_t bin = 0;
    const char *hex = line + sizeof MAGIC - 1;
    if (strncmp(line, MAGIC, sizeof MAGIC - 1) || strspn(hex, "0123456789abcdef") != 64
        || sodium_hex2bin(k->k, sizeof k->k, hex, 64, NULL, &bin, NULL) || bin != sizeof k->k) {
        sodium_memzero(line, sizeof line);
        snprintf(err, errlen, "%.300s: not a minyi key file (expected \"%s<64 hex digits>\")", path, MAGIC);
        return -1;
    }
    sodium_memzero(line, sizeof line);
    fingerprint(k);
    return 0;
}

int secret_seal(const secret_key *k, const void *p, size_t n, buf *out) {
    if (buf_reserve(out, n + OVERHEAD)) return -1;
    unsigned char *o = (unsigned char *)out->p + out->n;
    memcpy(o, "S1", HDR);
    memcpy(o + HDR, k->id, 4);
    unsigned char *nonce = o + HDR + 4;
    randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, p, n, nonce, k->k);
    out->n += n + OVERHEAD;
    out->p[out->n] = 0;
    return 0;
}

bool secret_sealed_by(const secret_key *k, const void *c, size_t n) {
    return n >= OVERHEAD && !memcmp(c, "S1", HDR) && !memcmp((const char *)c + HDR, k->id, 4);
}

int secret_open(const secret_key *k, const void *c, size_t n, buf *out) {
    const unsigned char *b = c;
    if (n < OVERHEAD || memcmp(b, "S1", HDR)) return -1;
    if (memcmp(b + HDR, k->id, 4)) return -2;
    size_t m = n - OVERHEAD;
    if (buf_reserve(out, m + 1)) return -1;
    const unsigned char *nonce = b + HDR + 4;
    if (crypto_secretbox_open_easy((unsigned char *)out->p + out->n, nonce + crypto_secretbox_NONCEBYTES,
                                   n - HDR - 4 - crypto_secretbox_NONCEBYTES, nonce, k->k)) return -1;
    out->n += m;
    out->p[out->n] = 0;
    return 0;
}
