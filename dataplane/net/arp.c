/* SPDX-License-Identifier: Proprietary
 * ARP (RFC 826): answer for our addresses on the worker, tell the main lcore
 * what we learned, build requests for the neighbour state machine.
 */
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_ether.h>

#include "worker.h"
#include "config/config.h"
#include "net/arp.h"
#include "net/neigh.h"
#include "net/net.h"
#include "port/port.h"

static bool
bad_sender_ip(uint32_t be)
{
	uint32_t a = rte_be_to_cpu_32(be);
	uint8_t first = a >> 24;

	return first == 127 || first >= 224 || (first == 0 && a != 0);
}

void
arp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p)
{
	struct rte_arp_hdr *arp = rte_pktmbuf_mtod(m, struct rte_arp_hdr *);
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)sizeof(*eth));
	struct rte_arp_ipv4 *a = &arp->arp_data;
	uint16_t op;
	bool for_us;

	worker_count(w, CNT_ARP_RX);
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*arp))) {
		worker_drop(w, m, CNT_ARP_DROP_TRUNCATED);
		return;
	}
	if (unlikely(arp->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
		     arp->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		     arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)) {
		worker_drop(w, m, CNT_ARP_DROP_BAD_FORMAT);
		return;
	}
	op = rte_be_to_cpu_16(arp->arp_opcode);
	if (unlikely(op != RTE_ARP_OP_REQUEST && op != RTE_ARP_OP_REPLY)) {
		worker_drop(w, m, CNT_ARP_DROP_BAD_OP);
		return;
	}
	/* A sender MAC that is not the frame's source is a poisoning attempt
	 * or a proxy we do not support; either way we do not learn from it. */
	if (unlikely(!rte_is_unicast_ether_addr(&a->arp_sha) ||
		     rte_is_zero_ether_addr(&a->arp_sha) ||
		     !rte_is_same_ether_addr(&a->arp_sha, &eth->src_addr) ||
		     bad_sender_ip(a->arp_sip) || cfg_port_has4(p, a->arp_sip) ||
		     cfg_port_bcast4(p, a->arp_sip))) {
		worker_drop(w, m, CNT_ARP_DROP_BAD_SENDER);
		return;
	}
	for_us = cfg_port_has4(p, a->arp_tip);

	if (op == RTE_ARP_OP_REQUEST) {
		worker_count(w, CNT_ARP_RX_REQUEST);
		if (!for_us) {
			/* Gratuitous ARP (sender == target) refreshes a known entry. */
			if (a->arp_sip == a->arp_tip && a->arp_sip != 0)
				neigh_learn(w, m->port, AF_INET, &a->arp_sip, &a->arp_sha,
					    NEIGH_F_OVERRIDE);
			worker_drop(w, m, a->arp_sip == a->arp_tip ? CNT_ARP_IGNORED
								   : CNT_ARP_DROP_NOT_FOR_US);
			return;
		}
		/* Sender IP 0 is an RFC 5227 probe: answer, learn nothing. */
		if (a->arp_sip != 0 && cfg_port_onlink4(p, a->arp_sip))
			neigh_learn(w, m->port, AF_INET, &a->arp_sip, &a->arp_sha,
				    NEIGH_F_CREATE | NEIGH_F_OVERRIDE);

		/* Turn the request into the reply in place. */
		struct rte_ether_hdr *reth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*reth));
		uint32_t tip = a->arp_tip;

		rte_ether_addr_copy(&a->arp_sha, &reth->dst_addr);
		rte_ether_addr_copy(&port_info[m->port].mac, &reth->src_addr);
		arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
		a->arp_tha = a->arp_sha;
		a->arp_tip = a->arp_sip;
		rte_ether_addr_copy(&port_info[m->port].mac, &a->arp_sha);
		a->arp_sip = tip;
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - sizeof(*reth) - sizeof(*arp));
		worker_count(w, CNT_ARP_TX_REPLY);
		worker_tx(w, m);
		return;
	}

	worker_count(w, CNT_ARP_RX_REPLY);
	if (for_us && cfg_port_onlink4(p, a->arp_sip))
		neigh_learn(w, m->port, AF_INET, &a->arp_sip, &a->arp_sha,
			    NEIGH_F_CONFIRM | NEIGH_F_OVERRIDE);
	worker_drop(w, m, CNT_ARP_IGNORED);
}

struct rte_mbuf *
arp_build_request(struct rte_mempool *pool, uint16_t port, const struct cfg_port *p,
		  uint32_t target, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m;
	uint32_t sip;

	if (p->n4 == 0)
		return NULL;
	sip = p->v4[0].addr;
	for (unsigned i = 0; i < p->n4; i++)
		if ((target & p->v4[i].mask) == (p->v4[i].addr & p->v4[i].mask))
			sip = p->v4[i].addr;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (dst)
		rte_ether_addr_copy(dst, &eth->dst_addr);
	else
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&port_info[port].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&port_info[port].mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = target;
	m->port = port;
	return m;
}
