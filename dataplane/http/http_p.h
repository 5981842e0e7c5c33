/* SPDX-License-Identifier: Proprietary
 * Private to dataplane/http/: parser states, character classes, helpers
 * shared by h1_parse.c, h1_body.c, http_norm.c and http_req.c.
 */
#ifndef RAMPART_HTTP_P_H
#define RAMPART_HTTP_P_H

#include "http/http.h"

/* Parser states (http_req.state). One comment each; names in
 * http_state_name(). */
enum h1_state {
	H_START,        /* before the request line; empty lines (CRLF) skipped, ≤ 4 */
	H_START_LF,     /* CR of an empty line seen, LF expected */
	H_METHOD,       /* reading the method token, SP ends it */
	H_TARGET,       /* reading the request target, SP ends it */
	H_VERSION,      /* reading HTTP-version, CR ends it */
	H_RL_LF,        /* CR after the version seen, LF expected */
	H_HDR_START,    /* start of a field line, or CR of the empty line */
	H_HDR_NAME,     /* reading a field name, ':' ends it */
	H_HDR_OWS,      /* after ':', skipping optional whitespace */
	H_HDR_VALUE,    /* reading a field value, CR ends it */
	H_HDR_LF,       /* CR after a field value seen, LF expected */
	H_END_LF,       /* CR of the empty line ending the head seen, LF expected */
	H_BODY_CL,      /* Content-Length body bytes */
	H_CH_SIZE,      /* chunk-size hex digits */
	H_CH_EXT,       /* chunk extensions (sub-state ext_state) */
	H_CH_SIZE_LF,   /* CR after the chunk-size line seen, LF expected */
	H_CH_DATA,      /* chunk data bytes */
	H_CH_DATA_CR,   /* CR expected after chunk data */
	H_CH_DATA_LF,   /* LF expected after chunk data's CR */
	H_TR_START,     /* start of a trailer field line, or CR of the final empty line */
	H_TR_NAME,      /* trailer field name */
	H_TR_VALUE,     /* trailer field value */
	H_TR_LF,        /* CR after a trailer field seen, LF expected */
	H_TR_END_LF,    /* CR of the final empty line seen, LF expected */
	H_DONE,         /* message complete */
	H_ERROR,        /* refused; reason in http_req.reason */
	H__MAX
};

/* Character classes (RFC 9110 5.6.2 tchar; field-vchar 5.5). */
extern const uint8_t http_ctab[256];
#define HC_TCHAR   0x01u   /* token character */
#define HC_TARGET  0x02u   /* allowed in a request target (RFC 3986 + unwise set) */
#define HC_UNWISE  0x04u   /* " < > \ ^ ` { | }: accepted in targets, flagged */
#define HC_VALUE   0x08u   /* field-vchar / obs-text / SP / HTAB */
#define HC_HEX     0x10u
#define HC_HOST    0x20u   /* reg-name: unreserved / pct-encoded / sub-delims */

static inline bool is_tchar(uint8_t c) { return http_ctab[c] & HC_TCHAR; }
static inline int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}
static inline uint8_t lc(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c | 0x20 : c; }
static inline bool http_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lc((uint8_t)a[i]) != lc((uint8_t)b[i]))
			return false;
	return true;
}

/* Refuse: record reason, state, position and a window of the chunk around
 * the offending byte @at (in [p, end)); return -(reason). */
int http_fail(struct http_req *r, enum http_reason why,
	      const char *p, const char *at, const char *end);

/* Request-line and head completion (http_norm.c / h1_parse.c). */
enum http_reason http_target_process(struct http_req *r);
enum http_reason http_cookies_split(struct http_req *r);
char *http_arena_alloc(struct http_req *r, size_t n);
/* host = uri-host [ ":" port ] (RFC 9110 7.2); port required if @need_port. */
bool http_host_valid(const char *s, size_t n, bool need_port);

#endif /* RAMPART_HTTP_P_H */
