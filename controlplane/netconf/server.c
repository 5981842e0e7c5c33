/* SPDX-License-Identifier: Proprietary
 * The NETCONF thread: SSH endpoint, host key, authentication, session
 * polling, RPC dispatch, locks and the transactional apply to running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <libssh/libssh.h>

#include "clock.h"
#include "log.h"
#include "netconf/netconf.h"
#include "netconf/netconf_p.h"
#include "netconf/users.h"

/* How long the thread waits in one accept or poll call: bounds the stop
 * latency and how long a new connection waits while sessions exist. */
#define NP_POLL_MS 50
#define NP_RETRY_LISTEN_MS 5000
/* Longest wait in poll(2) between passes over idle sessions (how often
 * notifications, confirmed-commit deadlines and the stop flag are looked
 * at while nothing arrives), and longest back-off sleep when the sockets
 * cannot be waited on (sockwait.c). */
#define NP_IDLE_SLEEP_US 8000
/* Readable sockets in a row with nothing for libnetconf2: an SSH packet
 * arrives in 4 KiB reads (8 for 32 KiB), so more than that means a socket
 * poll(2) reports that libssh will not drain (sockwait.c). */
#define NP_MAX_SPINS 64
#define NP_ENDPOINT "main"

struct np_server np;

static const struct {
	const char *name;
	np_rpc_fn fn;
} np_rpcs[] = {
	{ "get",             rpc_get },
	{ "get-config",      rpc_get_config },
	{ "edit-config",     rpc_edit_config },
	{ "copy-config",     rpc_copy_config },
	{ "delete-config",   rpc_delete_config },
	{ "lock",            rpc_lock },
	{ "unlock",          rpc_unlock },
	{ "kill-session",    rpc_kill_session },
	{ "commit",          rpc_commit },
	{ "discard-changes", rpc_discard_changes },
	{ "cancel-commit",   rpc_cancel_commit },
	{ "validate",        rpc_validate },
};

/* ---- helpers shared by the handlers ---------------------------------- */

int np_param_ds(const struct lyd_node *rpc, const char *param, enum ds_id *id,
		const struct lyd_node **cfg, struct nc_server_reply **err)
{
	struct lyd_node *c = NULL, *n;

	if (lyd_find_path(rpc, param, 0, &c) || !lyd_child(c)) {
		*err = np_err(NC_ERR_MISSING_ELEM, NULL, "<%s> names no datastore", param);
		return -1;
	}
	n = lyd_child(c);
	if (!strcmp(LYD_NAME(n), "running")) {
		*id = DS_RUNNING;
	} else if (!strcmp(LYD_NAME(n), "candidate")) {
		*id = DS_CANDIDATE;
	} else if (!strcmp(LYD_NAME(n), "startup")) {
		*id = DS_STARTUP_DS;
	} else if (!strcmp(LYD_NAME(n), "config") && cfg) {
		*cfg = n;
		return 1;
	} else {
		*err = np_err(NC_ERR_OP_NOT_SUPPORTED, NULL,
			      "<%s> <%s> is not supported here", param, LYD_NAME(n));
		return -1;
	}
	return 0;
}

/* Whether every node of the subtrees is a configuration data node. */
static bool all_config_data(const struct lyd_node *tree)
{
	const struct lyd_node *top, *n;

	LY_LIST_FOR(tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (!n->schema || (n->schema->flags & LYS_CONFIG_R))
				return false;
			LYD_TREE_DFS_END(top, n);
		}
	}
	return true;
}

bool np_any_tree(const struct lyd_node *any, struct lyd_node **tree)
{
	const struct lyd_node_any *a = (const struct lyd_node_any *)any;

	*tree = NULL;
	if (!any->schema || !(any->schema->nodetype & LYD_NODE_ANY))
		return false;
	if (a->value_type != LYD_ANYDATA_DATATREE)
		return false;
	if (a->value.tree && (LYD_CTX(a->value.tree) != np.ds.ctx || !all_config_data(a->value.tree)))
		return false;
	*tree = a->value.tree;
	return true;
}

