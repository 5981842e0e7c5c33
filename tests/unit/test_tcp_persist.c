/* SPDX-License-Identifier: Proprietary
 * The persist timer (RFC 9293 3.8.6.1) through a real worker pass, and the
 * way out of it: a peer that closed its window for a while (a backend
 * blocked writing back to a relay) and then opens it must get the data
 * from SND.UNA at once, with the RTO and loss recovery as they were before
 * the window closed. Before the fix (the mechanism of the relay stall in
 * CI, 54 s of zero window seen by the client) each persist expiry counted
 * as an RTO (RFC 6582 recover = SND.MAX, cwnd 1 SMSS, the RTO doubled), its
 * probe was one byte of new data beyond the zero window, which the peer
 * dropped, so after the window opened everything went out behind a hole at
 * SND.UNA that fast recovery refused to repair (SND.UNA below recover) and
 * the only retransmission left was the backed-off timer: this test then
 * fails waiting 1 s for the repair (the timer was 12.8 s away).
 *
 * Also the worker's bound on received mbufs (tcp.rx-mbufs-per-worker):
 * counted, enforced with counted drops, released as data is read.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "h_tcp.h"

#define CONFIG_FMT \
	"{\"schema\":1," \
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}," \
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}]," \
	" \"tcp\":{\"receive-buffer\":65536,\"send-buffer\":65536%s}," \
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"},{\"port\":9,\"service\":\"discard\"}]}"

static void
boot(const char *tcp_extra)
{
	char cfg[1024];

	snprintf(cfg, sizeof(cfg), CONFIG_FMT, tcp_extra);
	h_tcp_setup(cfg);
}

static int
setup(void **state)
{
	(void)state;
	boot("");
	return 0;
}

/* Handshake (MSS 1000, SACK-permitted) to port dport; returns our ISS + 1. */
static uint32_t
open_conn(struct h_peer *p, uint16_t dport)
{
	static const uint8_t syn_opts[] = { 2, 4, 0x03, 0xe8, 4, 2, 1, 1 };

	h_tcp_open(p, dport, 7000, syn_opts, sizeof(syn_opts), NULL);
	return p->ack;
}

static void
send_data(struct h_peer *p, unsigned n)
{
	uint8_t data[1000];

	memset(data, 'p', sizeof(data));
	for (unsigned i = 0; i < n; i++)
		h_tcp_send(p, TH_ACK, data, sizeof(data));
}

static void
test_persist_then_window_opens(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base, rto_before, probes = 0, first_end = 0, last_end = 0;
	bool probes_empty = true;
	struct tcp_conn *c;

	(void)state;
	h_tcp_advance(5);
	base = open_conn(&p, 7);
	c = h_tcp_conn(p.sport);
	rto_before = c->rto_ms;
	/* The peer sends 4000 bytes and closes its window with them: the
	 * echo service's reply waits, the persist timer runs. */
	p.win = 0;
	send_data(&p, 4);
	h_tcp_drain();                       /* our ACKs */
	assert_int_equal(c->sndq.bytes, 4000);
	assert_int_equal(c->snd_wnd, 0);
	assert_true(c->t_rto != 0);
	/* Six persist expiries (backing off), each probe answered as a peer
	 * with a zero window does: no byte taken, the window still zero. */
	for (unsigned i = 0; i < 200 && probes < 6; i++) {
		h_tcp_advance(100);
		while (h_tcp_take(&r)) {
			probes_empty = probes_empty && r.len == 0 && r.seq == base - 1;
			probes++;
			h_tcp_send_ack(&p, base, 0, NULL, 0);
		}
	}
	assert_int_equal(probes, 6);
	/* The window opens (the peer's application read). */
	h_tcp_send_ack(&p, base, 65535, NULL, 0);
	while (h_tcp_take(&r)) {
		if (first_end == 0)
			first_end = r.seq + r.len;
		last_end = r.seq + r.len;
	}
	assert_true(first_end != 0);
	/* The first segment is lost, the rest arrive and are SACKed: the
	 * bytes from SND.UNA go again within RACK's reordering window or at
	 * worst the plain RTO (200 ms), not after the backed-off persist
	 * interval (12.8 s here: the stall). */
	if (last_end != first_end)
		h_tcp_send_ack(&p, base, 65535, (const uint32_t[][2]){ { first_end, last_end } }, 1);
	for (unsigned i = 0; i < 200 && h_tx_count(0) == 0; i++)
		h_tcp_advance(5);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base);
	while (h_tcp_take(&r))
		;
	/* The window is open again: everything went (initial window). */
	assert_int_equal(last_end, base + 4000);
	h_tcp_send_ack(&p, base + 4000, 65535, NULL, 0);
	assert_int_equal(c->snd_una, base + 4000);
	assert_int_equal(c->sndq.bytes, 0);
	h_tcp_drain();
	/* How: a probe carries no byte beyond the zero window, probing is no
	 * loss (no RTO counted, nothing retransmitted, the RTO untouched), and
	 * the window opening ended the backed-off interval. */
	assert_true(probes_empty);
	assert_int_equal(h_cnt(CNT_TCP_PERSIST_PROBE), 6);
	assert_int_equal(h_cnt(CNT_TCP_RTO), 0);
	assert_int_equal(c->rto_ms, rto_before);
	assert_int_equal(c->backoff, 0);
}

