/* SPDX-License-Identifier: Proprietary
 * The TCP stack driven through a real worker pass with ring ports: the
 * handshake and its options, the echo and discard test services, in-order
 * and out-of-order data, RTO retransmission with backoff (time driven by
 * tcp_clock_set), orderly close, RST and SYN handling with RFC 5961
 * challenge ACKs and their rate limit, and refused segments, each on its
 * own counter.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "h_tcp.h"

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"ooo-max-segments\":4,\"time-wait-ms\":1000,\"challenge-acks-per-second\":3,"
	"          \"receive-buffer\":65536,\"send-buffer\":65536},"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"},{\"port\":9,\"service\":\"discard\"}]}";

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	return 0;
}

/* Handshake with MSS 1460 and window scale 7 (no timestamps: segments stay
 * easy to read). Leaves the connection ESTABLISHED. */
static void
connect_to(struct h_peer *p, uint16_t dport)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };

	h_tcp_open(p, dport, 1000, opts, sizeof(opts), NULL);
	assert_int_equal(h_tx_count(0), 0);
}

/* Like connect_to, for a service that sends at once: the data segment
 * that answers the handshake's ACK is returned in r. */
static void
connect_to_expect_data(struct h_peer *p, uint16_t dport, struct h_seg *r)
{
	h_tcp_open(p, dport, 1000, NULL, 0, r);
	assert_true(h_tcp_take(r));
}

static void
test_handshake_options(void **state)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0,
					1, 3, 3, 7 };
	uint8_t f[256];
	struct h_seg r;
	size_t n;
	bool mss = false, ws = false, sack = false, ts = false;

	(void)state;
	n = h_tcp_frame(f, H_PEER_ADDR, 33333, 7, 5000, 0, TH_SYN, 64240, opts, sizeof(opts), NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_SYN | TH_ACK);
	assert_int_equal(r.ack, 5001);
	for (unsigned i = 0; i < r.optlen;) {
		uint8_t k = r.opts[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (k == 2) {
			mss = true;
			assert_int_equal(r.opts[i + 2] << 8 | r.opts[i + 3], 1460);
		}
		if (k == 3) {
			ws = true;
			assert_int_equal(r.opts[i + 2], 1);  /* 65536 needs one shift */
		}
		if (k == 4)
			sack = true;
		if (k == 8) {
			ts = true;
			/* TSecr echoes the SYN's TSval, 1. */
			assert_int_equal(r.opts[i + 6] | r.opts[i + 7] | r.opts[i + 8], 0);
			assert_int_equal(r.opts[i + 9], 1);
		}
		i += r.opts[i + 1];
	}
	assert_true(mss && ws && sack && ts);
	assert_int_equal(h_cnt(CNT_TCP_SYN_RECEIVED), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);

	/* A repeated SYN gets the same SYN-ACK again. */
	h_rx(0, f, n);
	{
		struct h_seg r2;

		assert_true(h_tcp_take(&r2));
		assert_int_equal(r2.flags, TH_SYN | TH_ACK);
		assert_int_equal(r2.seq, r.seq);
	}
	/* Unanswered, the SYN-ACK is retransmitted after the initial RTO. */
	h_tcp_advance(1000);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_SYN | TH_ACK);
	assert_int_equal(h_cnt(CNT_TCP_RTO), 1);
	/* An ACK outside SND.UNA..SND.NXT is answered with RST. */
	n = h_tcp_frame(f, H_PEER_ADDR, 33333, 7, 5001, r.seq + 7, TH_ACK, 64240, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST);
	assert_int_equal(h_cnt(CNT_TCP_DROP_BAD_SYNACK_ACK), 1);
	/* Gives up after TCP_SYNACK_RETRIES. */
	for (int i = 0; i < 8; i++)
		h_tcp_advance(60000);
	assert_int_equal(h_cnt(CNT_TCP_TIMEOUT), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	h_reset();
}

static void
test_echo_in_order_and_close(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	connect_to(&p, 7);
	assert_int_equal(h_cnt(CNT_TCP_OPENED), 1);
	h_tcp_send(&p, TH_ACK | TH_PSH, "hello", 5);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 5);
	assert_memory_equal(r.data, "hello", 5);
	assert_int_equal(r.seq, p.ack);
	assert_int_equal(r.ack, p.seq);
	assert_true(r.flags & TH_ACK);
	p.ack += 5;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_int_equal(h_tx_count(0), 0);

	/* The peer closes: echo closes too (our FIN, ACKing theirs). */
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_FIN);
	assert_int_equal(r.ack, p.seq);
	assert_int_equal(r.seq, p.ack);
	p.ack++;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	h_tcp_advance(1);
	assert_int_equal(h_cnt(CNT_TCP_CLOSED), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	/* Anything more goes to the listener, which resets it. */
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST);
	assert_int_equal(r.seq, p.ack);
	assert_int_equal(h_cnt(CNT_TCP_DROP_LISTEN), 1);
}

