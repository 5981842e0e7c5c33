/* SPDX-License-Identifier: Proprietary
 * Validation of an in-place edit of running by what it changed.
 *
 * libyang validates the whole tree it is given (lyd_validate_all; it keeps
 * no record of what is still valid), so a one-leaf edit of a datastore
 * holding 10,000 NACM rules paid ~75 ms for it. Running was valid before
 * the edit; for a module whose validity cannot depend on data elsewhere,
 * only the changed nodes and their parents' constraints can have become
 * invalid. Such a module is "local" (decided once, from the compiled
 * schema, at start):
 *   - none of its configuration nodes has a must or when, a leafref or
 *     instance-identifier type (also inside unions), or a unique statement;
 *   - no must/when/leafref of any other module names one of its nodes
 *     (lys_find_expr_atoms() on every such expression).
 * For a local module, libyang's validation of the tree reduces to: values
 * of their types (checked when they were parsed or set: lyd_change_term,
 * the XML parser), no duplicate list/leaf-list instances, mandatory nodes,
 * min/max-elements, choices (one case; a new case removes the old one),
 * implicit defaults. The changes are checked for exactly these:
 *   - an inserted subtree: defaults added (lyd_new_implicit_tree), then
 *     every node in it: no duplicates among its siblings, and for every
 *     inner node all of the above over its children;
 *   - where a node was inserted or removed: duplicates, min/max-elements
 *     of that list, mandatory for a removal, defaults re-added;
 *   - a changed value: nothing more (its type was checked when it was set).
 * Anything else -- a change in a choice (libyang deletes the other case),
 * a non-local module, a removal at the top level, a container that may
 * become a default one -- and anything that looks invalid make the caller
 * validate the whole tree as before, so every error is libyang's own,
 * message and path. tests/integration/netconf/test_incremental.py checks
 * that both ways give the same datastore and the same errors.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netconf/netconf_p.h"

/* Modules whose data is not local (above): never validated incrementally. */
static struct ly_set *nonlocal;

static bool is_nonlocal(const struct lys_module *m)
{
	return !nonlocal || ly_set_contains(nonlocal, (void *)m, NULL);
}

static void mark(const struct lys_module *m)
{
	if (nonlocal && !ly_set_contains(nonlocal, (void *)m, NULL))
		ly_set_add(nonlocal, (void *)m, 1, NULL);
}

/* The module owning the data of schema node s (its top-level ancestor's:
 * an augment's nodes are data of the augmented module). */
static const struct lys_module *owner(const struct lysc_node *s)
{
	while (s->parent)
		s = s->parent;
	return s->module;
}

/* Mark the owners of every node expr names (and the owner of the node the
 * expression belongs to, whose validity depends on them). */
static void mark_expr(const struct lysc_node *ctx_node, const struct lysc_node *node,
		      const struct lyxp_expr *expr, const struct lysc_prefix *prefixes)
{
	struct ly_set *atoms = NULL;
	uint32_t i;

	mark(owner(node));
	if (lys_find_expr_atoms(ctx_node, node->module, expr, prefixes, 0, &atoms) != LY_SUCCESS) {
		/* cannot tell what it names: nothing is local */
		ly_set_free(nonlocal, NULL);
		nonlocal = NULL;
		return;
	}
	for (i = 0; i < atoms->count; i++)
		mark(owner(atoms->snodes[i]));
	ly_set_free(atoms, NULL);
}

/* Whether a type needs other data to be valid (leafref, instance-identifier,
 * or a union with one); marks what a leafref's path names. */
static bool type_refers(const struct lysc_node *node, const struct lysc_type *t)
{
	LY_ARRAY_COUNT_TYPE u;
	bool r = false;

	switch (t->basetype) {
	case LY_TYPE_LEAFREF:
		mark_expr(node, node, ((const struct lysc_type_leafref *)t)->path,
			  ((const struct lysc_type_leafref *)t)->prefixes);
		return true;
	case LY_TYPE_INST:
		return true;
	case LY_TYPE_UNION:
		LY_ARRAY_FOR(((const struct lysc_type_union *)t)->types, u)
			r |= type_refers(node, ((const struct lysc_type_union *)t)->types[u]);
		return r;
	default:
		return false;
	}
}

static LY_ERR scan_node(struct lysc_node *node, void *data, ly_bool *dfs_continue)
{
	struct lysc_must *musts = lysc_node_musts(node);
	struct lysc_when **whens = lysc_node_when(node);
	LY_ARRAY_COUNT_TYPE u;
	bool refers = false;

	(void)data;
	*dfs_continue = 0;
	if (!nonlocal)
		return LY_EINVAL;  /* stop: nothing is local */
	if (!(node->flags & LYS_CONFIG_W) && !(node->nodetype & (LYS_CHOICE | LYS_CASE)))
		return LY_SUCCESS;  /* state, RPC and notification nodes: not in a datastore */
	LY_ARRAY_FOR(musts, u)
		mark_expr(node, node, musts[u].cond, musts[u].prefixes);
	LY_ARRAY_FOR(whens, u)
		mark_expr(whens[u]->context, node, whens[u]->cond, whens[u]->prefixes);
	if (node->nodetype & (LYS_LEAF | LYS_LEAFLIST)) {
		const struct lysc_type *t = node->nodetype == LYS_LEAF ?
					    ((struct lysc_node_leaf *)node)->type :
					    ((struct lysc_node_leaflist *)node)->type;

		refers = type_refers(node, t);
	}
	/* unique: an edit of one entry is checked against all the others */
	if (node->nodetype == LYS_LIST && ((struct lysc_node_list *)node)->uniques)
		refers = true;
	if (refers)
		mark(owner(node));
	return LY_SUCCESS;
}

