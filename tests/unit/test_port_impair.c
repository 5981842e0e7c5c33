/* SPDX-License-Identifier: Proprietary
 * The impairment stage (port/impair.c): the same seed gives the same
 * decisions, rates land within tolerance over 100k frames, held frames come
 * back in due order, corruption breaks the checksum and never a shared
 * original, the held-frame queue is bounded, the rate limit shapes, and the
 * worker's rx/tx hooks apply a configured rule (ARP exempt).
 */
#include <math.h>
#include <string.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "port/impair.h"

#define HZ 1000000ull          /* the tests' TSC: 1 tick = 1 us */

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}]}";

static struct impair im_a, im_b;
static struct counters cnt_a, cnt_b;

/* Eth + IPv4 + TCP + len bytes of payload, checksums right; tag in the
 * first 4 payload bytes (len >= 4). */
static struct rte_mbuf *
tcp_frame(uint32_t tag, unsigned len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	uint8_t *f;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	assert_non_null(m);
	f = (uint8_t *)rte_pktmbuf_append(m, 14 + 20 + 20 + len);
	assert_non_null(f);
	memset(f, 0, 14 + 20 + 20 + len);
	h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(f + 14);
	th = (struct rte_tcp_hdr *)(ip + 1);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(20 + 20 + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = h_ip4("10.0.0.2");
	ip->dst_addr = h_ip4("10.0.0.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->src_port = rte_cpu_to_be_16(1234);
	th->dst_port = rte_cpu_to_be_16(7);
	th->data_off = 5 << 4;
	th->tcp_flags = 0x10;
	memcpy(th + 1, &tag, 4);
	for (unsigned i = 4; i < len; i++)
		((uint8_t *)(th + 1))[i] = (uint8_t)(i * 7);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	m->port = 0;
	return m;
}

static uint32_t
tag_of(const struct rte_mbuf *m)
{
	uint32_t t;

	memcpy(&t, rte_pktmbuf_mtod_offset(m, const uint8_t *, 54), 4);
	return t;
}

static bool
cksum_ok(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, const void *, 14);

	return rte_ipv4_udptcp_cksum_verify(ip, (const void *)(ip + 1)) == 0;
}

/* A snapshot with one rule on port 0. */
static void
configure(struct impair *im, struct counters *cnt, enum cfg_impair_dir dir, uint32_t seed,
	  uint32_t loss, uint32_t dup, uint32_t reorder, uint32_t delay_ms, uint32_t corrupt,
	  uint32_t rate_kbps)
{
	static struct snapshot s;

	memset(&s, 0, sizeof(s));
	s.generation = 7;
	s.nimpair = 1;
	s.impair[0] = (struct cfg_impair){ .port = 0, .dir = (uint8_t)dir, .seed = seed,
		.loss_ppm = loss, .dup_ppm = dup, .reorder_ppm = reorder,
		.reorder_delay_ms = delay_ms, .corrupt_ppm = corrupt, .rate_kbps = rate_kbps };
	impair_drain(im);
	memset(im, 0, sizeof(*im));
	memset(cnt, 0, sizeof(*cnt));
	impair_configure(im, &s, 0, HZ);
}

static int
setup(void **state)
{
	(void)state;
	h_setup(config);
	return 0;
}

/* Outcome of one frame, for comparing runs: bits 0-1 frames out now,
 * bit 2 held, bit 3 a corrupted frame out, higher bits the tag seen. */
static uint64_t
outcome(struct impair *im, struct counters *cnt, uint32_t tag, uint64_t now)
{
	struct rte_mbuf *out[2];
	uint32_t held = im->nheld;
	unsigned n = impair_frame(im, cnt, 0, CFG_IMPAIR_RX, false, tcp_frame(tag, 64), now, out);
	uint64_t r = n | (im->nheld > held ? 4u : 0u);

	for (unsigned i = 0; i < n; i++) {
		if (!cksum_ok(out[i]))
			r |= 8;
		r |= (uint64_t)tag_of(out[i]) << 8;
		rte_pktmbuf_free(out[i]);
	}
	return r;
}

static void
test_same_seed_same_decisions(void **state)
{
	unsigned differ = 0;

	(void)state;
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 42, 50000, 50000, 50000, 1, 50000, 0);
	configure(&im_b, &cnt_b, CFG_IMPAIR_RX, 42, 50000, 50000, 50000, 1, 50000, 0);
	for (uint32_t i = 0; i < 5000; i++)
		assert_int_equal(outcome(&im_a, &cnt_a, i, 0), outcome(&im_b, &cnt_b, i, 0));
	assert_memory_equal(&cnt_a, &cnt_b, sizeof(cnt_a));
	assert_true(cnt_read(&cnt_a, CNT_PORT_IMPAIR_LOST) > 0);
	/* Another seed: other decisions. */
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 42, 50000, 50000, 50000, 1, 50000, 0);
	configure(&im_b, &cnt_b, CFG_IMPAIR_RX, 43, 50000, 50000, 50000, 1, 50000, 0);
	for (uint32_t i = 0; i < 5000; i++)
		differ += outcome(&im_a, &cnt_a, i, 0) != outcome(&im_b, &cnt_b, i, 0);
	assert_true(differ > 100);
	impair_drain(&im_a);
	impair_drain(&im_b);
}

