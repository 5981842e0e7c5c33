/* SPDX-License-Identifier: Proprietary
 * :candidate (RFC 6241 8.3): commit and discard-changes.
 */
#include "log.h"
#include "netconf/netconf_p.h"

struct nc_server_reply *rpc_commit(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *copy = NULL;
	bool done = false;

	/* commit writes running: refused while another session locks it (7.5) */
	if (np_locked_by_other(DS_RUNNING, s))
		return np_err(NC_ERR_IN_USE, NULL, "the running datastore is locked by session %u",
			      np.lock_sid[DS_RUNNING]);
	/* the candidate is shared: the committer needs write access to what
	 * the commit changes in running */
	err = np_nacm_write(s, np.ds.tree[DS_RUNNING], np.ds.tree[DS_CANDIDATE]);
	if (err)
		return err;
	err = np_cc_commit(rpc, s, &done);
	if (err)
		return err;
	if (done)
		return nc_server_reply_ok();
	if (np_dup(np.ds.tree[DS_CANDIDATE], &copy))
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	err = np_apply_running(copy);
	if (err)
		return err;
	np.ds.candidate_modified = false;
	log_info("NETCONF: session %u committed the candidate", nc_session_get_id(s));
	return nc_server_reply_ok();
}

struct nc_server_reply *rpc_discard_changes(struct lyd_node *rpc, struct nc_session *s)
{
	struct lyd_node *copy = NULL;

	(void)rpc;
	if (np_locked_by_other(DS_CANDIDATE, s))
		return np_err(NC_ERR_IN_USE, NULL, "the candidate datastore is locked by session %u",
			      np.lock_sid[DS_CANDIDATE]);
	if (np_dup(np.ds.tree[DS_RUNNING], &copy))
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	ds_set(&np.ds, DS_CANDIDATE, copy);
	np.ds.candidate_modified = false;
	return nc_server_reply_ok();
}
