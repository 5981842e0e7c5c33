/* SPDX-License-Identifier: Proprietary */
#include "datastore/datastore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libyang/plugins.h>

#include "datastore/yang_modules.h"

const char *const ds_names[DS_COUNT] = {
	[DS_RUNNING] = "running",
	[DS_CANDIDATE] = "candidate",
	[DS_STARTUP_DS] = "startup",
};

/* The ietf-netconf features rampart-cp implements; libnetconf2 advertises a
 * capability for each (RFC 6241 section 8). */
static const char *netconf_features[] = {
	"writable-running", "candidate", "rollback-on-error", "validate",
	"startup", "xpath", "confirmed-commit", NULL,
};

static LY_ERR ds_import_clb(const char *mod_name, const char *mod_rev,
			    const char *submod_name, const char *sub_rev,
			    void *user_data, LYS_INFORMAT *format,
			    const char **module_data,
			    void (**free_module_data)(void *, void *))
{
	const struct ds_yang_module *m;

	(void)user_data;
	(void)sub_rev;
	if (submod_name)
		return LY_ENOTFOUND;
	for (m = ds_yang_modules; m->name; m++) {
		if (strcmp(m->name, mod_name) != 0)
			continue;
		if (mod_rev && (!m->revision || strcmp(mod_rev, m->revision) != 0))
			continue;
		*format = LYS_IN_YANG;
		*module_data = m->text;
		*free_module_data = NULL;
		return LY_SUCCESS;
	}
	return LY_ENOTFOUND;
}

static void ds_ly_err(const struct ly_ctx *ctx, const char *what, char *err, size_t errlen)
{
	const struct ly_err_item *e = ly_err_last(ctx);

	if (snprintf(err, errlen, "%s: %s%s%s", what, e && e->msg ? e->msg : "libyang error",
		     e && e->path ? " at " : "", e && e->path ? e->path : "") >= (int)errlen &&
	    errlen > 4)
		memcpy(err + errlen - 4, "...", 4);   /* say it was cut */
}

/* Where ds_ctx_new() looked for the type plugin, and whether it is in use. */
static char ds_plugin_path[4096];
static bool ds_plugin_loaded;

/* The type plugin (datastore/yang_types.c) beside the running binary, added
 * once a context exists (libyang's rule) and before any module is compiled
 * (a type takes its plugin when compiled). Absent, libyang's own plugins
 * do the same work, slower. */
static void ds_add_type_plugin(void)
{
	char exe[4000];   /* leaves room for "/" DS_TYPE_PLUGIN */
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	snprintf(ds_plugin_path, sizeof(ds_plugin_path), "%s/%s", exe, DS_TYPE_PLUGIN);
	if (access(ds_plugin_path, R_OK) == 0 && lyplg_add(ds_plugin_path) == LY_SUCCESS)
		ds_plugin_loaded = true;
}

const char *ds_type_plugin(bool *loaded)
{
	*loaded = ds_plugin_loaded;
	return ds_plugin_path;
}

int ds_ctx_new(struct ly_ctx **ctxp, char *err, size_t errlen)
{
	static const char *const mods[] = {
		"ietf-netconf", "ietf-netconf-with-defaults", "ietf-netconf-monitoring",
		"notifications", "nc-notifications", "ietf-netconf-notifications", "ietf-netconf-acm",
		DS_MODULE, "rampart-system", NULL,
	};
	struct ly_ctx *ctx;
	int i;

	if (ly_ctx_new(NULL, LY_CTX_DISABLE_SEARCHDIRS, &ctx)) {
		snprintf(err, errlen, "cannot create a libyang context");
		return -1;
	}
	ly_ctx_set_module_imp_clb(ctx, ds_import_clb, NULL);
	ds_add_type_plugin();
	for (i = 0; mods[i]; i++) {
		const char **features = strcmp(mods[i], "ietf-netconf") == 0 ?
					netconf_features : NULL;

		if (!ly_ctx_load_module(ctx, mods[i], NULL, features)) {
			ds_ly_err(ctx, mods[i], err, errlen);
			ly_ctx_destroy(ctx);
			return -1;
		}
	}
	*ctxp = ctx;
	return 0;
}

int ds_validate(struct ly_ctx *ctx, struct lyd_node **tree,
		char *msg, size_t msglen, char *path, size_t pathlen)
{
	const struct ly_err_item *e;

	if (lyd_validate_all(tree, ctx, LYD_VALIDATE_NO_STATE, NULL) == LY_SUCCESS)
		return 0;
	e = ly_err_last(ctx);
	snprintf(msg, msglen, "%s", e && e->msg ? e->msg : "validation failed");
	snprintf(path, pathlen, "%s", e && e->path ? e->path : "");
	return -1;
}

