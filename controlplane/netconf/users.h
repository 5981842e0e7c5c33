/* SPDX-License-Identifier: Proprietary
 * NETCONF users: STATE_DIR/users.json, mode 0600,
 *
 *   {"users": {"admin": {"password": "$y$j9T$...",
 *                        "authorized-keys": ["ssh-rsa AAAA... comment"],
 *                        "groups": ["operators"]}}}
 *
 * Passwords are stored only as crypt(3) hashes (libxcrypt's preferred
 * method, yescrypt). The file is read at every password check, so
 * `rampart-cp add-user` takes effect without a restart; public keys are
 * read at start. All functions are thread-safe (crypt_rn with a private
 * buffer) and block on file I/O only.
 */
#ifndef RAMPART_CP_NETCONF_USERS_H
#define RAMPART_CP_NETCONF_USERS_H

#include <stddef.h>

#define USERS_FILE "users.json"

/* A user name: 1..64 of [A-Za-z0-9._-], not starting with '-'. */
int users_name_ok(const char *name);

/* Add NAME or change its password. Creates STATE_DIR (0700) and the file
 * as needed; the file is replaced atomically. Returns 0 or -1 with err. */
int users_set_password(const char *state_dir, const char *name, const char *password,
		       char *err, size_t errlen);

/* 0 when NAME exists and password matches its hash, -1 otherwise. */
int users_check_password(const char *state_dir, const char *name, const char *password);

/* 0 when stored is a crypt(3) hash of password, -1 otherwise (also for
 * NULL or a value that is not a hash). */
int users_hash_matches(const char *stored, const char *password);

/* Call fn(name) for every user of the file. Returns the number of users,
 * or -1 when the file exists but cannot be read. */
int users_for_each_name(const char *state_dir, void (*fn)(const char *name, void *arg),
			void *arg);

/* Call add(base64, type_name, user) for every authorized key. Returns the
 * number of keys, or -1 when the file exists but cannot be read (err). */
int users_for_each_key(const char *state_dir,
		       void (*add)(const char *type, const char *base64, const char *user, void *arg),
		       void *arg, char *err, size_t errlen);

/* Set NAME's NACM groups (an existing user; csv: "g1,g2", each 1..64 of
 * [A-Za-z0-9._-]; "" clears them). They are the user's external groups
 * (RFC 8341 3.2.3, used unless /nacm/enable-external-groups is false): an
 * operator added after NACM is configured gets rights by a group named in
 * its rule-lists. Returns 0 or -1 with err. */
int users_set_groups(const char *state_dir, const char *name, const char *csv,
		     char *err, size_t errlen);

/* NAME's groups as "g1,g2" (malloc'd), or NULL when none. */
char *users_groups(const char *state_dir, const char *name);

/* Number of users in the file (0 when there is none). */
int users_count(const char *state_dir);

#endif
