/* Streaming evaluation of one request for the proxy's waf stage: the head
 * and the body arrive in pieces (TCP segments, chunked encoding) and the WAF
 * sees each body piece once, as it arrives; the verdict comes when the
 * message is complete.
 *
 * Use, per worker (one struct waf_stream per request in flight, reusable):
 *
 *     waf_stream_begin(&s, ev, view, req);             // new request
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
 * What is held: urlencoded and JSON bodies are parsed piece by piece as
 * they arrive (waf_body.h), each value emitted into the view when it
 * completes, only the open value held (<= WAF_RV_VALUE_MAX); a JSON body
 * is not copied at all. The view keeps the parsed values until the verdict
 * (the engine evaluates rules in program order over whole collections),
 * bounded by WAF_RV_BODY_MAX; urlencoded bodies are also copied (bounded)
 * for REQUEST_BODY, multipart and XML ones for their whole-body parsers.
 * The proxy need not keep the body for the WAF: it forwards each piece
 * after the callback returned and holds the final one until
 * waf_stream_finish() (proxy/waf_stage.c).
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
	const struct http_req *req;   /* its head is parsed before the first body piece */
	uint64_t pieces;        /* body pieces seen (diagnostics) */
	bool finished;
};

/* Start a request: forget the previous one's view (memory is kept). @ev
 * may be set later (before waf_stream_finish()). */
void waf_stream_begin(struct waf_stream *s, struct waf_eval *ev, struct waf_reqview *view,
		      const struct http_req *req);

/* http_body_cb: one body piece (@opaque = the stream). Any size, any split. */
void waf_stream_body_cb(void *opaque, const char *p, size_t len);

/* The message is complete (http_parse() > 0) or refused (< 0, the view
 * then holds what the parser finished): build the view's collections and
 * evaluate. Returns 0, -ENOMEM (result incomplete), or -EALREADY when
 * called twice for one request. */
int waf_stream_finish(struct waf_stream *s, const struct waf_engine_conf *conf,
		      const struct http_req *req, struct waf_result *res);

#endif
