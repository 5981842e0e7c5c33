/* SPDX-License-Identifier: Proprietary
 * The normalized request view: target form and authority, decoded and
 * cleaned path, query arguments, cookies. Raw forms stay available
 * (http_req.target, path_raw, query_raw); decoded strings live in the arena.
 *
 * Path: percent-decode first, then merge empty segments and remove dot
 * segments (RFC 3986 5.2.4) on the decoded bytes, so "%2e%2e%2f" climbs like
 * "../" does in the backend that will decode it. Findings are flags
 * (HTTP_NF_*), not refusals: the validate and waf stages decide.
 */
#include <string.h>

#include "http/http_p.h"

/* ---------------------------------------------------------------- decoding */

/* UTF-8 check over decoded bytes (raw bytes >= 0x80 are refused in the
 * target, so any here came from %-escapes). Overlong forms (C0/C1 leads, E0
 * 80-9F, F0 80-8F) are what "%c0%ae" traversal uses; flagged apart. */
static uint32_t utf8_flags(const uint8_t *s, size_t n)
{
	uint32_t f = 0;

	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c == 0xc0 || c == 0xc1) {
			f |= HTTP_NF_OVERLONG_UTF8;
			i += (i + 1 < n && (s[i + 1] & 0xc0) == 0x80) ? 2 : 1;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		else {
			f |= HTTP_NF_BAD_UTF8;
			i++;
			continue;
		}
		for (size_t j = 1; j <= k; j++)
			if (i + j >= n || (s[i + j] & 0xc0) != 0x80) {
				f |= HTTP_NF_BAD_UTF8;
				k = j - 1;
				break;
			}
		if (k >= 2 && ((c == 0xe0 && s[i + 1] < 0xa0) || (c == 0xf0 && s[i + 1] < 0x90)))
			f |= HTTP_NF_OVERLONG_UTF8;
		i += k + 1;
	}
	return f;
}

size_t http_pct_decode(const char *in, size_t len, char *out, bool plus,
		       uint32_t *flags)
{
	size_t o = 0;
	uint32_t f = 0;
	bool high = false;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)in[i];
		int h, l;

		if (c == '+' && plus) {
			out[o++] = ' ';
			continue;
		}
		if (c != '%') {
			out[o++] = (char)c;
			high |= c >= 0x80;
			continue;
		}
		if (i + 2 >= len) {
			h = l = -1;
		} else {
			h = hexval((uint8_t)in[i + 1]);
			l = hexval((uint8_t)in[i + 2]);
		}
		if (h < 0 || l < 0) {
			f |= HTTP_NF_BAD_ESCAPE;          /* kept literally */
			out[o++] = '%';
			continue;
		}
		c = (uint8_t)(h << 4 | l);
		if (c == 0)
			f |= HTTP_NF_NUL;
		if (c == '/' || c == '\\')
			f |= HTTP_NF_ENCODED_SLASH;
		high |= c >= 0x80;
		out[o++] = (char)c;
		i += 2;
	}
	if (high)
		f |= utf8_flags((const uint8_t *)out, o);
	*flags |= f;
	return o;
}

/* ---------------------------------------------------------------- path */

size_t http_path_clean(char *s, size_t n, uint32_t *flags)
{
	size_t i = 0, o = 0;

	/* s[0] is '/'. Walk segments; the output is "/" seg ( "/" seg )*,
	 * with a trailing '/' kept when the input ends in '/', "/." or "/..". */
	while (i < n) {
		size_t j;

		/* here s[i] == '/' */
		j = i + 1;
		while (j < n && s[j] != '/')
			j++;
		/* segment is s[i+1 .. j) */
		if (j == i + 1) {
			if (j < n) {               /* "//": empty segment, merge */
				*flags |= HTTP_NF_DUP_SLASH;
			} else {                   /* trailing "/" */
				s[o++] = '/';
			}
		} else if (j == i + 2 && s[i + 1] == '.') {
			*flags |= HTTP_NF_DOT_SEGMENT;
			if (j == n)
				s[o++] = '/';
		} else if (j == i + 3 && s[i + 1] == '.' && s[i + 2] == '.') {
			*flags |= HTTP_NF_DOT_SEGMENT;
			if (o == 0)
				*flags |= HTTP_NF_ABOVE_ROOT;
			while (o > 0 && s[--o] != '/')
				;
			if (j == n)
				s[o++] = '/';
		} else {
			memmove(s + o, s + i, j - i);
			o += j - i;
		}
		i = j;
	}
	if (o == 0)
		s[o++] = '/';
	return o;
}

/* ---------------------------------------------------------------- target */

static enum http_reason args_split(struct http_req *r)
{
	const char *s = r->query_raw.p, *e;

