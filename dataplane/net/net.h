/* SPDX-License-Identifier: Proprietary
 * Entry points of the network layers. Every *_input takes ownership of the
 * mbuf: it transmits, hands on, or drops it with a named counter.
 * All run on a worker lcore and never block.
 */
#ifndef RAMPART_NET_H
#define RAMPART_NET_H

#include <rte_ip.h>
#include <rte_mbuf.h>

/* More-fragments set or a non-zero offset (RFC 791). */
static inline bool
ipv4_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

struct worker;
struct cfg_port;

/* m->data_off at the Ethernet header, m->port the input port. */
void eth_input(struct worker *w, struct rte_mbuf *m);
/* m->data_off past the Ethernet header (l2_len set). */
void arp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p);
void ipv4_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p);
void ipv6_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p);
/* m->data_off at the ICMP header, l3_len set; the IP header is just before. */
void icmp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p);
/* m->data_off at the ICMPv6 header, l3_len set; the IPv6 header (without
 * extension headers) is just before, the Ethernet header before that. */
void icmp6_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p);

/* Send an IPv4 packet (m->data_off at the IP header, checksum filled) out of
 * port: picks the next hop (on-link or the port's gateway) and resolves it. */
void ipv4_output(struct worker *w, struct rte_mbuf *m, uint16_t port);
/* Send an IPv6 packet (m->data_off at the IPv6 header, checksums filled) out
 * of port: multicast destinations go to their 33:33 group directly; unicast
 * ones to the destination when on-link (link-local or in one of the port's
 * prefixes), else to the port's gateway, through the neighbour table. */
void ipv6_output(struct worker *w, struct rte_mbuf *m, uint16_t port);

#endif
