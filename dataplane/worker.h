/* SPDX-License-Identifier: Proprietary
 * Per-worker state: one cache-aligned struct per worker lcore, owned by that
 * lcore. Other threads reach a worker only through its rings (hand-off from
 * other workers' dispatchers, inject from the main lcore) and read only its
 * counters.
 */
#ifndef RAMPART_WORKER_H
#define RAMPART_WORKER_H

#include <stdint.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane.h"
#include "port/impair.h"
#include "stats/counters.h"

#define BURST_SIZE 32

/* One rx queue this worker polls. */
struct worker_rxq {
	uint16_t port;
	uint16_t queue;
	bool dispatch;      /* the port has no RSS: hash in software and hand off */
};

struct worker {
	unsigned id;                       /* 0..nworkers-1, also the QSBR thread id */
	unsigned lcore;
	const struct snapshot *snap;       /* valid for the current burst only */

	unsigned nrxq;
	struct worker_rxq rxq[CFG_MAX_PORTS];
	struct rte_eth_dev_tx_buffer *txb[CFG_MAX_PORTS];

	struct rte_ring *handoff_in[MAX_WORKERS];  /* [from]: SP/SC */
	struct rte_ring *handoff_out[MAX_WORKERS]; /* [to]:   SP/SC, NULL for self */
	struct rte_ring *inject;                   /* main -> this worker, SP/SC */

	/* Frees are batched: one rte_pktmbuf_free_bulk per loop. */
	unsigned nfree;
	struct rte_mbuf *to_free[BURST_SIZE * 2];

	/* Busy/idle accounting in TSC cycles (F-Stack's ff_top idea). */
	uint64_t busy_cycles, idle_cycles, loops;
	uint32_t idle_streak;

	struct tcp_worker *tcp;            /* this worker's TCP stack (tcp/tcp.h) */
	struct proxy_worker *proxy;        /* its HTTP sessions (proxy/proxy.h) */

	/* Test-only impairment (port/impair.h); rx_ports/tx_ports 0: off. */
	struct impair impair;

	struct counters cnt;
} __rte_cache_aligned;

/* Count and release a packet the worker refuses. */
static inline void
worker_drop(struct worker *w, struct rte_mbuf *m, enum cnt_id why)
{
	cnt_add(&w->cnt, why, 1);
	if (unlikely(w->nfree == RTE_DIM(w->to_free))) {
		rte_pktmbuf_free_bulk(w->to_free, w->nfree);
		w->nfree = 0;
	}
	w->to_free[w->nfree++] = m;
}

static inline void
worker_count(struct worker *w, enum cnt_id id)
{
	cnt_add(&w->cnt, id, 1);
}

/* Queue a finished frame for transmission on its port (m->port). */
void worker_tx(struct worker *w, struct rte_mbuf *m);

/* Main lcore: send a finished frame (m->port set) through a worker's inject
 * ring. Returns 0, or -ENOBUFS when the ring is full (m freed, counted). */
int dp_inject(struct rte_mbuf *m);

/* Allocate the worker's tx buffers. Main lcore, before launch. */
int worker_setup_tx(struct worker *w);

/* One pass of the loop without the RCU report and accounting: rx and
 * dispatch, hand-offs, injected frames, tx flush, frees. Returns the number
 * of packets handled. Exposed for unit tests, which drive a worker by hand. */
unsigned worker_poll_once(struct worker *w);

/* The worker loop; lcore entry point. arg: struct worker *. */
int worker_main(void *arg);

#endif