static void
test_out_of_order_merged(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base;

	(void)state;
	connect_to(&p, 7);
	base = p.seq;
	/* Second half first: a duplicate ACK at once, with a SACK block...
	 * (SACK was not offered in connect_to: no block). */
	p.seq = base + 5;
	h_tcp_send(&p, TH_ACK, "56789", 5);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 0);
	assert_int_equal(r.ack, base);
	assert_int_equal(h_cnt(CNT_TCP_OOO_QUEUED), 1);
	/* The same again is a duplicate. */
	p.seq = base + 5;
	h_tcp_send(&p, TH_ACK, "56789", 5);
	assert_int_equal(h_cnt(CNT_TCP_DROP_DUPLICATE), 1);
	rte_pktmbuf_free(h_tx(0));
	/* The gap fills: all ten bytes are echoed in order. */
	p.seq = base;
	h_tcp_send(&p, TH_ACK, "01234", 5);
	assert_int_equal(h_cnt(CNT_TCP_OOO_MERGED), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 10);
	assert_memory_equal(r.data, "0123456789", 10);
	assert_int_equal(r.ack, base + 10);
	assert_int_equal(h_tx_count(0), 0);
	/* More out-of-order segments than the queue holds (4). */
	for (unsigned i = 0; i < 5; i++) {
		p.seq = base + 20 + 10 * i;
		h_tcp_send(&p, TH_ACK, "x", 1);
		rte_pktmbuf_free(h_tx(0));
	}
	assert_int_equal(h_cnt(CNT_TCP_DROP_OOO_FULL), 1);
	h_reset();
}

static void
test_rto_retransmits_with_backoff(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	connect_to(&p, 7);
	h_tcp_send(&p, TH_ACK, "abc", 3);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 3);
	/* Unacknowledged: first a tail loss probe (RFC 8985 7.2: 2 SRTT, 0
	 * here, plus the delayed-ACK time for a lone segment: 40 ms). */
	h_tcp_advance(39);
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_advance(1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 3);
	assert_int_equal(h_cnt(CNT_TCP_LOSS_PROBE), 1);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 0);
	/* The handshake measured an RTT of 0 ms, so the RTO after the probe
	 * is rto-min-ms, 200 (RFC 6298 2.2, 2.4). */
	h_tcp_advance(199);
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_advance(1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "abc", 3);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 1);
	/* Backed off (RFC 6298 5.5): the next one after 400 ms, not 200. */
	h_tcp_advance(300);
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_advance(100);
	assert_true(h_tcp_take(&r));
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 2);
	/* Acknowledged: no more retransmissions. */
	p.ack += 3;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	h_tcp_advance(10000);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 2);
	h_tcp_send(&p, TH_RST, NULL, 0);
}

static void
test_delayed_ack(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	connect_to(&p, 9);   /* discard: reads, never answers with data */
	h_tcp_send(&p, TH_ACK, "zz", 2);
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_advance(40);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 0);
	assert_int_equal(r.ack, p.seq);
	assert_int_equal(h_cnt(CNT_TCP_DELAYED_ACK), 1);
	/* Two segments: ACK at once (RFC 1122 4.2.3.2). */
	h_tcp_send(&p, TH_ACK, "a", 1);
	h_tcp_send(&p, TH_ACK, "b", 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, p.seq);
	h_tcp_send(&p, TH_RST, NULL, 0);
}

/* A zero window from the peer stops our data; its window update arrives
 * with a sequence number at the very edge of our window (it filled the
 * window and lost a segment) and must still be processed (RFC 9293
 * 3.10.7.4, "special allowance ... to accept valid ACKs"). */
static void
test_window_edge_ack_processed(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t edge;

	(void)state;
	connect_to(&p, 7);
	p.win = 0;
	h_tcp_send(&p, TH_ACK, "abc", 3);
	assert_int_equal(h_tx_count(0), 0);      /* echo is blocked by the window */
	h_tcp_advance(40);
	assert_true(h_tcp_take(&r));                   /* the delayed ACK */
	assert_int_equal(r.len, 0);
	edge = r.ack + ((uint32_t)r.win << 1);   /* window scale 1 for 64 KiB */
	p.seq = edge;
	p.win = 65535;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "abc", 3);
	p.seq = r.ack;
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

/* An application of our own through the socket-like API: it greets, then
 * closes first, so the stack walks FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT. */
static int closed_calls;
static enum tcp_close_reason closed_why;

static int
greeter_accept(struct tcp_conn *c)
{
	assert_int_equal(tcp_write(c, "bye", 3), 3);
	assert_int_equal(tcp_close(c), 0);
	assert_int_equal(tcp_close(c), -EALREADY);
	assert_int_equal(tcp_send_space(c), 0);
	return 0;
}

static void
greeter_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	closed_calls++;
	closed_why = why;
}

static const struct tcp_app_ops greeter = {
	.name = "greeter", .on_accept = greeter_accept, .on_closed = greeter_closed,
};

