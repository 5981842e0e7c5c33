/* Piecewise body processors (waf/waf_body.h) through the request view:
 * - hand-computed items for urlencoded and JSON bodies (escapes, \u, nested
 *   paths, literals, empty pairs, errors and what is emitted before them);
 * - every body split at every byte into two pieces, and fed one byte at a
 *   time, gives exactly the items (names, values, order) and the error
 *   state of the whole body (which runs the same processors in one piece);
 * - bounds: a value over WAF_RV_VALUE_MAX is truncated and flagged, values
 *   over WAF_RV_BODY_MAX in all are dropped and flagged, nesting past
 *   WAF_RV_JSON_DEPTH and paths past WAF_JSON_PATH_MAX are parse errors;
 * - a streamed JSON body is not copied (REQUEST_BODY stays empty), an
 *   urlencoded one is (REQUEST_BODY).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/http.h"
#include "waf/waf_reqview.h"

struct env {
	struct http_req *req;
	struct waf_reqview whole, part;
};

static int setup(void **state)
{
	struct env *x = calloc(1, sizeof(*x));
	struct http_limits lim;

	assert_non_null(x);
	http_limits_default(&lim);
	lim.body = 64u << 20;
	x->req = http_req_create(&lim);
	assert_non_null(x->req);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct env *x = *state;

	http_req_destroy(x->req);
	waf_reqview_free(&x->whole);
	waf_reqview_free(&x->part);
	free(x);
	return 0;
}

static size_t head(char *out, size_t cap, const char *ctype, size_t blen)
{
	int n = snprintf(out, cap,
			 "POST /p HTTP/1.1\r\nHost: h\r\nContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			 ctype, blen);
	return (size_t)n;
}

/* Whole: the body copied and parsed at build. */
static void run_whole(struct env *x, const char *ctype, const char *b, size_t n)
{
	char h[256];
	size_t hl = head(h, sizeof(h), ctype, n);

	http_req_reset(x->req);
	waf_reqview_reset(&x->whole);
	http_req_set_body_cb(x->req, waf_reqview_body_cb, &x->whole);
	assert_int_equal(http_parse(x->req, h, hl), 0);
	if (n)
		assert_true(http_parse(x->req, b, n) > 0);
	assert_int_equal(waf_reqview_build(&x->whole, x->req), 0);
}

/* Streaming: the pieces cut at @cuts (or every byte when @bytewise). */
static void run_part(struct env *x, const char *ctype, const char *b, size_t n,
		     const size_t *cuts, size_t ncut, bool bytewise)
{
	char h[256];
	size_t hl = head(h, sizeof(h), ctype, n), from = 0;

	http_req_reset(x->req);
	waf_reqview_reset(&x->part);
	http_req_set_body_cb(x->req, waf_reqview_body_cb, &x->part);
	assert_int_equal(http_parse(x->req, h, hl), 0);
	waf_reqview_body_begin(&x->part, x->req);
	if (bytewise) {
		for (size_t i = 0; i < n; i++)
			http_parse(x->req, b + i, 1);
	} else {
		for (size_t i = 0; i <= ncut; i++) {
			size_t to = i < ncut ? cuts[i] : n;

			if (to > from)
				http_parse(x->req, b + from, to - from);
			from = to;
		}
	}
	assert_true(http_req_done(x->req));
	assert_int_equal(waf_reqview_build(&x->part, x->req), 0);
}

static void same_items(const struct waf_reqview *a, const struct waf_reqview *b, const char *what,
		       size_t cut)
{
	const struct waf_items *ia = &a->coll[WAF_RC_ARGS_POST], *ib = &b->coll[WAF_RC_ARGS_POST];

	if (ia->n != ib->n || a->reqbody_error != b->reqbody_error || a->bodyproc != b->bodyproc ||
	    a->body_value_truncated != b->body_value_truncated)
		fail_msg("%s cut %zu: items %u/%u error %d/%d", what, cut, ia->n, ib->n,
			 a->reqbody_error, b->reqbody_error);
	for (uint32_t i = 0; i < ia->n; i++) {
		const struct waf_item *p = &ia->v[i], *q = &ib->v[i];

		if (p->name.len != q->name.len || memcmp(p->name.p, q->name.p, p->name.len) ||
		    p->value.len != q->value.len || memcmp(p->value.p, q->value.p, p->value.len))
			fail_msg("%s cut %zu: item %u %.*s=%.*s vs %.*s=%.*s", what, cut, i,
				 (int)p->name.len, p->name.p, (int)p->value.len, p->value.p,
				 (int)q->name.len, q->name.p, (int)q->value.len, q->value.p);
	}
}

