/* SPDX-License-Identifier: Proprietary
 * Boot and teardown of the dataplane's shared resources: mbuf pool, RCU
 * variable, punt ring, neighbour table, ports, workers and their rings, and
 * the boot snapshot. Shared by rampart-dp and the unit-test harness.
 */
#include <errno.h>
#include <stdio.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane.h"
#include "worker.h"
#include "tcp/tcp.h"
#include "proxy/proxy.h"
#include "config/snapshot.h"
#include "net/neigh.h"
#include "port/port.h"

#define NEIGH_CAPACITY     16384
#define PUNT_RING_SIZE     4096
#define HANDOFF_RING_SIZE  1024
#define INJECT_RING_SIZE   1024
#define MBUF_CACHE         256

struct dataplane dp;
struct counters main_counters;
int rampart_logtype;

static int
create_workers(const unsigned *lcores)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned id = 0; id < dp.nworkers; id++) {
		unsigned lcore = lcores[id];
		struct worker *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						      rte_lcore_to_socket_id(lcore));

		if (w == NULL)
			return -ENOMEM;
		w->id = id;
		w->lcore = lcore;
		dp.workers[id] = w;
		snprintf(name, sizeof(name), "inject_%u", w->id);
		w->inject = rte_ring_create(name, INJECT_RING_SIZE, rte_lcore_to_socket_id(lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->inject == NULL || worker_setup_tx(w) != 0 || tcp_worker_init(w) != 0 ||
		    proxy_worker_init(w) != 0)
			return -ENOMEM;
	}
	for (unsigned from = 0; from < dp.nworkers; from++) {
		for (unsigned to = 0; to < dp.nworkers; to++) {
			struct rte_ring *r;

			if (from == to)
				continue;
			snprintf(name, sizeof(name), "hoff_%u_%u", from % 100, to % 100);
			r = rte_ring_create(name, HANDOFF_RING_SIZE,
					    rte_lcore_to_socket_id(dp.workers[to]->lcore),
					    RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL)
				return -ENOMEM;
			dp.workers[from]->handoff_out[to] = r;
			dp.workers[to]->handoff_in[from] = r;
		}
	}
	/* Worker w polls queue w of every port that has that many. */
	for (uint16_t p = 0; p < dp.nports; p++) {
		for (unsigned q = 0; q < port_info[p].nrxq; q++) {
			struct worker *w = dp.workers[q];

			w->rxq[w->nrxq++] = (struct worker_rxq){
				.port = p, .queue = q,
				.dispatch = dp.nworkers > 1 && !port_info[p].rss,
			};
		}
	}
	return 0;
}

static void
free_workers(void)
{
	for (unsigned i = 0; i < dp.nworkers; i++) {
		struct worker *w = dp.workers[i];

		if (w == NULL)
			continue;
		proxy_worker_fini(w);
		for (unsigned to = 0; to < dp.nworkers; to++)
			rte_ring_free(w->handoff_out[to]);
		rte_ring_free(w->inject);
		for (uint16_t p = 0; p < dp.nports; p++) {
			if (w->txb[p] == NULL)
				continue;
			rte_pktmbuf_free_bulk(w->txb[p]->pkts, w->txb[p]->length);
			rte_free(w->txb[p]);
		}
		/* Last: unsent frames may reference its send queues' mbufs
		 * through its indirect pool (zero-copy send). */
		tcp_worker_fini(w);
		rte_free(w);
		dp.workers[i] = NULL;
	}
}

static void
drain_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

static void
drain_punt(struct rte_ring *r)
{
	struct punt_msg msg;

	while (r && rte_ring_dequeue_elem(r, &msg, sizeof(msg)) == 0)
		if (msg.kind == PUNT_RESOLVE)
			rte_pktmbuf_free(msg.m);
}

