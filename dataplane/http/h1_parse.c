/* SPDX-License-Identifier: Proprietary
 * HTTP/1.1 request line and header section: a byte-at-a-time FSM that saves
 * its state at any chunk boundary (nginx ngx_http_parse_request_line shape,
 * Tempesta's resumable parser, HAProxy's err_pos/err_state).
 *
 * Tokens (method, target, version, field names and values) are views into
 * the chunk when they fit in it; a token still open when a chunk ends is
 * copied into the request's arena, and the rest appended when it continues,
 * so the finished view is always contiguous (http_types.h).
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "http/http_p.h"

/* ---------------------------------------------------------------- tokens */

char *http_arena_alloc(struct http_req *r, size_t n)
{
	char *p;

	if (n > r->arena_size - r->arena_used)
		return NULL;
	p = r->arena + r->arena_used;
	r->arena_used += (uint32_t)n;
	return p;
}

static inline void tok_begin(struct http_req *r)
{
	r->tok_active = 1;
	r->tok_in_arena = 0;
}

/* Append [s, e) of a straddling token to the arena. The arena is sized so
 * that this cannot fail within the limits; refuse as too big if it does. */
static bool tok_save(struct http_req *r, const char *s, const char *e)
{
	char *d;

	if (!r->tok_in_arena) {
		r->tok_arena_off = r->arena_used;
		r->tok_in_arena = 1;
	}
	d = http_arena_alloc(r, (size_t)(e - s));
	if (!d)
		return false;
	memcpy(d, s, (size_t)(e - s));
	return true;
}

/* Close the token [tok, cur) into *out. */
static bool tok_end(struct http_req *r, const char *tok, const char *cur,
		    struct http_str *out)
{
	if (r->tok_in_arena) {
		if (!tok_save(r, tok, cur))
			return false;
		out->p = r->arena + r->tok_arena_off;
		out->len = r->arena_used - r->tok_arena_off;
	} else {
		out->p = tok;
		out->len = (uint32_t)(cur - tok);
	}
	r->tok_active = 0;
	r->tok_in_arena = 0;
	return true;
}

/* ---------------------------------------------------------------- names */

static const struct {
	const char *name;
	uint8_t len;
} known_hdrs[HTTP_H__MAX] = {
	[HTTP_H_HOST] = { "host", 4 },
	[HTTP_H_CONTENT_LENGTH] = { "content-length", 14 },
	[HTTP_H_TRANSFER_ENCODING] = { "transfer-encoding", 17 },
	[HTTP_H_CONTENT_TYPE] = { "content-type", 12 },
	[HTTP_H_COOKIE] = { "cookie", 6 },
	[HTTP_H_CONNECTION] = { "connection", 10 },
	[HTTP_H_EXPECT] = { "expect", 6 },
	[HTTP_H_UPGRADE] = { "upgrade", 7 },
};

static uint8_t hdr_classify(const struct http_str *n)
{
	/* the known names differ in length or first letter: one compare */
	if (n->len < 4 || n->len > 17)
		return HTTP_H_NONE;
	for (unsigned i = 0; i < HTTP_H__MAX; i++)
		if (n->len == known_hdrs[i].len && lc((uint8_t)n->p[0]) == known_hdrs[i].name[0])
			return http_ieq(n->p, n->len, known_hdrs[i].name, known_hdrs[i].len) ?
			       (uint8_t)i : HTTP_H_NONE;
	return HTTP_H_NONE;
}

static const struct {
	const char *name;
	uint8_t len;
} methods[HTTP_M__MAX] = {
	[HTTP_M_OTHER] = { "", 0 },
	[HTTP_M_GET] = { "GET", 3 },
	[HTTP_M_HEAD] = { "HEAD", 4 },
	[HTTP_M_POST] = { "POST", 4 },
	[HTTP_M_PUT] = { "PUT", 3 },
	[HTTP_M_DELETE] = { "DELETE", 6 },
	[HTTP_M_CONNECT] = { "CONNECT", 7 },
	[HTTP_M_OPTIONS] = { "OPTIONS", 7 },
	[HTTP_M_TRACE] = { "TRACE", 5 },
	[HTTP_M_PATCH] = { "PATCH", 5 },
};

