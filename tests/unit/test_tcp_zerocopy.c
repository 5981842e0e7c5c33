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
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "port/port.h"
#include "tcp/tcp_p.h"

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

static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
static const struct rte_ether_addr zero_mac;
static uint16_t next_sport = 41000;

struct rseg {
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t len;
	uint8_t data[2048];
};

struct peer {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t irs;          /* our ISN + 1: stream offset 0 of what we send */
};

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

/* The API is for the owning worker inside its pass (w->snap valid; what
 * it sends leaves when the pass flushes): run stmt as if in one. */
#define IN_PASS(stmt) do { \
	dp.workers[0]->snap = dp_snapshot(); \
	stmt; \
	worker_poll_once(dp.workers[0]); \
} while (0)

static void
advance(uint64_t ms)
{
	struct worker *w = dp.workers[0];

	tcp_clock_set(w, w->tcp->now_ms + ms);
	worker_poll_once(w);
}

static void
drain_tx(void)
{
	struct rte_mbuf *m;

	for (unsigned p = 0; p < H_PORTS; p++)
		while ((m = h_tx((uint16_t)p)) != NULL)
			rte_pktmbuf_free(m);
}

static int
setup(void **state)
{
	uint8_t f[64];
	size_t n;

	(void)state;
	h_setup("{\"schema\":1,\"ports\":[]}");
	h_setup(config);
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		struct tcp_conn *c = &dp.workers[0]->tcp->conns[i];

		if (c->state != TCP_CLOSED)
			tcp_conn_release(c, TCP_CLOSE_ABORT);
	}
	h_main(0);
	advance(0);
	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero_mac, "10.0.0.1");
	h_rx(0, f, n);
	h_main(1);
	drain_tx();
	h_reset();
	return 0;
}

static size_t
build(uint8_t *buf, const struct peer *p, uint8_t flags, const void *data, size_t len,
      const uint8_t *opts, size_t optlen)
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
	th->rx_win = rte_cpu_to_be_16(65535);
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		memcpy((uint8_t *)th + thlen, data, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return off + sizeof(*ip) + thlen + len;
}

/* The next TCP segment on port 0 (flattened by h_tx); false when none.
 * *cksum_ok tells whether its checksum verifies (NULL: must verify). */
static bool
take_ck(struct rseg *r, bool *cksum_ok)
{
	struct rte_mbuf *m = h_tx(0);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	unsigned thlen;
	bool ok;

	if (m == NULL)
		return false;
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	th = (struct rte_tcp_hdr *)(ip + 1);
	ok = rte_ipv4_udptcp_cksum_verify(ip, th) == 0;
	if (cksum_ok)
		*cksum_ok = ok;
	else
		assert_true(ok);
	thlen = (th->data_off >> 4) * 4;
	r->seq = rte_be_to_cpu_32(th->sent_seq);
	r->ack = rte_be_to_cpu_32(th->recv_ack);
	r->flags = th->tcp_flags;
	r->len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip) - thlen;
	assert_true(r->len <= sizeof(r->data));
	memcpy(r->data, (uint8_t *)th + thlen, r->len);
	rte_pktmbuf_free(m);
	return true;
}

static bool
take(struct rseg *r)
{
	return take_ck(r, NULL);
}

static void
send_seg(struct peer *p, uint8_t flags, const void *data, size_t len)
{
	uint8_t f[2048];

	h_rx(0, f, build(f, p, flags, data, len, NULL, 0));
	p->seq += (uint32_t)len + !!(flags & (TH_FIN | TH_SYN));
}

