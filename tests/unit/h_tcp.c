/* SPDX-License-Identifier: Proprietary */
#include <string.h>
#include <sys/socket.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "h_tcp.h"
#include "port/port.h"

static uint16_t next_sport = 40000;

void
h_tcp_advance(uint64_t ms)
{
	struct worker *w = dp.workers[0];

	tcp_clock_set(w, w->tcp->now_ms + ms);
	worker_poll_once(w);
}

void
h_tcp_drain(void)
{
	struct rte_mbuf *m;

	for (uint16_t p = 0; p < H_PORTS; p++)
		while ((m = h_tx(p)) != NULL)
			rte_pktmbuf_free(m);
}

void
h_tcp_release_all(void)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;

	/* Inside a pass: the callbacks may send RSTs, which need the snapshot;
	 * a relay's release also reaps its peer. */
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++)
		if (tw->conns[i].state != TCP_CLOSED && !(tw->conns[i].flags & TF_REAP))
			H_IN_PASS(tcp_conn_release(&tw->conns[i], TCP_CLOSE_ABORT));
}

bool
h_tcp_all_released(void)
{
	struct tcp_worker *tw = dp.workers[0]->tcp;

	if (tcp_conn_count(dp.workers[0]) != 0 || tw->n_half_open != 0)
		return false;
	for (uint32_t i = 0; i < TCP_SRC_SLOTS; i++)
		if (tw->src[i].family != 0)
			return false;
	return rte_mempool_avail_count(tw->buf_pool) == TCP_BUF_MBUFS;
}

void
h_tcp_neighbour(const char *addr)
{
	static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
	static const struct rte_ether_addr zero_mac;
	uint8_t f[64];
	size_t n;

	n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, addr, &zero_mac, "10.0.0.1");
	h_rx(0, f, n);
	h_main(1);
}

void
h_tcp_setup(const char *config)
{
	/* Through an empty configuration, so that services and listeners are
	 * built anew whatever the previous test applied. */
	h_setup("{\"schema\":1,\"ports\":[]}");
	h_setup(config);
	h_tcp_release_all();
	h_main(0);
	h_tcp_advance(0);
	h_tcp_neighbour(H_PEER_ADDR);
	h_tcp_drain();
	h_reset();
}

