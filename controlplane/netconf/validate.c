/* SPDX-License-Identifier: Proprietary
 * :validate:1.1 (RFC 6241 8.6): validate a datastore or an inline config
 * with libyang. The dataplane's own checks run only on an apply.
 */
#include "netconf/netconf_p.h"

struct nc_server_reply *rpc_validate(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	const struct lyd_node *inline_cfg = NULL;
	struct lyd_node *copy = NULL;
	char msg[512], path[512];
	enum ds_id id;
	int r;

	(void)s;
	r = np_param_ds(rpc, "source", &id, &inline_cfg, &err);
	if (r < 0)
		return err;
	if (r == 1)
		err = np_parse_any(inline_cfg, &copy);
	else if (np_dup(np.ds.tree[id], &copy))
		err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	if (err)
		goto cleanup;
	if (ds_validate(np.ds.ctx, &copy, msg, sizeof(msg), path, sizeof(path)))
		err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
cleanup:
	lyd_free_all(copy);
	return err ? err : nc_server_reply_ok();
}
