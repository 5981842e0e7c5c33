/* Streaming evaluation (waf_stream.h) with the CRS loaded: every attack of
 * a set (urlencoded, JSON, multipart, XML, raw and chunked bodies) split at
 * every byte position of its body into two pieces, and one byte at a time,
 * gives the verdict of the whole request (decision, score, rules matched);
 * the whole request is blocked. A benign request stays passed whatever the
 * split.
 *
 * Usage: test_waf_stream RULES_DIR. Skipped when the rules are absent.
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

#include "crs_import.h"
#include "waf/waf_stream.h"

static const char *rules_dir;

struct env {
	struct waf_ruleset rs;
	struct waf_engine *e;
	struct waf_eval *ev;
	struct http_req *req;
	struct waf_reqview v;
	struct waf_stream s;
	struct waf_result whole, part;
};

struct sample {
	const char *name;
	const char *ctype;    /* NULL: no Content-Type */
	bool chunked;
	const char *body;
	bool attack;
};

static const struct sample samples[] = {
	{ "urlencoded sqli", "application/x-www-form-urlencoded", false,
	  "user=bob&id=1' UNION SELECT password FROM users--&x=1", true },
	{ "urlencoded xss", "application/x-www-form-urlencoded", false,
	  "q=<script>alert(document.cookie)</script>", true },
	{ "json sqli", "application/json", false,
	  "{\"user\":{\"name\":\"x\",\"q\":\"1' or '1'='1' union select * from users --\"}}", true },
	{ "json rce", "application/json", false,
	  "{\"list\":[1,2,{\"cmd\":\";cat /etc/passwd\"}]}", true },
	{ "multipart php upload", "multipart/form-data; boundary=XyZ", false,
	  "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"shell.php\"\r\n"
	  "Content-Type: text/plain\r\n\r\n<?php system($_GET['c']); ?>\r\n--XyZ--\r\n", true },
	{ "xml xss", "application/xml", false,
	  "<a><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></a>", true },
	{ "chunked lfi", "application/x-www-form-urlencoded", true,
	  "file=../../../../etc/passwd&y=2", true },
	{ "benign json", "application/json", false,
	  "{\"name\":\"Alice Smith\",\"age\":31,\"tags\":[\"a\",\"b\"],\"note\":\"see you at 5\"}",
	  false },
};

static int env_setup(void **state)
{
	struct env *x = calloc(1, sizeof(*x));
	struct http_limits lim;
	char err[512] = "";

	if (!x || access(rules_dir, R_OK) != 0) {
		free(x);
		*state = NULL;
		return 0;
	}
	if (crs_import_dir(&x->rs, rules_dir) != 0)
		return -1;
	x->e = waf_engine_build(x->rs.imported, x->rs.n_imported, x->rs.datadir, NULL, err,
				sizeof(err));
	if (!x->e) {
		fprintf(stderr, "build: %s\n", err);
		return -1;
	}
	x->ev = waf_eval_create(x->e);
	http_limits_default(&lim);
	x->req = http_req_create(&lim);
	if (!x->ev || !x->req)
		return -1;
	http_req_set_body_cb(x->req, waf_stream_body_cb, &x->s);
	*state = x;
	return 0;
}

static int env_teardown(void **state)
{
	struct env *x = *state;

	if (!x)
		return 0;
	waf_eval_free(x->ev);
	waf_engine_free(x->e);
	waf_ruleset_free(&x->rs);
	http_req_destroy(x->req);
	waf_reqview_free(&x->v);
	free(x);
	return 0;
}

