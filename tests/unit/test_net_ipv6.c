/* SPDX-License-Identifier: Proprietary
 * IPv6, ICMPv6 and neighbour discovery, driven through a real worker pass
 * with ring ports: header parsing (RFC 8200), the ND validity rules of
 * RFC 4861 7.1, answers checked byte by byte, and resolution through the
 * neighbour table in both directions. Every refusal lands on its own
 * counter and transmits nothing.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_ip.h>

#include "harness.h"
#include "net/icmp6.h"
#include "port/port.h"

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\",\"2001:db8:1::1/64\"],"
	"             \"gateway6\":\"2001:db8:1::fe\"},"
	"            {\"port\":1,\"addresses\":[\"2001:db8:2::1/64\"]}],"
	" \"neighbour\":{\"reachable-ms\":1000,\"retrans-ms\":100,\"probes\":2,\"pending-max\":2}}";

#define OURS    "2001:db8:1::1"
#define PEER    "2001:db8:1::2"
#define PEER_LL "fe80::ff:fe00:2"          /* EUI-64 of h_peer_mac */
static char our_ll[INET6_ADDRSTRLEN];    /* EUI-64 of h_port_mac[0] */
#define OUR_LL our_ll

static const struct rte_ether_addr all_nodes_mac = {{ 0x33, 0x33, 0, 0, 0, 1 }};

#define ETH  14
#define IP6  40

static int
setup(void **state)
{
	(void)state;
	h_setup("{\"schema\":1,\"ports\":[]}");
	h_setup(config);
	h_main(0);
	h_reset();
	if (our_ll[0] == 0) {
		uint8_t ll[16];

		config_ll6_from_mac(&h_port_mac[0], ll);
		inet_ntop(AF_INET6, ll, our_ll, sizeof(our_ll));
	}
	return 0;
}

/* Frame builders ----------------------------------------------------------- */

static void
a6(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static void
sol_node(const char *s, uint8_t out[16])
{
	uint8_t a[16];

	a6(s, a);
	ip6_solicited_node(a, out);
}

static void
fix_cksum(uint8_t *f)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + ETH);
	uint8_t *l4 = f + ETH + IP6;
	uint16_t len = rte_be_to_cpu_16(ip->payload_len);
	uint32_t sum;

	l4[2] = l4[3] = 0;
	sum = (uint32_t)rte_raw_cksum(l4, len) + rte_ipv6_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	*(uint16_t *)(l4 + 2) = (uint16_t)~sum;
}

/* Ethernet + IPv6 (next header 58) + l4, checksum filled. */
static size_t
frame6(uint8_t *f, const struct rte_ether_addr *dmac, const uint8_t src[16],
       const uint8_t dst[16], uint8_t hlim, const void *l4, size_t l4len)
{
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + ETH);

	h_eth(f, dmac, &h_peer_mac, RTE_ETHER_TYPE_IPV6);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(l4len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = hlim;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	memcpy(f + ETH + IP6, l4, l4len);
	fix_cksum(f);
	return ETH + IP6 + l4len;
}

static size_t
echo6(uint8_t *f, const struct rte_ether_addr *dmac, const char *src, const char *dst,
      uint16_t seq, size_t payload)
{
	uint8_t l4[256] = { ICMP6_ECHO_REQUEST, 0, 0, 0, 0x12, 0x34 };
	uint8_t s[16], d[16];

	l4[6] = seq >> 8;
	l4[7] = seq & 0xff;
	for (size_t i = 0; i < payload; i++)
		l4[8 + i] = (uint8_t)i;
	a6(src, s);
	a6(dst, d);
	return frame6(f, dmac, s, d, 64, l4, 8 + payload);
}

/* NS (or NA) body: fixed part, then an optional link-layer option. */
static size_t
nd_body(uint8_t *l4, uint8_t type, uint8_t flags, const char *target, uint8_t opt_type,
	const struct rte_ether_addr *lla)
{
	struct nd_msg *nd = (struct nd_msg *)l4;

	memset(nd, 0, sizeof(*nd));
	nd->type = type;
	nd->flags = flags;
	a6(target, nd->target);
	if (lla == NULL)
		return sizeof(*nd);
	l4[24] = opt_type;
	l4[25] = 1;
	memcpy(l4 + 26, lla, 6);
	return sizeof(*nd) + 8;
}