/* A window that opens by an ACK of new data also ends persist. */
static void
test_persist_peer_answers_with_window(void **state)
{
	struct h_peer p;
	struct h_seg r;
	uint32_t base;
	struct tcp_conn *c;

	(void)state;
	h_tcp_advance(5);
	base = open_conn(&p, 7);
	c = h_tcp_conn(p.sport);
	p.win = 0;
	send_data(&p, 2);
	h_tcp_drain();
	for (unsigned i = 0; i < 50 && h_cnt(CNT_TCP_PERSIST_PROBE) < 3; i++) {
		h_tcp_advance(100);
		h_tcp_drain();
	}
	assert_int_equal(h_cnt(CNT_TCP_PERSIST_PROBE), 3);
	assert_true(c->backoff > 0);
	/* The answer to the next probe opens the window a little. */
	h_tcp_send_ack(&p, base, 1500, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base);
	assert_int_equal(r.len, 1000);
	assert_int_equal(c->backoff, 0);
	h_tcp_send_ack(&p, base + 1000, 65535, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, base + 1000);
	h_tcp_send_ack(&p, base + 2000, 65535, NULL, 0);
	assert_int_equal(c->sndq.bytes, 0);
	h_tcp_drain();
}

/* tcp.rx-mbufs-per-worker: received mbufs are counted as they are queued
 * (in order or out of order) and released as they are read, merged or
 * freed; at the bound a heavy connection's segments are dropped
 * unacknowledged and counted while a light one is still served. */
static void
test_rx_mbufs_cap(void **state)
{
	struct h_peer disc, heavy, light;
	struct tcp_worker *tw;
	struct tcp_conn *c, *hc;
	struct h_seg r;
	uint8_t data[1000];

	(void)state;
	boot(",\"rx-mbufs-per-worker\":16");
	tw = dp.workers[0]->tcp;
	assert_int_equal(tw->rx_mbufs, 0);
	h_tcp_advance(5);
	memset(data, 'd', sizeof(data));
	/* Discard reads everything at once: nothing stays held. */
	open_conn(&disc, 9);
	c = h_tcp_conn(disc.sport);
	send_data(&disc, 30);
	assert_int_equal(tw->rx_mbufs, 0);
	/* Out of order: held in a run until the hole fills, then read. */
	disc.seq += 1000;
	h_tcp_send(&disc, TH_ACK, data, sizeof(data));
	assert_int_equal(c->n_ooo, 1);
	assert_int_equal(c->rx_mbufs, 1);
	assert_int_equal(tw->rx_mbufs, 1);
	disc.seq -= 2000;
	h_tcp_send(&disc, TH_ACK, data, sizeof(data));
	disc.seq += 1000;
	assert_int_equal(c->n_ooo, 0);
	assert_int_equal(tw->rx_mbufs, 0);
	h_tcp_drain();
	/* Echo to a peer whose window is closed: once echo's send queue is
	 * full (64 KiB) it stops reading, the receive queue fills, and at 16
	 * mbufs the worker's bound refuses more. */
	open_conn(&heavy, 7);
	hc = h_tcp_conn(heavy.sport);
	heavy.win = 0;
	send_data(&heavy, 100);
	h_tcp_drain();
	assert_int_equal(hc->rx_mbufs, 16);
	assert_int_equal(tw->rx_mbufs, 16);
	assert_true(h_cnt(CNT_TCP_DROP_RX_MBUFS) > 0);
	/* Refused segments were not acknowledged: the peer resends them. */
	assert_true(SEQ_LT(hc->rcv_nxt, heavy.seq));
	assert_int_equal(hc->rcvq.bytes + hc->sndq.bytes, hc->rcv_nxt - 7001);
	/* A light connection still gets its echo. */
	open_conn(&light, 7);
	h_tcp_send(&light, TH_ACK | TH_PSH, data, 100);
	r.len = 0;
	while (r.len == 0 && h_tcp_take(&r))
		;
	assert_int_equal(r.len, 100);
	assert_int_equal(tw->rx_mbufs, 16);
	/* Releasing the heavy connection gives its mbufs back. */
	tcp_conn_release(hc, TCP_CLOSE_ABORT);
	assert_int_equal(tw->rx_mbufs, 0);
	tcp_conn_release(h_tcp_conn(light.sport), TCP_CLOSE_ABORT);
	tcp_conn_release(c, TCP_CLOSE_ABORT);
	h_tcp_drain();
	boot("");
}

