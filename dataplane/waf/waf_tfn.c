/* Transformations, after ModSecurity v3's reference manual (own code).
 *
 * Every function has the shape (in, len, out) -> outlen, writes at most
 * waf_tfn_bound() bytes and treats NUL as data. Escapes that are truncated or
 * malformed are copied through unchanged, as ModSecurity does.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "waf/waf.h"

typedef size_t (*tfn_fn)(const uint8_t *in, size_t len, uint8_t *out);

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool ishex2(const uint8_t *p)
{
	return hexval(p[0]) >= 0 && hexval(p[1]) >= 0;
}

static uint8_t hex2(const uint8_t *p)
{
	return (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
}

/* isspace() in the C locale, plus NBSP (0xa0) where ModSecurity v3 adds it. */
static bool is_ws(uint8_t c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_ws_nbsp(uint8_t c)
{
	return is_ws(c) || c == 0xa0;
}

static size_t t_none(const uint8_t *in, size_t len, uint8_t *out)
{
	if (len)
		memcpy(out, in, len);
	return len;
}

static size_t t_lowercase(const uint8_t *in, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? in[i] + 32 : in[i];
	return len;
}

/* %uHHHH without a unicode map: the low byte, and full-width ASCII
 * (U+FF01..U+FF5E) folded to ASCII by adding 0x20 (ModSecurity's rule). */
static uint8_t uni_byte(const uint8_t *h4)
{
	uint8_t b = hex2(h4 + 2);
	if (b > 0x00 && b < 0x5f && (h4[0] | 0x20) == 'f' && (h4[1] | 0x20) == 'f')
		b += 0x20;
	return b;
}

static size_t url_decode(const uint8_t *in, size_t len, uint8_t *out, bool uni)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] == '%') {
			if (uni && i + 5 < len + 0 && (in[i + 1] | 0x20) == 'u' &&
			    ishex2(in + i + 2) && ishex2(in + i + 4)) {
				out[o++] = uni_byte(in + i + 2);
				i += 6;
				continue;
			}
			if (i + 2 < len && ishex2(in + i + 1)) {
				out[o++] = hex2(in + i + 1);
				i += 3;
				continue;
			}
			out[o++] = in[i++];
		} else if (in[i] == '+') {
			out[o++] = ' ';
			i++;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

static size_t t_urldecode(const uint8_t *in, size_t len, uint8_t *out)
{
	return url_decode(in, len, out, false);
}

static size_t t_urldecodeuni(const uint8_t *in, size_t len, uint8_t *out)
{
	return url_decode(in, len, out, true);
}

/* &#DDD; &#xHH; &quot; &amp; &lt; &gt; &nbsp; — the ';' is optional; the
 * value's low byte is written; anything else is copied. */
static size_t t_htmlentity(const uint8_t *in, size_t len, uint8_t *out)
{
	static const struct { const char *n; size_t l; uint8_t c; } named[] = {
		{ "quot", 4, '"' }, { "amp", 3, '&' }, { "lt", 2, '<' },
		{ "gt", 2, '>' }, { "nbsp", 4, 0xa0 },
	};
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] != '&' || i + 1 >= len) {
			out[o++] = in[i++];
			continue;
		}
		size_t j = i + 1;
		if (in[j] == '#') {
			j++;
			bool hex = j < len && (in[j] | 0x20) == 'x';
			if (hex)
				j++;
			size_t s = j;
			unsigned long v = 0;
			while (j < len && (hex ? hexval(in[j]) >= 0 : isdigit(in[j]))) {
				if (v < 0x1000000)
					v = v * (hex ? 16 : 10) + (unsigned)(hex ? hexval(in[j]) : in[j] - '0');
				j++;
			}
			if (j == s) {
				out[o++] = in[i++];
				continue;
			}
			out[o++] = (uint8_t)v;
			if (j < len && in[j] == ';')
				j++;
			i = j;
			continue;
		}
		size_t k;
		for (k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
			if (j + named[k].l <= len && strncasecmp((const char *)in + j, named[k].n, named[k].l) == 0)
				break;
		}
		if (k == sizeof(named) / sizeof(named[0])) {
			out[o++] = in[i++];
			continue;
		}
		out[o++] = named[k].c;
		j += named[k].l;
		if (j < len && in[j] == ';')
			j++;
		i = j;
	}
	return o;
}