static void
assert_near(uint64_t got, double want, double tolerance)
{
	if (fabs((double)got - want) > want * tolerance)
		fail_msg("got %lu, want %.0f +- %.0f%%", (unsigned long)got, want, tolerance * 100);
}

static void
test_rates_within_tolerance(void **state)
{
	const unsigned n = 100000;
	struct impair_held h;
	uint64_t out_frames = 0;

	(void)state;
	/* The integration profiles, all at once: 2% loss, 1% duplication,
	 * 25% reordering by 10 ms, 0.1% corruption. One frame per 10 us. */
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 7, 20000, 10000, 250000, 10, 1000, 0);
	for (unsigned i = 0; i < n; i++) {
		uint64_t now = (uint64_t)i * 10;
		struct rte_mbuf *out[2];
		unsigned k = impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false, tcp_frame(i, 64),
					  now, out);

		for (unsigned j = 0; j < k; j++) {
			out_frames++;
			rte_pktmbuf_free(out[j]);
		}
		while (impair_pop_due(&im_a, now, &h)) {
			out_frames++;
			rte_pktmbuf_free(h.m);
		}
	}
	while (impair_pop_due(&im_a, UINT64_MAX, &h)) {
		out_frames++;
		rte_pktmbuf_free(h.m);
	}
	assert_near(cnt_read(&cnt_a, CNT_PORT_IMPAIR_LOST), n * 0.02, 0.10);
	assert_near(cnt_read(&cnt_a, CNT_PORT_IMPAIR_DUPLICATED), n * 0.98 * 0.01, 0.15);
	assert_near(cnt_read(&cnt_a, CNT_PORT_IMPAIR_CORRUPTED), n * 0.98 * 0.001, 0.40);
	/* Duplicates get their own reordering draw. */
	assert_near(cnt_read(&cnt_a, CNT_PORT_IMPAIR_REORDERED), n * 0.98 * 1.01 * 0.25, 0.05);
	assert_int_equal(cnt_read(&cnt_a, CNT_PORT_IMPAIR_QUEUE_FULL), 0);
	/* Every frame not lost came out, duplicates twice. */
	assert_int_equal(out_frames, n - cnt_read(&cnt_a, CNT_PORT_IMPAIR_LOST) +
			 cnt_read(&cnt_a, CNT_PORT_IMPAIR_DUPLICATED));
	assert_int_equal(im_a.nheld, 0);
}

