/* SPDX-License-Identifier: Proprietary
 * The "waf" stage of the proxy's request path (waf_stage.c): run once the
 * request head is parsed and routed, before anything goes upstream.
 */
#ifndef RAMPART_PROXY_WAF_STAGE_H
#define RAMPART_PROXY_WAF_STAGE_H

#include "proxy/proxy_types.h"

enum waf_verdict {
	WAF_PASS,   /* continue: forward the request */
	WAF_BLOCK,  /* answer 403 (generic body with the request id) and close */
};

/* Evaluate the request of @s (head parsed, route @route resolved) with the
 * snapshot's mode, paranoia, threshold and the route's override; emit a
 * security event when a rule matched; count. Worker only; no allocation
 * once the worker's WAF state is warm, no locks, no syscalls. */
enum waf_verdict waf_stage_run(struct h1_session *s, unsigned route);

#endif
