/* SPDX-License-Identifier: Proprietary
 * get/get-config filters: subtree (RFC 6241 section 6) and XPath (8.9).
 *
 * Both select nodes of the data tree into a set; the reply is the union of
 * those nodes copied with their ancestors (and the ancestors' list keys).
 * XPath prefixes are module names (JSON style), e.g.
 * /rampart-dataplane:dataplane/ports[port='0'].
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "netconf/netconf_p.h"

/* ---- filter nodes: opaque (as libnetconf2 hands anyxml over) or data ---- */

static const char *f_name(const struct lyd_node *f)
{
	return f->schema ? f->schema->name : ((const struct lyd_node_opaq *)f)->name.name;
}

static const char *f_ns(const struct lyd_node *f)
{
	if (f->schema)
		return f->schema->module->ns;
	return ((const struct lyd_node_opaq *)f)->name.module_ns;
}

static const char *f_value(const struct lyd_node *f)
{
	if (f->schema)
		return (f->schema->nodetype & LYD_NODE_TERM) ? lyd_get_value(f) : NULL;
	return ((const struct lyd_node_opaq *)f)->value;
}

/* A content match node: a leaf element with text and no children. */
static bool f_is_content(const struct lyd_node *f)
{
	const char *v = f_value(f);

	if (lyd_child(f) || !v)
		return false;
	while (*v && isspace((unsigned char)*v))
		v++;
	return *v != '\0';
}

static bool f_matches(const struct lyd_node *f, const struct lyd_node *d)
{
	const char *ns = f_ns(f);

	return d->schema && !strcmp(f_name(f), d->schema->name) &&
	       (!ns || !*ns || !strcmp(ns, d->schema->module->ns));
}

static bool value_eq(const char *fv, const char *dv)
{
	size_t n;

	while (isspace((unsigned char)*fv))
		fv++;
	n = strlen(fv);
	while (n && isspace((unsigned char)fv[n - 1]))
		n--;
	return strlen(dv) == n && !strncmp(fv, dv, n);
}

/* d matched f by name: decide whether (and what of) d is selected. */
static bool sf_match(const struct lyd_node *d, const struct lyd_node *f, struct ly_set *sel)
{
	const struct lyd_node *fc, *dc;
	bool only_content = true, any = false;
	uint32_t before = sel->count;

	if (f_is_content(f)) {
		if (!(d->schema->nodetype & LYD_NODE_TERM) || !value_eq(f_value(f), lyd_get_value(d)))
			return false;
		ly_set_add(sel, (void *)d, 1, NULL);
		return true;
	}
	if (!lyd_child(f)) { /* selection node */
		ly_set_add(sel, (void *)d, 1, NULL);
		return true;
	}
	/* containment node: every content match child must match */
	LY_LIST_FOR(lyd_child(f), fc) {
		bool found = false;

		if (!f_is_content(fc)) {
			only_content = false;
			continue;
		}
		LY_LIST_FOR(lyd_child(d), dc) {
			if (f_matches(fc, dc) && (dc->schema->nodetype & LYD_NODE_TERM) &&
			    value_eq(f_value(fc), lyd_get_value(dc))) {
				found = true;
				ly_set_add(sel, (void *)dc, 1, NULL);
			}
		}
		if (!found) {
			sel->count = before;
			return false;
		}
	}
	if (only_content) {
		sel->count = before;
		ly_set_add(sel, (void *)d, 1, NULL);
		return true;
	}
	LY_LIST_FOR(lyd_child(f), fc) {
		if (f_is_content(fc))
			continue;
		LY_LIST_FOR(lyd_child(d), dc) {
			if (f_matches(fc, dc) && sf_match(dc, fc, sel))
				any = true;
		}
	}
	if (!any)
		sel->count = before;
	return any;
}

static struct nc_server_reply *copy_selected(const struct ly_set *sel, struct lyd_node **out)
{
	uint32_t i;

	for (i = 0; i < sel->count; i++) {
		struct lyd_node *dup = NULL, *top;

		if (lyd_dup_single(sel->dnodes[i], NULL,
				   LYD_DUP_RECURSIVE | LYD_DUP_WITH_PARENTS | LYD_DUP_WITH_FLAGS, &dup))
			return np_err(NC_ERR_OP_FAILED, NULL, "cannot copy the selected data");
		for (top = dup; top->parent; top = lyd_parent(top))
			;
		if (lyd_merge_siblings(out, top, LYD_MERGE_DESTRUCT | LYD_MERGE_WITH_FLAGS)) {
			lyd_free_all(top);
			return np_err(NC_ERR_OP_FAILED, NULL, "cannot merge the selected data");
		}
	}
	return NULL;
}

bool np_has_filter(const struct lyd_node *rpc)
{
	struct lyd_node *filter = NULL;

	return !lyd_find_path(rpc, "filter", 0, &filter) && filter;
}

struct nc_server_reply *np_filter(const struct lyd_node *rpc, const struct lyd_node *tree,
				  struct lyd_node **out)
{
	struct nc_server_reply *err = NULL;
	struct lyd_node *filter = NULL, *ftree = NULL;
	const struct lyd_node_any *any;
	const struct lyd_meta *m;
	const char *type = "subtree", *select = NULL;
	struct ly_set *sel = NULL;
	const struct lyd_node *f, *d;

	*out = NULL;
	if (lyd_find_path(rpc, "filter", 0, &filter) || !filter) {
		if (np_dup(tree, out))
			return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		return NULL;
	}
	for (m = filter->meta; m; m = m->next) {
		if (strcmp(m->annotation->module->name, "ietf-netconf"))
			continue;
		if (!strcmp(m->name, "type"))
			type = lyd_get_meta_value(m);
		else if (!strcmp(m->name, "select"))
			select = lyd_get_meta_value(m);
	}
	if (ly_set_new(&sel))
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");

	if (!strcmp(type, "xpath")) {
		struct ly_set *xs = NULL;

		if (!select) {
			err = np_err(NC_ERR_MISSING_ATTR, NULL, "an XPath filter needs a select attribute");
			goto cleanup;
		}
		if (tree && lyd_find_xpath(tree, select, &xs)) {
			err = np_err(NC_ERR_INVALID_VALUE, NULL, "bad XPath filter '%s': %s", select,
				     ly_err_last(np.ds.ctx) ? ly_err_last(np.ds.ctx)->msg : "error");
			goto cleanup;
		}
		if (xs) {
			ly_set_free(sel, NULL);
			sel = xs;
		}
	} else if (!strcmp(type, "subtree")) {
		any = (const struct lyd_node_any *)filter;
		if (any->value_type == LYD_ANYDATA_DATATREE) {
			ftree = any->value.tree;
		} else {
			err = np_err(NC_ERR_OP_NOT_SUPPORTED, NULL, "this subtree filter form is not supported");
			goto cleanup;
		}
		LY_LIST_FOR(ftree, f) {
			LY_LIST_FOR(tree, d) {
				if (f_matches(f, d))
					sf_match(d, f, sel);
			}
		}
	} else {
		err = np_err(NC_ERR_BAD_ATTR, NULL, "unknown filter type '%s'", type);
		goto cleanup;
	}
	err = copy_selected(sel, out);
cleanup:
	ly_set_free(sel, NULL);
	if (err) {
		lyd_free_all(*out);
		*out = NULL;
	}
	return err;
}
