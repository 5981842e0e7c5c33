/* SPDX-License-Identifier: Proprietary
 * Parked upstream connections, per worker: the keep-alive pool (idle
 * connections per upstream and server, reused by later requests of any
 * client) and the drain list (connections whose exchange is over but that
 * are not reusable, waiting for the server's FIN for a bounded time).
 *
 * Bounds. At most UP_PARK_MAX parked connections per worker (entries are
 * preallocated; none free: the connection is closed instead, counted);
 * per upstream and server at most keepalive/max-idle idle ones, each for at
 * most keepalive/idle-timeout-ms; a connection serves at most
 * keepalive/max-requests requests (the last one asks Connection: close);
 * a draining connection is reset after UP_DRAIN_MS.
 *
 * Idle lists are LIFO for reuse (the most recently used connection is the
 * least likely to have been closed by the server's own idle timer) and
 * expire from their tail (the oldest). An idle connection on which the
 * server sends anything (its FIN, a 408, junk) leaves the pool at once;
 * the race where the FIN is in flight when a request goes out is handled
 * by h1_forward.c (retry on a fresh connection).
 *
 * Entries are keyed by the indexes of the snapshot the worker follows:
 * when a new snapshot arrives, every idle connection is closed (servers
 * may have moved). Owning worker only.
 */
#ifndef RAMPART_PROXY_UPSTREAM_POOL_H
#define RAMPART_PROXY_UPSTREAM_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_types.h"

#define UP_PARK_MAX   4096    /* parked connections per worker */
/* Waiting for a FIN the server may never send. A constant on purpose, not
 * an upstream setting: a draining connection already carried its whole
 * response (no request depends on it), a conforming server sends its FIN
 * within a round trip of its last byte, and the bound only matters for a
 * backend that ignores `Connection: close`, where expiry means a reset
 * instead of a FIN (the TIME-WAIT is nobody's). Meanwhile it holds one TCP
 * connection and one park entry, no buffers. One value for every entry
 * also keeps the drain list a FIFO sorted by deadline (O(1) expiry); a
 * per-upstream value would need a list per upstream for the same. */
#define UP_DRAIN_MS   2000

struct tcp_conn;
struct proxy_worker;

enum up_park_kind { UPK_FREE, UPK_IDLE, UPK_DRAIN };

struct up_park {
	struct up_park *prev, *next;
	struct tcp_conn *c;
	uint64_t since_ms;            /* parked at (the worker's TCP clock) */
	uint32_t nreq;                /* requests served on the connection */
	uint8_t upstream, server;
	uint8_t kind;                 /* enum up_park_kind */
	struct upstream_pool *pool;
};

struct upstream_pool {
	struct proxy_worker *pw;
	uint64_t gen;                 /* snapshot generation the idle lists follow */
	uint64_t last_ms;             /* last sweep (once per clock tick) */
	struct up_park idle[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];   /* sentinels */
	uint16_t nidle[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];
	uint32_t nparked;
	struct up_park drain;         /* sentinel; FIFO, all with UP_DRAIN_MS */
	struct up_park *free;         /* singly linked by next */
	struct up_park park[UP_PARK_MAX];
};

/* Allocate pw's pool on socket (NULL: no memory). Main lcore. */
struct upstream_pool *upool_create(struct proxy_worker *pw, int socket);
/* Forget every parked connection (tcp_worker_fini frees them without
 * callbacks) and free the pool. Accepts NULL. */
void upool_destroy(struct upstream_pool *p);

/* An idle connection to server sv of upstream u, most recent first, or
 * NULL. *nreq: the requests it already served. Connections found closed
 * by the server are dropped on the way. The caller sets ops and app. */
struct tcp_conn *upool_take(struct upstream_pool *p, unsigned u, unsigned sv, uint32_t *nreq);

/* Park c (its exchange complete, reusable) as idle for server sv of
 * upstream u (with the limits of cu). false: not kept (max-idle reached,
 * no entry free, or the snapshot changed); the caller closes it. */
bool upool_put(struct upstream_pool *p, const struct cfg_upstream *cu, unsigned u,
	       unsigned sv, struct tcp_conn *c, uint32_t nreq);

/* c's exchange is over and c is not reusable: wait for the server's FIN
 * (reading and dropping anything more), then close; reset after
 * UP_DRAIN_MS. */
void upool_drain(struct upstream_pool *p, struct tcp_conn *c);

/* Once per pass: follow the snapshot, expire idle and draining entries. */
void upool_poll(struct upstream_pool *p, const struct cfg_proxy *px, uint64_t generation,
		uint64_t now_ms);

/* Idle connections to server sv of upstream u (telemetry, tests). */
static inline unsigned
upool_idle(const struct upstream_pool *p, unsigned u, unsigned sv)
{
	return p->nidle[u][sv];
}

#endif
