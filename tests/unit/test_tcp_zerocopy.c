/* SPDX-License-Identifier: Proprietary
 * Zero-copy send: tcp_read_mbuf / tcp_write_mbuf ownership, segments that
 * reference the send queue through indirect mbufs (ring ports take chains),
 * retransmission after the first copy was freed, RST with frames still in
 * flight, and the impairment stage corrupting a copy, never the queue.
 * Every test ends by checking that the mempools' in-use counts are back at
 * their start: each mbuf was freed exactly once (a double free would show
 * as fewer in use, or as an ASan report).
 */
#include <errno.h>
#include <string.h>

#include "h_tcp.h"
#include "port/port.h"

#define ECHO_PORT 7
#define APP_PORT  5000
#define SEG       1400

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"time-wait-ms\":1000,\"receive-buffer\":65536,\"send-buffer\":8192},"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"}]}";

static const char *config_corrupt =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"time-wait-ms\":1000,\"receive-buffer\":65536,\"send-buffer\":8192},"
	" \"test-services\":[{\"port\":7,\"service\":\"echo\"}],"
	" \"impairment\":[{\"port\":0,\"direction\":\"tx\",\"seed\":7,\"corrupt-ppm\":1000000}]}";

/* Our ISN + 1: stream offset 0 of what the worker sends. */
static uint32_t irs;

/* In-use mbufs of the shared pool and the worker's send and indirect pools. */
struct pools { unsigned shared, buf, ind; };

static struct pools
pools_now(void)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;

	return (struct pools){ rte_mempool_in_use_count(dp.pool),
			       rte_mempool_in_use_count(tw->buf_pool),
			       rte_mempool_in_use_count(tw->ind_pool) };
}

static void
assert_pools(struct pools a, struct pools b)
{
	assert_int_equal(a.shared, b.shared);
	assert_int_equal(a.buf, b.buf);
	assert_int_equal(a.ind, b.ind);
}

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	return 0;
}

/* Handshake, MSS 1460, no window scale, timestamps or SACK. */
static void
connect_to(struct h_peer *p, uint16_t dport)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4 };

	h_tcp_open(p, dport, 1000, opts, sizeof(opts), NULL);
	irs = p->ack;
	assert_int_equal(h_tx_count(0), 0);
}

/* Byte i of the test stream. */
static inline uint8_t
pat(uint32_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) * 13 + 1);
}

static void
fill(uint8_t *buf, uint32_t off, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		buf[i] = pat(off + i);
}

/* r's payload is the stream at its sequence number. */
static void
assert_stream(const struct h_seg *r)
{
	uint32_t off = r->seq - irs;

	for (uint32_t i = 0; i < r->len; i++)
		if (r->data[i] != pat(off + i))
			fail_msg("byte %u of the stream: %02x, want %02x", off + i, r->data[i],
				 pat(off + i));
}

/* Send n bytes of the stream from offset off in SEG-byte segments. */
static void
send_stream(struct h_peer *p, uint32_t off, uint32_t n)
{
	uint8_t buf[SEG];

	while (n) {
		uint32_t k = RTE_MIN(n, (uint32_t)SEG);

		fill(buf, off, k);
		h_tcp_send(p, TH_ACK | TH_PSH, buf, k);
		off += k;
		n -= k;
	}
}

/* Echo: what we sent comes back by reference (chains on a ring port), is
 * retransmitted intact after the first frames were freed, and every mbuf
 * is freed once when the connection closes. */
static void
test_echo_by_reference_and_retransmit(void **state)
{
	struct pools start;
	struct h_peer p;
	struct h_seg r;
	unsigned got = 0, nseg = 0;

	(void)state;
	assert_true(port_info[0].tx_seg_max > 1);
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 4 * SEG);
	assert_true(h_cnt(CNT_TCP_TX_ZEROCOPY) >= 3);
	/* The frames in the tx ring hold indirect mbufs. */
	assert_true(pools_now().ind > start.ind);
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&r);
		got += r.len;
		nseg++;
	}
	assert_int_equal(got, 4 * SEG);
	/* The PMD freed the first copies; the queue still holds the bytes. */
	assert_int_equal(pools_now().ind, start.ind);
	h_tcp_advance(1100);          /* RTO (or a tail loss probe first) */
	h_tcp_advance(2200);
	got = 0;
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&r);
		got += r.len;
	}
	assert_true(got > 0);
	assert_true(h_cnt(CNT_TCP_RTO) + h_cnt(CNT_TCP_LOSS_PROBE) >= 1);
	/* Acknowledge everything, then close from the peer. */
	p.ack = irs + 4 * SEG;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_FIN);
	p.ack++;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	h_tcp_advance(1);
	h_tcp_drain();
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_pools(pools_now(), start);
	h_reset();
}

