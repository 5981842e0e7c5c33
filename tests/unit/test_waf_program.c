/* WAF program shipping: the rule model's encoding round-trips; a program
 * compiled on the "control plane" and loaded from its blob on the
 * "dataplane" decides like the original; a blob without the databases it
 * needs is refused (the load side never compiles Hyperscan); corrupted,
 * truncated and tampered blobs are refused with a reason; and, when
 * modsecurity-crs is installed, the whole CRS ships and loads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_hsdb.h"
#include "waf/waf_model.h"
#include "waf/waf_program.h"

#define SC ",setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'"

static const char rules_text[] =
	"SecRule ARGS \"@rx (?i)union\\s+select\" \"id:1001,phase:2,block,t:none,t:lowercase,"
	"severity:CRITICAL,tag:'attack-sqli',msg:'sqli'" SC "\"\n"
	"SecRule ARGS \"@rx (a)\\1x\" \"id:1002,phase:2,block,severity:CRITICAL,tag:'backref'" SC "\"\n"
	"SecRule REQUEST_HEADERS:User-Agent \"@pm nikto sqlmap\" \"id:1003,phase:1,block,"
	"severity:CRITICAL,tag:'scanner'" SC "\"\n"
	"SecRule REQUEST_FILENAME \"@pmFromFile bad-files.data\" \"id:1004,phase:1,block,"
	"severity:CRITICAL" SC "\"\n"
	"SecRule ARGS:x \"@streq a\" \"id:1005,phase:2,block,severity:CRITICAL,chain\"\n"
	"  SecRule ARGS:y \"@streq b\" \"t:none" SC "\"\n";

static char datadir[64];

static int setup(void **state)
{
	char path[128];
	FILE *f;

	(void)state;
	snprintf(datadir, sizeof(datadir), "/tmp/wf-waf-program-XXXXXX");
	if (!mkdtemp(datadir))
		return -1;
	snprintf(path, sizeof(path), "%s/bad-files.data", datadir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("# comment\n/etc/passwd\n.htaccess\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/bad-files.data", datadir);
	unlink(path);
	rmdir(datadir);
	return 0;
}

struct evalctx {
	struct waf_eval *ev;
	struct http_req *req;
	struct waf_reqview v;
	struct waf_result res;
};

static const struct waf_result *run(struct evalctx *c, const struct waf_engine *e,
				    const char *wire)
{
	struct waf_engine_conf conf;
	struct http_limits lim;
	int rc;

	if (!c->ev) {
		c->ev = waf_eval_create(e);
		http_limits_default(&lim);
		c->req = http_req_create(&lim);
		assert_non_null(c->ev);
		assert_non_null(c->req);
		http_req_set_body_cb(c->req, waf_reqview_body_cb, &c->v);
	}
	waf_engine_conf_default(&conf);
	http_req_reset(c->req);
	waf_reqview_reset(&c->v);
	rc = http_parse(c->req, wire, strlen(wire));
	if (rc == 0)
		rc = http_req_eof(c->req);
	assert_int_equal(waf_reqview_build(&c->v, c->req), 0);
	assert_int_equal(waf_eval_run(c->ev, &conf, &c->v, &c->res), 0);
	return &c->res;
}

static void evalctx_free(struct evalctx *c)
{
	waf_eval_free(c->ev);
	http_req_destroy(c->req);
	waf_reqview_free(&c->v);
}

static bool hit(const struct waf_result *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n_matches && i < WAF_MATCH_MAX; i++)
		if (r->matches[i].id == id)
			return true;
	return false;
}

static void parse_rules(struct waf_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	assert_int_equal(seclang_parse(rs, rules_text, sizeof(rules_text) - 1, "t.conf"), 0);
	assert_int_equal(rs->n_errors, 0);
	assert_int_equal(rs->n_all, 5);
}

static void test_model_roundtrip(void **state)
{
	const char *dirs[] = { datadir };
	struct waf_ruleset rs;
	struct waf_model *m;
	uint8_t *a, *b;
	size_t alen, blen;
	char err[256] = "";

	(void)state;
	parse_rules(&rs);
	assert_int_equal(waf_model_encode(rs.all, rs.n_all, dirs, 1, &a, &alen, err, sizeof(err)), 0);
	m = waf_model_decode(a, alen, err, sizeof(err));
	if (!m)
		fail_msg("%s", err);
	assert_int_equal(m->n_rules, 5);
	assert_int_equal(m->n_files, 1);
	assert_string_equal(m->files[0].name, "bad-files.data");
	assert_non_null(m->rules[4]->chain);
	assert_string_equal(m->rules[0]->tags[0], "attack-sqli");
	assert_int_equal(waf_model_encode(m->rules, m->n_rules, dirs, 1, &b, &blen, err,
					  sizeof(err)), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* every truncation and a trailing byte are refused */
	for (size_t n = 0; n < alen; n++) {
		struct waf_model *t = waf_model_decode(a, n, err, sizeof(err));

		if (t)
			fail_msg("truncation at %zu accepted", n);
	}
	b = realloc(b, alen + 1);
	b[alen] = 0;
	assert_null(waf_model_decode(b, alen + 1, err, sizeof(err)));
	assert_non_null(strstr(err, "trailing"));
	/* a data file name with a path is refused on both sides */
	{
		size_t off = 16 + 4;   /* first file: u32 length then the name */

		memcpy(b, a, alen);
		b[off] = '/';
		assert_null(waf_model_decode(b, alen, err, sizeof(err)));
	}
	/* an operator out of range is refused */
	free(a);
	free(b);
	waf_model_free(m);
	waf_ruleset_free(&rs);
}

