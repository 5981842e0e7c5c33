/* Corpus evaluation (waf_corpus.h): JSONL lines -> wire bytes -> http_lib ->
 * waf_reqview -> waf_engine; agreement per rule file. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf_corpus.h"

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_put(struct buf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

static bool read_line(gzFile gz, struct buf *line)
{
	char chunk[65536];

	line->len = 0;
	while (gzgets(gz, chunk, sizeof(chunk))) {
		size_t n = strlen(chunk);
		if (buf_put(line, chunk, n) < 0)
			return false;
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
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			unsigned char c = (unsigned char)(acc >> bits);
			buf_put(out, &c, 1);
		}
	}
}

/* README: METHOD SP URI SP VERSION CRLF, "name: value" CRLF per header,
 * CRLF, body. Nothing added. */
static bool build_wire(json_t *doc, struct buf *w)
{
	json_t *hdrs = json_object_get(doc, "headers"), *h;
	json_t *m = json_object_get(doc, "method"), *u = json_object_get(doc, "uri");
	json_t *v = json_object_get(doc, "version");
	json_t *body = json_object_get(doc, "body"), *b64 = json_object_get(doc, "body_b64");
	size_t i;

	if (!json_is_string(m) || !json_is_string(u) || !json_is_string(v))
		return false;
	w->len = 0;
	buf_put(w, json_string_value(m), json_string_length(m));
	buf_put(w, " ", 1);
	buf_put(w, json_string_value(u), json_string_length(u));
	buf_put(w, " ", 1);
	buf_put(w, json_string_value(v), json_string_length(v));
	buf_put(w, "\r\n", 2);
	json_array_foreach(hdrs, i, h) {
		json_t *n = json_array_get(h, 0), *val = json_array_get(h, 1);
		if (!json_is_string(n) || !json_is_string(val))
			return false;
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
	*eng = waf_engine_build(prog, n, rs->datadir, err, errlen);
	free(prog);
	return *eng ? 0 : -1;
}

int waf_corpus_eval(const struct waf_corpus_opts *o, struct waf_corpus_stats *st,
		    char *err, size_t errlen)
{
	struct waf_ruleset rs = { 0 };
	struct waf_engine *eng = NULL;
	struct waf_eval *ev = NULL;
	struct http_req *req = NULL;
	struct waf_reqview view = { 0 };
	struct http_limits lim;
	struct buf line = { 0 }, wire = { 0 };
	struct waf_result *res = calloc(1, sizeof(*res));
	gzFile gz = NULL;
	int ret = -1, rc;
	unsigned passes = o->repeat ? o->repeat : 1;

	memset(st, 0, sizeof(*st));
	if (!res) {
		snprintf(err, errlen, "out of memory");
		return -1;
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
	gz = gzopen(o->corpus, "rb");
	if (!gz) {
		snprintf(err, errlen, "%s: %s", o->corpus, strerror(errno ? errno : EIO));
		goto out;
	}
	while (read_line(gz, &line)) {
		json_error_t jerr;
		json_t *doc = json_loadb(line.p, line.len, JSON_ALLOW_NUL, &jerr);
		const char *id, *rule, *expect, *category;
		struct waf_engine_conf conf;
		size_t left = 0;
		enum http_reason why = HTTP_R_OK;

		if (!doc || !build_wire(doc, &wire) ||
		    !(id = json_string_value(json_object_get(doc, "id"))) ||
		    !(rule = json_string_value(json_object_get(doc, "rule"))) ||
		    !(expect = json_string_value(json_object_get(doc, "expect"))) ||
		    !(category = json_string_value(json_object_get(doc, "category")))) {
			st->bad_lines++;
			json_decref(doc);
			continue;
		}
		st->lines++;
		waf_engine_conf_default(&conf);
		json_int_t pl = json_integer_value(json_object_get(doc, "pl"));
		conf.paranoia = (uint8_t)(o->pl ? o->pl : (pl >= 1 && pl <= 4 ? pl : 1));
		for (unsigned p = 0; p < passes; p++) {
			double t0 = now();
			why = eval_one(req, &view, ev, &conf, wire.p, wire.len, &left, res);
			st->seconds += now() - t0;
			st->bytes += wire.len;
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
		json_decref(doc);
	}
	ret = 0;
out:
	if (gz)
		gzclose(gz);
	free(line.p);
	free(wire.p);
	free(res);
	http_req_destroy(req);
	waf_reqview_free(&view);
	waf_eval_free(ev);
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