static void
test_active_close_time_wait(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	assert_int_equal(tcp_listen(dp.workers[0], 100, &greeter), 0);
	assert_int_equal(tcp_listen(dp.workers[0], 100, &greeter), -EEXIST);
	closed_calls = 0;
	connect_to_expect_data(&p, 100, &r);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "bye", 3);
	assert_true(r.flags & TH_FIN);           /* FIN rides on the data */
	p.ack += 4;
	h_tcp_send(&p, TH_ACK, NULL, 0);           /* -> FIN-WAIT-2 */
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);  /* -> TIME-WAIT */
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK);
	assert_int_equal(r.ack, p.seq);
	assert_int_equal(closed_calls, 1);
	assert_int_equal(closed_why, TCP_CLOSE_NORMAL);
	/* A retransmitted FIN is ACKed again. */
	p.seq--;
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, p.seq);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	h_tcp_advance(1000);                           /* time-wait-ms */
	assert_int_equal(h_cnt(CNT_TCP_TIME_WAIT_DONE), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_int_equal(closed_calls, 1);
	assert_int_equal(tcp_unlisten(dp.workers[0], 100), 0);
	assert_int_equal(tcp_unlisten(dp.workers[0], 100), -ENOENT);
}

/* Zero window: the RTO timer doubles as the persist timer and sends a
 * probe without data (<SEQ=SND.UNA-1>: no byte beyond the window for the
 * peer to drop); probing never gives up and is no retransmission. */
static void
test_zero_window_probe(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	connect_to(&p, 7);
	p.win = 0;
	h_tcp_send(&p, TH_ACK, "xyz", 3);
	h_tcp_advance(40);
	assert_true(h_tcp_take(&r));                   /* delayed ACK, no data */
	assert_int_equal(r.len, 0);
	h_tcp_advance(1000);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 0);
	assert_int_equal(r.seq, p.ack - 1);
	for (int i = 0; i < 12; i++)
		h_tcp_advance(60000);
	assert_int_equal(h_cnt(CNT_TCP_TIMEOUT), 0);
	assert_true(h_cnt(CNT_TCP_PERSIST_PROBE) >= 12);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 0);
	while (h_tx_count(0))
		rte_pktmbuf_free(h_tx(0));
	/* The window opens: all of it follows. */
	p.win = 65535;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "xyz", 3);
	h_tcp_send(&p, TH_RST, NULL, 0);
}

/* RFC 5961 5.2: an ACK below SND.UNA - MAX.SND.WND and one beyond SND.NXT
 * both get a challenge ACK; neither changes anything. */
static void
test_bad_acks(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t good;

	(void)state;
	h_tcp_advance(1000);       /* a fresh challenge-ACK budget */
	connect_to(&p, 9);
	good = p.ack;
	p.ack = good - 0x10000000;   /* MAX.SND.WND is 65535 << 7 */
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(h_cnt(CNT_TCP_DROP_ACK_TOO_OLD), 1);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 1);
	p.ack = good + 10;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, good);
	assert_int_equal(h_cnt(CNT_TCP_DROP_ACK_UNSENT), 1);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 2);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	p.ack = good;
	h_tcp_send(&p, TH_RST, NULL, 0);
}

/* RFC 5961 5.2 with 7: ACKs for data not yet sent spend the same per-second
 * challenge-ACK budget as RSTs and SYNs; past it they are dropped silently,
 * and the connection survives either way. */
static void
test_ack_unsent_challenge_limited(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t good;

	(void)state;
	h_tcp_advance(1000);       /* a fresh second for the budget (3 per second) */
	connect_to(&p, 7);
	h_reset();
	good = p.ack;
	p.seq += 10;
	h_tcp_send(&p, TH_RST, NULL, 0);       /* in window, not RCV.NXT: 1 */
	p.seq -= 10;
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 1);
	p.ack = good + 1000;
	for (unsigned i = 0; i < 4; i++)
		h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_ACK_UNSENT), 4);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 3);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK_LIMITED), 2);
	assert_int_equal(h_tx_count(0), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.seq, good);
		assert_int_equal(r.flags, TH_ACK);
	}
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	h_reset();
	/* A new second, a new budget; the connection still works. */
	h_tcp_advance(1000);
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 1);
	assert_true(h_tcp_take(&r));
	p.ack = good;
	h_tcp_send(&p, TH_ACK | TH_PSH, "hi", 2);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 2);
	assert_memory_equal(r.data, "hi", 2);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_reset();
}

/* RFC 7323 5.3: with timestamps on, a segment with an older TSval is a
 * duplicate from a previous incarnation of the sequence space. */
