/* SPDX-License-Identifier: Proprietary
 * Ethernet, ARP, IPv4, ICMP and neighbour resolution, driven through a real
 * worker pass with ring ports: every refusal lands on its own counter and
 * transmits nothing; every answer is checked byte by byte.
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "harness.h"

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"],\"gateway4\":\"10.0.0.254\"},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"neighbour\":{\"reachable-ms\":1000,\"retrans-ms\":100,\"probes\":2,\"pending-max\":2}}";

static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
static const struct rte_ether_addr zero_mac;
static const struct rte_ether_addr other_mac = {{ 0x02, 0, 0, 0, 0, 0x77 }};

/* Each test gets a fresh config (and so a fresh generation) and a neighbour
 * table without the entries of earlier tests: pushing a config without
 * ports drops every entry, then the real one is applied. */
static int
setup(void **state)
{
	(void)state;
	h_setup("{\"schema\":1,\"ports\":[]}");
	h_setup(config);
	h_main(0);
	h_reset();
	return 0;
}

/* Make 10.0.0.2 a known neighbour through an ARP request it sends us. */
static void
learn_peer(uint64_t now)
{
	uint8_t f[64];
	size_t n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2",
			 &zero_mac, "10.0.0.1");

	h_rx(0, f, n);
	h_main(now);
	rte_pktmbuf_free(h_tx(0));   /* our ARP reply */
}

static void
test_arp_request_answered(void **state)
{
	uint8_t f[64];
	size_t n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2",
			 &zero_mac, "10.0.0.1");
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	(void)state;
	h_rx(0, f, n);
	m = h_tx(0);
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(*eth) + sizeof(*arp));
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	arp = (struct rte_arp_hdr *)(eth + 1);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &h_port_mac[0]));
	assert_int_equal(rte_be_to_cpu_16(arp->arp_opcode), RTE_ARP_OP_REPLY);
	assert_true(rte_is_same_ether_addr(&arp->arp_data.arp_sha, &h_port_mac[0]));
	assert_int_equal(arp->arp_data.arp_sip, h_ip4("10.0.0.1"));
	assert_true(rte_is_same_ether_addr(&arp->arp_data.arp_tha, &h_peer_mac));
	assert_int_equal(arp->arp_data.arp_tip, h_ip4("10.0.0.2"));
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_ARP_TX_REPLY), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 1);
	h_main(1);
	assert_int_equal(h_cnt(CNT_NEIGH_CREATED), 1);
}

static void
test_arp_probe_answered_not_learned(void **state)
{
	uint8_t f[64];
	size_t n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "0.0.0.0",
			 &zero_mac, "10.0.0.1");

	(void)state;
	h_rx(0, f, n);
	assert_int_equal(h_tx_count(0), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_PUNT_LEARN), 0);
}

static void
test_arp_refusals(void **state)
{
	uint8_t f[64];
	size_t n;

	(void)state;
	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.1");
	h_expect_dropped(CNT_ARP_DROP_TRUNCATED, f, sizeof(struct rte_ether_hdr) + 27);

	f[sizeof(struct rte_ether_hdr) + 4] = 8;   /* hlen */
	h_expect_dropped(CNT_ARP_DROP_BAD_FORMAT, f, n);

	n = h_arp(f, 9, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.1");
	h_expect_dropped(CNT_ARP_DROP_BAD_OP, f, n);

	/* Sender MAC differs from the frame's source: poisoning attempt. */
	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.1");
	memcpy(&((struct rte_arp_hdr *)(f + 14))->arp_data.arp_sha, &other_mac, 6);
	h_expect_dropped(CNT_ARP_DROP_BAD_SENDER, f, n);

	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "224.0.0.5", &zero_mac, "10.0.0.1");
	h_expect_dropped(CNT_ARP_DROP_BAD_SENDER, f, n);

	/* Claims to be us. */
	n = h_arp(f, RTE_ARP_OP_REPLY, &h_port_mac[0], &h_peer_mac, "10.0.0.1", &zero_mac, "10.0.0.1");
	h_expect_dropped(CNT_ARP_DROP_BAD_SENDER, f, n);

	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.9");
	h_expect_dropped(CNT_ARP_DROP_NOT_FOR_US, f, n);
	assert_int_equal(h_cnt(CNT_NEIGH_CREATED), 0);
}

