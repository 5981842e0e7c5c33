/* SPDX-License-Identifier: Proprietary
 * The server's side of access control: NACM (netconf/nacm.h) applied to
 * sessions and requests, the NACM bootstrap, the users and session
 * settings of rampart-system, and their state data.
 *
 * Every check builds the session user's NACM view from running (RFC 8341
 * 3.4: the access control configuration is the one in running), so a
 * change of /nacm takes effect with the next request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libssh/libssh.h>

#include "log.h"
#include "netconf/nacm.h"
#include "netconf/netconf.h"
#include "netconf/netconf_p.h"
#include "netconf/users.h"

#define NACM_TOP    "/ietf-netconf-acm:nacm"
#define SYS_TOP     "/rampart-system:system"
#define SYS_STATE   "/rampart-system:system-state/netconf-server"
#define ADMIN_GROUP "admin"
#define BOOT_USERS_MAX 64

static const char *session_user(const struct nc_session *s)
{
	/* NULL (the server itself) only without a session */
	if (!s)
		return NULL;
	return nc_session_get_username(s) ? nc_session_get_username(s) : "";
}

/* For messages. */
static const char *user_label(const struct nc_session *s)
{
	const char *u = session_user(s);

	return u ? u : "(server)";
}

static void view(struct nc_session *s, struct nacm *n)
{
	if (nacm_init_ext(n, np.ds.tree[DS_RUNNING], session_user(s), np_session_groups(s)))
		log_warn("NETCONF: out of memory building the access rules; denying");
}

/* An access-denied rpc-error naming path, with message msg. */
static struct nc_server_reply *denied(const char *path, const char *user, const char *msg)
{
	log_warn("NETCONF: access denied to user %s: %s", user, msg);
	return np_err(NC_ERR_ACCESS_DENIED, path, "access denied: %s (NACM)", msg);
}

struct nc_server_reply *np_nacm_exec(const struct lysc_node *op, struct nc_session *s)
{
	struct nacm n;
	char path[256], msg[512];
	bool ok;

	view(s, &n);
	ok = nacm_exec_permitted(&n, op);
	nacm_fini(&n);
	if (ok)
		return NULL;
	snprintf(path, sizeof(path), "/%s:%s", op->module->name, op->name);
	snprintf(msg, sizeof(msg), "user %s may not execute %s", user_label(s), path);
	return denied(path, user_label(s), msg);
}

bool np_nacm_writes_all(struct nc_session *s)
{
	struct nacm n;
	bool all;

	view(s, &n);
	all = nacm_permits_all(&n, NACM_CREATE | NACM_UPDATE | NACM_DELETE);
	nacm_fini(&n);
	return all;
}

struct nc_server_reply *np_nacm_write(struct nc_session *s, const struct lyd_node *old,
				      const struct lyd_node *new)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *diff = NULL;
	char path[1024];
	struct nacm n;
	int r;

	view(s, &n);
	if (nacm_permits_all(&n, NACM_CREATE | NACM_UPDATE | NACM_DELETE))
		goto out;
	/* only the nodes that actually change are checked (RFC 8341 3.2.5) */
	if (lyd_diff_siblings(old, new, 0, &diff) != LY_SUCCESS) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "cannot compute the change: out of memory");
		goto out;
	}
	r = nacm_check_diff(&n, diff, path, sizeof(path));
	if (r < 0)
		err = np_err(NC_ERR_OP_FAILED, NULL, "cannot check access: out of memory");
	else if (r > 0) {
		char msg[1200];

		snprintf(msg, sizeof(msg), "user %s may not write %s", user_label(s), path);
		err = denied(path, user_label(s), msg);
	}
out:
	lyd_free_all(diff);
	nacm_fini(&n);
	return err;
}

