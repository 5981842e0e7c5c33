/* WAF transformations against hand-computed cases (ModSecurity v3 semantics),
 * including truncated escapes, %u, overlong UTF-8, NUL bytes, nested
 * encodings and huge inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "waf/waf.h"

/* apply by name; in/out given with explicit lengths (NULs allowed) */
static void check(const char *name, const char *in, size_t inlen, const char *want, size_t wantlen)
{
	int t = waf_tfn_lookup(name, strlen(name));
	assert_true(t >= 0);
	size_t cap = waf_tfn_bound((enum waf_tfn)t, inlen);
	uint8_t *out = malloc(cap + 1);
	assert_non_null(out);
	ssize_t n = waf_tfn_apply((enum waf_tfn)t, (const uint8_t *)in, inlen, out, cap);
	if (n != (ssize_t)wantlen || memcmp(out, want, wantlen) != 0) {
		print_error("%s(\"%.*s\") = \"%.*s\" (%zd), want \"%.*s\" (%zu)\n", name, (int)inlen, in,
			    n < 0 ? 0 : (int)n, (char *)out, n, (int)wantlen, want, wantlen);
		free(out);
		fail();
	}
	free(out);
}

#define T(name, in, want) check(name, in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(waf_tfn_lookup("urlDecodeUni", 12), WAF_T_URLDECODEUNI);
	assert_int_equal(waf_tfn_lookup("URLDECODEUNI", 12), WAF_T_URLDECODEUNI);
	assert_int_equal(waf_tfn_lookup("normalizePath", 13), WAF_T_NORMALISEPATH);
	assert_int_equal(waf_tfn_lookup("normalisePath", 13), WAF_T_NORMALISEPATH);
	assert_int_equal(waf_tfn_lookup("normalizePathWin", 16), WAF_T_NORMALISEPATHWIN);
	assert_int_equal(waf_tfn_lookup("base64decode", 12), WAF_T_BASE64DECODE);
	assert_int_equal(waf_tfn_lookup("sha1", 4), -1);
	assert_int_equal(waf_tfn_lookup("", 0), -1);
	for (int t = 0; t < WAF_T__COUNT; t++) {
		const char *n = waf_tfn_name((enum waf_tfn)t);
		assert_int_equal(waf_tfn_lookup(n, strlen(n)), t);
	}
}

static void test_capacity(void **state)
{
	(void)state;
	uint8_t out[4];
	assert_int_equal(waf_tfn_apply(WAF_T_NONE, (const uint8_t *)"hello", 5, out, 4), -1);
	assert_int_equal(waf_tfn_apply(WAF_T__COUNT, (const uint8_t *)"", 0, out, 4), -1);
	assert_int_equal(waf_tfn_apply(WAF_T_NONE, (const uint8_t *)"", 0, out, 0), 0);
}

static void test_simple(void **state)
{
	(void)state;
	T("none", "AbC\0d", "AbC\0d");
	T("lowercase", "SELECT * FROM \xc3\x89T\0A", "select * from \xc3\x89t\0a");
	T("removeNulls", "a\0b\0\0c", "abc");
	T("replaceNulls", "a\0b\0", "a b ");
	T("removeWhitespace", " a\tb\n\r\v\fc \xa0" "d", "abcd");
	T("compressWhitespace", "a  \t\nb\xa0\xa0" "c ", "a b c ");
	T("trim", " \t a b \r\n", "a b");
	T("trim", "   ", "");
	T("length", "abc\0", "4");
	T("length", "", "0");
}

static void test_urldecode(void **state)
{
	(void)state;
	T("urlDecode", "a%20b+c%2", "a b c%2");        /* truncated escape kept */
	T("urlDecode", "%41%zz%4", "A%zz%4");           /* bad hex kept */
	T("urlDecode", "%00x%", "\0x%");                /* NUL produced */
	T("urlDecode", "%2541", "%41");                 /* one level only */
	T("urlDecode", "%u0041", "%u0041");             /* no %u in urlDecode */
	T("urlDecodeUni", "%u0041%u00e9", "A\xe9");     /* low byte */
	T("urlDecodeUni", "%uff0e%uFF0F", "./");        /* full-width folded */
	T("urlDecodeUni", "%uff5f", "\x5f");            /* outside U+FF01..FF5E */
	T("urlDecodeUni", "%u004", "%u004");            /* truncated %u */
	T("urlDecodeUni", "%u00zz%41", "%u00zzA");
	T("urlDecodeUni", "%U0041", "A");
	T("urlDecodeUni", "a+%2B", "a +");
}

