/* SPDX-License-Identifier: Proprietary
 * Active opens (tcp_connect) through a real worker pass with ring ports:
 * our SYN and its options, SYN-SENT answered by a SYN-ACK, an RST, a bad
 * ACK, or nothing (retransmission with backoff, then TCP_CLOSE_TIMEOUT);
 * the local port choice under a two-worker redirection table; refusals;
 * keep-alive timing; and the relay test service piping two connections
 * with half-close and reset propagation. Time is driven by tcp_clock_set.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "h_tcp.h"
#include "port/port.h"

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"time-wait-ms\":1000,\"receive-buffer\":65536,\"send-buffer\":65536,"
	"          \"keepalive-idle-ms\":1000,\"keepalive-interval-ms\":100,\"keepalive-probes\":3},"
	" \"test-services\":[{\"port\":9,\"service\":\"discard\"},"
	"                    {\"port\":8,\"service\":\"relay\",\"upstream\":\"10.0.0.2\",\"upstream-port\":5000},"
	"                    {\"port\":19,\"service\":\"send\",\"bytes\":3000}]}";

/* What the test application saw. */
static struct {
	int connects, closes;
	enum tcp_close_reason why;
	int refuse;             /* on_connect's answer */
} app;

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	memset(&app, 0, sizeof(app));
	memset(port_reta, 0, sizeof(port_reta));
	return 0;
}

static void
rx(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
   const uint8_t *opts, size_t optlen, const void *data, size_t len)
{
	uint8_t f[2048];

	h_rx(0, f, h_tcp_frame(f, H_PEER_ADDR, sport, dport, seq, ack, flags, 65535, opts, optlen,
				 data, len));
}

static int
app_connect(struct tcp_conn *c)
{
	app.connects++;
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_ptr_equal(c->app, &app);
	return app.refuse;
}

static void
app_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	app.closes++;
	app.why = why;
}

static const struct tcp_app_ops app_ops = {
	.name = "test",
	.on_connect = app_connect,
	.on_closed = app_closed,
};

static struct tcp_conn *
connect4(const char *addr, uint16_t port, int *err)
{
	uint32_t a = h_ip4(addr);
	struct tcp_conn *c;

	H_IN_PASS(c = tcp_connect(dp.workers[0], AF_INET, (const uint8_t *)&a, port, &app_ops,
				&app, err));
	return c;
}

/* SYN-ACK options: MSS 1400, SACK-permitted, timestamps (TSval 77, TSecr
 * echo), window scale 2. */
static size_t
synack_opts(uint8_t *o, uint32_t tsecr)
{
	static const uint8_t head[] = { 2, 4, 0x05, 0x78, 4, 2, 8, 10, 0, 0, 0, 77 };

	memcpy(o, head, sizeof(head));
	o[12] = (uint8_t)(tsecr >> 24);
	o[13] = (uint8_t)(tsecr >> 16);
	o[14] = (uint8_t)(tsecr >> 8);
	o[15] = (uint8_t)tsecr;
	o[16] = 1;
	o[17] = 3;
	o[18] = 3;
	o[19] = 2;
	return 20;
}

static void
test_connect_synack(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn, r;
	uint8_t o[20];
	const uint8_t *p;
	int err = 1;

	(void)state;
	c = connect4("10.0.0.2", 80, &err);
	assert_non_null(c);
	assert_int_equal(err, 0);
	assert_int_equal(c->state, TCP_SYN_SENT);
	assert_string_equal(tcp_state_name(c->state), "SYN-SENT");
	assert_int_equal(tcp_send_space(c), 0);
	assert_int_equal(h_cnt(CNT_TCP_ACTIVE_OPEN), 1);
	assert_true(h_tcp_take(&syn));
	assert_int_equal(syn.flags, TH_SYN);
	assert_int_equal(syn.dport, 80);
	assert_true(syn.sport >= TCP_EPHEMERAL_LO);
	assert_int_equal(syn.ack, 0);
	assert_int_equal(syn.len, 0);
	assert_int_equal(syn.win, 65535);
	p = h_tcp_opt(&syn, 2);
	assert_non_null(p);
	assert_int_equal(p[2] << 8 | p[3], 1460);
	assert_non_null(h_tcp_opt(&syn, 4));
	assert_non_null(h_tcp_opt(&syn, 8));
	p = h_tcp_opt(&syn, 3);
	assert_non_null(p);
	assert_int_equal(p[2], 1);      /* a 64 KiB buffer needs one shift */
	assert_int_equal(h_tx_count(0), 0);

	/* The SYN-ACK: our ACK at once, on_connect, ESTABLISHED. */
	p = h_tcp_opt(&syn, 8);
	rx(80, syn.sport, 9000, syn.seq + 1, TH_SYN | TH_ACK, o,
	   synack_opts(o, (uint32_t)p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]), NULL, 0);
	assert_int_equal(app.connects, 1);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->smss, 1400 - 12);
	assert_int_equal(c->snd_wscale, 2);
	assert_true(c->flags & TF_SACK_OK);
	assert_true(c->flags & TF_TS_OK);
	assert_int_equal(h_cnt(CNT_TCP_ACTIVE_ESTABLISHED), 1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK);
	assert_int_equal(r.seq, syn.seq + 1);
	assert_int_equal(r.ack, 9001);
	p = h_tcp_opt(&r, 8);
	assert_non_null(p);
	assert_int_equal(p[9], 77);     /* TSecr echoes the SYN-ACK's TSval */

	/* Data flows both ways. */
	H_IN_PASS(assert_int_equal(tcp_write(c, "ping", 4), 4));
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.len, 4);
	assert_memory_equal(r.data, "ping", 4);
	rx(80, syn.sport, 9001, syn.seq + 5, TH_ACK | TH_PSH, NULL, 0, "pong", 4);
	assert_int_equal(tcp_rx_avail(c), 4);
	H_IN_PASS(tcp_abort(c));
	assert_int_equal(app.closes, 1);
	assert_int_equal(app.why, TCP_CLOSE_ABORT);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_RST);
	h_reset();
}

