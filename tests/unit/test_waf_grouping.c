/* The grouped scan (waf_engine.c) must not change a verdict: every request
 * of the CRS regression corpus and of the benign API mix runs through the
 * engine twice, grouped and in the per-rule reference mode
 * (waf_engine_conf.per_rule), at paranoia levels 1 and 4, and the results
 * (decision, scores, every recorded match with target and excerpt) must be
 * identical. Also checks that grouping actually took the rules over.
 *
 * Usage: test_waf_grouping RULES_DIR CORPUS.jsonl[.gz] BENIGN.jsonl
 * Skipped (exit 77, meson SKIP) when the rules or the corpus are absent.
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

#include "corpus/crs_corpus.h"
#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"

static const char *rules_dir, *corpus_path, *benign_path, *program_path;

struct env {
	struct waf_ruleset rs;
	struct waf_program *prog; /* the build's compiled CRS, when given */
	struct waf_engine *e;
	struct waf_eval *ev;
	struct http_req *req;
	struct waf_reqview v;
	struct waf_result a, b;
};

static struct env *env_new(void)
{
	struct env *x = calloc(1, sizeof(*x));
	struct http_limits lim;
	char err[512] = "";

	assert_non_null(x);
	if (program_path) {
		/* the program the build compiled once (rampart-waf compile) */
		x->prog = waf_program_load_file(program_path, err, sizeof(err));
		if (!x->prog)
			fail_msg("load: %s", err);
		x->e = x->prog->engine;
	} else {
		assert_int_equal(crs_import_dir(&x->rs, rules_dir), 0);
		x->e = waf_engine_build(x->rs.imported, x->rs.n_imported, x->rs.datadir, NULL,
					err, sizeof(err));
	}
	if (!x->e)
		fail_msg("build: %s", err);
	x->ev = waf_eval_create(x->e);
	assert_non_null(x->ev);
	http_limits_default(&lim);
	x->req = http_req_create(&lim);
	assert_non_null(x->req);
	http_req_set_body_cb(x->req, waf_reqview_body_cb, &x->v);
	return x;
}

static void env_free(struct env *x)
{
	waf_eval_free(x->ev);
	if (x->prog)
		waf_program_free(x->prog);
	else
		waf_engine_free(x->e);
	waf_ruleset_free(&x->rs);
	http_req_destroy(x->req);
	waf_reqview_free(&x->v);
	free(x);
}

static void same_result(const struct waf_result *a, const struct waf_result *b, const char *id,
			unsigned pl)
{
	if (a->block != b->block || a->score != b->score || a->n_matches != b->n_matches ||
	    memcmp(a->score_pl, b->score_pl, sizeof(a->score_pl)) != 0)
		fail_msg("%s pl%u: grouped block=%d score=%u matches=%u, per-rule block=%d score=%u "
			 "matches=%u", id, pl, a->block, a->score, a->n_matches, b->block, b->score,
			 b->n_matches);
	for (uint32_t i = 0; i < a->n_matches && i < WAF_MATCH_MAX; i++) {
		const struct waf_match *x = &a->matches[i], *y = &b->matches[i];
		if (x->id != y->id || strcmp(x->target, y->target) != 0 ||
		    strcmp(x->excerpt, y->excerpt) != 0)
			fail_msg("%s pl%u: match %u grouped %u %s '%s', per-rule %u %s '%s'", id, pl, i,
				 x->id, x->target, x->excerpt, y->id, y->target, y->excerpt);
	}
}

/* Every request of @path both ways at PL 1 and 4; returns the requests. */
static unsigned compare_file(struct env *x, const char *path, unsigned *matched)
{
	struct crs_corpus *c = crs_corpus_open(path);
	struct crs_corpus_case tc;
	unsigned n = 0;
	int rc;

	assert_non_null(c);
	while ((rc = crs_corpus_next(c, &tc)) != 0) {
		if (rc < 0)
			continue;
		http_req_reset(x->req);
		waf_reqview_reset(&x->v);
		rc = http_parse(x->req, tc.wire, tc.wire_len);
		if (rc == 0)
			http_req_eof(x->req);
		waf_reqview_build(&x->v, x->req);
		for (unsigned pl = 1; pl <= 4; pl += 3) {
			struct waf_engine_conf conf;

			waf_engine_conf_default(&conf);
			conf.paranoia = (uint8_t)pl;
			assert_int_equal(waf_eval_run(x->ev, &conf, &x->v, &x->a), 0);
			conf.per_rule = true;
			assert_int_equal(waf_eval_run(x->ev, &conf, &x->v, &x->b), 0);
			same_result(&x->a, &x->b, tc.id ? tc.id : "?", pl);
			*matched += x->a.n_matches > 0;
		}
		n++;
	}
	crs_corpus_close(c);
	return n;
}

static void test_grouped_equals_per_rule(void **state)
{
	struct env *x;
	unsigned matched = 0, n;

	(void)state;
	if (access(rules_dir, R_OK) != 0 || access(corpus_path, R_OK) != 0) {
		printf("skipped: %s or %s not readable\n", rules_dir, corpus_path);
		skip();
	}
	x = env_new();
	/* most CRS rules are decided by the grouped scan */
	printf("rules %zu, grouped %zu, scan databases %zu\n", waf_engine_rule_count(x->e),
	       waf_engine_grouped_rules(x->e), waf_engine_group_count(x->e));
	assert_true(waf_engine_grouped_rules(x->e) * 2 > waf_engine_rule_count(x->e));
	n = compare_file(x, corpus_path, &matched);
	printf("CRS corpus: %u requests identical grouped and per rule (%u runs matched)\n", n,
	       matched);
	assert_true(n >= 2000);
	assert_true(matched >= 2000); /* the comparison covered real matches */
	if (benign_path && access(benign_path, R_OK) == 0) {
		matched = 0;
		n = compare_file(x, benign_path, &matched);
		printf("benign mix: %u requests identical (%u runs matched)\n", n, matched);
		assert_true(n > 0);
	}
	env_free(x);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grouped_equals_per_rule),
	};

	rules_dir = argc > 1 ? argv[1] : "/usr/share/modsecurity-crs/rules";
	corpus_path = argc > 2 ? argv[2] : "../shared/corpora/crs-3.3.4-regression.jsonl.gz";
	benign_path = argc > 3 ? argv[3] : NULL;
	program_path = argc > 4 ? argv[4] : NULL; /* else compiled from rules_dir */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
