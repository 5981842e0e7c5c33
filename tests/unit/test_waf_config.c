/* SPDX-License-Identifier: Proprietary
 * The "waf" member of the configuration: defaults, a full document, and one
 * bad field at a time refused with its JSON pointer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"

#define BASE "{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.10.1.1/24\"]}," \
	"{\"port\":1,\"addresses\":[\"10.10.2.1/24\"]}]," \
	"\"listeners\":[{\"name\":\"web\",\"port\":80}]," \
	"\"upstreams\":[{\"name\":\"pool\",\"servers\":[{\"address\":\"10.10.2.2\",\"port\":8000}]}]," \
	"\"routes\":[{\"name\":\"api\",\"listener\":\"web\",\"path-prefix\":\"/api\",\"upstream\":\"pool\"}," \
	"{\"name\":\"open\",\"listener\":\"web\",\"path-prefix\":\"/open\",\"upstream\":\"pool\"}]"

static struct snapshot *
parse(const char *waf, struct config_error *err)
{
	char text[4096];
	json_error_t jerr;
	json_t *doc;
	struct snapshot *s;

	snprintf(text, sizeof(text), "%s%s%s}", BASE, waf ? ",\"waf\":" : "", waf ? waf : "");
	doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("bad test JSON: %s: %s", jerr.text, text);
	s = config_parse(doc, 2, err);
	json_decref(doc);
	return s;
}

static void
test_defaults(void **state)
{
	struct config_error err;
	struct snapshot *s = parse(NULL, &err);

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->waf.mode, CFG_WAF_OFF);
	assert_int_equal(s->waf.paranoia, 1);
	assert_int_equal(s->waf.inbound_threshold, 5);
	assert_int_equal(s->waf.noverrides, 0);
	assert_null(s->waf_rt);
	snapshot_free(s);
}

static void
test_full(void **state)
{
	struct config_error err;
	struct snapshot *s = parse(
		"{\"mode\":\"block\",\"paranoia\":3,\"inbound-threshold\":10,"
		"\"rule-sets\":[\"/usr/share/modsecurity-crs/rules\",\"/etc/rampart/rules\"],"
		"\"routes\":[{\"route\":\"open\",\"mode\":\"detect-only\",\"exclude-rules\":[942100,920350],"
		"\"exclude-tags\":[\"attack-sqli\"],"
		"\"exclude-targets\":[{\"target\":\"ARGS:q\",\"rules\":[941100]},{\"target\":\"REQUEST_COOKIES\"}]}]}",
		&err);
	const struct cfg_waf_override *o;

	(void)state;
	if (!s)
		fail_msg("%s: %s", err.path, err.message);
	assert_int_equal(s->waf.mode, CFG_WAF_BLOCK);
	assert_int_equal(s->waf.paranoia, 3);
	assert_int_equal(s->waf.inbound_threshold, 10);
	assert_int_equal(s->waf.noverrides, 1);
	assert_int_equal(s->waf.override_of[0], 0);
	assert_int_equal(s->waf.override_of[1], 1);
	o = &s->waf.override[0];
	assert_int_equal(o->route, 1);
	assert_true(o->has_mode);
	assert_int_equal(o->mode, CFG_WAF_DETECT);
	assert_int_equal(o->nids, 2);
	assert_int_equal(o->ids[1], 920350);
	assert_int_equal(o->ntags, 1);
	assert_string_equal(o->tags[0], "attack-sqli");
	assert_int_equal(o->ntargets, 2);
	assert_string_equal(o->targets[0].target, "ARGS:q");
	assert_int_equal(o->targets[0].nrules, 1);
	assert_int_equal(o->targets[0].rules[0], 941100);
	assert_int_equal(o->targets[1].nrules, 0);
	snapshot_free(s);
}

static void
refused(const char *waf, const char *path)
{
	struct config_error err;
	struct snapshot *s = parse(waf, &err);

	if (s)
		fail_msg("accepted: %s", waf);
	if (strcmp(err.path, path) != 0)
		fail_msg("%s: refused at '%s' (%s), expected '%s'", waf, err.path, err.message, path);
}

static void
test_refusals(void **state)
{
	(void)state;
	refused("[]", "/waf");
	refused("{\"bogus\":1}", "/waf/bogus");
	refused("{\"mode\":\"on\"}", "/waf/mode");
	refused("{\"mode\":1}", "/waf/mode");
	refused("{\"paranoia\":0}", "/waf/paranoia");
	refused("{\"paranoia\":5}", "/waf/paranoia");
	refused("{\"inbound-threshold\":0}", "/waf/inbound-threshold");
	refused("{\"rule-sets\":\"/x\"}", "/waf/rule-sets");
	refused("{\"rule-sets\":[\"relative/dir\"]}", "/waf/rule-sets/0");
	refused("{\"rule-sets\":[\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\",\"/9\"]}",
		"/waf/rule-sets");
	refused("{\"routes\":{}}", "/waf/routes");
	refused("{\"routes\":[{\"route\":\"nope\"}]}", "/waf/routes/0/route");
	refused("{\"routes\":[{\"route\":\"api\"},{\"route\":\"api\"}]}", "/waf/routes/1/route");
	refused("{\"routes\":[{\"route\":\"api\",\"mode\":\"x\"}]}", "/waf/routes/0/mode");
	refused("{\"routes\":[{\"route\":\"api\",\"what\":1}]}", "/waf/routes/0/what");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-rules\":[0]}]}",
		"/waf/routes/0/exclude-rules/0");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-rules\":[\"942100\"]}]}",
		"/waf/routes/0/exclude-rules/0");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-tags\":[\"\"]}]}",
		"/waf/routes/0/exclude-tags/0");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-targets\":[{\"target\":\"ARGS q\"}]}]}",
		"/waf/routes/0/exclude-targets/0/target");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-targets\":[{\"target\":\"ARGS\",\"x\":1}]}]}",
		"/waf/routes/0/exclude-targets/0/x");
	refused("{\"routes\":[{\"route\":\"api\",\"exclude-targets\":[{\"target\":\"ARGS\","
		"\"rules\":[1,2,3,4,5,6,7,8,9]}]}]}",
		"/waf/routes/0/exclude-targets/0/rules");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
