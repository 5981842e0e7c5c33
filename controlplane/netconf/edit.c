/* SPDX-License-Identifier: Proprietary
 * edit-config (RFC 6241 7.2), copy-config (7.3), delete-config (7.4).
 *
 * An edit is applied to a copy of the target; the copy replaces the target
 * only when the whole edit succeeded (and, for running, the dataplane took
 * it), so every error-option behaves as rollback-on-error.
 *
 * In-place edits of running: copying and freeing the whole datastore costs
 * in proportion to its size (with 10,000 NACM rules, most of a one-leaf
 * edit). When nothing needs the old tree next to the new one (the edit
 * does not touch the dataplane container, so nothing is pushed; the user
 * may write everything, so no NACM diff), the edit is applied to running
 * itself and every change is recorded in an undo journal, which also
 * gives the netconf-config-change (no diff); a failed edit or validation plays
 * the journal backwards. The journal is also what incremental.c validates
 * (only what changed, for modules whose validity cannot depend on other
 * data); otherwise, or when it cannot decide, the whole tree is validated.
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

/* NULL when editing a copy (nothing to undo). */
struct journal {
	struct np_undo *e;
	size_t n, cap;
};

static int journal_add(struct journal *j, const struct np_undo *u)
{
	if (!j)
		return 0;
	if (j->n == j->cap) {
		size_t cap = j->cap ? 2 * j->cap : 16;
		struct np_undo *e = realloc(j->e, cap * sizeof(*e));

		if (!e)
			return -1;
		j->e = e;
		j->cap = cap;
	}
	j->e[j->n++] = *u;
	return 0;
}

/* Keep the changes: free what was unlinked. */
static void journal_commit(struct journal *j)
{
	size_t i;

	for (i = 0; i < j->n; i++) {
		if (j->e[i].kind == NP_UNDO_UNLINKED)
			lyd_free_tree(j->e[i].node);
		free(j->e[i].value);
		free(j->e[i].path);
	}
	free(j->e);
	*j = (struct journal){ 0 };
}

/* Take the changes back, newest first, so each step sees the tree exactly
 * as it was right after the change it reverses. */
