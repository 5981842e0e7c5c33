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
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "netconf/netconf_p.h"

#define NP_CC_RETRY_MS 1000

static const char *np_leaf(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	if (lyd_find_path(rpc, name, 0, &n) || !n)
		return NULL;
	return lyd_get_value(n);
}

static void np_cc_clear(void)
{
	lyd_free_all(np.cc.backup);
	np.cc = (struct np_confirmed){ 0 };
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
	if (np.cc.active && cp_now_ms() >= np.cc.deadline_ms)
		np_cc_rollback_ev("confirm-timeout expired", "timeout");
}

void np_cc_session_gone(uint32_t sid)
{
	if (np.cc.active && !np.cc.persist[0] && np.cc.sid == sid)
		np_cc_rollback("the session that started it ended");
}

void np_cc_fini(void)
{
	np_cc_clear();
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
