/* SPDX-License-Identifier: Proprietary
 * The "waf" member of the configuration document: mode, paranoia level,
 * inbound anomaly threshold, the rule-set directories rampart-cp compiles
 * (checked here, used there), and per-route overrides and exclusions.
 *
 *   "waf": {"mode": "block" | "detect-only" | "off",     default "off"
 *           "paranoia": 1..4,                             default 1
 *           "inbound-threshold": 1..10000,                default 5 (CRS)
 *           "rule-sets": ["/usr/share/modsecurity-crs/rules", ...],
 *           "routes": [{"route": "api", "mode": "detect-only",
 *                       "exclude-rules": [942100],
 *                       "exclude-tags": ["attack-sqli"],
 *                       "exclude-targets": [{"target": "ARGS:q",
 *                                            "rules": [942100]}]}]}
 * Routes are named by their "name" in "routes" (parsed before this).
 */
#include <string.h>

#include "config/config_p.h"

static const char *const mode_names[] = {
	[CFG_WAF_OFF] = "off", [CFG_WAF_DETECT] = "detect-only", [CFG_WAF_BLOCK] = "block",
};

static bool parse_mode(const json_t *v, const char *path, uint8_t *out, struct config_error *err)
{
	const char *m = json_string_value(v);

	for (unsigned i = 0; m && i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (strcmp(m, mode_names[i]) == 0) {
			*out = (uint8_t)i;
			return true;
		}
	return cfg_fail(err, path, "'mode' must be \"block\", \"detect-only\" or \"off\"");
}

/* Printable ASCII without spaces, 1..max bytes. */
static bool token_ok(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static bool parse_ids(const json_t *v, const char *path, uint32_t *ids, uint8_t *n, unsigned max,
		      struct config_error *err)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > max)
		return cfg_fail(err, path, "must be an array of at most %u rule ids", max);
	json_array_foreach(v, i, e) {
		json_int_t id = json_is_integer(e) ? json_integer_value(e) : -1;
		char p[256];

		snprintf(p, sizeof(p), "%s/%zu", path, i);
		if (id < 1 || id > (json_int_t)UINT32_MAX)
			return cfg_fail(err, p, "a rule id must be an integer 1..%u", UINT32_MAX);
		ids[(*n)++] = (uint32_t)id;
	}
	return true;
}

static bool parse_targets(const json_t *v, const char *path, struct cfg_waf_override *o,
			  struct config_error *err)
{
	static const char *const members[] = { "target", "rules", NULL };
	size_t i;
	json_t *e;

	if (!json_is_array(v) || json_array_size(v) > CFG_WAF_MAX_EXCL_TARGETS)
		return cfg_fail(err, path, "must be an array of at most %u targets",
				CFG_WAF_MAX_EXCL_TARGETS);
	json_array_foreach(v, i, e) {
		struct cfg_waf_target_excl *t = &o->targets[o->ntargets];
		const char *name;
		char p[192], q[224];

		snprintf(p, sizeof(p), "%s/%zu", path, i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "must be an object");
		if (!cfg_only_members(e, p, members, err))
			return false;
		name = json_string_value(json_object_get(e, "target"));
		snprintf(q, sizeof(q), "%s/target", p);
		if (!token_ok(name, CFG_WAF_TARGET_MAX))
			return cfg_fail(err, q, "'target' must be VARIABLE or VARIABLE:key, 1..%u printable characters",
					CFG_WAF_TARGET_MAX);
		snprintf(t->target, sizeof(t->target), "%s", name);
		snprintf(q, sizeof(q), "%s/rules", p);
		if (json_object_get(e, "rules") &&
		    !parse_ids(json_object_get(e, "rules"), q, t->rules, &t->nrules,
			       CFG_WAF_MAX_TARGET_RULES, err))
			return false;
		o->ntargets++;
	}
	return true;
}

