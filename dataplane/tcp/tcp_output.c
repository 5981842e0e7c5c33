/* SPDX-License-Identifier: Proprietary
 * TCP output: segments (SYN-ACK with options, data, ACK, FIN, RST) built in
 * one mbuf from the shared pool and sent through ipv4_output/ipv6_output,
 * which resolve the next hop. Payload is copied from the send queue, or,
 * when the port takes chains, referenced by indirect mbufs attached to it
 * (zero-copy); either way a queued byte is sent as often as needed until
 * acknowledged.
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/net.h"
#include "port/port.h"
#include "tcp/tcp_p.h"

#define OPT_EOL      0
#define OPT_NOP      1
#define OPT_MSS      2
#define OPT_WSCALE   3
#define OPT_SACK_OK  4
#define OPT_SACK     5
#define OPT_TS       8

static inline bool
fin_pending(const struct tcp_conn *c)
{
	return c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING ||
	       c->state == TCP_LAST_ACK;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	v = rte_cpu_to_be_32(v);
	memcpy(p, &v, 4);
	return p + 4;
}

/* The TCP checksum: pseudo-header sum phdr, the header and flat bytes at th
 * (payload included when copied), then each part of the chain ref (a part
 * at an odd offset counts byte-swapped, RFC 1071 2(B)). */
static uint16_t
seg_cksum(uint16_t phdr, const struct rte_tcp_hdr *th, uint32_t flat, const struct rte_mbuf *ref)
{
	uint64_t sum = tcp_csum_add(th, flat, phdr);
	uint32_t off = flat;
	uint16_t c;

	for (; ref != NULL; ref = ref->next) {
		uint16_t part = tcp_csum_fold(tcp_csum_add(rte_pktmbuf_mtod(ref, const void *),
							   rte_pktmbuf_data_len(ref), 0));

		sum += (off & 1) ? rte_bswap16(part) : part;
		off += rte_pktmbuf_data_len(ref);
	}
	c = (uint16_t)~tcp_csum_fold(sum);
	return c == 0 ? 0xffff : c;
}

/* Build [IP][TCP][opts][payload from q at off] and send it. */
static void
xmit(struct worker *w, uint16_t port, const struct tcp_key *k, uint32_t seq,
     uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opts, unsigned optlen,
     struct tcp_mq *q, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool), *ref = NULL;
	unsigned iplen = k->family == AF_INET ? sizeof(struct rte_ipv4_hdr)
					     : sizeof(struct rte_ipv6_hdr);
	unsigned thlen = sizeof(struct rte_tcp_hdr) + optlen;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	if (unlikely(m == NULL)) {
		worker_count(w, CNT_TCP_ERR_NO_MBUF);
		return;
	}
	/* The payload by reference (tcp_mq_ref) when the port takes chains
	 * and the payload is big enough to beat a copy. */
	if (len >= TCP_ZC_MIN && port_info[port].tx_seg_max > 1) {
		ref = tcp_mq_ref(q, off, len, w->tcp->ind_pool,
				 RTE_MIN((unsigned)TCP_ZC_PARTS_MAX, port_info[port].tx_seg_max - 1u));
		worker_count(w, ref ? CNT_TCP_TX_ZEROCOPY : CNT_TCP_TX_ZC_FALLBACK);
	}
	p = (uint8_t *)rte_pktmbuf_append(m, iplen + thlen + (ref ? 0 : len));
	if (unlikely(p == NULL)) {
		rte_pktmbuf_free(m);
		rte_pktmbuf_free(ref);
		worker_count(w, CNT_TCP_ERR_NO_MBUF);
		return;
	}
	th = (struct rte_tcp_hdr *)(p + iplen);
	th->src_port = k->lport;
	th->dst_port = k->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen)
		memcpy(th + 1, opts, optlen);
	if (ref) {
		m->next = ref;
		m->nb_segs = (uint16_t)(1 + ref->nb_segs);
		m->pkt_len += ref->pkt_len;
	} else if (len) {
		tcp_mq_copy(q, off, (uint8_t *)th + thlen, len);
	}

	if (k->family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(iplen + thlen + len);
		ip->packet_id = rte_cpu_to_be_16(w->tcp->ip_id++);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, k->laddr, 4);
		memcpy(&ip->dst_addr, k->raddr, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		th->cksum = seg_cksum(rte_ipv4_phdr_cksum(ip, 0), th, thlen + (ref ? 0 : len), ref);
		worker_count(w, CNT_TCP_TX);
		ipv4_output(w, m, port);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p;

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(thlen + len);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, k->laddr, 16);
		memcpy(ip->dst_addr, k->raddr, 16);
		th->cksum = seg_cksum(rte_ipv6_phdr_cksum(ip, 0), th, thlen + (ref ? 0 : len), ref);
		worker_count(w, CNT_TCP_TX);
		ipv6_output(w, m, port);
	}
}

