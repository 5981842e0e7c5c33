/* SPDX-License-Identifier: Proprietary
 * Request context lifetime, lookups, names and diagnostics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_p.h"

/* Character classes, one row per 16 bytes, labelled with the row's
 * printable characters. Bits: 01 tchar, 02 target, 04 unwise-in-target,
 * 08 field value, 10 hex digit, 20 reg-name (host). */
const uint8_t http_ctab[256] = {
	/* 00 ................ */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* 10 ................ */ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	/* 20 .!"#$%&'().+,-.. */ 0x08, 0x2b, 0x0e, 0x09, 0x2b, 0x2b, 0x2b, 0x2b, 0x2a, 0x2a, 0x2b, 0x2b, 0x2a, 0x2b, 0x2b, 0x0a,
	/* 30 0123456789:;<=>? */ 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x0a, 0x2a, 0x0e, 0x2a, 0x0e, 0x0a,
	/* 40 @ABCDEFGHIJKLMNO */ 0x0a, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b,
	/* 50 PQRSTUVWXYZ[.]^_ */ 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x0a, 0x0e, 0x0a, 0x0f, 0x2b,
	/* 60 `abcdefghijklmno */ 0x0f, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x3b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b,
	/* 70 pqrstuvwxyz{|}~. */ 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x2b, 0x0e, 0x0f, 0x0e, 0x2b, 0x00,
	/* 80 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* 90 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* a0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* b0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* c0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* d0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* e0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
	/* f0 ................ */ 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08, 0x08,
};

static const struct {
	const char *name;
	const char *text;
	uint16_t status;
} reasons[HTTP_R__MAX] = {
#define HTTP_REASON(sym, st, nm, tx) [HTTP_R_##sym] = { nm, tx, st },
#include "http/http_reasons.def"
#undef HTTP_REASON
};

const char *http_reason_name(enum http_reason r)
{
	return (unsigned)r < HTTP_R__MAX ? reasons[r].name : "?";
}

const char *http_reason_text(enum http_reason r)
{
	return (unsigned)r < HTTP_R__MAX ? reasons[r].text : "?";
}

int http_reason_status(enum http_reason r)
{
	return (unsigned)r < HTTP_R__MAX ? reasons[r].status : 400;
}

static const char *const state_names[H__MAX] = {
	[H_START] = "start", [H_START_LF] = "start_lf", [H_METHOD] = "method",
	[H_TARGET] = "target", [H_VERSION] = "version", [H_RL_LF] = "rl_lf",
	[H_HDR_START] = "hdr_start", [H_HDR_NAME] = "hdr_name",
	[H_HDR_OWS] = "hdr_ows", [H_HDR_VALUE] = "hdr_value",
	[H_HDR_LF] = "hdr_lf", [H_END_LF] = "end_lf", [H_BODY_CL] = "body_cl",
	[H_CH_SIZE] = "chunk_size", [H_CH_EXT] = "chunk_ext",
	[H_CH_SIZE_LF] = "chunk_size_lf", [H_CH_DATA] = "chunk_data",
	[H_CH_DATA_CR] = "chunk_data_cr", [H_CH_DATA_LF] = "chunk_data_lf",
	[H_TR_START] = "trailer_start", [H_TR_NAME] = "trailer_name",
	[H_TR_VALUE] = "trailer_value", [H_TR_LF] = "trailer_lf",
	[H_TR_END_LF] = "trailer_end_lf", [H_DONE] = "done", [H_ERROR] = "error",
};

const char *http_state_name(unsigned s)
{
	return s < H__MAX ? state_names[s] : "?";
}

int http_fail(struct http_req *r, enum http_reason why,
	      const char *p, const char *at, const char *end)
{
	r->reason = why;
	r->err_state = r->state;
	r->state = H_ERROR;
	r->err_win_len = 0;
	r->err_win_at = 0;
	r->err_pos = r->msg_pos;
	if (p && at && at >= p) {
		const char *from = at - p > 8 ? at - 8 : p;
		size_t n = (size_t)(end - from) < sizeof(r->err_win) ?
			   (size_t)(end - from) : sizeof(r->err_win);

		r->err_pos += (uint64_t)(at - p);
		memcpy(r->err_win, from, n);
		r->err_win_len = (uint8_t)n;
		r->err_win_at = (uint8_t)(at - from);
	}
	return -(int)why;
}

