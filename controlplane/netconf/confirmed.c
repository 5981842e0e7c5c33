/* SPDX-License-Identifier: Proprietary
 * :confirmed-commit:1.1 (RFC 6241 8.4): commit with <confirmed/>, the
 * confirming commit, <cancel-commit>, and the rollback on timeout or when
 * the session that started a confirmed commit without <persist> ends.
 *
 * While a confirmed commit is pending, np.cc holds the running
 * configuration from before the first confirmed commit. A rollback pushes it
 * to the dataplane like any change of running; when the dataplane cannot
 * take it (down, refused), the rollback is retried every second and the
 * confirmed commit stays pending. All of this runs on the NETCONF thread.
 *
 * A confirmed commit with <persist> survives a restart of rampart-cp (RFC
 * 6241 8.4: only its persist-id confirms or cancels it): while it is
 * pending, STATE_DIR/confirmed-commit.json holds its persist-id, its
 * deadline (wall clock), running before it (the rollback) and running with
 * it, written atomically at every start and extension and removed when it
 * ends. At start the pending configuration is applied again (running
 * starts as startup) with the same deadline; past the deadline, the
 * rollback is applied instead. Either is retried every second while the
 * dataplane does not take it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "clock.h"
#include "log.h"
#include "netconf/netconf_p.h"

#define NP_CC_RETRY_MS 1000
#define NP_CC_FILE "confirmed-commit.json"

/* The pending configuration loaded at start, still to be applied. */
static struct lyd_node *restore;

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *tree_json(const struct lyd_node *tree)
{
	char *text = NULL;

	if (tree && lyd_print_mem(&text, tree, LYD_JSON, LYD_PRINT_WITHSIBLINGS | LYD_PRINT_WD_EXPLICIT))
		return NULL;
	return text ? text : strdup("{}");
}

static void cc_file_remove(void)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/%s", np.state_dir, NP_CC_FILE);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("NETCONF: cannot remove %s: %s", path, strerror(errno));
}

/* Write the pending persist confirmed commit (running is its config). */
static void cc_file_save(void)
{
	char *backup = tree_json(np.cc.backup), *run = tree_json(np.ds.tree[DS_RUNNING]), *text = NULL;
	char err[512];
	json_t *doc;

	doc = backup && run ? json_pack("{s:s, s:I, s:s, s:s}", "persist-id", np.cc.persist,
					"deadline-unix-ms",
					(json_int_t)(wall_ms() + np.cc.deadline_ms - cp_now_ms()),
					"rollback", backup, "running", run) : NULL;
	text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	if (!text || atomic_write_file(np.state_dir, NP_CC_FILE, text, strlen(text), 0600,
				       err, sizeof(err)))
		log_error("NETCONF: cannot save the pending confirmed commit (it will not survive a restart): %s",
			  text ? err : "out of memory");
	free(text);
	json_decref(doc);
	free(backup);
	free(run);
}

static struct lyd_node *parse_tree(const char *text)
{
	struct lyd_node *tree = NULL;

	if (!text || lyd_parse_data_mem(np.ds.ctx, text, LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
					 LYD_VALIDATE_NO_STATE, &tree)) {
		lyd_free_all(tree);
		return NULL;
	}
	return tree;
}

void np_cc_load(void)
{
	char path[1200];
	json_error_t jerr;
	json_t *doc;
	const char *id;
	struct lyd_node *back = NULL, *run = NULL;
	int64_t left;

	snprintf(path, sizeof(path), "%s/%s", np.state_dir, NP_CC_FILE);
	doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		if (access(path, F_OK) == 0)
			log_error("NETCONF: %s does not parse (%s); the confirmed commit it held is dropped",
				  path, jerr.text);
		return;
	}
	id = json_string_value(json_object_get(doc, "persist-id"));
	back = parse_tree(json_string_value(json_object_get(doc, "rollback")));
	run = parse_tree(json_string_value(json_object_get(doc, "running")));
	if (!id || !*id || strlen(id) >= sizeof(np.cc.persist) ||
	    !json_is_integer(json_object_get(doc, "deadline-unix-ms")) ||
	    (!back && strcmp(json_string_value(json_object_get(doc, "rollback")) ?: "", "{}")) ||
	    (!run && strcmp(json_string_value(json_object_get(doc, "running")) ?: "", "{}"))) {
		log_error("NETCONF: %s is not a pending confirmed commit; dropped", path);
		lyd_free_all(back);
		lyd_free_all(run);
		json_decref(doc);
		return;
	}
	left = json_integer_value(json_object_get(doc, "deadline-unix-ms")) - wall_ms();
	np.cc.active = true;
	np.cc.backup = back;
	np.cc.sid = 0;
	snprintf(np.cc.persist, sizeof(np.cc.persist), "%s", id);
	np.cc.deadline_ms = cp_now_ms() + (left > 0 ? left : 0);
	restore = run;
	log_info("NETCONF: confirmed commit with persist-id %s pending from before the restart: %s",
		 id, left > 0 ? "applied again" : "its timeout expired; rolling back");
	json_decref(doc);
}

