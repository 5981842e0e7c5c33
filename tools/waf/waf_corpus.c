/* Corpus evaluation (waf_corpus.h): JSONL lines -> wire bytes -> http_lib ->
 * waf_reqview -> waf_engine; agreement per rule file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus/crs_corpus.h"
#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"
#include "waf_corpus.h"

static struct waf_corpus_cat *cat_of(struct waf_corpus_stats *st, const char *name)
{
	for (unsigned i = 0; i < st->n_cats; i++)
		if (strcmp(st->cats[i].name, name) == 0)
			return &st->cats[i];
	if (st->n_cats == WAF_CORPUS_CATS)
		return &st->cats[WAF_CORPUS_CATS - 1];
	struct waf_corpus_cat *c = &st->cats[st->n_cats++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: a loaded machine does not skew it */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One request through parser, view and engine. Returns the parser's
 * outcome (HTTP_R_OK or the refusal). */
static enum http_reason eval_one(struct http_req *req, struct waf_reqview *view,
				 struct waf_eval *ev, const struct waf_engine_conf *conf,
				 const char *wire, size_t len, size_t *left, struct waf_result *res)
{
	int rc;

	http_req_reset(req);
	waf_reqview_reset(view);
	rc = http_parse(req, wire, len);
	*left = rc > 0 ? len - (size_t)rc : 0;
	if (rc == 0)
		rc = http_req_eof(req);
	waf_reqview_build(view, req);
	waf_eval_run(ev, conf, view, res);
	return rc < 0 ? (enum http_reason)-rc : HTTP_R_OK;
}

static bool matched(const struct waf_result *res, uint32_t id)
{
	for (uint32_t i = 0; i < res->n_matches && i < WAF_MATCH_MAX; i++)
		if (res->matches[i].id == id)
			return true;
	return false;
}

static bool protocol_rule(const char *category)
{
	return strncmp(category, "REQUEST-920-", 12) == 0 || strncmp(category, "REQUEST-921-", 12) == 0;
}

/* The program: the imported rules, less those using our detectors when
 * asked. Returns 0, or -1 with the reason in err. */
static int build_engine(const struct waf_corpus_opts *o, const struct waf_ruleset *rs,
			struct waf_corpus_stats *st, struct waf_engine **eng, char *err, size_t errlen)
{
	struct waf_rule **prog = calloc(rs->n_imported ? rs->n_imported : 1, sizeof(*prog));
	size_t n = 0;

	if (!prog) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->rules_imported = rs->n_imported;
	st->rules_left_out = 0;
	for (size_t i = 0; i < rs->n_imported; i++) {
		bool detector = false;
		for (const struct waf_rule *l = rs->imported[i]; l; l = l->chain)
			detector |= l->op == WAF_OP_DETECTSQLI || l->op == WAF_OP_DETECTXSS;
		if (o->no_detectors && detector)
			st->rules_left_out++;
		else
			prog[n++] = rs->imported[i];
	}
	*eng = waf_engine_build(prog, n, rs->datadir, NULL, err, errlen);
	free(prog);
	return *eng ? 0 : -1;
}

int waf_corpus_eval(const struct waf_corpus_opts *o, struct waf_corpus_stats *st,
		    char *err, size_t errlen)
{
	struct waf_ruleset rs = { 0 };
	struct waf_engine *eng = NULL;
	struct waf_program *prog = NULL; /* owns eng when loaded from a file */
	struct waf_eval *ev = NULL;
	struct http_req *req = NULL;
	struct waf_reqview view = { 0 };
	struct http_limits lim;
	struct crs_corpus *corpus = NULL;
	struct crs_corpus_case tc;
	struct waf_result *res = calloc(1, sizeof(*res));
	int ret = -1, rc;
	unsigned passes = o->repeat ? o->repeat : 1;

	memset(st, 0, sizeof(*st));
	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (o->program) {
		if (!(prog = waf_program_load_file(o->program, err, errlen)))
			goto out;
		eng = prog->engine;
		st->rules_imported = waf_engine_rule_count(eng);
		goto built;
	}
	rc = crs_import_dir(&rs, o->rules_dir);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", o->rules_dir, strerror(-rc));
		goto out;
	}
	/* The engine compiles every pattern; crs_hs_check() (which compiles
	 * them all once more) only runs if that fails, to move the rules whose
	 * patterns compile nowhere to the skipped list. */
	for (int attempt = 0; attempt < 2; attempt++) {
		if (attempt && (rc = crs_hs_check(&rs)) < 0) {
			snprintf(err, errlen, "%s: %s", o->rules_dir, strerror(-rc));
			goto out;
		}
		if ((rc = build_engine(o, &rs, st, &eng, err, errlen)) == 0)
			break;
	}
	if (!eng)
		goto out;