int ds_to_dp_json(const struct lyd_node *tree, json_t **doc, char *err, size_t errlen)
{
	const struct lyd_node *top = NULL, *n;
	json_error_t jerr;
	json_t *all, *inner;
	char *text = NULL;

	LY_LIST_FOR(tree, n) {
		if (n->schema && strcmp(n->schema->name, "dataplane") == 0 &&
		    strcmp(n->schema->module->name, DS_MODULE) == 0)
			top = n;
	}
	if (!top) {
		snprintf(err, errlen, "the configuration has no %s container", DS_TOP);
		return -1;
	}
	if (lyd_print_mem(&text, top, LYD_JSON, LYD_PRINT_SHRINK | LYD_PRINT_WD_EXPLICIT)) {
		snprintf(err, errlen, "cannot print the configuration as JSON");
		return -1;
	}
	all = json_loads(text, 0, &jerr);
	free(text);
	inner = json_object_get(all, DS_MODULE ":dataplane");
	if (!json_is_object(inner)) {
		snprintf(err, errlen, "cannot convert the configuration to the dataplane document");
		json_decref(all);
		return -1;
	}
	json_incref(inner);
	json_decref(all);
	/* The dataplane requires "ports"; YANG prints no empty list. */
	if (!json_object_get(inner, "ports"))
		json_object_set_new(inner, "ports", json_array());
	*doc = inner;
	return 0;
}

int ds_from_dp_json(struct ly_ctx *ctx, const json_t *doc, struct lyd_node **tree,
		    char *err, size_t errlen)
{
	json_t *wrap = json_pack("{s:O}", DS_MODULE ":dataplane", doc);
	char *text = wrap ? json_dumps(wrap, JSON_COMPACT) : NULL;
	LY_ERR rc;

	json_decref(wrap);
	if (!text) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*tree = NULL;
	rc = lyd_parse_data_mem(ctx, text, LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
				LYD_VALIDATE_NO_STATE, tree);
	free(text);
	if (rc) {
		ds_ly_err(ctx, "invalid configuration", err, errlen);
		lyd_free_all(*tree);
		*tree = NULL;
		return -1;
	}
	return 0;
}

void ds_dp_pointer_to_path(const json_t *doc, const char *pointer, char *out, size_t len)
{
	const json_t *cur = doc;
	const char *p = pointer;
	size_t used;
	char tok[128];

	used = (size_t)snprintf(out, len, "%s", DS_TOP);
	while (p && *p == '/' && used < len) {
		const char *end = strchr(p + 1, '/');
		size_t tl = end ? (size_t)(end - p - 1) : strlen(p + 1);

		if (tl >= sizeof(tok))
			break;
		memcpy(tok, p + 1, tl);
		tok[tl] = '\0';
		if (json_is_object(cur)) {
			cur = json_object_get(cur, tok);
			if (!cur)
				break;
			used += (size_t)snprintf(out + used, len - used, "/%s", tok);
		} else if (json_is_array(cur)) {
			const json_t *item, *key;
			unsigned long idx;
			char *e;

			idx = strtoul(tok, &e, 10);
			if (*e || !(item = json_array_get(cur, idx)))
				break;
			/* the document's only list, ports, is keyed by "port";
			 * leaf-list entries are named by value */
			key = json_object_get(item, "port");
			if (json_is_integer(key))
				used += (size_t)snprintf(out + used, len - used, "[port='%lld']",
							 (long long)json_integer_value(key));
			else if (json_is_string(item))
				used += (size_t)snprintf(out + used, len - used, "[.='%s']",
							 json_string_value(item));
			cur = item;
		} else {
			break;
		}
		p = end;
	}
	if (p && *p && used < len)
		snprintf(out + used, len - used, "%s", p);
}

int atomic_write_file(const char *dir, const char *name, const void *data, size_t len,
		      unsigned mode, char *err, size_t errlen)
{
	char tmp[4096], dst[4096];
	const char *b = data;
	size_t off = 0;
	int fd, dfd, rc;

	/* the pid keeps two writers (two daemons sharing a state directory,
	 * add-user next to a daemon) off each other's temp file */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, name, (int)getpid()) >= sizeof(tmp) ||
	    (size_t)snprintf(dst, sizeof(dst), "%s/%s", dir, name) >= sizeof(dst)) {
		snprintf(err, errlen, "path %s/%s is too long", dir, name);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return rc;
	}
	while (off < len) {
		ssize_t w = write(fd, b + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
			goto err_close;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", tmp, strerror(errno));
		goto err_close;
	}
	if (close(fd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot close %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, dst) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, dst, strerror(errno));
		unlink(tmp);
		return rc;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot sync the directory %s: %s", dir, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	close(dfd);
	return 0;

err_close:
	close(fd);
	unlink(tmp);
	return rc;
}

