/* SPDX-License-Identifier: Proprietary
 * Per-worker counters: every drop has a name.
 *
 * Each layer lists its counters once in <layer>_counters.def as
 *   COUNTER(LAYER, SYMBOL, "name", severity, "what it counts")
 * This header expands those lists into one flat enum (CNT_<LAYER>_<SYMBOL>),
 * the descriptor table the telemetry and the control plane read, and the
 * per-worker array. Severity says how an operator should read a non-zero
 * value: INFO is traffic, DROP is a refused input, ERROR is our own failure.
 *
 * Writers: only the owning worker (plain increments). Readers: the main lcore
 * and the telemetry thread, with relaxed atomic loads (a sum may be a few
 * packets behind, never torn on 64-bit targets).
 */
#ifndef RAMPART_COUNTERS_H
#define RAMPART_COUNTERS_H

#include <stdint.h>
#include <rte_common.h>

enum cnt_severity { CNT_INFO, CNT_DROP, CNT_ERROR };

enum cnt_id {
#define COUNTER(layer, sym, name, sev, text) CNT_##layer##_##sym,
#include "port/port_counters.def"
#include "port/impair_counters.def"
#include "net/eth_counters.def"
#include "net/arp_counters.def"
#include "net/ipv4_counters.def"
#include "net/icmp_counters.def"
#include "net/ipv6_counters.def"
#include "net/icmp6_counters.def"
#include "net/neigh_counters.def"
#include "ctl/ctl_counters.def"
#include "tcp/tcp_counters.def"
#include "proxy/proxy_counters.def"
#include "proxy/waf_counters.def"
#undef COUNTER
	CNT__MAX
};

struct cnt_desc {
	const char *layer;   /* "eth", "ipv4", ... */
	const char *name;    /* "drop_bad_checksum" */
	enum cnt_severity severity;
	const char *text;
};

extern const struct cnt_desc cnt_desc[CNT__MAX];

struct counters {
	uint64_t v[CNT__MAX];
} __rte_cache_aligned;

static inline void
cnt_add(struct counters *c, enum cnt_id id, uint64_t n)
{
	__atomic_store_n(&c->v[id], c->v[id] + n, __ATOMIC_RELAXED);
}

static inline uint64_t
cnt_read(const struct counters *c, enum cnt_id id)
{
	return __atomic_load_n(&c->v[id], __ATOMIC_RELAXED);
}

/* Layers in the order their counters appear, for grouping in exports. */
unsigned cnt_layer_count(void);
const char *cnt_layer_name(unsigned i);

#endif