static void
test_eth_refusals(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 1, 1, 8);
	h_expect_dropped(CNT_ETH_DROP_TRUNCATED, f, 13);

	n = h_ipv4_icmp_echo(f, &other_mac, "10.0.0.2", "10.0.0.1", 1, 1, 8);
	h_expect_dropped(CNT_ETH_DROP_NOT_FOR_US, f, n);

	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 1, 1, 8);
	f[6] = 0x01;  /* multicast source MAC */
	h_expect_dropped(CNT_ETH_DROP_BAD_SRC, f, n);

	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 1, 1, 8);
	f[12] = 0x81; f[13] = 0x00;
	h_expect_dropped(CNT_ETH_DROP_VLAN, f, n);

	f[12] = 0x88; f[13] = 0xb5;
	h_expect_dropped(CNT_ETH_DROP_UNKNOWN_TYPE, f, n);
}

static void
test_port_without_config(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}]}");
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 1, 1, 8);
	h_expect_dropped(CNT_PORT_DROP_NO_CONFIG, f, n);
}

/* Break one thing in a valid echo request; expect one counter. */
static void
test_ipv4_refusals(void **state)
{
	uint8_t f[128];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	size_t n;

#define FRESH() (n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8))
#define RESUM() (ip->hdr_checksum = 0, ip->hdr_checksum = rte_ipv4_cksum(ip))
	(void)state;
	learn_peer(1);

	FRESH();
	h_expect_dropped(CNT_IPV4_DROP_TRUNCATED, f, 14 + 19);

	FRESH(); ip->version_ihl = 0x65; RESUM();
	h_expect_dropped(CNT_IPV4_DROP_BAD_VERSION, f, n);

	FRESH(); ip->version_ihl = 0x44;
	h_expect_dropped(CNT_IPV4_DROP_BAD_IHL, f, n);

	FRESH(); ip->version_ihl = 0x4f;   /* 60 bytes of header in a 36-byte packet */
	h_expect_dropped(CNT_IPV4_DROP_BAD_IHL, f, n);

	FRESH(); ip->total_length = rte_cpu_to_be_16(19); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_BAD_LENGTH, f, n);

	FRESH(); ip->total_length = rte_cpu_to_be_16(200); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_TRUNCATED, f, n);

	FRESH(); ip->hdr_checksum ^= 0x0100;
	h_expect_dropped(CNT_IPV4_DROP_BAD_CHECKSUM, f, n);

	/* 4 bytes of options (NOP NOP NOP EOL); the packet grows by 4. */
	FRESH();
	memmove((uint8_t *)(ip + 1) + 4, ip + 1, n - 14 - 20);
	memcpy(ip + 1, "\x01\x01\x01\x00", 4);
	ip->version_ihl = 0x46;
	ip->total_length = rte_cpu_to_be_16(n - 14 + 4);
	RESUM();
	h_expect_dropped(CNT_IPV4_DROP_OPTIONS, f, n + 4);

	FRESH(); ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_FRAGMENT, f, n);

	FRESH(); ip->fragment_offset = rte_cpu_to_be_16(3); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_FRAGMENT, f, n);

	FRESH(); ip->time_to_live = 0; RESUM();
	h_expect_dropped(CNT_IPV4_DROP_TTL, f, n);

	FRESH(); ip->src_addr = h_ip4("127.0.0.1"); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_BAD_SRC, f, n);

	FRESH(); ip->src_addr = h_ip4("10.0.0.255"); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_BAD_SRC, f, n);

	FRESH(); ip->src_addr = h_ip4("10.0.0.1"); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_BAD_SRC, f, n);

	FRESH(); ip->dst_addr = h_ip4("10.0.0.3"); RESUM();
	h_expect_dropped(CNT_IPV4_DROP_NOT_FOR_US, f, n);

	FRESH(); ip->next_proto_id = 47; RESUM();
	h_expect_dropped(CNT_IPV4_DROP_NO_PROTO, f, n);
#undef FRESH
#undef RESUM
}

static void
test_icmp_refusals(void **state)
{
	uint8_t f[128];
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(f + 14 + 20);
	size_t n;

	(void)state;
	learn_peer(1);
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	icmp->icmp_cksum ^= 1;
	h_expect_dropped(CNT_ICMP_DROP_BAD_CHECKSUM, f, n);

	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	icmp->icmp_type = 13;   /* timestamp */
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, 16);
	h_expect_dropped(CNT_ICMP_DROP_UNHANDLED, f, n);

	/* IP says 4 bytes of ICMP: shorter than an ICMP header. */
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 0);
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		ip->total_length = rte_cpu_to_be_16(24);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	h_expect_dropped(CNT_ICMP_DROP_TRUNCATED, f, n);
}