struct nc_server_reply *np_parse_any(const struct lyd_node *any, struct lyd_node **tree)
{
	char *text = NULL;
	LY_ERR rc;

	*tree = NULL;
	if (lyd_any_value_str(any, &text))
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot read <%s>", LYD_NAME(any));
	if (!text || !*text) {
		free(text);
		return NULL;
	}
	rc = lyd_parse_data_mem(np.ds.ctx, text, LYD_XML,
				LYD_PARSE_ONLY | LYD_PARSE_STRICT | LYD_PARSE_NO_STATE, 0, tree);
	free(text);
	if (rc) {
		lyd_free_all(*tree);
		*tree = NULL;
		return np_err_ly("invalid configuration");
	}
	return NULL;
}

int np_dup(const struct lyd_node *tree, struct lyd_node **copy)
{
	*copy = NULL;
	if (!tree)
		return 0;
	return lyd_dup_siblings(tree, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, copy) ? -1 : 0;
}

bool np_locked_by_other(enum ds_id id, const struct nc_session *s)
{
	return np.lock_sid[id] && np.lock_sid[id] != nc_session_get_id(s);
}

static const struct lyd_node *dp_top(const struct lyd_node *tree)
{
	const struct lyd_node *n;

	LY_LIST_FOR(tree, n) {
		if (n->schema && !strcmp(n->schema->name, "dataplane") &&
		    !strcmp(n->schema->module->name, DS_MODULE))
			return n;
	}
	return NULL;
}

/* Whether two validated configurations hold the same dataplane document
 * (values and which of them are defaults). A different order of list
 * entries counts as a change: pushing then is merely redundant. */
static bool np_dataplane_unchanged(const struct lyd_node *old, const struct lyd_node *new)
{
	const struct lyd_node *a = dp_top(old), *b = dp_top(new);

	return a && b &&
	       lyd_compare_single(a, b, LYD_COMPARE_FULL_RECURSION | LYD_COMPARE_DEFAULTS) == LY_SUCCESS;
}

struct nc_server_reply *np_apply_running(struct lyd_node *tree)
{
	struct apply_result res;
	char msg[512], path[512];
	json_t *doc = NULL;
	struct nc_server_reply *err = NULL;
	int64_t t0 = cp_now_ms();

	if (ds_validate(np.ds.ctx, &tree, msg, sizeof(msg), path, sizeof(path))) {
		err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
		goto cleanup;
	}
	if (np_dataplane_unchanged(np.ds.tree[DS_RUNNING], tree)) {
		/* only rampart-cp's own configuration changed (NACM, users,
		 * session limits): nothing to push, and it works while the
		 * dataplane is down */
		log_info("NETCONF: running configuration changed (dataplane part unchanged)");
		goto commit;
	}
	if (ds_to_dp_json(tree, &doc, msg, sizeof(msg))) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "%s", msg);
		goto cleanup;
	}
	apply_push(np.bridge, doc, &res);
	if (!res.ok && res.refused) {
		ds_dp_pointer_to_path(doc, res.path, path, sizeof(path));
		err = np_err(NC_ERR_OP_FAILED, path,
			     "the dataplane refused the configuration: %s%s%s; running is unchanged",
			     res.path, *res.path ? ": " : "", res.message);
		if (err)
			nc_err_set_app_tag((struct lyd_node *)nc_server_reply_get_last_err(err),
					   "rampart-dataplane-refused");
		goto cleanup;
	}
	if (!res.ok) {
		err = np_err(NC_ERR_OP_FAILED, NULL,
			     "the configuration was not applied: %s; running is unchanged",
			     res.message);
		goto cleanup;
	}
	log_info("NETCONF: running configuration applied, dataplane generation %llu (%lld ms)",
		 (unsigned long long)res.generation, (long long)(cp_now_ms() - t0));
commit:
	np_notify_config_change(np.ds.tree[DS_RUNNING], tree, DS_RUNNING);
	ds_set(&np.ds, DS_RUNNING, tree);
	tree = NULL;
	np_apply_settings();
