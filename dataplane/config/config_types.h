/* SPDX-License-Identifier: Proprietary
 * The dataplane's configuration snapshot: immutable once published.
 *
 * A snapshot is built by the main lcore from a validated config document,
 * published with one atomic pointer store, read by workers at the top of each
 * burst, and freed only after every worker has passed a quiescent state
 * (config/snapshot.c). Nothing in it points outside itself, so a worker that
 * holds the pointer for one burst needs no other protection.
 */
#ifndef RAMPART_CONFIG_TYPES_H
#define RAMPART_CONFIG_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>

#define CFG_MAX_PORTS       8
#define CFG_MAX_ADDRS       8   /* per family and port */
#define CFG_NAME_MAX        32

struct cfg_addr4 {
	uint32_t addr;   /* network order */
	uint32_t mask;   /* network order */
	uint8_t plen;
};

struct cfg_addr6 {
	uint8_t addr[16];
	uint8_t plen;
};

struct cfg_port {
	bool configured;
	char name[CFG_NAME_MAX];
	uint16_t mtu;
	uint8_t n4, n6;
	struct cfg_addr4 v4[CFG_MAX_ADDRS];
	struct cfg_addr6 v6[CFG_MAX_ADDRS];
	bool has_gw4, has_gw6;
	uint32_t gw4;              /* network order */
	uint8_t gw6[16];
	/* Filled by the dataplane from the device, not from the document. */
	struct rte_ether_addr mac;
	uint8_t ll6[16];           /* link-local address derived from mac (EUI-64) */
};

struct cfg_neigh {
	uint32_t reachable_ms;     /* REACHABLE lasts this long without confirmation */
	uint32_t retrans_ms;       /* between solicitations */
	uint32_t probes;           /* solicitations before giving up */
	uint32_t pending_max;      /* packets held per unresolved neighbour */
	uint32_t entries_max;      /* neighbours in the table */
};

struct snapshot {
	uint64_t generation;       /* 0: the empty boot snapshot */
	uint16_t nports;           /* ports the dataplane has */
	struct cfg_port port[CFG_MAX_PORTS];
	struct cfg_neigh neigh;
	bool icmp_echo;
	char *source;              /* the accepted document, compact JSON */
};

#endif
