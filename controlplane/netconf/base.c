/* SPDX-License-Identifier: Proprietary
 * RFC 6241 base operations: get, get-config, lock, unlock, kill-session.
 * (close-session is libnetconf2's own handler.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "netconf/netconf_p.h"

/* The text of the last whole datastore a get-config printed (a user who
 * may read all of it, no filter), per datastore and with-defaults mode,
 * while the datastore's generation is the same: repeated reads of a large
 * unchanged configuration cost a copy of the text, not a print (libyang's
 * printer: ~75 ms of CPU for 2.6 MB). One text per datastore. */
static struct {
	uint64_t gen;
	uint32_t wd;
	char *text;
} printed[DS_COUNT];

/* A copy of the whole of datastore id as rpc prints it (NULL: no memory). */
static char *printed_text(const struct lyd_node *rpc, enum ds_id id)
{
	uint32_t wd = np_reply_wd(rpc);
	char *text;

	if (!printed[id].text || printed[id].gen != np.ds.gen[id] || printed[id].wd != wd) {
		text = np_print_data(rpc, np.ds.tree[id]);
		if (!text)
			return NULL;
		free(printed[id].text);
		printed[id].text = text;
		printed[id].gen = np.ds.gen[id];
		printed[id].wd = wd;
	}
	return strdup(printed[id].text);
}

void np_base_fini(void)
{
	int i;

	for (i = 0; i < DS_COUNT; i++) {
		free(printed[i].text);
		printed[i].text = NULL;
	}
}

struct nc_server_reply *rpc_get_config(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *data = NULL, *own = NULL;
	const struct lyd_node *readable;
	enum ds_id id;

	if (np_param_ds(rpc, "source", &id, NULL, &err) < 0)
		goto cleanup;
	/* NACM: what s may not read is silently left out */
	err = np_nacm_view(s, np.ds.tree[id], &readable, &own);
	if (err)
		goto cleanup;
	if (!np_has_filter(rpc)) {
		/* all of it: printed straight from the datastore (or the
		 * NACM view), without a copy */
		if (own)
			err = np_reply_print(rpc, readable);
		else
			err = np_reply_text(rpc, printed_text(rpc, id));
		lyd_free_all(own);
		return err;
	}
	err = np_filter(rpc, readable, &data);
	if (err)
		goto cleanup;
	lyd_free_all(own);
	return np_reply_data(rpc, data);
cleanup:
	lyd_free_all(own);
	lyd_free_all(data);
	return err;
}

struct nc_server_reply *rpc_get(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *st = NULL, *lib = NULL, *data = NULL, *own = NULL;
	const struct lyd_node *view;
	struct np_graft g;
	int rc;

	/* the state data there is (ietf-yang-library, ietf-netconf-monitoring,
	 * NACM and rampart-system counters, the dataplane's), lent to running
	 * for this reply instead of merged into a copy of it (graft.c) */
	if (ly_ctx_get_yanglib_data(np.ds.ctx, &lib, "%u", ly_ctx_get_change_count(np.ds.ctx)) ||
	    lyd_merge_siblings(&st, lib, LYD_MERGE_DESTRUCT) ||
	    (lib = NULL, np_monitoring_data(&st)) || np_notify_streams(&st) ||
	    np_state_data(rpc, np.ds.tree[DS_RUNNING], &st) || np_access_state(&st)) {
		lyd_free_all(lib);
		lyd_free_all(st);
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the data: out of memory");
	}
	rc = np_graft(&np.ds.tree[DS_RUNNING], st, &g);
	if (rc) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "cannot build the data: out of memory");
		goto cleanup;
	}
	/* a copy only for a user who may not read everything */
	err = np_nacm_view(s, np.ds.tree[DS_RUNNING], &view, &own);
	if (err)
		goto cleanup;
	if (!np_has_filter(rpc)) {
		err = np_reply_print(rpc, view);
		goto cleanup;
	}
	err = np_filter(rpc, view, &data);
	if (!err) {
		np_ungraft(&np.ds.tree[DS_RUNNING], &g);
		lyd_free_all(own);
		return np_reply_data(rpc, data);
	}
cleanup:
	np_ungraft(&np.ds.tree[DS_RUNNING], &g);
	lyd_free_all(own);
	lyd_free_all(data);
	return err;
}

struct nc_server_reply *rpc_lock(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	uint32_t sid = nc_session_get_id(s);
	enum ds_id id;

	if (np_param_ds(rpc, "target", &id, NULL, &err) < 0)
		return err;
	if (np.lock_sid[id])
		return np_err_lock(np.lock_sid[id], "the %s datastore is locked by session %u",
				   ds_names[id], np.lock_sid[id]);
	/* RFC 6241 7.5: no lock on a candidate with uncommitted changes */
	if (id == DS_CANDIDATE && np.ds.candidate_modified)
		return np_err_lock(0, "the candidate datastore has uncommitted changes; commit or discard them first");
	np.lock_sid[id] = sid;
	np.lock_time[id] = time(NULL);
	log_info("NETCONF: session %u locked %s", sid, ds_names[id]);
	return nc_server_reply_ok();
}

struct nc_server_reply *rpc_unlock(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	uint32_t sid = nc_session_get_id(s);
	enum ds_id id;

	if (np_param_ds(rpc, "target", &id, NULL, &err) < 0)
		return err;
	if (!np.lock_sid[id])
		return np_err(NC_ERR_OP_FAILED, NULL, "the %s datastore is not locked", ds_names[id]);
	if (np.lock_sid[id] != sid)
		return np_err_lock(np.lock_sid[id], "the %s datastore is locked by session %u, not by this one",
				   ds_names[id], np.lock_sid[id]);
	np_release_lock(id);
	log_info("NETCONF: session %u unlocked %s", sid, ds_names[id]);
	return nc_server_reply_ok();
}

struct nc_server_reply *rpc_kill_session(struct lyd_node *rpc, struct nc_session *s)
{
	struct lyd_node *n = NULL;
	struct nc_session *victim;
	uint32_t sid, me = nc_session_get_id(s);

	if (lyd_find_path(rpc, "session-id", 0, &n))
		return np_err(NC_ERR_MISSING_ELEM, NULL, "<session-id> is missing");
	sid = (uint32_t)strtoul(lyd_get_value(n), NULL, 10);
	if (sid == me)
		return np_err(NC_ERR_INVALID_VALUE, NULL, "a session cannot kill itself; use <close-session>");
	victim = np_find_session(sid);
	if (!victim)
		return np_err(NC_ERR_INVALID_VALUE, NULL, "there is no session %u", sid);
	nc_session_set_term_reason(victim, NC_SESSION_TERM_KILLED);
	nc_session_set_killed_by(victim, me);
	nc_session_set_status(victim, NC_STATUS_INVALID);
	np_session_gone(sid);
	log_info("NETCONF: session %u killed by session %u", sid, me);
	return nc_server_reply_ok();
}
