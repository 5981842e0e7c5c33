/* SPDX-License-Identifier: Proprietary
 * The worker loop: load snapshot, rx (and dispatch), hand-offs, injected
 * frames, buffered tx, batched frees, RCU quiescent state, busy/idle
 * accounting. One pass is one burst; nothing in it blocks.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "worker.h"
#include "net/net.h"
#include "port/port.h"
#include "tcp/tcp.h"
#include "proxy/proxy.h"

#define IDLE_LOOPS_BEFORE_SLEEP 64

static inline void
tx_now(struct worker *w, struct rte_mbuf *m)
{
	uint16_t sent = rte_eth_tx_buffer(m->port, w->id, w->txb[m->port], m);

	if (sent)
		cnt_add(&w->cnt, CNT_PORT_TX, sent);
}

void
worker_tx(struct worker *w, struct rte_mbuf *m)
{
	if (unlikely(w->impair.tx_ports & (1u << m->port))) {
		struct rte_mbuf *out[2];
		unsigned n = impair_frame(&w->impair, &w->cnt, m->port, CFG_IMPAIR_TX, false,
					  m, rte_rdtsc(), out);

		for (unsigned i = 0; i < n; i++)
			tx_now(w, out[i]);
		return;
	}
	tx_now(w, m);
}

static void
process(struct worker *w, struct rte_mbuf **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eth_input(w, pkts[i]);
	}
}

/* Software dispatch: keep our own flows, batch the rest per owner. */
static void
dispatch(struct worker *w, struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mbuf *mine[BURST_SIZE], *out[MAX_WORKERS][BURST_SIZE];
	unsigned nmine = 0, nout[MAX_WORKERS] = { 0 };

	for (unsigned i = 0; i < n; i++) {
		unsigned owner = port_owner(port_flow_hash(pkts[i]));

		if (owner == w->id)
			mine[nmine++] = pkts[i];
		else
			out[owner][nout[owner]++] = pkts[i];
	}
	for (unsigned o = 0; o < dp.nworkers; o++) {
		unsigned sent;

		if (nout[o] == 0)
			continue;
		sent = rte_ring_sp_enqueue_burst(w->handoff_out[o], (void **)out[o],
						 nout[o], NULL);
		cnt_add(&w->cnt, CNT_PORT_HANDOFF_OUT, sent);
		for (unsigned i = sent; i < nout[o]; i++)
			worker_drop(w, out[o][i], CNT_PORT_HANDOFF_DROP_FULL);
	}
	process(w, mine, nmine);
}

/* Rx impairment of one burst, then on as usual with what is left (up to
 * twice the burst with duplicates: handed on a burst at a time). */
static void
impair_rx(struct worker *w, const struct worker_rxq *rq, struct rte_mbuf **pkts, unsigned n)
{
	struct rte_mbuf *kept[2 * BURST_SIZE];
	uint64_t now = rte_rdtsc();
	unsigned nkept = 0;

	for (unsigned i = 0; i < n; i++)
		nkept += impair_frame(&w->impair, &w->cnt, rq->port, CFG_IMPAIR_RX, rq->dispatch,
				      pkts[i], now, &kept[nkept]);
	for (unsigned i = 0; i < nkept; i += BURST_SIZE) {
		unsigned chunk = RTE_MIN(nkept - i, (unsigned)BURST_SIZE);

		if (rq->dispatch)
			dispatch(w, &kept[i], chunk);
		else
			process(w, &kept[i], chunk);
	}
}

/* Release held frames whose time has come, each where it was going. */
static unsigned
impair_release(struct worker *w)
{
	uint64_t now = rte_rdtsc();
	struct impair_held h;
	unsigned n = 0;

	while (n < BURST_SIZE && impair_pop_due(&w->impair, now, &h)) {
		n++;
		if (h.dir == CFG_IMPAIR_TX)
			tx_now(w, h.m);
		else if (h.dispatch)
			dispatch(w, &h.m, 1);
		else
			process(w, &h.m, 1);
	}
	return n;
}

static void
tx_error(struct rte_mbuf **unsent, uint16_t count, void *userdata)
{
	struct worker *w = userdata;

	cnt_add(&w->cnt, CNT_PORT_TX_DROP_FULL, count);
	rte_pktmbuf_free_bulk(unsent, count);
}