struct nc_server_reply *np_nacm_copy(struct nc_session *s, enum ds_id src, bool inline_src,
				     const struct lyd_node *copy, enum ds_id dst)
{
	struct nc_server_reply *err = NULL;
	char path[1024], msg[1200];
	struct nacm n;
	int r;

	/* RFC 8341 (<copy-config>): running to startup needs only exec */
	if (!inline_src && src == DS_RUNNING && dst == DS_STARTUP_DS)
		return NULL;
	/* otherwise read access to all of the source... */
	if (!inline_src) {
		view(s, &n);
		r = nacm_check_readable(&n, copy, path, sizeof(path));
		nacm_fini(&n);
		if (r < 0)
			return np_err(NC_ERR_OP_FAILED, NULL, "cannot check access: out of memory");
		if (r > 0) {
			nacm_counters.denied_data_writes++;
			snprintf(msg, sizeof(msg), "user %s may not read %s of the %s datastore to copy it",
				 user_label(s), path, ds_names[src]);
			return denied(path, user_label(s), msg);
		}
	}
	/* ...and write access to what changes in the target */
	err = np_nacm_write(s, np.ds.tree[dst], copy);
	return err;
}

bool np_nacm_may_read(struct nc_session *s, const struct lyd_node *node,
		      const struct lysc_node *schema)
{
	struct nacm n;
	bool ok;

	view(s, &n);
	ok = node ? nacm_node_permitted(&n, node, NACM_READ) : nacm_schema_read_permitted(&n, schema);
	nacm_fini(&n);
	return ok;
}

struct nc_server_reply *np_nacm_hidden(struct nc_session *s, const char *path)
{
	char msg[1200];

	nacm_counters.denied_data_writes++;
	snprintf(msg, sizeof(msg), "user %s may not write %s", user_label(s), path);
	return denied(path, user_label(s), msg);
}

int np_nacm_prune(struct nc_session *s, struct lyd_node **tree)
{
	struct nacm n;
	int rc;

	view(s, &n);
	rc = nacm_prune_read(&n, tree);
	nacm_fini(&n);
	return rc;
}

struct nc_server_reply *np_nacm_view(struct nc_session *s, const struct lyd_node *tree,
				     const struct lyd_node **out, struct lyd_node **own)
{
	struct nacm n;
	bool all;

	*own = NULL;
	*out = tree;
	view(s, &n);
	all = nacm_permits_all(&n, NACM_READ);
	nacm_fini(&n);
	if (all)
		return NULL;
	/* prune before filtering, so that a filter cannot test hidden values */
	if (np_dup(tree, own) || np_nacm_prune(s, own)) {
		lyd_free_all(*own);
		*own = NULL;
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the data: out of memory");
	}
	*out = *own;
	return NULL;
}

/* The schema node of an instance path: the path without its predicates. */
static const struct lysc_node *schema_of(const char *target)
{
	char buf[1024];
	size_t o = 0;
	int depth = 0;
	char quote = 0;

	for (; *target && o + 1 < sizeof(buf); target++) {
		char c = *target;

		if (quote) {
			quote = c == quote ? 0 : quote;
		} else if (depth && (c == '\'' || c == '"')) {
			quote = c;
		} else if (c == '[') {
			depth++;
		} else if (c == ']') {
			depth--;
		} else if (!depth) {
			buf[o++] = c;
		}
	}
	buf[o] = '\0';
	return lys_find_path(np.ds.ctx, NULL, buf, 0);
}

/* Whether the user may read the node a notification names. */
static bool target_readable(const struct nacm *n, const char *target)
{
	struct lyd_node *node = NULL;

	if (np.ds.tree[DS_RUNNING] &&
	    lyd_find_path(np.ds.tree[DS_RUNNING], target, 0, &node) == LY_SUCCESS && node)
		return nacm_node_permitted(n, node, NACM_READ);
	/* gone from running (deleted): judged by its schema node */
	return nacm_schema_read_permitted(n, schema_of(target));
}

/* netconf-config-change names the changed nodes: leave out the edits of
 * nodes the user may not read. */
