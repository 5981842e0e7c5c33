/* SPDX-License-Identifier: Proprietary
 * rampart-cp's libyang type plugin (controlplane/datastore/yang_types.c,
 * rampart-cp-yang-types.so) changes nothing but speed: the same NACM
 * documents are parsed in a context without the plugins and in one with
 * them (libyang binds a type's plugin when the module is compiled), and
 * every result must be the same: success or the same error message and
 * path, the canonical value of every leaf, the XML and JSON prints, a
 * duplicate's print, and the comparison of values between documents.
 *   test_cp_yang_types PLUGIN.so
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libyang/plugins.h>
#include <libyang/plugins_types.h>

#include "datastore/datastore.h"

static const char *plugin_path;
static struct ly_ctx *plain, *plugged;

#define NACM_NS "urn:ietf:params:xml:ns:yang:ietf-netconf-acm"
#define DP_NS   "urn:rampart:params:xml:ns:yang:rampart-dataplane"
#define SYS_NS  "urn:rampart:params:xml:ns:yang:rampart-system"

/* A rule-list with one rule: path (NULL: none, path_attrs on its element),
 * module-name and access-operations, with the prefixes rd (dataplane), sys
 * and n (NACM) declared on <nacm>. */
static char *rule_doc(const char *path, const char *path_attrs, const char *module, const char *ops)
{
	size_t cap = 1024 + (path ? strlen(path) : 0) + (path_attrs ? strlen(path_attrs) : 0) +
		     strlen(module) + strlen(ops);
	char *doc = malloc(cap);

	assert_non_null(doc);
	assert_true((size_t)snprintf(doc, cap,
		"<nacm xmlns=\"" NACM_NS "\" xmlns:rd=\"" DP_NS "\" xmlns:sys=\"" SYS_NS "\""
		" xmlns:n=\"" NACM_NS "\"><rule-list><name>t</name><group>g</group>"
		"<rule><name>r</name><module-name>%s</module-name>%s%s%s%s%s"
		"<access-operations>%s</access-operations><action>deny</action></rule>"
		"</rule-list></nacm>",
		module, path ? "<path " : "", path && path_attrs ? path_attrs : "",
		path ? ">" : "", path ? path : "", path ? "</path>" : "", ops) < cap);
	return doc;
}

struct parsed {
	LY_ERR rc;
	char msg[1024], path[512];
	struct lyd_node *tree;
};

static void parse(struct ly_ctx *ctx, const char *doc, struct parsed *p)
{
	const struct ly_err_item *e;

	memset(p, 0, sizeof(*p));
	ly_err_clean(ctx, NULL);
	p->rc = lyd_parse_data_mem(ctx, doc, LYD_XML, LYD_PARSE_STRICT, LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, &p->tree);
	e = ly_err_last(ctx);
	if (p->rc && e) {
		snprintf(p->msg, sizeof(p->msg), "%s", e->msg ? e->msg : "");
		snprintf(p->path, sizeof(p->path), "%s", e->path ? e->path : "");
	}
}

static char *print(const struct lyd_node *tree, LYD_FORMAT format)
{
	char *text = NULL;

	assert_int_equal(lyd_print_mem(&text, tree, format, LYD_PRINT_WITHSIBLINGS), LY_SUCCESS);
	assert_non_null(text);
	return text;
}

/* The canonical values of every term node, in document order. */
static char *values(const struct lyd_node *tree)
{
	const struct lyd_node *top, *n;
	size_t len = 0, cap = 4096;
	char *out = calloc(1, cap);

	assert_non_null(out);
	LY_LIST_FOR(tree, top) {
		LYD_TREE_DFS_BEGIN(top, n) {
			if (n->schema && (n->schema->nodetype & LYD_NODE_TERM)) {
				const char *v = lyd_get_value(n);
				size_t need = strlen(n->schema->name) + strlen(v) + 3;

				if (len + need >= cap) {
					cap = 2 * (len + need);
					out = realloc(out, cap);
					assert_non_null(out);
				}
				len += (size_t)sprintf(out + len, "%s=%s\n", n->schema->name, v);
			}
			LYD_TREE_DFS_END(top, n);
		}
	}
	return out;
}

static void assert_same_text(char *a, char *b, const char *what, const char *doc)
{
	if (strcmp(a, b))
		fail_msg("%s differs for %s:\n without plugins: %s\n with plugins:    %s", what, doc, a, b);
	free(a);
	free(b);
}

