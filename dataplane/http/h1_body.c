/* SPDX-License-Identifier: Proprietary
 * HTTP/1.1 request body framing (RFC 9112 6 and 7): Content-Length and
 * chunked, resumable at any byte like the head parser. Body bytes are not
 * copied: each run of data in a chunk goes to the body callback as a view.
 *
 * chunked-body = *chunk last-chunk trailer-section CRLF
 * chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
 * Refused beyond the RFC: any whitespace on the chunk-size line (BWS is
 * something senders MUST NOT generate, RFC 9110 5.6.3, and it is the classic
 * "5 ;ext" desync), more than 16 hex digits, extensions beyond chunk_ext
 * bytes, and trailers unless trailer_bytes allows them (then they are
 * checked like field lines and discarded, never merged into the headers).
 */
#include "http/http_p.h"

/* Chunk extension sub-states (http_req.ext_state). */
enum {
	EX_SEMI,     /* ';' just read: ext-name expected */
	EX_NAME,     /* in ext-name; ';', '=' or CR may follow */
	EX_EQ,       /* '=' read: token or quoted-string expected */
	EX_TOKEN,    /* in a token ext-val; ';' or CR may follow */
	EX_QUOTED,   /* inside a quoted-string */
	EX_QESC,     /* after a backslash inside a quoted-string */
	EX_QEND,     /* after the closing quote; ';' or CR must follow */
};

#define FAIL(why) return http_fail(r, (why), p, cur, end)
#define CHECK(expr) do { enum http_reason w_ = (expr); if (w_) FAIL(w_); } while (0)

static inline void deliver(struct http_req *r, const char *s, size_t n)
{
	r->body_bytes += n;
	if (r->body_cb && n)
		r->body_cb(r->body_opaque, s, n);
}

/* One extension byte; false if it breaks the grammar. */
static bool ext_byte(struct http_req *r, uint8_t c)
{
	switch (r->ext_state) {
	case EX_SEMI:
		if (!is_tchar(c))
			return false;
		r->ext_state = EX_NAME;
		return true;
	case EX_NAME:
	case EX_TOKEN:
		if (c == ';') {
			r->ext_state = EX_SEMI;
			return true;
		}
		if (c == '=' && r->ext_state == EX_NAME) {
			r->ext_state = EX_EQ;
			return true;
		}
		return is_tchar(c);
	case EX_EQ:
		if (c == '"') {
			r->ext_state = EX_QUOTED;
			return true;
		}
		if (!is_tchar(c))
			return false;
		r->ext_state = EX_TOKEN;
		return true;
	case EX_QUOTED:
		if (c == '"')
			r->ext_state = EX_QEND;
		else if (c == '\\')
			r->ext_state = EX_QESC;
		else if (c != '\t' && (c < 0x20 || c == 0x7f))
			return false;
		return true;
	case EX_QESC:
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return false;
		r->ext_state = EX_QUOTED;
		return true;
	case EX_QEND:
		if (c != ';')
			return false;
		r->ext_state = EX_SEMI;
		return true;
	}
	return false;
}

static inline bool ext_can_end(const struct http_req *r)
{
	return r->ext_state == EX_NAME || r->ext_state == EX_TOKEN ||
	       r->ext_state == EX_QEND;
}

