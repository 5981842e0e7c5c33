/* The WAF's view of one request: the collections SecLang rule variables
 * name (ARGS, REQUEST_HEADERS, FILES, XML, ...), built from the HTTP parser's
 * request context (http/http.h) plus the body bytes, with the body parsed by
 * the processor its Content-Type selects (urlencoded, JSON, multipart, XML),
 * as ModSecurity v3 with CRS's recommended configuration does.
 *
 * One view per thread, reused request after request: its memory (item
 * arrays, decoded strings, the body copy) grows during warm-up and is then
 * only reset, so steady state allocates nothing. Bounds: body kept up to
 * WAF_RV_BODY_MAX bytes (the rest is counted in body_len, not inspected),
 * WAF_RV_ITEMS_MAX items per collection (more: reqbody_error).
 *
 * Two ways to give the view a body. Whole: waf_reqview_body_cb() pieces are
 * copied (bounded) and parsed by waf_reqview_build(). Streaming: once the
 * head is parsed, waf_reqview_body_begin() picks the processor from the
 * Content-Type; then urlencoded and JSON bodies are parsed piece by piece
 * as they arrive (waf_body.h: items emitted as they complete, only the
 * open item held), and a JSON body is not copied at all; urlencoded bodies
 * are still copied for REQUEST_BODY, multipart and XML ones for their
 * whole-body parsers (bounded as above). Both ways give the same items.
 */
#ifndef RAMPART_WAF_REQVIEW_H
#define RAMPART_WAF_REQVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "waf/waf_body.h"

#define WAF_RV_BODY_MAX  (1u << 20)
#define WAF_RV_ITEMS_MAX 4096u
#define WAF_RV_JSON_DEPTH 64u
/* One body value (JSON string or literal, urlencoded name or value) is
 * inspected up to this many bytes; longer ones are truncated and flagged. */
#define WAF_RV_VALUE_MAX (64u << 10)

/* A string of the view (not NUL-terminated; may hold NUL bytes). */
struct waf_bytes {
	const uint8_t *p;
	uint32_t len;
};

/* One member of a collection: its key (what VAR:key selects) and value. */
struct waf_item {
	struct waf_bytes name;
	struct waf_bytes value;
};

struct waf_items {
	struct waf_item *v;
	uint32_t n, cap;
};

/* Collections with keys, in waf_reqview.coll[]. */
enum waf_rv_coll {
	WAF_RC_ARGS_GET,
	WAF_RC_ARGS_POST,
	WAF_RC_HEADERS,
	WAF_RC_COOKIES,
	WAF_RC_FILES,          /* key: form field name, value: file name */
	WAF_RC_PART_HEADERS,   /* MULTIPART_PART_HEADERS: key field name, value header line */
	WAF_RC_XML,            /* XML:/ * (text) and XML://@ * (attribute values) */
	WAF_RC__COUNT
};

enum waf_rv_bodyproc { WAF_BP_NONE, WAF_BP_URLENCODED, WAF_BP_MULTIPART, WAF_BP_JSON, WAF_BP_XML };

struct waf_rv_block; /* arena block (waf_reqview.c) */

struct waf_reqview {
	struct waf_items coll[WAF_RC__COUNT];
	uint32_t xml_text_items;   /* first this many XML items are text, the rest attributes */

	struct waf_bytes method, protocol, uri, uri_raw, filename, basename, line,
			 query, body;
	uint64_t body_len;         /* bytes received (body may hold fewer) */
	uint64_t args_combined_size, files_combined_size;
	enum waf_rv_bodyproc bodyproc;
	bool reqbody_error;
	const char *reqbody_error_msg;
	bool multipart_strict_error, multipart_unmatched_boundary;
	bool refused;              /* the HTTP parser refused the request: partial view */
	bool head_absent;          /* refused before the header section was read */

	/* body copy, filled by waf_reqview_body_cb() */
	uint8_t *bodybuf;
	size_t bodybuf_len, bodybuf_cap;

	/* streaming (waf_reqview_body_begin()): the processor chosen from the
	 * Content-Type, its state, and whether the raw bytes are copied too */
	bool streaming, keep_body;
	enum waf_rv_bodyproc stream_bp;
	struct waf_body_open open;
	struct waf_body_urlenc urlenc;
	struct waf_body_json json;
	uint64_t body_values_bytes;  /* names + values the body processors stored */
	bool body_value_truncated;   /* a value went past WAF_RV_VALUE_MAX */
	bool body_over_limit;        /* values past WAF_RV_BODY_MAX were dropped */

	struct waf_rv_block *blocks; /* arena, reused */
	struct waf_rv_block *cur;
	bool oom;                  /* an allocation failed: view incomplete */
};

/* Forget the previous request (keeps memory). */
void waf_reqview_reset(struct waf_reqview *v);
/* The head of @req is parsed: parse the body as it arrives (see above).
 * Call before the first body piece; without it the body is parsed whole. */
void waf_reqview_body_begin(struct waf_reqview *v, const struct http_req *req);
/* http_body_cb: a body piece (opaque = the view): parsed now when
 * streaming, copied (bounded) when needed for build. */
void waf_reqview_body_cb(void *opaque, const char *p, size_t len);
/* Build the view from @req (complete, or refused: then whatever the parser
 * filled before refusing is used and v->refused is set) and the body bytes
 * collected by waf_reqview_body_cb(). Returns 0, or -ENOMEM (v->oom). */
int waf_reqview_build(struct waf_reqview *v, const struct http_req *req);
void waf_reqview_free(struct waf_reqview *v);

/* For the body processors (waf_body.h): @n bytes of the view's arena (live
 * until reset; NULL and v->oom when memory ran out), and an ARGS_POST item
 * whose bytes the arena holds, accounted against WAF_RV_BODY_MAX. */
uint8_t *waf_reqview_alloc(struct waf_reqview *v, size_t n);
void waf_reqview_push_arg(struct waf_reqview *v, const uint8_t *name, size_t nl,
			  const uint8_t *val, size_t vl);

/* ModSecurity's names for the body processor ("URLENCODED", ...; "" none). */
const char *waf_bodyproc_name(enum waf_rv_bodyproc bp);

#endif