static void test_html(void **state)
{
	(void)state;
	T("htmlEntityDecode", "&lt;script&gt;", "<script>");
	T("htmlEntityDecode", "&#60;&#x3c;&#X3C", "<<<");    /* ';' optional */
	T("htmlEntityDecode", "&QUOT;&amp;&nbsp;", "\"&\xa0");
	T("htmlEntityDecode", "&#;&#x;&foo;&", "&#;&#x;&foo;&");
	T("htmlEntityDecode", "&#0;", "\0");
	T("htmlEntityDecode", "&#x141;", "\x41");             /* low byte */
	T("htmlEntityDecode", "&amp;lt;", "&lt;");            /* one level */
}

static void test_js_css(void **state)
{
	(void)state;
	T("jsDecode", "\\x41\\u0042\\103\\n\\'", "ABC\n'");
	T("jsDecode", "\\uff0e\\x4", ".x4");   /* bad \x escape: the backslash goes, as for \c */
	T("jsDecode", "\\477", "'7");   /* first digit > 3: two digits, \47 then '7' */
	T("jsDecode", "\\0", "\0");
	T("jsDecode", "abc\\", "abc\\");
	T("jsDecode", "\\z", "z");
	T("cssDecode", "\\41 B\\000043\\44", "ABCD");
	T("cssDecode", "\\ff0e", ".");
	T("cssDecode", "a\\\nb\\;c\\", "ab;c");
	T("cssDecode", "\\0", "\0");
}

static void test_comments_cmdline(void **state)
{
	(void)state;
	T("replaceComments", "SEL/**/ECT/*x*/1", "SEL ECT 1");
	T("replaceComments", "a/*unterminated", "a ");
	T("replaceComments", "a*/b/", "a*/b/");
	T("cmdLine", "C:\\\\WINDOWS ^/c \"NET\" USER", "c:windows/c net user");
	T("cmdLine", "cat  ,;/etc/passwd", "cat/etc/passwd");
	T("cmdLine", "a , b ( c", "a b( c");
	T("cmdLine", "''", "");
}

static void test_paths(void **state)
{
	(void)state;
	T("normalisePath", "/a/b/../c/./d//e", "/a/c/d/e");
	T("normalisePath", "/../../etc/passwd", "/etc/passwd");
	T("normalisePath", "../../etc/passwd", "../../etc/passwd");
	T("normalisePath", "a/b/../../../x", "../x");
	T("normalisePath", "/a/b/", "/a/b/");
	T("normalisePath", "/a/b/..", "/a/");
	T("normalisePath", "/a/.", "/a/");
	T("normalisePath", "", "");
	T("normalisePath", "/", "/");
	T("normalisePathWin", "C:\\a\\..\\b\\\\c", "C:/b/c");
	T("normalisePathWin", "\\..\\x", "/x");
}

static void test_unicode_hex_b64(void **state)
{
	(void)state;
	T("utf8toUnicode", "a\xc3\xa9z", "a%u00e9z");
	T("utf8toUnicode", "\xe2\x82\xac", "%u20ac");
	T("utf8toUnicode", "\xf0\x9f\x98\x80", "%u1f600");
	T("utf8toUnicode", "\xc0\xaf", "\xc0\xaf");             /* overlong '/' kept */
	T("utf8toUnicode", "\xe0\x80\xaf", "\xe0\x80\xaf");     /* overlong 3-byte */
	T("utf8toUnicode", "\xed\xa0\x80", "\xed\xa0\x80");     /* surrogate */
	T("utf8toUnicode", "\xc3", "\xc3");                     /* truncated */
	T("utf8toUnicode", "\xc3\x41", "\xc3\x41");
	T("hexDecode", "414243", "ABC");
	T("hexDecode", "4142zz4", "ABzz4");
	T("hexEncode", "A\0\xff", "4100ff");
	T("sqlHexDecode", "0x414243 x", "ABC x");
	T("sqlHexDecode", "0X41424", "AB4");
	T("sqlHexDecode", "0x 0xg1 0x", "0x 0xg1 0x");
	T("base64Decode", "SGVsbG8=", "Hello");
	T("base64Decode", "SGVsbG8", "Hello");
	T("base64Decode", "SGVs!bG8=", "Hel");
	T("base64Decode", "AA==", "\0");
	T("base64Decode", "", "");
}

static void test_nested(void **state)
{
	(void)state;
	/* %253Cscript%253E: urlDecodeUni twice, then htmlEntityDecode, lowercase */
	const char *in = "%253CSCRIPT%253E&#x61;";
	enum waf_tfn chain[] = { WAF_T_URLDECODEUNI, WAF_T_URLDECODEUNI, WAF_T_HTMLENTITYDECODE,
				 WAF_T_LOWERCASE };
	uint8_t a[64], b[64];
	size_t n = strlen(in);
	memcpy(a, in, n);
	for (size_t i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		ssize_t r = waf_tfn_apply(chain[i], a, n, b, sizeof(b));
		assert_true(r >= 0);
		n = (size_t)r;
		memcpy(a, b, n);
	}
	assert_int_equal(n, 9);
	assert_memory_equal(a, "<script>a", 9);
}

