/* SPDX-License-Identifier: Proprietary
 * edit-config (RFC 6241 7.2), copy-config (7.3), delete-config (7.4).
 *
 * An edit is applied to a copy of the target; the copy replaces the target
 * only when the whole edit succeeded (and, for running, the dataplane took
 * it), so every error-option behaves as rollback-on-error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netconf/netconf_p.h"

enum edit_op {
	OP_NONE,
	OP_MERGE,
	OP_REPLACE,
	OP_CREATE,
	OP_DELETE,
	OP_REMOVE,
};

static const char *const op_names[] = {
	[OP_NONE] = "none", [OP_MERGE] = "merge", [OP_REPLACE] = "replace",
	[OP_CREATE] = "create", [OP_DELETE] = "delete", [OP_REMOVE] = "remove",
};

static int op_parse(const char *v, enum edit_op *op)
{
	int i;

	for (i = OP_NONE; i <= OP_REMOVE; i++) {
		if (!strcmp(v, op_names[i])) {
			*op = (enum edit_op)i;
			return 0;
		}
	}
	return -1;
}

/* The node's nc:operation attribute, or inherited. */
static int node_op(const struct lyd_node *n, enum edit_op inherited, enum edit_op *op,
		   struct nc_server_reply **err)
{
	const struct lyd_meta *m;

	*op = inherited;
	for (m = n->meta; m; m = m->next) {
		if (strcmp(m->name, "operation") || strcmp(m->annotation->module->name, "ietf-netconf"))
			continue;
		if (op_parse(lyd_get_meta_value(m), op) || *op == OP_NONE) {
			*err = np_err(NC_ERR_BAD_ATTR, NULL, "bad operation '%s'", lyd_get_meta_value(m));
			return -1;
		}
	}
	return 0;
}

/* A node that exists only as a default (leaf default, implicit container)
 * does not exist for create/delete. */
static bool node_exists(const struct lyd_node *n)
{
	return n && !(n->flags & LYD_DEFAULT);
}

static struct nc_server_reply *insert_copy(struct lyd_node *parent, struct lyd_node **root,
					   const struct lyd_node *edit)
{
	struct lyd_node *dup = NULL;

	if (lyd_dup_single(edit, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &dup))
		return np_err_ly("cannot copy the edit");
	if ((parent ? lyd_insert_child(parent, dup) : lyd_insert_sibling(*root, dup, root))) {
		lyd_free_tree(dup);
		return np_err_ly("cannot insert");
	}
	return NULL;
}

static void remove_node(struct lyd_node **root, struct lyd_node *n)
{
	if (*root == n)
		*root = n->next;
	lyd_free_tree(n);
}

