/* SPDX-License-Identifier: Proprietary
 * IPv6 (RFC 8200, RFC 4291): header validation, local delivery to ICMPv6,
 * and output through the neighbour table or straight to a multicast group.
 * We are a host, not a router: packets for other addresses are dropped and
 * counted. Extension headers are refused by policy until a layer needs them.
 */
#include <netinet/in.h>
#include <sys/socket.h>
#include <rte_ip.h>

#include "worker.h"
#include "net/icmp6.h"
#include "net/neigh.h"
#include "net/net.h"
#include "port/port.h"
#include "tcp/tcp.h"

/* IANA "IPv6 Extension Header Types" (RFC 7045 list), fragments apart. */
static inline bool
is_ext_header(uint8_t nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:   /* 0 */
	case IPPROTO_ROUTING:   /* 43 */
	case IPPROTO_ESP:       /* 50 */
	case IPPROTO_AH:        /* 51 */
	case IPPROTO_DSTOPTS:   /* 60 */
	case 135:               /* mobility */
	case 139:               /* HIP */
	case 140:               /* shim6 */
	case 253: case 254:     /* experiments (RFC 3692) */
		return true;
	default:
		return false;
	}
}

/* RFC 4291 2.5.2, 2.5.3, 2.5.5.2, 2.7: sources that must never appear on the
 * wire, and our own addresses looped back to us. The unspecified source is
 * the caller's business (DAD). */
static inline bool
martian_src(const struct cfg_port *p, const uint8_t a[16])
{
	return ip6_is_mcast(a) || ip6_is_loopback(a) || ip6_is_v4mapped(a) ||
	       cfg_port_has6(p, a);
}

/* Only a neighbour solicitation may come from :: (RFC 4861 7.2.2, DAD); the
 * ICMPv6 layer checks the rest of the rules. */
static inline bool
dad_solicit(const struct rte_ipv6_hdr *ip, uint16_t plen)
{
	return ip->proto == IPPROTO_ICMPV6 && plen >= 1 &&
	       *(const uint8_t *)(ip + 1) == ND_NEIGHBOR_SOLICIT;
}

void
ipv6_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)sizeof(*eth));
	uint32_t len = rte_pktmbuf_data_len(m);
	uint16_t plen;
	bool mcast;

	worker_count(w, CNT_IPV6_RX);
	if (unlikely(len < sizeof(*ip))) {
		worker_drop(w, m, CNT_IPV6_DROP_TRUNCATED);
		return;
	}
	if (unlikely((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6)) {
		worker_drop(w, m, CNT_IPV6_DROP_BAD_VERSION);
		return;
	}
	plen = rte_be_to_cpu_16(ip->payload_len);
	if (unlikely(sizeof(*ip) + plen > len)) {
		worker_drop(w, m, CNT_IPV6_DROP_TRUNCATED);
		return;
	}
	if (unlikely(ip->hop_limits == 0)) {
		worker_drop(w, m, CNT_IPV6_DROP_HOP_LIMIT);
		return;
	}
	if (unlikely(martian_src(p, ip->src_addr) ||
		     (ip6_is_unspec(ip->src_addr) && !dad_solicit(ip, plen)))) {
		worker_drop(w, m, CNT_IPV6_DROP_BAD_SRC);
		return;
	}
	mcast = ip6_is_mcast(ip->dst_addr);
	if (unlikely(mcast ? !cfg_port_joined6(p, ip->dst_addr)
			   : !cfg_port_has6(p, ip->dst_addr))) {
		worker_drop(w, m, CNT_IPV6_DROP_NOT_FOR_US);
		return;
	}
	/* eth.c let in every solicited-node group: the frame must be for the
	 * group the packet is for, and a unicast packet must come unicast. */
	if (mcast) {
		struct rte_ether_addr group;

		ip6_mcast_mac(ip->dst_addr, &group);
		if (unlikely(!rte_is_same_ether_addr(&group, &eth->dst_addr))) {
			worker_drop(w, m, CNT_IPV6_DROP_L2_MISMATCH);
			return;
		}
	} else if (unlikely(!rte_is_unicast_ether_addr(&eth->dst_addr))) {
		worker_drop(w, m, CNT_IPV6_DROP_L2_MISMATCH);
		return;
	}
	if (unlikely(ip->proto == IPPROTO_FRAGMENT)) {
		worker_drop(w, m, CNT_IPV6_DROP_FRAGMENT);
		return;
	}
	if (unlikely(is_ext_header(ip->proto))) {
		worker_drop(w, m, CNT_IPV6_DROP_EXT_HEADER);
		return;
	}
	/* Ethernet pads short frames: cut the packet to its own length. */
	if (sizeof(*ip) + plen < len)
		rte_pktmbuf_trim(m, len - sizeof(*ip) - plen);
	worker_count(w, CNT_IPV6_RX_LOCAL);
	if (mcast)
		worker_count(w, CNT_IPV6_RX_MCAST);
	m->l3_len = sizeof(*ip);
	switch (ip->proto) {
	case IPPROTO_ICMPV6:
		rte_pktmbuf_adj(m, sizeof(*ip));
		icmp6_input(w, m, p);
		return;
	case IPPROTO_TCP:
		rte_pktmbuf_adj(m, sizeof(*ip));
		tcp_input(w, m, p, AF_INET6);
		return;
	default:
		worker_drop(w, m, CNT_IPV6_DROP_NO_PROTO);
		return;
	}
}

void
ipv6_output(struct worker *w, struct rte_mbuf *m, uint16_t port)
{
	const struct cfg_port *p = &w->snap->port[port];
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const uint8_t *nexthop = ip->dst_addr;

	if (ip6_is_mcast(ip->dst_addr)) {
		struct rte_ether_hdr *eth;

		eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
		if (unlikely(eth == NULL)) {
			worker_drop(w, m, CNT_IPV6_ERR_NO_HEADROOM);
			return;
		}
		/* ip is still valid: prepend only moves data_off. */
		ip6_mcast_mac(ip->dst_addr, &eth->dst_addr);
		rte_ether_addr_copy(&port_info[port].mac, &eth->src_addr);
		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		m->port = port;
		worker_count(w, CNT_IPV6_TX);
		worker_tx(w, m);
		return;
	}
	if (!cfg_port_onlink6(p, nexthop)) {
		if (unlikely(!p->has_gw6)) {
			worker_drop(w, m, CNT_IPV6_DROP_NO_ROUTE);
			return;
		}
		nexthop = p->gw6;
	}
	worker_count(w, CNT_IPV6_TX);
	/* nexthop may point into ip: the Ethernet header neigh_output prepends
	 * does not overlap the addresses. */
	neigh_output(w, m, port, AF_INET6, nexthop, RTE_ETHER_TYPE_IPV6);
}