static void journal_undo(struct journal *j, struct lyd_node **root)
{
	size_t i;

	for (i = j->n; i-- > 0;) {
		struct np_undo *u = &j->e[i];

		switch (u->kind) {
		case NP_UNDO_INSERTED:
			if (*root == u->node)
				*root = u->node->next;
			lyd_free_tree(u->node);
			break;
		case NP_UNDO_UNLINKED:
			if (u->before)
				lyd_insert_before(u->before, u->node);
			else if (u->after)
				lyd_insert_after(u->after, u->node);
			else if (u->parent)
				lyd_insert_child(u->parent, u->node);
			else if (*root)
				lyd_insert_sibling(*root, u->node, NULL);
			if (!u->parent)
				*root = lyd_first_sibling(u->node);
			break;
		case NP_UNDO_VALUE:
			lyd_change_term(u->node, u->value);
			break;
		}
		free(u->value);
		free(u->path);
	}
	free(j->e);
	*j = (struct journal){ 0 };
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

/* Insert dup (taken over) and journal it; NULL or an error. */
static struct nc_server_reply *insert_node(struct lyd_node *parent, struct lyd_node **root,
					   struct lyd_node *dup, struct journal *j)
{
	if ((parent ? lyd_insert_child(parent, dup) : lyd_insert_sibling(*root, dup, root))) {
		lyd_free_tree(dup);
		return np_err_ly("cannot insert");
	}
	if (journal_add(j, &(struct np_undo){ .kind = NP_UNDO_INSERTED, .node = dup })) {
		if (*root == dup)
			*root = dup->next;
		lyd_free_tree(dup);
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	}
	return NULL;
}

/* Insert the subtree of edit: moved out of the edit when it is below the
 * edit's top level (the edit is ours; a top-level node is the anyxml
 * value's first sibling or the parsed tree's handle, so it is copied),
 * without its operation attributes either way. Moving saves a copy of
 * every inserted node (10,000 list entries in one edit). */
static struct nc_server_reply *insert_copy(struct lyd_node *parent, struct lyd_node **root,
					   struct lyd_node *edit, struct journal *j)
{
	struct lyd_node *dup = NULL, *n;

	if (!lyd_parent(edit)) {
		if (lyd_dup_single(edit, NULL, LYD_DUP_RECURSIVE | LYD_DUP_NO_META, &dup))
			return np_err_ly("cannot copy the edit");
		return insert_node(parent, root, dup, j);
	}
	lyd_unlink_tree(edit);
	LYD_TREE_DFS_BEGIN(edit, n) {
		if (n->meta)
			lyd_free_meta_siblings(n->meta);
		LYD_TREE_DFS_END(edit, n);
	}
	return insert_node(parent, root, edit, j);
}

/* The same list / leaf-list's instance next to n in direction next. */
static struct lyd_node *same_schema(const struct lyd_node *n, bool next)
{
	struct lyd_node *s = next ? n->next : (n->prev->next ? n->prev : NULL);

	return s && s->schema == n->schema ? s : NULL;
}

/* Without a journal: free n. With one: unlink n and remember where it was
 * (a user-ordered instance by its neighbours; libyang puts others back in
 * schema order). The neighbours stay valid through validation: it creates
 * and removes only default nodes, and no user-ordered leaf-list of our
 * models has defaults. */
static struct nc_server_reply *remove_node(struct lyd_node **root, struct lyd_node *n,
					   struct journal *j)
{
	struct np_undo u = { .kind = NP_UNDO_UNLINKED, .node = n };

	if (j) {
		u.parent = lyd_parent(n);
		u.path = lyd_path(n, LYD_PATH_STD, NULL, 0);
		if (lysc_is_userordered(n->schema)) {
			u.before = same_schema(n, true);
			u.after = u.before ? NULL : same_schema(n, false);
		}
		if (journal_add(j, &u)) {
			free(u.path);
			return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		}
	}
	if (*root == n)
		*root = n->next;
	if (j)
		lyd_unlink_tree(n);
	else
		lyd_free_tree(n);
	return NULL;
}

/* Whether a descendant of edit carries an nc:operation attribute. */
static bool has_operations(const struct lyd_node *edit)
{
	const struct lyd_node *n;

	LYD_TREE_DFS_BEGIN(edit, n) {
		if (n != edit && lyd_find_meta(n->meta, NULL, "ietf-netconf:operation"))
			return true;
		LYD_TREE_DFS_END(edit, n);
	}
	return false;
}

static struct nc_server_reply *edit_node(struct lyd_node *parent, struct lyd_node **root,
					 struct lyd_node *edit, enum edit_op inherited,
					 struct journal *j)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *match = NULL, *shell = NULL, *c, *next;
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

	switch (op) {
	case OP_CREATE:
		if (node_exists(match)) {
			/* (the path only for errors: 10,000 entries need none) */
			path = lyd_path(edit, LYD_PATH_STD, NULL, 0);
			/* NACM: data-exists would tell a user who may not read
			 * the node that it exists */
			if (!np_nacm_may_read(np.cur_session, match, NULL))
				err = np_nacm_hidden(np.cur_session, path);
			else
				err = np_err(NC_ERR_DATA_EXISTS, path, "%s already exists", path);
			break;
		}
		if (match)
			err = remove_node(root, match, j);
		if (!err)
			err = insert_copy(parent, root, edit, j);
		break;
	case OP_DELETE:
		if (!node_exists(match)) {
			path = lyd_path(edit, LYD_PATH_STD, NULL, 0);
			if (!np_nacm_may_read(np.cur_session, NULL, edit->schema))
				err = np_nacm_hidden(np.cur_session, path);
			else
				err = np_err(NC_ERR_DATA_MISSING, path, "%s does not exist", path);
			break;
		}
		err = remove_node(root, match, j);
		break;
	case OP_REMOVE:
		if (match)
			err = remove_node(root, match, j);
		break;
	case OP_REPLACE:
		if (match)
			err = remove_node(root, match, j);
		if (!err)
			err = insert_copy(parent, root, edit, j);
		break;
	case OP_MERGE:
	case OP_NONE:
		if (edit->schema->nodetype & (LYS_LEAF | LYS_LEAFLIST | LYS_ANYDATA)) {
			if (op == OP_NONE)
				break;
			if (!match) {
				err = insert_copy(parent, root, edit, j);
			} else if (edit->schema->nodetype == LYS_LEAF && !(match->flags & LYD_DEFAULT) &&
				   lyd_compare_single(match, edit, 0) == LY_SUCCESS) {
				break;  /* the same value: no change (none to announce) */
			} else if (edit->schema->nodetype == LYS_LEAF &&
				   !(j && (match->flags & LYD_DEFAULT))) {
				/* (a default leaf is replaced in a journal, so
				 * that undo brings back its default flag too) */
				char *old = j ? strdup(lyd_get_value(match)) : NULL;
				LY_ERR r;

				if (j && (!old || journal_add(j, &(struct np_undo){ .kind = NP_UNDO_VALUE,
										   .node = match, .value = old }))) {
					free(old);
					err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
					break;
				}
				r = lyd_change_term(match, lyd_get_value(edit));
				if (r != LY_SUCCESS && r != LY_EEXIST && r != LY_ENOT)
					err = np_err_ly("cannot set the value");
			} else if (edit->schema->nodetype & (LYS_LEAF | LYS_ANYDATA)) {
				err = remove_node(root, match, j);
				if (!err)
					err = insert_copy(parent, root, edit, j);
			}
			break;
		}
		/* container or list: when missing and nothing below says
		 * otherwise, the whole subtree is new: one insertion */
		if (!match && op == OP_MERGE && !has_operations(edit)) {
			err = insert_copy(parent, root, edit, j);
			break;
		}
		/* else create it, then descend */
		if (!match) {
			if (lyd_dup_single(edit, NULL, LYD_DUP_NO_META, &shell)) {
				err = np_err_ly("cannot create the node");
				break;
			}
			err = insert_node(parent, root, shell, j);
			if (err)
				break;
			match = shell;
		}
		/* (safe: edit_node may move c out of the edit) */
		LY_LIST_FOR_SAFE(lyd_child(edit), next, c) {
			if (c->schema && (c->schema->flags & LYS_KEY))
				continue;
			err = edit_node(match, root, c, op, j);
			if (err)
				break;
		}
		break;
	}
	free(path);
	return err;
}

