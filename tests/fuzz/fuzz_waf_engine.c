/* libFuzzer target for the WAF request path: request bytes -> HTTP parser
 * (dataplane/http/) -> request view (body processors: urlencoded, JSON,
 * multipart, XML) -> rule engine.
 *
 * Rules: the installed OWASP CRS (/usr/share/modsecurity-crs/rules, or
 * $RAMPART_FUZZ_CRS), loaded once; when it is absent, a small built-in rule
 * set that still exercises every engine path (exclusions, key regexes,
 * counts, chains with MATCHED_VARS, captures and macros, multiMatch,
 * scoring). Input: first byte = paranoia level (1 + b % 4), then the request
 * bytes, parsed in one chunk. Every request is evaluated twice and must give
 * the same result (the per-request cache and arenas must not leak state).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crs_import.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"

static const char builtin_rules[] =
	"SecRule ARGS|ARGS_NAMES|!ARGS:safe|REQUEST_COOKIES|!REQUEST_COOKIES:/__utm/|XML:/* "
	"\"@rx (?i)union\\s+select\" \"id:1,phase:2,block,capture,t:none,t:urlDecodeUni,t:lowercase,"
	"setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n"
	"SecRule REQUEST_HEADERS_NAMES \"@rx ^.*$\" \"id:2,phase:1,pass,capture,"
	"setvar:'tx.header_name_%{tx.0}=/%{tx.0}/',chain\"\n"
	"  SecRule TX:/^header_name_/ \"@within %{tx.restricted_headers}\" "
	"\"setvar:'tx.anomaly_score_pl1=+%{tx.critical_anomaly_score}'\"\n"
	"SecRule &REQUEST_HEADERS:Host \"@eq 0\" \"id:3,phase:1,block,"
	"setvar:'tx.anomaly_score_pl1=+%{tx.warning_anomaly_score}'\"\n"
	"SecRule ARGS \"@contains <script\" \"id:4,phase:2,block,multiMatch,t:none,t:htmlEntityDecode,"
	"t:jsDecode,t:cssDecode,t:removeNulls,tag:'paranoia-level/2',"
	"setvar:'tx.anomaly_score_pl2=+%{tx.critical_anomaly_score}'\"\n"
	"SecRule REQUEST_BODY|FILES|FILES_NAMES|MULTIPART_PART_HEADERS|REQUEST_FILENAME|REQUEST_BASENAME "
	"\"@pm ../ <?php ${jndi\" \"id:5,phase:2,block,t:none,t:normalisePath,t:lowercase\"\n"
	"SecRule REQUEST_METHOD \"@streq POST\" \"id:6,phase:2,block,chain\"\n"
	"  SecRule ARGS_NAMES \"@rx .\" \"chain\"\n"
	"  SecRule MATCHED_VARS \"@validateUtf8Encoding\" \"t:none\"\n"
	"SecRule REQBODY_ERROR \"!@eq 0\" \"id:7,phase:2,deny\"\n"
	"SecRule REQUEST_LINE|REQUEST_URI|REQUEST_URI_RAW|QUERY_STRING|REQUEST_PROTOCOL|ARGS_COMBINED_SIZE|"
	"REQUEST_BODY_LENGTH|FILES_COMBINED_SIZE|REQBODY_PROCESSOR|MULTIPART_STRICT_ERROR "
	"\"@validateByteRange 32-126\" \"id:8,phase:2,pass,t:none,t:urlDecodeUni,t:cmdLine,t:length\"\n"
	"SecRule REQUEST_HEADERS:Referer \"@rx ^https?://([^/]+)\" \"id:9,phase:1,pass,capture,chain\"\n"
	"  SecRule TX:1 \"!@endsWith %{request_headers.host}\" \"t:none\"\n";

static struct waf_ruleset rs;
static struct waf_program *prog;
static struct waf_engine *eng;
static struct waf_eval *ev;
static struct http_req *req;
static struct waf_reqview view;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The CRS program the build compiled once (tests/unit/waf_crs.rwap, next to
 * this build's tests; or RAMPART_FUZZ_WAF_PROGRAM): loading it takes a
 * second where compiling CRS takes ~10 (more under ASan). A missing or
 * stale file falls back to compiling. */