/* An NS from src for target, to target's solicited-node group. */
static size_t
ns6(uint8_t *f, const char *src, const char *target, const struct rte_ether_addr *slla)
{
	uint8_t l4[64], s[16], d[16];
	struct rte_ether_addr dmac;
	size_t n = nd_body(l4, ND_NEIGHBOR_SOLICIT, 0, target, ND_OPT_SLLA, slla);

	a6(src, s);
	sol_node(target, d);
	ip6_mcast_mac(d, &dmac);
	return frame6(f, &dmac, s, d, 255, l4, n);
}

static size_t
na6(uint8_t *f, const struct rte_ether_addr *dmac, const char *src, const char *dst,
    const char *target, uint8_t flags, const struct rte_ether_addr *tlla)
{
	uint8_t l4[64], s[16], d[16];
	size_t n = nd_body(l4, ND_NEIGHBOR_ADVERT, flags, target, ND_OPT_TLLA, tlla);

	a6(src, s);
	a6(dst, d);
	return frame6(f, dmac, s, d, 255, l4, n);
}

static void
assert_addr(const uint8_t a[16], const char *s)
{
	uint8_t b[16];

	a6(s, b);
	assert_memory_equal(a, b, 16);
}

static void
assert_icmp6_ok(const struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, ETH);
	uint16_t len = rte_be_to_cpu_16(ip->payload_len);
	uint32_t sum;

	assert_int_equal(rte_pktmbuf_pkt_len(m), ETH + IP6 + len);
	assert_int_equal(rte_be_to_cpu_32(ip->vtc_flow) >> 28, 6);
	assert_int_equal(ip->proto, IPPROTO_ICMPV6);
	sum = (uint32_t)rte_raw_cksum(ip + 1, len) + rte_ipv6_phdr_cksum(ip, 0);
	sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
}

/* Make PEER a known neighbour through an NS it sends us. */
static void
learn_peer(uint64_t now)
{
	uint8_t f[128];
	size_t n = ns6(f, PEER, OURS, &h_peer_mac);

	h_rx(0, f, n);
	h_main(now);
	rte_pktmbuf_free(h_tx(0));   /* our NA */
	assert_int_equal(h_cnt(CNT_NEIGH_CREATED), 1);
}

/* Answers ------------------------------------------------------------------ */

static void
check_na(struct rte_mbuf *m, const struct rte_ether_addr *l2dst, const char *src,
	 const char *dst, uint8_t flags)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
	const struct nd_msg *na = (const struct nd_msg *)(ip + 1);
	const uint8_t *opt = (const uint8_t *)(na + 1);

	assert_icmp6_ok(m);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, l2dst));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &h_port_mac[0]));
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 32);
	assert_int_equal(ip->hop_limits, 255);
	assert_addr(ip->src_addr, src);
	assert_addr(ip->dst_addr, dst);
	assert_int_equal(na->type, ND_NEIGHBOR_ADVERT);
	assert_int_equal(na->code, 0);
	assert_int_equal(na->flags, flags);
	assert_addr(na->target, src);
	assert_int_equal(opt[0], ND_OPT_TLLA);
	assert_int_equal(opt[1], 1);
	assert_memory_equal(opt + 2, &h_port_mac[0], 6);
}

static void
test_ns_answered_and_learned(void **state)
{
	uint8_t f[128];
	size_t n = ns6(f, PEER, OURS, &h_peer_mac);
	struct rte_mbuf *m;

	(void)state;
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_na(m, &h_peer_mac, OURS, PEER, ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_ICMP6_TX_NA), 1);
	assert_int_equal(h_cnt(CNT_IPV6_RX_MCAST), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 1);
	h_main(1);
	assert_int_equal(h_cnt(CNT_NEIGH_CREATED), 1);
}