static const char *const attacks[] = {
	"GET /?q=1%20UNION%20%20SELECT%202 HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /?q=aax HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: sqlmap/1.0\r\n\r\n",
	"GET /static/.htaccess HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /?x=a&y=b HTTP/1.1\r\nHost: a\r\n\r\n",
};
static const uint32_t attack_ids[] = { 1001, 1002, 1003, 1004, 1005 };

static void test_compile_ship_load(void **state)
{
	const char *dirs[] = { datadir };
	struct waf_ruleset rs;
	struct waf_program *cp, *dp;
	struct evalctx a = { 0 }, b = { 0 };
	uint8_t *blob;
	size_t len;
	char err[256] = "";

	(void)state;
	parse_rules(&rs);
	cp = waf_program_compile(rs.all, rs.n_all, dirs, 1, &blob, &len, err, sizeof(err));
	if (!cp)
		fail_msg("compile: %s", err);
	assert_true(cp->hsdb_count >= 3);   /* rx exact, rx prefilter, pm, pmFromFile */
	assert_int_equal(waf_program_blob_hash(blob, len), cp->hash);
	waf_ruleset_free(&rs);  /* the dataplane has only the blob */
	dp = waf_program_load(blob, len, err, sizeof(err));
	if (!dp)
		fail_msg("load: %s", err);
	assert_int_equal(dp->hash, cp->hash);
	assert_int_equal(waf_engine_rule_count(dp->engine), waf_engine_rule_count(cp->engine));
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		const struct waf_result *ra = run(&a, cp->engine, attacks[i]);
		bool cp_hit = hit(ra, attack_ids[i]);
		uint32_t cp_score = ra->score;
		const struct waf_result *rb = run(&b, dp->engine, attacks[i]);

		assert_true(cp_hit);
		assert_true(hit(rb, attack_ids[i]));
		assert_int_equal(rb->score, cp_score);
		assert_true(rb->block);
	}
	assert_int_equal(run(&b, dp->engine, "GET /?q=hello HTTP/1.1\r\nHost: a\r\n\r\n")->n_matches, 0);
	assert_true(waf_program_rule_has_tag(dp, 1001, "attack-sqli"));
	assert_false(waf_program_rule_has_tag(dp, 1001, "scanner"));
	assert_true(waf_program_rule_has_tag(dp, 1003, "scanner"));
	assert_false(waf_program_rule_has_tag(dp, 9999, "scanner"));
	evalctx_free(&a);
	evalctx_free(&b);
	waf_program_free(dp);
	waf_program_free(cp);
	free(blob);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void rehash(uint8_t *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 20; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	put_u64(b + 8, h);
}

