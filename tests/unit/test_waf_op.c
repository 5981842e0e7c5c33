/* WAF operators: each against hand-computed cases; @rx on all three paths
 * (Hyperscan exact, prefilter + PCRE2, PCRE2 only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "waf/waf.h"

static struct waf_scratch scratch;

static struct waf_matcher *mk(enum waf_op op, const char *arg)
{
	char err[256] = "";
	struct waf_matcher *m = waf_matcher_create(op, arg, strlen(arg), NULL, err, sizeof(err));
	if (!m)
		print_error("@%s %s: %s\n", waf_op_name(op), arg, err);
	assert_non_null(m);
	assert_int_equal(waf_scratch_fit(&scratch, m), 0);
	return m;
}

static int run(const struct waf_matcher *m, const char *in, size_t len)
{
	return waf_matcher_match(m, &scratch, (const uint8_t *)in, len);
}

#define M(m, s) run(m, s, sizeof(s) - 1)

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(waf_op_lookup("rx", 2), WAF_OP_RX);
	assert_int_equal(waf_op_lookup("pmFromFile", 10), WAF_OP_PMFROMFILE);
	assert_int_equal(waf_op_lookup("pmf", 3), WAF_OP_PMFROMFILE);
	assert_int_equal(waf_op_lookup("validateUtf8Encoding", 20), WAF_OP_VALIDATEUTF8ENCODING);
	assert_int_equal(waf_op_lookup("detectSQLi", 10), WAF_OP_DETECTSQLI);
	assert_int_equal(waf_op_lookup("nope", 4), -1);
	char err[128];
	assert_null(waf_matcher_create(WAF_OP_RBL, "x", 1, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "no runtime"));
}

static void test_rx(void **state)
{
	(void)state;
	struct waf_matcher *m = mk(WAF_OP_RX, "(?i)union\\s+select");
	assert_int_equal(waf_matcher_rx_mode(m), WAF_RX_HS_EXACT);
	assert_int_equal(M(m, "1 UNION  SELECT 2"), 1);
	assert_int_equal(M(m, "union all select"), 0);
	assert_int_equal(M(m, "x\0union select"), 1); /* NUL is data */
	waf_matcher_free(m);

	/* DOTALL: '.' crosses newlines; MULTILINE: ^ after a newline */
	m = mk(WAF_OP_RX, "a.b");
	assert_int_equal(M(m, "a\nb"), 1);
	waf_matcher_free(m);
	m = mk(WAF_OP_RX, "^x");
	assert_int_equal(M(m, "a\nx"), 1);
	waf_matcher_free(m);

	/* back-reference: Hyperscan prefilter, PCRE2 confirms */
	m = mk(WAF_OP_RX, "(['\"])x\\1");
	assert_int_equal(waf_matcher_rx_mode(m), WAF_RX_HS_PREFILTER);
	assert_int_equal(M(m, "'x'"), 1);
	assert_int_equal(M(m, "'x\""), 0);
	waf_matcher_free(m);

	/* lookbehind-free but conditional: PCRE2 only */
	m = mk(WAF_OP_RX, "(a)?(?(1)b|c)");
	assert_true(waf_matcher_rx_mode(m) != WAF_RX_HS_EXACT);
	assert_int_equal(M(m, "ab"), 1);
	assert_int_equal(M(m, "zz"), 0);
	waf_matcher_free(m);

	/* empty pattern matches everything */
	m = mk(WAF_OP_RX, "");
	assert_int_equal(M(m, ""), 1);
	waf_matcher_free(m);

	char err[128];
	assert_null(waf_matcher_create(WAF_OP_RX, "(", 1, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "pcre2"));

	/* a matcher without a fitted scratch refuses */
	struct waf_scratch none = { 0 };
	m = mk(WAF_OP_RX, "a");
	assert_int_equal(waf_matcher_match(m, &none, (const uint8_t *)"a", 1), -22);
	waf_matcher_free(m);
	/* also on the PCRE2 path: its match data comes from the scratch */
	m = mk(WAF_OP_RX, "(a)?(?(1)b|c)");
	assert_int_equal(waf_matcher_match(m, &none, (const uint8_t *)"ab", 2), -22);
	/* one fitted scratch serves every PCRE2 matcher, match after match */
	struct waf_scratch own = { 0 };
	assert_int_equal(waf_scratch_fit(&own, m), 0);
	assert_non_null(own.md);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(waf_matcher_match(m, &own, (const uint8_t *)"ab", 2), 1);
		assert_int_equal(waf_matcher_match(m, &own, (const uint8_t *)"zz", 2), 0);
	}
	waf_scratch_free(&own);
	assert_null(own.md);
	waf_matcher_free(m);
}

