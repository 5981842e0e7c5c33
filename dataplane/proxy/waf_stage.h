/* SPDX-License-Identifier: Proprietary
 * The "waf" stage of the proxy's request path (waf_stage.c): run once the
 * request head is parsed and routed; a body that streams is inspected as
 * it passes and decided before its final piece goes upstream.
 */
#ifndef RAMPART_PROXY_WAF_STAGE_H
#define RAMPART_PROXY_WAF_STAGE_H

#include "proxy/proxy_types.h"

/* Requests of one worker whose bodies stream through the WAF at once (each
 * holds a request view: its parsed values, bounded by WAF_RV_BODY_MAX). */
#define WAF_STAGE_STREAMS 32

enum waf_verdict {
	WAF_PASS,        /* continue: forward the request (a streamed body is
			  * decided by waf_stage_body_end()) */
	WAF_BLOCK,       /* answer 403 (generic body with the request id) and close */
	WAF_UNAVAILABLE, /* block mode, no stream slot free: answer 503 and close */
};

/* Evaluate the request of @s (head parsed, route @route resolved) with the
 * snapshot's mode, paranoia, threshold and the route's override; emit a
 * security event when a rule matched; count. A body held whole behind the
 * head is evaluated here; any other body gets a stream slot and is fed
 * piece by piece through the parser's body callback. Worker only; no
 * allocation once the worker's WAF state is warm, no locks, no syscalls. */
enum waf_verdict waf_stage_run(struct h1_session *s, unsigned route);

/* The streamed body of @s is complete (the parser returned > 0): decide
 * before the final piece is forwarded; releases the slot. WAF_PASS when
 * the request had no stream slot. */
enum waf_verdict waf_stage_body_end(struct h1_session *s);

/* Give back @s's stream slot, if any (request abandoned, session closed). */
void waf_stage_release(struct h1_session *s);

/* At worker teardown: free the stream slots. */
void waf_stage_worker_fini(struct proxy_worker *pw);

#endif