static bool isoct(uint8_t c)
{
	return c >= '0' && c <= '7';
}

/* \xHH, \uHHHH (low byte, full-width folded), \OOO (1-3 octal digits, at most
 * 0377), \a\b\f\n\r\t\v, \c -> c; a lone trailing '\' stays. */
static size_t t_jsdecode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] != '\\' || i + 1 >= len) {
			out[o++] = in[i++];
			continue;
		}
		uint8_t c = in[i + 1];
		if ((c == 'u') && i + 5 < len && ishex2(in + i + 2) && ishex2(in + i + 4)) {
			out[o++] = uni_byte(in + i + 2);
			i += 6;
		} else if (c == 'x' && i + 3 < len && ishex2(in + i + 2)) {
			out[o++] = hex2(in + i + 2);
			i += 4;
		} else if (isoct(c)) {
			size_t j = i + 1, max = (c <= '3') ? 3 : 2;
			unsigned v = 0;
			while (j < len && j - (i + 1) < max && isoct(in[j]))
				v = v * 8 + (in[j++] - '0');
			out[o++] = (uint8_t)v;
			i = j;
		} else {
			switch (c) {
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			default: break;
			}
			out[o++] = c;
			i += 2;
		}
	}
	return o;
}

/* CSS 2.1 escapes: '\' + 1..6 hex digits -> the low byte (full-width folded
 * when the code is 00FFxx-shaped), one following whitespace eaten; '\'+newline
 * removed; '\'+other -> other; trailing '\' removed. */
static size_t t_cssdecode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] != '\\') {
			out[o++] = in[i++];
			continue;
		}
		if (i + 1 >= len) {
			i++;
			break;
		}
		size_t j = i + 1, n = 0;
		while (j < len && n < 6 && hexval(in[j]) >= 0) {
			j++;
			n++;
		}
		if (n > 0) {
			const uint8_t *h = in + i + 1;
			uint8_t b;
			if (n == 1)
				b = (uint8_t)hexval(h[0]);
			else
				b = hex2(h + n - 2);
			/* full-width ASCII: ...FFxx with xx in 01..5e */
			if (n >= 4 && b > 0x00 && b < 0x5f &&
			    (h[n - 4] | 0x20) == 'f' && (h[n - 3] | 0x20) == 'f')
				b += 0x20;
			out[o++] = b;
			if (j < len && is_ws(in[j]))
				j++;
			i = j;
		} else if (in[i + 1] == '\n') {
			i += 2;
		} else {
			out[o++] = in[i + 1];
			i += 2;
		}
	}
	return o;
}

static size_t t_removenulls(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (in[i])
			out[o++] = in[i];
	return o;
}

static size_t t_replacenulls(const uint8_t *in, size_t len, uint8_t *out)
{
	for (size_t i = 0; i < len; i++)
		out[i] = in[i] ? in[i] : ' ';
	return len;
}

static size_t t_removews(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++)
		if (!is_ws_nbsp(in[i]))
			out[o++] = in[i];
	return o;
}

static size_t t_compressws(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	bool inws = false;
	for (size_t i = 0; i < len; i++) {
		if (is_ws_nbsp(in[i])) {
			if (!inws)
				out[o++] = ' ';
			inws = true;
		} else {
			out[o++] = in[i];
			inws = false;
		}
	}
	return o;
}

/* C comments become one space; an unterminated comment runs to the end and
 * also becomes one space. A lone "*" "/" outside a comment is kept. */
