/* SPDX-License-Identifier: Proprietary
 * NACM rule evaluation (controlplane/netconf/nacm.c) on rampart-cp's own
 * YANG context: defaults, groups and rule-list order, rpc-name /
 * notification-name / path rules, the default-deny-all / -write
 * extensions, read pruning, diff checks with the denied path, enable-nacm
 * false, and the counters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "datastore/datastore.h"
#include "netconf/nacm.h"

static struct ly_ctx *ctx;

/* admin: permit-all; readers (viewer): read rampart-dataplane, deny the
 * config-change notification; ops (oper): write the ports' addresses;
 * everyone ("*" rule-list): deny exec of validate. */
static const char *const policy =
	"{\"ietf-netconf-acm:nacm\": {"
	" \"groups\": {\"group\": ["
	"  {\"name\": \"admin\", \"user-name\": [\"root\"]},"
	"  {\"name\": \"readers\", \"user-name\": [\"viewer\", \"both\"]},"
	"  {\"name\": \"ops\", \"user-name\": [\"oper\", \"both\"]}]},"
	" \"rule-list\": ["
	"  {\"name\": \"admin\", \"group\": [\"admin\"], \"rule\": ["
	"    {\"name\": \"all\", \"module-name\": \"*\", \"access-operations\": \"*\", \"action\": \"permit\"}]},"
	"  {\"name\": \"readers\", \"group\": [\"readers\"], \"rule\": ["
	"    {\"name\": \"no-notif\", \"module-name\": \"ietf-netconf-notifications\","
	"     \"notification-name\": \"netconf-config-change\", \"access-operations\": \"read\", \"action\": \"deny\"},"
	"    {\"name\": \"no-echo\", \"module-name\": \"rampart-dataplane\","
	"     \"path\": \"/rampart-dataplane:dataplane/icmp\", \"access-operations\": \"*\", \"action\": \"deny\"},"
	"    {\"name\": \"read\", \"module-name\": \"rampart-dataplane\", \"access-operations\": \"read\", \"action\": \"permit\"}]},"
	"  {\"name\": \"ops\", \"group\": [\"ops\"], \"rule\": ["
	"    {\"name\": \"addr\", \"module-name\": \"*\","
	"     \"path\": \"/rampart-dataplane:dataplane/ports/addresses\","
	"     \"access-operations\": \"create delete\", \"action\": \"permit\"}]},"
	"  {\"name\": \"everyone\", \"group\": [\"*\"], \"rule\": ["
	"    {\"name\": \"no-validate\", \"module-name\": \"ietf-netconf\", \"rpc-name\": \"validate\","
	"     \"access-operations\": \"exec\", \"action\": \"deny\"}]}]},"
	" \"rampart-system:system\": {\"authentication\": {\"user\": ["
	"   {\"name\": \"viewer\", \"password\": \"$6$abcdefgh$BOw/nV5aU2HJ8o7otKMCN5S.MoSoxPoAUYewKjq5oSqs8UMghGB3x4G4HaPK7NZqL54npGT9hs/qRSokU.4Qt/\"}]}},"
	" \"rampart-dataplane:dataplane\": {\"schema\": 1, \"ports\": ["
	"   {\"port\": 0, \"name\": \"client\", \"addresses\": [\"10.10.1.1/24\"]}],"
	"  \"icmp\": {\"echo\": true}}}";

static struct lyd_node *parse(const char *json)
{
	struct lyd_node *tree = NULL;

	assert_int_equal(lyd_parse_data_mem(ctx, json, LYD_JSON, LYD_PARSE_STRICT | LYD_PARSE_NO_STATE,
					    LYD_VALIDATE_NO_STATE, &tree), LY_SUCCESS);
	return tree;
}

/* A fragment to merge into a full configuration: parsed, not validated. */
static struct lyd_node *fragment(const char *json)
{
	struct lyd_node *tree = NULL;

	assert_int_equal(lyd_parse_data_mem(ctx, json, LYD_JSON,
					    LYD_PARSE_STRICT | LYD_PARSE_NO_STATE | LYD_PARSE_ONLY,
					    0, &tree), LY_SUCCESS);
	return tree;
}