/* Parses doc in both contexts and requires the same outcome. */
static LY_ERR same(const char *doc)
{
	struct parsed a, b;
	struct lyd_node *da = NULL, *db = NULL;

	parse(plain, doc, &a);
	parse(plugged, doc, &b);
	if (a.rc != b.rc)
		fail_msg("%s: rc %d without plugins (%s), %d with (%s)", doc, a.rc, a.msg, b.rc, b.msg);
	if (a.rc) {
		if (strcmp(a.msg, b.msg) || strcmp(a.path, b.path))
			fail_msg("%s: error \"%s\" at %s without plugins, \"%s\" at %s with", doc,
				 a.msg, a.path, b.msg, b.path);
		return a.rc;
	}
	assert_same_text(values(a.tree), values(b.tree), "canonical values", doc);
	assert_same_text(print(a.tree, LYD_XML), print(b.tree, LYD_XML), "XML", doc);
	assert_same_text(print(a.tree, LYD_JSON), print(b.tree, LYD_JSON), "JSON", doc);
	assert_int_equal(lyd_dup_siblings(a.tree, NULL, LYD_DUP_RECURSIVE, &da), LY_SUCCESS);
	assert_int_equal(lyd_dup_siblings(b.tree, NULL, LYD_DUP_RECURSIVE, &db), LY_SUCCESS);
	assert_same_text(print(da, LYD_XML), print(db, LYD_XML), "XML of a duplicate", doc);
	assert_int_equal(lyd_compare_siblings(a.tree, da, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
	assert_int_equal(lyd_compare_siblings(b.tree, db, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
	lyd_free_all(da);
	lyd_free_all(db);
	lyd_free_all(a.tree);
	lyd_free_all(b.tree);
	return LY_SUCCESS;
}

/* want -1: only the same outcome in both contexts */
static void same_path(const char *path, const char *extra_ns, int want)
{
	char *doc = rule_doc(path, extra_ns, "rampart-dataplane", "update");
	LY_ERR rc = same(doc);

	if (want >= 0 && (int)rc != want)
		fail_msg("%s: rc %d, expected %d", doc, rc, want);
	free(doc);
}

static const char *plugin_id(struct ly_ctx *ctx, const char *path)
{
	const struct lysc_node *n = lys_find_path(ctx, NULL, path, 0);
	const struct lysc_type *t;

	assert_non_null(n);
	t = ((const struct lysc_node_leaf *)n)->type;
	if (t->basetype == LY_TYPE_UNION)
		t = ((const struct lysc_type_union *)t)->types[0];
	return t->plugin->id;
}

static int setup(void **state)
{
	char err[512];
	bool loaded;

	(void)state;
	/* the test binary has no plugin beside it: libyang's own */
	if (ds_ctx_new(&plain, err, sizeof(err)))
		return -1;
	ds_type_plugin(&loaded);
	if (loaded || lyplg_add(plugin_path) != LY_SUCCESS)
		return -1;
	return ds_ctx_new(&plugged, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(plain);
	ly_ctx_destroy(plugged);
	return 0;
}

static void test_plugins_in_use(void **state)
{
	const char *rule = "/ietf-netconf-acm:nacm/rule-list/rule/";
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%smodule-name", rule);
	assert_string_equal(plugin_id(plugged, p), "rampart-cp matchall-string-type");
	assert_string_not_equal(plugin_id(plain, p), "rampart-cp matchall-string-type");
}

/* NACM rule paths (node-instance-identifier, libyang's own plugin) in
 * rules whose unions go through the plugin: the same stored values and
 * prints either way; a model for any future plugin of the path type. */
static void test_paths(void **state)
{
	static const char *const ok[] = {
		/* converted here: names, prefixes, [name='literal'] predicates */
		"/rd:dataplane/rd:routes[rd:name='route-1']",
		"/rd:dataplane/rd:routes[rd:name=\"it's\"]/rd:upstream",
		"/n:nacm/n:rule-list[n:name='a']/n:rule[n:name='b']/n:path",
		"/rd:dataplane/routes/name",
		"/rd:dataplane/sys:system/rd:ports",
		"/rd:dataplane/rd:routes[sys:name='a'][rd:listener='b']/rd:x",
		"/rd:dataplane/rd:routes[name='a']/sys:y[rd:k='v']/z",
		"/rd:a.b-c/rd:_d/e.f",
		"/rd:and/rd:or[rd:div='1']/rd:mod",
		"/rd:dataplane/rd:routes[rd:name='']",
		"/rd:dataplane/rd:routes[rd:name='a/b[c]=d']",
		"/dataplane/rd:routes",
		"/sys:system",
		/* libyang's own: other axes, wildcards, positions, functions,
		 * operators, whitespace, prefixes in literals */
		"/rd:dataplane/*",
		"//rd:routes",
		"/rd:dataplane/rd:routes[1]",
		"/rd:dataplane/rd:routes[rd:name = 'x']",
		"/rd:dataplane/child::rd:routes",
		"/rd:dataplane/rd:routes/text()",
		"/rd:dataplane/rd:routes[rd:name='rd:x']",
		"/rd:dataplane/rd:routes[rd:name=\"n:x\"]",
		"/rd:dataplane | /sys:system",
		"/rd:dataplane/rd:routes[rd:name='a' and rd:listener='b']",
		"/rd:dataplane/rd:routes[count(rd:methods)=2]",
		"/rd:dataplane/..",
		"/rd:dataplane/rd:routes[rd:name=$v]",
		"/rd:dataplane/rd:routes[rd:name=current()]",
		"rd:dataplane",
		"/",
		"/rd:dataplane/",
		"/rd:dataplane/rd:routes[rd:name='a']]",
		NULL,
	};
	static const char *const bad[] = {
		"/zz:dataplane",
		"/rd:dataplane/zz:routes",
		"/rd:dataplane/rd:routes[zz:name='a']",
		"/rd:dataplane/rd:routes[rd:name='a'",
		"/rd:",
		"/rd::a",
		NULL,
	};
	char long_path[3000];
	int i;

	(void)state;
	/* libyang checks a node-instance-identifier against the schema, so
	 * some of these are refused: alike in both contexts */
	for (i = 0; ok[i]; i++)
		same_path(ok[i], NULL, -1);
	same_path("/rd:dataplane/rd:routes[rd:name='route-1']", NULL, LY_SUCCESS);
	same_path("/n:nacm/n:rule-list[n:name='a']/n:rule[n:name='b']/n:path", NULL, LY_SUCCESS);
	for (i = 0; bad[i]; i++)
		same_path(bad[i], NULL, LY_EVALID);
	/* a prefix declared on <path> itself, and one redeclared there */
	same_path("/x:dataplane/x:routes[x:name='a']", "xmlns:x=\"" DP_NS "\"", LY_SUCCESS);
	same_path("/rd:system/rd:ports", "xmlns:rd=\"" SYS_NS "\"", -1);
	/* a long value */
	strcpy(long_path, "/rd:dataplane");
	for (i = 0; strlen(long_path) < 2000; i++)
		strcat(long_path, "/rd:routes[rd:name='abcdefgh']");
	same_path(long_path, NULL, -1);
}

/* matchall-string-type in its unions: "*", other values, no member. */
static void test_unions(void **state)
{
	static const struct { const char *module, *ops; LY_ERR want; } v[] = {
		{ "*", "*", LY_SUCCESS },
		{ "rampart-dataplane", "read update", LY_SUCCESS },
		{ "**", "create", LY_SUCCESS },
		{ "x", "bogus", LY_EVALID },
		{ "x", "read *", LY_EVALID },
		{ "x", "**", LY_EVALID },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *doc = rule_doc("/rd:dataplane", NULL, v[i].module, v[i].ops);
		LY_ERR rc = same(doc);

		if (rc != v[i].want)
			fail_msg("%s: rc %d, expected %d", doc, rc, v[i].want);
		free(doc);
	}
}

/* Values stored by the plugin and by libyang compare equal across
 * documents (what a diff between running and an edit relies on). */
static void test_compare_across(void **state)
{
	char *doc = rule_doc("/rd:dataplane/rd:routes[rd:name='a']", NULL, "*", "*");
	char *json = NULL;
	struct parsed a, b;
	struct lyd_node *from_json = NULL, *diff = NULL;

	(void)state;
	parse(plugged, doc, &a);
	parse(plugged, doc, &b);
	assert_int_equal(a.rc, LY_SUCCESS);
	assert_int_equal(b.rc, LY_SUCCESS);
	assert_int_equal(lyd_compare_siblings(a.tree, b.tree, LYD_COMPARE_FULL_RECURSION), LY_SUCCESS);
	/* the same rule read back from JSON (startup.json) is the same data */
	json = print(a.tree, LYD_JSON);
	assert_int_equal(lyd_parse_data_mem(plugged, json, LYD_JSON, LYD_PARSE_STRICT,
					    LYD_VALIDATE_PRESENT | LYD_VALIDATE_NO_STATE, &from_json), LY_SUCCESS);
	assert_int_equal(lyd_diff_siblings(a.tree, from_json, 0, &diff), LY_SUCCESS);
	assert_null(diff);
	free(json);
	free(doc);
	lyd_free_all(from_json);
	lyd_free_all(a.tree);
	lyd_free_all(b.tree);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugins_in_use),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unions),
		cmocka_unit_test(test_compare_across),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s rampart-cp-yang-types.so\n", argv[0]);
		return 2;
	}
	plugin_path = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