struct rte_tcp_hdr *
h_tcp_wrap(uint8_t *buf, const char *src, const void *tcp, size_t len)
{
	size_t off = h_eth(buf, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = h_ip4(src);
	ip->dst_addr = h_ip4("10.0.0.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	if (tcp != NULL)
		memcpy(ip + 1, tcp, len);
	return (struct rte_tcp_hdr *)(ip + 1);
}

void
h_tcp_cksum(uint8_t *frame)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + sizeof(struct rte_ether_hdr));
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

size_t
h_tcp_frame(uint8_t *buf, const char *src, uint16_t sport, uint16_t dport,
	    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
	    const uint8_t *opts, size_t optlen, const void *data, size_t len)
{
	size_t thlen = sizeof(struct rte_tcp_hdr) + optlen;
	struct rte_tcp_hdr *th = h_tcp_wrap(buf, src, NULL, thlen + len);

	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(sport);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (len)
		memcpy((uint8_t *)th + thlen, data, len);
	h_tcp_cksum(buf);
	return sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + thlen + len;
}

size_t
h_tcp_build(uint8_t *buf, const struct h_peer *p, uint8_t flags,
	    const uint8_t *opts, size_t optlen, const void *data, size_t len)
{
	return h_tcp_frame(buf, H_PEER_ADDR, p->sport, p->dport, p->seq,
			   p->ack, flags, p->win, opts, optlen, data, len);
}

void
h_tcp_send_opts(struct h_peer *p, uint8_t flags, const uint8_t *opts, size_t optlen,
		const void *data, size_t len)
{
	uint8_t f[2048];

	assert_true(len <= sizeof(f) - 128);
	h_rx(0, f, h_tcp_build(f, p, flags, opts, optlen, data, len));
	p->seq += (uint32_t)len + !!(flags & TH_FIN) + !!(flags & TH_SYN);
}

void
h_tcp_send(struct h_peer *p, uint8_t flags, const void *data, size_t len)
{
	h_tcp_send_opts(p, flags, NULL, 0, data, len);
}

void
h_tcp_send_ack(struct h_peer *p, uint32_t ack, uint16_t win,
	       const uint32_t (*blocks)[2], unsigned nblocks)
{
	uint8_t o[40];
	size_t n = 0;

	assert_true(nblocks <= 4);
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
	h_tcp_send_opts(p, TH_ACK, o, n, NULL, 0);
}

bool
h_tcp_take_unchecked(struct h_seg *r)
{
	struct rte_mbuf *m = h_tx(0);
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	unsigned thlen;

	if (m == NULL)
		return false;
	r->hash = port_flow_hash(m);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
	assert_int_equal(ip->next_proto_id, IPPROTO_TCP);
	th = (struct rte_tcp_hdr *)(ip + 1);
	r->saddr = ip->src_addr;
	r->cksum_ok = rte_ipv4_cksum(ip) == 0 && rte_ipv4_udptcp_cksum_verify(ip, th) == 0;
	thlen = (th->data_off >> 4) * 4;
	r->sport = rte_be_to_cpu_16(th->src_port);
	r->dport = rte_be_to_cpu_16(th->dst_port);
	r->seq = rte_be_to_cpu_32(th->sent_seq);
	r->ack = rte_be_to_cpu_32(th->recv_ack);
	r->flags = th->tcp_flags;
	r->win = rte_be_to_cpu_16(th->rx_win);
	r->len = rte_be_to_cpu_16(ip->total_length) - sizeof(*ip) - thlen;
	r->optlen = thlen - sizeof(*th);
	memcpy(r->opts, th + 1, r->optlen);
	assert_true(r->len <= sizeof(r->data));
	memcpy(r->data, (uint8_t *)th + thlen, r->len);
	rte_pktmbuf_free(m);
	return true;
}

bool
h_tcp_take(struct h_seg *r)
{
	if (!h_tcp_take_unchecked(r))
		return false;
	assert_true(r->cksum_ok);
	assert_int_equal(r->saddr, h_ip4("10.0.0.1"));
	return true;
}

const uint8_t *
h_tcp_opt(const struct h_seg *r, uint8_t k)
{
	for (unsigned i = 0; i < r->optlen;) {
		if (r->opts[i] == 0)
			break;
		if (r->opts[i] == 1) {
			i++;
			continue;
		}
		if (r->opts[i] == k)
			return &r->opts[i];
		i += r->opts[i + 1];
	}
	return NULL;
}

void
h_tcp_open(struct h_peer *p, uint16_t dport, uint32_t iss,
	   const uint8_t *opts, size_t optlen, struct h_seg *synack)
{
	struct h_seg own;
	struct h_seg *r = synack ? synack : &own;

	p->sport = next_sport++;
	if (next_sport == 0)
		next_sport = 40000;
	p->dport = dport;
	p->seq = iss;
	p->ack = 0;
	p->win = 65535;
	h_tcp_send_opts(p, TH_SYN, opts, optlen, NULL, 0);
	assert_true(h_tcp_take(r));
	assert_int_equal(r->flags, TH_SYN | TH_ACK);
	assert_int_equal(r->ack, iss + 1);
	p->ack = r->seq + 1;
	h_tcp_send(p, TH_ACK, NULL, 0);
}

struct tcp_conn *
h_tcp_conn(uint16_t sport)
{
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		struct tcp_conn *c = &dp.workers[0]->tcp->conns[i];

		if (c->state != TCP_CLOSED && rte_be_to_cpu_16(c->key.rport) == sport)
			return c;
	}
	fail();
	return NULL;
}