cleanup:
	json_decref(doc);
	lyd_free_all(tree);
	return err;
}

struct np_counters *np_session_counters(const struct nc_session *s)
{
	struct np_session *d = s ? nc_session_get_data(s) : NULL;

	return d ? &d->counters : NULL;
}

const char *np_session_groups(const struct nc_session *s)
{
	struct np_session *d = s ? nc_session_get_data(s) : NULL;

	return d ? d->groups : NULL;
}

/* A new session of the poll set: its counters and its user's groups. */
static void np_session_added(struct nc_session *s)
{
	struct np_session *d = calloc(1, sizeof(*d));

	if (d && nc_session_get_username(s))
		d->groups = users_groups(np.state_dir, nc_session_get_username(s));
	nc_session_set_data(s, d);
	np.sessions_accepted++;
}

static void np_session_data_free(struct nc_session *s)
{
	struct np_session *d = nc_session_get_data(s);

	if (d)
		free(d->groups);
	free(d);
	nc_session_set_data(s, NULL);
}

static void np_session_free(struct nc_session *s)
{
	np_session_data_free(s);
	nc_session_free(s, NULL);
}

/* What one nc_ps_poll() event says about the session's RPC. */
static void np_count_rpc(struct nc_session *s, int r)
{
	struct np_counters *c = np_session_counters(s);
	uint64_t rpcs = (r & NC_PSPOLL_RPC) && !(r & NC_PSPOLL_BAD_RPC);
	uint64_t bad = !!(r & NC_PSPOLL_BAD_RPC), errs = !!(r & NC_PSPOLL_REPLY_ERROR);

	np.total.in_rpcs += rpcs;
	np.total.in_bad_rpcs += bad;
	np.total.out_rpc_errors += errs;
	if (c) {
		c->in_rpcs += rpcs;
		c->in_bad_rpcs += bad;
		c->out_rpc_errors += errs;
	}
}

struct nc_session *np_find_session(uint32_t sid)
{
	uint16_t i, n = nc_ps_session_count(np.ps);

	for (i = 0; i < n; i++) {
		struct nc_session *s = nc_ps_get_session(np.ps, i);

		if (s && nc_session_get_id(s) == sid)
			return s;
	}
	return NULL;
}

void np_release_lock(enum ds_id id)
{
	struct lyd_node *copy;

	np.lock_sid[id] = 0;
	if (id != DS_CANDIDATE || !np.ds.candidate_modified)
		return;
	if (np_dup(np.ds.tree[DS_RUNNING], &copy) == 0) {
		ds_set(&np.ds, DS_CANDIDATE, copy);
		np.ds.candidate_modified = false;
		log_info("NETCONF: uncommitted candidate changes discarded with its lock");
	}
}

void np_session_gone(uint32_t sid)
{
	int i;

	for (i = 0; i < DS_COUNT; i++) {
		if (np.lock_sid[i] != sid)
			continue;
		log_info("NETCONF: session %u ended holding the %s lock; released",
			 sid, ds_names[i]);
		np_release_lock((enum ds_id)i);
	}
	np_cc_session_gone(sid);
	np_notify_session_gone(sid);
}

/* ---- dispatch --------------------------------------------------------- */

static struct nc_server_reply *np_dispatch_one(struct lyd_node *rpc, struct nc_session *s)
{
	const char *name = LYD_NAME(rpc);
	size_t i;

	ly_err_clean(np.ds.ctx, NULL);
	if (rpc->schema && !strcmp(rpc->schema->module->name, "ietf-netconf")) {
		for (i = 0; i < sizeof(np_rpcs) / sizeof(np_rpcs[0]); i++) {
			if (!strcmp(np_rpcs[i].name, name)) {
				log_debug("NETCONF: session %u: <%s>", nc_session_get_id(s), name);
				return np_rpcs[i].fn(rpc, s);
			}
		}
	}
	if (rpc->schema && !strcmp(rpc->schema->module->name, "notifications") &&
	    !strcmp(name, "create-subscription"))
		return rpc_create_subscription(rpc, s);
	return np_err(NC_ERR_OP_NOT_SUPPORTED, NULL, "<%s> is not supported by rampart-cp", name);
}

