/* SPDX-License-Identifier: Proprietary
 * The HTTP proxy's per-worker state: types only (API in proxy.h).
 *
 * Everything here belongs to one worker lcore. A client connection gets a
 * struct h1_session from the worker's pool (PROXY_MAX_SESSIONS slots, at
 * most http.max-sessions-per-worker in use); its request context and input
 * buffer are allocated the first time the slot is used and kept for the
 * next connections, so steady-state traffic allocates nothing. They are
 * rebuilt only when the snapshot's HTTP limits change.
 */
#ifndef RAMPART_PROXY_TYPES_H
#define RAMPART_PROXY_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_types.h"
#include "http/http_types.h"
#include "proxy/upstream.h"

#define PROXY_MAX_SESSIONS   8192   /* slots per worker (= TCP_MAX_CONNS) */
#define PROXY_OUT_CAP        1024   /* generated responses are shorter */
#define PROXY_REQ_ID_LEN     24     /* "nnnnnnnn-ww-cccccccccccc" */
/* Beyond the head the parser can accept, room for the start of the next
 * pipelined request or body bytes read with the head. */
#define PROXY_IN_SLACK       4096

struct tcp_conn;
struct rte_ring;
struct upstream_pool;
struct uhealth_worker;
struct waf_body_slot;
struct waf_body_pool;
struct h1_ctx;

/* Timer lists: every session of one list has the same timeout, so
 * appending at the tail keeps each list sorted by deadline and arming,
 * re-arming and expiring are O(1) (a timeout changed by a new snapshot
 * only delays the entries behind a longer one). */
enum proxy_timer_kind {
	PT_NONE = 0,
	PT_HEADER,      /* from the first byte of a request to the end of its head */
	PT_BODY,        /* between body bytes */
	PT_KEEPALIVE,   /* idle between requests */
	PT_UP_CONNECT,  /* connecting to the upstream server */
	PT_UP_RESPONSE, /* request sent, waiting for the response head */
	PT__MAX
};

struct proxy_timer {
	struct proxy_timer *prev, *next;
	struct h1_session *owner;
	uint64_t deadline_ms;
	uint8_t kind;   /* enum proxy_timer_kind, PT_NONE when unlinked */
};

enum h1_state {
	HS_IDLE,        /* between requests: no byte of the next one yet */
	HS_HEAD,        /* reading a request head */
	HS_BODY,        /* head done, reading the body (forwarded or dropped) */
	HS_WAIT,        /* request read, its forwarded response not finished */
	HS_CLOSING,     /* answered and closed: input is read and dropped */
};

enum fwd_state {
	FW_NONE,        /* no upstream connection */
	FW_CONNECTING,  /* tcp_connect sent the SYN */
	FW_HEAD,        /* connected; request head being written */
	FW_BODY,        /* head written; request body flows as it is parsed */
	FW_RELAY,       /* response head relayed; body being relayed */
};

/* The forwarding of one request (h1_forward.c). */
struct h1_fwd {
	struct tcp_conn *up;                /* NULL: none */
	struct proxy_timer timer;           /* PT_UP_CONNECT, PT_UP_RESPONSE */
	uint8_t state;                      /* enum fwd_state */
	uint8_t upstream, server;           /* indexes in the snapshot of gen */
	bool head_parsed;                   /* response head seen */
	bool sent_any;                      /* response bytes went to the client */
	bool req_done;                      /* the whole request went upstream */
	bool reused;                        /* up came from the keep-alive pool */
	bool keep;                          /* up may go back to the pool after this */
	uint8_t attempts;                   /* connections tried for this request */
	bool discard;                       /* 5xx body dropped, a generic one sent */
	uint32_t tried;                     /* servers tried for this request (bits) */
	uint32_t nreq;                      /* requests up served, this one included */
	uint64_t gen;
	uint32_t req_off, req_len;          /* request head pending in scratch */
	uint32_t rsp_len, rsp_off;          /* response bytes in rsp, relayed up to rsp_off */
	uint64_t left;                      /* UPF_LENGTH: body bytes still to relay */
	uint64_t bytes_out;                 /* response bytes relayed to the client */
	struct chunk_scan chunk;            /* UPF_CHUNKED: where the body ends */
	struct up_resp *resp;               /* parsed head (allocated with the context) */
};

