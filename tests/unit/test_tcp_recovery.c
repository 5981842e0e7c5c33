/* SPDX-License-Identifier: Proprietary
 * Loss recovery (tcp/tcp_sack.c): the SACK scoreboard on its own (merging,
 * clipping, its bound, IsLost, pipe, NextSeg, go-back-N skipping), then
 * through a real worker pass: RFC 6582 NewReno (three duplicate ACKs, a
 * partial ACK, the full ACK) with a peer without SACK, and RFC 6675 SACK
 * recovery retransmitting two holes with one.
 */
#include <string.h>

#include "h_tcp.h"

#define SMSS 1000

/* Scoreboard --------------------------------------------------------------- */

static void
assert_ranges(const struct tcp_recovery *r, unsigned n, const uint32_t (*want)[2])
{
	uint32_t sacked = 0;

	assert_int_equal(r->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(r->sb[i].start, want[i][0]);
		assert_int_equal(r->sb[i].end, want[i][1]);
		sacked += want[i][1] - want[i][0];
	}
	assert_int_equal(r->sacked, sacked);
}

static void
test_scoreboard_add_and_ack(void **state)
{
	struct tcp_recovery r;
	const uint32_t una = 0xfffff000u;  /* ranges across the 2^32 wrap */

	(void)state;
	memset(&r, 0, sizeof(r));
	/* Invalid: empty, above SND.MAX, wholly below SND.UNA. */
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 10, una + 10), -1);
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 10, una + 10001), -1);
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una - 100, una), -1);
	assert_int_equal(r.n, 0);
	/* Disjoint, then out of order. */
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 3000, una + 4000), 1000);
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 1000, una + 2000), 1000);
	assert_ranges(&r, 2, (const uint32_t[][2]){ { una + 1000, una + 2000 },
						      { una + 3000, una + 4000 } });
	/* The same again tells nothing new. */
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 1000, una + 2000), 0);
	/* Touching both: one range. */
	assert_int_equal(tcp_sb_add(&r, una, una + 10000, una + 2000, una + 3000), 1000);
	assert_ranges(&r, 1, (const uint32_t[][2]){ { una + 1000, una + 4000 } });
	/* Overlapping the front, clipped at SND.UNA. */
	assert_int_equal(tcp_sb_add(&r, una + 500, una + 10000, una, una + 1500), 500);
	assert_ranges(&r, 1, (const uint32_t[][2]){ { una + 500, una + 4000 } });
	/* The cumulative ACK passes part of it. */
	tcp_sb_ack(&r, una + 2000);
	assert_ranges(&r, 1, (const uint32_t[][2]){ { una + 2000, una + 4000 } });
	tcp_sb_ack(&r, una + 4000);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.sacked, 0);
}

static void
test_scoreboard_bound(void **state)
{
	struct tcp_recovery r;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (uint32_t i = 0; i < TCP_SB_MAX; i++)
		assert_int_equal(tcp_sb_add(&r, 0, 100000, 2000 * i + 1000, 2000 * i + 2000), 1000);
	assert_int_equal(r.n, TCP_SB_MAX);
	/* Above everything kept: forgotten. */
	assert_int_equal(tcp_sb_add(&r, 0, 100000, 50000, 51000), 0);
	assert_int_equal(r.n, TCP_SB_MAX);
	/* Below: kept, the highest range forgotten instead. */
	assert_int_equal(tcp_sb_add(&r, 0, 100000, 100, 200), 0);   /* +100 -1000 */
	assert_int_equal(r.n, TCP_SB_MAX);
	assert_int_equal(r.sb[0].start, 100);
	assert_int_equal(r.sb[TCP_SB_MAX - 1].end, 2000 * (TCP_SB_MAX - 2) + 2000);
	/* Bridging everything: one range. */
	assert_true(tcp_sb_add(&r, 0, 100000, 100, 60000) > 0);
	assert_ranges(&r, 1, (const uint32_t[][2]){ { 100, 60000 } });
}