/* Whole vs every two-piece split vs byte by byte. */
static void check_splits(struct env *x, const char *ctype, const char *b, size_t n)
{
	run_whole(x, ctype, b, n);
	for (size_t c = 0; c <= n; c++) {
		run_part(x, ctype, b, n, &c, 1, false);
		same_items(&x->whole, &x->part, b, c);
	}
	run_part(x, ctype, b, n, NULL, 0, true);
	same_items(&x->whole, &x->part, b, SIZE_MAX);
}

/* "name=value|name=value|..." against ARGS_POST of @v. */
static void expect_items(const struct waf_reqview *v, const char *want, bool error)
{
	const struct waf_items *it = &v->coll[WAF_RC_ARGS_POST];
	char got[2048];
	size_t k = 0;

	got[0] = 0;
	for (uint32_t i = 0; i < it->n; i++)
		k += (size_t)snprintf(got + k, sizeof(got) - k, "%s%.*s=%.*s", i ? "|" : "",
				      (int)it->v[i].name.len, it->v[i].name.p,
				      (int)it->v[i].value.len, it->v[i].value.p);
	assert_string_equal(got, want);
	assert_int_equal(v->reqbody_error, error);
}

static const char *const json_bodies[] = {
	"{\"a\": 1, \"b\": [true, false, null, -2.5E3], \"c\": {\"d\": \"x\\\"y\\\\z\"}}",
	"{\"q\": \"<scr\\u0069pt>alert(1)</script>\", \"n\": \"\\u00e9\\u20ac\\/\\b\\f\\n\\r\\t\"}",
	"[{\"id\": 1}, {\"id\": 2, \"tags\": [\"a\", [\"b\", {}], []]}]",
	"  \"top\"  ",
	"123",
	"{\"\": \"empty key\", \"k\\u0041y\": \"v\"}",
	"{\"a\": 1,}",              /* trailing comma: error after a=1 */
	"{\"a\": [1 2]}",           /* missing comma */
	"{\"a\": \"\\u12G4\"}",     /* bad \u */
	"{\"a\": tru}",             /* bad literal */
	"{\"a\": \"unterminated",
	"{\"a\": 1} x",             /* garbage after the value */
	"   ",
	"{\"x\": 1abc, \"y\": \"1' or '1'='1\"}",
};

static const char *const urlenc_bodies[] = {
	"a=1&b=%3Cscript%3E&c=x+y",
	"&&a&=v&b==c&",
	"q=1%27%20or%20%271%27%3D%271&%zz=%4",
	"single",
};

static void test_hand_items(void **state)
{
	struct env *x = *state;
	const char *b;

	b = json_bodies[0];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.a=1|json.b.0=true|json.b.1=false|json.b.2=null|json.b.3=-2.5E3|"
				"json.c.d=x\"y\\z", false);
	b = json_bodies[1];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.q=<script>alert(1)</script>|json.n=\xc3\xa9\xe2\x82\xac/\b\f\n\r\t",
		     false);
	b = json_bodies[2];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.0.id=1|json.1.id=2|json.1.tags.0=a|json.1.tags.1.0=b", false);
	b = json_bodies[3];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json=top", false);
	b = json_bodies[5];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.=empty key|json.kAy=v", false);
	b = json_bodies[6];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.a=1", true);
	b = json_bodies[8];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "", true);
	b = json_bodies[13];
	run_whole(x, "application/json", b, strlen(b));
	expect_items(&x->whole, "json.x=1abc|json.y=1' or '1'='1", false);
	b = urlenc_bodies[0];
	run_whole(x, "application/x-www-form-urlencoded", b, strlen(b));
	expect_items(&x->whole, "a=1|b=<script>|c=x y", false);
	b = urlenc_bodies[1];
	run_whole(x, "application/x-www-form-urlencoded", b, strlen(b));
	expect_items(&x->whole, "a=|=v|b==c", false);
	assert_int_equal(x->whole.body.len, strlen(b));   /* REQUEST_BODY kept */
}

static void test_every_split(void **state)
{
	struct env *x = *state;

	for (size_t i = 0; i < sizeof(json_bodies) / sizeof(json_bodies[0]); i++)
		check_splits(x, "application/json", json_bodies[i], strlen(json_bodies[i]));
	for (size_t i = 0; i < sizeof(urlenc_bodies) / sizeof(urlenc_bodies[0]); i++)
		check_splits(x, "application/x-www-form-urlencoded", urlenc_bodies[i],
			     strlen(urlenc_bodies[i]));
	/* streamed JSON is not copied; streamed urlencoded is (REQUEST_BODY) */
	run_part(x, "application/json", json_bodies[0], strlen(json_bodies[0]), NULL, 0, false);
	assert_int_equal(x->part.body.len, 0);
	assert_int_equal(x->part.bodyproc, WAF_BP_JSON);
	run_part(x, "application/x-www-form-urlencoded", urlenc_bodies[0], strlen(urlenc_bodies[0]),
		 NULL, 0, false);
	assert_int_equal(x->part.body.len, strlen(urlenc_bodies[0]));
}