/* A reset with segments still in the tx ring: the connection's queues go
 * at once, the frames' references keep the bytes until they are freed. */
static void
test_rst_with_frames_in_flight(void **state)
{
	struct pools start;
	struct h_peer p;

	(void)state;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 3 * SEG);
	assert_true(h_tx_count(0) >= 3);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_int_equal(h_cnt(CNT_TCP_RST_RX), 1);
	/* Still referenced by the queued frames. */
	assert_true(pools_now().ind > start.ind);
	h_tcp_drain();
	assert_pools(pools_now(), start);
	h_reset();
}

/* The application side, on a listener of our own. */
static struct tcp_conn *app_conn;
static enum tcp_close_reason app_why;
static bool app_closed;

static int
app_accept(struct tcp_conn *c)
{
	app_conn = c;
	return 0;
}

static void
app_noop(struct tcp_conn *c)
{
	(void)c;
}

static void
app_on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	app_closed = true;
	app_why = why;
}

static const struct tcp_app_ops app_ops = {
	.name = "zc-test",
	.on_accept = app_accept,
	.on_readable = app_noop,
	.on_writable = app_noop,
	.on_closed = app_on_closed,
};

/* A chain of n bytes of the stream from off, in mbufs of seg bytes. */
static struct rte_mbuf *
chain_of(uint32_t off, uint32_t n, uint32_t seg)
{
	struct rte_mbuf *head = NULL, *last = NULL;

	while (n) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
		uint32_t k = RTE_MIN(n, seg);

		assert_non_null(m);
		fill((uint8_t *)rte_pktmbuf_append(m, (uint16_t)k), off, k);
		if (head == NULL) {
			head = m;
		} else {
			last->next = m;
			head->nb_segs++;
			head->pkt_len += k;
		}
		last = m;
		off += k;
		n -= k;
	}
	return head;
}

static void
test_write_mbuf_semantics(void **state)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;
	struct pools start;
	struct rte_mbuf *m, *big;
	struct tcp_conn *c;
	struct h_peer p;
	struct h_seg r;
	uint32_t got = 0;
	uint8_t buf[SEG];

	(void)state;
	app_conn = NULL;
	app_closed = false;
	assert_int_equal(tcp_listen(dp.workers[0], APP_PORT, &app_ops), 0);
	start = pools_now();
	connect_to(&p, APP_PORT);
	c = app_conn;
	assert_non_null(c);
	assert_int_equal(tcp_send_space(c), 8192);

	/* Longer than the send space: refused whole, the caller keeps it. */
	big = chain_of(0, 8193, 2000);
	H_IN_PASS(assert_int_equal(tcp_write_mbuf(c, big), -ENOBUFS));
	assert_true(c->flags & TF_WANT_WRITE);
	assert_int_equal(c->sndq.bytes, 0);
	rte_pktmbuf_free(big);

	/* Taken whole: 3001 bytes in mbufs of 333 (parts at odd offsets of
	 * a segment: the checksum swaps them), sent by reference. */
	m = chain_of(0, 3001, 333);
	H_IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	assert_int_equal(c->sndq.bytes, 3001);
	assert_int_equal(tcp_send_space(c), 8192 - 3001);
	/* Our own tcp_write never appends into an application's mbuf. */
	fill(buf, 3001, 100);
	H_IN_PASS(assert_int_equal(tcp_write(c, buf, 100), 100));
	assert_ptr_equal(c->sndq.tail->pool, tw->buf_pool);
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&r);
		got += r.len;
	}
	assert_int_equal(got, 3101);
	assert_true(h_cnt(CNT_TCP_TX_ZEROCOPY) >= 2);
	p.ack = irs + 3101;
	h_tcp_send(&p, TH_ACK, NULL, 0);
	assert_int_equal(c->sndq.bytes, 0);
	h_tcp_drain();

	/* tcp_read_mbuf: whole mbufs while they fit, then a split by
	 * reference, never below 512 bytes. */
	fill(buf, 0, SEG);
	h_tcp_send(&p, TH_ACK | TH_PSH, buf, SEG);
	fill(buf, SEG, SEG);
	h_tcp_send(&p, TH_ACK | TH_PSH, buf, SEG);
	h_tcp_drain();
	assert_int_equal(tcp_rx_avail(c), 2 * SEG);
	H_IN_PASS(assert_null(tcp_read_mbuf(c, 511)));
	H_IN_PASS(m = tcp_read_mbuf(c, SEG + 600));        /* one whole mbuf */
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), SEG);
	assert_int_equal(m->nb_segs, 1);
	for (uint32_t i = 0; i < SEG; i++)
		assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[i], pat(i));
	rte_pktmbuf_free(m);
	H_IN_PASS(m = tcp_read_mbuf(c, 600));              /* a split of the next */
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 600);
	assert_true(RTE_MBUF_CLONED(m));
	assert_int_equal(tcp_rx_avail(c), SEG - 600);
	for (uint32_t i = 0; i < 600; i++)
		assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[i], pat(SEG + i));
	/* The split part echoes back by reference; then the rest. */
	H_IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	H_IN_PASS(m = tcp_read_mbuf(c, 8192));
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), SEG - 600);
	H_IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	assert_int_equal(tcp_rx_avail(c), 0);
	got = 0;
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		for (uint32_t i = 0; i < r.len; i++)
			assert_int_equal(r.data[i], pat(SEG + (r.seq - p.ack) + i));
		got += r.len;
	}
	assert_int_equal(got, SEG);
	p.ack += SEG;
	h_tcp_send(&p, TH_ACK, NULL, 0);

	/* After tcp_close the chain stays the caller's. */
	H_IN_PASS(assert_int_equal(tcp_close(c), 0));
	m = chain_of(0, 10, 10);
	H_IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), -EPIPE));
	rte_pktmbuf_free(m);
	assert_true(h_tcp_take(&r));
	assert_true(r.flags & TH_FIN);
	p.ack++;
	h_tcp_send(&p, TH_ACK | TH_FIN, NULL, 0);
	h_tcp_advance(1);
	h_tcp_advance(1100);          /* TIME-WAIT */
	h_tcp_drain();
	assert_true(app_closed);
	assert_int_equal(app_why, TCP_CLOSE_NORMAL);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_pools(pools_now(), start);
	assert_int_equal(tcp_unlisten(dp.workers[0], APP_PORT), 0);
	h_reset();
}