static size_t t_replacecomments(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] == '/' && i + 1 < len && in[i + 1] == '*') {
			size_t j = i + 2;
			while (j + 1 < len && !(in[j] == '*' && in[j + 1] == '/'))
				j++;
			out[o++] = ' ';
			i = (j + 1 < len) ? j + 2 : len;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

/* Windows/Unix command-line evasion: drop \ " ' ^; ',' ';' and whitespace
 * runs -> one space; a space before '/' or '(' is removed; lowercase. */
static size_t t_cmdline(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t c = in[i];
		switch (c) {
		case '"': case '\'': case '\\': case '^':
			break;
		case ' ': case ',': case ';': case '\t': case '\r': case '\n':
			if (!space) {
				out[o++] = ' ';
				space = true;
			}
			break;
		case '/': case '(':
			if (space)
				o--;
			space = false;
			out[o++] = c;
			break;
		default:
			out[o++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
			space = false;
		}
	}
	return o;
}

/* Path normalisation over '/'-separated segments: empty and "." segments go,
 * ".." removes the previous real segment; at the start of an absolute path it
 * is dropped, of a relative path kept. A trailing '/' (or a final "."/"..")
 * leaves a trailing '/'. */
static size_t normalise_path(const uint8_t *in, size_t len, uint8_t *out, bool win)
{
	size_t o = 0, i = 0;
	size_t nreal = 0; /* segments in out that are not ".." */
	bool abs = len > 0 && (in[0] == '/' || (win && in[0] == '\\'));
	bool trail = false;
	if (abs)
		out[o++] = '/';
	size_t base = o;
	while (i < len) {
		size_t s = i;
		while (i < len && !(in[i] == '/' || (win && in[i] == '\\')))
			i++;
		size_t sl = i - s;
		bool sep = i < len;
		if (sep)
			i++;
		trail = sep;
		if (sl == 0)
			continue;
		if (sl == 1 && in[s] == '.') {
			trail = true;
			continue;
		}
		if (sl == 2 && in[s] == '.' && in[s + 1] == '.') {
			trail = true;
			if (nreal > 0) {
				/* drop the last segment and its separator */
				if (o > base)
					o--; /* the '/' after it */
				while (o > base && out[o - 1] != '/')
					o--;
				nreal--;
				continue;
			}
			if (abs)
				continue;
			out[o++] = '.';
			out[o++] = '.';
			out[o++] = '/';
			continue;
		}
		for (size_t k = 0; k < sl; k++)
			out[o++] = (win && in[s + k] == '\\') ? '/' : in[s + k];
		out[o++] = '/';
		nreal++;
	}
	/* every segment was written with a '/' after it */
	if (o > base && out[o - 1] == '/' && !trail)
		o--;
	return o;
}

static size_t t_normpath(const uint8_t *in, size_t len, uint8_t *out)
{
	return normalise_path(in, len, out, false);
}

static size_t t_normpathwin(const uint8_t *in, size_t len, uint8_t *out)
{
	return normalise_path(in, len, out, true);
}

/* Valid multi-byte UTF-8 (shortest form, not a surrogate, <= U+10FFFF) ->
 * "%u" + lowercase hex, at least 4 digits; all other bytes copied. */
static size_t t_utf8tounicode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint8_t c = in[i];
		size_t n = 0;
		uint32_t cp = 0, min = 0;
		if (c >= 0xc0 && c < 0xe0) { n = 2; cp = c & 0x1f; min = 0x80; }
		else if (c >= 0xe0 && c < 0xf0) { n = 3; cp = c & 0x0f; min = 0x800; }
		else if (c >= 0xf0 && c < 0xf8) { n = 4; cp = c & 0x07; min = 0x10000; }
		bool ok = n > 0 && i + n <= len;
		for (size_t k = 1; ok && k < n; k++) {
			if ((in[i + k] & 0xc0) != 0x80)
				ok = false;
			else
				cp = cp << 6 | (in[i + k] & 0x3f);
		}
		if (ok && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
			ok = false;
		if (!ok) {
			out[o++] = in[i++];
			continue;
		}
		o += (size_t)sprintf((char *)out + o, "%%u%04x", cp);
		i += n;
	}
	return o;
}