/* SYN-ACK with data on it: queued after on_connect. And an application
 * that refuses in on_connect resets the connection. */
static void
test_connect_synack_data_and_refusal(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	c = connect4("10.0.0.2", 81, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	rx(81, syn.sport, 500, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, "hi", 2);
	assert_int_equal(app.connects, 1);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(tcp_rx_avail(c), 2);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.ack, 503);   /* SYN and 2 bytes, at once */
	assert_int_equal(c->smss, 536); /* no MSS option: RFC 9293 3.7.1 */
	assert_false(c->flags & (TF_WS_OK | TF_TS_OK | TF_SACK_OK));
	H_IN_PASS(tcp_abort(c));
	h_reset();

	app.refuse = 1;
	c = connect4("10.0.0.2", 82, NULL);
	assert_true(h_tcp_take(&syn));
	rx(82, syn.sport, 700, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(app.connects, 2);
	assert_int_equal(app.closes, 2);
	assert_int_equal(app.why, TCP_CLOSE_ABORT);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_RST);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

static void
test_connect_rst(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	/* An RST without ACK is not believed in SYN-SENT. */
	rx(80, syn.sport, 0, 0, TH_RST, NULL, 0, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT), 1);
	assert_int_equal(c->state, TCP_SYN_SENT);
	/* Nor one whose ACK is not for our SYN (and it gets no answer). */
	rx(80, syn.sport, 0, syn.seq + 9, TH_RST | TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT_BAD_ACK), 1);
	assert_int_equal(h_tx_count(0), 0);
	assert_int_equal(app.closes, 0);
	/* A plain ACK (no SYN) with the right number: dropped. */
	rx(80, syn.sport, 0, syn.seq + 1, TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT), 2);
	/* The refusal a closed port sends. */
	rx(80, syn.sport, 0, syn.seq + 1, TH_RST | TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(app.closes, 1);
	assert_int_equal(app.why, TCP_CLOSE_REFUSED);
	assert_int_equal(app.connects, 0);
	assert_int_equal(h_cnt(CNT_TCP_CONNECT_REFUSED), 1);
	assert_false(h_tcp_take(&r));
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

static void
test_connect_bad_ack(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	/* SYN-ACK acknowledging something else: <SEQ=SEG.ACK><CTL=RST>. */
	rx(80, syn.sport, 4000, syn.seq + 100, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_RST);
	assert_int_equal(r.seq, syn.seq + 100);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT_BAD_ACK), 1);
	/* ACK = ISS is not acceptable either. */
	rx(80, syn.sport, 4000, syn.seq, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT_BAD_ACK), 2);
	/* Neither SYN nor RST (a FIN without ACK) is dropped. */
	rx(80, syn.sport, 4000, 0, TH_FIN, NULL, 0, NULL, 0);
	assert_int_equal(h_cnt(CNT_TCP_DROP_SYN_SENT), 1);
	assert_int_equal(c->state, TCP_SYN_SENT);
	/* The right one still works. */
	rx(80, syn.sport, 4000, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(app.connects, 1);
	H_IN_PASS(tcp_abort(c));
	h_reset();
}

static void
test_connect_retries_then_timeout(void **state)
{
	static const unsigned gaps[] = { 1000, 2000, 4000, 8000, 16000 };
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	for (unsigned i = 0; i < RTE_DIM(gaps); i++) {
		h_tcp_advance(gaps[i] - 1);
		assert_int_equal(h_tx_count(0), 0);
		h_tcp_advance(1);
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.flags, TH_SYN);
		assert_int_equal(r.seq, syn.seq);
		assert_int_equal(r.sport, syn.sport);
	}
	assert_int_equal(h_cnt(CNT_TCP_RTO), RTE_DIM(gaps));
	/* The SYN-ACK to a retransmitted SYN: no RTT sample (Karn), one
	 * segment of congestion window (RFC 5681 3.1). Not sent here: the
	 * last SYN goes unanswered and after 32 s the open fails. */
	h_tcp_advance(31999);
	assert_int_equal(app.closes, 0);
	h_tcp_advance(1);
	assert_int_equal(app.closes, 1);
	assert_int_equal(app.why, TCP_CLOSE_TIMEOUT);
	assert_int_equal(h_cnt(CNT_TCP_CONNECT_TIMEOUT), 1);
	assert_int_equal(h_cnt(CNT_TCP_TIMEOUT), 0);
	assert_false(h_tcp_take(&r));         /* nothing to reset */
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);

	/* Karn on the way up: a SYN-ACK after one retransmission. */
	c = connect4("10.0.0.2", 80, NULL);
	assert_true(h_tcp_take(&syn));
	h_tcp_advance(1000);
	assert_true(h_tcp_take(&r));
	rx(80, syn.sport, 1, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->srtt_x8, 0);
	assert_int_equal(c->rto_ms, 3000);
	assert_int_equal(c->cwnd, c->smss);
	/* close in ESTABLISHED: FIN; in SYN-SENT: gone, silently. */
	H_IN_PASS(tcp_abort(c));
	h_reset();
	c = connect4("10.0.0.2", 80, NULL);
	assert_true(h_tcp_take(&syn));
	H_IN_PASS(assert_int_equal(tcp_close(c), 0));
	assert_int_equal(app.why, TCP_CLOSE_ABORT);
	assert_false(h_tcp_take(&r));
}

/* With a two-worker table, every chosen port's replies hash to this worker
 * (worker 0), and ports the other worker owns are skipped. */