static int filter_config_change(const struct nacm *n, const struct lyd_node *notif,
				struct lyd_node **own)
{
	struct lyd_node *e, *next, *t = NULL;

	if (lyd_dup_single(notif, NULL, LYD_DUP_RECURSIVE, own))
		return -1;
	LY_LIST_FOR_SAFE(lyd_child(*own), next, e) {
		if (!e->schema || strcmp(e->schema->name, "edit"))
			continue;
		if (lyd_find_path(e, "target", 0, &t) != LY_SUCCESS || !t ||
		    !target_readable(n, lyd_get_value(t)))
			lyd_free_tree(e);
	}
	return 0;
}

bool np_nacm_notif(struct nc_session *s, const struct lyd_node *notif, struct lyd_node **own)
{
	struct nacm n;
	bool ok;

	*own = NULL;
	view(s, &n);
	ok = nacm_notif_permitted(&n, notif->schema);
	if (ok && !nacm_permits_all(&n, NACM_READ) &&
	    !strcmp(LYD_NAME(notif), "netconf-config-change") &&
	    filter_config_change(&n, notif, own)) {
		log_warn("NETCONF: out of memory filtering a notification for session %u; not sent",
			 nc_session_get_id(s));
		ok = false;
	}
	nacm_fini(&n);
	if (!ok)
		log_debug("NETCONF: notification %s not sent to session %u (NACM)", LYD_NAME(notif),
			  nc_session_get_id(s));
	return ok;
}

static int put_u64(struct lyd_node **tree, const char *path, uint64_t v)
{
	struct lyd_node *node = NULL;
	char num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	if (lyd_new_path(*tree, np.ds.ctx, path, num, LYD_NEW_PATH_UPDATE, &node))
		return -1;
	if (!*tree) {
		for (*tree = node; lyd_parent(*tree); *tree = lyd_parent(*tree))
			;
	}
	*tree = lyd_first_sibling(*tree);
	return 0;
}

int np_access_state(struct lyd_node **tree)
{
	if (put_u64(tree, NACM_TOP "/denied-operations", nacm_counters.denied_operations) ||
	    put_u64(tree, NACM_TOP "/denied-data-writes", nacm_counters.denied_data_writes) ||
	    put_u64(tree, NACM_TOP "/denied-notifications", nacm_counters.denied_notifications) ||
	    put_u64(tree, SYS_STATE "/sessions", np.ps ? nc_ps_session_count(np.ps) : 0) ||
	    put_u64(tree, SYS_STATE "/accepted-sessions", np.sessions_accepted) ||
	    put_u64(tree, SYS_STATE "/rejected-sessions", np.sessions_rejected) ||
	    put_u64(tree, SYS_STATE "/idle-timeouts", np.sessions_idle))
		return -1;
	return 0;
}

/* ---- rampart-system settings and users -------------------------------- */

uint32_t np_setting(const char *leaf, uint32_t dflt)
{
	struct lyd_node *n = NULL;
	char path[256];

	snprintf(path, sizeof(path), SYS_TOP "/netconf-server/%s", leaf);
	if (!np.ds.tree[DS_RUNNING] ||
	    lyd_find_path(np.ds.tree[DS_RUNNING], path, 0, &n) != LY_SUCCESS || !n)
		return dflt;
	return (uint32_t)strtoul(lyd_get_value(n), NULL, 10);
}

void np_apply_settings(void)
{
	uint32_t idle = np_setting("idle-timeout", NETCONF_IDLE_TIMEOUT_S);

	if (nc_server_get_idle_timeout() != idle) {
		nc_server_set_idle_timeout((uint16_t)idle);
		log_info("NETCONF: idle timeout %u s%s", idle, idle ? "" : " (off)");
	}
}