static void
test_scoreboard_loss_pipe_nextseg(void **state)
{
	struct tcp_recovery r;
	uint32_t seq, len, s;

	(void)state;
	memset(&r, 0, sizeof(r));
	/* 10 segments out [0, 10000); SACKed: [1000,2000) and [3000,6000).
	 * Holes: [0,1000) with 4000 SACKed above (lost), [2000,3000) with
	 * 3000 above (lost: more than 2 SMSS), [6000,10000) not lost. */
	tcp_sb_add(&r, 0, 10000, 1000, 2000);
	tcp_sb_add(&r, 0, 10000, 3000, 6000);
	assert_true(tcp_sb_is_lost(&r, 0, SMSS));
	assert_true(tcp_sb_is_lost(&r, 2000, SMSS));
	assert_false(tcp_sb_is_lost(&r, 6000, SMSS));
	/* Three ranges above also make a loss, whatever their size. */
	tcp_sb_add(&r, 0, 10000, 7000, 7010);
	assert_true(tcp_sb_is_lost(&r, 6000, 5000) == false);
	assert_true(tcp_sb_is_lost(&r, 0, 5000));          /* 3 ranges above */
	tcp_sb_reset(&r);
	tcp_sb_add(&r, 0, 10000, 1000, 2000);
	tcp_sb_add(&r, 0, 10000, 3000, 6000);
	/* pipe = 10000 out - 4000 SACKed - 2000 lost, not retransmitted. */
	r.high_rxt = 0;
	assert_int_equal(tcp_sb_pipe(&r, 0, 10000, SMSS), 4000);
	assert_true(tcp_sb_next_lost(&r, 0, SMSS, &seq, &len));
	assert_int_equal(seq, 0);
	assert_int_equal(len, 1000);
	/* The first hole retransmitted: in flight again, next is the second. */
	r.high_rxt = 1000;
	assert_int_equal(tcp_sb_pipe(&r, 0, 10000, SMSS), 5000);
	assert_true(tcp_sb_next_lost(&r, 0, SMSS, &seq, &len));
	assert_int_equal(seq, 2000);
	assert_int_equal(len, 1000);
	r.high_rxt = 3000;
	assert_int_equal(tcp_sb_pipe(&r, 0, 10000, SMSS), 6000);
	assert_false(tcp_sb_next_lost(&r, 0, SMSS, &seq, &len));
	/* Go-back-N skips what was SACKed. */
	s = 0;
	assert_int_equal(tcp_sb_skip(&r, &s), 1000);
	assert_int_equal(s, 0);
	s = 1500;
	assert_int_equal(tcp_sb_skip(&r, &s), 1000);
	assert_int_equal(s, 2000);
	s = 3000;
	assert_int_equal(tcp_sb_skip(&r, &s), UINT32_MAX);
	assert_int_equal(s, 6000);
}

/* Through the worker --------------------------------------------------------- */

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"receive-buffer\":65536,\"send-buffer\":65536},"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"}]}";

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	return 0;
}

/* Open a connection to the echo service (MSS 1000, SACK-permitted when
 * sack) and have it send six 1000-byte segments; returns the first one's
 * sequence number with every segment taken off the wire. */
static uint32_t
six_segments(struct h_peer *p, bool sack)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x03, 0xe8, 4, 2, 1, 1 };
	uint8_t data[1000];
	struct h_seg r;
	uint32_t first = 0;

	h_tcp_open(p, 7, 5000, syn_opts, sack ? 8 : 4, NULL);
	memset(data, 'x', sizeof(data));
	for (unsigned i = 0; i < 6; i++)
		h_tcp_send(p, TH_ACK, data, sizeof(data));
	/* Six echoed segments (and no more), in order. */
	for (unsigned i = 0; i < 6; i++) {
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.len, 1000);
		if (i == 0)
			first = r.seq;
		assert_int_equal(r.seq, first + 1000 * i);
	}
	assert_int_equal(h_tx_count(0), 0);
	return first;
}