/* Apply edit (siblings) to *tree, journaled when j. Returns NULL or an
 * error (without a journal the tree is then in an unspecified state and
 * the caller discards it; with one, the caller undoes). */
static struct nc_server_reply *edit_apply(struct lyd_node **tree, struct lyd_node *edit,
					  enum edit_op defop, struct journal *j)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *e;

	LY_LIST_FOR(edit, e) {
		err = edit_node(NULL, tree, e, defop, j);
		if (err)
			return err;
	}
	return NULL;
}

/* Whether an edit of running can be made in place (top of the file). */
static bool edit_in_place_ok(const struct lyd_node *edit, struct nc_session *s)
{
	const struct lyd_node *e;

	LY_LIST_FOR(edit, e) {
		if (!e->schema || !strcmp(e->schema->module->name, DS_MODULE))
			return false;
	}
	return np_nacm_writes_all(s);
}

/* edit-config of running in place; NULL or an error (running unchanged). */
static struct nc_server_reply *edit_running_in_place(struct lyd_node *edit,
						     enum edit_op defop)
{
	struct lyd_node **running = &np.ds.tree[DS_RUNNING];
	struct journal j = { 0 };
	struct nc_server_reply *err;
	char msg[512], path[512];
	bool incremental = false;

	np.ds.gen[DS_RUNNING]++;  /* changed here, even if undone (defaults may move) */
	err = edit_apply(running, edit, defop, &j);
	if (!err)
		incremental = np_incr_valid(running, j.e, j.n);
	if (!err && !incremental &&
	    ds_validate(np.ds.ctx, running, msg, sizeof(msg), path, sizeof(path)))
		err = np_err(NC_ERR_INVALID_VALUE, path, "validation failed: %s", msg);
	if (err) {
		journal_undo(&j, running);
		/* validation may have added or dropped default nodes for the
		 * edited tree: running validated before, so this succeeds */
		if (ds_validate(np.ds.ctx, running, msg, sizeof(msg), path, sizeof(path)))
			log_error("NETCONF: running does not validate after an undone edit: %s (%s)",
				  msg, path);
		return err;
	}
	log_info("NETCONF: running configuration changed in place (dataplane part unchanged; %zu changes, validated %s)",
		 j.n, incremental ? "by what changed" : "whole");
	np_notify_config_journal(j.e, j.n);
	journal_commit(&j);
	np_apply_settings();
	return NULL;
}

static const char *child_value(const struct lyd_node *rpc, const char *name)
{
	struct lyd_node *n = NULL;

	return lyd_find_path(rpc, name, 0, &n) ? NULL : lyd_get_value(n);
}

/* RFC 6241 lets delete and remove name a leaf without its value
 * (<probes nc:operation="delete"/>, what yangcli sends); libyang cannot
 * store an empty value of most types, so such a leaf is left opaque and
 * the strict parse fails. Parsed again keeping opaque nodes, each such
 * leaf takes its value from the target (a delete of an absent one is
 * data-missing, a remove of one is dropped from the edit); any other
 * opaque node keeps the strict parse's error (first_err). */
#define NC_BASE_NS "urn:ietf:params:xml:ns:netconf:base:1.0"

static const struct lyd_attr *valueless_op(const struct lyd_node *n)
{
	const struct lyd_node_opaq *o = (const struct lyd_node_opaq *)n;
	const struct lyd_attr *a;

	if (n->schema || (o->value && *o->value) || o->format != LY_VALUE_XML)
		return NULL;
	for (a = o->attr; a; a = a->next)
		if (!strcmp(a->name.name, "operation") && a->name.module_ns &&
		    !strcmp(a->name.module_ns, NC_BASE_NS) &&
		    (!strcmp(a->value, "delete") || !strcmp(a->value, "remove")))
			return a;
	return NULL;
}

