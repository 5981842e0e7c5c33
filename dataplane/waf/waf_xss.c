/* @detectXSS: our own HTML/JS injection detector (see waf_detect.h).
 *
 * How it works
 *  1. Contexts. An injected value lands in text ("<p>INPUT</p>") or in an
 *     attribute value: unquoted (<a title=INPUT>), single-, double- or
 *     back-quoted (IE took `). Each context is one pass of a small HTML5
 *     tokenizer that starts in that state; a quoted context runs only if
 *     the input holds the quote (without it the input stays inside the
 *     value, which is harmless unless the value itself is a script URL:
 *     rule "url-value").
 *  2. Tokenizer states: data (text up to '<'), tag open ("<name", "</name",
 *     "<!--" comment, "<!" / "<?" bogus comment), attribute name, attribute
 *     value (quoted or unquoted), after the tag ('>'), as in HTML5 but
 *     without character references in names and without the tree stage.
 *  3. Rules (the name goes to the security event):
 *       tag        an opening tag that runs script or switches the parser
 *                  (script, svg, math, style, ...), or one that loads,
 *                  embeds or redirects (iframe, object, embed, base, link,
 *                  meta, form, ...) carrying an attribute; namespaced
 *                  forms such as <x:script> included
 *       event      an on* attribute given a value (onerror=, onload=, ...)
 *       url        a URL attribute (href, src, action, formaction, data,
 *                  xlink:href, ...) whose value is a javascript:, vbscript:
 *                  or non-image data: URL, seen through whitespace, control
 *                  bytes and character references (&#106; &#x6a; &colon;)
 *       style      a style attribute with expression(), javascript:,
 *                  behavior, -moz-binding or @import
 *       srcdoc     a srcdoc attribute holding markup
 *       comment    an IE conditional comment <!--[if ...
 *       url-value  the whole value is a script URL (javascript:alert(1)),
 *                  i.e. dangerous wherever it is used as a link
 *
 * Bounds: each context is one forward pass (every loop advances); the
 * scheme check reads at most a fixed prefix; no allocation, no recursion.
 */
#include <stdio.h>
#include <string.h>

#include "waf/waf_detect.h"

enum xctx { X_DATA, X_UNQUOTED, X_SQUOTE, X_DQUOTE, X_BQUOTE };

struct xscan {
	const uint8_t *in;
	size_t len;
	char mark;
	struct waf_detect_result *res;
};

static bool ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool alpha(uint8_t c)
{
	return lower(c) >= 'a' && lower(c) <= 'z';
}