static struct nc_server_reply *np_dispatch(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *r;

	struct timespec t0, t1, c0, c1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	np.cur_session = s;
	/* NACM exec access first (close-session never gets here) */
	r = np_nacm_exec(rpc->schema, s);
	if (!r)
		r = np_dispatch_one(rpc, s);
	np.cur_session = NULL;
	/* the server's share of an RPC (scripts/bench netconf reads it) */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	/* CPU time too: on a loaded machine the wall clock says little */
	log_debug("NETCONF: session %u: <%s> handled in %.3f ms (cpu %.3f ms)", nc_session_get_id(s),
		  LYD_NAME(rpc),
		  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		  (double)(c1.tv_sec - c0.tv_sec) * 1e3 + (double)(c1.tv_nsec - c0.tv_nsec) / 1e6);
	return r;
}

/* ---- transport -------------------------------------------------------- */

static int np_hostkey_clb(const char *name, void *user_data, char **privkey_path,
			  char **privkey_data, NC_SSH_KEY_TYPE *privkey_type)
{
	(void)name;
	(void)user_data;
	(void)privkey_data;
	(void)privkey_type;
	*privkey_path = strdup(np.hostkey);
	return *privkey_path ? 0 : 1;
}

static int np_passwd_clb(const struct nc_session *s, const char *password, void *user_data)
{
	const char *user = nc_session_get_username(s);
	int r = user ? np_user_password(user, password) : -1;

	(void)user_data;
	/* users configured in running first, then the users file */
	if (r == 1)
		r = users_check_password(np.state_dir, user, password);
	if (r == 0) {
		log_info("NETCONF: user %s authenticated by password from %s", user,
			 nc_session_get_host(s) ? nc_session_get_host(s) : "?");
		return 0;
	}
	log_warn("NETCONF: password authentication failed for user %s from %s",
		 user ? user : "?", nc_session_get_host(s) ? nc_session_get_host(s) : "?");
	return 1;
}

/* Public keys: those of the user in running
 * (/rampart-system:system/authentication/user/authorized-key) or in the
 * users file, looked up at every attempt (libnetconf2 calls this for the
 * key probe and again for the signed request). */
static int np_pubkey_clb(const struct nc_session *s, ssh_key key, void *user_data)
{
	const char *user = nc_session_get_username(s);

	(void)user_data;
	if (user && np_user_key(user, key) == 0) {
		log_debug("NETCONF: user %s offered an authorized public key", user);
		return 0;
	}
	log_warn("NETCONF: public key refused for user %s from %s", user ? user : "?",
		 nc_session_get_host(s) ? nc_session_get_host(s) : "?");
	return 1;
}

/* At start: say which keys of the users file cannot be used. */
static void np_check_key(const char *type, const char *b64, const char *user, void *arg)
{
	(void)b64;
	(void)arg;
	if (ssh_key_type_from_name(type) == SSH_KEYTYPE_UNKNOWN)
		log_warn("NETCONF: user %s: key type %s is not supported (ssh-rsa, ssh-ed25519, ecdsa-sha2-*)",
			 user, type);
}

static void np_print_clb(const struct nc_session *s, NC_VERB_LEVEL level, const char *msg)
{
	uint32_t sid = s ? nc_session_get_id(s) : 0;

	if (level == NC_VERB_ERROR)
		log_warn("libnetconf2: session %u: %s", sid, msg);
	else if (level == NC_VERB_WARNING)
		log_info("libnetconf2: session %u: %s", sid, msg);
	else
		log_debug("libnetconf2: session %u: %s", sid, msg);
}

