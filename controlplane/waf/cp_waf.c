/* SPDX-License-Identifier: Proprietary
 * rampart-cp: compile the configured rule sets and ship them (cp_waf.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compile/crs_import.h"
#include "log.h"
#include "waf/cp_waf.h"
#include "waf/waf_program.h"

#define MAX_SETS 8   /* CFG_WAF_MAX_RULE_SETS: the dataplane refuses more */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool rule_file(const char *name)
{
	size_t l = strlen(name);

	return (l > 5 && strcmp(name + l - 5, ".conf") == 0) ||
	       (l > 5 && strcmp(name + l - 5, ".data") == 0);
}

/* Hash of the names and bytes of @dir's *.conf and *.data, in name order;
 * an unreadable directory or file hashes as its error. */
static uint64_t hash_dir(uint64_t h, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;

	h = fnv(h, dir, strlen(dir) + 1);
	if (!d) {
		int e = errno;

		return fnv(h, &e, sizeof(e));
	}
	while ((de = readdir(d))) {
		char **nn;

		if (!rule_file(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn)
			break;
		names = nn;
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char path[4096], buf[65536];
		FILE *f;
		size_t k;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		h = fnv(h, names[i], strlen(names[i]) + 1);
		f = fopen(path, "rb");
		if (!f) {
			h = fnv(h, "?", 1);
		} else {
			while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
				h = fnv(h, buf, k);
			fclose(f);
		}
		free(names[i]);
	}
	free(names);
	return h;
}

/* The document's rule-set directories (at most MAX_SETS). */
static size_t rule_sets(const json_t *config, const char **dirs)
{
	const json_t *sets = json_object_get(json_object_get(config, "waf"), "rule-sets");
	size_t n = 0, i;
	json_t *e;

	json_array_foreach(sets, i, e) {
		const char *d = json_string_value(e);

		if (d && n < MAX_SETS)
			dirs[n++] = d;
	}
	return n;
}

/* Import every set and compile the program; on success it replaces the
 * last good one. */
static void compile(struct cp_waf *w, const char *const *dirs, size_t ndirs)
{
	struct waf_ruleset rs[MAX_SETS];
	struct waf_rule **rules = NULL;
	struct waf_program *prog = NULL;
	uint8_t *blob = NULL;
	size_t n = 0, cap = 0, len = 0;
	char err[512] = "";
	struct timespec t0, t1;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(rs, 0, sizeof(rs));
	for (size_t d = 0; d < ndirs && rc == 0; d++) {
		rc = crs_import_dir(&rs[d], dirs[d]);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s: %s", dirs[d], strerror(-rc));
		else if (rs[d].n_errors)
			log_warn("WAF rule set %s: %zu parse errors (first: %s:%u: %s)", dirs[d],
				 rs[d].n_errors, rs[d].errors[0].file, rs[d].errors[0].line,
				 rs[d].errors[0].msg);
	}
	/* The engine compiles every pattern; if one does not compile,
	 * crs_hs_check() moves the rules whose patterns compile nowhere to the
	 * skipped list and the build is tried once more (like rampart-waf). */
	for (int attempt = 0; attempt < 2 && rc == 0 && !prog; attempt++) {
		n = 0;
		for (size_t d = 0; d < ndirs && rc == 0; d++) {
			if (attempt && crs_hs_check(&rs[d]) < 0)
				rc = -ENOMEM;
			for (size_t i = 0; rc == 0 && i < rs[d].n_imported; i++) {
				if (n == cap) {
					struct waf_rule **nr = realloc(rules, (cap ? cap * 2 : 256) *
									   sizeof(*nr));
					if (!nr) {
						rc = -ENOMEM;
						break;
					}
					rules = nr;
					cap = cap ? cap * 2 : 256;
				}
				rules[n++] = rs[d].imported[i];
			}
		}
		if (rc == 0)
			prog = waf_program_compile(rules, n, dirs, ndirs, &blob, &len, err,
						   sizeof(err));
	}
	if (rc == -ENOMEM && !err[0])
		snprintf(err, sizeof(err), "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (prog) {
		free(w->blob);
		w->blob = blob;
		w->blob_len = len;
		w->prog_hash = prog->hash;
		w->rules = waf_engine_rule_count(prog->engine);
		w->databases = prog->hsdb_count;
		log_info("WAF program %016" PRIx64 " compiled from %zu rule set(s): %zu rules, %zu Hyperscan databases, %zu bytes, %.0f ms",
			 prog->hash, ndirs, w->rules, w->databases, len,
			 (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
				 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	} else {
		log_error("WAF rule sets do not compile: %s; %s", err[0] ? err : "unknown error",
			  w->blob ? "keeping the last good program" : "no program to ship");
	}
	waf_program_free(prog);
	free(rules);
	for (size_t d = 0; d < ndirs; d++)
		waf_ruleset_free(&rs[d]);
}

void cp_waf_prepare(struct cp_waf *w, const json_t *config, const uint8_t **blob, size_t *len)
{
	const char *dirs[MAX_SETS];
	size_t ndirs = rule_sets(config, dirs);
	uint64_t h = 0xcbf29ce484222325ull;

	*blob = NULL;
	*len = 0;
	if (ndirs == 0)
		return;   /* no rule sets configured: nothing to ship */
	for (size_t d = 0; d < ndirs; d++)
		h = hash_dir(h, dirs[d]);
	if (!w->files_known || h != w->files_hash) {
		w->files_hash = h;
		w->files_known = true;
		compile(w, dirs, ndirs);
	}
	if (w->blob && w->prog_hash != w->shipped) {
		*blob = w->blob;
		*len = w->blob_len;
	}
}

void cp_waf_sent(struct cp_waf *w, const uint8_t *blob)
{
	w->inflight = blob ? w->prog_hash : 0;
	if (blob)
		log_info("shipping WAF program %016" PRIx64 " (%zu bytes) with the configuration",
			 w->prog_hash, w->blob_len);
}

void cp_waf_push_done(struct cp_waf *w, bool ok)
{
	if (ok && w->inflight)
		w->shipped = w->inflight;
	w->inflight = 0;
}

void cp_waf_session_reset(struct cp_waf *w)
{
	w->shipped = 0;
	w->inflight = 0;
}

void cp_waf_free(struct cp_waf *w)
{
	free(w->blob);
	memset(w, 0, sizeof(*w));
}
