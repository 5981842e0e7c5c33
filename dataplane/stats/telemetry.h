/* SPDX-License-Identifier: Proprietary
 * Exports through the DPDK telemetry socket (dpdk-telemetry.py):
 *   /rampart/stats            every counter, {layer: {name: sum}}
 *   /rampart/<layer>/stats    one layer's counters, {name: sum}
 *   /rampart/workers          per worker: lcore, busy %, loops, rx, tx
 *   /rampart/neigh            the neighbour table
 *   /rampart/config           the active generation and ports
 * Handlers run on DPDK's telemetry thread and only read.
 */
#ifndef RAMPART_TELEMETRY_H
#define RAMPART_TELEMETRY_H

#include <jansson.h>
#include <stdint.h>
#include "stats/counters.h"

/* Register the commands. Returns 0 or -errno. Main lcore, at boot. */
int telemetry_init(void);

/* Sum of one counter over the workers and the main lcore. Any thread. */
uint64_t stats_sum(enum cnt_id id);

/* The same data as JSON, for the control channel: {layer: {name: n}}. */
json_t *stats_json(void);
json_t *workers_json(void);

#endif
