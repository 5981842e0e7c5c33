/* SPDX-License-Identifier: Proprietary
 * Private to dataplane/proxy/: what its files call in each other. Owning
 * worker only.
 */
#ifndef RAMPART_PROXY_P_H
#define RAMPART_PROXY_P_H

#include "worker.h"
#include "proxy/proxy.h"
#include "tcp/tcp_types.h"

/* h1_session.c: the ops of every HTTP listener. */
extern const struct tcp_app_ops h1_session_ops;
/* A session's timer of kind fired. */
void h1_session_timeout(struct h1_session *s, enum proxy_timer_kind kind);
/* Free the slot's request context and buffers, if it holds one. */
void h1_session_free_context(struct h1_session *s);
/* Once per pass: free idle cached contexts beyond what the last second's
 * peak needs (about once a second). */
void h1_ctx_trim(struct proxy_worker *pw, uint64_t now_ms);
/* Free every cached context (worker teardown). */
void h1_ctx_fini(struct proxy_worker *pw);
/* Read, parse and answer what can be now. */
void h1_pump(struct h1_session *s);
/* Push pending output to the client; true when all of it went. */
bool h1_flush(struct h1_session *s);
/* The forwarded request ends with a generated answer (502, 504): sent,
 * logged, then the next request or the close. */
void h1_answer(struct h1_session *s, unsigned status);
/* The forwarded response was relayed completely: log, then the next
 * request or the close. */
void h1_forward_done(struct h1_session *s, unsigned status, uint64_t bytes_out);
/* The client connection must go now (a response cut short): reset. */
void h1_reset_client(struct h1_session *s);

/* h1_forward.c: one request to an upstream server and its response. */
/* Open the upstream connection for route r. Returns 0 when forwarding,
 * else the status to answer (counted): 502 (no connection could be
 * opened), 503 (no server of the upstream is usable). */
unsigned fwd_start(struct h1_session *s, int route);
/* Body bytes the upstream can take now (0: wait for it; on_writable
 * resumes, and upstream-response-ms bounds the wait). */
uint32_t fwd_body_room(struct h1_session *s);
/* Pass n raw body bytes on; false when the session failed (answered). */
bool fwd_body_out(struct h1_session *s, const char *p, uint32_t n);
/* The client's request has been read completely. */
void fwd_request_read(struct h1_session *s);
/* Relay what the upstream sent as far as the client takes it. */
void fwd_pump(struct h1_session *s);
/* Drop the upstream connection (client gone, or failure handled). */
void fwd_abort(struct h1_session *s);
/* An upstream timer fired. */
void fwd_timeout(struct h1_session *s, enum proxy_timer_kind kind);

/* proxy_worker.c: the session pool. */
struct h1_session *proxy_session_get(struct proxy_worker *pw);
void proxy_session_put(struct proxy_worker *pw, struct h1_session *s);

static inline uint64_t
proxy_now_ms(const struct proxy_worker *pw)
{
	return pw->w->tcp->now_ms;   /* the TCP wheel's clock (1 ms ticks) */
}

#endif