static void test_huge(void **state)
{
	(void)state;
	size_t len = 8u << 20;
	uint8_t *in = malloc(len), *out = malloc(3 * len + 64);
	assert_non_null(in);
	assert_non_null(out);
	static const char pat[] = "%u\xc3\xa9\\/*&#x41;\0 ../0x4";
	for (size_t i = 0; i < len; i++)
		in[i] = (uint8_t)pat[i % (sizeof(pat) - 1)];
	for (int t = 0; t < WAF_T__COUNT; t++) {
		size_t cap = waf_tfn_bound((enum waf_tfn)t, len);
		ssize_t r = waf_tfn_apply((enum waf_tfn)t, in, len, out, cap);
		assert_true(r >= 0);
		assert_true((size_t)r <= cap);
	}
	/* a long run of '%' (every escape truncated or invalid) */
	memset(in, '%', len);
	assert_int_equal(waf_tfn_apply(WAF_T_URLDECODEUNI, in, len, out, len), (ssize_t)len);
	free(in);
	free(out);
}

/* waf_tfn_identity() may only say "unchanged" when applying gives the
 * input back: every transformation over every 1- and 2-byte input, 3-byte
 * inputs over an alphabet of the bytes the tests look at, and pseudo-random
 * strings of that alphabet; the two-step form must agree. Also checks that
 * the test says "unchanged" for plain values (else it would be useless). */
static void identity_case(enum waf_tfn t, const uint8_t *in, size_t len, uint8_t *out)
{
	bool id = waf_tfn_identity(t, in, len);

	assert_int_equal(id, waf_tfn_identity_cls(t, waf_tfn_classes(in, len), in, len));
	if (!id)
		return;
	ssize_t n = waf_tfn_apply(t, in, len, out, waf_tfn_bound(t, len) + 1);
	if (n != (ssize_t)len || (len && memcmp(out, in, len) != 0)) {
		print_error("%s claimed unchanged on \"%.*s\" (%zu bytes)\n", waf_tfn_name(t),
			    (int)len, (const char *)in, len);
		fail();
	}
}

static void test_identity(void **state)
{
	static const uint8_t alpha[] = "aZ09 .\t\n\r\v/\\%+&#;x*\"'^,()u\0\xa0\xc3\xa9\x80-~_$";
	const size_t na = sizeof(alpha) - 1;
	uint8_t in[64], out[64 * 8 + 64];
	uint32_t seed = 12345;

	(void)state;
	for (int t = 0; t < WAF_T__COUNT; t++) {
		for (unsigned a = 0; a < 256; a++) {
			in[0] = (uint8_t)a;
			identity_case((enum waf_tfn)t, in, 1, out);
			for (unsigned b = 0; b < 256; b++) {
				in[1] = (uint8_t)b;
				identity_case((enum waf_tfn)t, in, 2, out);
			}
		}
		for (size_t a = 0; a < na; a++)
			for (size_t b = 0; b < na; b++)
				for (size_t c = 0; c < na; c++) {
					in[0] = alpha[a];
					in[1] = alpha[b];
					in[2] = alpha[c];
					identity_case((enum waf_tfn)t, in, 3, out);
				}
		for (int k = 0; k < 20000; k++) {
			size_t len = 0;
			seed = seed * 1103515245u + 12345u;
			len = (seed >> 16) % sizeof(in);
			for (size_t i = 0; i < len; i++) {
				seed = seed * 1103515245u + 12345u;
				in[i] = alpha[(seed >> 16) % na];
			}
			identity_case((enum waf_tfn)t, in, len, out);
		}
		identity_case((enum waf_tfn)t, in, 0, out);
	}
	/* plain values are recognised as unchanged where they are */
	assert_true(waf_tfn_identity(WAF_T_URLDECODEUNI, (const uint8_t *)"hello world", 11));
	assert_true(waf_tfn_identity(WAF_T_LOWERCASE, (const uint8_t *)"json.a.b", 8));
	assert_true(waf_tfn_identity(WAF_T_CMDLINE, (const uint8_t *)"a/b(c)", 6));
	assert_true(waf_tfn_identity(WAF_T_NORMALISEPATH, (const uint8_t *)"a.b", 3));
	assert_false(waf_tfn_identity(WAF_T_NORMALISEPATH, (const uint8_t *)"..", 2));
	assert_false(waf_tfn_identity(WAF_T_LOWERCASE, (const uint8_t *)"A", 1));
	assert_false(waf_tfn_identity(WAF_T_HEXDECODE, (const uint8_t *)"zz", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_urldecode),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_js_css),
		cmocka_unit_test(test_comments_cmdline),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unicode_hex_b64),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_huge),
		cmocka_unit_test(test_identity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
