/* SPDX-License-Identifier: Proprietary
 * State data lent to running for one <get>, instead of a copy of running.
 *
 * <get> answers configuration and state together, and some state lives
 * inside configuration nodes (the NACM counters in /nacm, an upstream
 * server's state in its list entry). A copy of running to merge them into
 * cost time and memory in proportion to the datastore (10,000 NACM rules:
 * ~10 ms and a second tree). np_graft() moves the state tree's nodes into
 * running where running has no such node, records each one, and keeps the
 * LYD_DEFAULT flags of the running nodes it descends into (inserting a child
 * clears an implicit container's flag); np_ungraft() frees exactly the
 * recorded nodes and restores the flags, so running is as it was, node for
 * node. Both run on the NETCONF thread, which owns running, between two
 * statements of one handler: nobody else sees the lent nodes.
 */
#include <stdlib.h>

#include "netconf/netconf_p.h"

/* Graft the siblings from s on under tparent (NULL: the top level, whose
 * first node is *ttop). At the top level, *rest gets the first state node
 * left where it was (running has its place), so that the caller can free
 * what was not moved, also after a failure. */
static int graft_level(struct lyd_node *tparent, struct lyd_node **ttop, struct lyd_node *s,
		       struct np_graft *g, struct lyd_node **rest)
{
	while (s) {
		struct lyd_node *next = s->next, *match = NULL, *first;

		first = tparent ? lyd_child(tparent) : *ttop;
		if (first)
			lyd_find_sibling_first(first, s, &match);
		if (match) {
			if (rest && !*rest)
				*rest = s;
			/* a terminal running already holds: running's stays */
			if (!match->schema || !(match->schema->nodetype & LYD_NODE_INNER)) {
				s = next;
				continue;
			}
			if (((match->flags & LYD_DEFAULT) && ly_set_add(g->dflt, match, 1, NULL)) ||
			    graft_level(match, NULL, lyd_child(s), g, NULL))
				return -1;
		} else {
			lyd_unlink_tree(s);
			if ((tparent ? lyd_insert_child(tparent, s) : lyd_insert_sibling(*ttop, s, ttop)) ||
			    ly_set_add(g->added, s, 1, NULL)) {
				/* s may be in running: np_ungraft() cannot know */
				lyd_free_tree(s);
				if (rest && !*rest)
					*rest = next;
				return -1;
			}
		}
		s = next;
	}
	return 0;
}

int np_graft(struct lyd_node **running, struct lyd_node *state, struct np_graft *g)
{
	struct lyd_node *rest = NULL;
	int rc;

	g->added = g->dflt = NULL;
	g->orig = *running;
	if (ly_set_new(&g->added) || ly_set_new(&g->dflt)) {
		ly_set_free(g->added, NULL);
		ly_set_free(g->dflt, NULL);
		lyd_free_all(state);
		g->added = g->dflt = NULL;
		return -1;
	}
	rc = graft_level(NULL, running, state, g, &rest);
	/* what was not moved: subtrees whose place running already has */
	lyd_free_all(rest);
	return rc;
}

void np_ungraft(struct lyd_node **running, struct np_graft *g)
{
	uint32_t i;

	if (!g->added)
		return;
	for (i = g->added->count; i-- > 0;)
		lyd_free_tree(g->added->dnodes[i]);
	for (i = 0; i < g->dflt->count; i++)
		g->dflt->dnodes[i]->flags |= LYD_DEFAULT;
	*running = g->orig ? (struct lyd_node *)lyd_first_sibling(g->orig) : NULL;
	ly_set_free(g->added, NULL);
	ly_set_free(g->dflt, NULL);
	g->added = g->dflt = NULL;
}