built:
	st->rules_in_program = waf_engine_rule_count(eng);
	st->chains = waf_engine_chain_count(eng);
	ev = waf_eval_create(eng);
	http_limits_default(&lim);
	req = http_req_create(&lim);
	if (!ev || !req) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	http_req_set_body_cb(req, waf_reqview_body_cb, &view);
	corpus = crs_corpus_open(o->corpus);
	if (!corpus) {
		snprintf(err, errlen, "%s: %s", o->corpus, strerror(errno ? errno : EIO));
		goto out;
	}
	while ((rc = crs_corpus_next(corpus, &tc)) != 0) {
		const char *id = tc.id, *rule = tc.rule, *expect = tc.expect;
		const char *category = tc.category;
		struct waf_engine_conf conf;
		size_t left = 0;
		enum http_reason why = HTTP_R_OK;

		if (rc < 0 || !id || !rule || !expect || !category) {
			st->bad_lines++;
			continue;
		}
		st->lines++;
		waf_engine_conf_default(&conf);
		conf.paranoia = (uint8_t)(o->pl ? o->pl : (tc.pl >= 1 && tc.pl <= 4 ? tc.pl : 1));
		for (unsigned p = 0; p < passes; p++) {
			double t0 = now();
			why = eval_one(req, &view, ev, &conf, tc.wire, tc.wire_len, &left, res);
			st->seconds += now() - t0;
			st->bytes += tc.wire_len;
			st->evaluated++;
		}
		uint32_t rid = (uint32_t)strtoul(rule, NULL, 10);
		bool block = strcmp(expect, "block") == 0;
		bool hit = matched(res, rid);
		bool refused = why != HTTP_R_OK;
		struct waf_corpus_cat *c = cat_of(st, category);
		bool counted = waf_engine_has_rule(eng, rid);
		bool agree = (block == hit) || (refused && block && protocol_rule(category));

		c->tests++;
		st->refused += refused;
		st->blocked += res->block || refused;
		if (counted) {
			c->counted++;
			st->counted++;
			c->agree += agree;
			st->agree += agree;
			c->refused += refused;
			st->refused_agree += refused && agree && block != hit;
		}
		if (o->out) {
			fprintf(o->out, "%s pl=%u expect=%s decision=%s score=%u%s%s%s rules=", id,
				conf.paranoia, expect,
				refused ? "refused" : res->block ? "block" : "pass", res->score,
				refused ? " parser=" : "", refused ? http_reason_name(why) : "",
				left ? " trailing-bytes" : "");
			for (uint32_t i = 0; i < res->n_matches && i < WAF_MATCH_MAX; i++)
				fprintf(o->out, "%s%u", i ? "," : "", res->matches[i].id);
			fprintf(o->out, " %s\n", !counted ? "not-imported" : agree ? "agree" : "DISAGREE");
		}
		if (counted && !agree && o->disagree) {
			fprintf(o->disagree, "%s rule=%s expect=%s pl=%u%s%s matched=", id, rule, expect,
				conf.paranoia, refused ? " parser=" : "",
				refused ? http_reason_name(why) : "");
			for (uint32_t i = 0; i < res->n_matches && i < WAF_MATCH_MAX; i++)
				fprintf(o->disagree, "%s%u[%s]", i ? "," : "", res->matches[i].id,
					res->matches[i].target);
			fprintf(o->disagree, "\n");
		}
	}
	ret = 0;
out:
	crs_corpus_close(corpus);
	free(res);
	http_req_destroy(req);
	waf_reqview_free(&view);
	waf_eval_free(ev);
	if (prog)
		waf_program_free(prog);
	else
		waf_engine_free(eng);
	waf_ruleset_free(&rs);
	return ret;
}

double waf_corpus_agreement(const struct waf_corpus_stats *st)
{
	return st->counted ? 100.0 * st->agree / st->counted : 100.0;
}

void waf_corpus_summary(const struct waf_corpus_stats *st, FILE *out)
{
	fprintf(out, "| rule file | tests | on imported rules | agree | agreement |\n|---|---|---|---|---|\n");
	for (unsigned i = 0; i < st->n_cats; i++) {
		const struct waf_corpus_cat *c = &st->cats[i];
		if (c->counted)
			fprintf(out, "| %s | %u | %u | %u | %.1f%% |\n", c->name, c->tests, c->counted,
				c->agree, 100.0 * c->agree / c->counted);
		else
			fprintf(out, "| %s | %u | 0 | - | - |\n", c->name, c->tests);
	}
	fprintf(out, "| **all** | %u | %u | %u | **%.2f%%** |\n\n", st->lines, st->counted, st->agree,
		waf_corpus_agreement(st));
	fprintf(out, "requests %u (unreadable lines %u), refused by the HTTP parser %u "
		"(protocol-rule tests agreeing through the refusal: %u), decision block %u\n",
		st->lines, st->bad_lines, st->refused, st->refused_agree, st->blocked);
	fprintf(out, "rules imported %zu, in the program %zu (left out: %zu using @detectSQLi/@detectXSS), "
		"distinct transformation chains %zu\n",
		st->rules_imported, st->rules_in_program, st->rules_left_out, st->chains);
	if (st->seconds > 0)
		fprintf(out, "speed (one core, parse + view + engine): %.0f requests/s, %.1f MB/s "
			"(%llu requests in %.3f s)\n", (double)st->evaluated / st->seconds,
			(double)st->bytes / st->seconds / 1e6, st->evaluated, st->seconds);
}