/* The window field for a non-SYN segment; records the advertised edge. */
static uint16_t
window_field(struct tcp_conn *c)
{
	uint32_t wnd = tcp_rcv_wnd(c);
	uint32_t scaled = RTE_MIN(wnd >> c->rcv_wscale, 65535u);
	uint32_t edge = c->rcv_nxt + (scaled << c->rcv_wscale);

	if (SEQ_GT(edge, c->rcv_adv))
		c->rcv_adv = edge;
	return (uint16_t)scaled;
}

/* Timestamps (RFC 7323 3) and SACK blocks (RFC 2018 3, at most 3 next to
 * timestamps, the latest out-of-order range first). */
static unsigned
build_opts(struct tcp_conn *c, uint8_t *o)
{
	unsigned n = 0;

	if (c->flags & TF_TS_OK) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_TS;
		o[n++] = 10;
		put32(o + n, (uint32_t)tcp_now(c->tw));
		put32(o + n + 4, c->ts_recent);
		n += 8;
	}
	if ((c->flags & TF_SACK_OK) && (c->n_ooo || c->rec.dsack)) {
		uint32_t lo[TCP_OOO_MAX], hi[TCP_OOO_MAX];
		unsigned nb = 0, first = 0, max = (c->flags & TF_TS_OK) ? 3 : 4, k = 0;
		uint8_t *hdr = o + n;

		/* Contiguous ranges of the sorted queue. */
		for (unsigned i = 0; i < c->n_ooo; i++) {
			uint32_t s = c->ooo[i].seq, e = s + c->ooo[i].len;

			if (nb && SEQ_LEQ(s, hi[nb - 1])) {
				if (SEQ_GT(e, hi[nb - 1]))
					hi[nb - 1] = e;
			} else {
				lo[nb] = s;
				hi[nb++] = e;
			}
			if (i == c->ooo_last)
				first = nb - 1;
		}
		hdr[0] = OPT_NOP;
		hdr[1] = OPT_NOP;
		hdr[2] = OPT_SACK;
		n += 4;
		/* RFC 2883: a duplicate just received goes first, once. */
		if (c->rec.dsack) {
			put32(o + n, c->rec.dsack_start);
			put32(o + n + 4, c->rec.dsack_end);
			n += 8;
			k++;
			c->rec.dsack = false;
		}
		for (unsigned j = 0; j < nb && k < max; j++) {
			unsigned b = j == 0 ? first : (j <= first ? j - 1 : j);

			put32(o + n, lo[b]);
			put32(o + n + 4, hi[b]);
			n += 8;
			k++;
		}
		hdr[3] = (uint8_t)(o + n - (hdr + 2));
	}
	return n;
}

/* One segment of the connection: payload [seq, seq+len) from the send queue. */
static void
send_seg(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	uint8_t opts[40];
	unsigned optlen = build_opts(c, opts);

	xmit(c->tw->w, c->port, &c->key, seq, c->rcv_nxt, flags | TH_ACK, window_field(c),
	     opts, optlen, &c->sndq, seq - c->snd_una, len);
	if (len)
		tcp_rack_sent(c, seq, len);
	c->flags &= ~(TF_ACK_NOW | TF_DELACK);
	c->unacked_segs = 0;
	if (c->t_delack) {
		c->t_delack = 0;
		tcp_timer_update(c);
	}
}

void
tcp_send_ack(struct tcp_conn *c)
{
	send_seg(c, c->snd_nxt, 0, TH_ACK);
}