struct h1_session {
	struct proxy_timer timer;           /* the client side's timeouts */
	struct tcp_conn *c;                 /* NULL when the slot is free */
	struct proxy_worker *pw;
	uint32_t idx;
	uint32_t next_free;
	uint8_t state;                      /* enum h1_state */
	uint8_t listener;                   /* index in the snapshot's listeners */
	bool close_after;                   /* close once the response is out */
	uint32_t nrequests;                 /* on this connection */

	/* Input: bytes read from TCP. [0, in_parsed) went through the parser,
	 * [in_parsed, in_len) not yet. The head stays at the start while its
	 * request is handled (the context's views point into it). */
	struct h1_ctx *ctx;                 /* req, in, scratch, rsp, fwd.resp; NULL while
	                                     * the connection idles between requests */
	struct http_req *req;
	struct http_limits lim;             /* req and in were sized for these */
	char *in;
	uint32_t in_cap, in_len, in_parsed, head_end;

	/* Output not yet accepted by tcp_write: obuf[out_off..out_len), obuf
	 * is out (generated answers) or a forwarding buffer. */
	const char *obuf;
	uint32_t out_len, out_off;
	char out[PROXY_OUT_CAP];

	/* Forwarding: scratch holds the serialised request head, then the
	 * rewritten response head; rsp the bytes read from the upstream. */
	struct h1_fwd fwd;
	struct waf_body_slot *waf_body;     /* streamed body's WAF slot (waf_stage.c), NULL: none */
	char *scratch, *rsp;
	uint32_t scratch_cap, rsp_cap;

	/* The request in progress, for the access log. */
	uint64_t t_start_tsc;
	uint64_t req_bytes;                 /* wire bytes of the request parsed so far */
	uint16_t status;                    /* decided when the head was routed */
	uint16_t allow;                     /* 405: methods of the route (bit per enum http_method) */
	int16_t route;                      /* -1: none */
	char req_id[PROXY_REQ_ID_LEN + 1];
};

/* Per-listener counts, per worker (summed by the telemetry). */
struct proxy_listener_stats {
	uint64_t requests;
	uint64_t not_found;                 /* shadow-API traffic */
};

struct proxy_worker {
	struct worker *w;
	uint64_t gen;                       /* snapshot generation the listeners follow */
	uint16_t nports;                    /* TCP ports we listen on */
	uint16_t port[CFG_MAX_LISTENERS];

	struct h1_session *sess;            /* PROXY_MAX_SESSIONS */
	uint32_t free_head;
	uint32_t nsessions;                 /* in use */
	uint32_t nalloc;                    /* slots with a context allocated */

	struct proxy_timer timers[PT__MAX]; /* list heads (sentinels) */
	uint64_t poll_ms;                   /* clock of the last proxy_poll that ran */
	uint64_t req_counter;               /* X-Request-Id sequence */
	struct rte_ring *log;               /* access-log records, SP/SC */
	uint64_t ups_gen;                   /* snapshot generation ups[] follows */

	struct proxy_listener_stats lstats[CFG_MAX_LISTENERS];
	/* Request contexts not held by a session (h1_session.c, whose
	 * ctx_cache holds the list): LIFO, trimmed each second to what the
	 * last second's peak needs. */
	uint32_t ctx_nfree, ctx_active, ctx_peak;
	uint64_t ctx_trim_ms;
	struct waf_body_pool *waf_bodies;   /* WAF stream slots, allocated at first use (waf_stage.c) */
	struct upstream_state *ups;         /* CFG_MAX_UPSTREAMS, balancing state */
	struct upstream_pool *upool;        /* parked upstream connections (upstream_pool.h) */
	struct uhealth_worker *uhealth;     /* checks, ejection, counts (upstream_health.h) */
};

#endif
