/* SPDX-License-Identifier: Proprietary
 * Jumbo frames: a dataplane booted with dp.max_mtu 9000 (rampart-dp
 * --max-mtu) has packet mbufs that hold a whole 9000-byte-MTU frame; a
 * port configured with that MTU advertises MSS 8960, receives full
 * segments in one mbuf and sends segments of up to its MSS, byte-exact,
 * by reference (ring ports take chains) and by copy (a port without
 * chains). A port MTU above the boot maximum is refused.
 */
#include <errno.h>
#include <string.h>
#include <rte_ip.h>

#include "h_tcp.h"
#include "port/port.h"

#define ECHO_PORT  7
#define JUMBO_MTU  9000
#define JUMBO_MSS  (JUMBO_MTU - 40)
#define STREAM     (6 * JUMBO_MSS)      /* inside the peer's 65535-byte window */

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"],\"mtu\":9000},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"time-wait-ms\":1000,\"receive-buffer\":262144,\"send-buffer\":262144},"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"}]}";

static const char *config_4000 =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"],\"mtu\":4000}],"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"}]}";

static uint8_t sent[STREAM], echoed[STREAM];
static uint8_t frame[JUMBO_MTU + 64];

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	return 0;
}

static inline uint8_t
pat(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + (i >> 16) + 1);
}

/* Handshake offering MSS mss (no other option); returns the MSS the
 * SYN-ACK advertised. */
static uint16_t
open_mss(struct h_peer *p, uint16_t mss)
{
	const uint8_t opts[] = { 2, 4, (uint8_t)(mss >> 8), (uint8_t)mss };
	struct h_seg synack;
	const uint8_t *o;

	h_tcp_open(p, ECHO_PORT, 1000, opts, sizeof(opts), &synack);
	o = h_tcp_opt(&synack, 2);
	assert_non_null(o);
	return (uint16_t)(o[2] << 8 | o[3]);
}

/* Collect what the worker sent on port 0 into echoed[] (by stream offset
 * from irs), checking every frame's size and checksums. Returns the
 * largest payload seen; *bytes gets the payload bytes. */
static uint32_t
collect(uint32_t irs, uint32_t *bytes)
{
	struct rte_mbuf *m;
	uint32_t largest = 0;

	while ((m = h_tx(0)) != NULL) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								  sizeof(struct rte_ether_hdr));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
		uint32_t iplen = rte_be_to_cpu_16(ip->total_length);
		uint32_t thlen = (th->data_off >> 4) * 4u, len = iplen - sizeof(*ip) - thlen;
		uint32_t off = rte_be_to_cpu_32(th->sent_seq) - irs;

		assert_true(iplen <= JUMBO_MTU);
		assert_int_equal(rte_pktmbuf_pkt_len(m), sizeof(struct rte_ether_hdr) + iplen);
		assert_int_equal(rte_ipv4_cksum(ip), 0);
		assert_int_equal(rte_ipv4_udptcp_cksum_verify(ip, th), 0);
		assert_true(off + len <= STREAM);
		memcpy(echoed + off, (uint8_t *)th + thlen, len);
		*bytes += len;
		largest = RTE_MAX(largest, len);
		rte_pktmbuf_free(m);
	}
	return largest;
}

/* Send STREAM bytes in full 8960-byte segments (9014-byte frames), each
 * one mbuf; the echo returns them byte-exact in segments of at most the
 * MSS, at least one of them full. */
static void
echo_stream(void)
{
	struct h_peer p;
	uint32_t irs, got = 0, largest = 0;

	assert_int_equal(open_mss(&p, JUMBO_MSS), JUMBO_MSS);
	irs = p.ack;
	assert_int_equal(h_tcp_conn(p.sport)->smss, JUMBO_MSS);
	for (uint32_t i = 0; i < STREAM; i++)
		sent[i] = pat(i);
	memset(echoed, 0, sizeof(echoed));
	for (uint32_t off = 0; off < STREAM; off += JUMBO_MSS) {
		size_t n = h_tcp_build(frame, &p, TH_ACK | TH_PSH, NULL, 0, sent + off, JUMBO_MSS);

		assert_int_equal(n, JUMBO_MTU + sizeof(struct rte_ether_hdr));
		h_rx(0, frame, n);
		p.seq += JUMBO_MSS;
		largest = RTE_MAX(largest, collect(irs, &got));
		/* Acknowledge what came back, so the send queue drains. */
		p.ack = irs + got;
		h_tcp_send(&p, TH_ACK, NULL, 0);
		largest = RTE_MAX(largest, collect(irs, &got));
	}
	assert_int_equal(got, STREAM);
	assert_int_equal(largest, JUMBO_MSS);
	assert_memory_equal(echoed, sent, STREAM);
	assert_int_equal(h_cnt(CNT_ETH_DROP_MULTISEG), 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_MULTISEG), 0);
	assert_int_equal(h_cnt(CNT_TCP_ERR_NO_MBUF), 0);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	h_tcp_drain();
}