static void
test_connect_port_owner(void **state)
{
	unsigned gaps = 0, prev = 0;

	(void)state;
	for (unsigned i = 0; i < PORT_RETA_SIZE; i++)
		port_reta[i] = i & 1;
	for (unsigned i = 0; i < 64; i++) {
		struct tcp_conn *c = connect4("10.0.0.2", 443, NULL);
		struct h_seg syn;

		assert_non_null(c);
		assert_true(h_tcp_take(&syn));
		assert_int_equal(port_owner(syn.hash), 0);
		assert_int_equal(rte_be_to_cpu_16(c->key.lport), syn.sport);
		/* The same hash as the reply's, computed from the tuple. */
		assert_int_equal(port_tuple_hash(AF_INET, c->key.raddr, c->key.laddr, 443,
						 syn.sport), syn.hash);
		if (i && syn.sport != prev + 1)
			gaps++;
		prev = syn.sport;
	}
	assert_true(gaps > 8);          /* about half the candidates belong to worker 1 */
	assert_int_equal(tcp_conn_count(dp.workers[0]), 64);
	/* The same tuple is never handed out twice. */
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		struct tcp_conn *a = &dp.workers[0]->tcp->conns[i];

		if (a->state != TCP_SYN_SENT)
			continue;
		for (uint32_t j = i + 1; j < TCP_MAX_CONNS; j++)
			if (dp.workers[0]->tcp->conns[j].state == TCP_SYN_SENT)
				assert_int_not_equal(a->key.lport, dp.workers[0]->tcp->conns[j].key.lport);
	}
	/* A table where this worker owns nothing: no port, after bounded tries. */
	memset(port_reta, 1, sizeof(port_reta));
	{
		int err = 0;

		assert_null(connect4("10.0.0.2", 443, &err));
		assert_int_equal(err, -EADDRNOTAVAIL);
		assert_int_equal(h_cnt(CNT_TCP_CONNECT_NO_PORT), 1);
	}
	memset(port_reta, 0, sizeof(port_reta));
}

static void
test_connect_refusals(void **state)
{
	struct config_error cerr;
	int err = 0;
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	(void)state;
	/* No port holds 192.0.2.1 and none has a gateway. */
	assert_null(connect4("192.0.2.1", 80, &err));
	assert_int_equal(err, -ENETUNREACH);
	H_IN_PASS(assert_null(tcp_connect(dp.workers[0], AF_INET6, v6, 80, &app_ops, &app, &err)));
	assert_int_equal(err, -ENETUNREACH);
	/* Ourselves and the subnet broadcast are nobody to connect to. */
	assert_null(connect4("10.0.0.1", 80, &err));
	assert_null(connect4("10.0.0.255", 80, &err));
	assert_int_equal(err, -ENETUNREACH);
	assert_int_equal(h_cnt(CNT_TCP_CONNECT_NO_ROUTE), 4);
	/* With a gateway on port 1, off-link goes there, from 10.0.1.1. */
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
				 "{\"port\":1,\"addresses\":[\"10.0.1.1/24\"],\"gateway4\":\"10.0.1.254\"}],"
				 "\"tcp\":{\"max-connections-per-worker\":2}}", &cerr), 0);
	h_tcp_advance(1);
	{
		struct tcp_conn *c = connect4("192.0.2.1", 80, &err);
		uint32_t l = h_ip4("10.0.1.1");

		assert_non_null(c);
		assert_int_equal(c->port, 1);
		assert_memory_equal(c->key.laddr, &l, 4);
	}
	/* IPv6: the port whose prefix holds the peer, else the one with a
	 * gateway, from its address in the gateway's prefix; link-local
	 * peers (which port?) are refused. */
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"fd00:1::1/64\"]},"
				 "{\"port\":1,\"addresses\":[\"fd00:9::1/64\",\"fd00:2::1/64\"],"
				 "\"gateway6\":\"fd00:2::fe\"}]}", &cerr), 0);
	h_tcp_advance(1);
	{
		static const uint8_t on0[16] = { 0xfd, 0, 0, 1, [15] = 2 };
		static const uint8_t far[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
		static const uint8_t ll[16] = { 0xfe, 0x80, [15] = 1 };
		static const uint8_t own[16] = { 0xfd, 0, 0, 1, [15] = 1 };
		static const uint8_t l0[16] = { 0xfd, 0, 0, 1, [15] = 1 };
		static const uint8_t l1[16] = { 0xfd, 0, 0, 2, [15] = 1 };
		struct tcp_conn *c;

		H_IN_PASS(c = tcp_connect(dp.workers[0], AF_INET6, on0, 80, &app_ops, &app, &err));
		assert_non_null(c);
		assert_int_equal(c->port, 0);
		assert_memory_equal(c->key.laddr, l0, 16);
		assert_int_equal(c->rmss, 1500 - 40 - 20);
		H_IN_PASS(c = tcp_connect(dp.workers[0], AF_INET6, far, 80, &app_ops, &app, &err));
		assert_non_null(c);
		assert_int_equal(c->port, 1);
		assert_memory_equal(c->key.laddr, l1, 16);
		H_IN_PASS(assert_null(tcp_connect(dp.workers[0], AF_INET6, ll, 80, &app_ops, &app, &err)));
		assert_int_equal(err, -ENETUNREACH);
		H_IN_PASS(assert_null(tcp_connect(dp.workers[0], AF_INET6, own, 80, &app_ops, &app, &err)));
		assert_int_equal(err, -ENETUNREACH);
		H_IN_PASS(tcp_abort(c));
	}
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
				 "{\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
				 "\"tcp\":{\"max-connections-per-worker\":2}}", &cerr), 0);
	h_tcp_advance(1);
	/* The per-worker limit (2; one IPv4 and one IPv6 open are left). */
	assert_null(connect4("10.0.0.2", 80, &err));
	assert_int_equal(err, -ENOBUFS);
	h_reset();
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
				 "{\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
				 "\"tcp\":{\"max-connections-per-worker\":3}}", &cerr), 0);
	h_tcp_advance(1);
	assert_non_null(connect4("10.0.0.2", 80, &err));
	assert_null(connect4("10.0.0.2", 80, &err));
	assert_int_equal(err, -ENOBUFS);
	assert_int_equal(h_cnt(CNT_TCP_CONNECT_NO_CONN), 1);
}

