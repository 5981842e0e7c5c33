/* SPDX-License-Identifier: Proprietary
 * rampart-cp's running configuration.
 *
 * The running configuration is the document rampart-cp considers active and
 * re-pushes to the dataplane after every (re)connect. It is kept as one
 * jansson object, loaded from a file (--config) or from the default embedded
 * in the binary. rampart-cp only checks JSON syntax and "schema" here; the
 * real validation is the dataplane's (docs/CONTROL-CHANNEL.md), which answers
 * every config-push with ok or the first bad field.
 *
 * Loaders never touch the store: a candidate is loaded, pushed, and only
 * becomes running through config_store_replace() once the dataplane took it.
 * All functions run on rampart-cp's only thread and do not block except for
 * reading the file.
 */
#ifndef RAMPART_CP_CONFIG_STORE_H
#define RAMPART_CP_CONFIG_STORE_H

#include <stddef.h>
#include <jansson.h>

/* The configuration schema this rampart-cp writes and checks. */
#define CP_CONFIG_SCHEMA 1

/* All-zero is a valid, empty store. */
struct config_store {
	json_t *running;  /* NULL until the first config_store_replace() */
	char *source;     /* where running came from: a path or "embedded default" */
};

/* Load and check (config_check()) a configuration file.
 * @param[in]  path    file to read; at most CTL_JSON_MAX bytes
 * @param[out] cfg     new reference on success
 * @param[out] err     reason on failure, naming the file (and line:column)
 * Returns 0, -errno when the file cannot be read (-EFBIG when too large),
 * -EINVAL when it is not valid JSON or fails config_check(). */
int config_load_file(const char *path, json_t **cfg, char *err, size_t errlen);

/* Load the embedded default configuration. Same returns as config_load_file;
 * a failure means a broken build. */
int config_load_default(json_t **cfg, char *err, size_t errlen);

/* The local check: cfg is an object whose "schema" is CP_CONFIG_SCHEMA.
 * Returns 0 or -EINVAL with err naming the member ("/schema: ..."). */
int config_check(const json_t *cfg, char *err, size_t errlen);

/* Frees the running configuration; accepts NULL and a zeroed store. */
void config_store_fini(struct config_store *s);

/* Make cfg (the caller's reference is taken over) the running configuration,
 * recording where it came from (a path; NULL = the embedded default).
 * Returns 0 or -ENOMEM (cfg is then released and the store unchanged). */
int config_store_replace(struct config_store *s, json_t *cfg, const char *source);

/* Borrowed; NULL when none. */
static inline json_t *config_store_running(const struct config_store *s)
{
	return s->running;
}

static inline const char *config_store_source(const struct config_store *s)
{
	return s->source ? s->source : "(none)";
}

#endif
