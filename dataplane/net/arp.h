/* SPDX-License-Identifier: Proprietary */
#ifndef RAMPART_ARP_H
#define RAMPART_ARP_H

#include <stdint.h>
#include <rte_ether.h>
#include <rte_mempool.h>

struct cfg_port;

/* Build an ARP request for target (network order) from one of the port's
 * addresses (the one whose subnet holds the target, else the first).
 * dst NULL: broadcast; else unicast to dst (probing a known neighbour).
 * Returns a complete frame with m->port set, or NULL (no IPv4 address on the
 * port, or no mbuf). Main lcore. */
struct rte_mbuf *arp_build_request(struct rte_mempool *pool, uint16_t port,
				   const struct cfg_port *p, uint32_t target,
				   const struct rte_ether_addr *dst);

#endif