/* Generate an ECDSA P-256 host key unless one exists. */
static int np_hostkey_ensure(char *err, size_t errlen)
{
	ssh_key key = NULL;
	char *pem = NULL;
	int rc;

	if (access(np.hostkey, R_OK) == 0)
		return 0;
	if (ssh_pki_generate(SSH_KEYTYPE_ECDSA_P256, 256, &key) != SSH_OK) {
		snprintf(err, errlen, "cannot generate an SSH host key");
		return -1;
	}
	rc = ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &pem);
	ssh_key_free(key);
	if (rc != SSH_OK || !pem) {
		snprintf(err, errlen, "cannot export the SSH host key");
		return -1;
	}
	rc = atomic_write_file(np.state_dir, NETCONF_HOSTKEY, pem, strlen(pem), 0600, err, errlen);
	ssh_string_free_char(pem);
	if (rc)
		return -1;
	log_info("NETCONF: generated the SSH host key %s", np.hostkey);
	return 0;
}

int netconf_state_dir(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "the state directory %s is not a directory", dir);
		return -1;
	}
	return 0;
}

static void np_try_listen(void)
{
	if (nc_server_endpt_set_port(NP_ENDPOINT, np.port) == 0) {
		np.listening = true;
		log_info("NETCONF: listening on %s port %u (SSH)", np.address, np.port);
	}
}

static NC_MSG_TYPE np_accept(int timeout)
{
	struct nc_session *s = NULL;
	NC_MSG_TYPE m = nc_accept(timeout, &s);

	if (m == NC_MSG_BAD_HELLO)
		np.in_bad_hellos++;
	if (m == NC_MSG_HELLO) {
		uint32_t max = np_setting("max-sessions", NETCONF_MAX_SESSIONS);

		if (nc_ps_session_count(np.ps) >= max) {
			/* refused after the handshake: the client sees the SSH
			 * channel close before its first RPC */
			np.sessions_rejected++;
			log_warn("NETCONF: session of user %s from %s refused: %u sessions open (max-sessions %u)",
				 nc_session_get_username(s), nc_session_get_host(s),
				 nc_ps_session_count(np.ps), max);
			nc_session_free(s, NULL);
			return m;
		}
		if (nc_ps_add_session(np.ps, s)) {
			log_error("NETCONF: cannot add session %u", nc_session_get_id(s));
			nc_session_free(s, NULL);
			return m;
		}
		np_session_added(s);
		/* authenticated (password or key): the first administrator */
		np_nacm_bootstrap(nc_session_get_username(s));
		log_info("NETCONF: session %u opened: user %s from %s", nc_session_get_id(s),
			 nc_session_get_username(s), nc_session_get_host(s));
	}
	return m;
}

static void np_end_session(struct nc_session *s)
{
	uint32_t sid = nc_session_get_id(s);

	NC_SESSION_TERM_REASON why = nc_session_get_term_reason(s);

	/* RFC 6022: not by close-session or kill-session */
	if (why != NC_SESSION_TERM_CLOSED && why != NC_SESSION_TERM_KILLED)
		np.dropped_sessions++;
	if (why == NC_SESSION_TERM_TIMEOUT) {
		np.sessions_idle++;
		log_info("NETCONF: session %u closed after %u s without an RPC (idle-timeout)", sid,
			 nc_server_get_idle_timeout());
	}
	log_info("NETCONF: session %u ended (user %s)", sid,
		 nc_session_get_username(s) ? nc_session_get_username(s) : "?");
	np_session_gone(sid);
	nc_ps_del_session(np.ps, s);
	np_session_free(s);
}

