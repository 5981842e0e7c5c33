/* WAF engine and request view on hand-written SecLang rules and requests:
 * target selection with exclusions and key regexes (plain words without
 * PCRE2), counts, chains with
 * MATCHED_VAR, setvar scoring and the inbound decision, paranoia gating,
 * macros in operator arguments, captures, multiMatch, and the request
 * view's collections (query, urlencoded, JSON, multipart, XML, cookies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crs_import.h"
#include "waf/waf_engine.h"

struct fix {
	struct waf_ruleset rs;
	struct waf_engine *e;
	struct waf_eval *ev;
	struct http_req *req;
	struct waf_reqview v;
	struct waf_result res;
	enum http_reason why;
};

static struct fix *load(const char *rules)
{
	struct fix *f = calloc(1, sizeof(*f));
	struct http_limits lim;
	char err[256] = "";

	assert_non_null(f);
	assert_int_equal(seclang_parse(&f->rs, rules, strlen(rules), "t.conf"), 0);
	assert_int_equal(f->rs.n_errors, 0);
	/* every chain head, imported or not: the tests pick their rules */
	f->e = waf_engine_build(f->rs.all, f->rs.n_all, NULL, NULL, err, sizeof(err));
	if (!f->e)
		fail_msg("build: %s", err);
	f->ev = waf_eval_create(f->e);
	assert_non_null(f->ev);
	http_limits_default(&lim);
	f->req = http_req_create(&lim);
	assert_non_null(f->req);
	http_req_set_body_cb(f->req, waf_reqview_body_cb, &f->v);
	return f;
}

static void unload(struct fix *f)
{
	waf_eval_free(f->ev);
	waf_engine_free(f->e);
	waf_ruleset_free(&f->rs);
	http_req_destroy(f->req);
	waf_reqview_free(&f->v);
	free(f);
}

static const struct waf_result *run(struct fix *f, const char *wire, unsigned pl)
{
	struct waf_engine_conf conf;
	int rc;

	waf_engine_conf_default(&conf);
	conf.paranoia = (uint8_t)pl;
	http_req_reset(f->req);
	waf_reqview_reset(&f->v);
	rc = http_parse(f->req, wire, strlen(wire));
	if (rc == 0)
		rc = http_req_eof(f->req);
	f->why = rc < 0 ? (enum http_reason)-rc : HTTP_R_OK;
	assert_int_equal(waf_reqview_build(&f->v, f->req), 0);
	assert_int_equal(waf_eval_run(f->ev, &conf, &f->v, &f->res), 0);
	assert_int_equal(f->res.errors, 0);
	if (getenv("WAF_TEST_DEBUG"))
		for (uint32_t i = 0; i < f->res.n_matches && i < WAF_MATCH_MAX; i++)
			fprintf(stderr, "  match %u %s '%s'\n", f->res.matches[i].id,
				f->res.matches[i].target, f->res.matches[i].excerpt);
	return &f->res;
}

static const struct waf_match *hit(const struct waf_result *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		if (r->matches[i].id == id)
			return &r->matches[i];
	return NULL;
}

#define SCORE ",setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'"

static void test_targets_exclusions(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS|!ARGS:safe \"@contains evil\" \"id:1,phase:2,pass,t:none" SCORE "\"\n"
		"SecRule ARGS|!ARGS:/^ign/ \"@contains evil\" \"id:2,phase:2,pass,t:none" SCORE "\"\n"
		"SecRule REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/ \"@contains evil\" \"id:3,phase:1,pass\"\n"
		"SecRule ARGS_NAMES \"@streq evil\" \"id:4,phase:2,pass\"\n"
		"SecRule REQUEST_HEADERS:X-Test \"@contains evil\" \"id:5,phase:1,pass\"\n"
		"SecRule REQUEST_HEADERS:/^x-t/ \"@contains evil\" \"id:6,phase:1,pass\"\n"
		"SecRule &REQUEST_HEADERS:Host \"@eq 0\" \"id:7,phase:1,pass\"\n"
		"SecRule &ARGS \"@eq 2\" \"id:8,phase:2,pass\"\n");
	const struct waf_result *r;

	r = run(f, "GET /?safe=evil&ignored=evil HTTP/1.1\r\nHost: a\r\n"
		   "Cookie: __utma=evil; b=ok\r\n\r\n", 1);
	assert_non_null(hit(r, 1));
	assert_string_equal(hit(r, 1)->target, "ARGS:ignored"); /* ARGS:safe excluded */
	assert_non_null(hit(r, 2));      /* ARGS:safe not excluded by /^ign/ */
	assert_string_equal(hit(r, 2)->target, "ARGS:safe");
	assert_string_equal(hit(r, 2)->excerpt, "evil");
	assert_null(hit(r, 3));
	assert_null(hit(r, 4));
	assert_null(hit(r, 5));
	assert_null(hit(r, 7));          /* Host present */
	assert_non_null(hit(r, 8));
	r = run(f, "GET /?safe=evil HTTP/1.1\r\nHost: a\r\n\r\n", 1);
	assert_null(hit(r, 1));          /* only ARGS:safe has it: excluded */
	r = run(f, "GET /?evil=1&x=evil HTTP/1.1\r\nHost: a\r\nx-TEST: so evil\r\n"
		   "Cookie: sess=evil\r\n\r\n", 1);
	assert_non_null(hit(r, 1));
	assert_non_null(hit(r, 3));
	assert_non_null(hit(r, 4));
	assert_non_null(hit(r, 5));      /* header keys are case-insensitive */
	assert_non_null(hit(r, 6));
	r = run(f, "GET / HTTP/1.0\r\n\r\n", 1);
	assert_non_null(hit(r, 7));      /* &VAR counts an absent key as 0 */
	assert_null(hit(r, 8));
	unload(f);
}

