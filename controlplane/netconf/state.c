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

/* Whether rpc's filter can select dataplane-state: no filter, an XPath with
 * a wildcard, or a filter naming dataplane-state. Anything else (a filter on
 * other data) skips the round trip to the dataplane. */
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

			return sel && (strstr(sel, "dataplane-state") || strchr(sel, '*') ||
				       !strcmp(sel, "/") || strstr(sel, "//"));
		}
	}
	if (lyd_any_value_str(filter, &text) == LY_SUCCESS && text)
		want = strstr(text, "dataplane-state") != NULL;
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

int np_state_data(const struct lyd_node *rpc, struct lyd_node **tree)
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
	json_decref(res.reply);
	if (lyd_merge_siblings(tree, st, LYD_MERGE_DESTRUCT)) {
		lyd_free_all(st);
		return -1;
	}
	return 0;
}