const char *http_method_name(enum http_method m)
{
	return (unsigned)m < HTTP_M__MAX && m != HTTP_M_OTHER ? methods[m].name : "OTHER";
}

/* Methods are case-sensitive (RFC 9110 9.1). */
static enum http_method method_lookup(const struct http_str *s)
{
	for (unsigned i = 1; i < HTTP_M__MAX; i++)
		if (s->len == methods[i].len && !memcmp(s->p, methods[i].name, s->len))
			return (enum http_method)i;
	return HTTP_M_OTHER;
}

/* ---------------------------------------------------------------- values */

static void trim_ows(struct http_str *v)
{
	while (v->len && (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t'))
		v->len--;
}

/* Content-Length = 1*DIGIT (RFC 9110 8.6). No sign, no spaces inside, no
 * list: "5, 5" is valid for a lenient recipient but is refused here, as is a
 * repeated field with an equal value, because another hop may pick the
 * first, the last or the sum; one value is the only unambiguous framing. */
static enum http_reason cl_parse(struct http_req *r, const struct http_str *v)
{
	uint64_t n = 0;

	if (v->len == 0)
		return HTTP_R_CL_INVALID;
	for (uint32_t i = 0; i < v->len; i++) {
		uint8_t c = (uint8_t)v->p[i];

		if (c == ',')
			return HTTP_R_CL_LIST;
		if (c < '0' || c > '9')
			return HTTP_R_CL_INVALID;
		if (n > ((uint64_t)INT64_MAX - (uint64_t)(c - '0')) / 10)
			return HTTP_R_CL_OVERFLOW;
		n = n * 10 + (c - '0');
	}
	r->content_length = n;
	r->flags |= HTTP_RF_HAS_CL;
	return HTTP_R_OK;
}

/* A field line is complete: store it and check what can be checked alone. */
static enum http_reason hdr_done(struct http_req *r, struct http_str *value)
{
	struct http_hdr *h;
	enum http_reason why;

	trim_ows(value);
	why = http_limit_header_count(r, (uint64_t)r->nhdrs + 1);
	if (why)
		return why;
	h = &r->hdrs[r->nhdrs];
	h->name = r->cur_name;
	h->value = *value;
	h->id = r->cur_hdr_id;
	if (h->id != HTTP_H_NONE) {
		if (r->hdr_idx[h->id] >= 0) {
			/* RFC 9112 3.2: exactly one Host; RFC 9112 6.3: one length */
			if (h->id == HTTP_H_HOST)
				return HTTP_R_DUP_HOST;
			if (h->id == HTTP_H_CONTENT_LENGTH)
				return HTTP_R_CL_DUPLICATE;
		} else {
			r->hdr_idx[h->id] = (int32_t)r->nhdrs;
		}
		if (h->id == HTTP_H_CONTENT_LENGTH) {
			why = cl_parse(r, value);
			if (why)
				return why;
		}
	}
	r->nhdrs++;
	return HTTP_R_OK;
}

/* Transfer-Encoding, all field lines as one list (RFC 9112 6.1):
 * chunked must be the final coding and appear once; we decode no other
 * coding (501); an unknown final coding leaves the length undeterminable
 * (400, RFC 9112 6.3 item 4). Empty elements and parameters are refused. */
static enum http_reason te_check(struct http_req *r)
{
	bool chunked_seen = false, other_seen = false, last_chunked = false;

	for (uint32_t i = (uint32_t)r->hdr_idx[HTTP_H_TRANSFER_ENCODING]; i < r->nhdrs; i++) {
		const struct http_hdr *h = &r->hdrs[i];
		const char *s = h->value.p, *e = s + h->value.len;

		if (h->id != HTTP_H_TRANSFER_ENCODING)
			continue;
		for (;;) {
			const char *t;

			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			t = s;
			while (s < e && is_tchar((uint8_t)*s))
				s++;
			if (s == t)
				return HTTP_R_TE_INVALID;   /* empty element or junk */
			if (http_ieq(t, (size_t)(s - t), "chunked", 7)) {
				if (chunked_seen)
					return HTTP_R_TE_CHUNKED_TWICE;
				chunked_seen = last_chunked = true;
			} else {
				if (chunked_seen)
					return HTTP_R_TE_NOT_CHUNKED_FINAL;
				other_seen = true;
				last_chunked = false;
			}
			while (s < e && (*s == ' ' || *s == '\t'))
				s++;
			if (s == e)
				break;
			if (*s != ',')
				return HTTP_R_TE_INVALID;   /* parameters, ';', junk */
			s++;
		}
	}
	if (!last_chunked)
		return HTTP_R_TE_NOT_CHUNKED_FINAL;
	if (other_seen)
		return HTTP_R_TE_UNSUPPORTED;
	r->flags |= HTTP_RF_CHUNKED;
	return HTTP_R_OK;
}

/* host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2). */
bool http_host_valid(const char *s, size_t n, bool need_port)
{
	size_t i = 0, pd = 0;

	if (n && s[0] == '[') {
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!(http_ctab[(uint8_t)s[i]] & HC_HEX) && s[i] != ':' && s[i] != '.')
				return false;
		if (i == n || i == 1)
			return false;
		i++;
	} else {
		for (; i < n && s[i] != ':'; i++)
			if (!(http_ctab[(uint8_t)s[i]] & HC_HOST))
				return false;
		if (i == 0 && n)
			return false;
	}
	if (i < n) {
		if (s[i] != ':')
			return false;
		for (i++; i < n; i++, pd++)
			if (s[i] < '0' || s[i] > '9' || pd >= 5)
				return false;
		return !need_port || pd > 0;
	}
	return !need_port;
}

/* Length of host[:port] without a default port (":80" for http, ":443" for
 * https, or an empty port), for comparing authority with Host. */
static size_t host_cmp_len(const char *s, size_t n, bool https)
{
	size_t i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	if (i == 0 || s[i - 1] != ':' || (s[0] == '[' && i >= 2 && s[i - 2] != ']'))
		return n;
	if (i == n)
		return i - 1;
	if ((!https && n - i == 2 && !memcmp(s + i, "80", 2)) ||
	    (https && n - i == 3 && !memcmp(s + i, "443", 3)))
		return i - 1;
	return n;
}

/* The head is complete: framing, Host, cookies. Order: smuggling first. */
static enum http_reason head_done(struct http_req *r)
{
	const struct http_hdr *host = http_req_known(r, HTTP_H_HOST);
	enum http_reason why;

	if (r->hdr_idx[HTTP_H_TRANSFER_ENCODING] >= 0) {
		if (r->flags & HTTP_RF_HAS_CL)
			return HTTP_R_CL_AND_TE;     /* RFC 9112 6.1: MAY treat as error; we do */
		if (r->version == 10)
			return HTTP_R_TE_HTTP10;     /* RFC 9112 6.1 */
		why = te_check(r);
		if (why)
			return why;
	}
	if (r->flags & HTTP_RF_HAS_CL) {
		why = http_limit_body(r, r->content_length);
		if (why)
			return why;
	}
	if (!host && r->version == 11)
		return HTTP_R_MISSING_HOST;
	if (host && !http_host_valid(host->value.p, host->value.len, false))
		return HTTP_R_BAD_HOST;
	if (r->form == HTTP_TF_ABSOLUTE && host) {
		bool https = r->target.p[4] == 's' || r->target.p[4] == 'S';
		size_t al = host_cmp_len(r->authority.p, r->authority.len, https);
		size_t hl = host_cmp_len(host->value.p, host->value.len, https);

		if (!http_ieq(r->authority.p, al, host->value.p, hl))
			return HTTP_R_HOST_MISMATCH;
	}
	return http_cookies_split(r);
}

/* Request line complete: method, version, target. */
static enum http_reason rl_done(struct http_req *r, const struct http_str *ver)
{
	const char *v = ver->p;

	r->method = method_lookup(&r->method_raw);
	if (ver->len != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return HTTP_R_BAD_VERSION;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return HTTP_R_VERSION_UNSUPPORTED;
	r->version = v[7] == '1' ? 11 : 10;
	return http_target_process(r);
}

/* ---------------------------------------------------------------- scans */

/* Skip 16 bytes at a time while they are all field-value bytes (not CTL
 * other than HTAB, not DEL) or all target bytes (0x21-0x7e but '#'); the
 * scalar loop after it finds the exact stop. Same result as the table. */
#ifdef __SSE2__
static inline const char *scan_value(const char *s, const char *stop)
{
	const __m128i c1f = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t');
	const __m128i del = _mm_set1_epi8(0x7f);

	while (stop - s >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);   /* v <= 0x1f */
		__m128i bad = _mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, tab), ctl),
					   _mm_cmpeq_epi8(v, del));

		if (_mm_movemask_epi8(bad))
			break;
		s += 16;
	}
	return s;
}

