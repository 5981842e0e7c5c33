/* SPDX-License-Identifier: Proprietary
 * NACM rule evaluation (RFC 8341); see nacm.h.
 */
#include "netconf/nacm.h"

#include <stdlib.h>
#include <string.h>

#define NACM_MODULE "ietf-netconf-acm"

struct nacm_counters nacm_counters;

/* ---- reading the /nacm configuration ---------------------------------- */

static const struct lyd_node *child(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(parent), c) {
		if (c->schema && !strcmp(c->schema->name, name))
			return c;
	}
	return NULL;
}

static const char *child_value(const struct lyd_node *parent, const char *name)
{
	const struct lyd_node *c = child(parent, name);

	return c ? lyd_get_value(c) : NULL;
}

/* Whether one of parent's leaf-list entries `name` equals value. */
static bool leaflist_has(const struct lyd_node *parent, const char *name, const char *value)
{
	const struct lyd_node *c;

	LY_LIST_FOR(lyd_child(parent), c) {
		if (c->schema && !strcmp(c->schema->name, name) && !strcmp(lyd_get_value(c), value))
			return true;
	}
	return false;
}

static unsigned parse_access(const char *v)
{
	static const struct { const char *name; unsigned bit; } bits[] = {
		{ "create", NACM_CREATE }, { "read", NACM_READ }, { "update", NACM_UPDATE },
		{ "delete", NACM_DELETE }, { "exec", NACM_EXEC },
	};
	unsigned a = 0;
	size_t i;

	if (!v)
		return 0;
	if (!strcmp(v, "*"))
		return NACM_ALL;
	while (*v) {
		size_t len;

		while (*v == ' ')
			v++;
		len = strcspn(v, " ");
		for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
			if (strlen(bits[i].name) == len && !strncmp(v, bits[i].name, len))
				a |= bits[i].bit;
		}
		v += len;
	}
	return a;
}

/* Whether a rule-list applies to a user in groups (a set of names). */
static bool rulelist_applies(const struct lyd_node *rl, const struct ly_set *groups)
{
	const struct lysc_node *gs = lys_find_child(rl->schema, rl->schema->module, "group", 0,
						     LYS_LEAFLIST, 0);
	struct lyd_node *first = NULL;
	const struct lyd_node *c;
	uint32_t i;

	/* the group entries by hash, not by walking the (maybe 10,000) rules;
	 * libyang keeps a leaf-list's instances next to each other */
	if (!gs || lyd_find_sibling_val(lyd_child(rl), gs, NULL, 0, &first) != LY_SUCCESS)
		return false;
	for (c = first; c && c->schema == gs; c = c->next) {
		if (!strcmp(lyd_get_value(c), "*"))
			return true;
		for (i = 0; i < groups->count; i++) {
			if (!strcmp(lyd_get_value(c), (const char *)groups->objs[i]))
				return true;
		}
	}
	return false;
}

static int add_rule(struct nacm *n, const struct lyd_node *r)
{
	struct nacm_rule *rules, *nr;
	const char *module = child_value(r, "module-name");
	const char *action = child_value(r, "action");
	const char *t;

	rules = realloc(n->rules, (n->nrules + 1) * sizeof(*rules));
	if (!rules)
		return -1;
	n->rules = rules;
	nr = &rules[n->nrules];
	memset(nr, 0, sizeof(*nr));
	nr->type = NACM_RULE_ANY;
	if ((t = child_value(r, "rpc-name"))) {
		nr->type = NACM_RULE_RPC;
	} else if ((t = child_value(r, "notification-name"))) {
		nr->type = NACM_RULE_NOTIF;
	} else if ((t = child_value(r, "path"))) {
		nr->type = NACM_RULE_DATA;
	}
	nr->name = strdup(child_value(r, "name") ? child_value(r, "name") : "");
	nr->module = strdup(module ? module : "*");
	nr->target = t ? strdup(t) : NULL;
	/* access-operations defaults to "*" */
	nr->access = child(r, "access-operations") ? parse_access(child_value(r, "access-operations"))
						    : NACM_ALL;
	nr->permit = action && !strcmp(action, "permit");
	n->nrules++;
	if (!nr->name || !nr->module || (t && !nr->target))
		return -1;
	return 0;
}

int nacm_init(struct nacm *n, const struct lyd_node *config, const char *user)
{
	return nacm_init_ext(n, config, user, NULL);
}

