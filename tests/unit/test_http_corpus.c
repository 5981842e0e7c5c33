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
#include <unistd.h>

#include "corpus/crs_corpus.h"
#include "http_replay.h"

static const char *corpus_path;
static bool skipped;

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
	struct http_limits lim;
	uint64_t seed = 42;
	struct crs_corpus *corpus;
	struct crs_corpus_case tc;
	int rc;

	(void)state;
	if (!corpus_path || access(corpus_path, R_OK) != 0) {
		printf("SKIP: corpus %s not found (a clone without ../shared)\n",
		       corpus_path ? corpus_path : "(no path given)");
		skipped = true;
		skip();
	}
	corpus = crs_corpus_open(corpus_path);
	assert_non_null(corpus);
	http_limits_default(&lim);
	while ((rc = crs_corpus_next(corpus, &tc)) != 0) {
		const char *id = tc.id;
		struct replay whole, split;
		size_t cuts[64], ncuts;

		if (rc < 0) {
			print_error("unreadable line %u\n", tc.line);
			bad_json++;
			continue;
		}
		total++;
		replay_run(&lim, tc.wire, tc.wire_len, NULL, 0, &whole);
		ncuts = replay_random_cuts(&seed, tc.wire_len, cuts, 64);
		replay_run(&lim, tc.wire, tc.wire_len, cuts, ncuts, &split);
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
	}
	crs_corpus_close(corpus);
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
