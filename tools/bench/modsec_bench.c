/* modsec-bench: the reference peer of `scripts/bench waf`. Runs the requests
 * of a JSONL corpus (format: ../shared/corpora/README.md, the same file
 * `rampart-waf bench` reads) through libmodsecurity3 with the OWASP CRS, the
 * way a connector drives it, and prints one JSON object: requests/s, MB/s
 * and how many requests ModSecurity would block.
 *
 *   modsec-bench --corpus FILE.jsonl[.gz] --pl N [--repeat R]
 *                [--rules DIR] [--setup FILE]
 *
 * Configuration, in this order: SecRuleEngine On with body access and the
 * JSON/XML body-processor rules of ModSecurity's recommended configuration
 * (what our request view mirrors), audit and debug logs off; --setup (default
 * crs-setup.conf of /etc/modsecurity/crs, else /usr/share/modsecurity-crs);
 * tx.paranoia_level and tx.executing_paranoia_level = N; every REQUEST-* and
 * RESPONSE-*.conf of
 * /etc/modsecurity/crs and --rules (default /usr/share/modsecurity-crs/rules)
 * in name order, as Debian's owasp-crs.load includes them.
 *
 * Timing is thread CPU time around each transaction (new transaction ..
 * intervention .. cleanup), each request R times in a row, as rampart-waf
 * times its parser + view + engine; loading the corpus is not timed.
 * Exit status: 0 ok, 2 usage, I/O or rule-load error.
 */
#include <errno.h>
#include <glob.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#define DEFAULT_RULES "/usr/share/modsecurity-crs/rules"
#define ETC_CRS "/etc/modsecurity/crs"

struct hdr {
	char *name, *value;
};

/* One corpus request, decoded once before timing. */
struct request {
	char *method, *uri, *version; /* version without "HTTP/" */
	struct hdr *hdrs;
	size_t n_hdrs;
	unsigned char *body;
	size_t body_len;
	size_t wire_len; /* bytes of the wire form (MB/s on the same basis as ours) */
};

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

/* Same decoding as tools/waf/waf_corpus.c (skips non-alphabet bytes). */
static unsigned char *b64_decode(const char *s, size_t *len)
{
	unsigned char *out = malloc(strlen(s) + 1);
	uint32_t acc = 0;
	int bits = 0;

	*len = 0;
	if (!out)
		return NULL;
	for (; *s; s++) {
		int v = b64val((unsigned char)*s);
		if (v < 0)
			continue;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*len)++] = (unsigned char)(acc >> bits);
		}
	}
	return out;
}

static bool request_from_json(json_t *doc, struct request *r)
{
	json_t *m = json_object_get(doc, "method"), *u = json_object_get(doc, "uri");
	json_t *v = json_object_get(doc, "version"), *hdrs = json_object_get(doc, "headers");
	json_t *body = json_object_get(doc, "body"), *b64 = json_object_get(doc, "body_b64"), *h;
	const char *ver;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!json_is_string(m) || !json_is_string(u) || !json_is_string(v))
		return false;
	ver = json_string_value(v);
	r->method = strdup(json_string_value(m));
	r->uri = strdup(json_string_value(u));
	r->version = strdup(strncmp(ver, "HTTP/", 5) == 0 ? ver + 5 : ver);
	r->wire_len = json_string_length(m) + json_string_length(u) + json_string_length(v) + 4;
	r->n_hdrs = json_is_array(hdrs) ? json_array_size(hdrs) : 0;
	r->hdrs = calloc(r->n_hdrs ? r->n_hdrs : 1, sizeof(*r->hdrs));
	if (!r->method || !r->uri || !r->version || !r->hdrs)
		return false;
	json_array_foreach(hdrs, i, h) {
		json_t *n = json_array_get(h, 0), *val = json_array_get(h, 1);
		if (!json_is_string(n) || !json_is_string(val))
			return false;
		r->hdrs[i].name = strdup(json_string_value(n));
		r->hdrs[i].value = strdup(json_string_value(val));
		if (!r->hdrs[i].name || !r->hdrs[i].value)
			return false;
		r->wire_len += json_string_length(n) + json_string_length(val) + 4;
	}
	r->wire_len += 2;
	if (json_is_string(b64)) {
		r->body = b64_decode(json_string_value(b64), &r->body_len);
	} else if (json_is_string(body)) {
		r->body_len = json_string_length(body);
		r->body = malloc(r->body_len + 1);
		if (r->body)
			memcpy(r->body, json_string_value(body), r->body_len);
	} else {
		r->body = malloc(1);
	}
	if (!r->body)
		return false;
	r->wire_len += r->body_len;
	return true;
}