static void
test_paws(void **state)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 0, 0 };
	uint8_t opts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 0, 0 };
	uint8_t f[256];
	struct h_seg r;
	uint32_t ack;
	size_t n;

	(void)state;
	n = h_tcp_frame(f, H_PEER_ADDR, 41000, 9, 1000, 0, TH_SYN, 65535, syn_opts, sizeof(syn_opts), NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	ack = r.seq + 1;
	/* TSval 0x100 -> 0x200 accepted... */
	opts[6] = 2;
	n = h_tcp_frame(f, H_PEER_ADDR, 41000, 9, 1001, ack, TH_ACK, 65535, opts, sizeof(opts), "ab", 2);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_OPENED), 1);
	/* ... then 0x100 again is refused, answered with an ACK. */
	opts[6] = 1;
	n = h_tcp_frame(f, H_PEER_ADDR, 41000, 9, 1003, ack, TH_ACK, 65535, opts, sizeof(opts), "cd", 2);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_DROP_PAWS), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, 1003);
	n = h_tcp_frame(f, H_PEER_ADDR, 41000, 9, 1003, ack, TH_RST, 0, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

/* RFC 2018: with SACK-permitted exchanged, the duplicate ACK for an
 * out-of-order segment carries its block. */
static void
test_sack_blocks(void **state)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 1 };
	uint8_t f[256];
	struct h_seg r;
	struct h_peer p = { .sport = 42000, .dport = 9, .seq = 1000, .win = 65535 };
	size_t n;
	uint32_t l, h;

	(void)state;
	n = h_tcp_frame(f, H_PEER_ADDR, p.sport, p.dport, p.seq, 0, TH_SYN, 65535, opts, sizeof(opts), NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	p.seq = 1001;
	p.ack = r.seq + 1;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	p.seq = 1011;
	h_tcp_send(&p, TH_ACK, "0123456789", 10);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, 1001);
	/* NOP NOP SACK(5) len 10 left right */
	assert_int_equal(r.optlen, 12);
	assert_int_equal(r.opts[2], 5);
	assert_int_equal(r.opts[3], 10);
	memcpy(&l, r.opts + 4, 4);
	memcpy(&h, r.opts + 8, 4);
	assert_int_equal(rte_be_to_cpu_32(l), 1011);
	assert_int_equal(rte_be_to_cpu_32(h), 1021);
	p.seq = 1001;
	h_tcp_send(&p, TH_ACK, "abcdefghij", 10);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, 1021);
	assert_int_equal(r.optlen, 0);
	p.seq = 1021;
	h_tcp_send(&p, TH_RST, NULL, 0);
}

static void
test_rst_rules(void **state)
{
	struct h_peer p;
	struct h_seg r;

	(void)state;
	connect_to(&p, 7);
	/* In the window but not RCV.NXT: challenge ACK, connection lives. */
	p.seq += 100;
	h_tcp_send(&p, TH_RST, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK);
	assert_int_equal(r.ack, p.seq - 100);
	assert_int_equal(h_cnt(CNT_TCP_DROP_RST_IN_WINDOW), 1);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	/* Outside the window: dropped silently. */
	p.seq += 1000000;
	h_tcp_send(&p, TH_RST, NULL, 0);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_OUT_OF_WINDOW), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	/* SYN on an established connection: challenge ACK (RFC 5961 4.2). */
	p.seq -= 1000100;
	h_tcp_send(&p, TH_SYN, NULL, 0);
	p.seq--;                        /* refused: it took no sequence space */
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SYNCHRONIZED), 1);
	/* Exactly RCV.NXT: reset. */
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	assert_int_equal(h_cnt(CNT_TCP_RST_RX), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

static void
test_challenge_ack_rate_limited(void **state)
{
	struct h_peer p;

	(void)state;
	h_tcp_advance(1000);       /* a fresh second for the budget */
	connect_to(&p, 7);
	for (unsigned i = 0; i < 5; i++) {
		p.seq += 10;
		h_tcp_send(&p, TH_RST, NULL, 0);
	}
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 3);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK_LIMITED), 2);
	assert_int_equal(h_tx_count(0), 3);
	h_reset();
	/* A new second, a new budget. */
	h_tcp_advance(1000);
	p.seq += 10;
	h_tcp_send(&p, TH_RST, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_CHALLENGE_ACK), 1);
	p.seq -= 60;
	h_tcp_send(&p, TH_RST, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_RST_RX), 1);
	h_reset();
}

static void
test_discard_and_peer_close(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint8_t big[1400];

	(void)state;
	memset(big, 'd', sizeof(big));
	connect_to(&p, 9);
	h_tcp_send(&p, TH_ACK, big, sizeof(big));
	h_tcp_send(&p, TH_ACK, big, sizeof(big));
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 0);
	assert_int_equal(r.ack, p.seq);
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK | TH_FIN);
	p.ack++;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

static void
test_closed_port_and_listener_rules(void **state)
{
	uint8_t f[256];
	struct h_seg r;
	size_t n;

	(void)state;
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 80, 77, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST | TH_ACK);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.ack, 78);
	/* An ACK to a listener: <SEQ=SEG.ACK><CTL=RST>. */
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 77, 4242, TH_ACK, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST);
	assert_int_equal(r.seq, 4242);
	assert_int_equal(h_cnt(CNT_TCP_DROP_LISTEN), 1);
	/* An RST to a closed port is not answered. */
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 80, 77, 0, TH_RST, 0, NULL, 0, NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_NO_LISTENER, f, n);
}

