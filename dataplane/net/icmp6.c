/* SPDX-License-Identifier: Proprietary
 * ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861) for a host: echo
 * replies and neighbour advertisements built in place on the worker, what
 * solicitations and advertisements show handed to the neighbour table, and
 * solicitations built for the neighbour state machine on the main lcore.
 * Router discovery and redirects are counted and dropped: addresses and the
 * gateway come from configuration.
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

#define ICMP6_ECHO_HDR_LEN 8     /* type, code, checksum, identifier, sequence */
#define ND_NA_LEN (sizeof(struct nd_msg) + sizeof(struct nd_opt_lla))

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };

static inline struct rte_ipv6_hdr *
ip6_hdr_before(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
				       -(int)sizeof(struct rte_ipv6_hdr));
}

/* The non-complemented sum of the pseudo-header (RFC 8200 8.1) and the
 * message; 0xffff when a received checksum verifies. ip->payload_len must be
 * len (no extension headers). */
static inline uint16_t
icmp6_sum(const struct rte_ipv6_hdr *ip, const void *msg, uint32_t len)
{
	uint32_t sum = (uint32_t)rte_raw_cksum(msg, len) + rte_ipv6_phdr_cksum(ip, 0);

	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline void
icmp6_fill_cksum(const struct rte_ipv6_hdr *ip, void *msg, uint32_t len,
		 rte_be16_t *cksum)
{
	*cksum = 0;
	*cksum = (rte_be16_t)~icmp6_sum(ip, msg, len);
}

/* Replace one 16-bit word of a checksummed message (RFC 1624 eqn. 3). */
static inline rte_be16_t
cksum_replace16(rte_be16_t hc, uint16_t old, uint16_t new)
{
	uint32_t sum = (~rte_be_to_cpu_16(hc) & 0xffff) + (~old & 0xffff) + new;

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return rte_cpu_to_be_16(~sum & 0xffff);
}

/* Walk the options of an NS or NA (RFC 4861 4.6): each must have a non-zero
 * length and end inside the message. The first option of type `want` must
 * be one unicast Ethernet address (RFC 2464 6); *lla points at it, or is
 * NULL when absent. Options of other types are skipped (RFC 4861 4.6).
 * Returns 0, or -1 when the options are malformed. */
static int
nd_parse_opts(const uint8_t *opt, uint32_t len, uint8_t want,
	      const struct rte_ether_addr **lla)
{
	*lla = NULL;
	while (len > 0) {
		uint32_t olen;

		if (len < 2 || opt[1] == 0)
			return -1;
		olen = opt[1] * 8u;
		if (olen > len)
			return -1;
		if (opt[0] == want && *lla == NULL) {
			const struct nd_opt_lla *o = (const struct nd_opt_lla *)opt;

			if (olen != sizeof(*o) || !rte_is_unicast_ether_addr(&o->mac) ||
			    rte_is_zero_ether_addr(&o->mac))
				return -1;
			*lla = &o->mac;
		}
		opt += olen;
		len -= olen;
	}
	return 0;
}

/* RFC 4861 7.1.1 / 7.1.2 checks common to NS and NA. Returns ND_VALID, or
 * the counter to drop with. */
#define ND_VALID CNT__MAX
static enum cnt_id
nd_check_common(const struct rte_ipv6_hdr *ip, const struct nd_msg *nd, uint32_t len)
{
	if (ip->hop_limits != ND_HOP_LIMIT)
		return CNT_ICMP6_DROP_ND_HOP_LIMIT;
	if (nd->code != 0)
		return CNT_ICMP6_DROP_BAD_ND;
	if (len < sizeof(*nd))
		return CNT_ICMP6_DROP_TRUNCATED;
	if (ip6_is_mcast(nd->target))
		return CNT_ICMP6_DROP_ND_BAD_TARGET;
	return ND_VALID;
}

static void
echo_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
	   struct rte_ipv6_hdr *ip, uint32_t len)
{
	uint8_t *msg = rte_pktmbuf_mtod(m, uint8_t *);
	const uint8_t *src;
	uint8_t peer[16];