int np_user_password(const char *user, const char *password)
{
	struct lyd_node *n = NULL;
	char path[256];

	if (!users_name_ok(user))
		return -1;
	snprintf(path, sizeof(path), SYS_TOP "/authentication/user[name='%s']", user);
	if (!np.ds.tree[DS_RUNNING] ||
	    lyd_find_path(np.ds.tree[DS_RUNNING], path, 0, &n) != LY_SUCCESS || !n)
		return 1;
	if (lyd_find_path(n, "password", 0, &n) != LY_SUCCESS || !n)
		return -1;
	return users_hash_matches(lyd_get_value(n), password);
}

/* Whether the base64 blob b64 of key type `type` is key. */
static bool key_equal(const char *type, const char *b64, const ssh_key key)
{
	enum ssh_keytypes_e t = ssh_key_type_from_name(type);
	ssh_key k = NULL;
	bool eq;

	if (t == SSH_KEYTYPE_UNKNOWN || ssh_pki_import_pubkey_base64(b64, t, &k) != SSH_OK)
		return false;
	eq = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(k);
	return eq;
}

struct file_key {
	const char *user;
	ssh_key key;
	bool found;
};

static void file_key_check(const char *type, const char *b64, const char *user, void *arg)
{
	struct file_key *fk = arg;

	if (!fk->found && !strcmp(user, fk->user) && key_equal(type, b64, fk->key))
		fk->found = true;
}

int np_user_key(const char *user, const ssh_key key)
{
	struct lyd_node *u = NULL, *k;
	struct file_key fk = { .user = user, .key = key };
	char path[256], err[256];

	if (!users_name_ok(user))
		return -1;
	snprintf(path, sizeof(path), SYS_TOP "/authentication/user[name='%s']", user);
	if (np.ds.tree[DS_RUNNING] &&
	    lyd_find_path(np.ds.tree[DS_RUNNING], path, 0, &u) == LY_SUCCESS && u) {
		LY_LIST_FOR(lyd_child(u), k) {
			struct lyd_node *alg = NULL, *data = NULL;

			if (!k->schema || strcmp(k->schema->name, "authorized-key") ||
			    lyd_find_path(k, "algorithm", 0, &alg) || lyd_find_path(k, "key-data", 0, &data))
				continue;
			if (key_equal(lyd_get_value(alg), lyd_get_value(data), key))
				return 0;
		}
	}
	/* the users file, read at every attempt like its passwords */
	if (users_for_each_key(np.state_dir, file_key_check, &fk, err, sizeof(err)) < 0)
		log_warn("NETCONF: %s", err);
	return fk.found ? 0 : -1;
}

/* ---- NACM bootstrap ---------------------------------------------------- */

struct boot_users {
	const char *name[BOOT_USERS_MAX];
	char *own[BOOT_USERS_MAX];
	unsigned n;
};

static void boot_add(const char *name, void *arg)
{
	struct boot_users *b = arg;
	unsigned i;

	for (i = 0; i < b->n; i++) {
		if (!strcmp(b->name[i], name))
			return;
	}
	if (b->n < BOOT_USERS_MAX && (b->own[b->n] = strdup(name)))
		b->name[b->n] = b->own[b->n], b->n++;
}

bool np_exists(const struct lyd_node *tree, const char *xpath)
{
	struct ly_set *set = NULL;
	bool found;

	if (!tree || lyd_find_xpath(tree, xpath, &set) != LY_SUCCESS)
		return false;
	found = set->count > 0;
	ly_set_free(set, NULL);
	return found;
}

/* No group and no rule-list: nobody but the defaults decides. */
static bool nacm_unconfigured(const struct lyd_node *cfg)
{
	return !np_exists(cfg, NACM_TOP "/groups/group") && !np_exists(cfg, NACM_TOP "/rule-list");
}