/* The timing wheel when one connection's timer firing changes another's
 * that is due in the same tick (a relay's side closing its peer): the
 * other leaves the due list cleanly, and a third connection sharing the
 * slot it moves to is not lost from the wheel (it would never fire). */
static struct tcp_conn *wheel_b;

static void
wheel_a_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	(void)why;
	wheel_b->t_keep = wheel_b->tw->now_ms + 10;   /* beside the third */
	tcp_timer_update(wheel_b);
}

static const struct tcp_app_ops wheel_a_ops = {
	.name = "wheel-a", .on_closed = wheel_a_closed,
};

static struct tcp_conn *
fake_conn(uint16_t rport, uint8_t state)
{
	struct tcp_key k;
	struct tcp_conn *c;

	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.raddr[0] = 192;
	k.lport = rte_cpu_to_be_16(80);
	k.rport = rte_cpu_to_be_16(rport);
	c = tcp_conn_create(dp.workers[0]->tcp, &k, TCP_MAX_CONNS);
	assert_non_null(c);
	c->state = state;
	return c;
}

static void
test_wheel_change_while_due(void **state)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;
	struct tcp_conn *a, *b, *third;
	uint64_t now;

	(void)state;
	h_tcp_advance(5);
	now = tw->now_ms;
	third = fake_conn(1001, TCP_ESTABLISHED);     /* due at now + 20 */
	third->t_keep = now + 20;
	tcp_timer_update(third);
	/* A and B due at now + 10; slots are LIFO and so is the due list:
	 * A (inserted first) fires first, while B waits on the due list. */
	a = fake_conn(1002, TCP_TIME_WAIT);
	a->ops = &wheel_a_ops;
	a->t_2msl = now + 10;
	tcp_timer_update(a);
	wheel_b = fake_conn(1003, TCP_ESTABLISHED);
	b = wheel_b;
	b->t_keep = now + 10;
	tcp_timer_update(b);
	assert_int_equal(tw->ntimers, 3);
	/* A's TIME-WAIT ends; its close moves B to now + 20, beside the third. */
	h_tcp_advance(10);
	assert_int_equal(b->t_keep, now + 20);
	assert_non_null(b->tn.pprev);
	assert_int_equal(tw->ntimers, 2);
	/* Both fire at now + 20 (keep-alive off: the deadline just clears). */
	h_tcp_advance(10);
	assert_int_equal(b->t_keep, 0);
	assert_int_equal(third->t_keep, 0);
	assert_null(third->tn.pprev);
	assert_int_equal(tw->ntimers, 0);
	tcp_conn_release(b, TCP_CLOSE_ABORT);
	tcp_conn_release(third, TCP_CLOSE_ABORT);
	h_tcp_advance(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_persist_then_window_opens, setup),
		cmocka_unit_test_setup(test_persist_peer_answers_with_window, setup),
		cmocka_unit_test_setup(test_rx_mbufs_cap, setup),
		cmocka_unit_test_setup(test_wheel_change_while_due, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
