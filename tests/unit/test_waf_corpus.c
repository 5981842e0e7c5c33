/* The WAF engine over the OWASP CRS 3.3.4 regression corpus
 * (../shared/corpora/crs-3.3.4-regression.jsonl.gz) with the installed CRS
 * rules: each wire-exact request through http_lib, the request view and the
 * engine at the test's paranoia level. Fails below WAF_CORPUS_MIN percent
 * agreement on the imported rules (waf_corpus.h says what agreement means),
 * with and without the rules that use our @detectSQLi/@detectXSS.
 * Disagreements are written to argv[3] (in the build directory).
 *
 * Usage: test_waf_corpus RULES_DIR CORPUS.jsonl.gz DISAGREEMENTS_FILE.
 * Skipped (exit 77, meson SKIP) when the corpus or the rules are absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "waf_corpus.h"

#define WAF_CORPUS_MIN 95.0

static const char *rules_dir, *corpus, *dis_path;
static const char *program[2]; /* the build's compiled programs: all rules, without detectors */
static bool skipped;

static void check(bool no_detectors, const char *dis_file)
{
	struct waf_corpus_opts o = { .rules_dir = rules_dir, .corpus = corpus, .repeat = 1,
				     .no_detectors = no_detectors,
				     .program = program[no_detectors] };
	struct waf_corpus_stats *st = calloc(1, sizeof(*st));
	char err[512] = "";

	assert_non_null(st);
	o.disagree = fopen(dis_file, "w");
	assert_non_null(o.disagree);
	if (waf_corpus_eval(&o, st, err, sizeof(err)) < 0)
		fail_msg("evaluation failed: %s", err);
	assert_int_equal(fclose(o.disagree), 0);
	printf("%s:\n", no_detectors ? "without @detectSQLi/@detectXSS rules" : "all imported rules");
	waf_corpus_summary(st, stdout);
	printf("disagreements: %s\n\n", dis_file);
	assert_int_equal(st->bad_lines, 0);
	assert_true(st->lines >= 2000);
	assert_true(st->counted >= 2000);
	if (waf_corpus_agreement(st) < WAF_CORPUS_MIN)
		fail_msg("agreement %.2f%% < %.0f%% (see %s)", waf_corpus_agreement(st),
			 WAF_CORPUS_MIN, dis_file);
	free(st);
}

static void test_corpus(void **state)
{
	char alt[4096];

	(void)state;
	if (access(corpus, R_OK) != 0 || access(rules_dir, R_OK) != 0) {
		printf("SKIP: %s or %s not found (a clone without ../shared, or no modsecurity-crs)\n",
		       corpus, rules_dir);
		skipped = true;
		skip();
	}
	check(false, dis_path);
	snprintf(alt, sizeof(alt), "%s.no-detectors", dis_path);
	check(true, alt);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: %s RULES_DIR CORPUS DISAGREEMENTS_FILE "
			"[PROGRAM NO_DETECTORS_PROGRAM]\n", argv[0]);
		return 2;
	}
	rules_dir = argv[1];
	corpus = argv[2];
	dis_path = argv[3];
	if (argc == 6) { /* compiled once by the build (rampart-waf compile) */
		program[0] = argv[4];
		program[1] = argv[5];
	}
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	return failed ? failed : skipped ? 77 : 0; /* 77: meson's SKIP */
}
