/* SecLang importer: lexer and rule model on hand-written rules, then the
 * installed OWASP CRS 3.3.4 (argv[1], skipped with a message if absent):
 * zero parse errors, at least CRS_MIN_IMPORTED rules imported, every
 * imported pattern compiles somewhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "crs_import.h"

#define CRS_MIN_IMPORTED 205 /* docs/waf-import-report.md, Nov 2026 */

static const char *crs_dir;

static void parse(struct waf_ruleset *rs, const char *text)
{
	assert_int_equal(seclang_parse(rs, text, strlen(text), "t.conf"), 0);
	assert_int_equal(crs_classify(rs), 0);
}

static void test_rule_model(void **state)
{
	(void)state;
	struct waf_ruleset rs = { 0 };
	parse(&rs,
	      "# comment\n"
	      "SecRule REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|ARGS_NAMES|ARGS|!ARGS:foo|XML:/* \\\n"
	      "    \"@rx (?i)union\\s+select\" \\\n"
	      "    \"id:942100,phase:2,block,capture,t:none,t:urlDecodeUni,t:lowercase,\\\n"
	      "    msg:'SQL Injection, \\'quoted\\'',tag:'attack-sqli',tag:'paranoia-level/2',\\\n"
	      "    severity:'CRITICAL',setvar:'tx.sql_injection_score=+%{tx.critical_anomaly_score}',\\\n"
	      "    setvar:'TX.anomaly_score_pl1=+5',setvar:!tx.x\"\n");
	assert_int_equal(rs.n_errors, 0);
	assert_int_equal(rs.n_all, 1);
	assert_int_equal(rs.n_imported, 1);
	const struct waf_rule *r = rs.all[0];
	assert_int_equal(r->id, 942100);
	assert_int_equal(r->phase, 2);
	assert_int_equal(r->severity, 2);
	assert_int_equal(r->paranoia, 2); /* from the tag: no gate in this file */
	assert_int_equal(r->disrupt, WAF_D_BLOCK);
	assert_true(r->capture);
	assert_int_equal(r->n_targets, 6);
	assert_int_equal(r->targets[0].var, WAF_V_REQUEST_COOKIES);
	assert_true(r->targets[1].exclude);
	assert_true(r->targets[1].key_regex);
	assert_string_equal(r->targets[1].key, "__utm");
	assert_true(r->targets[4].exclude);
	assert_false(r->targets[4].key_regex);
	assert_string_equal(r->targets[4].key, "foo");
	assert_int_equal(r->targets[5].var, WAF_V_XML);
	assert_string_equal(r->targets[5].key, "/*");
	assert_int_equal(r->op, WAF_OP_RX);
	assert_string_equal(r->op_arg, "(?i)union\\s+select");
	assert_int_equal(r->n_tfn, 2); /* t:none resets */
	assert_int_equal(r->tfn[0], WAF_T_URLDECODEUNI);
	assert_int_equal(r->tfn[1], WAF_T_LOWERCASE);
	assert_string_equal(r->msg, "SQL Injection, 'quoted'");
	assert_int_equal(r->n_tags, 2);
	assert_int_equal(r->n_setvars, 3);
	assert_string_equal(r->setvars[0].name, "tx.sql_injection_score");
	assert_int_equal(r->setvars[0].op, WAF_SV_ADD);
	assert_string_equal(r->setvars[0].value, "%{tx.critical_anomaly_score}");
	assert_string_equal(r->setvars[1].name, "tx.anomaly_score_pl1");
	assert_int_equal(r->setvars[2].op, WAF_SV_UNSET);
	waf_ruleset_free(&rs);
}

