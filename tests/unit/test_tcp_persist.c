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
#include <string.h>
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp/tcp_p.h"

#define CONFIG_FMT \
	"{\"schema\":1," \
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}," \
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}]," \
	" \"tcp\":{\"receive-buffer\":65536,\"send-buffer\":65536%s}," \
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"},{\"port\":9,\"service\":\"discard\"}]}"

static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
static const struct rte_ether_addr zero_mac;
static uint16_t next_sport = 43000;

struct peer {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t win;
};

static void
boot(const char *tcp_extra)
{
	char cfg[1024];
	uint8_t f[64];
	size_t n;

	snprintf(cfg, sizeof(cfg), CONFIG_FMT, tcp_extra);
	h_setup(cfg);
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		struct tcp_conn *c = &dp.workers[0]->tcp->conns[i];

		if (c->state != TCP_CLOSED)
			tcp_conn_release(c, TCP_CLOSE_ABORT);
	}
	h_main(0);
	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.1");
	h_rx(0, f, n);
	h_main(1);
	h_reset();
}

static int
setup(void **state)
{
	(void)state;
	boot("");
	return 0;
}

/* Eth + IPv4 + TCP segment from 10.0.0.2 to 10.0.0.1. */
static size_t
build(uint8_t *buf, const struct peer *p, uint8_t flags, const uint8_t *opts, size_t optlen,
      const void *data, size_t len)
{
	size_t off = h_eth(buf, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	size_t thlen = sizeof(*th) + optlen;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + thlen + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = h_ip4("10.0.0.2");
	ip->dst_addr = h_ip4("10.0.0.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(p->sport);
	th->dst_port = rte_cpu_to_be_16(p->dport);
	th->sent_seq = rte_cpu_to_be_32(p->seq);
	th->recv_ack = rte_cpu_to_be_32(p->ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(p->win);
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		memcpy((uint8_t *)th + thlen, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return off + sizeof(*ip) + thlen + len;
}

/* The next segment on port 0; false when none. */
static bool
take(uint32_t *seq, uint32_t *len)
{
	struct rte_mbuf *m = h_tx(0);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	th = (struct rte_tcp_hdr *)(ip + 1);
	*seq = rte_be_to_cpu_32(th->sent_seq);
	*len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip) - (th->data_off >> 4) * 4u;
	rte_pktmbuf_free(m);
	return true;
}

static void
drain(void)
{
	struct rte_mbuf *m;

	while ((m = h_tx(0)) != NULL)
		rte_pktmbuf_free(m);
}

static void
advance(uint64_t ms)
{
	struct worker *w = dp.workers[0];

	tcp_clock_set(w, w->tcp->now_ms + ms);
	worker_poll_once(w);
}

static struct tcp_conn *
conn_of(const struct peer *p)
{
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		struct tcp_conn *c = &dp.workers[0]->tcp->conns[i];

		if (c->state != TCP_CLOSED && rte_be_to_cpu_16(c->key.rport) == p->sport)
			return c;
	}
	fail();
	return NULL;
}

/* Handshake (MSS 1000, SACK-permitted) to port dport; returns our ISS + 1. */
static uint32_t
open_conn(struct peer *p, uint16_t dport)
{
	uint8_t f[256];
	const uint8_t syn_opts[] = { 2, 4, 0x03, 0xe8, 4, 2, 1, 1 };
	uint32_t seq, len;

	p->sport = next_sport++;
	p->dport = dport;
	p->seq = 7000;
	p->ack = 0;
	p->win = 65535;
	h_rx(0, f, build(f, p, 0x02, syn_opts, sizeof(syn_opts), NULL, 0));
	assert_true(take(&seq, &len));
	p->seq = 7001;
	p->ack = seq + 1;
	h_rx(0, f, build(f, p, 0x10, NULL, 0, NULL, 0));
	return seq + 1;
}

static void
send_data(struct peer *p, unsigned n)
{
	uint8_t f[2048], data[1000];

	memset(data, 'p', sizeof(data));
	for (unsigned i = 0; i < n; i++) {
		h_rx(0, f, build(f, p, 0x10, NULL, 0, data, sizeof(data)));
		p->seq += sizeof(data);
	}
}

static void
send_ack(struct peer *p, uint32_t ack, uint16_t win, const uint32_t (*blocks)[2],
	 unsigned nblocks)
{
	uint8_t f[256], o[40];
	size_t n = 0;

	if (nblocks) {
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = (uint8_t)(2 + 8 * nblocks);
		for (unsigned i = 0; i < nblocks; i++)
			for (unsigned j = 0; j < 2; j++) {
				uint32_t v = rte_cpu_to_be_32(blocks[i][j]);

				memcpy(o + n, &v, 4);
				n += 4;
			}
	}
	p->ack = ack;
	p->win = win;
	h_rx(0, f, build(f, p, 0x10, o, n, NULL, 0));
}

static void
test_persist_then_window_opens(void **state)
{
	struct peer p;
	uint32_t base, seq, len, rto_before, probes = 0, first_end = 0, last_end = 0;
	bool probes_empty = true;
	struct tcp_conn *c;

	(void)state;
	advance(5);
	base = open_conn(&p, 7);
	c = conn_of(&p);
	rto_before = c->rto_ms;
	/* The peer sends 4000 bytes and closes its window with them: the
	 * echo service's reply waits, the persist timer runs. */
	p.win = 0;
	send_data(&p, 4);
	drain();                       /* our ACKs */
	assert_int_equal(c->sndq.bytes, 4000);
	assert_int_equal(c->snd_wnd, 0);
	assert_true(c->t_rto != 0);
	/* Six persist expiries (backing off), each probe answered as a peer
	 * with a zero window does: no byte taken, the window still zero. */
	for (unsigned i = 0; i < 200 && probes < 6; i++) {
		advance(100);
		while (take(&seq, &len)) {
			probes_empty = probes_empty && len == 0 && seq == base - 1;
			probes++;
			send_ack(&p, base, 0, NULL, 0);
		}
	}
	assert_int_equal(probes, 6);
	/* The window opens (the peer's application read). */
	send_ack(&p, base, 65535, NULL, 0);
	while (take(&seq, &len)) {
		if (first_end == 0)
			first_end = seq + len;
		last_end = seq + len;
	}
	assert_true(first_end != 0);
	/* The first segment is lost, the rest arrive and are SACKed: the
	 * bytes from SND.UNA go again within RACK's reordering window or at
	 * worst the plain RTO (200 ms), not after the backed-off persist
	 * interval (12.8 s here: the stall). */
	if (last_end != first_end)
		send_ack(&p, base, 65535, (const uint32_t[][2]){ { first_end, last_end } }, 1);
	for (unsigned i = 0; i < 200 && h_tx_count(0) == 0; i++)
		advance(5);
	assert_true(take(&seq, &len));
	assert_int_equal(seq, base);
	while (take(&seq, &len))
		;
	/* The window is open again: everything went (initial window). */
	assert_int_equal(last_end, base + 4000);
	send_ack(&p, base + 4000, 65535, NULL, 0);
	assert_int_equal(c->snd_una, base + 4000);
	assert_int_equal(c->sndq.bytes, 0);
	drain();
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
	struct peer p;
	uint32_t base, seq, len;
	struct tcp_conn *c;

	(void)state;
	advance(5);
	base = open_conn(&p, 7);
	c = conn_of(&p);
	p.win = 0;
	send_data(&p, 2);
	drain();
	for (unsigned i = 0; i < 50 && h_cnt(CNT_TCP_PERSIST_PROBE) < 3; i++) {
		advance(100);
		drain();
	}
	assert_int_equal(h_cnt(CNT_TCP_PERSIST_PROBE), 3);
	assert_true(c->backoff > 0);
	/* The answer to the next probe opens the window a little. */
	send_ack(&p, base, 1500, NULL, 0);
	assert_true(take(&seq, &len));
	assert_int_equal(seq, base);
	assert_int_equal(len, 1000);
	assert_int_equal(c->backoff, 0);
	send_ack(&p, base + 1000, 65535, NULL, 0);
	assert_true(take(&seq, &len));
	assert_int_equal(seq, base + 1000);
	send_ack(&p, base + 2000, 65535, NULL, 0);
	assert_int_equal(c->sndq.bytes, 0);
	drain();
}

/* tcp.rx-mbufs-per-worker: received mbufs are counted as they are queued
 * (in order or out of order) and released as they are read, merged or
 * freed; at the bound a heavy connection's segments are dropped
 * unacknowledged and counted while a light one is still served. */
static void
test_rx_mbufs_cap(void **state)
{
	struct peer disc, heavy, light;
	struct tcp_worker *tw;
	struct tcp_conn *c, *hc;
	uint32_t seq, len;
	uint8_t f[2048], data[1000];

	(void)state;
	boot(",\"rx-mbufs-per-worker\":16");
	tw = dp.workers[0]->tcp;
	assert_int_equal(tw->rx_mbufs, 0);
	advance(5);
	memset(data, 'd', sizeof(data));
	/* Discard reads everything at once: nothing stays held. */
	open_conn(&disc, 9);
	c = conn_of(&disc);
	send_data(&disc, 30);
	assert_int_equal(tw->rx_mbufs, 0);
	/* Out of order: held in a run until the hole fills, then read. */
	disc.seq += 1000;
	h_rx(0, f, build(f, &disc, 0x10, NULL, 0, data, sizeof(data)));
	assert_int_equal(c->n_ooo, 1);
	assert_int_equal(c->rx_mbufs, 1);
	assert_int_equal(tw->rx_mbufs, 1);
	disc.seq -= 1000;
	h_rx(0, f, build(f, &disc, 0x10, NULL, 0, data, sizeof(data)));
	disc.seq += 2000;
	assert_int_equal(c->n_ooo, 0);
	assert_int_equal(tw->rx_mbufs, 0);
	drain();
	/* Echo to a peer whose window is closed: once echo's send queue is
	 * full (64 KiB) it stops reading, the receive queue fills, and at 16
	 * mbufs the worker's bound refuses more. */
	open_conn(&heavy, 7);
	hc = conn_of(&heavy);
	heavy.win = 0;
	send_data(&heavy, 100);
	drain();
	assert_int_equal(hc->rx_mbufs, 16);
	assert_int_equal(tw->rx_mbufs, 16);
	assert_true(h_cnt(CNT_TCP_DROP_RX_MBUFS) > 0);
	/* Refused segments were not acknowledged: the peer resends them. */
	assert_true(SEQ_LT(hc->rcv_nxt, heavy.seq));
	assert_int_equal(hc->rcvq.bytes + hc->sndq.bytes, hc->rcv_nxt - 7001);
	/* A light connection still gets its echo. */
	open_conn(&light, 7);
	h_rx(0, f, build(f, &light, 0x18, NULL, 0, data, 100));
	light.seq += 100;
	len = 0;
	while (len == 0 && take(&seq, &len))
		;
	assert_int_equal(len, 100);
	assert_int_equal(tw->rx_mbufs, 16);
	/* Releasing the heavy connection gives its mbufs back. */
	tcp_conn_release(hc, TCP_CLOSE_ABORT);
	assert_int_equal(tw->rx_mbufs, 0);
	tcp_conn_release(conn_of(&light), TCP_CLOSE_ABORT);
	tcp_conn_release(c, TCP_CLOSE_ABORT);
	drain();
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
	advance(5);
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
	advance(10);
	assert_int_equal(b->t_keep, now + 20);
	assert_non_null(b->tn.pprev);
	assert_int_equal(tw->ntimers, 2);
	/* Both fire at now + 20 (keep-alive off: the deadline just clears). */
	advance(10);
	assert_int_equal(b->t_keep, 0);
	assert_int_equal(third->t_keep, 0);
	assert_null(third->tn.pprev);
	assert_int_equal(tw->ntimers, 0);
	tcp_conn_release(b, TCP_CLOSE_ABORT);
	tcp_conn_release(third, TCP_CLOSE_ABORT);
	advance(1);
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
