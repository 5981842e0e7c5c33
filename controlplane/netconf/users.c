/* SPDX-License-Identifier: Proprietary */
#include "netconf/users.h"

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "datastore/datastore.h"

int users_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* The file's object, a new reference; an empty one when there is no file.
 * NULL when it exists but cannot be parsed. */
static json_t *users_load(const char *state_dir, char *err, size_t errlen)
{
	char path[4096];
	json_error_t jerr;
	json_t *doc;

	snprintf(path, sizeof(path), "%s/%s", state_dir, USERS_FILE);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return json_pack("{s:{}}", "users");
		snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(json_object_get(doc, "users"))) {
		snprintf(err, errlen, "%s: no \"users\" object", path);
		json_decref(doc);
		return NULL;
	}
	return doc;
}

int users_set_password(const char *state_dir, const char *name, const char *password,
		       char *err, size_t errlen)
{
	struct crypt_data *cd = NULL;
	json_t *doc = NULL, *user;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *hash;
	char *text = NULL;
	int rc = -1;

	if (!users_name_ok(name)) {
		snprintf(err, errlen, "bad user name '%s': 1 to 64 of A-Z a-z 0-9 . _ -", name);
		return -1;
	}
	if (!*password) {
		snprintf(err, errlen, "empty password");
		return -1;
	}
	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", state_dir, strerror(errno));
		return -1;
	}
	if (!crypt_gensalt_rn(NULL, 0, NULL, 0, salt, sizeof(salt))) {
		snprintf(err, errlen, "cannot generate a salt: %s", strerror(errno));
		return -1;
	}
	cd = calloc(1, sizeof(*cd));
	if (!cd) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	hash = crypt_rn(password, salt, cd, sizeof(*cd));
	if (!hash || hash[0] == '*') {
		snprintf(err, errlen, "cannot hash the password: %s", strerror(errno));
		goto out;
	}
	doc = users_load(state_dir, err, errlen);
	if (!doc)
		goto out;
	user = json_object_get(json_object_get(doc, "users"), name);
	if (!json_is_object(user)) {
		user = json_object();
		if (!user || json_object_set_new(json_object_get(doc, "users"), name, user))
			goto oom;
	}
	if (json_object_set_new(user, "password", json_string(hash)))
		goto oom;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!text)
		goto oom;
	if (atomic_write_file(state_dir, USERS_FILE, text, strlen(text), 0600, err, errlen) == 0)
		rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(text);
	json_decref(doc);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

static int ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = la != lb;

	for (i = 0; i < la && i < lb; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

int users_hash_matches(const char *stored, const char *password)
{
	struct crypt_data *cd;
	const char *hash;
	int rc = -1;

	cd = calloc(1, sizeof(*cd));
	if (stored && *stored == '$' && cd) {
		hash = crypt_rn(password, stored, cd, sizeof(*cd));
		if (hash && hash[0] != '*' && ct_equal(hash, stored))
			rc = 0;
	}
	if (cd) {
		explicit_bzero(cd, sizeof(*cd));
		free(cd);
	}
	return rc;
}

int users_check_password(const char *state_dir, const char *name, const char *password)
{
	const char *stored;
	char err[256];
	json_t *doc;
	int rc;

	doc = users_load(state_dir, err, sizeof(err));
	if (!doc)
		return -1;
	stored = json_string_value(json_object_get(
		json_object_get(json_object_get(doc, "users"), name), "password"));
	rc = users_hash_matches(stored, password);
	json_decref(doc);
	return rc;
}

int users_for_each_name(const char *state_dir, void (*fn)(const char *name, void *arg),
			void *arg)
{
	const char *name;
	char err[256];
	json_t *doc, *user;
	int n = 0;

	doc = users_load(state_dir, err, sizeof(err));
	if (!doc)
		return -1;
	json_object_foreach(json_object_get(doc, "users"), name, user) {
		fn(name, arg);
		n++;
	}
	json_decref(doc);
	return n;
}

int users_for_each_key(const char *state_dir,
		       void (*add)(const char *type, const char *base64, const char *user, void *arg),
		       void *arg, char *err, size_t errlen)
{
	const char *name;
	json_t *doc, *user;
	int n = 0;

	doc = users_load(state_dir, err, errlen);
	if (!doc)
		return -1;
	json_object_foreach(json_object_get(doc, "users"), name, user) {
		json_t *key;
		size_t i;

		json_array_foreach(json_object_get(user, "authorized-keys"), i, key) {
			char type[64], b64[8192];

			if (!json_is_string(key) ||
			    sscanf(json_string_value(key), "%63s %8191s", type, b64) != 2)
				continue;
			add(type, b64, name, arg);
			n++;
		}
	}
	json_decref(doc);
	return n;
}

int users_count(const char *state_dir)
{
	char err[256];
	json_t *doc = users_load(state_dir, err, sizeof(err));
	int n;

	if (!doc)
		return 0;
	n = (int)json_object_size(json_object_get(doc, "users"));
	json_decref(doc);
	return n;
}

int users_set_groups(const char *state_dir, const char *name, const char *csv,
		     char *err, size_t errlen)
{
	json_t *doc, *user, *groups = json_array();
	const char *p = csv;
	char *text = NULL;
	int rc = -1;

	while (groups && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char g[65];

		if (n == 0 || n >= sizeof(g)) {
			snprintf(err, errlen, "bad group list '%s': names of 1 to 64 characters, comma-separated", csv);
			json_decref(groups);
			return -1;
		}
		memcpy(g, p, n);
		g[n] = '\0';
		if (!users_name_ok(g)) {
			snprintf(err, errlen, "bad group name '%s': 1 to 64 of A-Z a-z 0-9 . _ -", g);
			json_decref(groups);
			return -1;
		}
		json_array_append_new(groups, json_string(g));
		p += n + (e ? 1 : 0);
	}
	if (!groups) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	doc = users_load(state_dir, err, errlen);
	if (!doc) {
		json_decref(groups);
		return -1;
	}
	user = json_object_get(json_object_get(doc, "users"), name);
	if (!json_is_object(user)) {
		snprintf(err, errlen, "no user %s", name);
		json_decref(groups);
		goto out;
	}
	if (json_object_set_new(user, "groups", groups) ||
	    !(text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (atomic_write_file(state_dir, USERS_FILE, text, strlen(text), 0600, err, errlen) == 0)
		rc = 0;
out:
	free(text);
	json_decref(doc);
	return rc;
}

char *users_groups(const char *state_dir, const char *name)
{
	char err[256], *out = NULL;
	json_t *doc = users_load(state_dir, err, sizeof(err)), *g;
	size_t i, len = 0;

	g = json_object_get(json_object_get(json_object_get(doc, "users"), name), "groups");
	for (i = 0; json_is_array(g) && i < json_array_size(g); i++) {
		const char *v = json_string_value(json_array_get(g, i));
		char *grown;

		if (!v || !users_name_ok(v))
			continue;
		grown = realloc(out, len + strlen(v) + 2);
		if (!grown)
			break;
		out = grown;
		len += (size_t)sprintf(out + len, "%s%s", len ? "," : "", v);
	}
	json_decref(doc);
	return out;
}