static void
test_ns_for_link_local(void **state)
{
	uint8_t f[128];
	size_t n = ns6(f, PEER_LL, OUR_LL, &h_peer_mac);
	struct rte_mbuf *m;

	(void)state;
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_na(m, &h_peer_mac, OUR_LL, PEER_LL, ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE);
	rte_pktmbuf_free(m);
}

/* Unicast NS without a source link-layer option: answered to the frame's
 * source, nothing learned. Trailing options of other types are skipped. */
static void
test_unicast_ns_without_slla(void **state)
{
	uint8_t f[128], l4[64], s[16], d[16];
	size_t n = nd_body(l4, ND_NEIGHBOR_SOLICIT, 0, OURS, 0, NULL);
	struct rte_mbuf *m;

	(void)state;
	/* A nonce option (type 14, 8 bytes): unknown to us, skipped. */
	memcpy(l4 + n, "\x0e\x01\x01\x02\x03\x04\x05\x06", 8);
	a6(PEER, s);
	a6(OURS, d);
	n = frame6(f, &h_port_mac[0], s, d, 255, l4, n + 8);
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_na(m, &h_peer_mac, OURS, PEER, ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 0);
}

/* DAD probe for our address: defended with an NA to all-nodes, S clear. */
static void
test_dad_defended(void **state)
{
	uint8_t f[128];
	size_t n = ns6(f, "::", OURS, NULL);
	struct rte_mbuf *m;

	(void)state;
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_na(m, &all_nodes_mac, OURS, "ff02::1", ND_NA_F_OVERRIDE);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_ICMP6_RX_NS_DAD), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 0);
}

static void
check_echo_reply(struct rte_mbuf *m, const char *src, const char *dst, uint16_t seq,
		 size_t payload)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
	const uint8_t *icmp = (const uint8_t *)(ip + 1);

	assert_icmp6_ok(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), ETH + IP6 + 8 + payload);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &h_port_mac[0]));
	assert_addr(ip->src_addr, src);
	assert_addr(ip->dst_addr, dst);
	assert_int_equal(ip->hop_limits, 64);
	assert_int_equal(icmp[0], ICMP6_ECHO_REPLY);
	assert_int_equal(icmp[1], 0);
	assert_int_equal((icmp[6] << 8) | icmp[7], seq);
	for (size_t i = 0; i < payload; i++)
		assert_int_equal(icmp[8 + i], (uint8_t)i);
}

static void
test_echo_known_neighbour(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;

	(void)state;
	learn_peer(1);
	/* Ethernet padding after the packet must not be echoed. */
	n = echo6(f, &h_port_mac[0], PEER, OURS, 3, 56);
	memset(f + n, 0xee, 20);
	h_rx(0, f, n + 20);
	m = h_tx(0);
	assert_non_null(m);
	check_echo_reply(m, OURS, PEER, 3, 56);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_NEIGH_HIT), 1);
	assert_int_equal(h_cnt(CNT_ICMP6_TX_ECHO_REPLY), 1);

	/* Odd payload length: the incremental checksum still holds. */
	n = echo6(f, &h_port_mac[0], PEER, OURS, 4, 33);
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_echo_reply(m, OURS, PEER, 4, 33);
	rte_pktmbuf_free(m);
}

/* Echo to all-nodes: answered from our address that suits the requester. */
static void
test_echo_to_all_nodes(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;

	(void)state;
	learn_peer(1);
	n = echo6(f, &all_nodes_mac, PEER, "ff02::1", 1, 8);
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_echo_reply(m, OURS, PEER, 1, 8);
	rte_pktmbuf_free(m);

	n = ns6(f, PEER_LL, OUR_LL, &h_peer_mac);
	h_rx(0, f, n);
	h_main(2);
	rte_pktmbuf_free(h_tx(0));
	n = echo6(f, &all_nodes_mac, PEER_LL, "ff02::1", 2, 8);
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	check_echo_reply(m, OUR_LL, PEER_LL, 2, 8);
	rte_pktmbuf_free(m);
}