/* Wire bytes of @s; *head_len is where the body starts. */
static char *wire_of(const struct sample *s, size_t *len, size_t *head_len)
{
	size_t bl = strlen(s->body), cap = 1024 + bl * 2;
	char *w = malloc(cap);
	int n;

	assert_non_null(w);
	n = snprintf(w, cap, "POST /api/items?page=2 HTTP/1.1\r\nHost: api.example.com\r\n"
		     "User-Agent: rampart-test/1.0\r\nAccept: */*\r\n%s%s%s%s\r\n",
		     s->ctype ? "Content-Type: " : "", s->ctype ? s->ctype : "", s->ctype ? "\r\n" : "",
		     s->chunked ? "Transfer-Encoding: chunked\r\n" : "");
	if (!s->chunked)
		n += snprintf(w + n - 2, cap - (size_t)n, "Content-Length: %zu\r\n\r\n", bl) - 2;
	*head_len = (size_t)n;
	if (s->chunked) {
		/* two chunks, so the split also falls inside chunk framing */
		size_t half = bl / 2;
		n += snprintf(w + n, cap - (size_t)n, "%zx\r\n%.*s\r\n%zx\r\n%s\r\n0\r\n\r\n", half,
			      (int)half, s->body, bl - half, s->body + half);
	} else {
		memcpy(w + n, s->body, bl);
		n += (int)bl;
	}
	*len = (size_t)n;
	return w;
}

/* Feed @w in the pieces cut at @cuts (ascending), evaluate. */
static void run_pieces(struct env *x, const char *w, size_t len, const size_t *cuts, size_t ncut,
		       struct waf_result *res)
{
	struct waf_engine_conf conf;
	size_t from = 0;
	int rc = 0;

	waf_engine_conf_default(&conf);
	http_req_reset(x->req);
	waf_stream_begin(&x->s, x->ev, &x->v, x->req);
	for (size_t i = 0; i <= ncut && rc == 0; i++) {
		size_t to = i < ncut ? cuts[i] : len;
		if (to > from)
			rc = http_parse(x->req, w + from, to - from);
		from = to;
	}
	assert_true(rc > 0); /* message complete */
	assert_int_equal(waf_stream_finish(&x->s, &conf, x->req, res), 0);
	assert_int_equal(waf_stream_finish(&x->s, &conf, x->req, res), -EALREADY);
}

static void same(const struct waf_result *a, const struct waf_result *b, const char *name,
		 size_t cut)
{
	if (a->block != b->block || a->score != b->score || a->n_matches != b->n_matches)
		fail_msg("%s split at %zu: block %d/%d score %u/%u matches %u/%u", name, cut, a->block,
			 b->block, a->score, b->score, a->n_matches, b->n_matches);
	for (uint32_t i = 0; i < a->n_matches && i < WAF_MATCH_MAX; i++)
		if (a->matches[i].id != b->matches[i].id ||
		    strcmp(a->matches[i].excerpt, b->matches[i].excerpt) != 0)
			fail_msg("%s split at %zu: match %u is %u, whole %u", name, cut, i,
				 b->matches[i].id, a->matches[i].id);
}

static void test_every_split(void **state)
{
	struct env *x = *state;
	unsigned runs = 0;

	if (!x) {
		printf("skipped: %s not readable\n", rules_dir);
		skip();
	}
	for (size_t k = 0; k < sizeof(samples) / sizeof(samples[0]); k++) {
		const struct sample *s = &samples[k];
		size_t len, head;
		char *w = wire_of(s, &len, &head);

		run_pieces(x, w, len, NULL, 0, &x->whole);
		if (s->attack && !x->whole.block)
			fail_msg("%s: whole request not blocked (score %u)", s->name, x->whole.score);
		if (!s->attack && x->whole.block)
			fail_msg("%s: benign request blocked (score %u, first rule %u)", s->name,
				 x->whole.score, x->whole.matches[0].id);
		assert_true(x->s.pieces >= 1);
		/* every split point of the body, two pieces */
		for (size_t cut = head; cut <= len; cut++) {
			run_pieces(x, w, len, &cut, 1, &x->part);
			same(&x->whole, &x->part, s->name, cut - head);
			runs++;
		}
		/* one byte at a time from the start of the body */
		size_t *cuts = calloc(len - head + 1, sizeof(*cuts));
		assert_non_null(cuts);
		for (size_t i = 0; i + head < len; i++)
			cuts[i] = head + i + 1;
		run_pieces(x, w, len, cuts, len - head - 1, &x->part);
		same(&x->whole, &x->part, s->name, 1);
		assert_true(x->s.pieces >= (s->chunked ? 2 : len - head));
		free(cuts);
		free(w);
	}
	printf("%u split evaluations agree with the whole requests\n", runs);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
	};

	rules_dir = argc > 1 ? argv[1] : "/usr/share/modsecurity-crs/rules";
	return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