/* ---------------------------------------------------------------- lifetime */

static uint32_t cap(uint32_t v, uint32_t hard)
{
	return v == 0 || v > hard ? hard : v;
}

struct http_req *http_req_create(const struct http_limits *lim)
{
	struct http_limits l = *lim;
	struct http_req *r;
	size_t hb, ab, cb, arena, total;

	l.request_line = cap(l.request_line, HTTP_HARD_REQUEST_LINE);
	l.header_count = cap(l.header_count, HTTP_HARD_HEADER_COUNT);
	l.header_bytes = cap(l.header_bytes, HTTP_HARD_HEADER_BYTES);
	l.query_args = cap(l.query_args, HTTP_HARD_QUERY_ARGS);
	l.cookies = cap(l.cookies, HTTP_HARD_COOKIES);
	l.chunk_ext = cap(l.chunk_ext, HTTP_HARD_CHUNK_EXT);
	hb = (size_t)l.header_count * sizeof(struct http_hdr);
	ab = (size_t)l.query_args * sizeof(struct http_kv);
	cb = (size_t)l.cookies * sizeof(struct http_kv);
	/* straddling tokens ≤ request line + header bytes; decoded path and
	 * arguments ≤ 2 × request line (each at most the raw target) */
	arena = 3 * (size_t)l.request_line + l.header_bytes;
	total = sizeof(*r) + hb + ab + cb + arena;
	r = calloc(1, total);
	if (!r)
		return NULL;
	r->lim = l;
	r->hdrs = (struct http_hdr *)(r + 1);
	r->args = (struct http_kv *)((char *)r->hdrs + hb);
	r->cookies = (struct http_kv *)((char *)r->args + ab);
	r->arena = (char *)r->cookies + cb;
	r->arena_size = (uint32_t)arena;
	r->hdr_cap = l.header_count;
	r->args_cap = l.query_args;
	r->cookies_cap = l.cookies;
	http_req_reset(r);
	return r;
}

void http_req_destroy(struct http_req *r)
{
	free(r);
}

void http_req_reset(struct http_req *r)
{
	/* What survives a reset, kept in locals (not a copy of the whole
	 * context: this runs once per request). */
	struct http_limits lim = r->lim;
	struct http_hdr *hdrs = r->hdrs;
	struct http_kv *args = r->args, *cookies = r->cookies;
	char *arena = r->arena;
	uint32_t arena_size = r->arena_size, hdr_cap = r->hdr_cap, args_cap = r->args_cap;
	uint32_t cookies_cap = r->cookies_cap;
	http_body_cb body_cb = r->body_cb;
	void *body_opaque = r->body_opaque;

	memset(r, 0, sizeof(*r));
	r->lim = lim;
	r->hdrs = hdrs;
	r->args = args;
	r->cookies = cookies;
	r->arena = arena;
	r->arena_size = arena_size;
	r->hdr_cap = hdr_cap;
	r->args_cap = args_cap;
	r->cookies_cap = cookies_cap;
	r->body_cb = body_cb;
	r->body_opaque = body_opaque;
	for (unsigned i = 0; i < HTTP_H__MAX; i++)
		r->hdr_idx[i] = -1;
	r->state = H_START;
}

void http_req_set_body_cb(struct http_req *r, http_body_cb cb, void *opaque)
{
	r->body_cb = cb;
	r->body_opaque = opaque;
}

/* ---------------------------------------------------------------- lookups */

const struct http_hdr *http_req_header(const struct http_req *r,
				       const char *lname, size_t len,
				       uint32_t from)
{
	for (uint32_t i = from; i < r->nhdrs; i++)
		if (http_ieq(r->hdrs[i].name.p, r->hdrs[i].name.len, lname, len))
			return &r->hdrs[i];
	return NULL;
}

static const struct http_kv *kv_find(const struct http_kv *kv, uint32_t n,
				     const char *name, size_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (kv[i].name.len == len && !memcmp(kv[i].name.p, name, len))
			return &kv[i];
	return NULL;
}

const struct http_kv *http_req_arg(const struct http_req *r,
				   const char *name, size_t len)
{
	return kv_find(r->args, r->nargs, name, len);
}

