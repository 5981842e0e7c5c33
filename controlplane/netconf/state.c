/* SPDX-License-Identifier: Proprietary
 * Operational state for <get>: /rampart-dataplane:dataplane-state, built from
 * the dataplane's stats-get answer (docs/CONTROL-CHANNEL.md), asked through
 * the main thread's dataplane session like a push (apply_request), so the
 * wait is bounded by DPCLIENT_TIMEOUT_MS and a dataplane that is not
 * connected answers at once. No answer: the state is left out and the <get>
 * still succeeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "netconf/netconf_p.h"

#define STATE_PATH "/rampart-dataplane:dataplane-state"

/* Whether rpc's filter can select dataplane-state or the upstream servers'
 * state: no filter, an XPath with a wildcard or naming the dataplane, or a
 * subtree filter naming dataplane-state or upstreams. Anything else (a
 * filter on other data, or a bare <dataplane/> subtree) skips the round trip
 * to the dataplane. */
static bool np_state_wanted(const struct lyd_node *rpc)
{
	struct lyd_node *filter = NULL;
	const struct lyd_meta *m;
	char *text = NULL;
	bool want = false;

	if (lyd_find_path(rpc, "filter", 0, &filter) || !filter)
		return true;
	for (m = filter->meta; m; m = m->next) {
		if (!strcmp(m->name, "select")) {
			const char *sel = lyd_get_meta_value(m);

			return sel && (strstr(sel, "dataplane") || strchr(sel, '*') ||
				       !strcmp(sel, "/") || strstr(sel, "//"));
		}
	}
	if (lyd_any_value_str(filter, &text) == LY_SUCCESS && text)
		want = strstr(text, "dataplane") != NULL;   /* any node of our dataplane module */
	free(text);
	return want;
}

static int np_state_build(const json_t *reply, struct lyd_node **out)
{
	const json_t *counters = json_object_get(reply, "counters");
	const json_t *workers = json_object_get(reply, "workers");
	struct lyd_node *top = NULL;
	const char *lname, *cname;
	const json_t *layer, *v, *w;
	char num[32];
	size_t i;

	if (lyd_new_path(NULL, np.ds.ctx, STATE_PATH, NULL, 0, &top))
		return -1;
	json_object_foreach((json_t *)counters, lname, layer) {
		struct lyd_node *l = NULL;

		if (!json_is_object(layer) || lyd_new_list(top, NULL, "layer", 0, &l, lname))
			continue;
		json_object_foreach((json_t *)layer, cname, v) {
			struct lyd_node *c = NULL;

			if (!json_is_integer(v) || json_integer_value(v) < 0)
				continue;
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			if (lyd_new_list(l, NULL, "counter", 0, &c, cname) == LY_SUCCESS)
				lyd_new_term(c, NULL, "value", num, 0, NULL);
		}
	}
	json_array_foreach((json_t *)workers, i, w) {
		static const struct { const char *json, *leaf; } f[] = {
			{ "lcore", "lcore" }, { "busy_pct", "busy-percent" }, { "rx", "rx-packets" },
		};
		const json_t *idx = json_object_get(w, "worker");
		struct lyd_node *n = NULL;
		size_t k;

		snprintf(num, sizeof(num), "%lld",
			 json_is_integer(idx) ? (long long)json_integer_value(idx) : (long long)i);
		if (lyd_new_list(top, NULL, "worker", 0, &n, num))
			continue;
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			v = json_object_get(w, f[k].json);
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				continue;
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			lyd_new_term(n, NULL, f[k].leaf, num, 0, NULL);
		}
	}
	*out = top;
	return 0;
}

/* The servers' health from stats-get's "upstreams" rows as
 * /dataplane/upstreams[name]/servers[address][port]/state in *tree (the
 * list entries with their keys only, to be grafted onto running). Only
 * servers running holds get state: a row of a server running no longer has
 * (the dataplane answered before a commit reached it) or one the model could
 * not hold is skipped, not fatal to the <get>. */
static void np_state_upstreams(const json_t *rows, const struct lyd_node *running,
			       struct lyd_node **tree)
{
	static const struct { const char *json, *leaf; } f[] = {
		{ "ejected_workers", "ejected-workers" }, { "requests", "requests" },
		{ "failures", "failures" }, { "ejections", "ejections" },
		{ "checks", "checks" }, { "check_failures", "check-failures" },
	};
	struct lyd_node *srv, *st, *top;
	const json_t *row, *v;
	char path[512], num[32];
	size_t i, k;

	json_array_foreach((json_t *)rows, i, row) {
		const char *name = json_string_value(json_object_get(row, "upstream"));
		const char *addr = json_string_value(json_object_get(row, "address"));
		const char *status = json_string_value(json_object_get(row, "status"));
		const json_t *port = json_object_get(row, "port");

		/* Quotes would end the predicate; the model allows none. */
		if (!running || !name || !addr || !json_is_integer(port) || strchr(name, '\'') ||
		    strchr(addr, '\''))
			continue;
		if (snprintf(path, sizeof(path),
			     "/rampart-dataplane:dataplane/upstreams[name='%s']/servers"
			     "[address='%s'][port='%lld']",
			     name, addr, (long long)json_integer_value(port)) >= (int)sizeof(path))
			continue;
		srv = st = NULL;
		if (lyd_find_path(running, path, 0, &srv) || !srv)
			continue;
		if (strlen(path) + sizeof("/state") > sizeof(path))
			continue;
		strcat(path, "/state");
		if (lyd_new_path2(*tree, np.ds.ctx, path, NULL, 0, 0, LYD_NEW_PATH_UPDATE, &top, &st) ||
		    !st) {
			log_debug("NETCONF: <get> skips upstream state of %s", path);
			continue;
		}
		if (!*tree)
			*tree = top;
		*tree = lyd_first_sibling(*tree);
		if (status)
			lyd_new_term(st, NULL, "status", status, 0, NULL);
		for (k = 0; k < sizeof(f) / sizeof(f[0]); k++) {
			v = json_object_get(row, f[k].json);
			if (!json_is_integer(v) || json_integer_value(v) < 0)
				continue;
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			lyd_new_term(st, NULL, f[k].leaf, num, 0, NULL);
		}
	}
}

int np_state_data(const struct lyd_node *rpc, const struct lyd_node *running,
		  struct lyd_node **tree)
{
	struct apply_result res;
	struct lyd_node *st = NULL;
	json_t *req;

	if (!np_state_wanted(rpc))
		return 0;
	req = json_pack("{s:s}", "type", "stats-get");
	if (!req)
		return -1;
	apply_request(np.bridge, req, &res);
	json_decref(req);
	if (!res.ok || !json_is_true(json_object_get(res.reply, "ok"))) {
		log_debug("NETCONF: <get> without dataplane state: %s",
			  res.ok ? "stats-get refused" : res.message);
		json_decref(res.reply);
		return 0;
	}
	if (np_state_build(res.reply, &st)) {
		json_decref(res.reply);
		lyd_free_all(st);
		return -1;
	}
	if (lyd_merge_siblings(tree, st, LYD_MERGE_DESTRUCT)) {
		lyd_free_all(st);
		json_decref(res.reply);
		return -1;
	}
	np_state_upstreams(json_object_get(res.reply, "upstreams"), running, tree);
	json_decref(res.reply);
	return 0;
}