static void
test_refusals(void **state)
{
	static const uint8_t bad_opt[] = { 2, 0, 0, 0 };        /* length 0 */
	static const uint8_t bad_mss[] = { 2, 3, 0, 1 };        /* MSS of length 3 */
	uint8_t f[256];
	size_t n;

	(void)state;
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	f[n - 3] ^= 0x55;                                        /* in the header */
	h_expect_dropped(CNT_TCP_DROP_BAD_CHECKSUM, f, n);

	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN | TH_FIN, 1000, NULL, 0, NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_FLAGS, f, n);
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN | TH_RST, 1000, NULL, 0, NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_FLAGS, f, n);
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, 0, 1000, NULL, 0, NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_FLAGS, f, n);
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN, 1000, bad_opt, sizeof(bad_opt), NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_OPTIONS, f, n);
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN, 1000, bad_mss, sizeof(bad_mss), NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_OPTIONS, f, n);
	n = h_tcp_frame(f, H_PEER_ADDR, 0, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_expect_dropped(CNT_TCP_DROP_BAD_PORT, f, n);

	/* Data offset beyond the segment, with a checksum that matches. */
	n = h_tcp_frame(f, H_PEER_ADDR, 1234, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

		th->data_off = 0xf0;
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		h_expect_dropped(CNT_TCP_DROP_BAD_DOFF, f, n);
		th->data_off = 0x40;
		h_expect_dropped(CNT_TCP_DROP_BAD_DOFF, f, n);
	}
	/* Shorter than a TCP header. */
	{
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);

		ip->total_length = rte_cpu_to_be_16(20 + 10);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		h_expect_dropped(CNT_TCP_DROP_TRUNCATED, f, 14 + 30);
	}
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

static void
test_table_full(void **state)
{
	uint8_t f[256];
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"tcp\":{\"max-connections-per-worker\":2},"
		"\"test-services\":[{\"port\":7,\"service\":\"echo\"}]}");
	h_tcp_advance(1);
	for (uint16_t i = 0; i < 2; i++) {
		n = h_tcp_frame(f, H_PEER_ADDR, 2000 + i, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
		h_rx(0, f, n);
	}
	assert_int_equal(tcp_conn_count(dp.workers[0]), 2);
	n = h_tcp_frame(f, H_PEER_ADDR, 2002, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_DROP_TABLE_FULL), 1);
	/* Clean up: time the half-open ones out. */
	for (int i = 0; i < 8; i++)
		h_tcp_advance(60000);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}


/* SYN cookies: encode/decode ------------------------------------------------ */

static void
test_cookie_encode_decode(void **state)
{
	struct tcp_key k = { .family = AF_INET }, k2;
	uint64_t now = 5000000;
	uint32_t ck;
	int ws;
	bool sack;

	(void)state;
	k.laddr[0] = 10;
	k.raddr[0] = 10;
	k.raddr[3] = 2;
	k.lport = rte_cpu_to_be_16(7);
	k.rport = rte_cpu_to_be_16(40000);
	for (unsigned idx = 0; idx < TCP_COOKIE_NMSS; idx++) {
		ck = tcp_cookie_make(&k, 123456, now, idx);
		/* Valid now and through the next period. */
		assert_int_equal(tcp_cookie_check(&k, 123456, ck, now), (int)idx);
		assert_int_equal(tcp_cookie_check(&k, 123456, ck, now + (1u << TCP_COOKIE_PERIOD_SHIFT)),
				 (int)idx);
		/* Expired two periods later; never valid from the future. */
		assert_int_equal(tcp_cookie_check(&k, 123456, ck,
						  now + (2u << TCP_COOKIE_PERIOD_SHIFT)), -1);
		assert_int_equal(tcp_cookie_check(&k, 123456, ck,
						  now - (1u << TCP_COOKIE_PERIOD_SHIFT)), -1);
	}
	ck = tcp_cookie_make(&k, 123456, now, 3);
	/* Forged: another peer ISN, another tuple, flipped bits. */
	assert_int_equal(tcp_cookie_check(&k, 987654321, ck, now), -1);
	k2 = k;
	k2.rport = rte_cpu_to_be_16(40001);
	assert_int_equal(tcp_cookie_check(&k2, 123456, ck, now), -1);
	/* (A change of a few units only moves the MSS index, as in Linux: the
	 * peer ISN and the index are added, not hashed.) */
	for (unsigned b = 3; b < 32; b++)
		assert_int_equal(tcp_cookie_check(&k, 123456, ck ^ (1u << b), now), -1);
	/* An MSS index outside the table never validates. */
	ck = tcp_cookie_make(&k, 123456, now, TCP_COOKIE_NMSS);
	assert_int_equal(tcp_cookie_check(&k, 123456, ck, now), -1);
	/* The table: largest entry not above the MSS. */
	assert_int_equal(tcp_cookie_mss(tcp_cookie_mss_idx(1460)), 1460);
	assert_int_equal(tcp_cookie_mss(tcp_cookie_mss_idx(1459)), 1440);
	assert_int_equal(tcp_cookie_mss(tcp_cookie_mss_idx(100)), 536);
	assert_int_equal(tcp_cookie_mss(tcp_cookie_mss_idx(9000)), 1460);
	/* Options in the timestamp: never ahead of the clock. */
	for (uint64_t t = now; t < now + 64; t++) {
		uint32_t tsv = tcp_cookie_tsval(t, 7, true);

		assert_true(SEQ_LEQ(tsv, (uint32_t)t) && SEQ_GT(tsv, (uint32_t)t - 64));
		tcp_cookie_ts_opts(tsv, &ws, &sack);
		assert_int_equal(ws, 7);
		assert_true(sack);
		tcp_cookie_ts_opts(tcp_cookie_tsval(t, -1, false), &ws, &sack);
		assert_int_equal(ws, -1);
		assert_false(sack);
	}
}