static const struct lysc_node *op(const char *path)
{
	const struct lysc_node *s = lys_find_path(ctx, NULL, path, 0);

	assert_non_null(s);
	return s;
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	return ds_ctx_new(&ctx, err, sizeof(err));
}

static int teardown(void **state)
{
	(void)state;
	ly_ctx_destroy(ctx);
	return 0;
}

static void test_defaults_without_config(void **state)
{
	struct nacm n;

	(void)state;
	/* the server itself: no checks */
	assert_int_equal(nacm_init(&n, NULL, NULL), 0);
	assert_false(n.enabled);
	assert_true(nacm_permits_all(&n, NACM_ALL));
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:kill-session")));
	nacm_fini(&n);

	/* a user and no /nacm: the module's defaults */
	assert_int_equal(nacm_init(&n, NULL, "someone"), 0);
	assert_true(n.enabled && n.read_permit && n.exec_permit && !n.write_permit);
	assert_false(nacm_permits_all(&n, NACM_READ));
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:get-config")));
	/* default-deny-all in ietf-netconf (RFC 8341 3.2.8) */
	assert_false(nacm_exec_permitted(&n, op("/ietf-netconf:kill-session")));
	assert_false(nacm_exec_permitted(&n, op("/ietf-netconf:delete-config")));
	/* close-session is always permitted */
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:close-session")));
	nacm_fini(&n);
}

static void test_exec_rules(void **state)
{
	struct lyd_node *cfg = parse(policy);
	uint64_t before = nacm_counters.denied_operations;
	struct nacm n;

	(void)state;
	assert_int_equal(nacm_init(&n, cfg, "root"), 0);
	assert_true(nacm_permits_all(&n, NACM_ALL));
	/* an explicit permit overrides default-deny-all */
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:kill-session")));
	/* rule-lists in order: admin's permit-all comes before everyone's deny */
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:validate")));
	nacm_fini(&n);

	assert_int_equal(nacm_init(&n, cfg, "viewer"), 0);
	assert_false(nacm_permits_all(&n, NACM_READ));
	assert_false(nacm_exec_permitted(&n, op("/ietf-netconf:validate")));   /* "*" group rule */
	assert_false(nacm_exec_permitted(&n, op("/ietf-netconf:kill-session"))); /* extension */
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:edit-config")));  /* exec-default */
	assert_int_equal(nacm_counters.denied_operations, before + 2);
	nacm_fini(&n);

	/* a user in no group: the "*" rule-list does not apply (3.4.4 step 5) */
	assert_int_equal(nacm_init(&n, cfg, "stranger"), 0);
	assert_int_equal(n.nrules, 0);
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:validate")));
	nacm_fini(&n);
	lyd_free_all(cfg);
}

static void test_notifications(void **state)
{
	struct lyd_node *cfg = parse(policy);
	uint64_t before = nacm_counters.denied_notifications;
	struct nacm n;

	(void)state;
	assert_int_equal(nacm_init(&n, cfg, "viewer"), 0);
	assert_false(nacm_notif_permitted(&n, op("/ietf-netconf-notifications:netconf-config-change")));
	assert_true(nacm_notif_permitted(&n, op("/ietf-netconf-notifications:netconf-confirmed-commit")));
	assert_int_equal(nacm_counters.denied_notifications, before + 1);
	/* nodes named by a notification but gone from the data: a path rule
	 * that could apply hides them (viewer has one on icmp) */
	assert_false(nacm_schema_read_permitted(&n, op("/rampart-dataplane:dataplane/ports/addresses")));
	nacm_fini(&n);
	assert_int_equal(nacm_init(&n, cfg, "oper"), 0);
	assert_true(nacm_schema_read_permitted(&n, op("/rampart-dataplane:dataplane/ports/addresses")));
	assert_false(nacm_schema_read_permitted(&n, op("/rampart-system:system/authentication/user/password")));
	nacm_fini(&n);
	assert_int_equal(nacm_init(&n, cfg, "root"), 0);
	assert_true(nacm_notif_permitted(&n, op("/ietf-netconf-notifications:netconf-config-change")));
	assert_true(nacm_schema_read_permitted(&n, op("/rampart-system:system/authentication/user/password")));
	nacm_fini(&n);
	lyd_free_all(cfg);
}

