/* staffphone.h: officials' phone numbers, encrypted at rest (app/secret.h)
 * and masked wherever they are shown (text/pii.h). The plain number exists
 * only in memory, between checking and sealing, or opening and masking. */
#ifndef MINYI_STAFFPHONE_H
#define MINYI_STAFFPHONE_H
#include <jansson.h>
#include "app/secret.h"
#include "store/store.h"

/* Loads the key at path for database st. A missing file is created (mode
 * 0600) only while no phone is sealed yet; with sealed phones it is an
 * error naming how many would be lost. Returns 0, 1 (created) or -1 with err. */
int staffphone_key(store *st, const char *path, secret_key *k, char *err, size_t errlen);

/* Checks phone (app/validate.h valid_phone: full-width digits made ASCII,
 * nonsense refused), seals it under k and stores it for user_id. Returns 0;
 * -1 with err when the number is refused; -2 when the store failed. */
int staffphone_set(store *st, const secret_key *k, int64_t user_id, str phone, char *err, size_t errlen);

/* Sets "phone" on each object of users (a user_list array, by "id"): the
 * masked number, or null. A number sealed under another key shows as
 * "(key mismatch)": the key file is not the one the number was sealed with. */
int staffphone_mask_list(store *st, const secret_key *k, json_t *users);

/* Re-seals every phone sealed under old with nk, in one transaction.
 * Phones already sealed under nk are left alone (a rotation interrupted
 * after its commit can be run again). Returns 0 with *count, or -1 with err. */
int staffphone_rotate(store *st, const secret_key *old, const secret_key *nk, int64_t *count, char *err, size_t errlen);

#endif