	if (!s)
		return HTTP_R_OK;
	e = s + r->query_raw.len;
	while (s < e) {
		const char *a = s, *eq = NULL, *z;
		struct http_kv *kv;
		uint32_t f = 0;
		char *d;

		while (s < e && *s != '&') {
			if (*s == '=' && !eq)
				eq = s;
			s++;
		}
		z = s;
		if (s < e)
			s++;
		if (z == a)
			continue;                      /* "a=1&&b=2" */
		if (http_limit_query_args(r, (uint64_t)r->nargs + 1))
			return HTTP_R_ARGS_TOO_MANY;
		kv = &r->args[r->nargs++];
		if (!eq)
			eq = z;
		d = http_arena_alloc(r, (size_t)(z - a));
		if (!d)
			return HTTP_R_URI_TOO_LONG;
		kv->name.p = d;
		kv->name.len = (uint32_t)http_pct_decode(a, (size_t)(eq - a), d, true, &f);
		d += kv->name.len;
		kv->value.p = d;
		kv->value.len = eq < z ?
			(uint32_t)http_pct_decode(eq + 1, (size_t)(z - eq - 1), d, true, &f) : 0;
		kv->flags = (uint8_t)f;
		r->norm_flags |= f & ~HTTP_NF_ENCODED_SLASH;   /* %2F in a value is routine */
	}
	return HTTP_R_OK;
}

/* Split the raw target by form (RFC 9112 3.2), then decode. */
enum http_reason http_target_process(struct http_req *r)
{
	const char *t = r->target.p, *e = t + r->target.len, *s, *q;
	char *d;

	for (s = t; s < e; s++)
		if (http_ctab[(uint8_t)*s] & HC_UNWISE)
			r->norm_flags |= HTTP_NF_UNSAFE_CHAR;
	if (r->method == HTTP_M_CONNECT) {
		/* authority-form only, and only for CONNECT (RFC 9112 3.2.3) */
		r->form = HTTP_TF_AUTHORITY;
		r->authority = r->target;
		if (!http_host_valid(t, r->target.len, true))
			return HTTP_R_BAD_TARGET_FORM;
		r->path.p = "";
		return HTTP_R_OK;
	}
	if (r->target.len == 1 && t[0] == '*') {
		if (r->method != HTTP_M_OPTIONS)
			return HTTP_R_BAD_TARGET_FORM;  /* RFC 9112 3.2.4 */
		r->form = HTTP_TF_ASTERISK;
		r->path = r->target;
		return HTTP_R_OK;
	}
	s = t;
	if (t[0] != '/') {
		/* absolute-form: "http" ["s"] "://" authority [path-abempty] ["?" query] */
		size_t sl;

		if (r->target.len > 7 && http_ieq(t, 7, "http://", 7))
			sl = 7;
		else if (r->target.len > 8 && http_ieq(t, 8, "https://", 8))
			sl = 8;
		else
			return HTTP_R_BAD_TARGET_FORM;
		r->form = HTTP_TF_ABSOLUTE;
		s = t + sl;
		r->authority.p = s;
		while (s < e && *s != '/' && *s != '?') {
			if (*s == '@')
				return HTTP_R_BAD_TARGET_FORM;  /* userinfo (RFC 9110 4.2.4) */
			s++;
		}
		r->authority.len = (uint32_t)(s - r->authority.p);
		if (!r->authority.len ||
		    !http_host_valid(r->authority.p, r->authority.len, false))
			return HTTP_R_BAD_TARGET_FORM;
	}
	for (q = s; q < e && *q != '?'; q++)
		;
	r->path_raw.p = s;
	r->path_raw.len = (uint32_t)(q - s);
	if (q < e) {
		r->query_raw.p = q + 1;
		r->query_raw.len = (uint32_t)(e - q - 1);
	}
	d = http_arena_alloc(r, (size_t)r->path_raw.len + 1);
	if (!d)
		return HTTP_R_URI_TOO_LONG;
	if (r->path_raw.len == 0) {
		d[0] = '/';                 /* "http://h" and "http://h?q" mean "/" */
		r->path.p = d;
		r->path.len = 1;
	} else {
		size_t n = http_pct_decode(r->path_raw.p, r->path_raw.len, d, false,
					   &r->norm_flags);

		if (d[0] != '/') {          /* "%2Fa" decodes to '/', keep it a path */
			memmove(d + 1, d, n);
			d[0] = '/';
			n++;
		}
		r->path.p = d;
		r->path.len = (uint32_t)http_path_clean(d, n, &r->norm_flags);
	}
	return args_split(r);
}

/* ---------------------------------------------------------------- cookies */

/* cookie-string = cookie-pair *( ";" SP cookie-pair ) (RFC 6265 4.2.1),
 * read leniently (any whitespace around ';'), values not decoded. */
enum http_reason http_cookies_split(struct http_req *r)
{
	for (uint32_t i = 0; i < r->nhdrs; i++) {
		const struct http_hdr *h = &r->hdrs[i];
		const char *s = h->value.p, *e = s + h->value.len;

		if (h->id != HTTP_H_COOKIE)
			continue;
		while (s < e) {
			const char *a, *z, *eq;
			struct http_kv *kv;

			while (s < e && (*s == ' ' || *s == '\t' || *s == ';'))
				s++;
			a = s;
			while (s < e && *s != ';')
				s++;
			z = s;
			while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
				z--;
			if (z == a)
				continue;
			if (http_limit_cookies(r, (uint64_t)r->ncookies + 1))
				return HTTP_R_COOKIES_TOO_MANY;
			for (eq = a; eq < z && *eq != '='; eq++)
				;
			kv = &r->cookies[r->ncookies++];
			kv->name.p = a;
			kv->name.len = (uint32_t)(eq - a);
			kv->value.p = eq < z ? eq + 1 : z;
			kv->value.len = eq < z ? (uint32_t)(z - eq - 1) : 0;
			kv->flags = 0;
		}
	}
	return HTTP_R_OK;
}
