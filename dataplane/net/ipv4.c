/* SPDX-License-Identifier: Proprietary
 * IPv4 (RFC 791, RFC 1122 3.2.1): full header validation, local delivery,
 * and output through the neighbour table. We are a host, not a router:
 * packets for other addresses are dropped and counted.
 */
#include <sys/socket.h>
#include <rte_ip.h>

#include "worker.h"
#include "config/config.h"
#include "net/neigh.h"
#include "net/net.h"
#include "tcp/tcp.h"

/* RFC 1122 3.2.1.3: sources that must never appear on the wire. */
static inline bool
martian_src(const struct cfg_port *p, uint32_t be)
{
	uint32_t a = rte_be_to_cpu_32(be);
	uint8_t first = a >> 24;

	return first == 0 || first == 127 || first >= 224 ||
	       cfg_port_has4(p, be) || cfg_port_bcast4(p, be);
}

void
ipv4_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint16_t hlen, total;

	worker_count(w, CNT_IPV4_RX);
	if (unlikely(len < sizeof(*ip))) {
		worker_drop(w, m, CNT_IPV4_DROP_TRUNCATED);
		return;
	}
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		worker_drop(w, m, CNT_IPV4_DROP_BAD_VERSION);
		return;
	}
	hlen = rte_ipv4_hdr_len(ip);
	if (unlikely(hlen < sizeof(*ip) || hlen > len)) {
		worker_drop(w, m, CNT_IPV4_DROP_BAD_IHL);
		return;
	}
	total = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(total < hlen)) {
		worker_drop(w, m, CNT_IPV4_DROP_BAD_LENGTH);
		return;
	}
	if (unlikely(total > len)) {
		worker_drop(w, m, CNT_IPV4_DROP_TRUNCATED);
		return;
	}
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    unlikely(rte_raw_cksum(ip, hlen) != 0xffff)) {
		worker_drop(w, m, CNT_IPV4_DROP_BAD_CHECKSUM);
		return;
	}
	if (unlikely(hlen != sizeof(*ip))) {
		worker_drop(w, m, CNT_IPV4_DROP_OPTIONS);
		return;
	}
	if (unlikely(ipv4_is_fragment(ip))) {
		worker_drop(w, m, CNT_IPV4_DROP_FRAGMENT);
		return;
	}
	if (unlikely(ip->time_to_live == 0)) {
		worker_drop(w, m, CNT_IPV4_DROP_TTL);
		return;
	}
	if (unlikely(martian_src(p, ip->src_addr))) {
		worker_drop(w, m, CNT_IPV4_DROP_BAD_SRC);
		return;
	}
	if (unlikely(!cfg_port_has4(p, ip->dst_addr))) {
		worker_drop(w, m, CNT_IPV4_DROP_NOT_FOR_US);
		return;
	}
	/* Ethernet pads short frames: cut the packet to its own length. */
	if (total < len)
		rte_pktmbuf_trim(m, len - total);
	worker_count(w, CNT_IPV4_RX_LOCAL);
	m->l3_len = hlen;
	switch (ip->next_proto_id) {
	case IPPROTO_ICMP:
		rte_pktmbuf_adj(m, hlen);
		icmp_input(w, m, p);
		return;
	case IPPROTO_TCP:
		rte_pktmbuf_adj(m, hlen);
		tcp_input(w, m, p, AF_INET);
		return;
	default:
		worker_drop(w, m, CNT_IPV4_DROP_NO_PROTO);
		return;
	}
}

void
ipv4_output(struct worker *w, struct rte_mbuf *m, uint16_t port)
{
	const struct cfg_port *p = &w->snap->port[port];
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t nexthop = ip->dst_addr;

	if (!cfg_port_onlink4(p, nexthop)) {
		if (unlikely(!p->has_gw4)) {
			worker_drop(w, m, CNT_IPV4_DROP_NO_ROUTE);
			return;
		}
		nexthop = p->gw4;
	}
	worker_count(w, CNT_IPV4_TX);
	neigh_output(w, m, port, AF_INET, &nexthop, RTE_ETHER_TYPE_IPV4);
}