	worker_count(w, CNT_ICMP6_RX_ECHO_REQUEST);
	if (unlikely(len < ICMP6_ECHO_HDR_LEN)) {
		worker_drop(w, m, CNT_ICMP6_DROP_TRUNCATED);
		return;
	}
	if (unlikely(msg[1] != 0)) {
		worker_drop(w, m, CNT_ICMP6_DROP_UNHANDLED);
		return;
	}
	if (unlikely(!w->snap->icmp_echo)) {
		worker_drop(w, m, CNT_ICMP6_DROP_ECHO_DISABLED);
		return;
	}

	/* Answer from the address asked; for a group, from our address that
	 * suits the requester (RFC 4443 4.2). */
	memcpy(peer, ip->src_addr, 16);
	if (ip6_is_mcast(ip->dst_addr)) {
		src = cfg_port_src6(p, peer);
		if (unlikely(src == NULL)) {
			worker_drop(w, m, CNT_ICMP6_DROP_NO_SOURCE);
			return;
		}
		memcpy(ip->src_addr, src, 16);
		memcpy(ip->dst_addr, peer, 16);
		msg[0] = ICMP6_ECHO_REPLY;
		icmp6_fill_cksum(ip, msg, len, (rte_be16_t *)(msg + 2));
	} else {
		/* Swapped addresses leave the pseudo-header sum unchanged. */
		memcpy(ip->src_addr, ip->dst_addr, 16);
		memcpy(ip->dst_addr, peer, 16);
		msg[0] = ICMP6_ECHO_REPLY;
		*(rte_be16_t *)(msg + 2) = cksum_replace16(*(rte_be16_t *)(msg + 2),
							   ICMP6_ECHO_REQUEST << 8,
							   ICMP6_ECHO_REPLY << 8);
	}
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->hop_limits = 64;
	rte_pktmbuf_prepend(m, sizeof(*ip));
	worker_count(w, CNT_ICMP6_TX_ECHO_REPLY);
	ipv6_output(w, m, m->port);
}

/* Turn a valid NS for one of our addresses into the NA that answers it
 * (RFC 4861 7.2.4): from the target, solicited unless the asker had no
 * address yet (then to all-nodes), override, with our link-layer address.
 * It goes straight out: the asker's MAC is in hand. */
static void
ns_reply(struct worker *w, struct rte_mbuf *m, const struct rte_ether_addr *l2dst,
	 bool dad)
{
	struct rte_ipv6_hdr *ip = ip6_hdr_before(m);
	struct nd_msg *nd = rte_pktmbuf_mtod(m, struct nd_msg *);
	struct nd_opt_lla *opt = (struct nd_opt_lla *)(nd + 1);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct rte_ether_addr mac = *l2dst;     /* may point into the options */
	struct rte_ether_hdr *eth;

	if (len < ND_NA_LEN) {
		if (unlikely(rte_pktmbuf_append(m, ND_NA_LEN - len) == NULL)) {
			worker_drop(w, m, CNT_ICMP6_ERR_NO_ROOM);
			return;
		}
	} else if (len > ND_NA_LEN) {
		rte_pktmbuf_trim(m, len - ND_NA_LEN);
	}
	nd->type = ND_NEIGHBOR_ADVERT;
	nd->code = 0;
	nd->flags = (dad ? 0 : ND_NA_F_SOLICITED) | ND_NA_F_OVERRIDE;
	memset(nd->reserved, 0, sizeof(nd->reserved));
	opt->type = ND_OPT_TLLA;
	opt->len = 1;
	rte_ether_addr_copy(&port_info[m->port].mac, &opt->mac);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(ND_NA_LEN);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ND_HOP_LIMIT;
	if (dad)
		memcpy(ip->dst_addr, all_nodes, 16);
	else
		memcpy(ip->dst_addr, ip->src_addr, 16);
	memcpy(ip->src_addr, nd->target, 16);
	icmp6_fill_cksum(ip, nd, ND_NA_LEN, &nd->cksum);

	rte_pktmbuf_prepend(m, sizeof(*ip));
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eth));
	rte_ether_addr_copy(&mac, &eth->dst_addr);
	rte_ether_addr_copy(&port_info[m->port].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	worker_count(w, CNT_ICMP6_TX_NA);
	worker_count(w, CNT_IPV6_TX);
	worker_tx(w, m);
}