/* Pairs of hex digits -> bytes; a pair that is not hex, or an odd last
 * digit, is copied as is. */
static size_t t_hexdecode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (i + 1 < len && ishex2(in + i)) {
			out[o++] = hex2(in + i);
			i += 2;
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

static size_t t_hexencode(const uint8_t *in, size_t len, uint8_t *out)
{
	static const char d[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = (uint8_t)d[in[i] >> 4];
		out[2 * i + 1] = (uint8_t)d[in[i] & 15];
	}
	return 2 * len;
}

static int b64val(uint8_t c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '+') return 62;
	if (c == '/') return 63;
	return -1;
}

/* Standard alphabet; decoding stops at '=' or the first byte outside the
 * alphabet, keeping what was decoded so far (a trailing partial group of 2-3
 * characters yields its whole bytes). */
static size_t t_base64decode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			break;
		acc = acc << 6 | (uint32_t)v;
		if (++n == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			acc = 0;
			n = 0;
		}
	}
	if (n == 2) {
		out[o++] = (uint8_t)(acc >> 4);
	} else if (n == 3) {
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	return o;
}

static size_t t_length(const uint8_t *in, size_t len, uint8_t *out)
{
	(void)in;
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%zu", len);
	memcpy(out, buf, (size_t)n);
	return (size_t)n;
}

static size_t t_trim(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t s = 0, e = len;
	while (s < e && is_ws(in[s]))
		s++;
	while (e > s && is_ws(in[e - 1]))
		e--;
	return t_none(in + s, e - s, out);
}

/* 0x followed by pairs of hex digits -> bytes (an odd last digit is kept);
 * "0x" without a hex pair is copied. */
static size_t t_sqlhexdecode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		if (in[i] == '0' && i + 3 < len && (in[i + 1] | 0x20) == 'x' && ishex2(in + i + 2)) {
			i += 2;
			while (i + 1 < len && ishex2(in + i)) {
				out[o++] = hex2(in + i);
				i += 2;
			}
		} else {
			out[o++] = in[i++];
		}
	}
	return o;
}

/* Indexed by enum waf_tfn. grow: output bound = len * grow + add. */
static const struct {
	const char *name;
	tfn_fn fn;
	unsigned grow;
	unsigned add;
} tfn_table[WAF_T__COUNT] = {
	[WAF_T_NONE]               = { "none", t_none, 1, 0 },
	[WAF_T_LOWERCASE]          = { "lowercase", t_lowercase, 1, 0 },
	[WAF_T_URLDECODE]          = { "urlDecode", t_urldecode, 1, 0 },
	[WAF_T_URLDECODEUNI]       = { "urlDecodeUni", t_urldecodeuni, 1, 0 },
	[WAF_T_HTMLENTITYDECODE]   = { "htmlEntityDecode", t_htmlentity, 1, 0 },
	[WAF_T_JSDECODE]           = { "jsDecode", t_jsdecode, 1, 0 },
	[WAF_T_CSSDECODE]          = { "cssDecode", t_cssdecode, 1, 0 },
	[WAF_T_REMOVENULLS]        = { "removeNulls", t_removenulls, 1, 0 },
	[WAF_T_REPLACENULLS]       = { "replaceNulls", t_replacenulls, 1, 0 },
	[WAF_T_REMOVEWHITESPACE]   = { "removeWhitespace", t_removews, 1, 0 },
	[WAF_T_COMPRESSWHITESPACE] = { "compressWhitespace", t_compressws, 1, 0 },
	[WAF_T_REPLACECOMMENTS]    = { "replaceComments", t_replacecomments, 1, 0 },
	[WAF_T_CMDLINE]            = { "cmdLine", t_cmdline, 1, 0 },
	/* "a/../b" style relative inputs may gain a trailing '/' */
	[WAF_T_NORMALISEPATH]      = { "normalisePath", t_normpath, 1, 2 },
	[WAF_T_NORMALISEPATHWIN]   = { "normalisePathWin", t_normpathwin, 1, 2 },
	/* 2 bytes -> "%u0080" (6); 4 bytes -> "%u10ffff" (8); sprintf adds NUL */
	[WAF_T_UTF8TOUNICODE]      = { "utf8toUnicode", t_utf8tounicode, 3, 1 },
	[WAF_T_HEXDECODE]          = { "hexDecode", t_hexdecode, 1, 0 },
	[WAF_T_HEXENCODE]          = { "hexEncode", t_hexencode, 2, 0 },
	[WAF_T_BASE64DECODE]       = { "base64Decode", t_base64decode, 1, 0 },
	[WAF_T_LENGTH]             = { "length", t_length, 0, 21 },
	[WAF_T_TRIM]               = { "trim", t_trim, 1, 0 },
	[WAF_T_SQLHEXDECODE]       = { "sqlHexDecode", t_sqlhexdecode, 1, 0 },
};