static const char *cookie_config =
	"{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
	"\"tcp\":{\"syn-backlog\":2,\"receive-buffer\":262144},"
	"\"test-services\":[{\"port\":7,\"service\":\"echo\"}]}";

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void
test_syn_cookies_engage_and_drain(void **state)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0,
					    1, 3, 3, 7 };
	struct tcp_worker *tw = dp.workers[0]->tcp;
	uint8_t f[256], opts[12] = { 1, 1, 8, 10, 0, 0, 0, 10 };
	struct h_seg r;
	struct tcp_conn *c;
	const uint8_t *o;
	struct tcp_key k;
	size_t n;

	(void)state;
	h_setup(cookie_config);
	h_tcp_advance(1);
	h_reset();
	/* Two SYNs fill the backlog and keep state. */
	for (uint16_t i = 0; i < 2; i++) {
		n = h_tcp_frame(f, H_PEER_ADDR, 2000 + i, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
		h_rx(0, f, n);
		assert_true(h_tcp_take(&r));
	}
	assert_int_equal(tw->n_half_open, 2);
	assert_int_equal(h_cnt(CNT_TCP_SYN_RECEIVED), 2);
	/* The third gets a cookie: no state, the options come back. */
	n = h_tcp_frame(f, H_PEER_ADDR, 2002, 7, 7000, 0, TH_SYN, 64240, syn_opts, sizeof(syn_opts), NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_SYN | TH_ACK);
	assert_int_equal(r.ack, 7001);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_SENT), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 2);
	assert_int_equal(tw->n_half_open, 2);
	o = h_tcp_opt(&r, 2);
	assert_true(o != NULL && (o[2] << 8 | o[3]) == 1460);
	o = h_tcp_opt(&r, 3);
	assert_true(o != NULL && o[2] == 3);           /* 262144 needs three shifts */
	assert_non_null(h_tcp_opt(&r, 4));
	o = h_tcp_opt(&r, 8);
	assert_non_null(o);
	assert_int_equal(get32(o + 6), 9);             /* TSecr: our TSval */
	/* The ACK echoing the cookie opens the connection directly. */
	memcpy(opts + 8, o + 2, 4);                    /* TSecr := their TSval */
	opts[7] = 10;
	n = h_tcp_frame(f, H_PEER_ADDR, 2002, 7, 7001, r.seq + 1, TH_ACK, 1000, opts, sizeof(opts), "hi", 2);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_VALID), 1);
	assert_int_equal(h_cnt(CNT_TCP_OPENED), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 3);
	assert_int_equal(tw->n_half_open, 2);
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.lport = rte_cpu_to_be_16(7);
	k.rport = rte_cpu_to_be_16(2002);
	*(uint32_t *)k.laddr = h_ip4("10.0.0.1");
	*(uint32_t *)k.raddr = h_ip4("10.0.0.2");
	c = tcp_conn_lookup(tw, &k);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_true((c->flags & (TF_WS_OK | TF_SACK_OK | TF_TS_OK)) ==
		    (TF_WS_OK | TF_SACK_OK | TF_TS_OK));
	assert_int_equal(c->snd_wscale, 7);
	assert_int_equal(c->rcv_wscale, 3);
	assert_int_equal(c->smss, 1460 - 12);
	assert_int_equal(c->snd_wnd, 1000u << 7);
	/* The data on the ACK was kept and echoed. */
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 2);
	assert_memory_equal(r.data, "hi", 2);

	/* Without timestamps: only the MSS survives. */
	n = h_tcp_frame(f, H_PEER_ADDR, 2003, 7, 100, 0, TH_SYN, 64240, syn_opts, 4, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_null(h_tcp_opt(&r, 8));
	assert_null(h_tcp_opt(&r, 3));
	n = h_tcp_frame(f, H_PEER_ADDR, 2003, 7, 101, r.seq + 1, TH_ACK, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_VALID), 2);
	k.rport = rte_cpu_to_be_16(2003);
	c = tcp_conn_lookup(tw, &k);
	assert_non_null(c);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->flags & (TF_WS_OK | TF_TS_OK | TF_SACK_OK), 0);
	assert_int_equal(c->smss, 1460);

	/* A forged cookie ACK: counted, answered with RST, no state. */
	n = h_tcp_frame(f, H_PEER_ADDR, 2004, 7, 101, 0x12345678, TH_ACK, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_INVALID), 1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 4);
	/* An expired one too (the cookie's period is long gone). */
	n = h_tcp_frame(f, H_PEER_ADDR, 2005, 7, 500, 0, TH_SYN, 64240, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	h_tcp_advance(2u << TCP_COOKIE_PERIOD_SHIFT);
	h_reset();
	tw->cookie_last_ms = tcp_now(tw);   /* cookies still in recent use */
	n = h_tcp_frame(f, H_PEER_ADDR, 2005, 7, 501, r.seq + 1, TH_ACK, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_INVALID), 1);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_VALID), 0);

	/* The half-open ones time out: the backlog drains, SYNs keep state. */
	for (int i = 0; i < 8; i++)
		h_tcp_advance(60000);
	assert_int_equal(tw->n_half_open, 0);
	h_reset();
	n = h_tcp_frame(f, H_PEER_ADDR, 2006, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(h_cnt(CNT_TCP_SYN_RECEIVED), 1);
	assert_int_equal(h_cnt(CNT_TCP_SYNCOOKIES_SENT), 0);
	assert_int_equal(tw->n_half_open, 1);

	/* Cookies off: SYNs beyond the backlog are dropped. */
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"tcp\":{\"syn-backlog\":1,\"syn-cookies\":false},"
		"\"test-services\":[{\"port\":7,\"service\":\"echo\"}]}");
	h_tcp_advance(1);
	h_reset();
	n = h_tcp_frame(f, H_PEER_ADDR, 2007, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_SYN_DROPPED_BACKLOG), 1);
	assert_int_equal(h_tx_count(0), 0);
	h_reset();
}