static void
ns_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
	 const struct rte_ipv6_hdr *ip, uint32_t len)
{
	const struct nd_msg *ns = rte_pktmbuf_mtod(m, const struct nd_msg *);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod_offset(m,
		const struct rte_ether_hdr *, -(int)(sizeof(*ip) + sizeof(*eth)));
	static const struct rte_ether_addr all_nodes_mac = {
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 } };
	const struct rte_ether_addr *slla;
	enum cnt_id why;
	bool dad;

	worker_count(w, CNT_ICMP6_RX_NS);
	why = nd_check_common(ip, ns, len);
	if (unlikely(why != ND_VALID)) {
		worker_drop(w, m, why);
		return;
	}
	if (unlikely(nd_parse_opts((const uint8_t *)(ns + 1), len - sizeof(*ns),
				   ND_OPT_SLLA, &slla) != 0)) {
		worker_drop(w, m, CNT_ICMP6_DROP_ND_BAD_OPTION);
		return;
	}
	/* RFC 4861 7.1.1: a DAD probe goes to the solicited-node group and
	 * carries no source link-layer address. */
	dad = ip6_is_unspec(ip->src_addr);
	if (dad) {
		worker_count(w, CNT_ICMP6_RX_NS_DAD);
		if (unlikely(!ip6_is_solicited_node(ip->dst_addr) || slla != NULL)) {
			worker_drop(w, m, CNT_ICMP6_DROP_BAD_ND);
			return;
		}
	}
	if (!cfg_port_has6(p, ns->target)) {
		worker_drop(w, m, CNT_ICMP6_DROP_NOT_FOR_US);
		return;
	}
	/* RFC 4861 7.2.3: the asker is a neighbour; remember it. */
	if (slla != NULL && !dad)
		neigh_learn(w, m->port, AF_INET6, ip->src_addr, slla,
			    NEIGH_F_CREATE | NEIGH_F_OVERRIDE);
	ns_reply(w, m, dad ? &all_nodes_mac : slla ? slla : &eth->src_addr, dad);
}

static void
na_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
	 const struct rte_ipv6_hdr *ip, uint32_t len)
{
	const struct nd_msg *na = rte_pktmbuf_mtod(m, const struct nd_msg *);
	const struct rte_ether_addr *tlla;
	enum cnt_id why;
	uint8_t flags;

	worker_count(w, CNT_ICMP6_RX_NA);
	why = nd_check_common(ip, na, len);
	if (unlikely(why != ND_VALID)) {
		worker_drop(w, m, why);
		return;
	}
	/* RFC 4861 7.1.2: only unsolicited advertisements go to groups. */
	if (unlikely((na->flags & ND_NA_F_SOLICITED) && ip6_is_mcast(ip->dst_addr))) {
		worker_drop(w, m, CNT_ICMP6_DROP_BAD_ND);
		return;
	}
	if (unlikely(nd_parse_opts((const uint8_t *)(na + 1), len - sizeof(*na),
				   ND_OPT_TLLA, &tlla) != 0)) {
		worker_drop(w, m, CNT_ICMP6_DROP_ND_BAD_OPTION);
		return;
	}
	/* Someone else claims one of our addresses (RFC 4862 5.4.4). */
	if (unlikely(cfg_port_has6(p, na->target))) {
		worker_drop(w, m, CNT_ICMP6_DROP_NA_CONFLICT);
		return;
	}
	/* RFC 4861 7.2.4: the answer to a unicast probe may omit the option
	 * (Linux does); 7.2.5: a solicited one still confirms reachability.
	 * The frame came from the neighbour's interface, so its source is
	 * the address the entry should hold (no override flag is passed). */
	if (tlla == NULL) {
		if (!(na->flags & ND_NA_F_SOLICITED)) {
			worker_drop(w, m, CNT_ICMP6_NA_IGNORED);
			return;
		}
		neigh_learn(w, m->port, AF_INET6, na->target,
			    &rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *,
				-(int)(sizeof(*ip) + sizeof(struct rte_ether_hdr)))->src_addr,
			    NEIGH_F_CONFIRM);
		worker_drop(w, m, CNT_ICMP6_NA_LEARNED);
		return;
	}
	/* RFC 4861 7.2.5: the table updates only entries it has. */
	flags = ((na->flags & ND_NA_F_SOLICITED) ? NEIGH_F_CONFIRM : 0) |
		((na->flags & ND_NA_F_OVERRIDE) ? NEIGH_F_OVERRIDE : 0);
	neigh_learn(w, m->port, AF_INET6, na->target, tlla, flags);
	worker_drop(w, m, CNT_ICMP6_NA_LEARNED);
}