static void test_pm(void **state)
{
	(void)state;
	struct waf_matcher *m = mk(WAF_OP_PM, "  passwd shadow  /etc/HOSTS ");
	assert_int_equal(M(m, "cat /ETC/hosts"), 1);
	assert_int_equal(M(m, "xPASSWDx"), 1);
	assert_int_equal(M(m, "pass wd"), 0);
	assert_int_equal(M(m, ""), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_PM, "");
	assert_int_equal(M(m, "anything"), 0);
	waf_matcher_free(m);

	char dir[] = "/tmp/waf_pm_XXXXXX", path[64], err[128];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/list.data", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("# comment\n\n  nikto\r\nsqlmap \nw3af", f);
	fclose(f);
	m = waf_matcher_create(WAF_OP_PMFROMFILE, "list.data", 9, dir, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(waf_scratch_fit(&scratch, m), 0);
	assert_int_equal(M(m, "Mozilla sqlmap/1.0"), 1);
	assert_int_equal(M(m, "W3AF"), 1);
	assert_int_equal(M(m, "comment"), 0);
	assert_int_equal(M(m, "sqlmap "), 1);
	waf_matcher_free(m);
	assert_null(waf_matcher_create(WAF_OP_PMFROMFILE, "missing.data", 12, dir, err, sizeof(err)));
	assert_null(waf_matcher_create(WAF_OP_PMFROMFILE, "../x", 4, dir, err, sizeof(err)));
	unlink(path);
	rmdir(dir);
}

static void test_strings(void **state)
{
	(void)state;
	struct waf_matcher *m = mk(WAF_OP_CONTAINS, "<?");
	assert_int_equal(M(m, "a<?php"), 1);
	assert_int_equal(M(m, "<"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_CONTAINS, "");
	assert_int_equal(M(m, ""), 1);
	waf_matcher_free(m);
	m = mk(WAF_OP_BEGINSWITH, "/admin");
	assert_int_equal(M(m, "/admin/x"), 1);
	assert_int_equal(M(m, "/ADMIN"), 0);  /* case-sensitive */
	assert_int_equal(M(m, "/adm"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_ENDSWITH, ".php");
	assert_int_equal(M(m, "a.php"), 1);
	assert_int_equal(M(m, "a.php5"), 0);
	assert_int_equal(M(m, "php"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_STREQ, "POST");
	assert_int_equal(M(m, "POST"), 1);
	assert_int_equal(M(m, "POST "), 0);
	assert_int_equal(M(m, "post"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_WITHIN, "GET HEAD POST OPTIONS");
	assert_int_equal(M(m, "HEAD"), 1);
	assert_int_equal(M(m, "PUT"), 0);
	assert_int_equal(M(m, "T HE"), 1);   /* substring semantics, as ModSecurity */
	assert_int_equal(M(m, ""), 0);
	waf_matcher_free(m);
}

static void test_numbers(void **state)
{
	(void)state;
	struct waf_matcher *m = mk(WAF_OP_EQ, "0");
	assert_int_equal(M(m, "0"), 1);
	assert_int_equal(M(m, "abc"), 1);  /* non-numbers are 0 */
	assert_int_equal(M(m, "1"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_GT, "255");
	assert_int_equal(M(m, "256"), 1);
	assert_int_equal(M(m, "255"), 0);
	assert_int_equal(M(m, "-1000"), 0);
	assert_int_equal(M(m, "99999999999999999999999"), 1);  /* saturates */
	waf_matcher_free(m);
	m = mk(WAF_OP_GE, "5");
	assert_int_equal(M(m, "5"), 1);
	assert_int_equal(M(m, " 4"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_LT, "2");
	assert_int_equal(M(m, "1"), 1);
	assert_int_equal(M(m, "2"), 0);
	waf_matcher_free(m);
	m = mk(WAF_OP_LE, "-3");
	assert_int_equal(M(m, "-3"), 1);
	assert_int_equal(M(m, "-2x"), 0);
	waf_matcher_free(m);
}

static void test_validate(void **state)
{
	(void)state;
	char err[128];
	struct waf_matcher *m = mk(WAF_OP_VALIDATEBYTERANGE, "32-126, 9,10");
	assert_int_equal(M(m, "Hello\tworld\n"), 0);
	assert_int_equal(M(m, "a\rb"), 1);
	assert_int_equal(M(m, "\0"), 1);
	assert_int_equal(M(m, "\x7f"), 1);
	waf_matcher_free(m);
	m = mk(WAF_OP_VALIDATEBYTERANGE, "1-255");
	assert_int_equal(M(m, "\xff\x01"), 0);
	assert_int_equal(M(m, "a\0"), 1);
	waf_matcher_free(m);
	assert_null(waf_matcher_create(WAF_OP_VALIDATEBYTERANGE, "5-2", 3, NULL, err, sizeof(err)));
	assert_null(waf_matcher_create(WAF_OP_VALIDATEBYTERANGE, "256", 3, NULL, err, sizeof(err)));
	assert_null(waf_matcher_create(WAF_OP_VALIDATEBYTERANGE, "a", 1, NULL, err, sizeof(err)));

	m = mk(WAF_OP_VALIDATEURLENCODING, "");
	assert_int_equal(M(m, "a%20b%7E"), 0);
	assert_int_equal(M(m, "a%2"), 1);     /* truncated */
	assert_int_equal(M(m, "a%"), 1);
	assert_int_equal(M(m, "%zz"), 1);
	assert_int_equal(M(m, "%u0041"), 1);  /* %u is not URL encoding */
	waf_matcher_free(m);

	m = mk(WAF_OP_VALIDATEUTF8ENCODING, "");
	assert_int_equal(M(m, "plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 0);
	assert_int_equal(M(m, "\xc0\xaf"), 1);          /* overlong '/' */
	assert_int_equal(M(m, "\xe0\x80\xaf"), 1);      /* overlong 3-byte */
	assert_int_equal(M(m, "\xf0\x80\x80\xaf"), 1);  /* overlong 4-byte */
	assert_int_equal(M(m, "\xed\xa0\x80"), 1);      /* surrogate */
	assert_int_equal(M(m, "\xf4\x90\x80\x80"), 1);  /* > U+10FFFF */
	assert_int_equal(M(m, "\xc3"), 1);              /* truncated */
	assert_int_equal(M(m, "\x80"), 1);              /* lone continuation */
	assert_int_equal(M(m, "\xf8\x88\x80\x80\x80"), 1);
	assert_int_equal(M(m, "\0"), 0);
	waf_matcher_free(m);
}

static int teardown(void **state)
{
	(void)state;
	waf_scratch_free(&scratch);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_rx),
		cmocka_unit_test(test_pm),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