static void
check_solicit(struct rte_mbuf *m, const char *src, const char *target, bool unicast)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eth + 1);
	const struct nd_msg *ns = (const struct nd_msg *)(ip + 1);
	const uint8_t *opt = (const uint8_t *)(ns + 1);
	uint8_t group[16];
	struct rte_ether_addr gmac;

	assert_icmp6_ok(m);
	assert_int_equal(m->port, 0);
	assert_int_equal(rte_be_to_cpu_16(ip->payload_len), 32);
	assert_int_equal(ip->hop_limits, 255);
	assert_addr(ip->src_addr, src);
	if (unicast) {
		assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h_peer_mac));
		assert_addr(ip->dst_addr, target);
	} else {
		sol_node(target, group);
		ip6_mcast_mac(group, &gmac);
		assert_true(rte_is_same_ether_addr(&eth->dst_addr, &gmac));
		assert_memory_equal(ip->dst_addr, group, 16);
	}
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &h_port_mac[0]));
	assert_int_equal(ns->type, ND_NEIGHBOR_SOLICIT);
	assert_int_equal(ns->code, 0);
	assert_addr(ns->target, target);
	assert_int_equal(opt[0], ND_OPT_SLLA);
	assert_int_equal(opt[1], 1);
	assert_memory_equal(opt + 2, &h_port_mac[0], 6);
}

static void
test_echo_waits_for_resolution(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;

	(void)state;
	for (uint16_t seq = 1; seq <= 3; seq++) {
		n = echo6(f, &h_port_mac[0], PEER, OURS, seq, 8);
		h_rx(0, f, n);
	}
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_NEIGH_MISS), 3);
	h_main(10);
	assert_int_equal(h_cnt(CNT_NEIGH_DROP_PENDING_FULL), 1);

	m = h_tx(0);
	assert_non_null(m);
	check_solicit(m, OURS, PEER, false);
	rte_pktmbuf_free(m);

	/* The solicited answer releases the held replies, in order. */
	n = na6(f, &h_port_mac[0], PEER, OURS, PEER, ND_NA_F_SOLICITED | ND_NA_F_OVERRIDE,
		&h_peer_mac);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_ICMP6_NA_LEARNED), 1);
	h_main(20);
	for (uint16_t seq = 1; seq <= 2; seq++) {
		m = h_tx(0);
		assert_non_null(m);
		check_echo_reply(m, OURS, PEER, seq, 8);
		rte_pktmbuf_free(m);
	}
	assert_null(h_tx(0));
	assert_int_equal(h_cnt(CNT_NEIGH_RESOLVED), 1);
}

/* Probes are unicast; Linux answers them without a TLLA option, which must
 * still confirm (RFC 4861 7.2.5). Silence then removes the entry. */
static void
test_probe_confirmed_without_tlla_then_expires(void **state)
{
	struct rte_mbuf *m;
	uint8_t f[128];
	size_t n;

	(void)state;
	learn_peer(1000);
	h_main(2000);
	m = h_tx(0);
	assert_non_null(m);
	check_solicit(m, OURS, PEER, true);
	rte_pktmbuf_free(m);

	n = na6(f, &h_port_mac[0], PEER, OURS, PEER, ND_NA_F_SOLICITED, NULL);
	h_rx(0, f, n);
	h_main(2050);
	assert_int_equal(h_cnt(CNT_ICMP6_NA_LEARNED), 1);
	h_main(2150);
	h_main(2250);
	h_main(2350);
	assert_int_equal(h_cnt(CNT_NEIGH_EXPIRED), 0);
	assert_int_equal(h_tx_count(0), 0);

	h_main(3100);
	h_main(3200);
	h_main(3300);
	assert_int_equal(h_cnt(CNT_NEIGH_EXPIRED), 1);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));
}

/* NAs only update entries the table has; unsolicited ones without a TLLA
 * carry nothing; one for our own address is a conflict. */