void
icmp6_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p)
{
	struct rte_ipv6_hdr *ip = ip6_hdr_before(m);
	const uint8_t *msg = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);

	worker_count(w, CNT_ICMP6_RX);
	if (unlikely(len < 4)) {
		worker_drop(w, m, CNT_ICMP6_DROP_TRUNCATED);
		return;
	}
	if (unlikely(icmp6_sum(ip, msg, len) != 0xffff)) {
		worker_drop(w, m, CNT_ICMP6_DROP_BAD_CHECKSUM);
		return;
	}
	switch (msg[0]) {
	case ICMP6_ECHO_REQUEST:
		echo_input(w, m, p, ip, len);
		return;
	case ND_NEIGHBOR_SOLICIT:
		ns_input(w, m, p, ip, len);
		return;
	case ND_NEIGHBOR_ADVERT:
		na_input(w, m, p, ip, len);
		return;
	case 1:         /* destination unreachable */
	case 2:         /* packet too big: TCP's when it quotes a TCP segment */
		if (len >= 8 + 40 && msg[8 + 6] == IPPROTO_TCP) {
			tcp_icmp_error(w, m, AF_INET6, msg, len);
			return;
		}
		worker_drop(w, m, CNT_ICMP6_DROP_UNHANDLED);
		return;
	default:
		worker_drop(w, m, CNT_ICMP6_DROP_UNHANDLED);
		return;
	}
}

struct rte_mbuf *
nd_build_solicit(struct rte_mempool *pool, uint16_t port, const struct cfg_port *p,
		 const uint8_t target[16], const struct rte_ether_addr *dst)
{
	const uint32_t plen = sizeof(struct nd_msg) + sizeof(struct nd_opt_lla);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip;
	struct nd_msg *ns;
	struct nd_opt_lla *opt;
	const uint8_t *src;
	struct rte_mbuf *m;

	if (!p->configured)
		return NULL;
	src = cfg_port_src6(p, target);
	if (src == NULL)
		return NULL;
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip) + plen);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip = (struct rte_ipv6_hdr *)(eth + 1);
	ns = (struct nd_msg *)(ip + 1);
	opt = (struct nd_opt_lla *)(ns + 1);

	memset(ns, 0, sizeof(*ns));
	ns->type = ND_NEIGHBOR_SOLICIT;
	memcpy(ns->target, target, 16);
	opt->type = ND_OPT_SLLA;
	opt->len = 1;
	rte_ether_addr_copy(&port_info[port].mac, &opt->mac);

	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ND_HOP_LIMIT;
	memcpy(ip->src_addr, src, 16);
	if (dst != NULL)
		memcpy(ip->dst_addr, target, 16);
	else
		ip6_solicited_node(target, ip->dst_addr);
	icmp6_fill_cksum(ip, ns, plen, &ns->cksum);

	if (dst != NULL)
		rte_ether_addr_copy(dst, &eth->dst_addr);
	else
		ip6_mcast_mac(ip->dst_addr, &eth->dst_addr);
	rte_ether_addr_copy(&port_info[port].mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
	m->port = port;
	return m;
}
