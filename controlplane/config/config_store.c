/* SPDX-License-Identifier: Proprietary */
#include "config/config_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/frame.h"
#include "config/default_config.h"

#define DEFAULT_SOURCE "embedded default"

int config_check(const json_t *cfg, char *err, size_t errlen)
{
	const json_t *schema;

	if (!json_is_object(cfg)) {
		snprintf(err, errlen, "the configuration is not a JSON object");
		return -EINVAL;
	}
	schema = json_object_get(cfg, "schema");
	if (!schema) {
		snprintf(err, errlen, "/schema: missing");
		return -EINVAL;
	}
	if (!json_is_integer(schema) ||
	    json_integer_value(schema) != CP_CONFIG_SCHEMA) {
		snprintf(err, errlen, "/schema: must be the integer %d", CP_CONFIG_SCHEMA);
		return -EINVAL;
	}
	return 0;
}

/* Parse one JSON document held in memory; name is used in messages. */
static int config_parse(const char *name, const char *text, size_t len,
			json_t **cfg, char *err, size_t errlen)
{
	char why[160];
	json_error_t jerr;
	json_t *doc;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc) {
		snprintf(err, errlen, "%s:%d:%d: invalid JSON: %s",
			 name, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (config_check(doc, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", name, why);
		json_decref(doc);
		return -EINVAL;
	}
	*cfg = doc;
	return 0;
}

/* Read the whole of a regular file of at most max bytes into a malloc'd
 * buffer. Reading one byte more than allowed tells a too-large file apart
 * (also for files whose st_size lies, like those in /proc). */
static int read_file(const char *path, size_t max, char **data, size_t *len,
		     char *err, size_t errlen)
{
	size_t cap, n = 0;
	struct stat st;
	char *buf, *nb;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-rc));
		goto err_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = -EISDIR;
		snprintf(err, errlen, "cannot read %s: it is a directory", path);
		goto err_close;
	}

	cap = S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= max ?
	      (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "cannot read %s: out of memory", path);
		goto err_close;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap = cap > max / 2 ? max + 1 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				rc = -ENOMEM;
				snprintf(err, errlen, "cannot read %s: out of memory", path);
				goto err_free;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-rc));
			goto err_free;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -EFBIG;
			snprintf(err, errlen, "%s is larger than %zu bytes", path, max);
			goto err_free;
		}
	}
	close(fd);
	*data = buf;
	*len = n;
	return 0;

err_free:
	free(buf);
err_close:
	close(fd);
	return rc;
}

int config_load_file(const char *path, json_t **cfg, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	/* A file larger than a frame's JSON could never be pushed. */
	rc = read_file(path, CTL_JSON_MAX, &text, &len, err, errlen);
	if (rc)
		return rc;
	rc = config_parse(path, text, len, cfg, err, errlen);
	free(text);
	return rc;
}

int config_load_default(json_t **cfg, char *err, size_t errlen)
{
	return config_parse(DEFAULT_SOURCE, cp_default_config,
			    cp_default_config_len, cfg, err, errlen);
}

void config_store_fini(struct config_store *s)
{
	if (!s)
		return;
	json_decref(s->running);
	free(s->source);
	s->running = NULL;
	s->source = NULL;
}

int config_store_replace(struct config_store *s, json_t *cfg, const char *source)
{
	char *src = strdup(source ? source : DEFAULT_SOURCE);

	if (!src) {
		json_decref(cfg);
		return -ENOMEM;
	}
	json_decref(s->running);
	free(s->source);
	s->running = cfg;
	s->source = src;
	return 0;
}