static void
test_newreno_partial_and_full_ack(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base;
	const struct tcp_conn *c;

	(void)state;
	base = six_segments(&p, false);
	/* Segments 0 and 2 lost: three duplicate ACKs for base. */
	h_tcp_send_ack(&p, base, 65535, NULL, 0);
	h_tcp_send_ack(&p, base, 65535, NULL, 0);
	assert_int_equal(h_tx_count(0), 0);
	h_tcp_send_ack(&p, base, 65535, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base);                     /* fast retransmit */
	assert_int_equal(r.len, 1000);
	assert_int_equal(h_cnt(CNT_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 1);
	c = &dp.workers[0]->tcp->conns[0];
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++)
		if (dp.workers[0]->tcp->conns[i].state == TCP_ESTABLISHED)
			c = &dp.workers[0]->tcp->conns[i];
	assert_true(c->rec.active);
	assert_int_equal(c->rec.recover, base + 6000);
	assert_int_equal(c->ssthresh, 3000);     /* max(FlightSize / 2, 2 SMSS) */
	assert_int_equal(c->cwnd, c->ssthresh + 3 * 1000);
	/* A further duplicate inflates cwnd by one segment. */
	h_tcp_send_ack(&p, base, 65535, NULL, 0);
	assert_int_equal(c->cwnd, c->ssthresh + 4 * 1000);
	/* Partial ACK (RFC 6582 3.2 5): up to the second hole; segment 2 is
	 * retransmitted at once, cwnd deflated by what was acknowledged. */
	h_tcp_send_ack(&p, base + 2000, 65535, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_PARTIAL_ACK), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base + 2000);
	assert_int_equal(r.len, 1000);
	assert_int_equal(h_cnt(CNT_TCP_FAST_RETRANSMIT), 2);
	assert_int_equal(c->cwnd, c->ssthresh + 4 * 1000 - 2000 + 1000);
	assert_true(c->rec.active);
	/* Full ACK: recovery ends, cwnd = min(ssthresh, flight + SMSS). */
	h_tcp_send_ack(&p, base + 6000, 65535, NULL, 0);
	assert_false(c->rec.active);
	assert_int_equal(c->cwnd, RTE_MIN(c->ssthresh, 1000u + 1000u));
	assert_int_equal(h_cnt(CNT_TCP_PARTIAL_ACK), 1);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 0);      /* no RTO needed */
	h_tcp_drain();
}

static void
test_sack_recovery_two_holes(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base;

	(void)state;
	base = six_segments(&p, true);
	/* Segments 0 and 2 lost; one ACK SACKs 1 and 3..5: the scoreboard
	 * shows both holes lost (RFC 6675 IsLost), recovery starts at once and
	 * both are retransmitted, the second from the scoreboard. */
	h_tcp_send_ack(&p, base, 65535, (const uint32_t[][2]){ { base + 3000, base + 6000 },
						  { base + 1000, base + 2000 } }, 2);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base);
	assert_int_equal(r.len, 1000);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base + 2000);
	assert_int_equal(r.len, 1000);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(h_cnt(CNT_TCP_FAST_RETRANSMIT), 1);
	assert_int_equal(h_cnt(CNT_TCP_SACK_RETRANSMIT), 1);
	/* A block above SND.MAX is ignored and counted. */
	h_tcp_send_ack(&p, base, 65535, (const uint32_t[][2]){ { base + 6000, base + 9000 } }, 1);
	assert_int_equal(h_cnt(CNT_TCP_SACK_IGNORED), 1);
	assert_int_equal(h_tx_count(0), 0);                  /* nothing new to send */
	/* Everything acknowledged: no RTO was needed. */
	h_tcp_send_ack(&p, base + 6000, 65535, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 0);
	assert_int_equal(h_cnt(CNT_TCP_PARTIAL_ACK), 0);
	h_tcp_drain();
}