static void
test_per_source_limits(void **state)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;
	struct h_peer p[3];
	uint8_t f[256];
	struct h_seg r;
	struct tcp_key k;
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
		"\"tcp\":{\"max-half-open-per-source\":2,\"max-connections-per-source\":3},"
		"\"test-services\":[{\"port\":7,\"service\":\"echo\"}]}");
	h_tcp_advance(1);
	/* 10.0.0.3 as a neighbour too. */
	h_tcp_neighbour("10.0.0.3");
	h_reset();
	/* Two half-open from 10.0.0.2; the third SYN is dropped silently. */
	for (uint16_t i = 0; i < 3; i++) {
		n = h_tcp_frame(f, H_PEER_ADDR, 3000 + i, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
		h_rx(0, f, n);
	}
	assert_int_equal(h_cnt(CNT_TCP_SYN_RECEIVED), 2);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SRC_HALF_OPEN), 1);
	assert_int_equal(h_tx_count(0), 2);
	/* Another source is not affected. */
	n = h_tcp_frame(f, "10.0.0.3", 3000, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_SYN_RECEIVED), 3);
	/* Let them time out, then fill the connection limit. */
	for (int i = 0; i < 8; i++)
		h_tcp_advance(60000);
	assert_int_equal(tw->n_half_open, 0);
	h_reset();
	for (int i = 0; i < 3; i++)
		connect_to(&p[i], 7);
	assert_int_equal(h_cnt(CNT_TCP_OPENED), 3);
	n = h_tcp_frame(f, H_PEER_ADDR, 3100, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SRC_CONNS), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST | TH_ACK);
	assert_int_equal(r.ack, 2);
	/* One leaves (exact RST): room for one more. */
	h_tcp_send(&p[0], TH_RST, NULL, 0);
	h_tcp_advance(1);
	n = h_tcp_frame(f, H_PEER_ADDR, 3101, 7, 1, 0, TH_SYN, 1000, NULL, 0, NULL, 0);
	h_rx(0, f, n);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_SYN | TH_ACK);
	/* Everything released: the source's entry is gone. */
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++)
		if (tw->conns[i].state != TCP_CLOSED)
			tcp_conn_release(&tw->conns[i], TCP_CLOSE_ABORT);
	h_tcp_advance(1);
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	*(uint32_t *)k.raddr = h_ip4("10.0.0.2");
	assert_null(tcp_src_get(tw, &k, false));
	*(uint32_t *)k.raddr = h_ip4("10.0.0.3");
	assert_null(tcp_src_get(tw, &k, false));
	assert_int_equal(tw->n_half_open, 0);
	h_reset();
}

/* The per-source table under churn: entries come and go without losing
 * any (backward-shift deletion). */
static void
test_src_table_churn(void **state)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;
	struct tcp_key k;

	(void)state;
	memset(&k, 0, sizeof(k));
	k.family = AF_INET6;
	for (uint32_t i = 0; i < 3000; i++) {
		struct tcp_src *e;

		memcpy(k.raddr, &i, 4);
		e = tcp_src_get(tw, &k, true);
		assert_non_null(e);
		e->conns = 1;
	}
	/* An address never added is not found. */
	{
		uint32_t i = 5000;

		memcpy(k.raddr, &i, 4);
		assert_null(tcp_src_get(tw, &k, false));
	}
	for (uint32_t i = 0; i < 3000; i++) {
		struct tcp_src *e;

		memcpy(k.raddr, &i, 4);
		e = tcp_src_get(tw, &k, false);
		assert_non_null(e);
		assert_int_equal(e->conns, 1);
		e->conns = 0;
		e->half_open = 0;
	}
	/* Free them through the release path's accounting, each while the
	 * later ones still sit in its probe sequence. */
	for (uint32_t i = 0; i < 3000; i++) {
		struct tcp_conn *c;
		struct tcp_src *e;

		memcpy(k.raddr, &i, 4);
		e = tcp_src_get(tw, &k, false);
		assert_non_null(e);
		e->conns = 1;
		c = tcp_conn_create(tw, &k, TCP_MAX_CONNS);
		assert_non_null(c);
		c->flags |= TF_SRC_CONN;
		tcp_conn_release(c, TCP_CLOSE_ABORT);
		assert_null(tcp_src_get(tw, &k, false));
		if (i % 512 == 0)
			tcp_conn_reap(tw);
	}
	tcp_conn_reap(tw);
	for (uint32_t i = 0; i < TCP_SRC_SLOTS; i++)
		assert_int_equal(tw->src[i].family, 0);
}