void np_incr_init(const struct ly_ctx *ctx)
{
	const struct lys_module *m;
	uint32_t i = 0;

	ly_set_free(nonlocal, NULL);
	nonlocal = NULL;
	if (ly_set_new(&nonlocal))
		return;
	while ((m = ly_ctx_get_module_iter(ctx, &i))) {
		if (m->implemented && m->compiled && lysc_module_dfs_full(m, scan_node, NULL) != LY_SUCCESS &&
		    nonlocal) {
			ly_set_free(nonlocal, NULL);
			nonlocal = NULL;
		}
		if (!nonlocal)
			break;
	}
	if (!nonlocal) {
		log_warn("NETCONF: cannot analyse the schema; every edit is validated whole");
		return;
	}
	i = 0;
	while ((m = ly_ctx_get_module_iter(ctx, &i))) {
		if (m->implemented && m->compiled && m->compiled->data && !is_nonlocal(m))
			log_debug("NETCONF: edits of %s are validated by what they change", m->name);
	}
}

void np_incr_fini(void)
{
	ly_set_free(nonlocal, NULL);
	nonlocal = NULL;
}

/* The instances of s among the siblings first (libyang keeps them next to
 * each other). */
static uint32_t count(const struct lyd_node *first, const struct lysc_node *s)
{
	struct lyd_node *m = NULL;
	uint32_t n = 0;

	if (!first || lyd_find_sibling_val(first, s, NULL, 0, &m) != LY_SUCCESS)
		return 0;
	for (; m && m->schema == s; m = m->next)
		n++;
	return n;
}

static bool minmax_ok(const struct lyd_node *first, const struct lysc_node *s)
{
	uint32_t min = 0, max = UINT32_MAX, n;

	if (s->nodetype == LYS_LIST) {
		min = ((const struct lysc_node_list *)s)->min;
		max = ((const struct lysc_node_list *)s)->max;
	} else if (s->nodetype == LYS_LEAFLIST) {
		min = ((const struct lysc_node_leaflist *)s)->min;
		max = ((const struct lysc_node_leaflist *)s)->max;
	}
	if (!min && max == UINT32_MAX)
		return true;
	n = count(first, s);
	return n >= min && n <= max;
}

/* No other instance of n's list/leaf-list equal to n among its siblings. */
static bool unique_instance(const struct lyd_node *n)
{
	struct lyd_node *m = NULL;

	if (!(n->schema->nodetype & (LYS_LIST | LYS_LEAFLIST)))
		return true;
	if (n->schema->flags & LYS_KEYLESS)
		return false;
	return lyd_find_sibling_first(n, n, &m) == LY_SUCCESS && m == n;
}

/* The schema children sc of one level (a node's, or an active case's)
 * against the data children first. */
static bool level_ok(const struct lyd_node *first, const struct lysc_node *sc, int depth)
{
	for (; sc; sc = sc->next) {
		if (!(sc->flags & LYS_CONFIG_W))
			continue;
		if (sc->nodetype == LYS_CHOICE) {
			const struct lysc_node *active = NULL;
			const struct lyd_node *c;

			if (depth)
				return false;  /* nested choices: validated whole */
			LY_LIST_FOR(first, c) {
				const struct lysc_node *cs = c->schema ? c->schema->parent : NULL;

				if (!cs || cs->nodetype != LYS_CASE || cs->parent != sc)
					continue;
				if (active && active != cs)
					return false;  /* two cases */
				active = cs;
			}
			if (!active && (sc->flags & LYS_MAND_TRUE))
				return false;
			if (active && !level_ok(first, lysc_node_child(active), depth + 1))
				return false;
			continue;
		}
		if ((sc->flags & LYS_MAND_TRUE) && !count(first, sc))
			return false;
		if (!minmax_ok(first, sc))
			return false;
	}
	return true;
}

/* An inserted subtree: defaults added, then checked node by node. */
static bool subtree_ok(struct lyd_node *top)
{
	struct lyd_node *n;

	if (lyd_new_implicit_tree(top, LYD_IMPLICIT_NO_STATE, NULL) != LY_SUCCESS)
		return false;
	LYD_TREE_DFS_BEGIN(top, n) {
		if (!n->schema || (n->schema->flags & LYS_CONFIG_R))
			return false;
		if (n != top && !unique_instance(n))
			return false;
		if ((n->schema->nodetype & (LYS_CONTAINER | LYS_LIST)) &&
		    !level_ok(lyd_child(n), lysc_node_child(n->schema), 0))
			return false;
		LYD_TREE_DFS_END(top, n);
	}
	return true;
}