/* Handshake, MSS 1460, no window scale, timestamps or SACK. */
static void
connect_to(struct peer *p, uint16_t dport)
{
	static const uint8_t opts[] = { 2, 4, 0x05, 0xb4 };
	uint8_t f[256];
	struct rseg r;

	p->sport = next_sport++;
	p->dport = dport;
	p->seq = 1000;
	p->ack = 0;
	h_rx(0, f, build(f, p, TH_SYN, NULL, 0, opts, sizeof(opts)));
	p->seq++;
	assert_true(take(&r));
	assert_int_equal(r.flags, TH_SYN | TH_ACK);
	p->ack = p->irs = r.seq + 1;
	send_seg(p, TH_ACK, NULL, 0);
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
assert_stream(const struct peer *p, const struct rseg *r)
{
	uint32_t off = r->seq - p->irs;

	for (uint32_t i = 0; i < r->len; i++)
		if (r->data[i] != pat(off + i))
			fail_msg("byte %u of the stream: %02x, want %02x", off + i, r->data[i],
				 pat(off + i));
}

/* Send n bytes of the stream from offset off in SEG-byte segments. */
static void
send_stream(struct peer *p, uint32_t off, uint32_t n)
{
	uint8_t buf[SEG];

	while (n) {
		uint32_t k = RTE_MIN(n, (uint32_t)SEG);

		fill(buf, off, k);
		send_seg(p, TH_ACK | TH_PSH, buf, k);
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
	struct peer p;
	struct rseg r;
	unsigned got = 0, nseg = 0;

	(void)state;
	assert_true(port_info[0].tx_seg_max > 1);
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 4 * SEG);
	assert_true(h_cnt(CNT_TCP_TX_ZEROCOPY) >= 3);
	/* The frames in the tx ring hold indirect mbufs. */
	assert_true(pools_now().ind > start.ind);
	while (take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&p, &r);
		got += r.len;
		nseg++;
	}
	assert_int_equal(got, 4 * SEG);
	/* The PMD freed the first copies; the queue still holds the bytes. */
	assert_int_equal(pools_now().ind, start.ind);
	advance(1100);          /* RTO (or a tail loss probe first) */
	advance(2200);
	got = 0;
	while (take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&p, &r);
		got += r.len;
	}
	assert_true(got > 0);
	assert_true(h_cnt(CNT_TCP_RTO) + h_cnt(CNT_TCP_LOSS_PROBE) >= 1);
	/* Acknowledge everything, then close from the peer. */
	p.ack = p.irs + 4 * SEG;
	send_seg(&p, TH_ACK, NULL, 0);
	send_seg(&p, TH_ACK | TH_FIN, NULL, 0);
	assert_true(take(&r));
	assert_true(r.flags & TH_FIN);
	p.ack++;
	send_seg(&p, TH_ACK, NULL, 0);
	advance(1);
	drain_tx();
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
	struct peer p;

	(void)state;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 3 * SEG);
	assert_true(h_tx_count(0) >= 3);
	send_seg(&p, TH_RST, NULL, 0);
	advance(1);
	assert_int_equal(tcp_conn_count(dp.workers[0]), 0);
	assert_int_equal(h_cnt(CNT_TCP_RST_RX), 1);
	/* Still referenced by the queued frames. */
	assert_true(pools_now().ind > start.ind);
	drain_tx();
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
	struct peer p;
	struct rseg r;
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
	IN_PASS(assert_int_equal(tcp_write_mbuf(c, big), -ENOBUFS));
	assert_true(c->flags & TF_WANT_WRITE);
	assert_int_equal(c->sndq.bytes, 0);
	rte_pktmbuf_free(big);

	/* Taken whole: 3001 bytes in mbufs of 333 (parts at odd offsets of
	 * a segment: the checksum swaps them), sent by reference. */
	m = chain_of(0, 3001, 333);
	IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	assert_int_equal(c->sndq.bytes, 3001);
	assert_int_equal(tcp_send_space(c), 8192 - 3001);
	/* Our own tcp_write never appends into an application's mbuf. */
	fill(buf, 3001, 100);
	IN_PASS(assert_int_equal(tcp_write(c, buf, 100), 100));
	assert_ptr_equal(c->sndq.tail->pool, tw->buf_pool);
	while (take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&p, &r);
		got += r.len;
	}
	assert_int_equal(got, 3101);
	assert_true(h_cnt(CNT_TCP_TX_ZEROCOPY) >= 2);
	p.ack = p.irs + 3101;
	send_seg(&p, TH_ACK, NULL, 0);
	assert_int_equal(c->sndq.bytes, 0);
	drain_tx();

	/* tcp_read_mbuf: whole mbufs while they fit, then a split by
	 * reference, never below 512 bytes. */
	fill(buf, 0, SEG);
	send_seg(&p, TH_ACK | TH_PSH, buf, SEG);
	fill(buf, SEG, SEG);
	send_seg(&p, TH_ACK | TH_PSH, buf, SEG);
	drain_tx();
	assert_int_equal(tcp_rx_avail(c), 2 * SEG);
	IN_PASS(assert_null(tcp_read_mbuf(c, 511)));
	IN_PASS(m = tcp_read_mbuf(c, SEG + 600));        /* one whole mbuf */
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), SEG);
	assert_int_equal(m->nb_segs, 1);
	for (uint32_t i = 0; i < SEG; i++)
		assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[i], pat(i));
	rte_pktmbuf_free(m);
	IN_PASS(m = tcp_read_mbuf(c, 600));              /* a split of the next */
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 600);
	assert_true(RTE_MBUF_CLONED(m));
	assert_int_equal(tcp_rx_avail(c), SEG - 600);
	for (uint32_t i = 0; i < 600; i++)
		assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[i], pat(SEG + i));
	/* The split part echoes back by reference; then the rest. */
	IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	IN_PASS(m = tcp_read_mbuf(c, 8192));
	assert_non_null(m);
	assert_int_equal(rte_pktmbuf_pkt_len(m), SEG - 600);
	IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), 0));
	assert_int_equal(tcp_rx_avail(c), 0);
	got = 0;
	while (take(&r)) {
		if (r.len == 0)
			continue;
		for (uint32_t i = 0; i < r.len; i++)
			assert_int_equal(r.data[i], pat(SEG + (r.seq - p.ack) + i));
		got += r.len;
	}
	assert_int_equal(got, SEG);
	p.ack += SEG;
	send_seg(&p, TH_ACK, NULL, 0);

	/* After tcp_close the chain stays the caller's. */
	IN_PASS(assert_int_equal(tcp_close(c), 0));
	m = chain_of(0, 10, 10);
	IN_PASS(assert_int_equal(tcp_write_mbuf(c, m), -EPIPE));
	rte_pktmbuf_free(m);
	assert_true(take(&r));
	assert_true(r.flags & TH_FIN);
	p.ack++;
	send_seg(&p, TH_ACK | TH_FIN, NULL, 0);
	advance(1);
	advance(1100);          /* TIME-WAIT */
	drain_tx();
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
	struct peer p;
	struct rseg r;
	unsigned bad = 0, got = 0;
	bool ok;

	(void)state;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	assert_int_equal(h_apply(config_corrupt, &err), 0);
	send_stream(&p, 0, 2 * SEG);
	while (take_ck(&r, &ok))
		bad += !ok;
	assert_true(bad >= 2);
	assert_true(h_cnt(CNT_PORT_IMPAIR_CORRUPTED) >= 2);
	assert_int_equal(h_apply(config, &err), 0);
	advance(1100);
	advance(2200);
	while (take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&p, &r);
		got += r.len;
	}
	assert_true(got > 0);
	send_seg(&p, TH_RST, NULL, 0);
	advance(1);
	drain_tx();
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
	struct peer p;
	struct rseg r;
	unsigned got = 0;

	(void)state;
	port_info[0].tx_seg_max = 1;
	start = pools_now();
	connect_to(&p, ECHO_PORT);
	send_stream(&p, 0, 2 * SEG);
	assert_true(pools_now().ind == start.ind);
	while (take(&r)) {
		if (r.len == 0)
			continue;
		assert_stream(&p, &r);
		got += r.len;
	}
	assert_int_equal(got, 2 * SEG);
	assert_int_equal(h_cnt(CNT_TCP_TX_ZEROCOPY), 0);
	send_seg(&p, TH_RST, NULL, 0);
	advance(1);
	drain_tx();
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