void
tcp_challenge_ack(struct tcp_conn *c)
{
	struct tcp_worker *tw = c->tw;
	uint64_t sec = tcp_now(tw) / 1000;

	if (sec != tw->chal_second) {
		tw->chal_second = sec;
		tw->chal_count = 0;
	}
	if (tw->chal_count >= tw->w->snap->tcp.challenge_acks) {
		worker_count(tw->w, CNT_TCP_CHALLENGE_ACK_LIMITED);
		return;
	}
	tw->chal_count++;
	worker_count(tw->w, CNT_TCP_CHALLENGE_ACK);
	tcp_send_ack(c);
}

void
tcp_send_synack(struct tcp_conn *c)
{
	uint8_t o[40];
	unsigned n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	o[n++] = c->rmss >> 8;
	o[n++] = c->rmss & 0xff;
	if (c->flags & TF_SACK_OK) {
		o[n++] = OPT_SACK_OK;
		o[n++] = 2;
	}
	if (c->flags & TF_TS_OK) {
		if (!(c->flags & TF_SACK_OK)) {
			o[n++] = OPT_NOP;
			o[n++] = OPT_NOP;
		}
		o[n++] = OPT_TS;
		o[n++] = 10;
		put32(o + n, (uint32_t)tcp_now(c->tw));
		put32(o + n + 4, c->ts_recent);
		n += 8;
	} else if (c->flags & TF_SACK_OK) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
	}
	if (c->flags & TF_WS_OK) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_WSCALE;
		o[n++] = 3;
		o[n++] = c->rcv_wscale;
	}
	/* RFC 6298 2 / Karn: time the first SYN-ACK, never a repeat. */
	if (c->snd_max == c->iss && c->backoff == 0 && !(c->flags & TF_RTT_TIMING)) {
		c->flags |= TF_RTT_TIMING;
		c->rtt_seq = c->iss;
		c->rtt_start_ms = tcp_now(c->tw);
	}
	/* RFC 7323 2.2: the window of a SYN segment is never scaled. */
	xmit(c->tw->w, c->port, &c->key, c->iss, c->rcv_nxt, TH_SYN | TH_ACK,
	     (uint16_t)RTE_MIN(c->rcvbuf, 65535u), o, n, NULL, 0, 0);
	c->rcv_adv = c->rcv_nxt + RTE_MIN(c->rcvbuf, 65535u);
	c->snd_nxt = c->iss + 1;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	tcp_rto_arm(c, false);
}

void
tcp_send_syn(struct tcp_conn *c)
{
	uint8_t o[20];
	unsigned n = 0;

	/* The order Linux uses: MSS, SACK-permitted, timestamps, NOP, window
	 * scale (20 bytes, no padding). */
	o[n++] = OPT_MSS;
	o[n++] = 4;
	o[n++] = c->rmss >> 8;
	o[n++] = c->rmss & 0xff;
	o[n++] = OPT_SACK_OK;
	o[n++] = 2;
	o[n++] = OPT_TS;
	o[n++] = 10;
	put32(o + n, (uint32_t)tcp_now(c->tw));
	put32(o + n + 4, 0);
	n += 8;
	o[n++] = OPT_NOP;
	o[n++] = OPT_WSCALE;
	o[n++] = 3;
	o[n++] = c->rcv_wscale;
	/* Karn: time the first SYN only. */
	if (c->snd_max == c->iss && c->backoff == 0 && !(c->flags & TF_RTT_TIMING)) {
		c->flags |= TF_RTT_TIMING;
		c->rtt_seq = c->iss;
		c->rtt_start_ms = tcp_now(c->tw);
	}
	/* RFC 7323 2.2: the window of a SYN segment is never scaled. */
	xmit(c->tw->w, c->port, &c->key, c->iss, 0, TH_SYN,
	     (uint16_t)RTE_MIN(c->rcvbuf, 65535u), o, n, NULL, 0, 0);
	c->snd_nxt = c->iss + 1;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	tcp_rto_arm(c, false);
}

void
tcp_send_keepalive(struct tcp_conn *c)
{
	send_seg(c, c->snd_nxt - 1, 0, TH_ACK);
}

