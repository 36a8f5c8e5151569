/* staffphone.c: see staffphone.h. */
#include "app/staffphone.h"
#include "app/validate.h"
#include "text/pii.h"
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count_cb(void *ud, int64_t id, const void *c, size_t n) { (void)id; (void)c; (void)n; (*(int64_t *)ud)++; return 0; }

int staffphone_key(store *st, const char *path, secret_key *k, char *err, size_t errlen) {
    if (access(path, F_OK) != 0) {
        int64_t sealed = 0;
        if (st->ops->user_phone_each(st, count_cb, &sealed)) { snprintf(err, errlen, "%s", store_errmsg(st)); return -1; }
        if (sealed) {
            snprintf(err, errlen, "%.300s: key file missing, and %lld phone numbers in the database are sealed with it; "
                     "restore the key file (or pass --key-file) rather than making a new key", path, (long long)sealed);
            return -1;
        }
    }
    return secret_key_load(path, true, k, err, errlen);
}

int staffphone_set(store *st, const secret_key *k, int64_t user_id, str phone, char *err, size_t errlen) {
    char norm[64];
    size_t nn = 0;
    valid_err e = {0};
    if (valid_phone(phone, norm, sizeof norm, &nn, &e)) {
        snprintf(err, errlen, "%s", e.message[0] ? e.message : "phone is not a phone number");
        return -1;
    }
    buf sealed = {0};
    int rc = secret_seal(k, norm, nn, &sealed);
    sodium_memzero(norm, sizeof norm);
    if (rc) { snprintf(err, errlen, "out of memory"); return -2; }
    rc = st->ops->user_phone_set(st, user_id, sealed.p, sealed.n);
    buf_free(&sealed);
    if (rc) { snprintf(err, errlen, "%s", rc == STORE_NOT_FOUND ? "no such user" : store_errmsg(st)); return -2; }
    return 0;
}

typedef struct { const secret_key *k; json_t *byid; } mask_ctx;

static int mask_cb(void *ud, int64_t id, const void *c, size_t n) {
    mask_ctx *m = ud;
    buf plain = {0}, out = {0};
    int rc = secret_open(m->k, c, n, &plain);
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)id);
    if (rc == 0 && pii_mask(plain.p, plain.n, PII_ALL, &out) == 0) {
        /* A number the masker does not recognise (a short extension, say)
         * still must not go out whole: keep the first 3 and last 2 digits. */
        if (out.n == plain.n && !memcmp(out.p, plain.p, plain.n)) {
            buf_reset(&out);
            for (size_t i = 0; i < plain.n; i++) buf_putc(&out, i < 3 || i + 2 >= plain.n ? plain.p[i] : '*');
        }
        json_object_set_new(m->byid, key, json_stringn(out.p, out.n));
    } else json_object_set_new(m->byid, key, json_string(rc == -2 ? "(key mismatch)" : "(unreadable)"));
    if (plain.p) sodium_memzero(plain.p, plain.n);
    buf_free(&plain); buf_free(&out);
    return 0;
}

int staffphone_mask_list(store *st, const secret_key *k, json_t *users) {
    mask_ctx m = { k, json_object() };
    int rc = st->ops->user_phone_each(st, mask_cb, &m);
    size_t i; json_t *u;
    json_array_foreach(users, i, u) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(json_object_get(u, "id")));
        json_t *p = json_object_get(m.byid, key);
        json_object_set(u, "phone", p ? p : json_null());
    }
    json_decref(m.byid);
    return rc ? -1 : 0;
}

typedef struct { int64_t id; buf sealed; } reseal;
typedef struct { const secret_key *old, *nk; reseal *v; size_t n, cap; int bad; } rot_ctx;

static int rot_collect(void *ud, int64_t id, const void *c, size_t n) {
    rot_ctx *r = ud;
    if (secret_sealed_by(r->nk, c, n)) return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        reseal *v = realloc(r->v, cap * sizeof *v);
        if (!v) { r->bad = -1; return 1; }
        r->v = v; r->cap = cap;
    }
    buf plain = {0};
    reseal *x = &r->v[r->n];
    *x = (reseal){ id, {0} };
    int rc = secret_open(r->old, c, n, &plain);
    if (rc == 0) rc = secret_seal(r->nk, plain.p, plain.n, &x->sealed);
    if (plain.p) sodium_memzero(plain.p, plain.n);
    buf_free(&plain);
    if (rc) { buf_free(&x->sealed); r->bad = rc == -2 ? -2 : -1; return 1; }
    r->n++;
    return 0;
}

static int rot_write(store *st, void *arg) {
    rot_ctx *r = arg;
    for (size_t i = 0; i < r->n; i++) {
        int rc = st->ops->user_phone_set(st, r->v[i].id, r->v[i].sealed.p, r->v[i].sealed.n);
        if (rc) return rc;
    }
    return STORE_OK;
}

int staffphone_rotate(store *st, const secret_key *old, const secret_key *nk, int64_t *count, char *err, size_t errlen) {
    rot_ctx r = { old, nk, NULL, 0, 0, 0 };
    int rc = st->ops->user_phone_each(st, rot_collect, &r);
    if (rc) snprintf(err, errlen, "%s", store_errmsg(st));
    else if (r.bad == -2) snprintf(err, errlen, "a phone number is sealed with neither the current nor the new key; nothing changed");
    else if (r.bad) snprintf(err, errlen, "a sealed phone number could not be opened (damaged?); nothing changed");
    else if ((rc = st->ops->batch(st, rot_write, &r))) snprintf(err, errlen, "%s", store_errmsg(st));
    *count = (int64_t)r.n;
    for (size_t i = 0; i < r.n; i++) buf_free(&r.v[i].sealed);
    free(r.v);
    return rc || r.bad ? -1 : 0;
}
