/* SPDX-License-Identifier: Proprietary
 * @detectSQLi and @detectXSS (dataplane/waf/waf_sqli.c, waf_xss.c):
 *  - hand-written attacks (each must fire) and benign inputs (none may):
 *    English with apostrophes and quotes, numbers, e-mails, JSON, URLs,
 *    user agents, code-like but harmless strings;
 *  - the operator path (waf_matcher_create/match), NUL bytes as data, every
 *    prefix of every case in an exactly-sized heap buffer (ASan catches a
 *    read past the input), and large hostile inputs in bounded time;
 *  - false positives over prose: every line and paragraph of Debian's
 *    /usr/share/common-licenses (skipped when absent);
 *  - agreement with the CRS 3.3.4 regression corpus for the rules that use
 *    the detectors (942100, 942101, 941100, 941101): the request's targets
 *    for that rule are extracted roughly (query and urlencoded body
 *    arguments and names, cookies, User-Agent/Referer, basename), run
 *    through the rule's transformation chain and the operator. Skipped
 *    when ../shared/corpora is absent.
 *
 * Usage: test_waf_detect [CORPUS.jsonl.gz [LICENSES_DIR]]
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "waf/waf.h"
#include "waf/waf_detect.h"

static const char *corpus_path;
static const char *licenses_dir = "/usr/share/common-licenses";

/* Run a detector on an exactly-sized heap copy, so ASan sees any read past
 * the end. */
static int detect(int (*fn)(const uint8_t *, size_t, struct waf_detect_result *),
		  const void *s, size_t len, struct waf_detect_result *res)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, s, len);
	int r = fn(copy, len, res);
	free(copy);
	return r;
}