void
tcp_send_synack_cookie(struct worker *w, uint16_t port, const struct tcp_key *k,
		       uint32_t iss, uint32_t ack, uint16_t win, uint16_t mss, bool ts,
		       uint32_t tsval, uint32_t tsecr, int wscale, bool sack_ok)
{
	uint8_t o[40];
	unsigned n = 0;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	o[n++] = mss >> 8;
	o[n++] = mss & 0xff;
	if (ts) {
		if (sack_ok) {
			o[n++] = OPT_SACK_OK;
			o[n++] = 2;
		} else {
			o[n++] = OPT_NOP;
			o[n++] = OPT_NOP;
		}
		o[n++] = OPT_TS;
		o[n++] = 10;
		put32(o + n, tsval);
		put32(o + n + 4, tsecr);
		n += 8;
		if (wscale >= 0) {
			o[n++] = OPT_NOP;
			o[n++] = OPT_WSCALE;
			o[n++] = 3;
			o[n++] = (uint8_t)wscale;
		}
	}
	xmit(w, port, k, iss, ack, TH_SYN | TH_ACK, win, o, n, NULL, 0, 0);
	worker_count(w, CNT_TCP_SYNCOOKIES_SENT);
}

void
tcp_send_rst_conn(struct tcp_conn *c)
{
	xmit(c->tw->w, c->port, &c->key, c->snd_max, c->rcv_nxt, TH_RST | TH_ACK, 0,
	     NULL, 0, NULL, 0, 0);
	worker_count(c->tw->w, CNT_TCP_RST_TX);
}

void
tcp_send_rst_reply(struct worker *w, uint16_t port, const struct tcp_key *k,
		   const struct rte_tcp_hdr *th, uint32_t seglen)
{
	if (th->tcp_flags & TH_RST)
		return;
	if (th->tcp_flags & TH_ACK)
		xmit(w, port, k, rte_be_to_cpu_32(th->recv_ack), 0, TH_RST, 0, NULL, 0,
		     NULL, 0, 0);
	else
		xmit(w, port, k, 0, rte_be_to_cpu_32(th->sent_seq) + seglen,
		     TH_RST | TH_ACK, 0, NULL, 0, NULL, 0, 0);
	worker_count(w, CNT_TCP_RST_TX);
}

/* Start an RTT measurement on a new (never retransmitted) segment. */
static void
rtt_start(struct tcp_conn *c, uint32_t seq)
{
	if ((c->flags & TF_RTT_TIMING) || seq != c->snd_max)
		return;
	c->flags |= TF_RTT_TIMING;
	c->rtt_seq = seq;
	c->rtt_start_ms = tcp_now(c->tw);
}