static struct tcp_conn *
established(void)
{
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++)
		if (dp.workers[0]->tcp->conns[i].state == TCP_ESTABLISHED)
			return &dp.workers[0]->tcp->conns[i];
	fail();
	return NULL;
}

static void
test_rack_reordering_tolerated(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base;
	struct tcp_conn *c;

	(void)state;
	h_tcp_advance(5);
	base = six_segments(&p, true);
	c = established();
	assert_true(c->rec.rack);
	/* Segment 2 arrives before 0 and 1: one segment SACKed is not a
	 * loss yet (RACK waits RACK.rtt + reo_wnd, 1 ms here)... */
	h_tcp_send_ack(&p, base, 65535, (const uint32_t[][2]){ { base + 2000, base + 3000 } }, 1);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 0);
	assert_int_equal(h_tx_count(0), 0);
	assert_true(c->t_rack != 0);
	/* ...and 0 and 1 come late, never retransmitted: reordering seen,
	 * measured, no recovery, no timer left for them. */
	h_tcp_send_ack(&p, base + 3000, 65535, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_REORDER_SEEN), 1);
	assert_true(c->rec.reo_seen);
	assert_true(c->rec.reo_extent_ms >= 1);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 0);
	assert_int_equal(c->t_rack, 0);
	/* Segment 3 missing, 4 and 5 SACKed: not lost at once (the reordering
	 * window), lost when the reordering timer fires (RFC 8985 6.3). */
	h_tcp_send_ack(&p, base + 3000, 65535, (const uint32_t[][2]){ { base + 4000, base + 6000 } }, 1);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 0);
	assert_int_equal(h_tx_count(0), 0);
	assert_true(c->t_rack > tcp_now(c->tw));
	h_tcp_advance(tcp_rack_reo_wnd(c) + c->rec.rack_rtt_ms);
	assert_int_equal(h_cnt(CNT_TCP_RACK_LOST), 1);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base + 3000);
	assert_int_equal(r.len, 1000);
	assert_int_equal(h_tx_count(0), 0);
	/* The original got there too: the peer reports the duplicate
	 * (D-SACK below the cumulative ACK). Spurious, counted; the window
	 * grows by a step for the round. */
	h_tcp_send_ack(&p, base + 6000, 65535, (const uint32_t[][2]){ { base + 3000, base + 4000 } }, 1);
	assert_int_equal(h_cnt(CNT_TCP_DSACK_RECEIVED), 1);
	assert_int_equal(h_cnt(CNT_TCP_SPURIOUS_RETRANSMIT), 1);
	assert_int_equal(h_cnt(CNT_TCP_SACK_IGNORED), 0);
	assert_int_equal(c->rec.reo_mult, 2);
	assert_int_equal(h_cnt(CNT_TCP_RETRANSMIT), 0);
	h_tcp_drain();
}

static void
test_rack_dsack_of_network_duplicate(void **state)
{
	struct h_peer p;
	uint32_t base;
	struct tcp_conn *c;

	(void)state;
	base = six_segments(&p, true);
	c = established();
	/* A D-SACK for data we never retransmitted (the network duplicated
	 * it): counted as received, not spurious, the window unchanged. */
	h_tcp_send_ack(&p, base + 2000, 65535, (const uint32_t[][2]){ { base, base + 1000 } }, 1);
	assert_int_equal(h_cnt(CNT_TCP_DSACK_RECEIVED), 1);
	assert_int_equal(h_cnt(CNT_TCP_SPURIOUS_RETRANSMIT), 0);
	assert_int_equal(c->rec.reo_mult, 1);
	assert_false(c->rec.reo_seen);
	/* A D-SACK inside the second block (RFC 2883 4.1.2) is one too. */
	h_tcp_send_ack(&p, base + 2000, 65535, (const uint32_t[][2]){ { base + 3000, base + 3500 },
							{ base + 3000, base + 4000 } }, 2);
	assert_int_equal(h_cnt(CNT_TCP_DSACK_RECEIVED), 2);
	assert_int_equal(h_cnt(CNT_TCP_SACK_IGNORED), 0);
	h_tcp_send_ack(&p, base + 6000, 65535, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_RECOVERY), 0);
	h_tcp_drain();
}