/* Keep-alive: idle 1000 ms, then probes 100 ms apart, 3 unanswered ones
 * reset the connection. */
static void
test_keepalive(void **state)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	struct h_seg r;
	uint32_t seq = 1000, ack;

	(void)state;
	rx(40001, 9, seq, 0, TH_SYN, mss, sizeof(mss), NULL, 0);
	assert_true(h_tcp_take(&r));
	ack = r.seq + 1;
	seq++;
	rx(40001, 9, seq, ack, TH_ACK, NULL, 0, NULL, 0);
	h_tcp_advance(999);
	assert_false(h_tcp_take(&r));
	h_tcp_advance(1);
	assert_true(h_tcp_take(&r));                  /* probe 1: SND.NXT - 1, no data */
	assert_int_equal(r.flags, TH_ACK);
	assert_int_equal(r.seq, ack - 1);
	assert_int_equal(r.len, 0);
	assert_int_equal(r.ack, seq);
	/* Answered: the idle clock starts again from the answer. */
	h_tcp_advance(50);
	rx(40001, 9, seq, ack, TH_ACK, NULL, 0, NULL, 0);
	h_tcp_advance(999);
	assert_false(h_tcp_take(&r));
	/* Data half-way through the idle time pushes the probe back. */
	rx(40001, 9, seq, ack, TH_ACK, NULL, 0, "x", 1);
	seq++;
	h_tcp_advance(40);
	assert_true(h_tcp_take(&r));                  /* the delayed ACK */
	h_tcp_advance(959);
	assert_false(h_tcp_take(&r));
	h_tcp_advance(1);                             /* 1000 ms after the data */
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.seq, ack - 1);
	assert_int_equal(h_cnt(CNT_TCP_KEEPALIVE_PROBE), 2);
	/* Unanswered: two more probes 100 ms apart, then the reset. */
	h_tcp_advance(100);
	assert_true(h_tcp_take(&r));
	h_tcp_advance(99);
	assert_false(h_tcp_take(&r));
	h_tcp_advance(1);
	assert_true(h_tcp_take(&r));
	assert_int_equal(h_cnt(CNT_TCP_KEEPALIVE_PROBE), 4);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 1);
	h_tcp_advance(100);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_RST);
	assert_int_equal(h_cnt(CNT_TCP_KEEPALIVE_TIMEOUT), 1);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

/* Keep-alive never probes while our data is in flight (the RTO watches). */
static void
test_keepalive_quiet_with_data_in_flight(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_true(h_tcp_take(&syn));
	rx(80, syn.sport, 1, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
	assert_true(h_tcp_take(&r));
	H_IN_PASS(assert_int_equal(tcp_write(c, "abc", 3), 3));
	assert_true(h_tcp_take(&r));
	for (unsigned i = 0; i < 8; i++) {
		h_tcp_advance(500);
		while (h_tcp_take(&r))
			assert_int_equal(r.len, 3);     /* retransmissions only */
	}
	assert_int_equal(h_cnt(CNT_TCP_KEEPALIVE_PROBE), 0);
	H_IN_PASS(tcp_abort(c));
}

/* The "send" service: exactly `bytes` of the pattern, then FIN. */
static void
test_send_service(void **state)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	uint8_t got[3000];
	uint32_t n = 0, seq = 1, ack;
	struct h_seg r;
	bool fin = false;

	(void)state;
	rx(40002, 19, 0, 0, TH_SYN, mss, sizeof(mss), NULL, 0);
	assert_true(h_tcp_take(&r));
	ack = r.seq + 1;
	rx(40002, 19, seq, ack, TH_ACK, NULL, 0, NULL, 0);
	for (unsigned i = 0; i < 10 && !fin; i++) {
		while (h_tcp_take(&r)) {
			assert_int_equal(r.seq, ack + n);
			assert_true(n + r.len <= sizeof(got));
			memcpy(got + n, r.data, r.len);
			n += r.len;
			fin = r.flags & TH_FIN;
		}
		rx(40002, 19, seq, ack + n + fin, TH_ACK, NULL, 0, NULL, 0);
	}
	assert_true(fin);
	assert_int_equal(n, 3000);
	/* Word 0 of the SplitMix64 stream, little-endian: 0xe220a8397b1dcdaf. */
	assert_int_equal(got[0], 0xaf);
	assert_int_equal(got[1], 0xcd);
	assert_int_equal(got[7], 0xe2);
	assert_memory_not_equal(got, got + 256, 256);
	rx(40002, 19, seq, ack + n + 1, TH_ACK | TH_FIN, NULL, 0, NULL, 0);
	h_reset();
}

/* Relay: client 40003 -> :8, upstream :5000. */
struct relay_side {
	uint16_t port;          /* the peer's port */
	uint16_t ours;          /* our port on that connection */
	uint32_t seq, ack;      /* the peer's next sequence, the next byte expected */
};

/* Take the next segment; tells which side it went to. */
static struct relay_side *
take_side(struct h_seg *r, struct relay_side *cl, struct relay_side *up)
{
	if (!h_tcp_take(r))
		return NULL;
	if (r->dport == cl->port)
		return cl;
	assert_int_equal(r->dport, up->port);
	return up;
}