/* Key regexes that are plain words are compared without PCRE2 (caseless
 * prefix after '^', else anywhere; a trailing ".*" or "c*" may match
 * nothing): the same keys as the regex must select. */
static void test_key_words(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS:/^pre_/ \"@contains v\" \"id:11,phase:2,pass\"\n"
		"SecRule ARGS:/mid_.*/ \"@contains v\" \"id:12,phase:2,pass\"\n"
		"SecRule ARGS:/TAIL_*/ \"@contains v\" \"id:13,phase:2,pass\"\n"
		"SecRule ARGS:/^a[0-9]b/ \"@contains v\" \"id:14,phase:2,pass\"\n"
		"SecRule ARGS|!ARGS:/skip/ \"@contains w\" \"id:15,phase:2,pass\"\n");
	const struct waf_result *r;

	r = run(f, "GET /?xpre_=v&PRE_x=v&aMID_b=v&xtaily=v&a5b=v&NOSKIPx=w HTTP/1.1\r\nHost: a\r\n\r\n", 1);
	assert_non_null(hit(r, 11));
	assert_string_equal(hit(r, 11)->target, "ARGS:PRE_x");   /* not xpre_: anchored */
	assert_non_null(hit(r, 12));
	assert_string_equal(hit(r, 12)->target, "ARGS:aMID_b");
	assert_non_null(hit(r, 13));     /* "TAIL_*": zero '_' after TAIL */
	assert_string_equal(hit(r, 13)->target, "ARGS:xtaily");
	assert_non_null(hit(r, 14));
	assert_null(hit(r, 15));         /* the only w is in a key with "skip" */
	r = run(f, "GET /?pre=v&mi_d=v&tai=v&ab=v&s_kip=w HTTP/1.1\r\nHost: a\r\n\r\n", 1);
	assert_null(hit(r, 11));
	assert_null(hit(r, 12));
	assert_null(hit(r, 13));
	assert_null(hit(r, 14));
	assert_non_null(hit(r, 15));
	unload(f);
}

static void test_chain_matched_var(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule REQUEST_METHOD \"@streq POST\" \"id:10,phase:1,block,chain" SCORE "\"\n"
		"  SecRule &REQUEST_HEADERS:Content-Type \"@eq 0\" \"t:none\"\n"
		"SecRule ARGS \"@rx ^a\" \"id:11,phase:2,block,chain" SCORE "\"\n"
		"  SecRule MATCHED_VARS \"@contains zz\" \"t:none\"\n"
		"SecRule ARGS_NAMES \"@rx .\" \"id:12,phase:2,pass,chain\"\n"
		"  SecRule MATCHED_VAR \"@streq k2\" \"t:none\"\n");
	const struct waf_result *r;

	r = run(f, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 1);
	assert_non_null(hit(r, 10));
	assert_true(r->block);
	assert_int_equal(r->score, 5);
	r = run(f, "POST / HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", 1);
	assert_null(hit(r, 10));         /* second link fails */
	assert_false(r->block);
	r = run(f, "GET /?k1=abc&k2=azz HTTP/1.1\r\nHost: a\r\n\r\n", 1);
	assert_non_null(hit(r, 11));     /* MATCHED_VARS holds both ARGS matches */
	assert_non_null(hit(r, 12));     /* MATCHED_VAR: the last one, k2 */
	r = run(f, "GET /?k1=abc&b=zzz HTTP/1.1\r\nHost: a\r\n\r\n", 1);
	assert_null(hit(r, 11));         /* zzz did not match link 1 */
	assert_null(hit(r, 12));
	unload(f);
}

