/* Streaming evaluation of one request for the proxy's waf stage: the head
 * and the body arrive in pieces (TCP segments, chunked encoding) and the WAF
 * sees each body piece once, as it arrives; the verdict comes when the
 * message is complete.
 *
 * Use, per worker (one struct waf_stream per request in flight, reusable):
 *
 *     waf_stream_begin(&s, ev, view);                  // new request
 *     http_req_set_body_cb(req, waf_stream_body_cb, &s);
 *     ... http_parse(req, piece, n) for every piece: body bytes (already
 *         de-chunked by the parser) reach waf_stream_body_cb() ...
 *     waf_stream_finish(&s, conf, req, &res);          // message complete
 *                                                      // (or refused)
 *     if (res.block) answer 403 with the request id; else forward.
 *
 * Verdicts do not depend on how the body was split: any split, including
 * one byte at a time, gives the result of waf_eval_run() over the whole
 * request (tests/unit/test_waf_stream.c checks every split point of a set
 * of attacks). Threads: the stream, @ev and @view belong to one worker.
 *
 * Bounds and what is still held: the request view keeps up to
 * WAF_RV_BODY_MAX bytes of body in its own reused buffer, because the
 * parsed collections (urlencoded, JSON, multipart, XML) and REQUEST_BODY
 * are built from the whole body when the message completes; the bytes past
 * the bound are counted (REQUEST_BODY_LENGTH), not inspected. The proxy
 * need not keep the body for the WAF: it may forward each piece after the
 * callback returned if its policy is detect-only, or hold the last piece
 * until waf_stream_finish() in block mode.
 */
#ifndef RAMPART_WAF_STREAM_H
#define RAMPART_WAF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/http.h"
#include "waf/waf_engine.h"
#include "waf/waf_reqview.h"

struct waf_stream {
	struct waf_eval *ev;
	struct waf_reqview *view;
	uint64_t pieces;        /* body pieces seen (diagnostics) */
	bool finished;
};

/* Start a request: forget the previous one's view (memory is kept). */
void waf_stream_begin(struct waf_stream *s, struct waf_eval *ev, struct waf_reqview *view);

/* http_body_cb: one body piece (@opaque = the stream). Any size, any split. */
void waf_stream_body_cb(void *opaque, const char *p, size_t len);

/* The message is complete (http_parse() > 0) or refused (< 0, the view
 * then holds what the parser finished): build the view's collections and
 * evaluate. Returns 0, -ENOMEM (result incomplete), or -EALREADY when
 * called twice for one request. */
int waf_stream_finish(struct waf_stream *s, const struct waf_engine_conf *conf,
		      const struct http_req *req, struct waf_result *res);

#endif