static void
test_delay_order(void **state)
{
	struct impair_held h;
	uint64_t last_due = 0, last_seq = 0;
	unsigned passed = 0, released = 0;
	bool first = true;

	(void)state;
	/* Half the frames held 5 ms; frames arrive every 100 us. */
	configure(&im_a, &cnt_a, CFG_IMPAIR_TX, 3, 0, 0, 500000, 5, 0, 0);
	for (uint32_t i = 0; i < 200; i++) {
		struct rte_mbuf *out[2];
		unsigned k = impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_TX, false, tcp_frame(i, 16),
					  (uint64_t)i * 100, out);

		passed += k;
		for (unsigned j = 0; j < k; j++)
			rte_pktmbuf_free(out[j]);
	}
	assert_int_equal(passed + im_a.nheld, 200);
	assert_int_equal(im_a.nheld, cnt_read(&cnt_a, CNT_PORT_IMPAIR_REORDERED));
	/* Nothing is due before its 5 ms. */
	assert_false(impair_pop_due(&im_a, 4999, &h));
	while (impair_pop_due(&im_a, UINT64_MAX, &h)) {
		uint32_t tag = tag_of(h.m);

		assert_int_equal(h.dir, CFG_IMPAIR_TX);
		assert_int_equal(h.due_tsc, (uint64_t)tag * 100 + 5000);
		if (!first)
			assert_true(h.due_tsc > last_due ||
				    (h.due_tsc == last_due && h.seq > last_seq));
		first = false;
		last_due = h.due_tsc;
		last_seq = h.seq;
		released++;
		rte_pktmbuf_free(h.m);
	}
	assert_int_equal(passed + released, 200);
}

static void
test_corruption(void **state)
{
	struct rte_mbuf *m, *orig, *out[2];
	uint8_t before[200];
	unsigned diff = 0;

	(void)state;
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 9, 0, 0, 0, 0, 1000000, 0);
	for (unsigned round = 0; round < 50; round++) {
		m = tcp_frame(round, 100);
		memcpy(before, rte_pktmbuf_mtod(m, void *), m->data_len);
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
		assert_int_equal(impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false, m, 0, out), 1);
		diff = 0;
		for (unsigned i = 0; i < out[0]->data_len; i++) {
			uint8_t b = rte_pktmbuf_mtod(out[0], uint8_t *)[i];

			if (b != before[i]) {
				assert_true(i >= 14 + 20);   /* the IP payload only */
				diff++;
			}
		}
		assert_int_equal(diff, 1);
		assert_false(cksum_ok(out[0]));
		assert_int_equal(out[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, 0);
		rte_pktmbuf_free(out[0]);
	}
	/* A frame whose data is shared is copied, the original kept intact. */
	orig = tcp_frame(77, 100);
	memcpy(before, rte_pktmbuf_mtod(orig, void *), orig->data_len);
	m = rte_pktmbuf_clone(orig, dp.pool);
	assert_non_null(m);
	assert_int_equal(impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false, m, 0, out), 1);
	assert_memory_equal(rte_pktmbuf_mtod(orig, void *), before, orig->data_len);
	assert_true(cksum_ok(orig));
	assert_false(cksum_ok(out[0]));
	rte_pktmbuf_free(out[0]);
	rte_pktmbuf_free(orig);
	assert_int_equal(cnt_read(&cnt_a, CNT_PORT_IMPAIR_CORRUPTED), 51);
}

static void
test_queue_bound_and_arp(void **state)
{
	struct rte_mbuf *out[2];
	uint8_t f[64];
	size_t n;

	(void)state;
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 5, 0, 0, 1000000, 100, 0, 0);
	for (unsigned i = 0; i < IMPAIR_QUEUE_MAX + 10; i++)
		assert_int_equal(impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false,
					      tcp_frame(i, 4), 0, out), 0);
	assert_int_equal(im_a.nheld, IMPAIR_QUEUE_MAX);
	assert_int_equal(cnt_read(&cnt_a, CNT_PORT_IMPAIR_QUEUE_FULL), 10);
	impair_drain(&im_a);
	assert_int_equal(im_a.nheld, 0);

	/* ARP is never impaired, even by 100% loss. */
	configure(&im_a, &cnt_a, CFG_IMPAIR_RX, 5, 1000000, 0, 0, 0, 0, 0);
	n = h_arp(f, RTE_ARP_OP_REQUEST, &h_port_mac[0], &h_peer_mac, "10.0.0.2",
		  &h_port_mac[0], "10.0.0.1");
	out[0] = rte_pktmbuf_alloc(dp.pool);
	memcpy(rte_pktmbuf_append(out[0], n), f, n);
	assert_int_equal(impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false, out[0], 0, out), 1);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_RX, false, tcp_frame(1, 4), 0,
				      out), 0);
	assert_int_equal(cnt_read(&cnt_a, CNT_PORT_IMPAIR_LOST), 1);
}