int
dp_init(const unsigned *lcores, unsigned nworkers)
{
	unsigned nmbufs;
	size_t sz;

	dp.nports = rte_eth_dev_count_avail();
	dp.nworkers = nworkers;
	if (dp.nports == 0 || dp.nports > CFG_MAX_PORTS) {
		LOG(ERR, "%u ports found; 1..%d needed (give --vdev or PCI devices)",
		    dp.nports, CFG_MAX_PORTS);
		return -EINVAL;
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS) {
		LOG(ERR, "%u worker lcores; 1..%d needed (e.g. -l 0,1: main on 0, worker on 1)",
		    nworkers, MAX_WORKERS);
		return -EINVAL;
	}

	/* Every rx and tx descriptor of every queue, hand-off and inject rings,
	 * per-lcore caches, the neighbour pending bound, and the frames the
	 * (test-only) impairment stage may hold per worker. */
	nmbufs = dp.nports * nworkers * 2 * 1024 +
		 nworkers * nworkers * HANDOFF_RING_SIZE +
		 nworkers * (INJECT_RING_SIZE + MBUF_CACHE * 2 + IMPAIR_QUEUE_MAX) + 4096 + 4096;
	if (dp.max_mtu == 0)
		dp.max_mtu = PORT_MTU_DEFAULT;
	/* One mbuf holds a whole frame of the largest port MTU. */
	dp.pool = rte_pktmbuf_pool_create("rampart_mbufs", nmbufs, MBUF_CACHE, 0,
					  port_mbuf_data_room(dp.max_mtu), rte_socket_id());
	if (dp.pool == NULL) {
		LOG(ERR, "mbuf pool of %u: %s (more hugepages, or -m with --no-huge)",
		    nmbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	sz = rte_rcu_qsbr_get_memsize(nworkers);
	{
		struct rte_rcu_qsbr *qsv = rte_zmalloc("rampart_qsbr", sz, RTE_CACHE_LINE_SIZE);

		if (qsv == NULL || rte_rcu_qsbr_init(qsv, nworkers) != 0) {
			LOG(ERR, "RCU QSBR init failed");
			rte_free(qsv);
			return -ENOMEM;
		}
		/* Published once ready: port/memif_guard.c reads it. */
		__atomic_store_n(&dp.qsv, qsv, __ATOMIC_RELEASE);
	}
	dp.punt = rte_ring_create_elem("rampart_punt", sizeof(struct punt_msg),
				       PUNT_RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	dp.learn = rte_ring_create_elem("rampart_learn", sizeof(struct punt_msg),
					PUNT_RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	if (dp.punt == NULL || dp.learn == NULL) {
		LOG(ERR, "punt ring: %s", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (neigh_init(NEIGH_CAPACITY) != 0)
		return -ENOMEM;
	if (tcp_global_init() != 0) {
		LOG(ERR, "TCP ISN key: no random bytes");
		return -EIO;
	}
	proxy_global_init();
	if (port_init_all(dp.nports, nworkers, dp.pool) != 0)
		return -EINVAL;
	if (create_workers(lcores) != 0) {
		LOG(ERR, "worker setup failed: out of memory");
		return -ENOMEM;
	}
	return snapshot_boot();
}

void
dp_fini(void)
{
	port_fini_all(dp.nports);
	for (unsigned i = 0; i < dp.nworkers; i++)
		if (dp.workers[i]) {
			drain_ring(dp.workers[i]->inject);
			for (unsigned j = 0; j < dp.nworkers; j++)
				drain_ring(dp.workers[i]->handoff_out[j]);
			impair_drain(&dp.workers[i]->impair);
		}
	drain_punt(dp.punt);
	drain_punt(dp.learn);
	neigh_fini();              /* frames awaiting ARP may hold TCP's mbufs */
	free_workers();
	snapshot_fini();
	rte_ring_free(dp.punt);
	rte_ring_free(dp.learn);
	{
		/* Unpublish before freeing: port/memif_guard.c reads it from
		 * the interrupt thread. */
		struct rte_rcu_qsbr *qsv = __atomic_exchange_n(&dp.qsv, NULL, __ATOMIC_ACQ_REL);

		rte_free(qsv);
	}
	rte_mempool_free(dp.pool);
	dp.punt = NULL;
	dp.learn = NULL;
	dp.pool = NULL;
}