static bool eq_nocase(const uint8_t *a, size_t alen, const char *lit)
{
	size_t n = strlen(lit);
	if (alen != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

static bool in_list(const uint8_t *a, size_t alen, const char *const *list)
{
	for (; *list; list++)
		if (eq_nocase(a, alen, *list))
			return true;
	return false;
}

/* The local part of a namespaced name (x:script -> script). */
static void local_name(const uint8_t **p, size_t *len)
{
	const uint8_t *colon = memrchr(*p, ':', *len);
	if (colon) {
		*len -= (size_t)(colon + 1 - *p);
		*p = colon + 1;
	}
}

/* Tags that run script or switch the parser (svg, math: mutation XSS)
 * whatever their attributes. */
static const char *const bad_tags[] = {
	"script", "svg", "math", "style", "xml", "xss", "frameset", NULL
};

/* Tags that load, embed or redirect only through an attribute: flagged
 * when they carry one ("<object data=...>"), so that a bare "<Object>"
 * (a C++ or Java type argument in text) passes. */
static const char *const bad_tags_attr[] = {
	"iframe", "frame", "object", "embed", "applet", "base", "link", "meta", "form",
	"isindex", "import", "vmlframe", "bgsound", "layer", "ilayer", NULL
};

static const char *const url_attrs[] = {
	"href", "src", "action", "formaction", "data", "background", "dynsrc", "lowsrc",
	"poster", "codebase", "code", "folder", "to", "from", "values", "by", NULL
};

/* Attribute names beginning with "on" that are words, not event handlers. */
static const char *const on_words[] = {
	"one", "only", "once", "onto", "onset", "online", "ongoing", "onward", "onwards", NULL
};

static int report(struct xscan *sc, const char *rule, const uint8_t *name, size_t nlen)
{
	if (sc->res) {
		int w = snprintf(sc->res->fingerprint, sizeof(sc->res->fingerprint), "%c%s:", sc->mark, rule);
		size_t k = w > 0 ? (size_t)w : 0;
		for (size_t i = 0; i < nlen && k + 1 < sizeof(sc->res->fingerprint); i++) {
			uint8_t c = lower(name[i]);
			sc->res->fingerprint[k++] = (char)(c >= 0x21 && c < 0x7f ? c : '?');
		}
		if (k < sizeof(sc->res->fingerprint))
			sc->res->fingerprint[k] = 0;
		sc->res->rule = rule;
		sc->res->offset = (size_t)(name - sc->in);
	}
	return 1;
}

/* Decode one character reference at p[0] == '&' (numeric, or the few named
 * ones that matter in a scheme). Returns bytes used, 0 if none; *out gets
 * the character (0 for one outside ASCII). */
static size_t char_ref(const uint8_t *p, size_t n, uint8_t *out)
{
	static const struct { const char *name; uint8_t c; } named[] = {
		{ "colon", ':' }, { "tab", '\t' }, { "newline", '\n' }, { "nbsp", ' ' },
	};
	size_t i = 1;
	if (n < 3)
		return 0;
	if (p[1] == '#') {
		unsigned v = 0, digits = 0;
		bool hex = n > 2 && lower(p[2]) == 'x';
		i = hex ? 3 : 2;
		for (; i < n && digits < 10; i++, digits++) {
			uint8_t c = lower(p[i]);
			if (c >= '0' && c <= '9')
				v = v * (hex ? 16 : 10) + (c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				v = v * 16 + (c - 'a' + 10);
			else
				break;
		}
		if (digits == 0)
			return 0;
		if (i < n && p[i] == ';')
			i++;
		*out = v < 0x80 ? (uint8_t)v : 0;
		return i;
	}
	for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
		size_t l = strlen(named[k].name);
		if (n >= 1 + l && eq_nocase(p + 1, l, named[k].name)) {
			*out = named[k].c;
			return 1 + l + (n > 1 + l && p[1 + l] == ';');
		}
	}
	return 0;
}

/* The URL scheme of a value as a browser reads it: leading whitespace and
 * control bytes dropped, tabs/newlines/control bytes inside ignored,
 * character references decoded, lowercased. Writes up to cap-1 letters,
 * returns the offset just past ':' or 0 if no scheme within the first
 * bytes. */
static size_t scheme_of(const uint8_t *v, size_t n, char *scheme, size_t cap)
{
	size_t k = 0, i = 0;
	const size_t limit = n < 256 ? n : 256; /* obfuscation budget */
	while (i < limit) {
		uint8_t c = v[i];
		size_t used = 1;
		if (c == '&') {
			uint8_t d;
			size_t r = char_ref(v + i, n - i, &d);
			if (r) {
				c = d;
				used = r;
			}
		}
		i += used;
		if (c <= 0x20)
			continue;
		if (c == ':') {
			scheme[k] = 0;
			return k ? i : 0;
		}
		if (!alpha(c) || k + 1 >= cap)
			return 0;
		scheme[k++] = (char)lower(c);
	}
	return 0;
}

static bool script_scheme(const char *s)
{
	return !strcmp(s, "javascript") || !strcmp(s, "vbscript") || !strcmp(s, "livescript");
}

/* data: URLs that a browser renders as a document or script (not images). */
static bool data_is_active(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n && p[i] <= 0x20)
		i++;
	if (n - i >= 6 && eq_nocase(p + i, 6, "image/"))
		return n - i >= 13 && eq_nocase(p + i, 13, "image/svg+xml");
	return true;
}

static bool url_value_bad(const uint8_t *v, size_t n)
{
	char s[16];
	size_t after = scheme_of(v, n, s, sizeof(s));
	if (!after)
		return false;
	if (script_scheme(s))
		return true;
	return !strcmp(s, "data") && data_is_active(v + after, n - after);
}

/* Whether a style value holds one of the needles, read as IE/old engines
 * read CSS: case-insensitive, whitespace, backslashes, NULs and comments
 * ignored. One pass with a window of the last 16 significant bytes. */
static bool style_bad(const uint8_t *v, size_t n)
{
	static const char *const needles[] = {
		"expression(", "javascript:", "vbscript:", "behavior", "-moz-binding", "@import",
	};
	char win[16];
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = v[i];
		if (c == '/' && i + 1 < n && v[i + 1] == '*') {
			const uint8_t *e = i + 2 < n ? memmem(v + i + 2, n - i - 2, "*/", 2) : NULL;
			i = e ? (size_t)(e - v) + 1 : n;
			continue;
		}
		if (ws(c) || c == '\\' || c == 0)
			continue;
		win[w++ % sizeof(win)] = (char)lower(c);
		for (size_t k = 0; k < sizeof(needles) / sizeof(needles[0]); k++) {
			size_t nl = strlen(needles[k]), j = 0;
			if (w < nl)
				continue;
			while (j < nl && win[(w - nl + j) % sizeof(win)] == needles[k][j])
				j++;
			if (j == nl)
				return true;
		}
	}
	return false;
}