int http_parse_body(struct http_req *r, const char *p, size_t len)
{
	const char *cur = p, *end = p + len;

	if (r->state == H_ERROR)
		return -(int)r->reason;
	while (cur < end) {
		uint8_t c = (uint8_t)*cur;
		size_t n;
		int hv;

		switch ((enum h1_state)r->state) {
		case H_BODY_CL:
			n = (size_t)(end - cur) < r->body_left ? (size_t)(end - cur) : r->body_left;
			deliver(r, cur, n);
			cur += n;
			r->body_left -= n;
			if (r->body_left == 0)
				goto done;
			continue;
		case H_CH_SIZE:
			hv = hexval(c);
			if (hv >= 0) {
				if (++r->chunk_digits > 16)
					FAIL(HTTP_R_CHUNK_SIZE_OVERFLOW);
				r->chunk_left = (r->chunk_left << 4) | (uint64_t)hv;
				break;
			}
			if (r->chunk_digits == 0)
				FAIL(HTTP_R_CHUNK_SIZE_INVALID);  /* empty, sign, space */
			CHECK(http_limit_chunk_size(r, r->chunk_left));
			CHECK(http_limit_body(r, r->body_bytes + r->chunk_left));
			if (c == '\r') {
				r->state = H_CH_SIZE_LF;
				break;
			}
			if (c == ';') {
				r->chunk_ext_bytes = 1;
				r->ext_state = EX_SEMI;
				r->state = H_CH_EXT;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			if (c == ' ' || c == '\t')
				FAIL(HTTP_R_CHUNK_EXT_INVALID);  /* BWS before ';' */
			FAIL(HTTP_R_CHUNK_SIZE_INVALID);         /* "0x5", "5g" */
		case H_CH_EXT:
			if (c == '\r') {
				if (!ext_can_end(r))
					FAIL(HTTP_R_CHUNK_EXT_INVALID);
				r->state = H_CH_SIZE_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			CHECK(http_limit_chunk_ext(r, ++r->chunk_ext_bytes));
			if (!ext_byte(r, c))
				FAIL(HTTP_R_CHUNK_EXT_INVALID);
			break;
		case H_CH_SIZE_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			r->chunk_digits = 0;
			if (r->chunk_left == 0) {
				r->hdr_bytes = 0;
				r->state = H_TR_START;
			} else {
				r->state = H_CH_DATA;
			}
			break;
		case H_CH_DATA:
			n = (size_t)(end - cur) < r->chunk_left ? (size_t)(end - cur) : r->chunk_left;
			deliver(r, cur, n);
			cur += n;
			r->chunk_left -= n;
			if (r->chunk_left == 0)
				r->state = H_CH_DATA_CR;
			continue;
		case H_CH_DATA_CR:
			if (c != '\r')
				FAIL(HTTP_R_CHUNK_CRLF_MISSING);
			r->state = H_CH_DATA_LF;
			break;
		case H_CH_DATA_LF:
			if (c != '\n')
				FAIL(HTTP_R_CHUNK_CRLF_MISSING);
			r->state = H_CH_SIZE;
			break;
		case H_TR_START:
			if (c == '\r') {
				r->state = H_TR_END_LF;
				break;
			}
			if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			if (r->lim.trailer_bytes == 0)
				FAIL(HTTP_R_TRAILER_REFUSED);
			CHECK(http_limit_trailer_bytes(r, ++r->hdr_bytes));
			if (!is_tchar(c))
				FAIL(HTTP_R_BAD_TRAILER);        /* obs-fold included */
			r->state = H_TR_NAME;
			break;
		case H_TR_NAME:
			CHECK(http_limit_trailer_bytes(r, ++r->hdr_bytes));
			if (c == ':')
				r->state = H_TR_VALUE;
			else if (!is_tchar(c))
				FAIL(HTTP_R_BAD_TRAILER);
			break;
		case H_TR_VALUE:
			CHECK(http_limit_trailer_bytes(r, ++r->hdr_bytes));
			if (c == '\r')
				r->state = H_TR_LF;
			else if (c == '\n')
				FAIL(HTTP_R_BARE_LF);
			else if (!(http_ctab[c] & HC_VALUE))
				FAIL(HTTP_R_BAD_TRAILER);
			break;
		case H_TR_LF:
			CHECK(http_limit_trailer_bytes(r, ++r->hdr_bytes));
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			r->state = H_TR_START;
			break;
		case H_TR_END_LF:
			if (c != '\n')
				FAIL(HTTP_R_BARE_CR);
			cur++;
			goto done;
		default:
			FAIL(HTTP_R_BAD_REQUEST_LINE);  /* not in a body */
		}
		cur++;
	}
	r->msg_pos += len;
	return 0;
done:
	r->state = H_DONE;
	r->flags |= HTTP_RF_DONE;
	r->msg_pos += (uint64_t)(cur - p);
	return (int)(cur - p);
}

int http_parse(struct http_req *r, const char *p, size_t len)
{
	int n = 0, m;

	if (!(r->flags & HTTP_RF_HEAD_DONE)) {
		n = http_parse_head(r, p, len);
		if (n <= 0)
			return n;
		if (r->flags & HTTP_RF_DONE)
			return n;
	}
	if (r->flags & HTTP_RF_DONE)
		return -(int)HTTP_R_BAD_REQUEST_LINE;  /* caller bug: reset first */
	m = http_parse_body(r, p + n, len - (size_t)n);
	if (m < 0)
		return m;
	if (m == 0)
		return 0;
	return n + m;
}

int http_req_eof(struct http_req *r)
{
	if (r->state == H_ERROR)
		return -(int)r->reason;
	if (r->state == H_DONE || r->state == H_START)   /* nothing or only empty lines */
		return 0;
	return http_fail(r, HTTP_R_TRUNCATED, NULL, NULL, NULL);
}