static void request_free(struct request *r)
{
	free(r->method);
	free(r->uri);
	free(r->version);
	for (size_t i = 0; r->hdrs && i < r->n_hdrs; i++) {
		free(r->hdrs[i].name);
		free(r->hdrs[i].value);
	}
	free(r->hdrs);
	free(r->body);
}

/* Reads the whole corpus. Returns the count, or -1 (I/O, memory). */
static long load_corpus(const char *path, struct request **out, unsigned *bad)
{
	gzFile gz = gzopen(path, "rb");
	struct request *v = NULL;
	size_t n = 0, cap = 0, llen = 0, lcap = 1 << 16;
	char *line = malloc(lcap);

	*bad = 0;
	if (!gz || !line) {
		fprintf(stderr, "modsec-bench: %s: %s\n", path, strerror(errno ? errno : ENOMEM));
		if (gz)
			gzclose(gz);
		free(line);
		return -1;
	}
	for (;;) {
		/* one JSONL line, whatever its length */
		llen = 0;
		bool got = false;
		while (gzgets(gz, line + llen, (int)(lcap - llen))) {
			got = true;
			llen += strlen(line + llen);
			if (llen && line[llen - 1] == '\n')
				break;
			if (lcap - llen < 2) {
				char *p = realloc(line, lcap * 2);
				if (!p)
					goto oom;
				line = p;
				lcap *= 2;
			}
		}
		if (!got)
			break;
		json_error_t jerr;
		json_t *doc = json_loadb(line, llen, JSON_ALLOW_NUL, &jerr);
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			struct request *p = realloc(v, cap * sizeof(*v));
			if (!p) {
				json_decref(doc);
				goto oom;
			}
			v = p;
		}
		if (!doc || !request_from_json(doc, &v[n])) {
			if (doc)
				request_free(&v[n]);
			(*bad)++;
		} else {
			n++;
		}
		json_decref(doc);
	}
	gzclose(gz);
	free(line);
	*out = v;
	return (long)n;
oom:
	fprintf(stderr, "modsec-bench: out of memory reading %s\n", path);
	for (size_t i = 0; i < n; i++)
		request_free(&v[i]);
	free(v);
	gzclose(gz);
	free(line);
	return -1;
}

static int add_text(RulesSet *rules, const char *text, const char *what)
{
	const char *error = NULL;

	if (msc_rules_add(rules, text, &error) < 0) {
		fprintf(stderr, "modsec-bench: %s: %s\n", what, error ? error : "error");
		free((void *)error);
		return -1;
	}
	return 0;
}

static int add_file(RulesSet *rules, const char *path)
{
	const char *error = NULL;

	if (msc_rules_add_file(rules, path, &error) < 0) {
		fprintf(stderr, "modsec-bench: %s: %s\n", path, error ? error : "error");
		free((void *)error);
		return -1;
	}
	return 0;
}

/* Every REQUEST-/RESPONSE-*.conf of @dir in name order; -1 on the first that does not load. */
static int add_dir(RulesSet *rules, const char *dir, unsigned *files)
{
	char pat[4096];
	glob_t g;
	int rc = 0;

	snprintf(pat, sizeof(pat), "%s/RE*.conf", dir); /* REQUEST-*, RESPONSE-*: not crs-setup.conf */
	if (glob(pat, 0, NULL, &g) != 0)
		return 0;
	for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
		rc = add_file(rules, g.gl_pathv[i]);
		*files += rc == 0;
	}
	globfree(&g);
	return rc;
}

static const char *base_conf =
	"SecRuleEngine On\n"
	"SecRequestBodyAccess On\n"
	"SecRequestBodyLimit 13107200\n"
	"SecRequestBodyNoFilesLimit 1048576\n"
	"SecRequestBodyLimitAction ProcessPartial\n"
	"SecResponseBodyAccess Off\n"
	"SecAuditEngine Off\n"
	"SecPcreMatchLimit 100000\n"
	"SecPcreMatchLimitRecursion 100000\n"
	"SecRule REQUEST_HEADERS:Content-Type \"^(?:application(?:/soap\\+|/)|text/)xml\" "
	"\"id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML\"\n"
	"SecRule REQUEST_HEADERS:Content-Type \"^application/json\" "
	"\"id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON\"\n";

static void no_log(void *data, const void *msg)
{
	(void)data;
	(void)msg;
}

/* One transaction as a connector runs it. Returns true when ModSecurity
 * intervened (disruptive action: deny/block). */