static bool is_event(const uint8_t *name, size_t len)
{
	if (len < 5 || lower(name[0]) != 'o' || lower(name[1]) != 'n')
		return false;
	for (size_t i = 2; i < len; i++)
		if (!alpha(name[i]))
			return false;
	return !in_list(name, len, on_words);
}

static int check_attr(struct xscan *sc, const uint8_t *name, size_t nlen, bool has_value,
		      const uint8_t *val, size_t vlen)
{
	const uint8_t *local = name;
	size_t llen = nlen;
	if (!has_value)
		return 0;
	if (is_event(name, nlen))
		return report(sc, "event", name, nlen);
	local_name(&local, &llen);
	if (in_list(local, llen, url_attrs) && url_value_bad(val, vlen))
		return report(sc, "url", name, nlen);
	if (eq_nocase(name, nlen, "style") && style_bad(val, vlen))
		return report(sc, "style", name, nlen);
	if (eq_nocase(name, nlen, "srcdoc") && memchr(val, '<', vlen))
		return report(sc, "srcdoc", name, nlen);
	return 0;
}

/* Attributes from *pos up to the end of the tag ('>'), HTML5 "before
 * attribute name" onwards. On return *pos is past '>' or at the end. */
static int scan_attrs(struct xscan *sc, size_t *pos)
{
	const uint8_t *in = sc->in;
	size_t i = *pos, n = sc->len;
	int hit = 0;

	while (i < n && !hit) {
		while (i < n && (ws(in[i]) || in[i] == '/'))
			i++;
		if (i >= n)
			break;
		if (in[i] == '>') {
			i++;
			break;
		}
		size_t ns = i++; /* a first '=' belongs to the name (HTML5) */
		while (i < n && !ws(in[i]) && in[i] != '/' && in[i] != '>' && in[i] != '=')
			i++;
		size_t nlen = i - ns;
		while (i < n && ws(in[i]))
			i++;
		bool has_value = false;
		const uint8_t *val = in + i;
		size_t vlen = 0;
		if (i < n && in[i] == '=') {
			has_value = true;
			i++;
			while (i < n && ws(in[i]))
				i++;
			if (i < n && (in[i] == '"' || in[i] == '\'' || in[i] == '`')) {
				uint8_t q = in[i++];
				const uint8_t *e = i < n ? memchr(in + i, q, n - i) : NULL;
				val = in + i;
				vlen = e ? (size_t)(e - val) : n - i;
				i = e ? (size_t)(e - in) + 1 : n;
			} else {
				val = in + i;
				while (i < n && !ws(in[i]) && in[i] != '>')
					i++;
				vlen = (size_t)(in + i - val);
			}
		}
		hit = check_attr(sc, in + ns, nlen, has_value, val, vlen);
	}
	*pos = i;
	return hit;
}

static size_t skip_past(const uint8_t *in, size_t n, size_t i, const char *end)
{
	size_t el = strlen(end);
	const uint8_t *e = i < n ? memmem(in + i, n - i, end, el) : NULL;
	return e ? (size_t)(e - in) + el : n;
}