/* ---- identity test: byte classes that may make a transformation change
 * its input. Anything not listed for a transformation leaves it as is
 * (read from the functions above). */
enum {
	B_UPPER = 1u << 0,   /* A..Z */
	B_URL = 1u << 1,     /* % + */
	B_AMP = 1u << 2,     /* & */
	B_BSLASH = 1u << 3,  /* \ */
	B_NUL = 1u << 4,
	B_WS = 1u << 5,      /* \t..\r, ' ', 0xa0 */
	B_STAR = 1u << 6,    /* '*': a C comment needs one */
	B_SLASH = 1u << 7,   /* / */
	B_HIGH = 1u << 8,    /* >= 0x80 (UTF-8 lead bytes) */
	B_CMD = 1u << 9,     /* " ' ^ , ; */
	B_DOT = 1u << 10,    /* . */
	B_ALL = 0xffffu,
};

static uint16_t byte_class[256];

__attribute__((constructor)) static void byte_class_init(void)
{
	for (unsigned c = 'A'; c <= 'Z'; c++)
		byte_class[c] |= B_UPPER;
	byte_class['%'] |= B_URL;
	byte_class['+'] |= B_URL;
	byte_class['&'] |= B_AMP;
	byte_class['\\'] |= B_BSLASH;
	byte_class[0] |= B_NUL;
	for (unsigned c = '\t'; c <= '\r'; c++)
		byte_class[c] |= B_WS;
	byte_class[' '] |= B_WS;
	byte_class[0xa0] |= B_WS;
	byte_class['*'] |= B_STAR;
	byte_class['/'] |= B_SLASH;
	for (unsigned c = 0x80; c <= 0xff; c++)
		byte_class[c] |= B_HIGH;
	byte_class['"'] |= B_CMD;
	byte_class['\''] |= B_CMD;
	byte_class['^'] |= B_CMD;
	byte_class[','] |= B_CMD;
	byte_class[';'] |= B_CMD;
	byte_class['.'] |= B_DOT;
}