static void
test_echo_disabled(void **state)
{
	uint8_t f[128];
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"icmp\":{\"echo\":false}}");
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	h_expect_dropped(CNT_ICMP_DROP_ECHO_DISABLED, f, n);
}

static void
check_echo_reply(struct rte_mbuf *m, uint16_t seq, size_t payload)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	assert_int_equal(rte_pktmbuf_pkt_len(m), 14 + 20 + 8 + payload);
	assert_true(rte_is_same_ether_addr(&eth->dst_addr, &h_peer_mac));
	assert_true(rte_is_same_ether_addr(&eth->src_addr, &h_port_mac[0]));
	assert_int_equal(ip->src_addr, h_ip4("10.0.0.1"));
	assert_int_equal(ip->dst_addr, h_ip4("10.0.0.2"));
	assert_int_equal(rte_raw_cksum(ip, 20), 0xffff);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(rte_be_to_cpu_16(icmp->icmp_seq_nb), seq);
	assert_int_equal(rte_raw_cksum(icmp, 8 + payload), 0xffff);
}

static void
test_echo_known_neighbour(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;

	(void)state;
	learn_peer(1);
	/* 20 bytes of Ethernet padding after the packet must not be echoed. */
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 3, 56);
	memset(f + n, 0xee, 20);
	h_rx(0, f, n + 20);
	m = h_tx(0);
	assert_non_null(m);
	check_echo_reply(m, 3, 56);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_NEIGH_HIT), 1);
	assert_int_equal(h_cnt(CNT_ICMP_TX_ECHO_REPLY), 1);
}

static void
test_echo_waits_for_resolution(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;
	struct rte_arp_hdr *arp;

	(void)state;
	/* Three requests from a host we have never heard of; pending-max is 2. */
	for (uint16_t seq = 1; seq <= 3; seq++) {
		n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, seq, 8);
		h_rx(0, f, n);
	}
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_NEIGH_MISS), 3);
	h_main(10);
	assert_int_equal(h_cnt(CNT_NEIGH_DROP_PENDING_FULL), 1);

	/* We asked: a broadcast request for 10.0.0.2 from 10.0.0.1. */
	m = h_tx(0);
	assert_non_null(m);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
	assert_true(rte_is_broadcast_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr));
	assert_int_equal(rte_be_to_cpu_16(arp->arp_opcode), RTE_ARP_OP_REQUEST);
	assert_int_equal(arp->arp_data.arp_tip, h_ip4("10.0.0.2"));
	assert_int_equal(arp->arp_data.arp_sip, h_ip4("10.0.0.1"));
	rte_pktmbuf_free(m);

	/* The answer releases the held replies, in order. */
	n = h_arp(f, RTE_ARP_OP_REPLY, &h_port_mac[0], &h_peer_mac, "10.0.0.2",
		  &h_port_mac[0], "10.0.0.1");
	h_rx(0, f, n);
	h_main(20);
	for (uint16_t seq = 1; seq <= 2; seq++) {
		m = h_tx(0);
		assert_non_null(m);
		check_echo_reply(m, seq, 8);
		rte_pktmbuf_free(m);
	}
	assert_null(h_tx(0));
	assert_int_equal(h_cnt(CNT_NEIGH_RESOLVED), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_TX_PENDING), 2);
}

/* Once an unresolved neighbour's queue is full, workers drop locally
 * instead of punting; and answers overtake a flood of waiting packets. */
static void
test_flood_of_unresolved_packets(void **state)
{
	uint8_t f[256];
	size_t n;
	uint64_t punt_full;

	(void)state;
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	h_rx(0, f, n);
	h_main(10);                            /* entry INCOMPLETE, 1 of 2 held */
	rte_pktmbuf_free(h_tx(0));             /* our ARP request */

	/* More than the punt ring holds, before the main lcore runs again. */
	for (unsigned i = 0; i < 4200; i++)
		h_rx(0, f, n);
	punt_full = h_cnt(CNT_NEIGH_DROP_PUNT_FULL);
	assert_true(punt_full > 0);

	/* The answer still gets through and resolves the entry. */
	n = h_arp(f, RTE_ARP_OP_REPLY, &h_port_mac[0], &h_peer_mac, "10.0.0.2",
		  &h_port_mac[0], "10.0.0.1");
	h_rx(0, f, n);
	h_main(20);
	assert_int_equal(h_cnt(CNT_NEIGH_RESOLVED), 1);
	for (unsigned i = 0; i < 200 && rte_ring_count(dp.punt); i++) {
		h_main(20);
		while (h_tx_count(0))
			rte_pktmbuf_free(h_tx(0));
	}
	assert_int_equal(rte_ring_count(dp.punt), 0);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));
}