static void
relay_open(struct relay_side *cl, struct relay_side *up)
{
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	struct h_seg r;

	*cl = (struct relay_side){ 40003, 8, 100, 0 };
	*up = (struct relay_side){ 5000, 0, 7000, 0 };
	rx(cl->port, 8, cl->seq, 0, TH_SYN, mss, sizeof(mss), NULL, 0);
	assert_true(h_tcp_take(&r));
	cl->seq++;
	cl->ack = r.seq + 1;
	rx(cl->port, 8, cl->seq, cl->ack, TH_ACK, NULL, 0, NULL, 0);
	/* Accepted: the relay opens upstream. */
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_SYN);
	assert_int_equal(r.dport, 5000);
	up->ours = r.sport;
	up->ack = r.seq + 1;
	rx(5000, up->ours, up->seq, up->ack, TH_SYN | TH_ACK, mss, sizeof(mss), NULL, 0);
	up->seq++;
	assert_true(h_tcp_take(&r));
	assert_int_equal(r.flags, TH_ACK);
}

static void
test_relay_pipes_and_half_closes(void **state)
{
	struct relay_side cl, up, *s;
	struct h_seg r;

	(void)state;
	relay_open(&cl, &up);
	/* Client to upstream. */
	rx(cl.port, 8, cl.seq, cl.ack, TH_ACK | TH_PSH, NULL, 0, "request", 7);
	cl.seq += 7;
	s = take_side(&r, &cl, &up);
	assert_ptr_equal(s, &up);
	assert_int_equal(r.len, 7);
	assert_memory_equal(r.data, "request", 7);
	up.ack += 7;
	rx(5000, up.ours, up.seq, up.ack, TH_ACK, NULL, 0, NULL, 0);
	/* The client half-closes: the FIN goes upstream, the other direction
	 * keeps flowing. */
	rx(cl.port, 8, cl.seq, cl.ack, TH_ACK | TH_FIN, NULL, 0, NULL, 0);
	cl.seq++;
	for (unsigned i = 0; i < 2; i++) {
		s = take_side(&r, &cl, &up);
		assert_non_null(s);
		if (s == &up) {
			assert_true(r.flags & TH_FIN);
			up.ack++;
		} else {
			assert_int_equal(r.ack, cl.seq);   /* our ACK of the client's FIN */
		}
	}
	rx(5000, up.ours, up.seq, up.ack, TH_ACK | TH_PSH, NULL, 0, "response", 8);
	up.seq += 8;
	s = take_side(&r, &cl, &up);
	assert_ptr_equal(s, &cl);
	assert_int_equal(r.len, 8);
	assert_memory_equal(r.data, "response", 8);
	cl.ack += 8;
	rx(cl.port, 8, cl.seq, cl.ack, TH_ACK, NULL, 0, NULL, 0);
	while (h_tcp_take(&r))
		;       /* upstream's ACK of "response" (delayed or not) */
	/* Upstream closes: the client gets the FIN, both end normally. */
	rx(5000, up.ours, up.seq, up.ack, TH_ACK | TH_FIN, NULL, 0, NULL, 0);
	up.seq++;
	h_tcp_advance(1);
	{
		bool fin_to_client = false;

		while ((s = take_side(&r, &cl, &up)) != NULL)
			if (s == &cl && (r.flags & TH_FIN))
				fin_to_client = true;
		assert_true(fin_to_client);
	}
	cl.ack++;
	rx(cl.port, 8, cl.seq, cl.ack, TH_ACK, NULL, 0, NULL, 0);
	h_tcp_advance(2000);          /* TIME-WAIT (1000 ms) over on both */
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_int_equal(h_cnt(CNT_TCP_RST_TX), 0);
}

static void
test_relay_reset_and_refused(void **state)
{
	struct relay_side cl, up, *s;
	struct h_seg r;
	bool rst = false;

	(void)state;
	/* The upstream resets: so is the client. */
	relay_open(&cl, &up);
	rx(5000, up.ours, up.seq, up.ack, TH_RST, NULL, 0, NULL, 0);
	while ((s = take_side(&r, &cl, &up)) != NULL)
		if (s == &cl && (r.flags & TH_RST))
			rst = true;
	assert_true(rst);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);

	/* The client resets: so is the upstream. */
	relay_open(&cl, &up);
	rx(cl.port, 8, cl.seq, 0, TH_RST, NULL, 0, NULL, 0);
	assert_non_null(take_side(&r, &cl, &up));
	assert_int_equal(r.dport, 5000);
	assert_true(r.flags & TH_RST);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);

	/* The upstream refuses the connection: the client is reset. */
	{
		static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
		uint32_t ack;

		rx(40004, 8, 50, 0, TH_SYN, mss, sizeof(mss), NULL, 0);
		assert_true(h_tcp_take(&r));
		ack = r.seq + 1;
		rx(40004, 8, 51, ack, TH_ACK, NULL, 0, NULL, 0);
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.flags, TH_SYN);
		rx(5000, r.sport, 0, r.seq + 1, TH_RST | TH_ACK, NULL, 0, NULL, 0);
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.dport, 40004);
		assert_true(r.flags & TH_RST);
		assert_int_equal(h_cnt(CNT_TCP_CONNECT_REFUSED), 1);
	}
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

/* Flow control: while the upstream's window is shut, the relay reads no
 * more from the client than the upstream's send queue takes. */
