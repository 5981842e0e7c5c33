/* Piecewise request-body processors: urlencoded (waf_body_urlenc.c) and
 * JSON (waf_body_json.c). Each takes the body in pieces of any size (TCP
 * segments, de-chunked runs), emits an ARGS_POST item into the request
 * view as soon as the item is complete, and holds only the bytes of the
 * item still open (a urlencoded name=value pair, a JSON string or literal),
 * bounded by WAF_RV_VALUE_MAX: what goes past the bound is not kept, the
 * value is emitted truncated and the view flagged (body_value_truncated,
 * REQBODY_ERROR), as CRS setups treat a body over ModSecurity's limits.
 *
 * Both give exactly the items of a parse of the whole body, in the same
 * order, for every split (tests/unit/test_waf_stream.c, test_waf_body.c).
 * Threads: the state belongs to the view's thread.
 */
#ifndef RAMPART_WAF_BODY_H
#define RAMPART_WAF_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct waf_reqview;

/* The bytes of the item still open; grows up to WAF_RV_VALUE_MAX during
 * warm-up, then reused. */
struct waf_body_open {
	uint8_t *p;
	uint32_t len, cap;
	bool truncated;         /* bytes past the bound were dropped */
};

struct waf_body_urlenc {
	uint32_t eq;            /* offset of the first '=' in the open pair, UINT32_MAX: none */
};

#define WAF_JSON_PATH_MAX 1024u  /* "json.a.0.b": longer paths are a parse error */

struct waf_json_frame {
	uint32_t idx;           /* next array index */
	uint16_t base;          /* path length of the container itself */
	bool obj;
};

struct waf_body_json {
	uint8_t state;          /* enum in waf_body_json.c */
	uint8_t str_state;      /* inside a string: plain, after '\', in \uXXXX */
	uint8_t hex_n;          /* \u digits read */
	uint16_t hex;           /* \u value so far */
	bool err;               /* terminal: nothing is emitted after an error */
	uint32_t depth;
	uint32_t plen;          /* path length */
	char path[WAF_JSON_PATH_MAX];
	struct waf_json_frame stack[64];   /* WAF_RV_JSON_DEPTH */
};

void waf_body_urlenc_begin(struct waf_body_urlenc *u, struct waf_body_open *o);
void waf_body_urlenc_feed(struct waf_body_urlenc *u, struct waf_body_open *o,
			  struct waf_reqview *v, const uint8_t *p, size_t n);
/* End of body: emit the pair still open. */
void waf_body_urlenc_finish(struct waf_body_urlenc *u, struct waf_body_open *o,
			    struct waf_reqview *v);

void waf_body_json_begin(struct waf_body_json *j, struct waf_body_open *o);
void waf_body_json_feed(struct waf_body_json *j, struct waf_body_open *o,
			struct waf_reqview *v, const uint8_t *p, size_t n);
/* End of body: an open literal completes; anything else still open is a
 * parse error (REQBODY_ERROR "JSON parsing error"). */
void waf_body_json_finish(struct waf_body_json *j, struct waf_body_open *o,
			  struct waf_reqview *v);

/* Append to the open item (bounded; sets o->truncated past the bound).
 * false when memory ran out (v->oom set). */
bool waf_body_open_put(struct waf_body_open *o, struct waf_reqview *v, const uint8_t *p,
		       size_t n);

#endif