static struct nc_server_reply *edit_node(struct lyd_node *parent, struct lyd_node **root,
					 const struct lyd_node *edit, enum edit_op inherited)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *match = NULL, *shell;
	const struct lyd_node *c;
	char *path = NULL;
	enum edit_op op;

	if (!edit->schema)
		return np_err(NC_ERR_UNKNOWN_ELEM, NULL, "unknown element <%s>", LYD_NAME(edit));
	if (node_op(edit, inherited, &op, &err))
		return err;
	/* lists by their keys, leaf-lists by value, other nodes by schema */
	if (edit->schema->nodetype & (LYS_LIST | LYS_LEAFLIST))
		lyd_find_sibling_first(parent ? lyd_child(parent) : *root, edit, &match);
	else
		lyd_find_sibling_val(parent ? lyd_child(parent) : *root, edit->schema, NULL, 0, &match);
	path = lyd_path(edit, LYD_PATH_STD, NULL, 0);

	switch (op) {
	case OP_CREATE:
		if (node_exists(match)) {
			/* NACM: data-exists would tell a user who may not read
			 * the node that it exists */
			if (!np_nacm_may_read(np.cur_session, match, NULL))
				err = np_nacm_hidden(np.cur_session, path);
			else
				err = np_err(NC_ERR_DATA_EXISTS, path, "%s already exists", path);
			break;
		}
		if (match)
			remove_node(root, match);
		err = insert_copy(parent, root, edit);
		break;
	case OP_DELETE:
		if (!node_exists(match)) {
			if (!np_nacm_may_read(np.cur_session, NULL, edit->schema))
				err = np_nacm_hidden(np.cur_session, path);
			else
				err = np_err(NC_ERR_DATA_MISSING, path, "%s does not exist", path);
			break;
		}
		remove_node(root, match);
		break;
	case OP_REMOVE:
		if (match)
			remove_node(root, match);
		break;
	case OP_REPLACE:
		if (match)
			remove_node(root, match);
		err = insert_copy(parent, root, edit);
		break;
	case OP_MERGE:
	case OP_NONE:
		if (edit->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST | LYS_ANYDATA)) {
			if (op == OP_NONE)
				break;
			if (!match) {
				err = insert_copy(parent, root, edit);
			} else if (edit->schema->nodetype == LYS_LEAF) {
				LY_ERR r = lyd_change_term(match, lyd_get_value(edit));

				if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT)
					err = np_err_ly("cannot set the value");
			} else if (edit->schema->nodetype == LYS_ANYDATA) {
				remove_node(root, match);
				err = insert_copy(parent, root, edit);
			}
			break;
		}
		/* container or list: create it when missing, then descend */
		if (!match) {
			if (lyd_dup_single(edit, NULL, LYD_DUP_NO_META, &shell) ||
			    (parent ? lyd_insert_child(parent, shell) : lyd_insert_sibling(*root, shell, root))) {
				err = np_err_ly("cannot create the node");
				break;
			}
			match = shell;
		}
		LY_LIST_FOR(lyd_child(edit), c) {
			if (c->schema && (c->schema->flags & LYS_KEY))
				continue;
			err = edit_node(match, root, c, op);
			if (err)
				break;
		}
		break;
	}
	free(path);
	return err;
}

/* Apply edit (siblings) to *tree. Returns NULL or an error (tree then in
 * an unspecified state; the caller discards it). */
static struct nc_server_reply *edit_apply(struct lyd_node **tree, const struct lyd_node *edit,
					  enum edit_op defop)
{
	struct nc_server_reply *err = NULL;
	const struct lyd_node *e;

	LY_LIST_FOR(edit, e) {
		err = edit_node(NULL, tree, e, defop);
		if (err)
			return err;
	}
	return NULL;
}

static const char *child_value(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	return lyd_find_path(rpc, name, 0, &n) ? NULL : lyd_get_value(n);
}

struct nc_server_reply *rpc_edit_config(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *edit = NULL, *work = NULL, *cfg = NULL;
	const char *defop_s = child_value(rpc, "default-operation");
	const char *test = child_value(rpc, "test-option");
	const char *erropt = child_value(rpc, "error-option");
	enum edit_op defop = OP_MERGE;
	char msg[512], path[512];
	enum ds_id id;

	if (np_param_ds(rpc, "target", &id, NULL, &err) < 0)
		goto cleanup;
	if (id == DS_STARTUP_DS) {
		err = np_err(NC_ERR_OP_NOT_SUPPORTED, NULL,
			     "edit-config cannot target startup; use copy-config");
		goto cleanup;
	}
	if (np_locked_by_other(id, s)) {
		err = np_err(NC_ERR_IN_USE, NULL, "the %s datastore is locked by session %u",
			     ds_names[id], np.lock_sid[id]);
		goto cleanup;
	}
	if (defop_s && op_parse(defop_s, &defop)) {
		err = np_err(NC_ERR_INVALID_VALUE, NULL, "bad default-operation '%s'", defop_s);
		goto cleanup;
	}
	if (erropt && !strcmp(erropt, "continue-on-error")) {
		err = np_err(NC_ERR_OP_NOT_SUPPORTED, NULL,
			     "error-option continue-on-error is not supported (stop-on-error and rollback-on-error are; both leave the target unchanged on an error)");
		goto cleanup;
	}
	if (lyd_find_path(rpc, "config", 0, &cfg)) {
		err = np_err(NC_ERR_OP_NOT_SUPPORTED, NULL, "edit-config without <config> (url) is not supported");
		goto cleanup;
	}
	err = np_parse_any(cfg, &edit);
	if (err)
		goto cleanup;
	if (np_dup(np.ds.tree[id], &work)) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		goto cleanup;
	}
	err = edit_apply(&work, edit, defop);
	if (err)
		goto cleanup;
	err = np_nacm_write(s, np.ds.tree[id], work);
	if (err)
		goto cleanup;

	if (test && !strcmp(test, "test-only")) {
		if (ds_validate(np.ds.ctx, &work, msg, sizeof(msg), path, sizeof(path)))
			err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
		goto cleanup;
	}
	if (id == DS_RUNNING) {
		err = np_apply_running(work);
		work = NULL;
		if (err)
			goto cleanup;
	} else {
		if ((!test || strcmp(test, "set")) &&
		    ds_validate(np.ds.ctx, &work, msg, sizeof(msg), path, sizeof(path))) {
			err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
			goto cleanup;
		}
		ds_set(&np.ds, DS_CANDIDATE, work);
		work = NULL;
		np.ds.candidate_modified = true;
	}
	lyd_free_all(edit);
	return nc_server_reply_ok();