static bool has(const struct lyd_node *tree, const char *xpath)
{
	struct ly_set *set = NULL;
	bool found;

	if (!tree)
		return false;
	assert_int_equal(lyd_find_xpath(tree, xpath, &set), LY_SUCCESS);
	found = set->count > 0;
	ly_set_free(set, NULL);
	return found;
}

static void test_read_pruning(void **state)
{
	struct lyd_node *cfg = parse(policy), *tree = NULL;
	char path[256];
	struct nacm n;

	(void)state;
	/* viewer: the dataplane without icmp (a deny path rule), the user
	 * entry without its hash (default-deny-all), no /nacm (default-deny-all) */
	assert_int_equal(nacm_init(&n, cfg, "viewer"), 0);
	assert_int_equal(lyd_dup_siblings(cfg, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	assert_int_equal(nacm_prune_read(&n, &tree), 0);
	assert_true(has(tree, "/rampart-dataplane:dataplane/ports[port='0']/addresses"));
	assert_false(has(tree, "/rampart-dataplane:dataplane/icmp"));
	assert_true(has(tree, "/rampart-system:system/authentication/user[name='viewer']"));
	assert_false(has(tree, "/rampart-system:system/authentication/user/password"));
	assert_false(has(tree, "/ietf-netconf-acm:nacm"));
	lyd_free_all(tree);
	/* the same question without pruning, as copy-config asks it */
	assert_int_equal(nacm_check_readable(&n, cfg, path, sizeof(path)), 1);
	assert_string_equal(path, "/ietf-netconf-acm:nacm");
	nacm_fini(&n);

	/* root: everything, the hash included */
	assert_int_equal(nacm_init(&n, cfg, "root"), 0);
	assert_int_equal(lyd_dup_siblings(cfg, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	assert_int_equal(nacm_prune_read(&n, &tree), 0);
	assert_true(has(tree, "/rampart-system:system/authentication/user/password"));
	assert_true(has(tree, "/ietf-netconf-acm:nacm/rule-list"));
	assert_int_equal(nacm_check_readable(&n, cfg, path, sizeof(path)), 0);
	lyd_free_all(tree);
	nacm_fini(&n);
	lyd_free_all(cfg);
}

/* Edit a copy of cfg with json merged in, diff, and check for user. */
static int check_change(const struct lyd_node *cfg, const char *user, const char *merge,
			bool delete_icmp, char *path, size_t len)
{
	struct lyd_node *new = NULL, *add, *diff = NULL, *icmp = NULL;
	struct nacm n;
	int r;

	assert_int_equal(lyd_dup_siblings(cfg, NULL, LYD_DUP_RECURSIVE | LYD_DUP_WITH_FLAGS, &new),
			 LY_SUCCESS);
	if (merge) {
		add = fragment(merge);
		assert_int_equal(lyd_merge_siblings(&new, add, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	}
	if (delete_icmp) {
		assert_int_equal(lyd_find_path(new, "/rampart-dataplane:dataplane/icmp", 0, &icmp),
				 LY_SUCCESS);
		lyd_free_tree(icmp);
	}
	assert_int_equal(lyd_diff_siblings(cfg, new, 0, &diff), LY_SUCCESS);
	assert_int_equal(nacm_init(&n, cfg, user), 0);
	r = nacm_check_diff(&n, diff, path, len);
	nacm_fini(&n);
	lyd_free_all(diff);
	lyd_free_all(new);
	return r;
}

static void test_write_checks(void **state)
{
	static const char *const addr =
		"{\"rampart-dataplane:dataplane\": {\"schema\": 1, \"ports\": ["
		" {\"port\": 0, \"addresses\": [\"10.10.1.9/24\"]}]}}";
	static const char *const echo =
		"{\"rampart-dataplane:dataplane\": {\"schema\": 1, \"icmp\": {\"echo\": false}}}";
	static const char *const pw =
		"{\"rampart-system:system\": {\"authentication\": {\"user\": ["
		" {\"name\": \"viewer\", \"password\": \"$6$zzzzzzzz$BOw/nV5aU2HJ8o7otKMCN5S.MoSoxPoAUYewKjq5oSqs8UMghGB3x4G4HaPK7NZqL54npGT9hs/qRSokU.4Qt/\"}]}}}";
	struct lyd_node *cfg = parse(policy);
	uint64_t before = nacm_counters.denied_data_writes;
	char path[512];

	(void)state;
	/* viewer: write-default deny */
	assert_int_equal(check_change(cfg, "viewer", addr, false, path, sizeof(path)), 1);
	assert_string_equal(path, "/rampart-dataplane:dataplane/ports[port='0']/addresses[.='10.10.1.9/24']");
	/* oper: its path rule permits creating an address under ports... */
	assert_int_equal(check_change(cfg, "oper", addr, false, path, sizeof(path)), 0);
	/* ...not updating echo (update, not covered) */
	assert_int_equal(check_change(cfg, "oper", echo, false, path, sizeof(path)), 1);
	assert_string_equal(path, "/rampart-dataplane:dataplane/icmp/echo");
	/* deleting a subtree checks delete on the node itself first */
	assert_int_equal(check_change(cfg, "oper", NULL, true, path, sizeof(path)), 1);
	assert_string_equal(path, "/rampart-dataplane:dataplane/icmp");
	/* both groups: the readers' deny on icmp comes first */
	assert_int_equal(check_change(cfg, "both", echo, false, path, sizeof(path)), 1);
	/* the password hash: default-deny-all even where writes are allowed */
	assert_int_equal(check_change(cfg, "oper", pw, false, path, sizeof(path)), 1);
	assert_string_equal(path, "/rampart-system:system/authentication/user[name='viewer']/password");
	assert_int_equal(check_change(cfg, "root", pw, false, path, sizeof(path)), 0);
	assert_int_equal(check_change(cfg, "root", echo, true, path, sizeof(path)), 0);
	assert_int_equal(nacm_counters.denied_data_writes, before + 5);
	lyd_free_all(cfg);
}

static void test_disabled(void **state)
{
	struct lyd_node *cfg = parse(policy), *off, *tree = NULL;
	struct nacm n;

	(void)state;
	off = fragment("{\"ietf-netconf-acm:nacm\": {\"enable-nacm\": false}}");
	assert_int_equal(lyd_merge_siblings(&cfg, off, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	assert_int_equal(nacm_init(&n, cfg, "viewer"), 0);
	assert_false(n.enabled);
	assert_true(nacm_permits_all(&n, NACM_ALL));
	assert_true(nacm_exec_permitted(&n, op("/ietf-netconf:kill-session")));
	assert_int_equal(lyd_dup_siblings(cfg, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	assert_int_equal(nacm_prune_read(&n, &tree), 0);
	assert_true(has(tree, "/rampart-system:system/authentication/user/password"));
	lyd_free_all(tree);
	nacm_fini(&n);

	/* read-default deny: nothing without a rule */
	off = fragment("{\"ietf-netconf-acm:nacm\": {\"enable-nacm\": true, \"read-default\": \"deny\"}}");
	assert_int_equal(lyd_merge_siblings(&cfg, off, LYD_MERGE_DESTRUCT), LY_SUCCESS);
	assert_int_equal(nacm_init(&n, cfg, "stranger"), 0);
	assert_int_equal(lyd_dup_siblings(cfg, NULL, LYD_DUP_RECURSIVE, &tree), LY_SUCCESS);
	assert_int_equal(nacm_prune_read(&n, &tree), 0);
	assert_null(tree);
	assert_false(nacm_node_permitted(&n, cfg, NACM_READ));
	nacm_fini(&n);
	lyd_free_all(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_without_config),
		cmocka_unit_test(test_exec_rules),
		cmocka_unit_test(test_notifications),
		cmocka_unit_test(test_read_pruning),
		cmocka_unit_test(test_write_checks),
		cmocka_unit_test(test_disabled),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