/* The send queue's copy cursor: sequential copies (sending at SND.NXT),
 * rewinds (retransmissions), drops from the head (ACKs) and appends to the
 * tail (writes) in a seeded random mix, each copy checked against a flat
 * mirror of the queue's bytes. */
static void
test_mq_copy_cursor(void **state)
{
	enum { MIRROR = 8192, STEPS = 4000 };
	static uint8_t mirror[MIRROR], out[MIRROR];
	struct tcp_mq q = { 0 };
	uint32_t rnd = 12345, sent = 0, start = 0, end = 0;
	uint8_t next = 0;
	(void)state;

#define RND() (rnd = rnd * 1103515245u + 12345u, rnd >> 8)
	for (unsigned step = 0; step < STEPS; step++) {
		uint32_t op = RND() % 8;

		if (op < 3 && end + 300 < MIRROR) {
			/* A write: fill the tail's room, then a new mbuf. */
			uint32_t k = 1 + RND() % 300;
			struct rte_mbuf *t = q.tail;

			if (t == NULL || rte_pktmbuf_tailroom(t) < k || RND() % 2) {
				t = rte_pktmbuf_alloc(dp.pool);
				assert_non_null(t);
				tcp_mq_push(&q, t);
			}
			uint8_t *d = (uint8_t *)rte_pktmbuf_append(t, (uint16_t)k);
			assert_non_null(d);
			for (uint32_t i = 0; i < k; i++)
				mirror[end + i] = d[i] = next++;
			q.bytes += k;
			end += k;
		} else if (op < 6 && sent < end - start) {
			/* Send the next segment from the cursor. */
			uint32_t n = RTE_MIN(1 + RND() % 700, end - start - sent);

			tcp_mq_copy(&q, sent, out, n);
			assert_memory_equal(out, mirror + start + sent, n);
			sent += n;
		} else if (op == 6 && end > start) {
			/* A retransmission from anywhere in the queue. */
			uint32_t off = RND() % (end - start);
			uint32_t n = RTE_MIN(1 + RND() % 700, end - start - off);

			tcp_mq_copy(&q, off, out, n);
			assert_memory_equal(out, mirror + start + off, n);
			if (RND() % 4 == 0)
				sent = off + n;      /* an RTO rewound SND.NXT */
		} else if (end > start) {
			/* An ACK frees bytes from the head. */
			uint32_t n = RND() % (end - start + 1);

			tcp_mq_drop(&q, n);
			start += n;
			sent = sent > n ? sent - n : 0;
			assert_int_equal(q.bytes, end - start);
		}
		if (end == start && end + 300 >= MIRROR) {
			tcp_mq_free(&q);
			start = end = sent = 0;
		}
	}
#undef RND
	tcp_mq_free(&q);
	assert_null(q.head);
	assert_null(q.cur);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_handshake_options, setup),
		cmocka_unit_test_setup(test_echo_in_order_and_close, setup),
		cmocka_unit_test_setup(test_out_of_order_merged, setup),
		cmocka_unit_test_setup(test_rto_retransmits_with_backoff, setup),
		cmocka_unit_test_setup(test_delayed_ack, setup),
		cmocka_unit_test_setup(test_window_edge_ack_processed, setup),
		cmocka_unit_test_setup(test_active_close_time_wait, setup),
		cmocka_unit_test_setup(test_zero_window_probe, setup),
		cmocka_unit_test_setup(test_bad_acks, setup),
		cmocka_unit_test_setup(test_ack_unsent_challenge_limited, setup),
		cmocka_unit_test_setup(test_paws, setup),
		cmocka_unit_test_setup(test_sack_blocks, setup),
		cmocka_unit_test_setup(test_rst_rules, setup),
		cmocka_unit_test_setup(test_challenge_ack_rate_limited, setup),
		cmocka_unit_test_setup(test_discard_and_peer_close, setup),
		cmocka_unit_test_setup(test_closed_port_and_listener_rules, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_table_full, setup),
		cmocka_unit_test(test_cookie_encode_decode),
		cmocka_unit_test_setup(test_syn_cookies_engage_and_drain, setup),
		cmocka_unit_test_setup(test_per_source_limits, setup),
		cmocka_unit_test_setup(test_src_table_churn, setup),
		cmocka_unit_test_setup(test_mq_copy_cursor, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