static struct nc_server_reply *parse_valueless(const struct lyd_node *cfg, enum ds_id id,
					       struct lyd_node **tree, struct nc_server_reply *first_err)
{
	struct nc_server_reply *err = NULL;
	struct ly_set *opaq = NULL;
	struct lyd_node *n, *top;
	char *text = NULL;
	uint32_t i;

	*tree = NULL;
	if (lyd_any_value_str(cfg, &text) || !text ||
	    lyd_parse_data_mem(np.ds.ctx, text, LYD_XML,
			       LYD_PARSE_ONLY | LYD_PARSE_OPAQ | LYD_PARSE_NO_STATE, 0, tree) ||
	    ly_set_new(&opaq))
		goto keep_first;
	LY_LIST_FOR(*tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (!n->schema && ly_set_add(opaq, n, 1, NULL))
				goto keep_first;
			LYD_TREE_DFS_END(top, n);
		}
	}
	if (!opaq->count)
		goto keep_first;
	for (i = 0; i < opaq->count; i++) {
		struct lyd_node *o = opaq->dnodes[i], *cur = NULL, *leaf = NULL;
		const struct lyd_attr *op = valueless_op(o);
		const struct lys_module *mod;
		const struct lysc_node *sn;
		char *ppath;

		if (!op || !lyd_parent(o) || !lyd_parent(o)->schema)
			goto keep_first;
		mod = ly_ctx_get_module_implemented_ns(np.ds.ctx,
						       ((struct lyd_node_opaq *)o)->name.module_ns);
		sn = mod ? lys_find_child(lyd_parent(o)->schema, mod, LYD_NAME(o), 0, LYS_LEAF, 0) : NULL;
		if (!sn || lysc_is_key(sn))
			goto keep_first;
		ppath = lyd_path(lyd_parent(o), LYD_PATH_STD, NULL, 0);
		if (!ppath) {
			err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
			goto fail;
		}
		if (np.ds.tree[id] && !lyd_find_path(np.ds.tree[id], ppath, 0, &cur))
			lyd_find_sibling_val(lyd_child(cur), sn, NULL, 0, &leaf);
		if (leaf && (leaf->flags & LYD_DEFAULT))
			leaf = NULL;   /* a default is not configuration to delete */
		if (!leaf) {
			if (!strcmp(op->value, "delete")) {
				char lpath[1024];

				snprintf(lpath, sizeof(lpath), "%s/%s", ppath, LYD_NAME(o));
				free(ppath);
				err = np_err(NC_ERR_DATA_MISSING, lpath, "%s is not there to delete", lpath);
				goto fail;
			}
			free(ppath);
			lyd_free_tree(o);   /* remove of nothing: nothing to do */
			continue;
		}
		free(ppath);
		if (lyd_new_term(lyd_parent(o), mod, LYD_NAME(o), lyd_get_value(leaf), 0, &leaf) ||
		    lyd_new_meta(np.ds.ctx, leaf, NULL, "ietf-netconf:operation", op->value, 0, NULL)) {
			err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
			goto fail;
		}
		lyd_free_tree(o);
	}
	ly_set_free(opaq, NULL);
	free(text);
	if (first_err)
		nc_server_reply_free(first_err);
	return NULL;
keep_first:
	err = first_err;
	first_err = NULL;
fail:
	if (first_err)
		nc_server_reply_free(first_err);
	ly_set_free(opaq, NULL);
	free(text);
	lyd_free_all(*tree);
	*tree = NULL;
	return err;
}

struct nc_server_reply *rpc_edit_config(struct lyd_node *rpc, struct nc_session *s)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *edit = NULL, *parsed = NULL, *work = NULL, *cfg = NULL;
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
	/* libnetconf2 parsed the content already; parse it again only when
	 * its tree is not usable as it is (np_any_tree) */
	if (!np_any_tree(cfg, &edit)) {
		err = np_parse_any(cfg, &parsed);
		if (err)
			err = parse_valueless(cfg, id, &parsed, err);
		if (err)
			goto cleanup;
		edit = parsed;
	}
	if (id == DS_RUNNING && !(test && !strcmp(test, "test-only")) && edit_in_place_ok(edit, s)) {
		err = edit_running_in_place(edit, defop);
		goto cleanup;
	}
	if (np_dup(np.ds.tree[id], &work)) {
		err = np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		goto cleanup;
	}
	err = edit_apply(&work, edit, defop, NULL);
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
	lyd_free_all(parsed);
	return nc_server_reply_ok();

cleanup:
	lyd_free_all(parsed);
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
