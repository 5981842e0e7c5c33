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

#define CFG_MAX_TEST_SERVICES 8

enum cfg_test_service { CFG_SVC_ECHO = 1, CFG_SVC_DISCARD };

struct cfg_tcp {
	uint32_t max_conns;        /* per worker */
	uint32_t rcvbuf;           /* receive queue bytes per connection */
	uint32_t sndbuf;           /* send queue bytes per connection */
	uint32_t ooo_max;          /* out-of-order segments per connection */
	uint32_t rto_min_ms;
	uint32_t delack_ms;
	uint32_t time_wait_ms;     /* TIME-WAIT and FIN-WAIT-2 */
	uint32_t challenge_acks;   /* per second and worker (RFC 5961 7) */
	uint32_t syn_backlog;      /* half-open per worker before SYN cookies engage */
	uint32_t max_half_open_per_src;  /* per worker and source address; 0: off */
	uint32_t max_conns_per_src;      /* all states, per worker and source; 0: off */
	bool syn_cookies;          /* false: SYNs beyond syn_backlog are dropped */
	uint8_t nservices;
	struct { uint16_t port; uint8_t kind; } service[CFG_MAX_TEST_SERVICES];
};

struct snapshot {
	uint64_t generation;       /* 0: the empty boot snapshot */
	uint16_t nports;           /* ports the dataplane has */
	struct cfg_port port[CFG_MAX_PORTS];
	struct cfg_neigh neigh;
	bool icmp_echo;
	struct cfg_tcp tcp;
	char *source;              /* the accepted document, compact JSON */
};

#endif