static void test_scoring_and_pl(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS \"@contains a\" \"id:20,phase:2,block,severity:'WARNING',"
		"setvar:'tx.anomaly_score_pl1=+%{tx.warning_anomaly_score}'\"\n"
		"SecRule ARGS \"@contains b\" \"id:21,phase:2,block,severity:'NOTICE',"
		"setvar:'tx.anomaly_score_pl1=+%{tx.notice_anomaly_score}'\"\n"
		"SecRule ARGS \"@contains c\" \"id:22,phase:2,block,tag:'paranoia-level/2',"
		"setvar:'tx.anomaly_score_pl2=+%{tx.error_anomaly_score}'\"\n"
		"SecRule ARGS \"@contains d\" \"id:23,phase:2,deny\"\n");
	const struct waf_result *r;

	r = run(f, "GET /?x=a HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_int_equal(r->score, 3);
	assert_false(r->block);          /* 3 < 5 */
	r = run(f, "GET /?x=ab HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_int_equal(r->score, 5);   /* warning + notice */
	assert_true(r->block);
	r = run(f, "GET /?x=c HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_null(hit(r, 22));         /* PL2 rule does not run at PL1 */
	assert_int_equal(r->score, 0);
	r = run(f, "GET /?x=c HTTP/1.1\r\nHost: h\r\n\r\n", 2);
	assert_non_null(hit(r, 22));
	assert_int_equal(r->score_pl[1], 4);
	assert_int_equal(r->score, 4);
	assert_false(r->block);
	r = run(f, "GET /?x=d HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_true(r->block);           /* deny decides alone */
	assert_int_equal(r->score, 0);
	unload(f);
}

static void test_macros_and_captures(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule REQUEST_METHOD \"!@within %{tx.allowed_methods}\" \"id:30,phase:1,block\"\n"
		"SecRule REQUEST_BASENAME \"@rx \\.([^.]+)$\" \"id:31,phase:2,block,capture,"
		"setvar:'tx.extension=.%{tx.1}/',chain\"\n"
		"  SecRule TX:EXTENSION \"@within %{tx.restricted_extensions}\" \"t:none,t:lowercase\"\n"
		"SecRule REQUEST_HEADERS:Referer \"@rx ^https?://([^/]+)\" \"id:32,phase:1,pass,capture,chain\"\n"
		"  SecRule TX:1 \"!@endsWith %{request_headers.host}\" \"t:none\"\n"
		"SecRule REQUEST_HEADERS:Content-Type \"!@rx ^%{tx.allowed_request_content_type_charset}$\" "
		"\"id:33,phase:1,pass\"\n");
	const struct waf_result *r;

	r = run(f, "DELETE /x.BAK HTTP/1.1\r\nHost: h\r\nReferer: http://h/\r\n\r\n", 1);
	assert_non_null(hit(r, 30));
	assert_non_null(hit(r, 31));     /* .bak/ within restricted_extensions */
	assert_string_equal(waf_eval_tx(f->ev, "extension"), ".BAK/");
	assert_null(hit(r, 32));         /* referer host is our Host */
	assert_null(hit(r, 33));         /* no Content-Type: nothing to negate */
	r = run(f, "GET /x.html HTTP/1.1\r\nHost: h\r\nReferer: http://evil.example/\r\n"
		   "Content-Type: utf-8\r\n\r\n", 1);
	assert_null(hit(r, 30));
	assert_null(hit(r, 31));
	assert_non_null(hit(r, 32));
	assert_null(hit(r, 33));         /* build-time expansion: ^utf-8|...$ */
	unload(f);
}

static void test_tfn_and_multimatch(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS \"@streq <script>\" \"id:40,phase:2,pass,t:none,t:urlDecodeUni,t:lowercase\"\n"
		"SecRule ARGS \"@streq %41\" \"id:41,phase:2,pass,multiMatch,t:none,t:urlDecodeUni\"\n"
		"SecRule ARGS \"@streq %41\" \"id:42,phase:2,pass,t:none,t:urlDecodeUni\"\n");
	const struct waf_result *r;

	/* the query decodes once (%253C -> %3C); urlDecodeUni decodes again */
	r = run(f, "GET /?a=%253CScRiPt%253E&b=%2541 HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_non_null(hit(r, 40));
	assert_non_null(hit(r, 41));     /* multiMatch sees the value before decoding */
	assert_null(hit(r, 42));
	unload(f);
}

static void test_reqview_bodies(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS:json.a.b \"@streq deep\" \"id:50,phase:2,pass\"\n"
		"SecRule ARGS_NAMES \"@streq json.list.1\" \"id:51,phase:2,pass\"\n"
		"SecRule ARGS_POST:field \"@streq v1\" \"id:52,phase:2,pass\"\n"
		"SecRule FILES \"@streq shell.php\" \"id:53,phase:2,pass\"\n"
		"SecRule FILES_NAMES \"@streq up\" \"id:54,phase:2,pass\"\n"
		"SecRule XML:/* \"@contains hello world\" \"id:55,phase:2,pass\"\n"
		"SecRule XML://@* \"@streq attr&v\" \"id:56,phase:2,pass\"\n"
		"SecRule REQBODY_ERROR \"!@eq 0\" \"id:57,phase:2,pass\"\n"
		"SecRule REQUEST_BODY \"@contains x=\" \"id:58,phase:2,pass\"\n"
		"SecRule ARGS_GET:q \"@streq a b\" \"id:59,phase:2,pass\"\n"
		"SecRule MULTIPART_PART_HEADERS \"@rx ^content-type: text/x\" \"id:60,phase:2,pass,t:lowercase\"\n"
		"SecRule REQBODY_PROCESSOR \"@streq JSON\" \"id:61,phase:2,pass\"\n"
		"SecRule REQUEST_FILENAME \"@streq /a/../b c\" \"id:62,phase:1,pass\"\n");
	const struct waf_result *r;
	const char *json = "{\"a\":{\"b\":\"deep\"},\"list\":[1,\"t\\u0041\"]}";
	char wire[1024];

	snprintf(wire, sizeof(wire), "POST /a/../b%%20c?q=a+b HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", strlen(json), json);
	r = run(f, wire, 1);
	assert_non_null(hit(r, 50));
	assert_non_null(hit(r, 51));
	assert_null(hit(r, 57));
	assert_null(hit(r, 58));         /* JSON bodies are seen through ARGS only */
	assert_non_null(hit(r, 59));
	assert_non_null(hit(r, 61));
	assert_non_null(hit(r, 62));     /* REQUEST_FILENAME keeps dot segments */

	const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nv1\r\n"
			 "--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"shell.php\"\r\n"
			 "Content-Type: text/x-php\r\n\r\n<?php ?>\r\n--XyZ--\r\n";
	snprintf(wire, sizeof(wire), "POST / HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(mp), mp);
	r = run(f, wire, 1);
	assert_non_null(hit(r, 52));
	assert_non_null(hit(r, 53));
	assert_non_null(hit(r, 54));
	assert_non_null(hit(r, 60));
	assert_null(hit(r, 57));

	const char *xml = "<?xml version=\"1.0\"?><r a=\"attr&amp;v\"><x>hello</x><![CDATA[ world]]></r>";
	snprintf(wire, sizeof(wire), "POST / HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: application/xml\r\nContent-Length: %zu\r\n\r\n%s", strlen(xml), xml);
	r = run(f, wire, 1);
	assert_non_null(hit(r, 55));
	assert_non_null(hit(r, 56));
	assert_null(hit(r, 57));

	snprintf(wire, sizeof(wire), "POST / HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"a\":");
	r = run(f, wire, 1);
	assert_non_null(hit(r, 57));     /* truncated JSON: REQBODY_ERROR */

	snprintf(wire, sizeof(wire), "POST / HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nx=1&field");
	r = run(f, wire, 1);
	assert_non_null(hit(r, 58));
	unload(f);
}

static void test_refused_partial_view(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule &REQUEST_HEADERS:Host \"@eq 0\" \"id:70,phase:1,pass\"\n"
		"SecRule REQUEST_PROTOCOL \"!@within HTTP/1.1\" \"id:71,phase:1,pass\"\n"
		"SecRule REQUEST_HEADERS:Content-Length \"@rx .\" \"id:72,phase:1,pass\"\n");
	const struct waf_result *r;

	/* refused in the request line: nothing of it is evaluated */
	r = run(f, "GET / HTTP/3.0\r\nHost: h\r\n\r\n", 1);
	assert_int_not_equal(f->why, HTTP_R_OK);
	assert_true(f->v.refused);
	assert_int_equal(r->n_matches, 0);
	/* refused at the end of the head (CL with TE): the head is evaluated */
	r = run(f, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		   "Transfer-Encoding: chunked\r\n\r\n", 1);
	assert_int_equal(f->why, HTTP_R_CL_AND_TE);
	assert_non_null(hit(r, 72));
	assert_null(hit(r, 70));
	assert_null(hit(r, 71));
	unload(f);
}

/* The same request twice gives the same result, and the second run does
 * not grow anything (steady state). */
static void test_repeatable(void **state)
{
	(void)state;
	struct fix *f = load(
		"SecRule ARGS \"@rx (?i)select\" \"id:80,phase:2,block,t:none,t:urlDecodeUni" SCORE "\"\n"
		"SecRule ARGS \"@rx (?i)union\" \"id:81,phase:2,block,t:none,t:urlDecodeUni" SCORE "\"\n");
	struct waf_result a;

	run(f, "GET /?q=union%2bselect HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	a = f->res;
	run(f, "GET /?q=union%2bselect HTTP/1.1\r\nHost: h\r\n\r\n", 1);
	assert_int_equal(a.n_matches, 2);
	assert_memory_equal(&a, &f->res, sizeof(a));
	assert_int_equal(a.score, 10);
	unload(f);
}

/* Body processor bounds: nesting, item count, broken multipart. */
static void test_reqview_limits(void **state)
{
	(void)state;
	struct fix *f = load("SecRule REQBODY_ERROR \"!@eq 0\" \"id:60,phase:2,pass\"\n"
			     "SecRule &ARGS_POST \"@eq 4096\" \"id:61,phase:2,pass\"\n"
			     "SecRule MULTIPART_STRICT_ERROR \"!@eq 0\" \"id:62,phase:2,pass\"\n");
	size_t cap = 64 * 1024;
	char *wire = malloc(cap), *body = malloc(cap);
	const struct waf_result *r;
	size_t n = 0;

	assert_non_null(wire);
	assert_non_null(body);
	for (int i = 0; i < 65; i++)
		body[n++] = '[';
	for (int i = 0; i < 65; i++)
		body[n++] = ']';
	body[n] = 0;
	snprintf(wire, cap, "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\n\r\n%s", n, body);
	r = run(f, wire, 1);
	assert_non_null(hit(r, 60));     /* deeper than WAF_RV_JSON_DEPTH */
	assert_true(f->v.reqbody_error);

	n = 0;
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(body + n, cap - n, "%sa=%d", i ? "&" : "", i % 10);
	snprintf(wire, cap, "POST / HTTP/1.1\r\nHost: h\r\n"
		 "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
		 n, body);
	r = run(f, wire, 1);
	assert_non_null(hit(r, 60));     /* more than WAF_RV_ITEMS_MAX arguments */
	assert_non_null(hit(r, 61));     /* ... and the first 4096 kept */

	snprintf(wire, cap, "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data\r\n"
		 "Content-Length: 3\r\n\r\nabc");
	r = run(f, wire, 1);
	assert_non_null(hit(r, 60));     /* no boundary */
	assert_non_null(hit(r, 62));
	snprintf(wire, cap, "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=B\r\n"
		 "Content-Length: 54\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever");
	r = run(f, wire, 1);
	assert_non_null(hit(r, 62));     /* unterminated part */
	assert_true(f->v.multipart_unmatched_boundary);
	free(wire);
	free(body);
	unload(f);
}

/* Build refusals: a response-phase rule and a pattern that compiles nowhere. */
static void test_build_errors(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"SecRule RESPONSE_BODY \"@contains x\" \"id:90,phase:4,deny\"\n",
		"SecRule ARGS \"@rx (unclosed\" \"id:91,phase:2,deny\"\n",
		"SecRule ARGS:/(bad/ \"@rx a\" \"id:92,phase:2,deny\"\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct waf_ruleset rs = { 0 };
		char err[256] = "";

		assert_int_equal(seclang_parse(&rs, bad[i], strlen(bad[i]), "t.conf"), 0);
		assert_null(waf_engine_build(rs.all, rs.n_all, NULL, NULL, err, sizeof(err)));
		assert_non_null(strstr(err, "rule 9"));
		waf_ruleset_free(&rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets_exclusions),
		cmocka_unit_test(test_key_words),
		cmocka_unit_test(test_chain_matched_var),
		cmocka_unit_test(test_scoring_and_pl),
		cmocka_unit_test(test_macros_and_captures),
		cmocka_unit_test(test_tfn_and_multimatch),
		cmocka_unit_test(test_reqview_bodies),
		cmocka_unit_test(test_refused_partial_view),
		cmocka_unit_test(test_repeatable),
		cmocka_unit_test(test_reqview_limits),
		cmocka_unit_test(test_build_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