static bool run_one(ModSecurity *ms, RulesSet *rules, const struct request *r)
{
	ModSecurityIntervention it = { .status = 200 };
	Transaction *t = msc_new_transaction(ms, rules, NULL);
	bool blocked = false;

	if (!t)
		return false;
	msc_process_connection(t, "192.0.2.10", 40000, "192.0.2.1", 80);
	msc_process_uri(t, r->uri, r->method, r->version);
	for (size_t i = 0; i < r->n_hdrs; i++)
		msc_add_request_header(t, (const unsigned char *)r->hdrs[i].name,
				       (const unsigned char *)r->hdrs[i].value);
	msc_process_request_headers(t);
	if (msc_intervention(t, &it) && it.disruptive) {
		blocked = true;
	} else {
		free(it.url);
		free(it.log);
		it.url = it.log = NULL;
		if (r->body_len)
			msc_append_request_body(t, r->body, r->body_len);
		msc_process_request_body(t);
		blocked = msc_intervention(t, &it) && it.disruptive;
	}
	free(it.url);
	free(it.log);
	msc_transaction_cleanup(t);
	return blocked;
}

static int usage(void)
{
	fprintf(stderr, "usage: modsec-bench --corpus FILE.jsonl[.gz] --pl N [--repeat R] "
		"[--rules DIR] [--setup FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *corpus = NULL, *rules_dir = DEFAULT_RULES, *setup = NULL;
	int pl = 0;
	long repeat = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
			corpus = argv[++i];
		else if (strcmp(argv[i], "--pl") == 0 && i + 1 < argc)
			pl = atoi(argv[++i]);
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atol(argv[++i]);
		else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
			rules_dir = argv[++i];
		else if (strcmp(argv[i], "--setup") == 0 && i + 1 < argc)
			setup = argv[++i];
		else
			return usage();
	}
	if (!corpus || pl < 1 || pl > 4 || repeat < 1 || repeat > 1000)
		return usage();
	if (!setup) {
		FILE *f = fopen(ETC_CRS "/crs-setup.conf", "r");
		setup = f ? ETC_CRS "/crs-setup.conf" : "/usr/share/modsecurity-crs/crs-setup.conf";
		if (f)
			fclose(f);
	}

	struct request *reqs = NULL;
	unsigned bad = 0;
	long n = load_corpus(corpus, &reqs, &bad);
	if (n < 0)
		return 2;

	ModSecurity *ms = msc_init();
	RulesSet *rules = msc_create_rules_set();
	char plconf[512];
	unsigned files = 0;
	int rc = 2;

	if (!ms || !rules)
		goto out;
	msc_set_connector_info(ms, "rampart modsec-bench");
	msc_set_log_cb(ms, no_log);
	snprintf(plconf, sizeof(plconf),
		 "SecAction \"id:900000,phase:1,nolog,pass,t:none,"
		 "setvar:tx.paranoia_level=%d,setvar:tx.executing_paranoia_level=%d\"\n", pl, pl);
	if (add_text(rules, base_conf, "base configuration") < 0 || add_file(rules, setup) < 0 ||
	    add_text(rules, plconf, "paranoia level") < 0 || add_dir(rules, ETC_CRS, &files) < 0 ||
	    add_dir(rules, rules_dir, &files) < 0)
		goto out;

	unsigned long long bytes = 0, evaluated = 0;
	unsigned blocked = 0;
	double seconds = 0;
	for (long i = 0; i < n; i++) {
		bool b = false;
		for (long p = 0; p < repeat; p++) {
			double t0 = cpu_now();
			b = run_one(ms, rules, &reqs[i]);
			seconds += cpu_now() - t0;
			bytes += reqs[i].wire_len;
			evaluated++;
		}
		blocked += b;
	}
	printf("{\"engine\": \"%s\", \"paranoia\": %d, \"requests\": %ld, "
	       "\"unreadable_lines\": %u, \"rule_files\": %u, \"repeat\": %ld, \"evaluated\": %llu, "
	       "\"cpu_seconds\": %.6f, \"requests_per_s\": %.1f, \"mb_per_s\": %.3f, \"blocked\": %u}\n",
	       msc_who_am_i(ms), pl, n, bad, files, repeat, evaluated, seconds,
	       seconds > 0 ? (double)evaluated / seconds : 0.0,
	       seconds > 0 ? (double)bytes / seconds / 1e6 : 0.0, blocked);
	rc = 0;
out:
	if (rules)
		msc_rules_cleanup(rules);
	if (ms)
		msc_cleanup(ms);
	for (long i = 0; i < n; i++)
		request_free(&reqs[i]);
	free(reqs);
	return rc;
}