static void *np_thread(void *arg)
{
	int64_t retry_at = 0;
	unsigned idle_us = 0, listen_failures = 0, spins = 0;
	int polled_sessions = -1;

	(void)arg;
	/* libnetconf2 reads a request in 100 us sleeps between libssh's 4 KiB
	 * reads; the default 50 us timer slack made each ~150 us */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	while (!atomic_load(&np.stop)) {
		struct nc_session *s = NULL;
		int r;

		np_cc_tick();
		np_notify_flush();
		if (!np.listening && cp_now_ms() >= retry_at) {
			np_try_listen();
			if (!np.listening) {
				retry_at = cp_now_ms() + NP_RETRY_LISTEN_MS;
				if (!listen_failures++)
					log_warn("NETCONF: cannot listen on %s port %u; retrying every %d s",
						 np.address, np.port, NP_RETRY_LISTEN_MS / 1000);
				else
					log_debug("NETCONF: cannot listen on %s port %u (attempt %u)",
						  np.address, np.port, listen_failures);
			}
		}
		if (nc_ps_session_count(np.ps) == 0) {
			if (np.listening)
				np_accept(NP_POLL_MS);
			else
				usleep(NP_POLL_MS * 1000);
			continue;
		}
		if (np.listening && np_accept(0) != NC_MSG_WOULDBLOCK)
			polled_sessions = -1; /* sockets opened or closed */
		if (nc_ps_session_count(np.ps) != polled_sessions) {
			polled_sessions = nc_ps_session_count(np.ps);
			np_sockets_refresh(np.port);
		}
		/* One non-blocking pass; libnetconf2's own timed wait spins in
		 * 100 us steps (~15% of a core per idle session), ours blocks
		 * in poll(2) on the sockets (sockwait.c). */
		r = nc_ps_poll(np.ps, 0, &s);
		if (r == NC_PSPOLL_TIMEOUT) {
			/* Input that libssh could not use yet (part of an SSH
			 * packet) leaves a socket readable only while more
			 * bytes are queued; a socket that stays readable with
			 * nothing for libnetconf2 (a closed one) must not make
			 * this loop spin: then the old back-off, and a fresh
			 * list of sockets. */
			if (spins < NP_MAX_SPINS) {
				int w = np_sockets_wait(NP_IDLE_SLEEP_US / 1000);

				spins += w > 0;
				if (w >= 0)
					continue;
			}
			idle_us = idle_us ? idle_us * 2 : 500;
			if (idle_us > NP_IDLE_SLEEP_US)
				idle_us = NP_IDLE_SLEEP_US;
			usleep((useconds_t)idle_us);
			np_sockets_refresh(np.port);
			spins = 0;
			continue;
		}
		idle_us = 0;
		spins = 0;
		if (s && (r & (NC_PSPOLL_RPC | NC_PSPOLL_BAD_RPC)))
			np_count_rpc(s, r);
		if (r & NC_PSPOLL_SESSION_TERM) {
			np_end_session(s);
		} else if (r & NC_PSPOLL_SSH_CHANNEL) {
			struct nc_session *ns = NULL;

			NC_MSG_TYPE m = nc_ps_accept_ssh_channel(np.ps, &ns);

			if (m == NC_MSG_BAD_HELLO)
				np.in_bad_hellos++;
			if (m == NC_MSG_HELLO) {
				if (nc_ps_add_session(np.ps, ns))
					nc_session_free(ns, NULL);
				else
					np_session_added(ns);
			}
		}
	}
	return NULL;
}

int netconf_start(const struct netconf_opts *o, struct datastore *ds,
		  struct apply_bridge *bridge, char *err, size_t errlen)
{
	char why[512];
	int nkeys;

	memset(&np, 0, sizeof(np));
	np.ds = *ds;
	*ds = (struct datastore){ 0 };
	np.bridge = bridge;
	np.port = o->port;
	snprintf(np.address, sizeof(np.address), "%s", o->address);
	snprintf(np.state_dir, sizeof(np.state_dir), "%s", o->state_dir);
	snprintf(np.hostkey, sizeof(np.hostkey), "%s/%s", o->state_dir, NETCONF_HOSTKEY);

	if (netconf_state_dir(np.state_dir, err, errlen) || np_hostkey_ensure(err, errlen))
		goto err;