static void
test_na_handling(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	n = na6(f, &all_nodes_mac, PEER, "ff02::1", PEER, ND_NA_F_OVERRIDE, &h_peer_mac);
	h_rx(0, f, n);
	h_main(1);
	assert_int_equal(h_cnt(CNT_ICMP6_NA_LEARNED), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_CREATED), 0);

	n = na6(f, &all_nodes_mac, PEER, "ff02::1", PEER, ND_NA_F_OVERRIDE, NULL);
	h_expect_dropped(CNT_ICMP6_NA_IGNORED, f, n);

	n = na6(f, &all_nodes_mac, PEER, "ff02::1", OURS, ND_NA_F_OVERRIDE, &h_peer_mac);
	h_expect_dropped(CNT_ICMP6_DROP_NA_CONFLICT, f, n);
}

static void
test_off_link_uses_gateway(void **state)
{
	uint8_t f[256];
	struct rte_mbuf *m;
	size_t n;

	(void)state;
	n = echo6(f, &h_port_mac[0], "2001:db8:9::9", OURS, 1, 8);
	h_rx(0, f, n);
	h_main(1);
	m = h_tx(0);
	assert_non_null(m);
	check_solicit(m, OURS, "2001:db8:1::fe", false);
	rte_pktmbuf_free(m);

	/* Port 1 has no IPv6 gateway: no route. */
	n = echo6(f, &h_port_mac[1], "2001:db8:9::9", "2001:db8:2::1", 1, 8);
	h_rx(1, f, n);
	assert_int_equal(h_cnt(CNT_IPV6_DROP_NO_ROUTE), 1);
	assert_int_equal(h_tx_count(1), 0);
}

static void
test_solicit_source_selection(void **state)
{
	const struct snapshot *s = dp_snapshot();
	uint8_t t[16];
	struct rte_mbuf *m;

	(void)state;
	/* A link-local target is asked from our link-local. */
	a6(PEER_LL, t);
	m = nd_build_solicit(dp.pool, 0, &s->port[0], t, NULL);
	assert_non_null(m);
	check_solicit(m, OUR_LL, PEER_LL, false);
	rte_pktmbuf_free(m);

	m = nd_build_solicit(dp.pool, 0, &s->port[0], t, &h_peer_mac);
	assert_non_null(m);
	check_solicit(m, OUR_LL, PEER_LL, true);
	rte_pktmbuf_free(m);

	/* A port with only IPv4 still has its link-local. */
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}]}");
	s = dp_snapshot();
	a6("2001:db8:1::2", t);
	m = nd_build_solicit(dp.pool, 0, &s->port[0], t, NULL);
	assert_non_null(m);
	check_solicit(m, OUR_LL, "2001:db8:1::2", false);
	rte_pktmbuf_free(m);
}

static void
test_echo_disabled(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"2001:db8:1::1/64\"]}],"
		"\"icmp\":{\"echo\":false}}");
	n = echo6(f, &h_port_mac[0], PEER, OURS, 1, 8);
	h_expect_dropped(CNT_ICMP6_DROP_ECHO_DISABLED, f, n);
}

/* Refusals ----------------------------------------------------------------- */

/* Break one thing in a valid echo request; expect one counter. */
static void
test_ipv6_refusals(void **state)
{
	uint8_t f[256];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + ETH);
	uint8_t *l4 = f + ETH + IP6;
	size_t n;