static void test_chain_and_gate(void **state)
{
	(void)state;
	struct waf_ruleset rs = { 0 };
	parse(&rs,
	      "SecRule TX:EXECUTING_PARANOIA_LEVEL \"@lt 3\" \"id:1,phase:1,pass,nolog,skipAfter:END\"\n"
	      "SecRule REQUEST_METHOD \"!@within %{tx.allowed_methods}\" \"id:2,phase:request,block,chain\"\n"
	      "    SecRule &REQUEST_HEADERS:Host \"@eq 0\" \"t:none,chain\"\n"
	      "        SecRule MATCHED_VAR \"rx-implicit\" \"setvar:tx.a=1\"\n"
	      "SecMarker \"END\"\n"
	      "SecRule ARGS \"@detectSQLi\" \"id:3,phase:2,block\"\n"
	      "SecRule RESPONSE_BODY \"@rx x\" \"id:4,phase:4,block\"\n"
	      "SecAction \"id:5,phase:1,pass,nolog,setvar:tx.paranoia_level=1\"\n"
	      "SecRule REMOTE_ADDR \"@ipMatch 127.0.0.1\" \"id:6,phase:1,pass,ctl:ruleEngine=Off\"\n"
	      "SecRule ARGS \"@rx a\" \"id:7,phase:2,t:sha1,block\"\n"
	      "SecComponentSignature \"x\"\n");
	assert_int_equal(rs.n_errors, 0);
	assert_int_equal(rs.n_all, 7);
	const struct waf_rule *r = rs.all[1];
	assert_int_equal(r->id, 2);
	assert_int_equal(r->paranoia, 3);
	assert_true(r->op_negated);
	assert_int_equal(r->op, WAF_OP_WITHIN);
	assert_true(r->op_arg_macro);
	assert_non_null(r->chain);
	assert_true(r->chain->targets[0].count);
	assert_string_equal(r->chain->targets[0].key, "Host");
	assert_int_equal(r->chain->op, WAF_OP_EQ);
	assert_non_null(r->chain->chain);
	assert_int_equal(r->chain->chain->op, WAF_OP_RX);
	assert_string_equal(r->chain->chain->op_arg, "rx-implicit");
	assert_null(r->chain->chain->chain);
	assert_int_equal(rs.all[2]->paranoia, 1); /* the marker ended the gate */
	assert_int_equal(rs.n_imported, 2); /* 2 and 3 (@detectSQLi has a runtime) */
	assert_ptr_equal(rs.imported[0], r);
	assert_int_equal(rs.imported[1]->op, WAF_OP_DETECTSQLI);
	assert_int_equal(rs.n_skipped, 5);
	assert_int_equal(rs.n_other_directives, 1);
	waf_ruleset_free(&rs);
}

static void test_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"SecRule ARGS \"@rx a\n",                      /* unterminated quote */
		"SecRule ARGS \"@rx a\" \"phase:2\"\n",         /* no id */
		"SecRule NOPE \"@rx a\" \"id:1\"\n",            /* unknown variable */
		"SecRule ARGS \"@nope a\" \"id:1\"\n",          /* unknown operator */
		"SecRule ARGS \"@rx a\" \"id:1,frobnicate\"\n", /* unknown action */
		"SecRule ARGS \"@rx a\" \"id:1,msg:'x\"\n",     /* unterminated value */
		"SecRule ARGS:/x \"@rx a\" \"id:1\"\n",         /* unterminated /regex/ */
		"SecRule ARGS \"@rx a\" \"id:1,chain\"\n",      /* dangling chain */
		"SecRule ARGS \"@rx a\" \"id:1,chain\"\nSecMarker X\n",
		"SecRule ARGS\n",
		"SecRule ARGS \"@rx a\" \"id:1,phase:9\"\n",
		"SecRule ARGS \"@rx a\" \"id:0\"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct waf_ruleset rs = { 0 };
		assert_int_equal(seclang_parse(&rs, bad[i], strlen(bad[i]), "bad.conf"), 0);
		if (rs.n_errors == 0)
			print_error("no error for: %s", bad[i]);
		assert_true(rs.n_errors > 0);
		waf_ruleset_free(&rs);
	}
	/* continuation at end of input, CRLF lines, empty input */
	struct waf_ruleset rs = { 0 };
	const char *t = "SecRule ARGS \"@rx a\" \\\r\n \"id:9\"\r\n\\";
	assert_int_equal(seclang_parse(&rs, t, strlen(t), "crlf.conf"), 0);
	assert_int_equal(rs.n_errors, 0);
	assert_int_equal(rs.n_all, 1);
	assert_int_equal(seclang_parse(&rs, "", 0, "empty.conf"), 0);
	waf_ruleset_free(&rs);
}

static void test_crs(void **state)
{
	(void)state;
	struct stat st;
	if (!crs_dir || stat(crs_dir, &st) != 0) {
		print_message("skipped: CRS rules not installed (%s)\n", crs_dir ? crs_dir : "no path");
		skip();
	}
	struct waf_ruleset rs = { 0 };
	assert_int_equal(crs_import_dir(&rs, crs_dir), 0);
	assert_int_equal(crs_hs_check(&rs), 0);
	for (size_t i = 0; i < rs.n_errors; i++)
		print_error("%s:%u: %s\n", rs.errors[i].file, rs.errors[i].line, rs.errors[i].msg);
	assert_int_equal(rs.n_errors, 0);
	assert_true(rs.n_imported >= CRS_MIN_IMPORTED);
	assert_int_equal(rs.n_imported + rs.n_skipped, rs.n_all);
	assert_int_equal(rs.hs.rx_failed, 0);
	assert_int_equal(rs.hs.pm_failed, 0);
	assert_int_equal(rs.hs.rx_exact + rs.hs.rx_prefilter + rs.hs.rx_pcre_only + rs.hs.rx_macro,
			 rs.hs.rx_total);
	/* the report renders */
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	crs_report_write(&rs, f, crs_dir);
	fclose(f);
	assert_non_null(strstr(buf, "rules imported"));
	free(buf);
	waf_ruleset_free(&rs);
}

int main(int argc, char **argv)
{
	crs_dir = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_model),
		cmocka_unit_test(test_chain_and_gate),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_crs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