static bool in_choice(const struct lysc_node *s)
{
	return s->parent && (s->parent->nodetype & LYS_CASE);
}

/* A node n of a case was created: whether libyang would have to remove
 * another case of its choice (an instance of one among n's siblings), or
 * the choice is nested in another. */
static bool other_case(const struct lyd_node *n)
{
	const struct lysc_node *cs = n->schema->parent, *ch = cs->parent;
	const struct lyd_node *c;

	if (ch->parent && (ch->parent->nodetype & LYS_CASE))
		return true;
	LY_LIST_FOR(lyd_first_sibling(n), c) {
		const struct lysc_node *ccs = c->schema ? c->schema->parent : NULL;

		if (ccs && ccs->nodetype == LYS_CASE && ccs->parent == ch && ccs != cs)
			return true;
	}
	return false;
}

/* Whether n (a node or a subtree root) is in the tree whose first
 * top-level sibling is root, rather than in something removed since. */
static bool attached(const struct lyd_node *n, const struct lyd_node *root)
{
	while (n->parent)
		n = lyd_parent(n);
	return root && lyd_first_sibling(n) == lyd_first_sibling(root);
}

/* Whether s may have instances libyang adds by itself (a default). */
static bool may_be_implicit(const struct lysc_node *s)
{
	if (s->nodetype == LYS_CONTAINER)
		return !(s->flags & LYS_PRESENCE);
	if (s->nodetype == LYS_LEAF)
		return ((const struct lysc_node_leaf *)s)->dflt != NULL;
	if (s->nodetype == LYS_LEAFLIST)
		return ((const struct lysc_node_leaflist *)s)->dflts != NULL;
	return false;
}

/* Whether every child of a non-presence container is a default node (then
 * libyang would mark the container default: validated whole). */
static bool np_cont_all_default(const struct lyd_node *p)
{
	const struct lyd_node *c;

	if (p->schema->nodetype != LYS_CONTAINER || (p->schema->flags & LYS_PRESENCE))
		return false;
	LY_LIST_FOR(lyd_child(p), c) {
		if (!(c->flags & LYD_DEFAULT))
			return false;
	}
	return true;
}

/* Log why the whole tree is validated (the tests read it). */
static bool whole(const char *why, const struct lyd_node *node)
{
	char *path = node ? lyd_path(node, LYD_PATH_STD, NULL, 0) : NULL;

	log_debug("NETCONF: edit validated whole: %s%s%s", why, path ? " at " : "", path ? path : "");
	free(path);
	return false;
}

bool np_incr_valid(struct lyd_node **tree, const struct np_undo *ch, size_t n)
{
	size_t i;

	if (!nonlocal || !*tree)
		return whole("no analysis of the schema, or an empty datastore", NULL);
	for (i = 0; i < n; i++) {
		if (!ch[i].node->schema || is_nonlocal(owner(ch[i].node->schema)))
			return whole("the module's validity depends on other data", ch[i].node);
	}
	for (i = 0; i < n; i++) {
		struct lyd_node *node = ch[i].node, *parent;
		const struct lysc_node *s = node->schema;

		switch (ch[i].kind) {
		case NP_UNDO_INSERTED:
			if (!attached(node, *tree))
				break;  /* removed again by a later change */
			parent = lyd_parent(node);
			if (in_choice(s) && other_case(node))
				return whole("a node of another case of a choice created", node);
			if (parent && (parent->flags & LYD_DEFAULT))
				return whole("a node created in a default container", node);
			if (!subtree_ok(node))
				return whole("the new subtree does not pass", node);
			if (!unique_instance(node) || !minmax_ok(parent ? lyd_child(parent) : *tree, s))
				return whole("duplicate or min/max-elements", node);
			break;
		case NP_UNDO_UNLINKED:
			parent = ch[i].parent;
			if (!parent)
				return whole("a top-level node removed", NULL);
			if (!attached(parent, *tree))
				break;  /* its parent went too */
			if (in_choice(s) || (s->flags & LYS_MAND_TRUE))
				return whole("a node of a choice or a mandatory node removed", parent);
			if (!minmax_ok(lyd_child(parent), s))
				return whole("min-elements", parent);
			if (may_be_implicit(s) &&
			    lyd_new_implicit_tree(parent, LYD_IMPLICIT_NO_STATE, NULL) != LY_SUCCESS)
				return whole("defaults", parent);
			if (np_cont_all_default(parent))
				return whole("a container left with defaults only", parent);
			break;
		case NP_UNDO_VALUE:
			break;  /* lyd_change_term() stored it by its type */
		}
	}
	/* valid: the new nodes are validated nodes now (libyang checks the
	 * nodes flagged new for duplicates, so only now, when nothing is
	 * left to the whole validation) */
	for (i = 0; i < n; i++) {
		struct lyd_node *top = ch[i].node, *c;

		if (ch[i].kind != NP_UNDO_INSERTED)
			continue;
		LYD_TREE_DFS_BEGIN(top, c) {
			c->flags &= ~LYD_NEW;
			LYD_TREE_DFS_END(top, c);
		}
	}
	return true;
}