static void
test_relay_flow_control(void **state)
{
	struct relay_side cl, up;
	static uint8_t blob[1400];
	struct h_seg r;
	struct tcp_conn *client;
	struct tcp_key k = { .family = AF_INET };
	uint32_t a = h_ip4("10.0.0.2"), l = h_ip4("10.0.0.1");

	(void)state;
	relay_open(&cl, &up);
	memcpy(k.raddr, &a, 4);
	memcpy(k.laddr, &l, 4);
	k.rport = rte_cpu_to_be_16(cl.port);
	k.lport = rte_cpu_to_be_16(8);
	client = tcp_conn_lookup(dp.workers[0]->tcp, &k);
	assert_non_null(client);
	/* Upstream announces a zero window. */
	{
		uint8_t f[256];

		h_rx(0, f, h_tcp_frame(f, H_PEER_ADDR, 5000, up.ours, up.seq, up.ack, TH_ACK, 0, NULL, 0, NULL, 0));
	}
	/* 128 KiB from the client: 64 KiB fit in the upstream's send queue,
	 * the rest stays in the client's receive queue (64 KiB window). */
	for (unsigned i = 0; i < 100; i++) {
		rx(cl.port, 8, cl.seq, cl.ack, TH_ACK, NULL, 0, blob, sizeof(blob));
		cl.seq += sizeof(blob);
		while (h_tcp_take(&r))
			;
	}
	assert_int_equal(((struct tcp_conn *)client->app)->sndq.bytes, 65536);
	assert_true(client->rcvq.bytes > 65535 - 1400);
	assert_true(client->rcvq.bytes <= 65535);
	assert_int_equal(h_cnt(CNT_TCP_ERR_SNDBUF_POOL), 0);
	H_IN_PASS(tcp_abort(client));
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
}

/* Bytes that arrive with the peer's FIN after ours stay readable through
 * TIME-WAIT; on_closed comes when TIME-WAIT ends: NORMAL when they were
 * read; TIME-WAIT is extended while the application reads, and ends with
 * TIMEOUT once a whole period passed without progress. */
static void
test_time_wait_keeps_unread_bytes(void **state)
{
	for (int read_them = 1; read_them >= 0; read_them--) {
		struct tcp_conn *c;
		struct h_seg syn, r;
		char buf[8];

		memset(&app, 0, sizeof(app));
		c = connect4("10.0.0.2", 80, NULL);
		assert_true(h_tcp_take(&syn));
		rx(80, syn.sport, 100, syn.seq + 1, TH_SYN | TH_ACK, NULL, 0, NULL, 0);
		assert_true(h_tcp_take(&r));
		H_IN_PASS(assert_int_equal(tcp_close(c), 0));
		assert_true(h_tcp_take(&r));
		assert_true(r.flags & TH_FIN);
		/* The peer ACKs our FIN, then sends "tail" and its FIN. */
		rx(80, syn.sport, 101, syn.seq + 2, TH_ACK, NULL, 0, NULL, 0);
		assert_int_equal(c->state, TCP_FIN_WAIT_2);
		rx(80, syn.sport, 101, syn.seq + 2, TH_ACK | TH_FIN, NULL, 0, "tail", 4);
		assert_int_equal(c->state, TCP_TIME_WAIT);
		assert_int_equal(app.closes, 0);
		assert_int_equal(tcp_rx_avail(c), 4);
		assert_false(tcp_rx_eof(c));
		/* A peer that is done resets our late segment: RFC 1337. */
		rx(80, syn.sport, 106, 0, TH_RST, NULL, 0, NULL, 0);
		assert_int_equal(c->state, TCP_TIME_WAIT);
		assert_int_equal(tcp_rx_avail(c), 4);
		assert_int_equal(h_cnt(CNT_TCP_DROP_RST_CLOSED), 2 - read_them);
		if (read_them) {
			H_IN_PASS(assert_int_equal(tcp_read(c, buf, sizeof(buf)), 4));
			assert_memory_equal(buf, "tail", 4);
			assert_true(tcp_rx_eof(c));
		}
		assert_int_equal(app.closes, 0);
		h_tcp_advance(1000);          /* time-wait-ms */
		if (!read_them) {
			assert_int_equal(app.closes, 0);
			H_IN_PASS(assert_int_equal(tcp_read(c, buf, 1), 1));
			h_tcp_advance(1000);  /* progress: one more period */
			assert_int_equal(app.closes, 0);
			h_tcp_advance(1000);  /* none: given up */
		}
		assert_int_equal(app.closes, 1);
		assert_int_equal(app.why, read_them ? TCP_CLOSE_NORMAL : TCP_CLOSE_TIMEOUT);
		while (h_tcp_take(&r))
			;
		h_tcp_advance(1);
		assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	}
	(void)state;
}

/* The config refuses malformed send and relay services and keep-alive
 * values, each with the path of the bad member. */
static void
test_config_refusals(void **state)
{
	static const struct { const char *doc, *path; } bad[] = {
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"relay\","
		  "\"upstream-port\":80}]}", "/test-services/0/upstream" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"relay\","
		  "\"upstream\":\"10.0.0.300\",\"upstream-port\":80}]}", "/test-services/0/upstream" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"relay\","
		  "\"upstream\":\"fd00::2\",\"upstream-port\":0}]}", "/test-services/0/upstream-port" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"echo\","
		  "\"upstream\":\"10.0.0.2\"}]}", "/test-services/0" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"echo\","
		  "\"bytes\":5}]}", "/test-services/0" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,\"service\":\"send\","
		  "\"bytes\":-1}]}", "/test-services/0/bytes" },
		{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"keepalive-probes\":0}}", "/tcp/keepalive-probes" },
		{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"keepalive-interval-ms\":5}}", "/tcp/keepalive-interval-ms" },
		{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"keepalive-idle-ms\":7200001}}", "/tcp/keepalive-idle-ms" },
	};
	struct config_error err;

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(h_apply(bad[i].doc, &err), -EINVAL);
		assert_string_equal(err.path, bad[i].path);
	}
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":8,"
				 "\"service\":\"relay\",\"upstream\":\"fd00::2\","
				 "\"upstream-port\":80},{\"port\":9,\"service\":\"send\"}]}",
				 &err), 0);
	assert_int_equal(dp_snapshot()->tcp.service[0].family, AF_INET6);
	assert_int_equal(dp_snapshot()->tcp.service[0].uport, 80);
	assert_int_equal(dp_snapshot()->tcp.service[1].bytes, 0);
	assert_int_equal(dp_snapshot()->tcp.keepalive_idle_ms, 0);
}