static void expect_all(int (*fn)(const uint8_t *, size_t, struct waf_detect_result *),
		       const char *const *cases, size_t n, int want, const char *what)
{
	unsigned bad = 0;
	for (size_t i = 0; i < n; i++) {
		struct waf_detect_result res = { 0 };
		int r = detect(fn, cases[i], strlen(cases[i]), &res);
		if (r != want) {
			print_error("%s: got %d for [%s] %s %s\n", what, r, cases[i],
				    r ? res.fingerprint : "", r ? res.rule : "");
			bad++;
		} else if (r) {
			assert_non_null(res.rule);
			assert_true(strlen(res.fingerprint) >= 2);
			assert_true(res.offset < strlen(cases[i]));
		}
	}
	assert_int_equal(bad, 0);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const sqli_attacks[] = {
	/* tautologies after a quote */
	"-1839' or '1'='1", "-1839\" or \"1\"=\"2", "EmptyValue' and 526=527", "' or 1=1--",
	"' OR 'a'='a", "1' or '1'='1'--", "') or ('x'='x", "\" or \"\"=\"", "admin' or 1=1#",
	"x' or username like '%", "' or ''='", "x'='x", "abc' OR 1=1 -- -",
	/* tautologies as-is */
	"1234 OR 1=1", "1 or 1=1", "1 OR 1=1--", "1) or (1=1", "-1 or 2>1",
	/* union */
	"foo') UNION ALL select NULL --", "1 UNION SELECT username, password FROM users",
	"-1 union/**/select 1,2,3", "1/*!50000union*/ /*!50000select*/ 1",
	"' union select null,null--", "1 union distinct select @@version",
	"x' AND 1=0 UNION ALL SELECT 'admin', '81dc9bdb52d04dc20036dbd8313ed055",
	"1 UnIoN(SeLeCt 1)",
	/* stacked queries */
	"1; DROP TABLE users", "1; drop table users--", "'; exec xp_cmdshell 'dir'--",
	"1;declare @x varchar(99)", "';shutdown--", "x'; insert into users values (1)--",
	"1; update users set admin=1", "'; delete from users--",
	/* comment truncation */
	"admin'--", "admin' #", "admin')--", "admin' ;--", "john smith'/*",
	/* time / blind / error based */
	"2010-01-01' sleep(20.to_i) '", "foo')waitfor delay'5:0:20'--",
	"JKGHUKGDI8TDHLFJH72FZLFJSKFH' and sleep(12) --", "sleep(20)",
	"unittests@coreruleset.org\" sleep(10.to_i) \"",
	"\"unittests@coreruleset.org\"')) and (select*from(select(sleep(5)))x) --",
	"1 and sleep(5)", "1 AND (SELECT 1 FROM (SELECT SLEEP(5))a)",
	"'; WAITFOR DELAY '0:0:5'--", "1) or pg_sleep(5)--", "1 and benchmark(5000000,md5(1))",
	"' and extractvalue(1,concat(0x7e,version()))--",
	"1' and ascii(substring((select password from users limit 1),1,1))>64--",
	"1'||(select extractvalue(xmltype('<?xml version", "1 and updatexml(1,concat(0x7e,user()),1)",
	"x' and dbms_pipe.receive_message(('a'),10)--",
	/* clauses, files, balanced breakouts */
	"' order by 3--", "1 order by 5--", "' into outfile '/tmp/x'--",
	"x' || version() || '", "\" | type %SystemDrive%\\\\config.ini | \"", "' + (select 1) + '",
	"1=(select 1)", "EmptyValue into outfile '/var/www/x.php'", " exec master..xp_cmdshell 'dir'",
	"1 GROUP BY CONCAT(0x7162766a71,(SELECT 1))", "SELECT CONCAT(0x717a786a71,(SELECT 1))",
	"select * from users", "select @@version", "' HAVING 1=1--", "'=0--+",
	"1 AND 5650=CAST((CHR(113)||CHR(106)) AS NUMERIC)", "'; IF (1=1) WAITFOR DELAY '0:0:5'--",
	"1 RLIKE (SELECT (CASE WHEN (1=1) THEN 1 ELSE 0x28 END))", "admin\") or (\"1\"=\"1",
	"x' or '1", "{\"id\": \"1' or '1'='1\"}", "1' group by 1,2,3--", "1 and @@version>0",
	"-1 OR 3*2*1=6 AND 000722=000722", "admin' and substring(password,1,1)='a",
};

static const char *const sqli_benign[] = {
	"O'Brien's order", "I'm sure it's fine, isn't it?", "Don't or won't, that's the question",
	"Rock 'n' roll", "rock'n'roll -- great", "He said \"yes\" and then \"no\"",
	"users' guide or manual", "it's 5 o'clock", "l'été à Paris", "Mr. O'Neil & Sons",
	"Q&A: Tom's \"best\" answers", "It's #1 in sales", "5' 10\" tall", "6' = 72 inches",
	"'quoted'", "\"quoted\"", "'#blessed'", "john.doe@example.com", "+1 (555) 123-4567",
	"2010-01-01", "3.14159", "-42", "1, 2, 3", "100% cotton", "order #12345", "ORDER-2023-0001",
	"{\"name\":\"O'Brien\",\"age\":30,\"tags\":[\"a\",\"b\"]}",
	"{\"query\": \"select a product\", \"page\": 2}", "[1, 2, {\"a\": null}]",
	"https://www.example.com/path/to/page?x=1&y=2#frag", "/api/v1/users/42/orders?limit=10",
	("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	 "Chrome/120.0 Safari/537.36"),
	"Please select your seat and order by Friday", "Terms and Conditions",
	"Tom and Jerry or Mickey", "The union of two sets; select one", "Select items from the menu",
	"Update profile set to private", "Delete from favorites", "sleep well tonight",
	"I need sleep (8 hours at least)", "The drop in temperature was 5 degrees",
	"We drop table tennis on Fridays", "let me know; update me later",
	"Execute the plan; exec summary attached", "issue #42 -- fixed", "Call 555-1234 -- ask for Bob",
	"a-b-c", "x = y + z", "if (a > b) { return a; }", "foo(bar, baz)", "C:\\Program Files\\App",
	"SELECT", "null", "true", "price>=100&price<=200", "a=1;b=2;c=3", "SGVsbG8gd29ybGQ=",
	"550e8400-e29b-41d4-a716-446655440000", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
	"The 'and' operator", "select-all", "drop-down menu", "user_id", "1.2.3.4",
	"Select Date(s)", "Select 2 from the list", "Pick 1 or 2 options", "version 2.0 (beta)",
};

static const char *const xss_attacks[] = {
	"<script>alert(1)</script>", "www.github.com<script><img><iframe>",
	"<script xmlns=\"http://www.w3.org/1999/xhtml\">setTimeout(1)</script>",
	"<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\" src=\"data:,alert(1)\" />",
	"<img src=x onerror=alert(1)>", "<svg/onload=alert(1)>", "\"><script>alert(1)</script>",
	"\" onmouseover=\"alert(1)", "' onfocus='alert(1)' autofocus='", "x onmouseover=alert(1)",
	"`onclick=alert(1)", "<a href=\"javascript:alert(1)\">x</a>",
	"<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
	"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
	"<a href=javascript&colon;alert(1)>x</a>", "<a href=\"  JaVaScRiPt:alert(1)\">x</a>",
	"<a href=\"java\tscript:alert(1)\">", "<a href=\"vbscript:msgbox(1)\">x</a>",
	"<iframe src=\"data:text/html;base64,PHNjcmlwdD4=\">",
	"<object data=\"data:text/html,<script>alert(1)</script>\">", "<embed src=javascript:alert(1)>",
	"<body onload=alert(1)>", "<details open ontoggle=alert(1)>", "<input autofocus onfocus=alert(1)>",
	"<div style=\"width: expression(alert(1))\">",
	"<div style=\"background:url('javascript:alert(1)')\">",
	"<x style=\"behavior:url(#default#time2)\">", "<math><mtext><mglyph>",
	"<form><button formaction=javascript:alert(1)>X</button>", "<base href=\"//evil.example/\">",
	"<link rel=stylesheet href=\"//evil.example/x.css\">",
	"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
	"<iframe srcdoc=\"<script>alert(1)</script>\">", "<p srcdoc=\"<img src=x onerror=alert(1)>\">",
	"<!--[if gte IE 4]><script>alert(1)</script><![endif]-->", "javascript:alert(1)",
	"javascript:alert`1`", " javascript:x=1", "\"><img src=x onerror=prompt(1)>",
	"'><svg onload=confirm(1)>", "<IMG SRC=x OnErRoR=alert(1)>",
	"<img src=\"x\" onerror  =  \"alert(1)\">", "<a xlink:href=\"javascript:alert(1)\">x</a>",
	"<marquee onstart=alert(1)>", "<video><source onerror=\"alert(1)\">",
	"<a href=\"data:text/html,<script>alert(1)</script>\">", "<style>@import 'x'</style>",
	"<img src=\"data:image/svg+xml;base64,PHN2Zz4=\">", "<scr<script>ipt>alert(1)</script>",
	"<div style=\"x:expre/**/ssion(alert(1))\">", "<a href=\"&#0000106avascript:alert(1)\">",
	"<img \"\"\"><script>alert(1)</script>\">", "<TABLE BACKGROUND=\"javascript:alert(1)\">",
	"\"autofocus onfocus=alert(1)//", "<iframe/src=\"javascript:alert(1)\">",
};

static const char *const xss_benign[] = {
	"O'Brien's order", "He said \"yes\" and then \"no\"", "john.doe@example.com",
	"{\"name\":\"O'Brien\",\"age\":30,\"tags\":[\"a\",\"b\"],\"onclick\":\"x\"}",
	"https://www.example.com/path/to/page?x=1&y=2#frag",
	("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
	 "Chrome/120.0 Safari/537.36"),
	"a < b and c > d", "x<3 means love", "if (a < b && c > d) { return; }",
	"<b>bold</b> and <i>italic</i>", "<a href=\"https://example.com/\">link</a>",
	"<p class=\"note\" title='hello'>text</p>", "<img src=\"cat.png\" alt=\"a cat\">",
	"<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "Use the onclick handler in your code",
	"JavaScript: The Good Parts", "mailto:someone@example.com", "data: 5 points",
	"one=1 only=2 once=3", "a=b&c=d&e=f", "The price is 5 < 10 > 3", "1 <= 2", "<!-- a comment -->",
	"<!DOCTYPE html>", "<?xml version=\"1.0\"?>", "Tom & Jerry", "Q&A: Tom's \"best\" answers",
	"SELECT * FROM users WHERE id = 1", "function f(x) { return x * 2; }",
	"email me at a@b.co <a@b.co>", "Local<Object> exports", "List<Link> links",
	"the <form> element", "[1,2,3]", "2010-01-01", "-42", "100%",
};

static void test_sqli_attacks(void **state)
{
	(void)state;
	expect_all(waf_detect_sqli, sqli_attacks, N(sqli_attacks), 1, "sqli attack");
}

static void test_sqli_benign(void **state)
{
	(void)state;
	expect_all(waf_detect_sqli, sqli_benign, N(sqli_benign), 0, "sqli benign");
}

static void test_xss_attacks(void **state)
{
	(void)state;
	expect_all(waf_detect_xss, xss_attacks, N(xss_attacks), 1, "xss attack");
}

static void test_xss_benign(void **state)
{
	(void)state;
	expect_all(waf_detect_xss, xss_benign, N(xss_benign), 0, "xss benign");
}

/* Fingerprints and rule names for a few cases (what the security event
 * carries). */
static void test_fingerprints(void **state)
{
	static const struct { const char *in, *fp, *rule; } sq[] = {
		{ "1234 OR 1=1", "-1&1o1", "bare-tautology" },
		{ "-1839' or '1'='1", "'s&sos", "quote-logic" },
		{ "admin'--", "'sc", "quote-comment" },
		{ "1 union all select 1,2", "-1UE1,1", "union-select" },
		{ "1-1 or 1=1", "-1&1o1", "bare-tautology" }, /* 1-1 folded */
		{ "1; drop table users", "-1;Ekn", "stacked-query" },
		{ "sleep(5)", "-T(1)", "timing-function" },
	};
	static const struct { const char *in, *fp, *rule; } xs[] = {
		{ "<script>", "-tag:script", "tag" },
		{ "\" onerror=\"x()", "=event:onerror", "event" },
		{ "<a href=javascript:x()>", "-url:href", "url" },
	};
	(void)state;
	for (size_t i = 0; i < N(sq); i++) {
		struct waf_detect_result r = { 0 };
		assert_int_equal(detect(waf_detect_sqli, sq[i].in, strlen(sq[i].in), &r), 1);
		assert_string_equal(r.fingerprint, sq[i].fp);
		assert_string_equal(r.rule, sq[i].rule);
	}
	for (size_t i = 0; i < N(xs); i++) {
		struct waf_detect_result r = { 0 };
		assert_int_equal(detect(waf_detect_xss, xs[i].in, strlen(xs[i].in), &r), 1);
		assert_string_equal(r.fingerprint, xs[i].fp);
		assert_string_equal(r.rule, xs[i].rule);
	}
	/* NULL result pointer, empty and NULL input */
	assert_int_equal(waf_detect_sqli((const uint8_t *)"' or 1=1--", 10, NULL), 1);
	assert_int_equal(waf_detect_sqli(NULL, 0, NULL), 0);
	assert_int_equal(waf_detect_xss((const uint8_t *)"", 0, NULL), 0);
}

/* The operator layer: create, fit, match; NUL bytes are data. */
static void test_operator(void **state)
{
	struct waf_scratch s = { 0 };
	char err[128] = "";
	(void)state;

	assert_int_equal(waf_op_lookup("detectXSS", 9), WAF_OP_DETECTXSS);
	assert_true(WAF_OP_DETECTSQLI < WAF_OP__RUNTIME_END && WAF_OP_DETECTXSS < WAF_OP__RUNTIME_END);
	struct waf_matcher *sq = waf_matcher_create(WAF_OP_DETECTSQLI, "", 0, NULL, err, sizeof(err));
	struct waf_matcher *xs = waf_matcher_create(WAF_OP_DETECTXSS, "", 0, NULL, err, sizeof(err));
	assert_non_null(sq);
	assert_non_null(xs);
	assert_int_equal(waf_scratch_fit(&s, sq), 0);
	assert_int_equal(waf_scratch_fit(&s, xs), 0);
	assert_int_equal(waf_matcher_rx_mode(sq), -1);

	static const char a[] = "x' or 1=1--", b[] = "O'Brien's order";
	static const char nul_sq[] = "x'\0or\0001=1--";          /* NUL as whitespace */
	static const char nul_xs[] = "<img\0 src=x onerror=alert(1)>";
	static const char nul_tail[] = "plain text\0<script>";   /* NUL does not end the input */
	assert_int_equal(waf_matcher_match(sq, &s, (const uint8_t *)a, sizeof(a) - 1), 1);
	assert_int_equal(waf_matcher_match(sq, &s, (const uint8_t *)b, sizeof(b) - 1), 0);
	assert_int_equal(waf_matcher_match(sq, &s, (const uint8_t *)nul_sq, sizeof(nul_sq) - 1), 1);
	assert_int_equal(waf_matcher_match(xs, &s, (const uint8_t *)nul_xs, sizeof(nul_xs) - 1), 1);
	assert_int_equal(waf_matcher_match(xs, &s, (const uint8_t *)nul_tail, sizeof(nul_tail) - 1), 1);
	assert_int_equal(waf_matcher_match(xs, &s, (const uint8_t *)b, sizeof(b) - 1), 0);
	assert_int_equal(waf_matcher_match(sq, &s, (const uint8_t *)"", 0), 0);
	waf_matcher_free(sq);
	waf_matcher_free(xs);
	waf_scratch_free(&s);
}

/* Every prefix of every case, each in an exactly-sized buffer: no read past
 * the end whatever state the input stops in. */
static void test_prefixes(void **state)
{
	const char *const *sets[] = { sqli_attacks, sqli_benign, xss_attacks, xss_benign };
	const size_t sizes[] = { N(sqli_attacks), N(sqli_benign), N(xss_attacks), N(xss_benign) };
	(void)state;
	for (size_t s = 0; s < 4; s++)
		for (size_t i = 0; i < sizes[s]; i++) {
			size_t len = strlen(sets[s][i]);
			for (size_t k = 0; k <= len; k++) {
				struct waf_detect_result r;
				int a = detect(waf_detect_sqli, sets[s][i], k, &r);
				int b = detect(waf_detect_xss, sets[s][i], k, &r);
				assert_true(a == 0 || a == 1);
				assert_true(b == 0 || b == 1);
			}
		}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Large hostile inputs: unterminated strings and comments, endless tags and
 * attributes, references, parentheses, arithmetic chains. Linear time: the
 * slowest 1 MiB case takes about 0.8 s under ASan+UBSan (0.05 s optimized);
 * the bound, 5 s, allows a loaded machine and still catches anything
 * quadratic (which would take hours at this size). */
static void test_large(void **state)
{
	static const char *const units[] = {
		"a", "'", "\"", "/*", "--", "(", "1-", "<a ", "<a x=", "&#", "<!--", "=\"",
		"' or ", "<script", "<x<", "on", "javascript:", " union select", "\\", "\0",
		"<a style=e/*", "<a href=&#", "<a onx=", "'/*!", "@@", "`", "1+", " ", "'a' ",
	};
	const size_t len = 1u << 20;
	uint8_t *buf = malloc(len);
	double worst = 0;
	(void)state;
	assert_non_null(buf);
	for (size_t u = 0; u < N(units); u++) {
		size_t ul = strlen(units[u]) ? strlen(units[u]) : 1;
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)units[u][i % ul];
		double t0 = now_s();
		(void)waf_detect_sqli(buf, len, NULL);
		(void)waf_detect_xss(buf, len, NULL);
		double dt = now_s() - t0;
		if (dt > 5.0)
			print_error("unit '%s': %.2f s for 1 MiB\n", units[u], dt);
		assert_true(dt <= 5.0);
		worst = dt > worst ? dt : worst;
	}
	printf("large inputs: slowest 1 MiB case %.3f s (both detectors)\n", worst);
	free(buf);
}

/* ------------------------------------------------------------ prose */

/* Each line, and each paragraph joined into one line, of the licenses
 * Debian ships: legal English full of apostrophes, quotes, parentheses
 * and "and"/"or". Measured: none of the 5,843 non-blank lines and
 * paragraphs fires either detector; the bound (0.1%) leaves room for a
 * later rule without hiding a broken one. */
static void test_prose(void **state)
{
	unsigned lines = 0, hits = 0;
	DIR *d = opendir(licenses_dir);
	struct dirent *e;
	char *para = malloc(1 << 20);
	(void)state;
	assert_non_null(para);
	if (!d) {
		printf("SKIP: %s not found\n", licenses_dir);
		free(para);
		skip();
	}
	while ((e = readdir(d))) {
		char path[512], line[8192];
		size_t plen = 0;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", licenses_dir, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		for (bool more = true; more;) {
			more = fgets(line, sizeof(line), f) != NULL;
			size_t n = more ? strlen(line) : 0;
			while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = 0;
			bool blank = true;
			for (size_t i = 0; i < n; i++)
				blank &= line[i] == ' ' || line[i] == '\t';
			if (more && !blank) {
				struct waf_detect_result r;
				lines++;
				if (detect(waf_detect_sqli, line, n, &r) || detect(waf_detect_xss, line, n, &r)) {
					printf("prose hit %s [%s]: %s\n", r.fingerprint, r.rule, line);
					hits++;
				}
				if (plen + n + 2 < (1 << 20)) {
					if (plen)
						para[plen++] = ' ';
					memcpy(para + plen, line, n);
					plen += n;
				}
			} else if (plen) {
				struct waf_detect_result r;
				lines++;
				if (detect(waf_detect_sqli, para, plen, &r) || detect(waf_detect_xss, para, plen, &r)) {
					printf("prose hit %s [%s]: %.200s\n", r.fingerprint, r.rule, para);
					hits++;
				}
				plen = 0;
			}
		}
		fclose(f);
	}
	closedir(d);
	free(para);
	printf("prose: %u lines and paragraphs, %u detector hits\n", lines, hits);
	assert_true(lines > 0);
	assert_true(hits * 1000 <= lines);
}

/* ------------------------------------------------------------ corpus */

struct sbuf {
	uint8_t *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static bool read_line(gzFile gz, struct sbuf *line)
{
	char chunk[65536];
	line->len = 0;
	while (gzgets(gz, chunk, sizeof(chunk))) {
		size_t n = strlen(chunk);
		sb_put(line, chunk, n);
		if (n && chunk[n - 1] == '\n')
			return true;
	}
	return line->len > 0;
}

/* One rule's view: operator, transformation chain, which targets. */
struct rule_view {
	unsigned id;
	enum waf_op op;
	const enum waf_tfn *tfn;
	size_t n_tfn;
	bool args, cookies, ua, referer, basename;
};

static const enum waf_tfn sqli_chain[] = { WAF_T_UTF8TOUNICODE, WAF_T_URLDECODEUNI, WAF_T_REMOVENULLS };
static const enum waf_tfn xss_chain[] = {
	WAF_T_UTF8TOUNICODE, WAF_T_URLDECODEUNI, WAF_T_HTMLENTITYDECODE, WAF_T_JSDECODE,
	WAF_T_CSSDECODE, WAF_T_REMOVENULLS,
};

/* From REQUEST-942/941 of CRS 3.3.4 (targets and t: of each rule). */
static const struct rule_view views[] = {
	{ 942100, WAF_OP_DETECTSQLI, sqli_chain, N(sqli_chain), true, true, true, true, false },
	{ 942101, WAF_OP_DETECTSQLI, sqli_chain, N(sqli_chain), false, false, false, false, true },
	{ 941100, WAF_OP_DETECTXSS, xss_chain, N(xss_chain), true, true, true, false, false },
	{ 941101, WAF_OP_DETECTXSS, xss_chain, N(xss_chain), false, false, false, true, false },
};

struct eval {
	const struct rule_view *v;
	struct waf_matcher *m;
	struct waf_scratch *s;
	bool hit;
};

/* Run one target value through the rule's chain and operator. */
static void eval_value(struct eval *ev, const uint8_t *p, size_t len, bool form_decode)
{
	struct sbuf a = { 0 }, b = { 0 };
	sb_put(&a, p, len);
	if (form_decode) {
		/* the body/query parser's own decoding of a name or value */
		size_t cap = waf_tfn_bound(WAF_T_URLDECODE, a.len) + 1;
		b.p = malloc(cap);
		assert_non_null(b.p);
		ssize_t r = waf_tfn_apply(WAF_T_URLDECODE, a.p, a.len, b.p, cap);
		assert_true(r >= 0);
		free(a.p);
		a.p = b.p;
		a.len = (size_t)r;
		a.cap = cap;
	}
	for (size_t i = 0; i < ev->v->n_tfn; i++) {
		size_t cap = waf_tfn_bound(ev->v->tfn[i], a.len) + 1;
		uint8_t *o = malloc(cap);
		assert_non_null(o);
		ssize_t r = waf_tfn_apply(ev->v->tfn[i], a.p, a.len, o, cap);
		assert_true(r >= 0);
		free(a.p);
		a.p = o;
		a.len = (size_t)r;
	}
	int r = waf_matcher_match(ev->m, ev->s, a.p, a.len);
	assert_true(r >= 0);
	ev->hit |= r == 1;
	free(a.p);
}

/* name=value&... : names and values both are targets (ARGS, ARGS_NAMES). */
static void eval_form(struct eval *ev, const char *s, size_t len, char sep, bool trim)
{
	size_t i = 0;
	while (i <= len && !ev->hit) {
		size_t e = i;
		while (e < len && s[e] != sep)
			e++;
		size_t a = i;
		while (trim && a < e && s[a] == ' ')
			a++;
		const char *eq = memchr(s + a, '=', e - a);
		size_t nl = eq ? (size_t)(eq - (s + a)) : e - a;
		if (e > a) {
			eval_value(ev, (const uint8_t *)s + a, nl, !trim);
			if (eq)
				eval_value(ev, (const uint8_t *)eq + 1, e - a - nl - 1, !trim);
		}
		i = e + 1;
	}
}

static const char *header(json_t *doc, const char *name, size_t *len)
{
	json_t *h;
	size_t i;
	json_array_foreach(json_object_get(doc, "headers"), i, h) {
		const char *n = json_string_value(json_array_get(h, 0));
		if (n && strcasecmp(n, name) == 0) {
			*len = json_string_length(json_array_get(h, 1));
			return json_string_value(json_array_get(h, 1));
		}
	}
	return NULL;
}

/* Rough extraction of the rule's targets; returns whether it matched. */
static bool eval_request(const struct rule_view *v, struct waf_matcher *m, struct waf_scratch *s,
			 json_t *doc)
{
	struct eval ev = { v, m, s, false };
	const char *uri = json_string_value(json_object_get(doc, "uri"));
	const char *body = json_string_value(json_object_get(doc, "body"));
	size_t ulen = uri ? strlen(uri) : 0, hl;
	const char *q = uri ? memchr(uri, '?', ulen) : NULL;
	const char *h;

	if (v->args && q)
		eval_form(&ev, q + 1, ulen - (size_t)(q + 1 - uri), '&', false);
	if (v->args && body && (h = header(doc, "Content-Type", &hl)) &&
	    strstr(h, "application/x-www-form-urlencoded"))
		eval_form(&ev, body, json_string_length(json_object_get(doc, "body")), '&', false);
	if (v->cookies && (h = header(doc, "Cookie", &hl)))
		eval_form(&ev, h, hl, ';', true);
	if (v->ua && (h = header(doc, "User-Agent", &hl)))
		eval_value(&ev, (const uint8_t *)h, hl, false);
	if (v->referer && (h = header(doc, "Referer", &hl)))
		eval_value(&ev, (const uint8_t *)h, hl, false);
	if (v->basename && uri) {
		size_t plen = q ? (size_t)(q - uri) : ulen;
		const char *slash = memrchr(uri, '/', plen);
		const char *b = slash ? slash + 1 : uri;
		eval_value(&ev, (const uint8_t *)b, plen - (size_t)(b - uri), true);
	}
	return ev.hit;
}

/* Measured on the corpus: 26 of 26 agree (942100 14/14, 942101 6/6,
 * 941100 5/5, 941101 1/1). The bound is the issue's 95% per operator: one
 * disagreement in 20 could come from our rough target extraction rather
 * than the detector, more would be the detector. */
static void test_corpus(void **state)
{
	unsigned total[2] = { 0 }, agree[2] = { 0 };
	unsigned info_total[2][2] = { { 0 } }, info_hit[2][2] = { { 0 } };
	struct waf_matcher *m[N(views)];
	struct waf_scratch s = { 0 };
	struct sbuf line = { 0 };
	char err[128];
	gzFile gz;
	(void)state;

	if (!corpus_path || access(corpus_path, R_OK) != 0) {
		printf("SKIP: corpus %s not found (a clone without ../shared)\n",
		       corpus_path ? corpus_path : "(no path given)");
		skip();
	}
	for (size_t i = 0; i < N(views); i++) {
		m[i] = waf_matcher_create(views[i].op, "", 0, NULL, err, sizeof(err));
		assert_non_null(m[i]);
		assert_int_equal(waf_scratch_fit(&s, m[i]), 0);
	}
	gz = gzopen(corpus_path, "rb");
	assert_non_null(gz);
	while (read_line(gz, &line)) {
		json_error_t jerr;
		json_t *doc = json_loadb((const char *)line.p, line.len, JSON_ALLOW_NUL, &jerr);
		assert_non_null(doc);
		const char *rule = json_string_value(json_object_get(doc, "rule"));
		const char *expect = json_string_value(json_object_get(doc, "expect"));
		const char *id = json_string_value(json_object_get(doc, "id"));
		const char *cat = json_string_value(json_object_get(doc, "category"));
		unsigned rid = rule ? (unsigned)strtoul(rule, NULL, 10) : 0;
		bool block = expect && strcmp(expect, "block") == 0;
		bool ours = false;

		for (size_t i = 0; i < N(views); i++) {
			if (views[i].id != rid)
				continue;
			ours = true;
			int k = views[i].op == WAF_OP_DETECTXSS;
			bool hit = eval_request(&views[i], m[i], &s, doc);
			total[k]++;
			if (hit == block)
				agree[k]++;
			else
				printf("disagree %s (expect %s, detector %s)\n", id, expect,
				       hit ? "fired" : "silent");
		}
		/* Information: the other attack tests of the SQLi and XSS files
		 * (other rules' payloads), through the 942100/941100 view. */
		if (!ours && cat && (strstr(cat, "-942-") || strstr(cat, "-941-"))) {
			int k = strstr(cat, "-941-") != NULL;
			bool hit = eval_request(&views[k ? 2 : 0], m[k ? 2 : 0], &s, doc);
			info_total[k][block]++;
			info_hit[k][block] += hit;
		}
		json_decref(doc);
	}
	gzclose(gz);
	free(line.p);
	for (size_t i = 0; i < N(views); i++)
		waf_matcher_free(m[i]);
	waf_scratch_free(&s);
	printf("corpus agreement: @detectSQLi %u/%u (942100, 942101), @detectXSS %u/%u (941100, 941101)\n",
	       agree[0], total[0], agree[1], total[1]);
	printf("info, other tests of REQUEST-942: detectSQLi fires on %u/%u 'block' and %u/%u 'pass'\n",
	       info_hit[0][1], info_total[0][1], info_hit[0][0], info_total[0][0]);
	printf("info, other tests of REQUEST-941: detectXSS fires on %u/%u 'block' and %u/%u 'pass'\n",
	       info_hit[1][1], info_total[1][1], info_hit[1][0], info_total[1][0]);
	for (int k = 0; k < 2; k++) {
		assert_true(total[k] > 0);
		assert_true(agree[k] * 100 >= total[k] * 95);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqli_attacks),
		cmocka_unit_test(test_sqli_benign),
		cmocka_unit_test(test_xss_attacks),
		cmocka_unit_test(test_xss_benign),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_operator),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_prose),
		cmocka_unit_test(test_corpus),
	};
	corpus_path = argc > 1 ? argv[1] : NULL;
	if (argc > 2)
		licenses_dir = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