/* Out-of-order runs: contiguous segments share one slot, a small one is
 * copied into the run's last mbuf, and filling the gap delivers it all in
 * order (the echo returns every byte). */
static void
test_ooo_runs_and_collapse(void **state)
{
	struct h_peer p;
	uint8_t data[600];
	struct h_seg r;
	uint32_t got = 0, base;
	struct tcp_conn *c;

	(void)state;
	six_segments(&p, true);
	c = established();
	memset(data, 'y', sizeof(data));
	p.ack = c->snd_max;
	base = p.seq;                   /* RCV.NXT */
	/* [base+100, +300), then 10 and 20 bytes right after: one run. */
	p.seq = base + 100;
	h_tcp_send(&p, TH_ACK, data, 300);
	p.seq = base + 400;
	h_tcp_send(&p, TH_ACK, data, 10);      /* joins, copied */
	p.seq = base + 410;
	h_tcp_send(&p, TH_ACK, data, 20);      /* joins, copied */
	assert_int_equal(c->n_ooo, 1);
	assert_int_equal(c->ooo[0].len, 330);
	assert_ptr_equal(c->ooo[0].m, c->ooo[0].tail);
	assert_int_equal(h_cnt(CNT_TCP_RX_COLLAPSED), 2);
	/* A second run after a 10-byte hole. */
	p.seq = base + 440;
	h_tcp_send(&p, TH_ACK, data, 600);
	assert_int_equal(c->n_ooo, 2);
	h_tcp_drain();
	/* The first gap: the first run follows in order. */
	p.seq = base;
	h_tcp_send(&p, TH_ACK, data, 100);
	assert_int_equal(c->n_ooo, 1);
	assert_int_equal(c->rcv_nxt, base + 430);
	/* The second gap: everything. */
	p.seq = base + 430;
	h_tcp_send(&p, TH_ACK, data, 10);
	assert_int_equal(c->n_ooo, 0);
	assert_int_equal(c->rcv_nxt, base + 1040);
	while (h_tcp_take(&r))
		got += r.len;
	assert_int_equal(got, 1040);
}

static void
test_rack_uncovered(void **state)
{
	struct tcp_recovery r;
	uint32_t lo, hi;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_true(tcp_sb_uncovered(&r, 100, 200, &lo, &hi));
	assert_int_equal(lo, 100);
	assert_int_equal(hi, 200);
	tcp_sb_add(&r, 0, 10000, 100, 150);
	tcp_sb_add(&r, 0, 10000, 180, 300);
	assert_true(tcp_sb_uncovered(&r, 100, 200, &lo, &hi));
	assert_int_equal(lo, 150);
	assert_int_equal(hi, 180);
	assert_false(tcp_sb_uncovered(&r, 120, 150, &lo, &hi));
	assert_false(tcp_sb_uncovered(&r, 200, 300, &lo, &hi));
	assert_true(tcp_sb_uncovered(&r, 50, 400, &lo, &hi));
	assert_int_equal(lo, 50);
	assert_int_equal(hi, 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scoreboard_add_and_ack),
		cmocka_unit_test(test_scoreboard_bound),
		cmocka_unit_test(test_scoreboard_loss_pipe_nextseg),
		cmocka_unit_test_setup(test_newreno_partial_and_full_ack, setup),
		cmocka_unit_test_setup(test_sack_recovery_two_holes, setup),
		cmocka_unit_test(test_rack_uncovered),
		cmocka_unit_test_setup(test_ooo_runs_and_collapse, setup),
		cmocka_unit_test_setup(test_rack_reordering_tolerated, setup),
		cmocka_unit_test_setup(test_rack_dsack_of_network_duplicate, setup),
	};

	return cmocka_run_group_tests_name("tcp_recovery", tests, NULL, NULL);
}