/* Eth + IPv4 from 10.0.0.2 + ICMP type/code (mtu in bytes 6-7) quoting
 * the IPv4 header and first 8 TCP bytes of a segment we sent to
 * 10.0.0.2:dport from sport with sequence number seq. */
static void
rx_icmp(uint8_t type, uint8_t code, uint16_t mtu, uint16_t sport, uint16_t dport, uint32_t seq)
{
	uint8_t f[256];
	size_t off = h_eth(f, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + off), *qip;
	uint8_t *icmp = (uint8_t *)(ip + 1), *qtcp;
	size_t ilen = 8 + sizeof(*qip) + 8;
	uint16_t sum;

	memset(ip, 0, sizeof(*ip) + ilen);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + ilen);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = h_ip4("10.0.0.2");
	ip->dst_addr = h_ip4("10.0.0.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp[0] = type;
	icmp[1] = code;
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	qip = (struct rte_ipv4_hdr *)(icmp + 8);
	qip->version_ihl = RTE_IPV4_VHL_DEF;
	qip->total_length = rte_cpu_to_be_16(1500);
	qip->time_to_live = 63;
	qip->next_proto_id = IPPROTO_TCP;
	qip->src_addr = h_ip4("10.0.0.1");
	qip->dst_addr = h_ip4("10.0.0.2");
	qtcp = (uint8_t *)(qip + 1);
	qtcp[0] = (uint8_t)(sport >> 8);
	qtcp[1] = (uint8_t)sport;
	qtcp[2] = (uint8_t)(dport >> 8);
	qtcp[3] = (uint8_t)dport;
	qtcp[4] = (uint8_t)(seq >> 24);
	qtcp[5] = (uint8_t)(seq >> 16);
	qtcp[6] = (uint8_t)(seq >> 8);
	qtcp[7] = (uint8_t)seq;
	sum = (uint16_t)~rte_raw_cksum(icmp, ilen);
	memcpy(icmp + 2, &sum, 2);
	h_rx(0, f, off + sizeof(*ip) + ilen);
}

/* RFC 5461 / RFC 1122 4.2.3.9: a hard ICMP error for our SYN fails the
 * connect at once; errors that do not match a SYN in flight, and soft ones,
 * are counted and ignored (RFC 5927). */
static void
test_connect_icmp_unreachable(void **state)
{
	struct tcp_conn *c;
	struct h_seg syn;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	rx_icmp(3, 3, 0, syn.sport, 80, syn.seq + 1);           /* not in flight */
	assert_int_equal(h_cnt(CNT_TCP_DROP_ICMP_OUT_OF_WINDOW), 1);
	rx_icmp(3, 3, 0, syn.sport, 81, syn.seq);               /* no such connection */
	assert_int_equal(h_cnt(CNT_TCP_DROP_ICMP_NO_CONN), 1);
	rx_icmp(3, 1, 0, syn.sport, 80, syn.seq);               /* host unreachable: soft */
	assert_int_equal(h_cnt(CNT_TCP_ICMP_SOFT_ERROR), 1);
	assert_int_equal(c->state, TCP_SYN_SENT);
	assert_int_equal(app.closes, 0);
	rx_icmp(3, 3, 0, syn.sport, 80, syn.seq);               /* port unreachable */
	assert_int_equal(h_cnt(CNT_TCP_CONNECT_UNREACHABLE), 1);
	assert_int_equal(app.closes, 1);
	assert_int_equal(app.why, TCP_CLOSE_REFUSED);
	assert_int_equal(h_cnt(CNT_TCP_ICMP_RX), 4);
	assert_int_equal(h_tx_count(0), 0);                      /* no RST for an ICMP */
	h_reset();
}

/* An established connection: a hard error is soft there (RFC 5461 4.1);
 * fragmentation needed lowers the MSS and sends what was in flight again
 * in smaller segments (RFC 1191), never below 576 bytes of MTU. */
static void
test_pmtu_frag_needed(void **state)
{
	static uint8_t data[3000];
	struct tcp_conn *c;
	struct h_seg syn, r;
	uint8_t o[20];
	const uint8_t *p;
	uint32_t lens[4], n = 0;

	(void)state;
	c = connect4("10.0.0.2", 80, NULL);
	assert_true(h_tcp_take(&syn));
	p = h_tcp_opt(&syn, 8);
	rx(80, syn.sport, 9000, syn.seq + 1, TH_SYN | TH_ACK, o,
	   synack_opts(o, (uint32_t)p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]), NULL, 0);
	assert_int_equal(c->smss, 1400 - 12);
	assert_true(h_tcp_take(&r));                                    /* the ACK */
	H_IN_PASS(assert_int_equal(tcp_write(c, data, sizeof(data)), sizeof(data)));
	while (h_tcp_take(&r))
		;
	rx_icmp(3, 3, 0, syn.sport, 80, syn.seq + 1);
	assert_int_equal(h_cnt(CNT_TCP_ICMP_SOFT_ERROR), 1);
	rx_icmp(3, 4, 1500, syn.sport, 80, syn.seq + 1);          /* not lower */
	assert_int_equal(h_cnt(CNT_TCP_ICMP_MTU_NOT_LOWER), 1);
	rx_icmp(3, 4, 1000, syn.sport, 80, syn.seq + 3001);       /* beyond SND.MAX */
	assert_int_equal(h_cnt(CNT_TCP_DROP_ICMP_OUT_OF_WINDOW), 1);
	assert_int_equal(h_tx_count(0), 0);
	rx_icmp(3, 4, 1000, syn.sport, 80, syn.seq + 1 + 1388);
	assert_int_equal(h_cnt(CNT_TCP_PMTU_LOWERED), 1);
	assert_int_equal(c->smss, 1000 - 40 - 12);
	while (n < 4 && h_tcp_take(&r)) {
		assert_int_equal(r.seq, syn.seq + 1 + 948 * n);
		lens[n++] = r.len;
	}
	assert_int_equal(n, 4);
	assert_int_equal(lens[0], 948);
	assert_int_equal(lens[2], 948);
	assert_int_equal(lens[3], 3000 - 3 * 948);
	/* A forged tiny MTU is raised to the IPv4 minimum. */
	rx_icmp(3, 4, 68, syn.sport, 80, syn.seq + 1);
	assert_int_equal(c->smss, 576 - 40 - 12);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	H_IN_PASS(tcp_abort(c));
	h_reset();
}