/* Text and markup from *pos to the end of the input. */
static int scan_data(struct xscan *sc, size_t i)
{
	const uint8_t *in = sc->in;
	size_t n = sc->len;

	while (i < n) {
		const uint8_t *lt = memchr(in + i, '<', n - i);
		if (!lt)
			return 0;
		i = (size_t)(lt - in) + 1;
		if (i >= n)
			return 0;
		if (alpha(in[i])) {
			/* start tag: name up to whitespace, '/', '>' (or an inner '<') */
			size_t s = i;
			while (i < n && !ws(in[i]) && in[i] != '/' && in[i] != '>' && in[i] != '<')
				i++;
			if (i < n && in[i] == '<')
				continue; /* "<scr<script>ipt>": read on from the inner '<'
					   * (what a filter stripping the inner tag leaves) */
			const uint8_t *name = in + s;
			size_t nlen = i - s;
			local_name(&name, &nlen);
			if (in_list(name, nlen, bad_tags))
				return report(sc, "tag", in + s, i - s);
			size_t a = i;
			while (a < n && (ws(in[a]) || in[a] == '/'))
				a++;
			if (a < n && in[a] != '>' && in_list(name, nlen, bad_tags_attr))
				return report(sc, "tag", in + s, i - s);
			if (scan_attrs(sc, &i))
				return 1;
		} else if (in[i] == '/') {
			/* end tag: attributes on it are ignored by browsers */
			i = skip_past(in, n, i, ">");
		} else if (in[i] == '!') {
			if (n - i >= 3 && in[i + 1] == '-' && in[i + 2] == '-') {
				size_t s = i + 3;
				if (n - s >= 3 && in[s] == '[' && eq_nocase(in + s + 1, 2, "if"))
					return report(sc, "comment", in + s, 3);
				i = skip_past(in, n, s, "-->");
			} else {
				i = skip_past(in, n, i, ">"); /* doctype, bogus comment */
			}
		} else if (in[i] == '?') {
			i = skip_past(in, n, i, ">"); /* processing instruction: bogus comment */
		}
		/* anything else: '<' was text */
	}
	return 0;
}

static int scan_context(struct xscan *sc, enum xctx ctx)
{
	static const uint8_t quote[] = { [X_SQUOTE] = '\'', [X_DQUOTE] = '"', [X_BQUOTE] = '`' };
	const uint8_t *in = sc->in;
	size_t n = sc->len, i = 0;

	switch (ctx) {
	case X_DATA:
		return scan_data(sc, 0);
	case X_UNQUOTED:
		/* the value ends at whitespace or '>' */
		while (i < n && !ws(in[i]) && in[i] != '>')
			i++;
		if (i >= n)
			return 0;
		break;
	default: {
		const uint8_t *e = memchr(in, quote[ctx], n);
		if (!e)
			return 0;
		i = (size_t)(e - in) + 1;
		break;
	}
	}
	/* after the attribute value: more attributes, then the tag ends */
	if (scan_attrs(sc, &i))
		return 1;
	return scan_data(sc, i);
}

int waf_detect_xss(const uint8_t *in, size_t len, struct waf_detect_result *res)
{
	static const struct { enum xctx ctx; char mark; } order[] = {
		{ X_DATA, '-' }, { X_UNQUOTED, '=' }, { X_SQUOTE, '\'' }, { X_DQUOTE, '"' },
		{ X_BQUOTE, '`' },
	};

	if (!in || len == 0)
		return 0;
	for (size_t c = 0; c < sizeof(order) / sizeof(order[0]); c++) {
		struct xscan sc = { .in = in, .len = len, .mark = order[c].mark, .res = res };
		if (scan_context(&sc, order[c].ctx))
			return 1;
	}
	/* javascript:... as the whole value: a link wherever it is placed.
	 * Only when the rest reads as code (a call, a template literal, an
	 * assignment), so prose such as "JavaScript: the good parts" passes. */
	char s[16];
	size_t after = scheme_of(in, len, s, sizeof(s));
	if (after && script_scheme(s) &&
	    (memchr(in + after, '(', len - after) || memchr(in + after, '`', len - after) ||
	     memchr(in + after, '=', len - after))) {
		struct xscan sc = { .in = in, .len = len, .mark = '=', .res = res };
		return report(&sc, "url-value", in, after - 1);
	}
	return 0;
}