static void
advance_nxt(struct tcp_conn *c, uint32_t to)
{
	if (SEQ_GT(to, c->snd_nxt))
		c->snd_nxt = to;
	if (SEQ_GT(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
}

void
tcp_output(struct tcp_conn *c)
{
	bool sent = false;

	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		break;
	case TCP_FIN_WAIT_2:
	case TCP_TIME_WAIT:
		if (c->flags & TF_ACK_NOW)
			tcp_send_ack(c);
		return;
	default:
		return;
	}
	/* SACK recovery: the lost holes first (RFC 6675 NextSeg rule 1). */
	if (unlikely(c->rec.active))
		sent = tcp_recovery_output(c);
	for (;;) {
		uint32_t data_end = c->snd_una + c->sndq.bytes;
		/* RFC 3042 limited transmit: a new segment for each of the
		 * first two duplicate ACKs, so a small window still gets the
		 * duplicates fast retransmit needs. */
		uint32_t cwnd = c->cwnd + (c->rec.active ? 0 : RTE_MIN(c->dupacks, 2u) * c->smss);
		uint32_t win_end = c->snd_una + RTE_MIN(c->snd_wnd, cwnd);
		uint32_t avail = SEQ_GT(win_end, c->snd_nxt) ? win_end - c->snd_nxt : 0;
		uint32_t gap = UINT32_MAX;

		if (unlikely(c->rec.active && (c->flags & TF_SACK_OK)))
			avail = tcp_recovery_avail(c);     /* RFC 6675: cwnd - pipe */
		/* Going back after an RTO: what the peer SACKed is not sent again. */
		if (unlikely(c->rec.n && SEQ_LT(c->snd_nxt, c->snd_max)))
			gap = tcp_sb_skip(&c->rec, &c->snd_nxt);
		if (SEQ_LT(c->snd_nxt, data_end)) {
			uint32_t unsent = data_end - c->snd_nxt;
			uint32_t segmax = tcp_seg_max(c);
			uint32_t len = RTE_MIN(RTE_MIN(unsent, avail), segmax);
			bool hole = gap < len;      /* up to a SACKed range: never short for SWS */
			uint8_t flags = TH_ACK;

			if (hole)
				len = gap;
			if (len == 0)
				break;
			/* Sender SWS avoidance (RFC 9293 3.8.6.2.1): a full
			 * segment, all that is queued, or half the peer's
			 * largest window. */
			if (len < segmax && len < unsent && len < c->max_snd_wnd / 2 && !hole)
				break;
			if (len == unsent) {
				flags |= TH_PSH;
				if (fin_pending(c))
					flags |= TH_FIN;
			}
			rtt_start(c, c->snd_nxt);
			send_seg(c, c->snd_nxt, len, flags);
			advance_nxt(c, c->snd_nxt + len + !!(flags & TH_FIN));
			if (flags & TH_FIN)
				c->flags |= TF_FIN_SENT;
			tcp_rto_arm(c, false);
			sent = true;
			if (flags & TH_FIN)
				break;
		} else if (fin_pending(c) && c->snd_nxt == data_end) {
			send_seg(c, c->snd_nxt, 0, TH_FIN);
			advance_nxt(c, c->snd_nxt + 1);
			c->flags |= TF_FIN_SENT;
			tcp_rto_arm(c, false);
			sent = true;
			break;
		} else {
			break;
		}
	}
	/* Zero window with data waiting and nothing in flight: the RTO timer
	 * doubles as the persist timer (RFC 9293 3.8.6.1). */
	if (!sent && c->snd_nxt == c->snd_una && c->sndq.bytes && c->t_rto == 0)
		tcp_rto_arm(c, false);
	if (!sent && (c->flags & TF_ACK_NOW))
		tcp_send_ack(c);
}

uint32_t
tcp_seg_max(const struct tcp_conn *c)
{
	/* SACK blocks ride on every segment while we hold out-of-order data:
	 * 3 blocks next to timestamps (smss already excludes those), else 4.
	 * Without this a full segment would exceed the MTU. */
	if ((c->flags & TF_SACK_OK) && (c->n_ooo || c->rec.dsack))
		return c->smss - ((c->flags & TF_TS_OK) ? 4u + 3 * 8 : 4u + 4 * 8);
	return c->smss;
}

uint32_t
tcp_send_range(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t data_end = c->snd_una + c->sndq.bytes;

	if (!SEQ_LT(seq, data_end))
		return 0;
	len = RTE_MIN(RTE_MIN(len, data_end - seq), tcp_seg_max(c));
	send_seg(c, seq, len, seq + len == data_end ? TH_ACK | TH_PSH : TH_ACK);
	return len;
}

void
tcp_retransmit(struct tcp_conn *c)
{
	uint32_t len = RTE_MIN(c->sndq.bytes, tcp_seg_max(c));
	uint8_t flags = TH_ACK;

	if (c->state == TCP_SYN_RECEIVED) {
		tcp_send_synack(c);
		return;
	}
	if (c->state == TCP_SYN_SENT) {
		tcp_send_syn(c);
		return;
	}
	if (c->snd_wnd == 0 && len > 1)
		len = 1;    /* zero-window probe */
	else if (c->snd_wnd && len > c->snd_wnd)
		len = c->snd_wnd;    /* what the window takes (a receiver short of memory drops more) */
	if (len == 0 && !fin_pending(c))
		return;
	if (len == c->sndq.bytes && fin_pending(c))
		flags |= TH_FIN;
	if (len)
		flags |= TH_PSH;
	send_seg(c, c->snd_una, len, flags);
	advance_nxt(c, c->snd_una + len + !!(flags & TH_FIN));
	if (flags & TH_FIN)
		c->flags |= TF_FIN_SENT;
}