/* The impairment stage corrupts every frame it sends; a zero-copy frame
 * is copied first, so the retransmission (impairment off) is intact. */
static void
test_corruption_never_reaches_the_queue(void **state)
{
	struct config_error err;
	struct pools start;
	struct h_peer p;
	struct h_seg r;
	unsigned bad = 0, got = 0;

	(void)state;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	assert_int_equal(h_apply(config_corrupt, &err), 0);
	send_stream(&p, 0, 2 * SEG);
	while (h_tcp_take_unchecked(&r))
		bad += !r.cksum_ok;
	assert_true(bad >= 2);
	assert_true(h_cnt(CNT_PORT_IMPAIR_CORRUPTED) >= 2);
	assert_int_equal(h_apply(config, &err), 0);
	h_tcp_advance(1100);
	h_tcp_advance(2200);
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&r);
		got += r.len;
	}
	assert_true(got > 0);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	h_tcp_drain();
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_pools(pools_now(), start);
	h_reset();
}

/* The copy fallback: a port that takes no chains gets flat frames. */
static void
test_flat_port_copies(void **state)
{
	uint16_t saved = port_info[0].tx_seg_max;
	struct pools start;
	struct h_peer p;
	struct h_seg r;
	unsigned got = 0;

	(void)state;
	port_info[0].tx_seg_max = 1;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 2 * SEG);
	assert_true(pools_now().ind == start.ind);
	while (h_tcp_take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&r);
		got += r.len;
	}
	assert_int_equal(got, 2 * SEG);
	assert_int_equal(h_cnt(CNT_TCP_TX_ZEROCOPY), 0);
	h_tcp_send(&p, TH_RST, NULL, 0);
	h_tcp_advance(1);
	h_tcp_drain();
	port_info[0].tx_seg_max = saved;
	assert_pools(pools_now(), start);
	h_reset();
}

/* tcp_csum_add + tcp_csum_fold give rte_raw_cksum's result at every
 * length and alignment. */
static void
test_csum_matches_dpdk(void **state)
{
	static uint8_t buf[2100];

	(void)state;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 3) * 29 + 0x5a);
	for (unsigned o = 0; o < 4; o++)
		for (uint32_t len = 0; len <= 2048; len++)
			assert_int_equal(tcp_csum_fold(tcp_csum_add(buf + o, len, 0)),
					 rte_raw_cksum(buf + o, len));
	/* Carries wrap around: all ones stay all ones. */
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(tcp_csum_fold(tcp_csum_add(buf, 2048, 0xffff)), 0xffff);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_echo_by_reference_and_retransmit, setup),
		cmocka_unit_test_setup(test_rst_with_frames_in_flight, setup),
		cmocka_unit_test_setup(test_write_mbuf_semantics, setup),
		cmocka_unit_test_setup(test_corruption_never_reaches_the_queue, setup),
		cmocka_unit_test_setup(test_flat_port_copies, setup),
		cmocka_unit_test(test_csum_matches_dpdk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
