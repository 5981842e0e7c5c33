/* SPDX-License-Identifier: Proprietary */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "harness.h"
#include "config/snapshot.h"
#include "net/neigh.h"
#include "port/port.h"
#include "stats/telemetry.h"

struct rte_ether_addr h_port_mac[H_PORTS];
const struct rte_ether_addr h_peer_mac = {{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 }};

static struct rte_ring *rx_ring[H_PORTS], *tx_ring[H_PORTS];
static bool booted;
/* Each h_setup starts a new epoch so the neighbour timers, which assume a
 * monotonic clock, never see time go backwards between tests. */
static uint64_t epoch_ms;

static void
boot(void)
{
	/* 512 MB: room for jumbo packet mbufs (test_tcp_jumbo, dp.max_mtu). */
	char *argv[] = { "unit", "--no-huge", "-m", "512", "--no-pci", "-l", "0",
			 "--no-shconf", "--no-telemetry", "--log-level", "*:error", NULL };
	unsigned lcore = 0;

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "harness: EAL init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	rampart_logtype = rte_log_register_type_and_pick_level("rampart", RTE_LOG_ERR);
	for (unsigned p = 0; p < H_PORTS; p++) {
		char name[32];
		int id;

		snprintf(name, sizeof(name), "h_rx%u", p);
		rx_ring[p] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "h_tx%u", p);
		tx_ring[p] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "h_port%u", p);
		id = rte_eth_from_rings(name, &rx_ring[p], 1, &tx_ring[p], 1, 0);
		if (id != (int)p) {
			fprintf(stderr, "harness: ring port %u: %d\n", p, id);
			exit(1);
		}
	}
	if (dp_init(&lcore, 1) != 0) {
		fprintf(stderr, "harness: dp_init failed\n");
		exit(1);
	}
	/* Ring ports have a zero MAC and cannot change it; the layers read
	 * the MAC from port_info, so give each port a distinct one there. */
	for (unsigned p = 0; p < H_PORTS; p++) {
		h_port_mac[p] = (struct rte_ether_addr){{ 0x02, 0, 0, 0, 0, 0x10 + p }};
		port_info[p].mac = h_port_mac[p];
	}
	booted = true;
}

int
h_apply(const char *config_json, struct config_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(config_json, 0, &jerr);
	uint64_t gen;
	int rc;

	if (doc == NULL) {
		snprintf(err->message, sizeof(err->message), "bad JSON: %s", jerr.text);
		return -EINVAL;
	}
	rc = snapshot_apply(doc, err, &gen);
	json_decref(doc);
	snapshot_reclaim();
	return rc;
}

void
h_reset(void)
{
	struct rte_mbuf *m;

	memset(&main_counters, 0, sizeof(main_counters));
	for (unsigned i = 0; i < dp.nworkers; i++)
		memset(&dp.workers[i]->cnt, 0, sizeof(dp.workers[i]->cnt));
	for (unsigned p = 0; p < H_PORTS; p++) {
		while (rte_ring_dequeue(tx_ring[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (rte_ring_dequeue(rx_ring[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	/* Nothing of an earlier test may still be on its way. */
	while (rte_ring_dequeue(dp.workers[0]->inject, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	for (struct rte_ring *r = dp.punt; r != NULL; r = r == dp.punt ? dp.learn : NULL) {
		struct punt_msg msg;

		while (rte_ring_dequeue_elem(r, &msg, sizeof(msg)) == 0)
			if (msg.kind == PUNT_RESOLVE)
				rte_pktmbuf_free(msg.m);
	}
}

void
h_setup(const char *config_json)
{
	struct config_error err;

	if (!booted)
		boot();
	epoch_ms += 1000000;
	if (h_apply(config_json, &err) != 0) {
		fprintf(stderr, "harness: config refused: %s: %s\n", err.path, err.message);
		fail();
	}
	h_reset();
}

void
h_rx(uint16_t port, const void *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	char *data;

	assert_non_null(m);
	data = rte_pktmbuf_append(m, len);
	assert_non_null(data);
	memcpy(data, frame, len);
	m->port = port;
	assert_int_equal(rte_ring_enqueue(rx_ring[port], m), 0);
	worker_poll_once(dp.workers[0]);
}

void
h_main(uint64_t now_ms)
{
	neigh_main_poll(epoch_ms + now_ms);
	worker_poll_once(dp.workers[0]);
}

struct rte_mbuf *
h_tx(uint16_t port)
{
	struct rte_mbuf *m;

	if (rte_ring_dequeue(tx_ring[port], (void **)&m) != 0)
		return NULL;
	/* Ring ports take chains, so TCP sends payload by reference (header
	 * mbuf + indirect mbufs); tests read frames flat. */
	if (m->nb_segs > 1 && rte_pktmbuf_linearize(m) != 0) {
		fprintf(stderr, "harness: cannot linearize a %u-segment frame\n", m->nb_segs);
		exit(1);
	}
	return m;
}

unsigned
h_tx_count(uint16_t port)
{
	return rte_ring_count(tx_ring[port]);
}

uint64_t
h_cnt(enum cnt_id id)
{
	return stats_sum(id);
}

void
h_expect_dropped(enum cnt_id id, const uint8_t *frame, size_t len)
{
	uint64_t before = h_cnt(id);

	h_rx(0, frame, len);
	h_main(1);
	assert_int_equal(h_cnt(id), before + 1);
	for (uint16_t p = 0; p < H_PORTS; p++)
		assert_int_equal(h_tx_count(p), 0);
}

uint32_t
h_ip4(const char *dotted)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, dotted, &a), 1);
	return a.s_addr;
}

size_t
h_eth(uint8_t *buf, const struct rte_ether_addr *dst, const struct rte_ether_addr *src,
      uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;

	eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = rte_cpu_to_be_16(type);
	return sizeof(*eth);
}

size_t
h_ipv4_icmp_echo(uint8_t *buf, const struct rte_ether_addr *dst_mac, const char *src,
		 const char *dst, uint16_t id, uint16_t seq, size_t payload)
{
	size_t off = h_eth(buf, dst_mac, &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t *data = (uint8_t *)(icmp + 1);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + payload);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = h_ip4(src);
	ip->dst_addr = h_ip4(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (size_t i = 0; i < payload; i++)
		data[i] = (uint8_t)i;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + payload);
	return off + sizeof(*ip) + sizeof(*icmp) + payload;
}

size_t
h_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
      const struct rte_ether_addr *sha, const char *sip,
      const struct rte_ether_addr *tha, const char *tip)
{
	size_t off = h_eth(buf, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(buf + off);

	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(op);
	arp->arp_data.arp_sha = *sha;
	arp->arp_data.arp_sip = h_ip4(sip);
	arp->arp_data.arp_tha = *tha;
	arp->arp_data.arp_tip = h_ip4(tip);
	return off + sizeof(*arp);
}