static void test_bad_blobs(void **state)
{
	const char *dirs[] = { datadir };
	struct waf_ruleset rs;
	struct waf_program *cp;
	uint8_t *blob, *b;
	size_t len;
	char err[256] = "";

	(void)state;
	parse_rules(&rs);
	cp = waf_program_compile(rs.all, rs.n_all, dirs, 1, &blob, &len, err, sizeof(err));
	assert_non_null(cp);
	b = malloc(len);
	assert_non_null(b);
	for (size_t n = 0; n < len; n += (n < 64 ? 1 : 131))
		assert_null(waf_program_load(blob, n, err, sizeof(err)));
	for (size_t i = 0; i < len; i += 61) {
		memcpy(b, blob, len);
		b[i] ^= 0x20;
		assert_null(waf_program_load(b, len, err, sizeof(err)));
	}
	memcpy(b, blob, len);
	b[4] = 9;
	assert_null(waf_program_load(b, len, err, sizeof(err)));
	assert_non_null(strstr(err, "version"));
	/* model length past the end */
	memcpy(b, blob, len);
	b[19] = 0x7f;
	assert_null(waf_program_load(b, len, err, sizeof(err)));
	/* the databases taken out (valid hash): the load side does not compile,
	 * so the @pm sets are missing and the program is refused */
	{
		uint32_t mlen = (uint32_t)blob[16] | (uint32_t)blob[17] << 8 |
				(uint32_t)blob[18] << 16 | (uint32_t)blob[19] << 24;
		struct waf_hsdb_cache *empty = waf_hsdb_create(WAF_HSDB_COMPILE);
		uint8_t *eb, *t;
		size_t el;

		assert_int_equal(waf_hsdb_serialize(empty, &eb, &el), 0);
		t = malloc(20 + mlen + el);
		assert_non_null(t);
		memcpy(t, blob, 20 + mlen);
		memcpy(t + 20 + mlen, eb, el);
		rehash(t, 20 + mlen + el);
		assert_null(waf_program_load(t, 20 + mlen + el, err, sizeof(err)));
		assert_non_null(strstr(err, "no shipped database"));
		free(t);
		free(eb);
		waf_hsdb_free(empty);
	}
	free(b);
	free(blob);
	waf_program_free(cp);
	waf_ruleset_free(&rs);
}

/* The whole CRS (when installed): compiles, ships, loads; reports sizes. */
static void test_crs(void **state)
{
	const char *dir = "/usr/share/modsecurity-crs/rules";
	const char *dirs[] = { dir };
	struct waf_ruleset rs = { 0 };
	struct waf_program *cp, *dp;
	struct evalctx c = { 0 };
	struct stat st;
	uint8_t *blob;
	size_t len;
	char err[512] = "";

	(void)state;
	if (stat(dir, &st) != 0) {
		print_message("skipped: %s not installed\n", dir);
		return;
	}
	assert_int_equal(crs_import_dir(&rs, dir), 0);
	cp = waf_program_compile(rs.imported, rs.n_imported, dirs, 1, &blob, &len, err,
				 sizeof(err));
	if (!cp) {
		assert_true(crs_hs_check(&rs) >= 0);
		cp = waf_program_compile(rs.imported, rs.n_imported, dirs, 1, &blob, &len, err,
					 sizeof(err));
	}
	if (!cp)
		fail_msg("CRS compile: %s", err);
	dp = waf_program_load(blob, len, err, sizeof(err));
	if (!dp)
		fail_msg("CRS load: %s", err);
	print_message("CRS program: %zu rules, %zu databases, blob %zu bytes\n",
		      waf_engine_rule_count(dp->engine), dp->hsdb_count, len);
	assert_true(run(&c, dp->engine,
			"GET /?id=1%27%20or%20%271%27=%271 HTTP/1.1\r\nHost: a\r\n"
			"User-Agent: t\r\nAccept: */*\r\n\r\n")->block);
	evalctx_free(&c);
	waf_program_free(dp);
	waf_program_free(cp);
	free(blob);
	waf_ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_roundtrip),
		cmocka_unit_test(test_compile_ship_load),
		cmocka_unit_test(test_bad_blobs),
		cmocka_unit_test(test_crs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