static void
test_rate_limit(void **state)
{
	struct rte_mbuf *out[2];
	struct impair_held h;
	unsigned passed = 0, held, released = 0;
	uint64_t last = 0;

	(void)state;
	/* 1000-byte frames (1054 on the wire) at 8432 kbit/s: 1 ms each. */
	configure(&im_a, &cnt_a, CFG_IMPAIR_TX, 5, 0, 0, 0, 0, 0, 8432);
	for (unsigned i = 0; i < 200; i++) {
		unsigned k = impair_frame(&im_a, &cnt_a, 0, CFG_IMPAIR_TX, false,
					  tcp_frame(i, 1000), 0, out);

		passed += k;
		for (unsigned j = 0; j < k; j++)
			rte_pktmbuf_free(out[j]);
	}
	held = im_a.nheld;
	/* The first goes at once; 100 ms of backlog are held; the rest drop. */
	assert_int_equal(passed, 1);
	assert_int_equal(held, 100);
	assert_int_equal(cnt_read(&cnt_a, CNT_PORT_IMPAIR_RATE_DROP), 99);
	while (impair_pop_due(&im_a, UINT64_MAX, &h)) {
		assert_int_equal(tag_of(h.m), released + 1);   /* in order */
		assert_true(h.due_tsc >= last + 999 && h.due_tsc <= last + 1001);
		last = h.due_tsc;
		released++;
		rte_pktmbuf_free(h.m);
	}
	assert_int_equal(released, held);
}

/* The worker's hooks: a configured rule applies to rx and tx of its port. */
static void
test_worker_hooks(void **state)
{
	uint8_t f[256];
	size_t n;
	struct rte_mbuf *m;

	(void)state;
	h_setup(config);
	n = h_arp(f, RTE_ARP_OP_REQUEST, &h_port_mac[0], &h_peer_mac, "10.0.0.2",
		  &h_port_mac[0], "10.0.0.1");
	h_rx(0, f, n);
	h_main(1);
	h_reset();
	/* No rule: the echo is answered. */
	n = h_ipv4_icmp_echo(f, &h_port_mac[0], "10.0.0.2", "10.0.0.1", 1, 1, 32);
	h_rx(0, f, n);
	assert_int_equal(h_tx_count(0), 1);
	h_reset();

	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"loss-ppm\":1000000}]}");
	h_rx(0, f, n);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_PORT_IMPAIR_LOST), 1);

	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"impairment\":[{\"port\":0,\"direction\":\"tx\",\"loss-ppm\":1000000}]}");
	h_rx(0, f, n);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_PORT_IMPAIR_LOST), 1);
	assert_int_equal(h_cnt(CNT_ICMP_TX_ECHO_REPLY), 1);

	/* Held 2 ms on rx, then answered by a later pass. */
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"reorder-ppm\":1000000,"
		"\"reorder-delay-ms\":2}]}");
	h_rx(0, f, n);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(dp.workers[0]->impair.nheld, 1);
	rte_delay_us_block(3000);
	worker_poll_once(dp.workers[0]);
	assert_int_equal(h_tx_count(0), 1);
	m = h_tx(0);
	rte_pktmbuf_free(m);
	assert_int_equal(h_cnt(CNT_PORT_IMPAIR_REORDERED), 1);

	/* Back to no rule: nothing impaired. */
	h_setup(config);
	worker_poll_once(dp.workers[0]);
	assert_int_equal(dp.workers[0]->impair.rx_ports | dp.workers[0]->impair.tx_ports, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_seed_same_decisions, setup),
		cmocka_unit_test_setup(test_rates_within_tolerance, setup),
		cmocka_unit_test_setup(test_delay_order, setup),
		cmocka_unit_test_setup(test_corruption, setup),
		cmocka_unit_test_setup(test_queue_bound_and_arp, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
		cmocka_unit_test(test_worker_hooks),
	};

	return cmocka_run_group_tests_name("port_impair", tests, NULL, NULL);
}