/* RFC 9293 3.10.7.3 simultaneous open: a SYN in SYN-SENT gets a SYN-ACK
 * (SYN-RECEIVED); the peer's SYN-ACK, or a plain ACK, completes it and the
 * application hears on_connect. */
static void
test_simultaneous_open(void **state)
{
	static const uint8_t mss_opt[] = { 2, 4, 0x05, 0x78 };
	struct tcp_conn *c;
	struct h_seg syn, r;

	(void)state;
	for (int variant = 0; variant < 2; variant++) {
		memset(&app, 0, sizeof(app));
		c = connect4("10.0.0.2", 80, NULL);
		assert_non_null(c);
		assert_true(h_tcp_take(&syn));
		rx(80, syn.sport, 7000, 0, TH_SYN, mss_opt, sizeof(mss_opt), NULL, 0);
		assert_int_equal(h_cnt(CNT_TCP_SIMULTANEOUS_OPEN), variant + 1);
		assert_int_equal(c->state, TCP_SYN_RECEIVED);
		assert_true(h_tcp_take(&r));
		assert_int_equal(r.flags, TH_SYN | TH_ACK);
		assert_int_equal(r.seq, syn.seq);
		assert_int_equal(r.ack, 7001);
		assert_int_equal(app.connects, 0);
		if (variant == 0)
			rx(80, syn.sport, 7000, syn.seq + 1, TH_SYN | TH_ACK, mss_opt, sizeof(mss_opt),
			   NULL, 0);
		else
			rx(80, syn.sport, 7001, syn.seq + 1, TH_ACK, NULL, 0, NULL, 0);
		assert_int_equal(c->state, TCP_ESTABLISHED);
		assert_int_equal(app.connects, 1);
		assert_int_equal(c->smss, 1400);
		assert_int_equal(c->rcv_nxt, 7001);
		assert_int_equal(h_cnt(CNT_TCP_ACTIVE_ESTABLISHED), variant + 1);
		/* Data flows. */
		H_IN_PASS(assert_int_equal(tcp_write(c, "ping", 4), 4));
		while (h_tcp_take(&r))
			if (r.len)
				break;
		assert_int_equal(r.len, 4);
		assert_int_equal(r.seq, syn.seq + 1);
		H_IN_PASS(tcp_abort(c));
		while (h_tcp_take(&r))
			;
	}
	h_reset();
}

/* tcp.mss-clamp bounds the MSS we advertise and the one we send with,
 * whatever the port MTU and the peer's option. */
static void
test_mss_clamp(void **state)
{
	struct config_error cerr;
	struct tcp_conn *c;
	struct h_seg syn;
	uint8_t o[20];
	const uint8_t *p;

	(void)state;
	assert_int_equal(h_apply("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
				 "\"tcp\":{\"mss-clamp\":1000}}", &cerr), 0);
	h_tcp_advance(1);
	c = connect4("10.0.0.2", 80, NULL);
	assert_non_null(c);
	assert_true(h_tcp_take(&syn));
	p = h_tcp_opt(&syn, 2);
	assert_int_equal(p[2] << 8 | p[3], 1000);
	p = h_tcp_opt(&syn, 8);
	rx(80, syn.sport, 9000, syn.seq + 1, TH_SYN | TH_ACK, o,
	   synack_opts(o, (uint32_t)p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5]), NULL, 0);
	assert_int_equal(c->state, TCP_ESTABLISHED);
	assert_int_equal(c->smss, 1000 - 12);                    /* peer said 1400 */
	H_IN_PASS(tcp_abort(c));
	h_reset();
	assert_int_equal(h_apply(config, &cerr), 0);
	h_tcp_advance(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_connect_synack, setup),
		cmocka_unit_test_setup(test_connect_icmp_unreachable, setup),
		cmocka_unit_test_setup(test_pmtu_frag_needed, setup),
		cmocka_unit_test_setup(test_mss_clamp, setup),
		cmocka_unit_test_setup(test_simultaneous_open, setup),
		cmocka_unit_test_setup(test_connect_synack_data_and_refusal, setup),
		cmocka_unit_test_setup(test_connect_rst, setup),
		cmocka_unit_test_setup(test_connect_bad_ack, setup),
		cmocka_unit_test_setup(test_connect_retries_then_timeout, setup),
		cmocka_unit_test_setup(test_connect_port_owner, setup),
		cmocka_unit_test_setup(test_connect_refusals, setup),
		cmocka_unit_test_setup(test_keepalive, setup),
		cmocka_unit_test_setup(test_keepalive_quiet_with_data_in_flight, setup),
		cmocka_unit_test_setup(test_send_service, setup),
		cmocka_unit_test_setup(test_relay_pipes_and_half_closes, setup),
		cmocka_unit_test_setup(test_relay_reset_and_refused, setup),
		cmocka_unit_test_setup(test_relay_flow_control, setup),
		cmocka_unit_test_setup(test_time_wait_keeps_unread_bytes, setup),
		cmocka_unit_test_setup(test_config_refusals, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