#define FRESH() (n = echo6(f, &h_port_mac[0], PEER, OURS, 1, 8))
	(void)state;
	learn_peer(1);

	FRESH();
	h_expect_dropped(CNT_IPV6_DROP_TRUNCATED, f, ETH + 39);

	FRESH(); ip->payload_len = rte_cpu_to_be_16(17);
	h_expect_dropped(CNT_IPV6_DROP_TRUNCATED, f, n);

	FRESH(); ip->vtc_flow = rte_cpu_to_be_32(4u << 28);
	h_expect_dropped(CNT_IPV6_DROP_BAD_VERSION, f, n);

	FRESH(); ip->hop_limits = 0;
	h_expect_dropped(CNT_IPV6_DROP_HOP_LIMIT, f, n);

	static const char *const martians[] = { "ff02::1", "::1", OURS, OUR_LL,
		"::ffff:10.0.0.2", "::" };
	for (unsigned i = 0; i < RTE_DIM(martians); i++) {
		FRESH(); a6(martians[i], ip->src_addr); fix_cksum(f);
		h_expect_dropped(CNT_IPV6_DROP_BAD_SRC, f, n);
	}

	static const char *const not_ours[] = { "2001:db8:1::3", "2001:db8:2::1",
		"fe80::1", "ff02::2", "ff02::1:ff00:3", "ff05::1" };
	for (unsigned i = 0; i < RTE_DIM(not_ours); i++) {
		FRESH(); a6(not_ours[i], ip->dst_addr); fix_cksum(f);
		h_expect_dropped(CNT_IPV6_DROP_NOT_FOR_US, f, n);
	}

	/* Multicast in a unicast frame, unicast in a multicast frame, and a
	 * solicited-node group in another group's frame. */
	FRESH(); a6("ff02::1", ip->dst_addr); fix_cksum(f);
	h_expect_dropped(CNT_IPV6_DROP_L2_MISMATCH, f, n);
	FRESH(); memcpy(f, &all_nodes_mac, 6);
	h_expect_dropped(CNT_IPV6_DROP_L2_MISMATCH, f, n);
	FRESH(); sol_node(OURS, ip->dst_addr); fix_cksum(f);
	memcpy(f, "\x33\x33\xff\x00\x00\x99", 6);
	h_expect_dropped(CNT_IPV6_DROP_L2_MISMATCH, f, n);

	static const uint8_t ext[] = { IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_DSTOPTS,
		IPPROTO_AH, IPPROTO_ESP, 135, 139, 140, 253, 254 };
	for (unsigned i = 0; i < RTE_DIM(ext); i++) {
		FRESH(); ip->proto = ext[i];
		h_expect_dropped(CNT_IPV6_DROP_EXT_HEADER, f, n);
	}
	FRESH(); ip->proto = IPPROTO_FRAGMENT;
	h_expect_dropped(CNT_IPV6_DROP_FRAGMENT, f, n);

	FRESH(); ip->proto = IPPROTO_UDP;
	h_expect_dropped(CNT_IPV6_DROP_NO_PROTO, f, n);
	FRESH(); ip->proto = 59;   /* no next header */
	h_expect_dropped(CNT_IPV6_DROP_NO_PROTO, f, n);

	/* ICMPv6 layer. */
	FRESH(); ip->payload_len = rte_cpu_to_be_16(3);
	h_expect_dropped(CNT_ICMP6_DROP_TRUNCATED, f, n);

	FRESH(); l4[9] ^= 1;
	h_expect_dropped(CNT_ICMP6_DROP_BAD_CHECKSUM, f, n);

	/* The checksum covers the pseudo-header: change an address only. */
	FRESH(); a6("2001:db8:1::4", ip->src_addr);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_CHECKSUM, f, n);

	FRESH(); ip->payload_len = rte_cpu_to_be_16(6); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_TRUNCATED, f, n);

	FRESH(); l4[1] = 1; fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_UNHANDLED, f, n);

	static const uint8_t unhandled[] = { ICMP6_ECHO_REPLY, 1, 2, 3, 4, ND_ROUTER_SOLICIT,
		ND_ROUTER_ADVERT, ND_REDIRECT, 143 };
	for (unsigned i = 0; i < RTE_DIM(unhandled); i++) {
		FRESH(); l4[0] = unhandled[i]; fix_cksum(f);
		h_expect_dropped(CNT_ICMP6_DROP_UNHANDLED, f, n);
	}
	assert_int_equal(h_cnt(CNT_ICMP6_TX_ECHO_REPLY), 0);
#undef FRESH
}

/* RFC 4861 7.1.1 / 7.1.2, one rule at a time. */
static void
test_nd_refusals(void **state)
{
	uint8_t f[256];
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + ETH);
	uint8_t *l4 = f + ETH + IP6;
	struct nd_msg *nd = (struct nd_msg *)l4;
	size_t n;

