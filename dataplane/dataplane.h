/* SPDX-License-Identifier: Proprietary
 * The dataplane process: what the main lcore owns and what workers may read.
 *
 * Threads: the main lcore (management: control channel, neighbour state
 * machine, snapshot swaps, RCU reclaim), one worker per worker lcore (fast
 * path), and DPDK's telemetry thread (read-only exports).
 */
#ifndef RAMPART_DATAPLANE_H
#define RAMPART_DATAPLANE_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_rcu_qsbr.h>
#include <rte_log.h>

#include "config/config_types.h"
#include "stats/counters.h"

#define MAX_WORKERS 16

struct worker;
struct neigh_table;

struct dataplane {
	unsigned nworkers;
	struct worker *workers[MAX_WORKERS];
	uint16_t nports;
	struct rte_mempool *pool;

	/* Workers read this at the top of each burst (acquire); only the main
	 * lcore stores it (release). */
	struct snapshot *active;
	uint64_t generation;          /* of active, for readers outside RCU */
	struct rte_rcu_qsbr *qsv;     /* one thread id per worker */

	/* Workers -> main, struct punt_msg. Two rings so that a flood of
	 * packets waiting for resolution cannot crowd out the ARP/ND answers
	 * that would resolve them: the main lcore drains `learn` first. */
	struct rte_ring *learn;       /* PUNT_LEARN */
	struct rte_ring *punt;        /* PUNT_RESOLVE, with the packet */
	struct neigh_table *neigh;

	uint32_t idle_sleep_us;       /* 0: pure polling */
	/* The largest port MTU the config may set (rampart-dp --max-mtu; 0
	 * before dp_init: PORT_MTU_DEFAULT). It sizes the packet mbufs, so it
	 * is fixed at boot (port/port.h). */
	uint16_t max_mtu;
	volatile bool quit;
};

extern struct dataplane dp;
/* Counters of the main lcore (neighbour state machine, control channel). */
extern struct counters main_counters;
extern int rampart_logtype;

#define LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, rampart_logtype, "rampart: " fmt "\n", ##__VA_ARGS__)

/* Create the pool, RCU variable, punt ring, neighbour table, ports, workers
 * (one per entry of lcores) and the boot snapshot; dp.nports comes from the
 * probed devices. Returns 0 or -errno after logging why. Main lcore, after
 * rte_eal_init. On failure call dp_fini(). */
int dp_init(const unsigned *lcores, unsigned nworkers);

/* Release everything dp_init created; the workers must have stopped. */
void dp_fini(void);

static inline const struct snapshot *
dp_snapshot(void)
{
	return __atomic_load_n(&dp.active, __ATOMIC_ACQUIRE);
}

#endif