static const char *np_leaf(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(rpc, name, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

static void np_cc_free(void)
{
	lyd_free_all(np.cc.backup);
	lyd_free_all(restore);
	restore = NULL;
	np.cc = (struct np_confirmed){ 0 };
}

/* The confirmed commit ended (confirmed, cancelled, rolled back). */
static void np_cc_clear(void)
{
	bool persisted = np.cc.persist[0];

	np_cc_free();
	if (persisted)
		cc_file_remove();
}

/* Whether session s may confirm, extend or cancel the pending confirmed
 * commit with persist_id (may be NULL). NULL or an error reply. */
static struct nc_server_reply *np_cc_owner(struct nc_session *s, const char *persist_id)
{
	if (np.cc.persist[0] || persist_id) {
		if (!np.cc.persist[0])
			return np_err(NC_ERR_INVALID_VALUE, NULL,
				      "<persist-id> given, but the pending confirmed commit was not started with <persist>");
		if (!persist_id || strcmp(persist_id, np.cc.persist) != 0)
			return np_err(NC_ERR_INVALID_VALUE, NULL,
				      "a confirmed commit with <persist> is pending: give its <persist-id>");
		return NULL;
	}
	if (np.cc.sid != nc_session_get_id(s))
		return np_err(NC_ERR_IN_USE, NULL,
			      "a confirmed commit of session %u is pending; only that session can confirm or cancel it",
			      np.cc.sid);
	return NULL;
}

static int np_cc_rollback_ev(const char *why, const char *event);

int np_cc_rollback(const char *why)
{
	return np_cc_rollback_ev(why, "cancel");
}

static int np_cc_rollback_ev(const char *why, const char *event)
{
	struct nc_server_reply *err;
	struct lyd_node *copy = NULL;

	if (!np.cc.active)
		return 0;
	if (np_dup(np.cc.backup, &copy)) {
		np.cc.deadline_ms = cp_now_ms() + NP_CC_RETRY_MS;
		return -1;
	}
	err = np_apply_running(copy);
	if (err) {
		log_error("NETCONF: rollback of the confirmed commit (%s) failed; retrying in %d ms",
			  why, NP_CC_RETRY_MS);
		nc_server_reply_free(err);
		np.cc.deadline_ms = cp_now_ms() + NP_CC_RETRY_MS;
		return -1;
	}
	log_info("NETCONF: confirmed commit rolled back (%s)", why);
	np_notify_confirmed_commit(event, 0);
	/* an unmodified candidate follows running */
	if (!np.ds.candidate_modified && np_dup(np.ds.tree[DS_RUNNING], &copy) == 0)
		ds_set(&np.ds, DS_CANDIDATE, copy);
	np_cc_clear();
	return 0;
}

void np_cc_tick(void)
{
	static int64_t retry_at;

	if (np.cc.active && cp_now_ms() >= np.cc.deadline_ms) {
		np_cc_rollback_ev("confirm-timeout expired", "timeout");
		return;
	}
	/* the pending configuration from before a restart */
	if (restore && cp_now_ms() >= retry_at) {
		struct lyd_node *copy = NULL;
		struct nc_server_reply *err;

		if (np_dup(restore, &copy))
			return;
		err = np_apply_running(copy);
		if (err) {
			nc_server_reply_free(err);
			retry_at = cp_now_ms() + NP_CC_RETRY_MS;
			return;
		}
		lyd_free_all(restore);
		restore = NULL;
		if (!np.ds.candidate_modified && np_dup(np.ds.tree[DS_RUNNING], &copy) == 0)
			ds_set(&np.ds, DS_CANDIDATE, copy);
		log_info("NETCONF: the pending confirmed commit (persist-id %s) is running again",
			 np.cc.persist);
	}
}

void np_cc_session_gone(uint32_t sid)
{
	if (np.cc.active && !np.cc.persist[0] && np.cc.sid == sid)
		np_cc_rollback("the session that started it ended");
}

void np_cc_fini(void)
{
	np_cc_free();  /* a persist commit stays in its file for the next start */
}

struct nc_server_reply *np_cc_commit(struct lyd_node *rpc, struct nc_session *s, bool *done)
{
	struct nc_server_reply *err;
	struct lyd_node *c = NULL, *backup = NULL, *copy = NULL;
	const char *persist = np_leaf(rpc, "persist");
	const char *persist_id = np_leaf(rpc, "persist-id");
	const char *tmo = np_leaf(rpc, "confirm-timeout");
	bool confirmed = lyd_find_path(rpc, "confirmed", 0, &c) == LY_SUCCESS && c;
	uint32_t timeout_s = tmo ? (uint32_t)strtoul(tmo, NULL, 10) : 600;

	*done = false;
	if (!confirmed && !np.cc.active) {
		if (persist_id)
			return np_err(NC_ERR_INVALID_VALUE, NULL,
				      "<persist-id> given, but no confirmed commit is pending");
		return NULL;  /* a plain commit */
	}
	if (persist && strlen(persist) >= sizeof(np.cc.persist))
		return np_err(NC_ERR_INVALID_VALUE, NULL, "<persist> is longer than %zu characters",
			      sizeof(np.cc.persist) - 1);
	if (np.cc.active && (err = np_cc_owner(s, persist_id)))
		return err;
	if (!np.cc.active && persist_id)
		return np_err(NC_ERR_INVALID_VALUE, NULL,
			      "<persist-id> given, but no confirmed commit is pending");

	if (!np.cc.active && np_dup(np.ds.tree[DS_RUNNING], &backup))
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	if (np_dup(np.ds.tree[DS_CANDIDATE], &copy)) {
		lyd_free_all(backup);
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	}
	err = np_apply_running(copy);
	if (err) {
		lyd_free_all(backup);
		return err;
	}
	np.ds.candidate_modified = false;
	*done = true;
	if (!confirmed) {
		log_info("NETCONF: session %u confirmed the pending confirmed commit",
			 nc_session_get_id(s));
		np_cc_clear();
		np_notify_confirmed_commit("complete", 0);
		return NULL;
	}
	np_notify_confirmed_commit(np.cc.active ? "extend" : "start", timeout_s);
	if (!np.cc.active) {
		np.cc.active = true;
		np.cc.backup = backup;
	}
	np.cc.sid = nc_session_get_id(s);
	if (persist)
		snprintf(np.cc.persist, sizeof(np.cc.persist), "%s", persist);
	else
		np.cc.persist[0] = '\0';
	np.cc.deadline_ms = cp_now_ms() + (int64_t)timeout_s * 1000;
	lyd_free_all(restore);  /* superseded */
	restore = NULL;
	if (np.cc.persist[0])
		cc_file_save();
	else
		cc_file_remove();  /* a persist commit extended without persist */
	log_info("NETCONF: session %u made a confirmed commit (timeout %u s%s%s)",
		 np.cc.sid, timeout_s, np.cc.persist[0] ? ", persist " : "", np.cc.persist);
	return NULL;
}

struct nc_server_reply *rpc_cancel_commit(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err;

	if (!np.cc.active)
		return np_err(NC_ERR_OP_FAILED, NULL, "no confirmed commit is pending");
	err = np_cc_owner(s, np_leaf(rpc, "persist-id"));
	if (err)
		return err;
	if (np_cc_rollback("cancel-commit"))
		return np_err(NC_ERR_OP_FAILED, NULL,
			      "the previous running configuration could not be restored; retrying");
	return nc_server_reply_ok();
}