/* The classes that may make @t change its input (B_ALL: not tested). */
static const uint16_t may_change[WAF_T__COUNT] = {
	[WAF_T_NONE] = 0,
	[WAF_T_LOWERCASE] = B_UPPER,
	[WAF_T_URLDECODE] = B_URL,
	[WAF_T_URLDECODEUNI] = B_URL,
	[WAF_T_HTMLENTITYDECODE] = B_AMP,
	[WAF_T_JSDECODE] = B_BSLASH,
	[WAF_T_CSSDECODE] = B_BSLASH,
	[WAF_T_REMOVENULLS] = B_NUL,
	[WAF_T_REPLACENULLS] = B_NUL,
	[WAF_T_REMOVEWHITESPACE] = B_WS,
	[WAF_T_COMPRESSWHITESPACE] = B_WS,
	[WAF_T_REPLACECOMMENTS] = B_STAR,
	/* '/' and '(' only drop a space before them: no B_WS, no space */
	[WAF_T_CMDLINE] = B_UPPER | B_BSLASH | B_WS | B_CMD,
	/* without a separator the path is one segment, kept unless it is
	 * "." or "..": those contain B_DOT and are tested below */
	[WAF_T_NORMALISEPATH] = B_SLASH,
	[WAF_T_NORMALISEPATHWIN] = B_SLASH | B_BSLASH,
	[WAF_T_UTF8TOUNICODE] = B_HIGH,
	[WAF_T_HEXDECODE] = B_ALL,
	[WAF_T_HEXENCODE] = B_ALL,
	[WAF_T_BASE64DECODE] = B_ALL,
	[WAF_T_LENGTH] = B_ALL,
	[WAF_T_TRIM] = B_WS,
	[WAF_T_SQLHEXDECODE] = B_ALL,
};

uint32_t waf_tfn_classes(const uint8_t *in, size_t len)
{
	uint32_t c = 0;

	for (size_t i = 0; i < len; i++)
		c |= byte_class[in[i]];
	return c;
}

bool waf_tfn_identity_cls(enum waf_tfn t, uint32_t classes, const uint8_t *in, size_t len)
{
	if ((unsigned)t >= WAF_T__COUNT || may_change[t] == B_ALL || (classes & may_change[t]))
		return false;
	return !((t == WAF_T_NORMALISEPATH || t == WAF_T_NORMALISEPATHWIN) &&
		 ((len == 1 && in[0] == '.') || (len == 2 && in[0] == '.' && in[1] == '.')));
}

bool waf_tfn_identity(enum waf_tfn t, const uint8_t *in, size_t len)
{
	uint16_t m;

	if ((unsigned)t >= WAF_T__COUNT || (m = may_change[t]) == B_ALL)
		return false;
	if ((t == WAF_T_NORMALISEPATH || t == WAF_T_NORMALISEPATHWIN) &&
	    ((len == 1 && in[0] == '.') || (len == 2 && in[0] == '.' && in[1] == '.')))
		return false;
	for (size_t i = 0; i < len; i++)
		if (byte_class[in[i]] & m)
			return false;
	return true;
}

int waf_tfn_lookup(const char *name, size_t len)
{
	if (len == 13 && strncasecmp(name, "normalizePath", len) == 0)
		return WAF_T_NORMALISEPATH;
	if (len == 16 && strncasecmp(name, "normalizePathWin", len) == 0)
		return WAF_T_NORMALISEPATHWIN;
	for (int t = 0; t < WAF_T__COUNT; t++) {
		if (strlen(tfn_table[t].name) == len && strncasecmp(name, tfn_table[t].name, len) == 0)
			return t;
	}
	return -1;
}

const char *waf_tfn_name(enum waf_tfn t)
{
	return (unsigned)t < WAF_T__COUNT ? tfn_table[t].name : "?";
}

size_t waf_tfn_bound(enum waf_tfn t, size_t len)
{
	if ((unsigned)t >= WAF_T__COUNT)
		return 0;
	return len * tfn_table[t].grow + tfn_table[t].add;
}

ssize_t waf_tfn_apply(enum waf_tfn t, const uint8_t *in, size_t len,
		      uint8_t *out, size_t outcap)
{
	if ((unsigned)t >= WAF_T__COUNT || outcap < waf_tfn_bound(t, len))
		return -1;
	return (ssize_t)tfn_table[t].fn(in, len, out);
}