static void
test_full_queue_drops_on_the_worker(void **state)
{
	uint8_t f[256];
	size_t n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);

	(void)state;
	h_rx(0, f, n);
	h_rx(0, f, n);
	h_main(10);                            /* pending-max 2: full */
	rte_pktmbuf_free(h_tx(0));
	for (unsigned i = 0; i < 5; i++)
		h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_NEIGH_DROP_PENDING_FULL), 5);
	assert_int_equal(h_cnt(CNT_NEIGH_MISS), 2);   /* the later 5 were never punted */
	assert_int_equal(rte_ring_count(dp.punt), 0);
}

static void
test_resolution_fails(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	h_rx(0, f, n);
	h_main(1000);     /* first request */
	h_main(1100);     /* second (probes = 2) */
	h_main(1200);     /* give up */
	assert_int_equal(h_cnt(CNT_NEIGH_TX_SOLICIT), 2);
	assert_int_equal(h_cnt(CNT_NEIGH_FAILED), 1);
	assert_int_equal(h_cnt(CNT_NEIGH_DROP_UNRESOLVED), 1);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));
}

static void
test_entry_probed_then_expires(void **state)
{
	struct rte_mbuf *m;
	uint8_t f[64];
	size_t n;

	(void)state;
	learn_peer(1000);
	h_main(2000);     /* reachable-ms passed: unicast probe 1 */
	m = h_tx(0);
	assert_non_null(m);
	assert_true(rte_is_same_ether_addr(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr,
					   &h_peer_mac));
	rte_pktmbuf_free(m);

	/* An answer makes it reachable again. */
	n = h_arp(f, RTE_ARP_OP_REPLY, &h_port_mac[0], &h_peer_mac, "10.0.0.2",
		  &h_port_mac[0], "10.0.0.1");
	h_rx(0, f, n);
	h_main(2050);
	assert_int_equal(h_cnt(CNT_NEIGH_EXPIRED), 0);

	/* Silence: two probes, then the entry goes. */
	h_main(3100);
	h_main(3200);
	h_main(3300);
	assert_int_equal(h_cnt(CNT_NEIGH_EXPIRED), 1);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));

	/* Gone: the next echo reply needs a new resolution. */
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 7, 1, 8);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_NEIGH_MISS), 1);
	h_main(3400);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));
}

static void
test_off_link_uses_gateway(void **state)
{
	uint8_t f[256];
	struct rte_mbuf *m;
	struct rte_arp_hdr *arp;
	size_t n;

	(void)state;
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "192.0.2.9", "10.0.0.1", 7, 1, 8);
	h_rx(0, f, n);
	h_main(1);
	m = h_tx(0);
	assert_non_null(m);
	arp = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, 14);
	assert_int_equal(arp->arp_data.arp_tip, h_ip4("10.0.0.254"));
	rte_pktmbuf_free(m);

	/* Port 1 has no gateway: no route. */
	n = h_ipv4_icmp_echo(f, &h_port_mac[1], "192.0.2.9", "10.0.1.1", 7, 1, 8);
	h_rx(1, f, n);
	assert_int_equal(h_cnt(CNT_IPV4_DROP_NO_ROUTE), 1);
	assert_int_equal(h_tx_count(1), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arp_request_answered, setup),
		cmocka_unit_test_setup(test_arp_probe_answered_not_learned, setup),
		cmocka_unit_test_setup(test_arp_refusals, setup),
		cmocka_unit_test_setup(test_eth_refusals, setup),
		cmocka_unit_test_setup(test_port_without_config, setup),
		cmocka_unit_test_setup(test_ipv4_refusals, setup),
		cmocka_unit_test_setup(test_icmp_refusals, setup),
		cmocka_unit_test_setup(test_echo_disabled, setup),
		cmocka_unit_test_setup(test_echo_known_neighbour, setup),
		cmocka_unit_test_setup(test_echo_waits_for_resolution, setup),
		cmocka_unit_test_setup(test_flood_of_unresolved_packets, setup),
		cmocka_unit_test_setup(test_full_queue_drops_on_the_worker, setup),
		cmocka_unit_test_setup(test_resolution_fails, setup),
		cmocka_unit_test_setup(test_entry_probed_then_expires, setup),
		cmocka_unit_test_setup(test_off_link_uses_gateway, setup),
	};

	return cmocka_run_group_tests_name("net_ipv4", tests, NULL, NULL);
}