static bool load_program(const char *argv0, char *err, size_t errlen)
{
	const char *path = getenv("RAMPART_FUZZ_WAF_PROGRAM");
	char guess[4096];

	if (!path && argv0) {
		const char *slash = strrchr(argv0, '/');
		int dl = slash ? (int)(slash - argv0) : 1;
		snprintf(guess, sizeof(guess), "%.*s/../unit/waf_crs.rwap", dl, slash ? argv0 : ".");
		path = guess;
	}
	if (!path || access(path, R_OK) != 0)
		return false;
	prog = waf_program_load_file(path, err, errlen);
	if (!prog)
		fprintf(stderr, "fuzz_waf_engine: %s: %s; compiling the rules instead\n", path, err);
	return prog != NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("RAMPART_FUZZ_CRS");
	struct http_limits lim;
	char err[256] = "";
	DIR *d;

	(void)argc;
	if (!dir)
		dir = "/usr/share/modsecurity-crs/rules";
	if (load_program(argv && *argv ? (*argv)[0] : NULL, err, sizeof(err))) {
		eng = prog->engine;
	} else if ((d = opendir(dir))) {
		closedir(d);
		if (crs_import_dir(&rs, dir) < 0)
			abort();
		eng = waf_engine_build(rs.imported, rs.n_imported, rs.datadir, NULL, err, sizeof(err));
		if (!eng) { /* a pattern compiles nowhere: let the importer skip it */
			if (crs_hs_check(&rs) < 0)
				abort();
			eng = waf_engine_build(rs.imported, rs.n_imported, rs.datadir, NULL, err, sizeof(err));
		}
	} else {
		fprintf(stderr, "fuzz_waf_engine: %s absent, built-in rules\n", dir);
		if (seclang_parse(&rs, builtin_rules, sizeof(builtin_rules) - 1, "builtin.conf") < 0 ||
		    rs.n_errors)
			abort();
		eng = waf_engine_build(rs.all, rs.n_all, NULL, NULL, err, sizeof(err));
	}
	if (!eng) {
		fprintf(stderr, "fuzz_waf_engine: %s\n", err);
		abort();
	}
	ev = waf_eval_create(eng);
	http_limits_default(&lim);
	req = http_req_create(&lim);
	if (!ev || !req)
		abort();
	http_req_set_body_cb(req, waf_reqview_body_cb, &view);
	return 0;
}

static void eval(const char *p, size_t n, const struct waf_engine_conf *conf, struct waf_result *res)
{
	int rc;

	http_req_reset(req);
	waf_reqview_reset(&view);
	rc = http_parse(req, p, n);
	if (rc == 0)
		http_req_eof(req);
	if (waf_reqview_build(&view, req) < 0 || waf_eval_run(ev, conf, &view, res) < 0)
		abort(); /* out of memory in a fuzzer: not a finding we can act on */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct waf_result a, b;
	struct waf_engine_conf conf;
	char *copy;

	if (size < 1)
		return 0;
	waf_engine_conf_default(&conf);
	conf.paranoia = (uint8_t)(1 + data[0] % 4);
	/* an exactly-sized copy: ASan sees any read past the request */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	eval(copy, size - 1, &conf, &a);
	eval(copy, size - 1, &conf, &b);
	bool same = a.n_matches == b.n_matches && a.score == b.score && a.block == b.block;
	for (uint32_t i = 0; same && i < a.n_matches && i < WAF_MATCH_MAX; i++)
		same = a.matches[i].id == b.matches[i].id &&
		       !strcmp(a.matches[i].target, b.matches[i].target) &&
		       !strcmp(a.matches[i].excerpt, b.matches[i].excerpt);
	if (!same) {
		fprintf(stderr, "fuzz_waf_engine: second evaluation differs\n");
		abort();
	}
	free(copy);
	return 0;
}