const struct http_kv *http_req_cookie(const struct http_req *r,
				      const char *name, size_t len)
{
	return kv_find(r->cookies, r->ncookies, name, len);
}

/* ---------------------------------------------------------------- text */

struct sbuf {
	char *b;
	size_t size, len;
};

static void sb_putc(struct sbuf *s, char c)
{
	if (s->len + 1 < s->size)
		s->b[s->len] = c;
	s->len++;
}

static void sb_printf(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	for (int i = 0; i < n && i < (int)sizeof(tmp) - 1; i++)
		sb_putc(s, tmp[i]);
}

static void sb_esc(struct sbuf *s, const char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			sb_putc(s, (char)c);
		} else {
			sb_putc(s, '\\');
			sb_putc(s, 'x');
			sb_putc(s, hx[c >> 4]);
			sb_putc(s, hx[c & 15]);
		}
	}
}

static size_t sb_end(struct sbuf *s)
{
	if (s->size)
		s->b[s->len < s->size ? s->len : s->size - 1] = '\0';
	return s->len;   /* like snprintf: the length it needed */
}

size_t http_req_err_format(const struct http_req *r, char *buf, size_t size)
{
	struct sbuf s = { buf, size, 0 };

	sb_esc(&s, (const char *)r->err_win, r->err_win_at);
	sb_putc(&s, '>');
	if (r->err_win_at < r->err_win_len)
		sb_esc(&s, (const char *)r->err_win + r->err_win_at, 1);
	sb_putc(&s, '<');
	if (r->err_win_at + 1u < r->err_win_len)
		sb_esc(&s, (const char *)r->err_win + r->err_win_at + 1,
		       r->err_win_len - r->err_win_at - 1u);
	return sb_end(&s);
}

static void sb_str(struct sbuf *s, const char *label, const struct http_str *v)
{
	sb_printf(s, "%s=", label);
	if (v->p)
		sb_esc(s, v->p, v->len);
	else
		sb_putc(s, '-');
	sb_putc(s, '\n');
}

size_t http_req_dump(const struct http_req *r, char *buf, size_t size)
{
	struct sbuf s = { buf, size, 0 };

	sb_printf(&s, "reason=%s state=%s\n", http_reason_name(r->reason),
		  http_state_name(r->state));
	if (r->reason) {
		sb_printf(&s, "err_pos=%llu err_state=%s\n",
			  (unsigned long long)r->err_pos, http_state_name(r->err_state));
		return sb_end(&s);
	}
	sb_printf(&s, "method=%s version=%u form=%d\n", http_method_name(r->method),
		  r->version, (int)r->form);
	sb_str(&s, "method_raw", &r->method_raw);
	sb_str(&s, "target", &r->target);
	sb_str(&s, "authority", &r->authority);
	sb_str(&s, "path_raw", &r->path_raw);
	sb_str(&s, "query_raw", &r->query_raw);
	sb_str(&s, "path", &r->path);
	sb_printf(&s, "norm_flags=0x%x\n", r->norm_flags);
	for (uint32_t i = 0; i < r->nargs; i++) {
		sb_printf(&s, "arg.%u.flags=0x%x\n", i, r->args[i].flags);
		sb_str(&s, "arg.name", &r->args[i].name);
		sb_str(&s, "arg.value", &r->args[i].value);
	}
	for (uint32_t i = 0; i < r->nhdrs; i++) {
		sb_printf(&s, "hdr.%u.id=%u\n", i, r->hdrs[i].id);
		sb_str(&s, "hdr.name", &r->hdrs[i].name);
		sb_str(&s, "hdr.value", &r->hdrs[i].value);
	}
	for (uint32_t i = 0; i < r->ncookies; i++) {
		sb_str(&s, "cookie.name", &r->cookies[i].name);
		sb_str(&s, "cookie.value", &r->cookies[i].value);
	}
	sb_printf(&s, "flags=0x%x cl=%llu body_bytes=%llu\n", r->flags,
		  (unsigned long long)r->content_length,
		  (unsigned long long)r->body_bytes);
	return sb_end(&s);
}

bool http_req_head_read(const struct http_req *r)
{
	return (r->flags & HTTP_RF_HEAD_DONE) ||
	       (r->reason != HTTP_R_OK && r->err_state == H_END_LF);
}
