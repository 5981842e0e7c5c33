/* SPDX-License-Identifier: Proprietary
 * The software dispatcher's hash: both directions of a flow meet on one
 * worker, fragments stay with their datagram, non-IP stays put.
 */
#include <string.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "port/port.h"

static struct rte_mbuf *
frame4(const char *src, const char *dst, uint16_t sport, uint16_t dport,
       uint8_t proto, uint16_t frag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 20);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	uint16_t *ports = (uint16_t *)(ip + 1);

	memset(f, 0, 54);
	h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->next_proto_id = proto;
	ip->src_addr = h_ip4(src);
	ip->dst_addr = h_ip4(dst);
	ip->fragment_offset = rte_cpu_to_be_16(frag);
	ports[0] = rte_cpu_to_be_16(sport);
	ports[1] = rte_cpu_to_be_16(dport);
	return m;
}

static struct rte_mbuf *
frame6(const uint8_t src[16], const uint8_t dst[16], uint16_t sport, uint16_t dport)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 14 + 40 + 20);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(f + 14);
	uint16_t *ports = (uint16_t *)(ip + 1);

	memset(f, 0, 74);
	h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV6);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->proto = IPPROTO_TCP;
	memcpy(ip->src_addr, src, 16);
	memcpy(ip->dst_addr, dst, 16);
	ports[0] = rte_cpu_to_be_16(sport);
	ports[1] = rte_cpu_to_be_16(dport);
	return m;
}

static uint32_t
hash_and_free(struct rte_mbuf *m)
{
	uint32_t h = port_flow_hash(m);

	rte_pktmbuf_free(m);
	return h;
}

static void
test_symmetric_v4(void **state)
{
	unsigned distinct = 0;
	uint32_t first = 0;

	(void)state;
	for (uint16_t sport = 1000; sport < 1064; sport++) {
		uint32_t ab = hash_and_free(frame4("10.0.0.2", "10.0.0.1", sport, 443, IPPROTO_TCP, 0));
		uint32_t ba = hash_and_free(frame4("10.0.0.1", "10.0.0.2", 443, sport, IPPROTO_TCP, 0));
		uint32_t u = hash_and_free(frame4("10.0.0.1", "10.0.0.2", 443, sport, IPPROTO_UDP, 0));

		assert_int_equal(ab, ba);
		assert_int_equal(ab, u);   /* same tuple, same hash: RSS does not mix in the protocol */
		if (sport == 1000)
			first = ab;
		else if (ab != first)
			distinct++;
	}
	/* Ports take part: 64 source ports do not all collide. */
	assert_true(distinct > 32);
}

static void
test_symmetric_v6(void **state)
{
	uint8_t a[16] = { 0xfd, 0, 0, 0x10, 0, 1, [15] = 2 };
	uint8_t b[16] = { 0xfd, 0, 0, 0x10, 0, 1, [15] = 1 };

	(void)state;
	for (uint16_t sport = 2000; sport < 2016; sport++)
		assert_int_equal(hash_and_free(frame6(a, b, sport, 80)),
				 hash_and_free(frame6(b, a, 80, sport)));
}

static void
test_fragments_follow_addresses(void **state)
{
	uint32_t first, later, unfragmented_l3;

	(void)state;
	first = hash_and_free(frame4("10.0.0.2", "10.0.0.1", 1234, 80, IPPROTO_UDP,
				     RTE_IPV4_HDR_MF_FLAG));
	later = hash_and_free(frame4("10.0.0.2", "10.0.0.1", 0xdead, 0xbeef, IPPROTO_UDP, 100));
	unfragmented_l3 = hash_and_free(frame4("10.0.0.2", "10.0.0.1", 1, 2, IPPROTO_ICMP, 0));
	assert_int_equal(first, later);
	assert_int_equal(first, unfragmented_l3);
}

static void
test_non_ip_and_short(void **state)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *f = (uint8_t *)rte_pktmbuf_append(m, 20);

	(void)state;
	memset(f, 0, 20);
	h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_ARP);
	assert_int_equal(port_flow_hash(m), 0);
	/* IPv4 EtherType but only 6 bytes of header: no read past the end. */
	h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	assert_int_equal(port_flow_hash(m), 0);
	rte_pktmbuf_free(m);
}

static void
test_owner_table(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 4 * PORT_RETA_SIZE; h++)
		assert_true(port_owner(h) < dp.nworkers);
}

static int
setup(void **state)
{
	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}]}");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symmetric_v4),
		cmocka_unit_test(test_symmetric_v6),
		cmocka_unit_test(test_fragments_follow_addresses),
		cmocka_unit_test(test_non_ip_and_short),
		cmocka_unit_test(test_owner_table),
	};

	return cmocka_run_group_tests_name("port_dispatch", tests, setup, NULL);
}
