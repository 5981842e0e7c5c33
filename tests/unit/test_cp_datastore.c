/* SPDX-License-Identifier: Proprietary
 * rampart-cp's datastores (controlplane/datastore/): the dataplane document
 * round trip through YANG, error paths of dataplane refusals, and the
 * startup file (atomic write, load on open, refusal of a corrupt file).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "datastore/datastore.h"

static const char *const default_doc =
	"{\"schema\": 1, \"ports\": ["
	" {\"port\": 0, \"name\": \"client\", \"addresses\": [\"10.10.1.1/24\", \"fd00:10:1::1/64\"]},"
	" {\"port\": 1, \"name\": \"backend\", \"addresses\": [\"10.10.2.1/24\"], \"mtu\": 9000}],"
	" \"neighbour\": {\"reachable-ms\": 30000, \"retrans-ms\": 1000, \"probes\": 3,"
	"  \"pending-max\": 8, \"entries-max\": 1024},"
	" \"icmp\": {\"echo\": true}}";

static json_t *doc_load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

static void test_round_trip(void **state)
{
	struct ly_ctx *ctx = NULL;
	struct lyd_node *tree = NULL;
	json_t *in = doc_load(default_doc), *out = NULL;
	char err[512];

	(void)state;
	assert_int_equal(ds_ctx_new(&ctx, err, sizeof(err)), 0);
	assert_int_equal(ds_from_dp_json(ctx, in, &tree, err, sizeof(err)), 0);
	assert_int_equal(ds_to_dp_json(tree, &out, err, sizeof(err)), 0);
	/* explicit values only, host bits kept (not 10.10.1.0/24) */
	assert_true(json_equal(in, out));
	json_decref(out);
	lyd_free_all(tree);
	json_decref(in);
	ly_ctx_destroy(ctx);
}

static void test_invalid_refused(void **state)
{
	static const char *const bad[] = {
		"{\"schema\": 1, \"ports\": [{\"port\": 0, \"mtu\": 100}]}",
		"{\"schema\": 1, \"ports\": [{\"port\": 0, \"addresses\": [\"10.10.1.300/24\"]}]}",
		"{\"schema\": 1, \"ports\": [{\"port\": 9}]}",
		"{\"schema\": 1, \"colour\": 1}",
		"{\"ports\": []}",
	};
	struct ly_ctx *ctx = NULL;
	char err[512];
	size_t i;

	(void)state;
	assert_int_equal(ds_ctx_new(&ctx, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lyd_node *tree = NULL;
		json_t *j = doc_load(bad[i]);

		err[0] = '\0';
		assert_int_equal(ds_from_dp_json(ctx, j, &tree, err, sizeof(err)), -1);
		assert_null(tree);
		assert_true(strlen(err) > 0);
		json_decref(j);
	}
	ly_ctx_destroy(ctx);
}

static void test_pointer_to_path(void **state)
{
	json_t *doc = doc_load(default_doc);
	char path[256];

	(void)state;
	ds_dp_pointer_to_path(doc, "/ports/1/mtu", path, sizeof(path));
	assert_string_equal(path, "/rampart-dataplane:dataplane/ports[port='1']/mtu");
	ds_dp_pointer_to_path(doc, "/ports/0/addresses/1", path, sizeof(path));
	assert_string_equal(path,
			    "/rampart-dataplane:dataplane/ports[port='0']/addresses[.='fd00:10:1::1/64']");
	ds_dp_pointer_to_path(doc, "", path, sizeof(path));
	assert_string_equal(path, "/rampart-dataplane:dataplane");
	/* beyond the document: the rest is kept as it is */
	ds_dp_pointer_to_path(doc, "/ports/7/port", path, sizeof(path));
	assert_string_equal(path, "/rampart-dataplane:dataplane/ports/7/port");
	json_decref(doc);
}

static void test_startup_file(void **state)
{
	char dir[] = "/tmp/test_cp_datastore.XXXXXX", path[512], err[512];
	struct datastore ds, ds2;
	json_t *def = doc_load(default_doc), *run = NULL;
	struct lyd_node *n = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* no startup: running is the default, candidate a copy */
	assert_int_equal(ds_open(&ds, dir, def, err, sizeof(err)), 0);
	assert_false(ds.has_startup);
	assert_non_null(ds.tree[DS_RUNNING]);
	assert_non_null(ds.tree[DS_CANDIDATE]);
	assert_null(ds.tree[DS_STARTUP_DS]);

	/* change running, save it as startup */
	assert_int_equal(lyd_find_path(ds.tree[DS_RUNNING],
				       DS_TOP "/ports[port='0']/name", 0, &n), LY_SUCCESS);
	assert_int_equal(lyd_change_term(n, "saved"), LY_SUCCESS);
	assert_int_equal(ds_save_startup(&ds, ds.tree[DS_RUNNING], err, sizeof(err)), 0);
	assert_true(ds.has_startup);
	snprintf(path, sizeof(path), "%s/.%s.%d.tmp", dir, DS_STARTUP, (int)getpid());
	assert_int_not_equal(access(path, F_OK), 0);
	ds_close(&ds);

	/* a new open starts running from startup */
	assert_int_equal(ds_open(&ds2, dir, def, err, sizeof(err)), 0);
	assert_true(ds2.has_startup);
	assert_int_equal(ds_to_dp_json(ds2.tree[DS_RUNNING], &run, err, sizeof(err)), 0);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(run, "ports"), 0), "name")), "saved");
	json_decref(run);
	assert_int_equal(ds_delete_startup(&ds2, err, sizeof(err)), 0);
	assert_false(ds2.has_startup);
	ds_close(&ds2);

	/* a corrupt startup is an error naming the file */
	snprintf(path, sizeof(path), "%s/%s", dir, DS_STARTUP);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"rampart-dataplane:dataplane\": {\"schema\": 1, \"ports\": [{\"port\": 0, \"mtu\"", f);
	fclose(f);
	assert_int_equal(ds_open(&ds, dir, def, err, sizeof(err)), -1);
	assert_non_null(strstr(err, DS_STARTUP));
	unlink(path);
	rmdir(dir);
	json_decref(def);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_invalid_refused),
		cmocka_unit_test(test_pointer_to_path),
		cmocka_unit_test(test_startup_file),
	};

	ly_log_options(LY_LOSTORE_LAST);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