int nacm_init_ext(struct nacm *n, const struct lyd_node *config, const char *user,
		  const char *external_groups)
{
	const struct lyd_node *top = NULL, *c, *g, *rl, *r;
	struct ly_set *groups = NULL;
	char *ext = NULL, *tok, *save = NULL;
	const char *v;
	int rc = 0;

	memset(n, 0, sizeof(*n));
	/* the module's defaults */
	n->enabled = user != NULL;
	n->read_permit = true;
	n->write_permit = false;
	n->exec_permit = true;
	LY_LIST_FOR(config, c) {
		if (c->schema && !strcmp(c->schema->name, "nacm") &&
		    !strcmp(c->schema->module->name, NACM_MODULE))
			top = c;
	}
	if (!user || !top)
		return 0;
	if ((v = child_value(top, "enable-nacm")) && !strcmp(v, "false"))
		n->enabled = false;
	if ((v = child_value(top, "read-default")))
		n->read_permit = !strcmp(v, "permit");
	if ((v = child_value(top, "write-default")))
		n->write_permit = !strcmp(v, "permit");
	if ((v = child_value(top, "exec-default")))
		n->exec_permit = !strcmp(v, "permit");
	if (!n->enabled)
		return 0;

	/* the user's groups (step 3); without any, only the defaults apply */
	if (ly_set_new(&groups))
		goto oom;
	LY_LIST_FOR(lyd_child(child(top, "groups")), g) {
		if (g->schema && !strcmp(g->schema->name, "group") &&
		    leaflist_has(g, "user-name", user) &&
		    ly_set_add(groups, (void *)child_value(g, "name"), 1, NULL))
			goto oom;
	}
	/* external groups (the users file): the strings live in ext */
	if (external_groups && !((v = child_value(top, "enable-external-groups")) && !strcmp(v, "false"))) {
		ext = strdup(external_groups);
		if (!ext)
			goto oom;
		for (tok = strtok_r(ext, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (ly_set_add(groups, tok, 1, NULL))
				goto oom;
		}
	}
	if (!groups->count)
		goto out;
	LY_LIST_FOR(lyd_child(top), rl) {
		if (!rl->schema || strcmp(rl->schema->name, "rule-list") || !rulelist_applies(rl, groups))
			continue;
		LY_LIST_FOR(lyd_child(rl), r) {
			if (r->schema && !strcmp(r->schema->name, "rule") && add_rule(n, r))
				goto oom;
		}
	}
out:
	ly_set_free(groups, NULL);
	free(ext);
	return rc;
oom:
	nacm_fini(n);
	n->enabled = true;
	n->read_permit = n->write_permit = n->exec_permit = false;
	rc = -1;
	goto out;
}

void nacm_fini(struct nacm *n)
{
	size_t i;

	for (i = 0; i < n->nrules; i++) {
		free(n->rules[i].name);
		free(n->rules[i].module);
		free(n->rules[i].target);
	}
	free(n->rules);
	n->rules = NULL;
	n->nrules = 0;
}

/* ---- decisions --------------------------------------------------------- */

static bool has_ext(const struct lysc_node *s, const char *name)
{
	LY_ARRAY_COUNT_TYPE i;

	if (!s)
		return false;
	LY_ARRAY_FOR(s->exts, i) {
		if (!strcmp(s->exts[i].def->name, name) &&
		    !strcmp(s->exts[i].def->module->name, NACM_MODULE))
			return true;
	}
	return false;
}

static bool module_matches(const struct nacm_rule *r, const struct lys_module *m)
{
	return !strcmp(r->module, "*") || !strcmp(r->module, m->name);
}

bool nacm_permits_all(const struct nacm *n, unsigned access)
{
	const struct nacm_rule *r;

	if (!n->enabled)
		return true;
	if (!n->nrules)
		return false;
	r = &n->rules[0];
	return r->permit && r->type == NACM_RULE_ANY && !strcmp(r->module, "*") &&
	       (r->access & access) == access;
}

/* rpc-name and notification-name rules (step 6-7 of 3.4.4/3.4.6). */
static bool named_permitted(const struct nacm *n, const struct lysc_node *s,
			    enum nacm_rule_type type, unsigned access, bool dflt)
{
	size_t i;

	for (i = 0; i < n->nrules; i++) {
		const struct nacm_rule *r = &n->rules[i];

		if (!(r->access & access) || !module_matches(r, s->module))
			continue;
		if (r->type == NACM_RULE_ANY ||
		    (r->type == type && (!strcmp(r->target, "*") || !strcmp(r->target, s->name))))
			return r->permit;
	}
	if (has_ext(s, "default-deny-all"))
		return false;
	return dflt;
}

bool nacm_exec_permitted(const struct nacm *n, const struct lysc_node *op)
{
	bool ok;

	if (!n->enabled || !op)
		return true;
	/* RFC 8341 3.4.4 step 2: close-session is always permitted */
	if (!strcmp(op->name, "close-session") && !strcmp(op->module->name, "ietf-netconf"))
		return true;
	ok = named_permitted(n, op, NACM_RULE_RPC, NACM_EXEC, n->exec_permit);
	if (!ok)
		nacm_counters.denied_operations++;
	return ok;
}

bool nacm_notif_permitted(const struct nacm *n, const struct lysc_node *notif)
{
	bool ok;

	if (!n->enabled || !notif)
		return true;
	ok = named_permitted(n, notif, NACM_RULE_NOTIF, NACM_READ, n->read_permit);
	if (!ok)
		nacm_counters.denied_notifications++;
	return ok;
}

/* The data rules' paths evaluated once over one tree: paths[i] is the set of
 * nodes rule i selects (NULL when it is not a data rule or selects none). */
struct path_sets {
	size_t n;
	struct ly_set **set;
};

static int paths_eval(const struct nacm *n, const struct lyd_node *tree, struct path_sets *ps)
{
	size_t i;

	ps->n = n->nrules;
	ps->set = calloc(n->nrules ? n->nrules : 1, sizeof(*ps->set));
	if (!ps->set)
		return -1;
	for (i = 0; tree && i < n->nrules; i++) {
		if (n->rules[i].type != NACM_RULE_DATA)
			continue;
		/* a path naming nodes absent from this tree (or another
		 * module) selects nothing here */
		if (lyd_find_xpath(tree, n->rules[i].target, &ps->set[i]) != LY_SUCCESS) {
			ly_set_free(ps->set[i], NULL);
			ps->set[i] = NULL;
		}
	}
	return 0;
}

static void paths_free(struct path_sets *ps)
{
	size_t i;

	for (i = 0; ps->set && i < ps->n; i++)
		ly_set_free(ps->set[i], NULL);
	free(ps->set);
	ps->set = NULL;
}

static bool in_subtree_of(const struct ly_set *set, const struct lyd_node *node)
{
	const struct lyd_node *p;

	if (!set || !set->count)
		return false;
	for (p = node; p; p = lyd_parent(p)) {
		if (ly_set_contains(set, (void *)p, NULL))
			return true;
	}
	return false;
}

static bool data_permitted(const struct nacm *n, const struct path_sets *ps,
			   const struct lyd_node *node, unsigned access)
{
	size_t i;

	if (!n->enabled)
		return true;
	if (!node->schema)
		return false; /* opaque data cannot be matched against rules */
	for (i = 0; i < n->nrules; i++) {
		const struct nacm_rule *r = &n->rules[i];

		if (!(r->access & access) || !module_matches(r, node->schema->module))
			continue;
		if (r->type == NACM_RULE_ANY ||
		    (r->type == NACM_RULE_DATA && in_subtree_of(ps->set[i], node)))
			return r->permit;
	}
	if (has_ext(node->schema, "default-deny-all"))
		return false;
	if (access != NACM_READ && has_ext(node->schema, "default-deny-write"))
		return false;
	return access == NACM_READ ? n->read_permit : n->write_permit;
}

bool nacm_schema_read_permitted(const struct nacm *n, const struct lysc_node *s)
{
	size_t i;

	if (!n->enabled)
		return true;
	if (!s)
		return false;
	for (i = 0; i < n->nrules; i++) {
		const struct nacm_rule *r = &n->rules[i];

		if (!(r->access & NACM_READ) || !module_matches(r, s->module))
			continue;
		if (r->type == NACM_RULE_ANY)
			return r->permit;
		if (r->type == NACM_RULE_DATA)
			return false;
	}
	if (has_ext(s, "default-deny-all"))
		return false;
	return n->read_permit;
}

bool nacm_node_permitted(const struct nacm *n, const struct lyd_node *node, unsigned access)
{
	struct path_sets ps;
	const struct lyd_node *top;
	bool ok;

	if (!n->enabled)
		return true;
	for (top = node; lyd_parent(top); top = lyd_parent(top))
		;
	if (paths_eval(n, top, &ps))
		return false;
	ok = data_permitted(n, &ps, node, access);
	paths_free(&ps);
	return ok;
}

static void prune(const struct nacm *n, const struct path_sets *ps, struct lyd_node *first,
		  struct lyd_node **root)
{
	struct lyd_node *c, *next;

	for (c = first; c; c = next) {
		next = c->next;
		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (!data_permitted(n, ps, c, NACM_READ)) {
			if (root && *root == c)
				*root = next;
			lyd_free_tree(c);
			continue;
		}
		prune(n, ps, lyd_child(c), NULL);
	}
}

int nacm_prune_read(const struct nacm *n, struct lyd_node **tree)
{
	struct path_sets ps;

	if (nacm_permits_all(n, NACM_READ) || !*tree)
		return 0;
	if (paths_eval(n, *tree, &ps))
		return -1;
	prune(n, &ps, *tree, tree);
	paths_free(&ps);
	return 0;
}

static const struct lyd_node *first_unreadable(const struct nacm *n, const struct path_sets *ps,
					       const struct lyd_node *first)
{
	const struct lyd_node *c, *d;

	LY_LIST_FOR(first, c) {
		if (c->schema && lysc_is_key(c->schema))
			continue;
		if (!data_permitted(n, ps, c, NACM_READ))
			return c;
		if ((d = first_unreadable(n, ps, lyd_child(c))))
			return d;
	}
	return NULL;
}

int nacm_check_readable(const struct nacm *n, const struct lyd_node *tree, char *path,
			size_t pathlen)
{
	const struct lyd_node *bad;
	struct path_sets ps;

	if (nacm_permits_all(n, NACM_READ) || !tree)
		return 0;
	if (paths_eval(n, tree, &ps))
		return -1;
	bad = first_unreadable(n, &ps, tree);
	paths_free(&ps);
	if (!bad)
		return 0;
	if (!lyd_path(bad, LYD_PATH_STD, path, pathlen) && pathlen)
		path[0] = '\0';
	return 1;
}

static unsigned diff_access(const struct lyd_node *node, unsigned inherited)
{
	const struct lyd_meta *m;

	for (m = node->meta; m; m = m->next) {
		const char *v;

		if (strcmp(m->name, "operation") || strcmp(m->annotation->module->name, "yang"))
			continue;
		v = lyd_get_meta_value(m);
		if (!strcmp(v, "create"))
			return NACM_CREATE;
		if (!strcmp(v, "delete"))
			return NACM_DELETE;
		if (!strcmp(v, "replace"))
			return NACM_UPDATE;
		return 0; /* none: an unchanged ancestor of changes */
	}
	return inherited;
}

static const struct lyd_node *diff_denied(const struct nacm *n, const struct path_sets *ps,
					  const struct lyd_node *first, unsigned inherited)
{
	const struct lyd_node *c, *d;

	LY_LIST_FOR(first, c) {
		unsigned a = diff_access(c, inherited);

		/* keys are created and deleted with their list entry */
		if (a && !(c->schema && lysc_is_key(c->schema)) && !data_permitted(n, ps, c, a))
			return c;
		/* an updated leaf has no children; created and deleted
		 * subtrees are checked node by node */
		if ((d = diff_denied(n, ps, lyd_child(c), a == NACM_UPDATE ? 0 : a)))
			return d;
	}
	return NULL;
}

int nacm_check_diff(const struct nacm *n, const struct lyd_node *diff, char *path,
		    size_t pathlen)
{
	const struct lyd_node *bad;
	struct path_sets ps;

	if (nacm_permits_all(n, NACM_CREATE | NACM_UPDATE | NACM_DELETE) || !diff)
		return 0;
	if (paths_eval(n, diff, &ps))
		return -1;
	bad = diff_denied(n, &ps, diff, 0);
	paths_free(&ps);
	if (!bad)
		return 0;
	if (!lyd_path(bad, LYD_PATH_STD, path, pathlen) && pathlen)
		path[0] = '\0';
	nacm_counters.denied_data_writes++;
	return 1;
}