	nc_set_print_clb_session(np_print_clb);
	nc_verbosity(NC_VERB_WARNING);
	if (np_monitoring_init(np.ds.ctx)) {
		snprintf(err, errlen, "cannot register get-schema");
		goto err;
	}
	if (nc_server_init(np.ds.ctx)) {
		snprintf(err, errlen, "cannot initialize libnetconf2");
		goto err;
	}
	np.nc_inited = true;
	/* libyang errors are read back with ly_err_last(), not printed */
	ly_log_options(LY_LOSTORE_LAST);
	nc_server_set_capab_withdefaults(NC_WD_EXPLICIT,
					 NC_WD_ALL | NC_WD_ALL_TAG | NC_WD_TRIM | NC_WD_EXPLICIT);
	nc_server_set_idle_timeout(NETCONF_IDLE_TIMEOUT_S);
	np_apply_settings();
	np_nacm_bootstrap(NULL);
	np_incr_init(np.ds.ctx);
	np_cc_load();
	/* notify.c: RFC 5277 subscriptions; RPCs keep working on a subscribed session */
	if (nc_server_set_capability("urn:ietf:params:netconf:capability:notification:1.0") ||
	    nc_server_set_capability("urn:ietf:params:netconf:capability:interleave:1.0")) {
		snprintf(err, errlen, "cannot set the notification capabilities");
		goto err;
	}
	nc_set_global_rpc_clb(np_dispatch);
	nc_server_ssh_set_hostkey_clb(np_hostkey_clb, NULL, NULL);
	nc_server_ssh_set_passwd_auth_clb(np_passwd_clb, NULL, NULL);
	nc_server_ssh_set_pubkey_auth_clb(np_pubkey_clb, NULL, NULL);
	if (nc_server_add_endpt(NP_ENDPOINT, NC_TI_LIBSSH) ||
	    nc_server_endpt_set_address(NP_ENDPOINT, np.address) ||
	    nc_server_ssh_endpt_add_hostkey(NP_ENDPOINT, "hostkey", -1) ||
	    nc_server_ssh_endpt_set_auth_methods(NP_ENDPOINT,
						 NC_SSH_AUTH_PASSWORD | NC_SSH_AUTH_PUBLICKEY) ||
	    nc_server_ssh_endpt_set_auth_attempts(NP_ENDPOINT, NETCONF_AUTH_ATTEMPTS) ||
	    nc_server_ssh_endpt_set_auth_timeout(NP_ENDPOINT, NETCONF_AUTH_TIMEOUT_S)) {
		snprintf(err, errlen, "cannot set up the NETCONF endpoint on %s", np.address);
		goto err;
	}
	nkeys = users_for_each_key(np.state_dir, np_check_key, NULL, why, sizeof(why));
	if (nkeys < 0) {
		snprintf(err, errlen, "%s", why);
		goto err;
	}
	if (users_count(np.state_dir) == 0 &&
	    !np_exists(np.ds.tree[DS_RUNNING], "/rampart-system:system/authentication/user"))
		log_warn("NETCONF: no users in %s/%s: nobody can log in; add one with `rampart-cp add-user NAME --state-dir %s`",
			 np.state_dir, USERS_FILE, np.state_dir);
	np.ps = nc_ps_new();
	if (!np.ps) {
		snprintf(err, errlen, "out of memory");
		goto err;
	}
	atomic_store(&np.stop, false);
	if (pthread_create(&np.thread, NULL, np_thread, NULL)) {
		snprintf(err, errlen, "cannot start the NETCONF thread");
		goto err;
	}
	np.thread_started = true;
	np.start_time = time(NULL);
	return 0;

err:
	netconf_stop();
	return -1;
}

void netconf_stop(void)
{
	if (np.thread_started) {
		atomic_store(&np.stop, true);
		pthread_join(np.thread, NULL);
		np.thread_started = false;
	}
	if (np.ps) {
		uint16_t i, n = nc_ps_session_count(np.ps);

		for (i = 0; i < n; i++) {
			struct nc_session *s = nc_ps_get_session(np.ps, i);

			if (s)
				np_session_data_free(s);
		}
		nc_ps_clear(np.ps, 1, NULL);
		nc_ps_free(np.ps);
		np.ps = NULL;
	}
	np_cc_fini();
	np_notify_fini();
	np_base_fini();
	np_incr_fini();
	if (np.nc_inited) {
		nc_server_destroy();
		np.nc_inited = false;
	}
	ds_close(&np.ds);
}