static void test_bounds(void **state)
{
	struct env *x = *state;
	size_t big = WAF_RV_VALUE_MAX + 1000, n;
	char *b = malloc(WAF_RV_BODY_MAX * 2 + 64);
	size_t cuts[2];

	if (b == NULL)
		abort();   /* (not assert_non_null: gcc would see b + n on a NULL path) */
	/* one JSON string over the value bound: truncated, flagged */
	n = (size_t)sprintf(b, "{\"v\": \"");
	memset(b + n, 'a', big);
	n += big;
	n += (size_t)sprintf(b + n, "\", \"w\": 1}");
	cuts[0] = 3;
	cuts[1] = WAF_RV_VALUE_MAX - 5;
	run_part(x, "application/json", b, n, cuts, 2, false);
	assert_true(x->part.body_value_truncated);
	assert_true(x->part.reqbody_error);
	assert_int_equal(x->part.coll[WAF_RC_ARGS_POST].n, 2);
	assert_int_equal(x->part.coll[WAF_RC_ARGS_POST].v[0].value.len, WAF_RV_VALUE_MAX);
	run_whole(x, "application/json", b, n);
	same_items(&x->whole, &x->part, "truncated", 0);
	/* urlencoded value over the bound */
	n = (size_t)sprintf(b, "a=");
	memset(b + n, 'b', big);
	n += big;
	n += (size_t)sprintf(b + n, "&c=d");
	run_part(x, "application/x-www-form-urlencoded", b, n, cuts, 2, false);
	assert_true(x->part.body_value_truncated);
	assert_int_equal(x->part.coll[WAF_RC_ARGS_POST].n, 2);
	assert_int_equal(x->part.coll[WAF_RC_ARGS_POST].v[0].value.len, WAF_RV_VALUE_MAX - 2);
	/* values over WAF_RV_BODY_MAX in all: the rest dropped, flagged */
	n = 0;
	b[n++] = '[';
	for (unsigned i = 0; n + WAF_RV_VALUE_MAX / 2 + 8 < WAF_RV_BODY_MAX * 2; i++) {
		if (i)
			b[n++] = ',';
		b[n++] = '"';
		memset(b + n, 'c', WAF_RV_VALUE_MAX / 2);
		n += WAF_RV_VALUE_MAX / 2;
		b[n++] = '"';
	}
	b[n++] = ']';
	run_part(x, "application/json", b, n, NULL, 0, false);
	assert_true(x->part.body_over_limit);
	assert_true(x->part.reqbody_error);
	assert_true(x->part.body_values_bytes <= WAF_RV_BODY_MAX);
	assert_int_equal(x->part.coll[WAF_RC_ARGS_POST].n, WAF_RV_BODY_MAX / (WAF_RV_VALUE_MAX / 2));
	/* nesting: 64 levels parse, 65 do not */
	for (unsigned depth = WAF_RV_JSON_DEPTH; depth <= WAF_RV_JSON_DEPTH + 1; depth++) {
		n = 0;
		for (unsigned i = 0; i < depth; i++)
			b[n++] = '[';
		b[n++] = '1';
		for (unsigned i = 0; i < depth; i++)
			b[n++] = ']';
		check_splits(x, "application/json", b, n);
		assert_int_equal(x->whole.reqbody_error, depth > WAF_RV_JSON_DEPTH);
		assert_int_equal(x->whole.coll[WAF_RC_ARGS_POST].n, depth > WAF_RV_JSON_DEPTH ? 0 : 1);
	}
	/* a path past WAF_JSON_PATH_MAX is an error; one just under is not */
	for (size_t klen = WAF_JSON_PATH_MAX - 6; klen <= WAF_JSON_PATH_MAX - 5; klen++) {
		n = (size_t)sprintf(b, "{\"");
		memset(b + n, 'k', klen);
		n += klen;
		n += (size_t)sprintf(b + n, "\": 1}");
		run_whole(x, "application/json", b, n);
		/* "json." + key: 5 + klen bytes must stay under the bound */
		assert_int_equal(x->whole.reqbody_error, 5 + klen >= WAF_JSON_PATH_MAX);
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_items),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