static inline const char *scan_target(const char *s, const char *stop)
{
	const __m128i c20 = _mm_set1_epi8(0x20), c7f = _mm_set1_epi8(0x7f);
	const __m128i hash = _mm_set1_epi8('#');

	while (stop - s >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(v, c20), v);    /* v <= 0x20 */
		__m128i hi = _mm_cmpeq_epi8(_mm_max_epu8(v, c7f), v);    /* v >= 0x7f */
		__m128i bad = _mm_or_si128(_mm_or_si128(lo, hi), _mm_cmpeq_epi8(v, hash));

		if (_mm_movemask_epi8(bad))
			break;
		s += 16;
	}
	return s;
}
#else
static inline const char *scan_value(const char *s, const char *stop)
{
	(void)stop;
	return s;
}
static inline const char *scan_target(const char *s, const char *stop)
{
	(void)stop;
	return s;
}
#endif

/* ---------------------------------------------------------------- the FSM */

#define FAIL(why) return http_fail(r, (why), p, cur, end)
#define CHECK(expr) do { enum http_reason w_ = (expr); if (w_) FAIL(w_); } while (0)

int http_parse_head(struct http_req *r, const char *p, size_t len)
{
	const char *cur = p, *end = p + len;
	const char *tok = r->tok_active ? p : NULL;
	struct http_str v;

	if (r->state == H_ERROR)
		return -(int)r->reason;
	for (; cur < end; cur++) {
		uint8_t c;

		/* Fast path: runs of plain bytes in the long tokens, bounded by
		 * the room left under the limit, so the byte that stops the run
		 * is handled below exactly as in the byte-at-a-time path. */
		if (r->state == H_HDR_VALUE || r->state == H_TARGET || r->state == H_HDR_NAME) {
			bool rl = r->state == H_TARGET;
			uint8_t cls = r->state == H_HDR_VALUE ? HC_VALUE :
				      rl ? HC_TARGET : HC_TCHAR;
			size_t room = rl ? r->lim.request_line - r->line_bytes :
					   r->lim.header_bytes - r->hdr_bytes;
			const char *stop = (size_t)(end - cur) > room ? cur + room : end;
			const char *s = cur;

			if (cls == HC_VALUE)
				s = scan_value(s, stop);
			else if (cls == HC_TARGET)
				s = scan_target(s, stop);
			while (s < stop && (http_ctab[(uint8_t)*s] & cls))
				s++;
			if (rl)
				r->line_bytes += (uint32_t)(s - cur);
			else
				r->hdr_bytes += (uint32_t)(s - cur);
			cur = s;
			if (cur == end)
				break;
		}
		c = (uint8_t)*cur;
		/* request_line and header_bytes are never 0 (hard caps) */
		if (r->state < H_HDR_START) {
			if (++r->line_bytes > r->lim.request_line)
				CHECK(http_limit_request_line(r, r->line_bytes));
		} else {
			if (++r->hdr_bytes > r->lim.header_bytes)
				CHECK(http_limit_header_bytes(r, r->hdr_bytes));
		}
		switch ((enum h1_state)r->state) {
		case H_START:
			if (c == '\r') {
				if (++r->crlf_skipped > 4)
					FAIL(HTTP_R_BAD_REQUEST_LINE);
				r->state = H_START_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			r->line_bytes = 1;
			tok = cur;
			tok_begin(r);
			r->state = H_METHOD;
			/* fall through */
		case H_METHOD:
			if (c == ' ') {
				if (!tok_end(r, tok, cur, &r->method_raw))
					FAIL(HTTP_R_URI_TOO_LONG);
				if (!r->method_raw.len)
					FAIL(HTTP_R_BAD_METHOD);
				r->state = H_TARGET;
				tok = cur + 1;
				tok_begin(r);
				break;
			}
			if (c == '\r' || c == '\n')
				FAIL(HTTP_R_BAD_REQUEST_LINE);
			if (!is_tchar(c))
				FAIL(HTTP_R_BAD_METHOD);
			if (r->line_bytes > HTTP_METHOD_MAX)
				FAIL(HTTP_R_METHOD_TOO_LONG);
			break;
		case H_TARGET:
			if (c == ' ') {
				if (!tok_end(r, tok, cur, &r->target))
					FAIL(HTTP_R_URI_TOO_LONG);
				if (!r->target.len)
					FAIL(HTTP_R_BAD_REQUEST_LINE);   /* empty target, or two SPs */
				r->state = H_VERSION;
				tok = cur + 1;
				tok_begin(r);
				break;
			}
			if (c == '#')
				FAIL(HTTP_R_BAD_TARGET_FORM);        /* no fragment (RFC 9112 3.2) */
			if (c == '\r' || c == '\n')
				FAIL(HTTP_R_BAD_REQUEST_LINE);       /* HTTP/0.9 or missing version */
			if (!(http_ctab[c] & HC_TARGET))
				FAIL(HTTP_R_BAD_TARGET_CHAR);
			break;
		case H_VERSION:
			if (c == '\r') {
				if (!tok_end(r, tok, cur, &v))
					FAIL(HTTP_R_URI_TOO_LONG);
				CHECK(rl_done(r, &v));
				r->state = H_RL_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			if (c == ' ')
				FAIL(HTTP_R_BAD_REQUEST_LINE);
			if (r->line_bytes - r->method_raw.len - r->target.len - 2 > 8)
				FAIL(HTTP_R_BAD_VERSION);
			break;
		case H_RL_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			r->state = H_HDR_START;
			break;
		case H_START_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			r->state = H_START;
			break;
		case H_HDR_START:
			if (c == '\r') {
				r->state = H_END_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			if (c == ' ' || c == '\t')
				FAIL(HTTP_R_OBS_FOLD);               /* RFC 9112 5.2 */
			if (!is_tchar(c))
				FAIL(HTTP_R_BAD_HEADER_NAME);
			tok = cur;
			tok_begin(r);
			r->state = H_HDR_NAME;
			break;
		case H_HDR_NAME:
			if (c == ':') {
				if (!tok_end(r, tok, cur, &r->cur_name))
					FAIL(HTTP_R_HEADERS_TOO_BIG);
				r->cur_hdr_id = hdr_classify(&r->cur_name);
				r->state = H_HDR_OWS;
				break;
			}
			if (c == ' ' || c == '\t')
				FAIL(HTTP_R_WS_BEFORE_COLON);        /* RFC 9112 5.1 */
			if (c == '\r' || c == '\n' || !is_tchar(c))
				FAIL(HTTP_R_BAD_HEADER_NAME);
			break;
		case H_HDR_OWS:
			if (c == ' ' || c == '\t')
				break;
			tok = cur;
			tok_begin(r);
			r->state = H_HDR_VALUE;
			/* fall through */
		case H_HDR_VALUE:
			if (c == '\r') {
				if (!tok_end(r, tok, cur, &v))
					FAIL(HTTP_R_HEADERS_TOO_BIG);
				CHECK(hdr_done(r, &v));
				r->state = H_HDR_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			if (c == 0)
				FAIL(HTTP_R_NUL_IN_VALUE);
			if (!(http_ctab[c] & HC_VALUE))
				FAIL(HTTP_R_CTL_IN_VALUE);
			break;
		case H_HDR_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			r->state = H_HDR_START;
			break;
		case H_END_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			CHECK(head_done(r));
			r->flags |= HTTP_RF_HEAD_DONE;
			if (r->flags & HTTP_RF_CHUNKED) {
				r->state = H_CH_SIZE;
			} else if ((r->flags & HTTP_RF_HAS_CL) && r->content_length) {
				r->body_left = r->content_length;
				r->state = H_BODY_CL;
			} else {
				r->state = H_DONE;
				r->flags |= HTTP_RF_DONE;
			}
			cur++;
			r->msg_pos += (uint64_t)(cur - p);
			return (int)(cur - p);
		default:
			FAIL(HTTP_R_BAD_REQUEST_LINE);       /* called after the head */
		}
	}
	if (r->tok_active && !tok_save(r, tok, end)) {
		cur = end - 1;
		FAIL(HTTP_R_HEADERS_TOO_BIG);
	}
	r->msg_pos += len;
	return 0;
}
