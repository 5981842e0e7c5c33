/* SPDX-License-Identifier: Proprietary
 * Deterministic impairment of a port's traffic, for tests (VPP's nsim is the
 * model): per port and direction, loss, duplication, reordering by holding a
 * frame back for a delay, corruption (one byte of the IP payload flipped, so
 * the TCP/UDP checksum catches it) and an optional rate limit.
 *
 * Enabled only by the "impairment" member of a test configuration
 * (struct cfg_impair in the snapshot). Every decision comes from a PRNG
 * seeded from the rule's seed, the worker id, the port and the direction,
 * so the same seed and the same frames give the same decisions: a failing
 * run replays.
 *
 * Only IPv4 and IPv6 frames are impaired: ARP passes untouched so that a
 * loss test measures TCP, not neighbour-resolution timers.
 *
 * Held frames (reordered or rate-shaped) stay in their mbufs in a bounded
 * per-worker min-heap ordered by release TSC (ties in arrival order); the
 * worker loop releases them. A full heap drops the frame (counted).
 *
 * Cost when off: the worker tests one bit mask per rx burst and per tx frame.
 * Everything here runs on the owning worker; nothing is shared.
 */
#ifndef RAMPART_IMPAIR_H
#define RAMPART_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "config/config_types.h"
#include "stats/counters.h"

#define IMPAIR_QUEUE_MAX        4096  /* held frames per worker */
#define IMPAIR_RATE_BACKLOG_MS  100   /* the shaper holds at most this much */

/* The state of one port and direction on one worker. */
struct impair_dir {
	bool on;
	struct cfg_impair rule;
	uint64_t rng;              /* splitmix64 state */
	uint64_t reorder_tsc;      /* rule.reorder_delay_ms in TSC cycles */
	uint64_t backlog_tsc;      /* IMPAIR_RATE_BACKLOG_MS in TSC cycles */
	uint64_t next_free_tsc;    /* the shaper's line is busy until then */
};

/* A frame held back. */
struct impair_held {
	uint64_t due_tsc;
	uint64_t seq;              /* arrival order, breaks ties */
	struct rte_mbuf *m;
	uint16_t port;
	uint8_t dir;               /* enum cfg_impair_dir */
	bool dispatch;             /* rx: the queue it came from needs the dispatcher */
};

struct impair {
	uint64_t gen;              /* snapshot generation configured from */
	uint32_t rx_ports, tx_ports;  /* bit p: port p has an active rule */
	uint64_t tsc_hz;
	uint64_t seq;
	uint32_t nheld;
	struct impair_dir d[CFG_MAX_PORTS][2];
	struct impair_held heap[IMPAIR_QUEUE_MAX];
};

/* Follow snapshot s: (re)seed the rules of worker worker_id, clear the rest.
 * Held frames stay held and are released on time. tsc_hz: TSC frequency. */
void impair_configure(struct impair *im, const struct snapshot *s, unsigned worker_id,
		      uint64_t tsc_hz);

/* Impair one frame of port in direction dir at TSC now. Frames to pass on
 * now are written to out (0, 1 or 2 with a duplicate); the rest are dropped
 * (freed) or held; each outcome is counted in cnt. dispatch is kept with a
 * held rx frame for its release. Returns the number written to out. */
unsigned impair_frame(struct impair *im, struct counters *cnt, uint16_t port,
		      enum cfg_impair_dir dir, bool dispatch, struct rte_mbuf *m,
		      uint64_t now, struct rte_mbuf *out[2]);

/* Take the earliest held frame due by now into *out. Returns false when
 * none is due. */
bool impair_pop_due(struct impair *im, uint64_t now, struct impair_held *out);

/* Free every held frame (shutdown, tests). */
void impair_drain(struct impair *im);

#endif