static int boot_tree(struct lyd_node **tree, const struct boot_users *b)
{
	static const char *const rule[][2] = {
		{ NACM_TOP "/rule-list[name='" ADMIN_GROUP "']/group", ADMIN_GROUP },
		{ NACM_TOP "/rule-list[name='" ADMIN_GROUP "']/rule[name='permit-all']/module-name", "*" },
		{ NACM_TOP "/rule-list[name='" ADMIN_GROUP "']/rule[name='permit-all']/access-operations", "*" },
		{ NACM_TOP "/rule-list[name='" ADMIN_GROUP "']/rule[name='permit-all']/action", "permit" },
	};
	struct lyd_node *node = NULL;
	char path[256];
	unsigned i;

	for (i = 0; i < b->n; i++) {
		snprintf(path, sizeof(path),
			 NACM_TOP "/groups/group[name='" ADMIN_GROUP "']/user-name[.='%s']", b->name[i]);
		if (lyd_new_path(*tree, np.ds.ctx, path, NULL, LYD_NEW_PATH_UPDATE, &node))
			return -1;
		if (!*tree)
			for (*tree = node; lyd_parent(*tree); *tree = lyd_parent(*tree))
				;
	}
	for (i = 0; i < sizeof(rule) / sizeof(rule[0]); i++) {
		if (lyd_new_path(*tree, np.ds.ctx, rule[i][0], rule[i][1], LYD_NEW_PATH_UPDATE, NULL))
			return -1;
	}
	*tree = lyd_first_sibling(*tree);
	return 0;
}

static void boot_yang_users(struct boot_users *b)
{
	struct ly_set *set = NULL;
	uint32_t i;

	if (!np.ds.tree[DS_RUNNING] ||
	    lyd_find_xpath(np.ds.tree[DS_RUNNING], SYS_TOP "/authentication/user/name", &set))
		return;
	for (i = 0; i < set->count; i++)
		boot_add(lyd_get_value(set->dnodes[i]), b);
	ly_set_free(set, NULL);
}

void np_nacm_bootstrap(const char *user)
{
	struct boot_users b = { .n = 0 };
	struct lyd_node *run = NULL, *cand = NULL;
	char msg[512], path[512];
	unsigned i;

	if (!nacm_unconfigured(np.ds.tree[DS_RUNNING]))
		return;
	if (user) {
		boot_add(user, &b);
	} else {
		users_for_each_name(np.state_dir, boot_add, &b);
		boot_yang_users(&b);
	}
	if (!b.n)
		return;  /* nobody to make an administrator yet */
	if (np_dup(np.ds.tree[DS_RUNNING], &run) || boot_tree(&run, &b) ||
	    ds_validate(np.ds.ctx, &run, msg, sizeof(msg), path, sizeof(path))) {
		log_error("NETCONF: cannot create the NACM bootstrap rules: %s",
			  ly_err_last(np.ds.ctx) ? ly_err_last(np.ds.ctx)->msg : "out of memory");
		goto out;
	}
	if (np.ds.candidate_modified) {
		if (np_dup(np.ds.tree[DS_CANDIDATE], &cand) || boot_tree(&cand, &b) ||
		    ds_validate(np.ds.ctx, &cand, msg, sizeof(msg), path, sizeof(path))) {
			lyd_free_all(cand);
			cand = NULL;
		}
	} else if (np_dup(run, &cand)) {
		cand = NULL;
	}
	/* the dataplane document is unchanged: nothing to push */
	np_notify_config_change(np.ds.tree[DS_RUNNING], run, DS_RUNNING);
	ds_set(&np.ds, DS_RUNNING, run);
	run = NULL;
	if (cand)
		ds_set(&np.ds, DS_CANDIDATE, cand);
	for (i = 0; i < b.n; i++)
		log_warn("NETCONF: NACM had no groups and no rule-lists: user %s put in group '"
			 ADMIN_GROUP "' with rule-list '" ADMIN_GROUP "' (permit all)", b.name[i]);
out:
	lyd_free_all(run);
	for (i = 0; i < b.n; i++)
		free(b.own[i]);
}