static void
test_mbuf_data_room(void **state)
{
	(void)state;
	assert_int_equal(port_mbuf_data_room(576), RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(port_mbuf_data_room(1500), RTE_MBUF_DEFAULT_BUF_SIZE);
	assert_int_equal(port_mbuf_data_room(9000), RTE_PKTMBUF_HEADROOM + 9216);
	/* The pool this process booted with holds a jumbo frame. */
	assert_true(rte_pktmbuf_data_room_size(dp.pool) - RTE_PKTMBUF_HEADROOM >=
		    JUMBO_MTU + PORT_L2_OVERHEAD);
}

/* The AVX2 checksum (tcp_csum.c) and the scalar loop agree with
 * rte_raw_cksum at jumbo lengths, every alignment and a carried sum. */
static void
test_csum_jumbo_lengths(void **state)
{
	static uint8_t buf[JUMBO_MTU + 8];
	static const uint32_t lens[] = { 0, 1, 63, 64, 65, 127, 128, 129, 255, 1460, 1461,
					 4095, 8960, 8961, 8999, 9000 };

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 3) * 29 + (i >> 11) * 7 + 0x5a);
	for (unsigned o = 0; o < 4; o++)
		for (unsigned k = 0; k < RTE_DIM(lens); k++) {
			uint16_t want = rte_raw_cksum(buf + o, lens[k]);

			assert_int_equal(tcp_csum_fold(tcp_csum_add(buf + o, lens[k], 0)), want);
			assert_int_equal(tcp_csum_fold(tcp_csum_add_scalar(buf + o, lens[k], 0)), want);
			if (tcp_csum_avx2)
				assert_int_equal(tcp_csum_fold(tcp_csum_add_avx2(buf + o, lens[k], 0)),
						 want);
		}
	/* All ones, the largest lane sums: carries wrap, all ones stay. */
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(tcp_csum_fold(tcp_csum_add(buf, 8960, 0xffff)), 0xffff);
}

static void
test_echo_jumbo_by_reference(void **state)
{
	(void)state;
	assert_true(port_info[0].tx_seg_max > 1);
	echo_stream();
	assert_true(h_cnt(CNT_TCP_TX_ZEROCOPY) >= STREAM / JUMBO_MSS);
	assert_true(h_tcp_all_released());
}

/* A port without chains: each segment is copied into one packet mbuf. */
static void
test_echo_jumbo_by_copy(void **state)
{
	uint16_t saved = port_info[0].tx_seg_max;

	(void)state;
	port_info[0].tx_seg_max = 1;
	echo_stream();
	port_info[0].tx_seg_max = saved;
	assert_int_equal(h_cnt(CNT_TCP_TX_ZEROCOPY), 0);
	assert_true(h_tcp_all_released());
}

/* The MSS follows the port MTU (and the peer's MSS bounds ours). */
static void
test_mss_follows_port_mtu(void **state)
{
	struct h_peer p;

	(void)state;
	h_tcp_setup(config_4000);
	assert_int_equal(open_mss(&p, JUMBO_MSS), 4000 - 40);
	assert_int_equal(h_tcp_conn(p.sport)->smss, 4000 - 40);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_setup(config);
	assert_int_equal(open_mss(&p, 1460), JUMBO_MSS);
	assert_int_equal(h_tcp_conn(p.sport)->smss, 1460);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	h_tcp_drain();
}

/* A config asking for more than the buffers were sized for is refused with
 * a reason, and the running one stays. */
static void
test_mtu_above_boot_refused(void **state)
{
	uint16_t saved = dp.max_mtu;
	uint64_t gen = dp.generation;
	struct config_error err;
	int rc;

	(void)state;
	dp.max_mtu = 1500;
	rc = h_apply(config, &err);
	dp.max_mtu = saved;
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err.path, "/ports");
	assert_non_null(strstr(err.message, "--max-mtu"));
	assert_int_equal(dp.generation, gen);
	assert_int_equal(h_apply(config, &err), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mbuf_data_room, setup),
		cmocka_unit_test(test_csum_jumbo_lengths),
		cmocka_unit_test_setup(test_echo_jumbo_by_reference, setup),
		cmocka_unit_test_setup(test_echo_jumbo_by_copy, setup),
		cmocka_unit_test_setup(test_mss_follows_port_mtu, setup),
		cmocka_unit_test_setup(test_mtu_above_boot_refused, setup),
	};

	/* Before the harness boots (dp_init): packet mbufs for 9000. */
	dp.max_mtu = JUMBO_MTU;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