cleanup:
	lyd_free_all(edit);
	lyd_free_all(work);
	return err ? err : nc_server_reply_ok(); /* test-only success */
}

struct nc_server_reply *rpc_copy_config(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	const struct lyd_node *inline_cfg = NULL;
	struct lyd_node *copy = NULL;
	enum ds_id src = DS_RUNNING, dst;
	char msg[512], path[512];
	int r;

	if (np_param_ds(rpc, "target", &dst, NULL, &err) < 0)
		goto cleanup;
	r = np_param_ds(rpc, "source", &src, &inline_cfg, &err);
	if (r < 0)
		goto cleanup;
	if (r == 0 && src == dst) {
		err = np_err(NC_ERR_INVALID_VALUE, NULL, "source and target are both %s", ds_names[dst]);
		goto cleanup;
	}
	if (np_locked_by_other(dst, s)) {
		err = np_err(NC_ERR_IN_USE, NULL, "the %s datastore is locked by session %u",
			     ds_names[dst], np.lock_sid[dst]);
		goto cleanup;
	}
	if (r == 1) {
		err = np_parse_any(inline_cfg, &copy);
		if (err)
			goto cleanup;
	} else if (np_dup(np.ds.tree[src], &copy)) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		goto cleanup;
	}
	err = np_nacm_copy(s, src, r == 1, copy, dst);
	if (err)
		goto cleanup;

	switch (dst) {
	case DS_RUNNING:
		err = np_apply_running(copy);
		copy = NULL;
		break;
	case DS_CANDIDATE:
		if (ds_validate(np.ds.ctx, &copy, msg, sizeof(msg), path, sizeof(path))) {
			err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
			break;
		}
		ds_set(&np.ds, DS_CANDIDATE, copy);
		copy = NULL;
		np.ds.candidate_modified = true;
		break;
	case DS_STARTUP_DS:
		if (ds_validate(np.ds.ctx, &copy, msg, sizeof(msg), path, sizeof(path))) {
			err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
			break;
		}
		if (ds_save_startup(&np.ds, copy, msg, sizeof(msg)))
			err = np_err(NC_ERR_OP_FAILED, NULL, "cannot save startup: %s", msg);
		else
			log_info("NETCONF: session %u saved the startup configuration",
				 nc_session_get_id(s));
		break;
	default:
		break;
	}
cleanup:
	lyd_free_all(copy);
	return err ? err : nc_server_reply_ok();
}

struct nc_server_reply *rpc_delete_config(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	char msg[512];
	enum ds_id id;

	if (np_param_ds(rpc, "target", &id, NULL, &err) < 0)
		return err;
	if (id != DS_STARTUP_DS)
		return np_err(NC_ERR_OP_NOT_SUPPORTED, NULL, "delete-config can only delete startup");
	if (np_locked_by_other(id, s))
		return np_err(NC_ERR_IN_USE, NULL, "the startup datastore is locked by session %u",
			      np.lock_sid[id]);
	err = np_nacm_write(s, np.ds.tree[id], NULL);
	if (err)
		return err;
	if (ds_delete_startup(&np.ds, msg, sizeof(msg)))
		return np_err(NC_ERR_OP_FAILED, NULL, "%s", msg);
	return nc_server_reply_ok();
}
