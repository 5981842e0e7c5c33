/* SPDX-License-Identifier: Proprietary
 * Ethernet: accept frames for our MAC, broadcast, and the IPv6 multicast
 * groups ND needs; dispatch by EtherType.
 */
#include <rte_ether.h>

#include "worker.h"
#include "net/net.h"
#include "port/port.h"

/* 33:33:xx:xx:xx:xx is IPv6 multicast (RFC 2464 7). We accept all-nodes and
 * the solicited-node groups (33:33:ff:...); the IPv6 layer checks the group
 * against our addresses. */
static inline bool
ipv6_mcast_accepted(const struct rte_ether_addr *a)
{
	const uint8_t *b = a->addr_bytes;

	return b[0] == 0x33 && b[1] == 0x33 &&
	       (b[2] == 0xff || (b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 1));
}

void
eth_input(struct worker *w, struct rte_mbuf *m)
{
	const struct cfg_port *p = &w->snap->port[m->port];
	const struct rte_ether_hdr *eth;
	uint16_t type;

	worker_count(w, CNT_ETH_RX);
	if (unlikely(!p->configured)) {
		worker_drop(w, m, CNT_PORT_DROP_NO_CONFIG);
		return;
	}
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eth))) {
		worker_drop(w, m, CNT_ETH_DROP_TRUNCATED);
		return;
	}
	if (unlikely(m->nb_segs != 1)) {
		worker_drop(w, m, CNT_ETH_DROP_MULTISEG);
		return;
	}
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, &port_info[m->port].mac) &&
		     !rte_is_broadcast_ether_addr(&eth->dst_addr) &&
		     !ipv6_mcast_accepted(&eth->dst_addr))) {
		worker_drop(w, m, CNT_ETH_DROP_NOT_FOR_US);
		return;
	}
	if (unlikely(rte_is_multicast_ether_addr(&eth->src_addr) ||
		     rte_is_zero_ether_addr(&eth->src_addr))) {
		worker_drop(w, m, CNT_ETH_DROP_BAD_SRC);
		return;
	}
	type = rte_be_to_cpu_16(eth->ether_type);
	m->l2_len = sizeof(*eth);
	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		rte_pktmbuf_adj(m, sizeof(*eth));
		ipv4_input(w, m, p);
		return;
	case RTE_ETHER_TYPE_IPV6:
		rte_pktmbuf_adj(m, sizeof(*eth));
		ipv6_input(w, m, p);
		return;
	case RTE_ETHER_TYPE_ARP:
		rte_pktmbuf_adj(m, sizeof(*eth));
		arp_input(w, m, p);
		return;
	case RTE_ETHER_TYPE_VLAN:
	case RTE_ETHER_TYPE_QINQ:
		worker_drop(w, m, CNT_ETH_DROP_VLAN);
		return;
	default:
		worker_drop(w, m, CNT_ETH_DROP_UNKNOWN_TYPE);
		return;
	}
}