static int route_named(const struct cfg_proxy *px, const char *name)
{
	for (unsigned i = 0; name && i < px->nroutes; i++)
		if (strcmp(px->route[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool parse_override(struct snapshot *s, const json_t *v, const char *path,
			   struct config_error *err)
{
	static const char *const members[] = { "route", "mode", "exclude-rules", "exclude-tags",
		"exclude-targets", NULL };
	struct cfg_waf_override *o = &s->waf.override[s->waf.noverrides];
	const json_t *tags;
	char p[160];
	int r;

	if (!json_is_object(v))
		return cfg_fail(err, path, "must be an object");
	if (!cfg_only_members(v, path, members, err))
		return false;
	snprintf(p, sizeof(p), "%s/route", path);
	r = route_named(&s->proxy, json_string_value(json_object_get(v, "route")));
	if (r < 0)
		return cfg_fail(err, p, "'route' must name a route of \"routes\"");
	if (s->waf.override_of[r])
		return cfg_fail(err, p, "route '%s' has two WAF overrides", s->proxy.route[r].name);
	o->route = (uint16_t)r;
	if (json_object_get(v, "mode")) {
		snprintf(p, sizeof(p), "%s/mode", path);
		if (!parse_mode(json_object_get(v, "mode"), p, &o->mode, err))
			return false;
		o->has_mode = true;
	}
	snprintf(p, sizeof(p), "%s/exclude-rules", path);
	if (json_object_get(v, "exclude-rules") &&
	    !parse_ids(json_object_get(v, "exclude-rules"), p, o->ids, &o->nids,
		       CFG_WAF_MAX_EXCL_IDS, err))
		return false;
	tags = json_object_get(v, "exclude-tags");
	if (tags) {
		size_t i;
		json_t *e;

		snprintf(p, sizeof(p), "%s/exclude-tags", path);
		if (!json_is_array(tags) || json_array_size(tags) > CFG_WAF_MAX_EXCL_TAGS)
			return cfg_fail(err, p, "must be an array of at most %u tags",
					CFG_WAF_MAX_EXCL_TAGS);
		json_array_foreach(tags, i, e) {
			const char *t = json_string_value(e);

			if (!t || !*t || strlen(t) > CFG_WAF_TAG_MAX) {
				snprintf(p, sizeof(p), "%s/exclude-tags/%zu", path, i);
				return cfg_fail(err, p, "a tag must be a string of 1..%u bytes",
						CFG_WAF_TAG_MAX);
			}
			snprintf(o->tags[o->ntags++], CFG_WAF_TAG_MAX + 1, "%s", t);
		}
	}
	snprintf(p, sizeof(p), "%s/exclude-targets", path);
	if (json_object_get(v, "exclude-targets") &&
	    !parse_targets(json_object_get(v, "exclude-targets"), p, o, err))
		return false;
	s->waf.override_of[r] = (uint8_t)(s->waf.noverrides + 1);
	s->waf.noverrides++;
	return true;
}

void config_waf_defaults(struct cfg_waf *w)
{
	memset(w, 0, sizeof(*w));
	w->mode = CFG_WAF_OFF;
	w->paranoia = 1;
	w->inbound_threshold = 5;
}

bool config_parse_waf(struct snapshot *s, const json_t *doc, struct config_error *err)
{
	static const char *const members[] = { "mode", "paranoia", "inbound-threshold",
		"rule-sets", "routes", NULL };
	const json_t *w = json_object_get(doc, "waf"), *sets, *routes;
	uint32_t u;
	size_t i;
	json_t *e;

	config_waf_defaults(&s->waf);
	if (w == NULL)
		return true;
	if (!json_is_object(w))
		return cfg_fail(err, "/waf", "'waf' must be an object");
	if (!cfg_only_members(w, "/waf", members, err))
		return false;
	if (json_object_get(w, "mode") &&
	    !parse_mode(json_object_get(w, "mode"), "/waf/mode", &s->waf.mode, err))
		return false;
	if (!cfg_get_u32(w, "/waf", "paranoia", 1, 1, 4, &u, err))
		return false;
	s->waf.paranoia = (uint8_t)u;
	if (!cfg_get_u32(w, "/waf", "inbound-threshold", 1, 5, 10000, &s->waf.inbound_threshold,
			 err))
		return false;
	/* used by rampart-cp only; checked here so a bad path is refused once */
	sets = json_object_get(w, "rule-sets");
	if (sets) {
		if (!json_is_array(sets) || json_array_size(sets) > CFG_WAF_MAX_RULE_SETS)
			return cfg_fail(err, "/waf/rule-sets",
					"'rule-sets' must be an array of at most %u directories",
					CFG_WAF_MAX_RULE_SETS);
		json_array_foreach(sets, i, e) {
			const char *d = json_string_value(e);
			char p[64];

			snprintf(p, sizeof(p), "/waf/rule-sets/%zu", i);
			if (!d || d[0] != '/' || strlen(d) > CFG_WAF_PATH_MAX)
				return cfg_fail(err, p, "a rule set must be an absolute directory path of at most %u bytes",
						CFG_WAF_PATH_MAX);
		}
	}
	routes = json_object_get(w, "routes");
	if (routes) {
		if (!json_is_array(routes) || json_array_size(routes) > CFG_WAF_MAX_OVERRIDES)
			return cfg_fail(err, "/waf/routes",
					"'routes' must be an array of at most %u overrides",
					CFG_WAF_MAX_OVERRIDES);
		json_array_foreach(routes, i, e) {
			char p[64];

			snprintf(p, sizeof(p), "/waf/routes/%zu", i);
			if (!parse_override(s, e, p, err))
				return false;
		}
	}
	return true;
}