#define NS() (n = ns6(f, PEER, OURS, &h_peer_mac))
	(void)state;
	NS(); ip->hop_limits = 254; fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_ND_HOP_LIMIT, f, n);

	NS(); nd->code = 1; fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_ND, f, n);

	NS(); ip->payload_len = rte_cpu_to_be_16(23); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_TRUNCATED, f, n);

	/* Multicast target (sent unicast so that the IPv6 layer lets it in). */
	NS(); a6("ff02::1", nd->target); a6(OURS, ip->dst_addr);
	memcpy(f, &h_port_mac[0], 6); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_TARGET, f, n);

	NS(); l4[25] = 0; fix_cksum(f);                      /* option length 0 */
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	NS(); l4[25] = 2; fix_cksum(f);                      /* past the end */
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	NS(); l4[26] = 0x01; fix_cksum(f);                   /* multicast SLLA */
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	NS(); memset(l4 + 26, 0, 6); fix_cksum(f);           /* zero SLLA */
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	/* One stray byte of options. */
	NS(); ip->payload_len = rte_cpu_to_be_16(25); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	/* DAD: must go to the solicited-node group, without SLLA. */
	n = ns6(f, "::", OURS, &h_peer_mac);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_ND, f, n);
	n = ns6(f, "::", OURS, NULL);
	a6(OURS, ip->dst_addr); memcpy(f, &h_port_mac[0], 6); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_ND, f, n);
	n = ns6(f, "::", OURS, NULL);
	a6("ff02::1", ip->dst_addr); memcpy(f, &all_nodes_mac, 6); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_ND, f, n);

	/* Only an NS may come from ::. */
	n = na6(f, &all_nodes_mac, "::", "ff02::1", PEER, 0, &h_peer_mac);
	h_expect_dropped(CNT_IPV6_DROP_BAD_SRC, f, n);

	n = ns6(f, PEER, "2001:db8:1::9", &h_peer_mac);
	a6(OURS, ip->dst_addr); memcpy(f, &h_port_mac[0], 6); fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_NOT_FOR_US, f, n);

	/* NA rules. */
	n = na6(f, &h_port_mac[0], PEER, OURS, PEER, ND_NA_F_SOLICITED, &h_peer_mac);
	ip->hop_limits = 64; fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_ND_HOP_LIMIT, f, n);

	n = na6(f, &all_nodes_mac, PEER, "ff02::1", PEER, ND_NA_F_SOLICITED, &h_peer_mac);
	h_expect_dropped(CNT_ICMP6_DROP_BAD_ND, f, n);

	n = na6(f, &all_nodes_mac, PEER, "ff02::1", "ff02::1", 0, NULL);
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_TARGET, f, n);

	n = na6(f, &h_port_mac[0], PEER, OURS, PEER, ND_NA_F_SOLICITED, &h_peer_mac);
	l4[25] = 0; fix_cksum(f);
	h_expect_dropped(CNT_ICMP6_DROP_ND_BAD_OPTION, f, n);

	assert_int_equal(h_cnt(CNT_ICMP6_TX_NA), 0);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 0);
#undef NS
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ns_answered_and_learned, setup),
		cmocka_unit_test_setup(test_ns_for_link_local, setup),
		cmocka_unit_test_setup(test_unicast_ns_without_slla, setup),
		cmocka_unit_test_setup(test_dad_defended, setup),
		cmocka_unit_test_setup(test_echo_known_neighbour, setup),
		cmocka_unit_test_setup(test_echo_to_all_nodes, setup),
		cmocka_unit_test_setup(test_echo_waits_for_resolution, setup),
		cmocka_unit_test_setup(test_probe_confirmed_without_tlla_then_expires, setup),
		cmocka_unit_test_setup(test_na_handling, setup),
		cmocka_unit_test_setup(test_off_link_uses_gateway, setup),
		cmocka_unit_test_setup(test_solicit_source_selection, setup),
		cmocka_unit_test_setup(test_echo_disabled, setup),
		cmocka_unit_test_setup(test_ipv6_refusals, setup),
		cmocka_unit_test_setup(test_nd_refusals, setup),
	};

	return cmocka_run_group_tests_name("net_ipv6", tests, NULL, NULL);
}
