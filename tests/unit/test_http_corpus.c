/* SPDX-License-Identifier: Proprietary
 * The HTTP parser over the OWASP CRS 3.3.4 regression corpus
 * (../shared/corpora/crs-3.3.4-regression.jsonl.gz, format in its README):
 * each line is rebuilt into its wire-exact request and parsed whole and at a
 * random split. Asserted: no crash (ASan builds), both runs render the same,
 * and no request is left half-parsed (after end of input every request is
 * complete or refused). Printed: how many parse and how many are refused,
 * per reason, with a few test ids each. CRS tests are malformed on purpose
 * in places (the 920xxx protocol-enforcement rules), so refusals are
 * expected; their count is information, not a failure.
 *
 * Usage: test_http_corpus CORPUS.jsonl.gz. Skipped when the file is absent
 * (a clone without ../shared): cmocka reports SKIPPED and the exit status is
 * 77, which meson shows as SKIP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <unistd.h>
#include <zlib.h>

#include "http_replay.h"

static const char *corpus_path;
static bool skipped;

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static bool read_line(gzFile gz, struct buf *line)
{
	char chunk[65536];

	line->len = 0;
	while (gzgets(gz, chunk, sizeof(chunk))) {
		size_t n = strlen(chunk);

		buf_put(line, chunk, n);
		if (n && chunk[n - 1] == '\n')
			return true;
	}
	return line->len > 0;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+' || c == '-') return 62;
	if (c == '/' || c == '_') return 63;
	return -1;
}

static void b64_decode(const char *s, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;

	for (; *s; s++) {
		int v = b64val((unsigned char)*s);
		unsigned char c;

		if (v < 0)
			continue;        /* '=' padding, newlines */
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (unsigned char)(acc >> bits);
			buf_put(out, &c, 1);
		}
	}
}

/* Rebuild the wire bytes: METHOD SP URI SP VERSION CRLF, name: value CRLF
 * per header, CRLF, body. Adds nothing. */
static bool build_wire(json_t *doc, struct buf *w)
{
	json_t *hdrs = json_object_get(doc, "headers"), *h;
	const char *m = json_string_value(json_object_get(doc, "method"));
	const char *u = json_string_value(json_object_get(doc, "uri"));
	const char *v = json_string_value(json_object_get(doc, "version"));
	json_t *body = json_object_get(doc, "body");
	json_t *b64 = json_object_get(doc, "body_b64");
	size_t i;

	if (!m || !u || !v)
		return false;
	w->len = 0;
	buf_put(w, m, strlen(m));
	buf_put(w, " ", 1);
	buf_put(w, u, json_string_length(json_object_get(doc, "uri")));
	buf_put(w, " ", 1);
	buf_put(w, v, strlen(v));
	buf_put(w, "\r\n", 2);
	json_array_foreach(hdrs, i, h) {
		json_t *n = json_array_get(h, 0), *val = json_array_get(h, 1);

		buf_put(w, json_string_value(n), json_string_length(n));
		buf_put(w, ": ", 2);
		buf_put(w, json_string_value(val), json_string_length(val));
		buf_put(w, "\r\n", 2);
	}
	buf_put(w, "\r\n", 2);
	if (json_is_string(b64))
		b64_decode(json_string_value(b64), w);
	else if (json_is_string(body))
		buf_put(w, json_string_value(body), json_string_length(body));
	return true;
}

#define MAX_IDS 6

struct stat_row {
	unsigned n;
	char ids[MAX_IDS][48];
};

static void note(struct stat_row *row, const char *id)
{
	if (row->n < MAX_IDS)
		snprintf(row->ids[row->n], sizeof(row->ids[0]), "%s", id);
	row->n++;
}

static void print_rows(const char *title, const struct stat_row *rows)
{
	for (int i = 0; i < HTTP_R__MAX; i++) {
		if (!rows[i].n)
			continue;
		printf("  %-22s %4u  (%s %d)  e.g.", http_reason_name(i), rows[i].n, title,
		       http_reason_status(i));
		for (unsigned k = 0; k < rows[i].n && k < MAX_IDS; k++)
			printf(" %s", rows[i].ids[k]);
		printf("\n");
	}
}

static void test_corpus(void **state)
{
	struct stat_row refused[HTTP_R__MAX] = { 0 }, extra[HTTP_R__MAX] = { 0 };
	unsigned total = 0, ok = 0, ok_extra = 0, nrefused = 0, bad_json = 0;
	struct buf line = { 0 }, wire = { 0 };
	struct http_limits lim;
	uint64_t seed = 42;
	gzFile gz;

	(void)state;
	if (!corpus_path || access(corpus_path, R_OK) != 0) {
		printf("SKIP: corpus %s not found (a clone without ../shared)\n",
		       corpus_path ? corpus_path : "(no path given)");
		skipped = true;
		skip();
	}
	gz = gzopen(corpus_path, "rb");
	assert_non_null(gz);
	http_limits_default(&lim);
	while (read_line(gz, &line)) {
		json_error_t err;
		json_t *doc = json_loadb(line.p, line.len, JSON_ALLOW_NUL, &err);
		const char *id;
		struct replay whole, split;
		size_t cuts[64], ncuts;

		if (!doc || !build_wire(doc, &wire)) {
			print_error("unreadable line %u: %s\n", total + bad_json + 1, err.text);
			bad_json++;
			json_decref(doc);
			continue;
		}
		id = json_string_value(json_object_get(doc, "id"));
		total++;
		replay_run(&lim, wire.p, wire.len, NULL, 0, &whole);
		ncuts = replay_random_cuts(&seed, wire.len, cuts, 64);
		replay_run(&lim, wire.p, wire.len, cuts, ncuts, &split);
		if (whole.len != split.len || memcmp(whole.text, split.text, whole.len)) {
			print_error("%s: split run differs\n%s\n---\n%s\n", id, whole.text, split.text);
			fail();
		}
		/* never half-parsed: either a message completed and the rest
		 * (if any) was complete or refused, or the request was refused */
		assert_true(whole.messages > 0 || whole.end != HTTP_R_OK);
		if (whole.messages == 0) {
			nrefused++;
			note(&refused[whole.end], id ? id : "?");
		} else if (whole.trailing == 0 && whole.end == HTTP_R_OK) {
			ok++;
		} else {
			/* the body ran past Content-Length: the rest reads as a
			 * pipelined request, which is refused or truncated */
			ok_extra++;
			note(&extra[whole.end], id ? id : "?");
		}
		replay_free(&whole);
		replay_free(&split);
		json_decref(doc);
	}
	gzclose(gz);
	free(line.p);
	free(wire.p);
	printf("CRS 3.3.4 regression corpus: %u requests, %u parsed, %u parsed with "
	       "bytes left after the message, %u refused, %u unreadable lines\n",
	       total, ok, ok_extra, nrefused, bad_json);
	printf("refused, by reason:\n");
	print_rows("status", refused);
	printf("bytes after a complete message, how the rest ended:\n");
	print_rows("status", extra);
	assert_int_equal(bad_json, 0);
	assert_true(total > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	int failed;

	corpus_path = argc > 1 ? argv[1] : NULL;
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed ? failed : skipped ? 77 : 0;   /* 77: meson's SKIP */
}