void ds_set(struct datastore *ds, enum ds_id id, struct lyd_node *tree)
{
	lyd_free_all(ds->tree[id]);
	ds->tree[id] = tree;
	ds->gen[id]++;
}

int ds_save_startup(struct datastore *ds, const struct lyd_node *tree, char *err, size_t errlen)
{
	struct lyd_node *copy = NULL;
	char *text = NULL;
	int rc;

	if (tree && lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &copy)) {
		snprintf(err, errlen, "cannot copy the configuration: out of memory");
		return -1;
	}
	if (lyd_print_mem(&text, copy, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT)) {
		snprintf(err, errlen, "cannot print the configuration");
		lyd_free_all(copy);
		return -1;
	}
	rc = atomic_write_file(ds->state_dir, DS_STARTUP, text ? text : "{}\n",
			       text ? strlen(text) : 3, 0600, err, errlen);
	free(text);
	if (rc) {
		lyd_free_all(copy);
		return -1;
	}
	ds_set(ds, DS_STARTUP_DS, copy);
	ds->has_startup = true;
	return 0;
}

int ds_delete_startup(struct datastore *ds, char *err, size_t errlen)
{
	char path[4096];
	int dfd;

	snprintf(path, sizeof(path), "%s/%s", ds->state_dir, DS_STARTUP);
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
		return -1;
	}
	dfd = open(ds->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ds_set(ds, DS_STARTUP_DS, NULL);
	ds->has_startup = false;
	return 0;
}

/* A process killed between creating its temp file and the rename leaves
 * .startup.json.PID.tmp behind; only the daemon writes startup, and it
 * opens the datastore before it writes, so any such file is stale. */
static void ds_remove_stale_temps(const char *state_dir)
{
	static const char prefix[] = "." DS_STARTUP ".";
	struct dirent *e;
	DIR *d = opendir(state_dir);
	char path[4096];

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);

		if (strncmp(e->d_name, prefix, sizeof(prefix) - 1) || n < 4 ||
		    strcmp(e->d_name + n - 4, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

int ds_open(struct datastore *ds, const char *state_dir, const json_t *default_cfg,
	    char *err, size_t errlen)
{
	struct lyd_node *start = NULL, *run = NULL, *cand = NULL;
	char path[4096];
	struct stat st;

	*ds = (struct datastore){ 0 };
	ds->state_dir = strdup(state_dir);
	if (!ds->state_dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (ds_ctx_new(&ds->ctx, err, errlen))
		goto err;

	ds_remove_stale_temps(state_dir);
	snprintf(path, sizeof(path), "%s/%s", state_dir, DS_STARTUP);
	if (stat(path, &st) == 0) {
		if (lyd_parse_data_path(ds->ctx, path, LYD_JSON,
					LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
					LYD_VALIDATE_NO_STATE, &start)) {
			char why[512];

			ds_ly_err(ds->ctx, path, why, sizeof(why));
			snprintf(err, errlen, "the startup configuration does not load: %s", why);
			lyd_free_all(start);
			goto err;
		}
		ds->has_startup = true;
		if (start && lyd_dup_siblings(start, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &run))
			goto oom;
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto err;
	} else if (ds_from_dp_json(ds->ctx, default_cfg, &run, err, errlen)) {
		goto err;
	}
	if (run && lyd_dup_siblings(run, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &cand))
		goto oom;
	ds->tree[DS_STARTUP_DS] = start;
	ds->tree[DS_RUNNING] = run;
	ds->tree[DS_CANDIDATE] = cand;
	return 0;

oom:
	snprintf(err, errlen, "out of memory");
	lyd_free_all(start);
	lyd_free_all(run);
	lyd_free_all(cand);
err:
	ds_close(ds);
	return -1;
}

void ds_close(struct datastore *ds)
{
	int i;

	if (!ds)
		return;
	for (i = 0; i < DS_COUNT; i++)
		lyd_free_all(ds->tree[i]);
	if (ds->ctx)
		ly_ctx_destroy(ds->ctx);
	free(ds->state_dir);
	*ds = (struct datastore){ 0 };
}