int
worker_setup_tx(struct worker *w)
{
	for (uint16_t p = 0; p < dp.nports; p++) {
		w->txb[p] = rte_zmalloc_socket("txb", RTE_ETH_TX_BUFFER_SIZE(BURST_SIZE), 0,
					       rte_lcore_to_socket_id(w->lcore));
		if (w->txb[p] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(w->txb[p], BURST_SIZE);
		rte_eth_tx_buffer_set_err_callback(w->txb[p], tx_error, w);
	}
	return 0;
}

unsigned
worker_poll_once(struct worker *w)
{
	struct rte_mbuf *pkts[BURST_SIZE];
	unsigned work = 0, n;

	w->snap = dp_snapshot();
	if (unlikely(w->impair.gen != w->snap->generation))
		impair_configure(&w->impair, w->snap, w->id, rte_get_tsc_hz());
	if (unlikely(w->impair.nheld))
		work += impair_release(w);

	for (unsigned q = 0; q < w->nrxq; q++) {
		const struct worker_rxq *rq = &w->rxq[q];

		n = rte_eth_rx_burst(rq->port, rq->queue, pkts, BURST_SIZE);
		if (n == 0)
			continue;
		work += n;
		cnt_add(&w->cnt, CNT_PORT_RX, n);
		if (unlikely(w->impair.rx_ports & (1u << rq->port))) {
			impair_rx(w, rq, pkts, n);
			continue;
		}
		if (rq->dispatch)
			dispatch(w, pkts, n);
		else
			process(w, pkts, n);
	}
	for (unsigned from = 0; from < dp.nworkers; from++) {
		if (w->handoff_in[from] == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(w->handoff_in[from], (void **)pkts,
					      BURST_SIZE, NULL);
		if (n == 0)
			continue;
		work += n;
		cnt_add(&w->cnt, CNT_PORT_HANDOFF_IN, n);
		process(w, pkts, n);
	}
	n = rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, BURST_SIZE, NULL);
	if (n) {
		work += n;
		cnt_add(&w->cnt, CNT_PORT_INJECT_TX, n);
		for (unsigned i = 0; i < n; i++)
			worker_tx(w, pkts[i]);
	}

	tcp_poll(w);
	proxy_poll(w);

	for (uint16_t p = 0; p < dp.nports; p++) {
		uint16_t sent = rte_eth_tx_buffer_flush(p, w->id, w->txb[p]);

		if (sent)
			cnt_add(&w->cnt, CNT_PORT_TX, sent);
	}
	if (w->nfree) {
		rte_pktmbuf_free_bulk(w->to_free, w->nfree);
		w->nfree = 0;
	}
	w->snap = NULL;
	return work;
}

int
worker_main(void *arg)
{
	struct worker *w = arg;

	rte_rcu_qsbr_thread_register(dp.qsv, w->id);
	rte_rcu_qsbr_thread_online(dp.qsv, w->id);
	LOG(INFO, "worker %u on lcore %u: polling %u rx queue%s", w->id, w->lcore,
	    w->nrxq, w->nrxq == 1 ? "" : "s");

	while (!__atomic_load_n(&dp.quit, __ATOMIC_RELAXED)) {
		uint64_t start = rte_rdtsc();
		unsigned work = worker_poll_once(w);

		rte_rcu_qsbr_quiescent(dp.qsv, w->id);
		w->loops++;
		if (work) {
			w->busy_cycles += rte_rdtsc() - start;
			w->idle_streak = 0;
		} else {
			if (dp.idle_sleep_us && ++w->idle_streak > IDLE_LOOPS_BEFORE_SLEEP)
				rte_delay_us_sleep(dp.idle_sleep_us);
			w->idle_cycles += rte_rdtsc() - start;
		}
	}

	rte_rcu_qsbr_thread_offline(dp.qsv, w->id);
	rte_rcu_qsbr_thread_unregister(dp.qsv, w->id);
	return 0;
}

int
dp_inject(struct rte_mbuf *m)
{
	unsigned owner = port_owner(port_flow_hash(m)) % dp.nworkers;

	if (rte_ring_sp_enqueue(dp.workers[owner]->inject, m) != 0) {
		cnt_add(&main_counters, CNT_NEIGH_DROP_INJECT_FULL, 1);
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}
