/* SPDX-License-Identifier: Proprietary
 * TCP input: segment validation, demultiplexing and the state machine of
 * RFC 9293 3.10.7 for passive opens, with the RFC 5961 defences (challenge
 * ACKs for in-window RST and SYN, old ACKs), RFC 7323 options and PAWS, and
 * in-order / out-of-order reassembly into the receive queue.
 */
#include <string.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "config/config.h"
#include "dataplane.h"
#include "net/ipv6.h"
#include "tcp/tcp_p.h"

#define OPT_EOL      0
#define OPT_NOP      1
#define OPT_MSS      2
#define OPT_WSCALE   3
#define OPT_SACK_OK  4
#define OPT_SACK     5
#define OPT_TS       8
#define WSCALE_MAX   14     /* RFC 7323 2.3 */
#define CWND_MAX     (16u << 20)

/* Everything about the segment being processed. */
struct seg {
	uint32_t seq, ack, len;    /* len: payload bytes */
	uint32_t wnd;              /* the raw window field */
	uint8_t flags;
	struct tcp_opts o;
};

static inline uint32_t
seg_seqlen(const struct seg *s)
{
	return s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

static inline void
consume(struct worker *w, struct rte_mbuf *m)
{
	if (unlikely(w->nfree == RTE_DIM(w->to_free))) {
		rte_pktmbuf_free_bulk(w->to_free, w->nfree);
		w->nfree = 0;
	}
	w->to_free[w->nfree++] = m;
}

/* RFC 9293 3.2 and 3.1: parse the option list; a length of 0 or 1 or one
 * running past the header is malformed. Known options with a wrong length
 * are malformed too (RFC 7323 2.2, 3.2; RFC 2018 2). */
static bool
parse_opts(const uint8_t *p, unsigned n, struct tcp_opts *o)
{
	o->mss = 0;
	o->wscale = -1;
	o->sack_ok = false;
	o->ts = false;
	o->tsval = o->tsecr = 0;
	o->nsack = 0;
	while (n) {
		uint8_t kind = p[0], len;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			p++;
			n--;
			continue;
		}
		if (n < 2)
			return false;
		len = p[1];
		if (len < 2 || len > n)
			return false;
		switch (kind) {
		case OPT_MSS:
			if (len != 4)
				return false;
			o->mss = (uint16_t)(p[2] << 8 | p[3]);
			break;
		case OPT_WSCALE:
			if (len != 3)
				return false;
			o->wscale = (int8_t)RTE_MIN(p[2], WSCALE_MAX);
			break;
		case OPT_SACK_OK:
			if (len != 2)
				return false;
			o->sack_ok = true;
			break;
		case OPT_SACK:
			/* RFC 2018 3: 8 bytes per block, at most 4 fit. */
			if ((len - 2) % 8 != 0 || len == 2)
				return false;
			o->nsack = (uint8_t)RTE_MIN((len - 2) / 8, 4);
			for (unsigned b = 0; b < o->nsack; b++) {
				const uint8_t *q = p + 2 + 8 * b;

				o->sack[b][0] = (uint32_t)q[0] << 24 | q[1] << 16 | q[2] << 8 | q[3];
				o->sack[b][1] = (uint32_t)q[4] << 24 | q[5] << 16 | q[6] << 8 | q[7];
			}
			break;
		case OPT_TS:
			if (len != 10)
				return false;
			o->ts = true;
			o->tsval = (uint32_t)p[2] << 24 | p[3] << 16 | p[4] << 8 | p[5];
			o->tsecr = (uint32_t)p[6] << 24 | p[7] << 16 | p[8] << 8 | p[9];
			break;
		default:
			break;      /* unknown options: ignored */
		}
		p += len;
		n -= len;
	}
	return true;
}

static const struct tcp_listener *
find_listener(const struct tcp_worker *tw, uint16_t port)
{
	for (unsigned i = 0; i < tw->nlisteners; i++)
		if (tw->listeners[i].port == port)
			return &tw->listeners[i];
	return NULL;
}

static void conn_input(struct tcp_conn *c, struct rte_mbuf *m, const struct rte_tcp_hdr *th,
		       struct seg *s, unsigned hlen);

/* The window scale we offer: the smallest that lets rcvbuf be advertised. */
uint8_t
tcp_our_wscale(uint32_t rcvbuf)
{
	uint8_t ws = 0;

	while ((rcvbuf >> ws) > 65535 && ws < WSCALE_MAX)
		ws++;
	return ws;
}

uint16_t
tcp_our_mss(const struct cfg_port *p, int family, const struct cfg_tcp *cfg)
{
	uint32_t mss = p->mtu - (family == AF_INET ? 20u : 40u) -
		       (uint32_t)sizeof(struct rte_tcp_hdr);

	if (cfg->mss_clamp)
		mss = RTE_MIN(mss, cfg->mss_clamp);
	return (uint16_t)mss;
}

/* A new connection in SYN-RECEIVED with the peer's ISN irs and the options
 * agreed (peer_mss 0: absent; wscale < 0: absent). */
static void
conn_setup(struct tcp_conn *c, uint16_t port, const struct tcp_listener *l,
	   const struct cfg_tcp *cfg, const struct cfg_port *p, uint32_t irs,
	   uint32_t peer_mss, int wscale, bool sack_ok, bool ts, uint32_t tsval,
	   uint32_t peer_wnd)
{
	const struct tcp_key *k = &c->key;
	uint32_t mss;

	c->port = port;
	c->ops = l->ops;
	c->state = TCP_SYN_RECEIVED;
	c->rcvbuf = cfg->rcvbuf;
	c->sndbuf = cfg->sndbuf;
	c->ooo_max = (uint16_t)RTE_MIN(cfg->ooo_max, (uint32_t)TCP_OOO_MAX);
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	c->rmss = tcp_our_mss(p, k->family, cfg);
	/* RFC 9293 3.7.1: without the option, 536 (IPv4) or 1220 (IPv6). */
	mss = peer_mss ? peer_mss : (k->family == AF_INET ? 536 : 1220);
	mss = RTE_MIN(mss, (uint32_t)c->rmss);
	if (wscale >= 0) {
		c->flags |= TF_WS_OK;
		c->snd_wscale = (uint8_t)wscale;
		c->rcv_wscale = tcp_our_wscale(c->rcvbuf);
	} else {
		c->rcvbuf = RTE_MIN(c->rcvbuf, 65535u);
	}
	if (sack_ok)
		c->flags |= TF_SACK_OK;
	if (ts) {
		c->flags |= TF_TS_OK;
		c->ts_recent = tsval;
		mss -= 12;
	}
	c->smss = (uint16_t)RTE_MAX(mss, 64u);
	c->snd_wnd = peer_wnd;                    /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = irs;
	c->cwnd = RTE_MIN(10u * c->smss, RTE_MAX(2u * c->smss, 14600u)); /* RFC 6928 */
	c->ssthresh = UINT32_MAX / 2;
	c->rto_ms = TCP_RTO_INIT_MS;
}

/* Refuse a new connection from k's source? (per-source limits; a SYN when
 * syn is true, else a cookie ACK). Counts and disposes of m when it does. */
static bool
src_refused(struct worker *w, struct rte_mbuf *m, const struct cfg_tcp *cfg,
	    const struct tcp_key *k, const struct rte_tcp_hdr *th, const struct seg *s,
	    bool syn)
{
	const struct tcp_src *e;

	if (cfg->max_conns_per_src == 0 && (cfg->max_half_open_per_src == 0 || !syn))
		return false;
	e = tcp_src_get(w->tcp, k, false);
	if (e == NULL)
		return false;
	/* Too many connections: the source has shown it is real (it holds
	 * established ones), so tell it at once with an RST rather than let
	 * it retransmit the SYN for minutes. */
	if (cfg->max_conns_per_src && e->conns + e->half_open >= cfg->max_conns_per_src) {
		tcp_send_rst_reply(w, m->port, k, th, seg_seqlen(s));
		worker_drop(w, m, CNT_TCP_DROP_SRC_CONNS);
		return true;
	}
	/* Too many half-open: most likely spoofed or a flood; an RST would
	 * only be backscatter, and a real client retransmits its SYN. */
	if (syn && cfg->max_half_open_per_src && e->half_open >= cfg->max_half_open_per_src) {
		worker_drop(w, m, CNT_TCP_DROP_SRC_HALF_OPEN);
		return true;
	}
	return false;
}

/* The backlog is full: answer the SYN with a cookie, keep nothing. */
static void
syn_cookie_reply(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
		 const struct cfg_tcp *cfg, const struct tcp_key *k, const struct seg *s)
{
	struct tcp_worker *tw = w->tcp;
	uint16_t rmss = tcp_our_mss(p, k->family, cfg);
	uint32_t peer_mss = s->o.mss ? s->o.mss : (k->family == AF_INET ? 536 : 1220);
	unsigned idx = tcp_cookie_mss_idx(RTE_MIN(peer_mss, (uint32_t)rmss));
	uint64_t now = tcp_now(tw);
	uint32_t iss = tcp_cookie_make(k, s->seq, now, idx);
	uint32_t tsval = 0;
	int ws = -1;

	if (s->o.ts) {
		/* Window scale and SACK need the timestamp to come back. */
		tsval = tcp_cookie_tsval(now, s->o.wscale, s->o.sack_ok);
		ws = s->o.wscale >= 0 ? tcp_our_wscale(cfg->rcvbuf) : -1;
	}
	tcp_send_synack_cookie(w, m->port, k, iss, s->seq + 1,
			       (uint16_t)RTE_MIN(cfg->rcvbuf, 65535u), rmss, s->o.ts,
			       tsval, s->o.tsval, ws, s->o.sack_ok);
	tw->cookie_last_ms = now ? now : 1;
	consume(w, m);
}

/* An ACK to a listener while cookies are in use: open the connection if it
 * carries a valid cookie. Returns false (m untouched) when it does not. */
static bool
syn_cookie_ack(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
	       const struct tcp_listener *l, const struct tcp_key *k,
	       const struct rte_tcp_hdr *th, struct seg *s, unsigned hlen)
{
	struct tcp_worker *tw = w->tcp;
	const struct cfg_tcp *cfg = &w->snap->tcp;
	uint64_t now = tcp_now(tw);
	struct tcp_conn *c;
	bool sack = false;
	int idx, ws = -1;

	if (tw->cookie_last_ms == 0 ||
	    now - tw->cookie_last_ms >= ((uint64_t)TCP_COOKIE_MAX_AGE << TCP_COOKIE_PERIOD_SHIFT))
		return false;
	idx = tcp_cookie_check(k, s->seq - 1, s->ack - 1, now);
	if (idx < 0) {
		worker_count(w, CNT_TCP_SYNCOOKIES_INVALID);
		return false;
	}
	if (src_refused(w, m, cfg, k, th, s, false))
		return true;
	c = tcp_conn_create(tw, k, cfg->max_conns);
	if (c == NULL) {
		worker_drop(w, m, CNT_TCP_DROP_TABLE_FULL);
		return true;
	}
	worker_count(w, CNT_TCP_SYNCOOKIES_VALID);
	if (s->o.ts)
		tcp_cookie_ts_opts(s->o.tsecr, &ws, &sack);
	conn_setup(c, m->port, l, cfg, p, s->seq - 1, tcp_cookie_mss((unsigned)idx), ws, sack,
		   s->o.ts, s->o.tsval, s->wnd);
	c->iss = s->ack - 1;
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = s->ack;
	c->rcv_adv = c->rcv_nxt + RTE_MIN(c->rcvbuf, 65535u);
	/* The handshake completes through the usual SYN-RECEIVED path; a
	 * connection it did not complete holds no timer: release it. */
	conn_input(c, m, th, s, hlen);
	if (c->state == TCP_SYN_RECEIVED && !(c->flags & TF_REAP))
		tcp_conn_release(c, TCP_CLOSE_ABORT);
	return true;
}

/* LISTEN (RFC 9293 3.10.7.2), and CLOSED ports (3.10.7.1). */
static void
listen_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p,
	     const struct tcp_key *k, const struct rte_tcp_hdr *th, struct seg *s,
	     unsigned hlen)
{
	struct tcp_worker *tw = w->tcp;
	const struct tcp_listener *l = find_listener(tw, rte_be_to_cpu_16(k->lport));
	const struct cfg_tcp *cfg = &w->snap->tcp;
	struct tcp_conn *c;

	if (l == NULL) {
		tcp_send_rst_reply(w, m->port, k, th, seg_seqlen(s));
		worker_drop(w, m, CNT_TCP_DROP_NO_LISTENER);
		return;
	}
	if (s->flags & TH_RST) {                 /* first: ignore */
		worker_drop(w, m, CNT_TCP_DROP_LISTEN);
		return;
	}
	if (s->flags & TH_ACK) {                 /* second: <SEQ=SEG.ACK><CTL=RST> */
		if (!(s->flags & TH_SYN) && syn_cookie_ack(w, m, p, l, k, th, s, hlen))
			return;
		tcp_send_rst_reply(w, m->port, k, th, seg_seqlen(s));
		worker_drop(w, m, CNT_TCP_DROP_LISTEN);
		return;
	}
	if (!(s->flags & TH_SYN)) {              /* fourth: drop */
		worker_drop(w, m, CNT_TCP_DROP_LISTEN);
		return;
	}
	if (src_refused(w, m, cfg, k, th, s, true))
		return;
	/* RFC 4987: at the bound, answer statelessly until the backlog drains. */
	if (tw->n_half_open >= cfg->syn_backlog) {
		if (cfg->syn_cookies)
			syn_cookie_reply(w, m, p, cfg, k, s);
		else
			worker_drop(w, m, CNT_TCP_SYN_DROPPED_BACKLOG);
		return;
	}
	c = tcp_conn_create(tw, k, cfg->max_conns);
	if (c == NULL) {
		worker_drop(w, m, CNT_TCP_DROP_TABLE_FULL);
		return;
	}
	worker_count(w, CNT_TCP_SYN_RECEIVED);
	conn_setup(c, m->port, l, cfg, p, s->seq, s->o.mss, s->o.wscale, s->o.sack_ok,
		   s->o.ts, s->o.tsval, s->wnd);
	tcp_half_open_add(c);
	c->iss = tcp_isn(k, rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000000 + 1));
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	/* Data on the SYN is not kept: the peer sends it again once
	 * established. */
	tcp_send_synack(c);
	consume(w, m);
}

static void
enter_time_wait(struct tcp_conn *c)
{
	c->state = TCP_TIME_WAIT;
	c->t_rto = c->t_rack = 0;
	c->t_2msl = tcp_now(c->tw) + c->tw->w->snap->tcp.time_wait_ms;
	tcp_timer_update(c);
	/* Bytes the application has not read yet stay readable through
	 * TIME-WAIT (tcp_rx_eof tells when they are all read); it hears of
	 * the close when TIME-WAIT ends, never from inside tcp_read. */
	if (c->rcvq.bytes == 0)
		tcp_conn_notify_closed(c, TCP_CLOSE_NORMAL);
}

/* The peer's FIN is next in sequence (RFC 9293 3.10.7.4 eighth check). */
static void
fin_in_order(struct tcp_conn *c)
{
	c->flags |= TF_FIN_RCVD | TF_ACK_NOW;
	c->rcv_nxt++;
	switch (c->state) {
	case TCP_ESTABLISHED:
		c->state = TCP_CLOSE_WAIT;
		break;
	case TCP_FIN_WAIT_1:
		c->state = TCP_CLOSING;
		break;
	case TCP_FIN_WAIT_2:
		c->t_2msl = 0;
		enter_time_wait(c);
		break;
	default:
		break;
	}
}

/* Received mbufs held per worker ---------------------------------------------
 *
 * Every mbuf a connection keeps in its receive queue or an out-of-order run
 * is counted in c->rx_mbufs and the worker's rx_mbufs. At the worker's
 * bound (rx_mbufs_cap) out-of-order data is refused, and in-order data too
 * unless the connection holds nothing (its application keeps up: it is
 * served whatever the others hold, so the worker holds at most the bound
 * plus one mbuf per connection) or it has out-of-order runs: then it gives
 * up (reneges on, RFC 2018 8; the sender's RTO resends) its highest runs
 * until the segment that fills its hole fits, so no connection waits on its
 * own out-of-order data. A refused segment is not acknowledged, so its
 * sender sends it again. */

uint32_t
tcp_rx_mbufs_cap(struct tcp_worker *tw)
{
	uint32_t cfg = tw->w->snap->tcp.rx_mbufs_max;

	if (cfg)
		return cfg;
	if (tw->rx_mbufs_auto == 0) {
		/* A quarter of the packet pool, shared out among the workers:
		 * the rest keeps the ports' descriptors and rings filled. */
		uint32_t pool = dp.pool ? dp.pool->size : TCP_BUF_MBUFS;

		tw->rx_mbufs_auto = RTE_MAX(pool / (4 * RTE_MAX(dp.nworkers, 1u)), 16u);
	}
	return tw->rx_mbufs_auto;
}

static inline void
rx_hold(struct tcp_conn *c)
{
	c->rx_mbufs++;
	c->tw->rx_mbufs++;
}

void
tcp_rx_unhold(struct tcp_conn *c, uint32_t n)
{
	n = RTE_MIN(n, c->rx_mbufs);
	c->rx_mbufs -= n;
	c->tw->rx_mbufs -= n;
}

uint32_t
tcp_rcvq_whole(const struct tcp_conn *c, uint32_t n)
{
	uint32_t k = 0;

	for (const struct rte_mbuf *m = c->rcvq.head; m && n; m = m->next) {
		if (rte_pktmbuf_data_len(m) > n)
			break;
		n -= rte_pktmbuf_data_len(m);
		k++;
	}
	return k;
}

/* Free c's highest out-of-order run (reneging on what it SACKed). */
static void
ooo_prune_last(struct tcp_conn *c)
{
	struct tcp_ooo *o = &c->ooo[c->n_ooo - 1];
	uint32_t n = 0;

	for (struct rte_mbuf *m = o->m, *next; m; m = next) {
		next = m->next;
		rte_pktmbuf_free_seg(m);
		n++;
	}
	tcp_rx_unhold(c, n);
	c->ooo_bytes -= o->len;
	c->n_ooo--;
	if (c->ooo_last >= c->n_ooo)
		c->ooo_last = 0;
	worker_count(c->tw->w, CNT_TCP_OOO_PRUNED);
}

/* May c hold one more received mbuf? in_order: the segment is at RCV.NXT. */
static bool
rx_admit(struct tcp_conn *c, bool in_order)
{
	struct tcp_worker *tw = c->tw;
	uint32_t cap = tcp_rx_mbufs_cap(tw);

	if (tw->rx_mbufs < cap)
		return true;
	if (!in_order)
		return false;
	if (c->rx_mbufs == 0)
		return true;
	while (tw->rx_mbufs >= cap && c->n_ooo)
		ooo_prune_last(c);
	return tw->rx_mbufs < cap;
}

/* A small segment (at most TCP_COLLAPSE_MAX bytes) is copied into the free
 * room of the mbuf before it (a direct, unshared receive buffer) instead of
 * holding an mbuf of its own: a peer sending tiny segments cannot pin an
 * mbuf per byte. Every mbuf of a queue then holds more than
 * TCP_COLLAPSE_MAX bytes or has no room left, so a connection holds at most
 * about receive-buffer / TCP_COLLAPSE_MAX + 1 mbufs in order (and as many
 * per out-of-order run). Returns true when m was absorbed (and freed). */
static bool
collapse_into(struct worker *w, struct rte_mbuf *t, struct rte_mbuf *m, uint32_t len)
{
	if (t == NULL || len > TCP_COLLAPSE_MAX || !RTE_MBUF_DIRECT(t) ||
	    rte_mbuf_refcnt_read(t) != 1 || rte_pktmbuf_tailroom(t) < len)
		return false;
	memcpy(rte_pktmbuf_append(t, (uint16_t)len), rte_pktmbuf_mtod(m, const void *), len);
	worker_count(w, CNT_TCP_RX_COLLAPSED);
	rte_pktmbuf_free(m);
	return true;
}

/* Deliver queued out-of-order segments the new RCV.NXT reaches. */
static void
ooo_merge(struct tcp_conn *c)
{
	struct worker *w = c->tw->w;

	while (c->n_ooo && SEQ_LEQ(c->ooo[0].seq, c->rcv_nxt) && !(c->flags & TF_FIN_RCVD)) {
		struct tcp_ooo o = c->ooo[0];
		uint32_t end = o.seq + o.len, seq = o.seq;

		memmove(&c->ooo[0], &c->ooo[1], (c->n_ooo - 1) * sizeof(c->ooo[0]));
		c->n_ooo--;
		c->ooo_bytes -= o.len;
		/* A run of contiguous segments: each goes on as it is. */
		for (struct rte_mbuf *m = o.m, *next; m; m = next) {
			uint32_t mend = seq + rte_pktmbuf_data_len(m);

			next = m->next;
			if (SEQ_GT(mend, c->rcv_nxt)) {
				rte_pktmbuf_adj(m, (uint16_t)(c->rcv_nxt - seq));
				tcp_mq_push(&c->rcvq, m);
				c->rcv_nxt = mend;
				worker_count(w, CNT_TCP_OOO_MERGED);
			} else {
				rte_pktmbuf_free_seg(m);
				tcp_rx_unhold(c, 1);
			}
			seq = mend;
		}
		if (o.fin && end == c->rcv_nxt)
			fin_in_order(c);
	}
	if (c->ooo_last >= c->n_ooo)
		c->ooo_last = 0;
}

/* Keep a segment beyond RCV.NXT (m's data_off at its payload). A segment
 * that continues or precedes a slot's run exactly joins it (chained through
 * m->next), so the slots bound the holes, not the segments; the bytes are
 * bounded by the window. Returns false when refused (the caller counts and
 * frees). */
static bool
ooo_insert(struct tcp_conn *c, struct rte_mbuf *m, uint32_t seq, uint32_t len, bool fin,
	   enum cnt_id *why)
{
	unsigned i;

	for (i = 0; i < c->n_ooo; i++) {
		const struct tcp_ooo *o = &c->ooo[i];

		if (SEQ_LEQ(o->seq, seq) && SEQ_GEQ(o->seq + o->len, seq + len) &&
		    (o->fin || !fin)) {
			*why = CNT_TCP_DROP_DUPLICATE;
			tcp_dsack_note(c, seq, seq + len);
			return false;
		}
	}
	for (i = 0; i < c->n_ooo && SEQ_LEQ(c->ooo[i].seq, seq); i++)
		;
	m->next = NULL;
	if (i > 0 && !c->ooo[i - 1].fin && c->ooo[i - 1].seq + c->ooo[i - 1].len == seq) {
		struct tcp_ooo *o = &c->ooo[i - 1];

		if (!collapse_into(c->tw->w, o->tail, m, len)) {
			if (!rx_admit(c, false)) {
				*why = CNT_TCP_DROP_RX_MBUFS;
				return false;
			}
			rx_hold(c);
			o->tail->next = m;
			o->tail = m;
		}
		o->len += len;
		o->fin = fin;
		/* The segment may close the gap to the next run. */
		if (i < c->n_ooo && !fin && o->seq + o->len == c->ooo[i].seq) {
			o->tail->next = c->ooo[i].m;
			o->tail = c->ooo[i].tail;
			o->len += c->ooo[i].len;
			o->fin = c->ooo[i].fin;
			memmove(&c->ooo[i], &c->ooo[i + 1], (c->n_ooo - i - 1) * sizeof(c->ooo[0]));
			c->n_ooo--;
		}
		i--;
	} else if (i < c->n_ooo && !fin && seq + len == c->ooo[i].seq) {
		if (!rx_admit(c, false)) {
			*why = CNT_TCP_DROP_RX_MBUFS;
			return false;
		}
		rx_hold(c);
		m->next = c->ooo[i].m;
		c->ooo[i].m = m;
		c->ooo[i].seq = seq;
		c->ooo[i].len += len;
	} else {
		if (c->n_ooo >= c->ooo_max) {
			*why = CNT_TCP_DROP_OOO_FULL;
			return false;
		}
		if (!rx_admit(c, false)) {
			*why = CNT_TCP_DROP_RX_MBUFS;
			return false;
		}
		rx_hold(c);
		memmove(&c->ooo[i + 1], &c->ooo[i], (c->n_ooo - i) * sizeof(c->ooo[0]));
		c->ooo[i] = (struct tcp_ooo){ seq, len, fin, m, m };
		c->n_ooo++;
	}
	c->ooo_bytes += len;
	c->ooo_last = (uint16_t)i;
	worker_count(c->tw->w, CNT_TCP_OOO_QUEUED);
	return true;
}

/* Seventh check: the segment text. m's data_off at the payload. Takes m. */
static bool
text(struct tcp_conn *c, struct rte_mbuf *m, struct seg *s, uint32_t rwnd)
{
	struct worker *w = c->tw->w;
	uint32_t seq = s->seq, len = s->len;
	bool fin = s->flags & TH_FIN, filled = c->n_ooo != 0;
	enum cnt_id why;

	if (SEQ_LT(seq, c->rcv_nxt)) {           /* the front was received before */
		uint32_t d = c->rcv_nxt - seq;

		tcp_dsack_note(c, seq, seq + RTE_MIN(d, len));
		if (d >= len) {
			if (!(fin && seq + len == c->rcv_nxt)) {
				c->flags |= TF_ACK_NOW;
				worker_drop(w, m, CNT_TCP_DROP_DUPLICATE);
				return false;
			}
			d = len;
		}
		rte_pktmbuf_adj(m, (uint16_t)d);
		seq += d;
		len -= d;
	}
	if (SEQ_GT(seq + len, c->rcv_nxt + rwnd)) {  /* beyond the window: cut */
		uint32_t cut = seq + len - (c->rcv_nxt + rwnd);

		cut = RTE_MIN(cut, len);
		rte_pktmbuf_trim(m, (uint16_t)cut);
		len -= cut;
		fin = false;
	}
	if (seq != c->rcv_nxt) {
		c->flags |= TF_ACK_NOW;      /* RFC 5681 4.2: dup ACK at once */
		if (len == 0 || !ooo_insert(c, m, seq, len, fin, &why)) {
			worker_drop(w, m, len == 0 ? CNT_TCP_DROP_OUT_OF_WINDOW : why);
			return false;
		}
		return false;
	}
	if (len) {
		if (collapse_into(w, c->rcvq.tail, m, len)) {
			c->rcvq.bytes += len;
		} else if (rx_admit(c, true)) {
			rx_hold(c);
			tcp_mq_push(&c->rcvq, m);
		} else {
			/* Not acknowledged: the peer sends it again. */
			worker_drop(w, m, CNT_TCP_DROP_RX_MBUFS);
			return false;
		}
		c->rcv_nxt += len;
	} else {
		consume(w, m);
	}
	if (fin)
		fin_in_order(c);
	ooo_merge(c);
	if (filled || c->n_ooo || ++c->unacked_segs >= 2)
		c->flags |= TF_ACK_NOW;      /* RFC 5681 4.2, RFC 1122 4.2.3.2 */
	else
		tcp_delack(c);
	return true;
}

/* Fifth check: the ACK field in a synchronized state. Returns false when
 * the segment was dropped (m freed). */
static bool
ack_field(struct tcp_conn *c, struct rte_mbuf *m, const struct seg *s, bool *freed_space)
{
	struct worker *w = c->tw->w;
	uint32_t ack = s->ack, wnd = s->wnd << c->snd_wscale;
	bool sack_new;

	/* RFC 5961 5.2: an ACK for data not yet sent (beyond SND.MAX, the
	 * highest we sent) gets a rate-limited challenge ACK and is dropped. */
	if (SEQ_GT(ack, c->snd_max)) {
		tcp_challenge_ack(c);
		worker_drop(w, m, CNT_TCP_DROP_ACK_UNSENT);
		return false;
	}
	/* RFC 5961 5.2: acceptable only within MAX.SND.WND below SND.UNA. */
	if (SEQ_LT(ack, c->snd_una - c->max_snd_wnd)) {
		tcp_challenge_ack(c);
		worker_drop(w, m, CNT_TCP_DROP_ACK_TOO_OLD);
		return false;
	}
	sack_new = tcp_recovery_sack(c, &s->o, ack);
	if (SEQ_GT(ack, c->snd_una)) {
		uint32_t acked = ack - c->snd_una, lo, hi;

		/* RACK: what the cumulative ACK newly delivers (not SACKed
		 * before), judged before SND.UNA and HighRxt move. */
		if (c->rec.rack && tcp_sb_uncovered(&c->rec, c->snd_una, ack, &lo, &hi))
			tcp_rack_delivered(c, lo, hi);
		uint32_t data = RTE_MIN(acked, c->sndq.bytes);
		bool fin_acked = (c->flags & TF_FIN_SENT) && acked > c->sndq.bytes;

		tcp_mq_drop(&c->sndq, data);
		c->snd_una = ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if ((c->flags & TF_RTT_TIMING) && SEQ_GT(ack, c->rtt_seq)) {
			c->flags &= ~TF_RTT_TIMING;
			tcp_rtt_sample(c, (uint32_t)(tcp_now(c->tw) - c->rtt_start_ms));
		}
		c->backoff = 0;
		if (!c->rec.active)
			c->dupacks = 0;
		/* Window growth, or NewReno's full and partial ACKs. */
		tcp_recovery_ack(c, acked, &s->o);
		/* RFC 6675 5: the scoreboard may show SND.UNA lost on any ACK. */
		if (sack_new && !c->rec.active && !c->rec.rack &&
		    tcp_sb_is_lost(&c->rec, c->snd_una, c->smss))
			tcp_recovery_enter(c);
		if (c->snd_una == c->snd_max) {
			c->t_rto = c->t_rack = 0;
			tcp_timer_update(c);
		} else {
			tcp_rto_arm(c, true);                   /* RFC 6298 5.3 */
		}
		*freed_space = data != 0;
		if (fin_acked) {
			switch (c->state) {
			case TCP_FIN_WAIT_1:
				c->state = TCP_FIN_WAIT_2;
				c->t_2msl = tcp_now(c->tw) + w->snap->tcp.time_wait_ms;
				tcp_timer_update(c);
				break;
			case TCP_CLOSING:
				enter_time_wait(c);
				break;
			case TCP_LAST_ACK:
				/* Unread bytes (a half-close relayed late): keep
				 * them readable, as in TIME-WAIT. */
				if (c->rcvq.bytes) {
					enter_time_wait(c);
					break;
				}
				tcp_conn_release(c, TCP_CLOSE_NORMAL);
				consume(w, m);
				return false;
			default:
				break;
			}
		}
	} else if (ack == c->snd_una && c->snd_max != c->snd_una &&
		   ((s->len == 0 && !(s->flags & TH_FIN) && wnd == c->snd_wnd && wnd != 0) ||
		    sack_new)) {
		/* A duplicate ACK (RFC 5681 2; a zero window's answers to our
		 * probes are none), or (RFC 6675 2) any ACK SACKing new data,
		 * data-carrying ones included: with traffic both ways few ACKs
		 * are pure. Fast retransmit and recovery: tcp_sack.c. */
		tcp_recovery_dupack(c);
	}
	/* RFC 8985: what this ACK delivered may show older data lost. */
	if (c->rec.rack && c->snd_una != c->snd_max)
		tcp_rack_detect(c);
	/* Window update (RFC 9293 3.10.7.4, SND.WL1/SND.WL2). */
	if (SEQ_LT(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, ack))) {
		if (c->snd_wnd == 0 && wnd != 0 && c->backoff && c->t_rto) {
			/* The window opened: persist ends, the backed-off
			 * interval with it; a fresh RTO for what is in flight,
			 * else tcp_output arms one for what it sends now. */
			c->backoff = 0;
			c->t_rto = 0;
			if (c->snd_una != c->snd_max)
				tcp_rto_arm(c, true);
			else
				tcp_timer_update(c);
		}
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = ack;
		c->max_snd_wnd = RTE_MAX(c->max_snd_wnd, wnd);
	}
	return true;
}

/* SYN-SENT (RFC 9293 3.10.7.3): the checks are tcp_syn_sent_input's; here
 * the text or FIN a SYN-ACK may carry, after the application heard of the
 * connection. */
static void
syn_sent_input(struct tcp_conn *c, struct rte_mbuf *m, const struct rte_tcp_hdr *th,
	       struct seg *s, unsigned hlen)
{
	struct worker *w = c->tw->w;
	bool readable = false;
	enum cnt_id why;

	switch (tcp_syn_sent_input(c, th, s->seq, s->ack, s->flags, s->wnd, seg_seqlen(s),
				   &s->o, &why)) {
	case TCP_SS_DROP:
		worker_drop(w, m, why);
		return;
	case TCP_SS_DONE:
		consume(w, m);
		return;
	case TCP_SS_ESTABLISHED:
		break;
	}
	if (!tcp_syn_sent_connected(c)) {
		consume(w, m);
		return;
	}
	if (s->len || (s->flags & TH_FIN)) {
		s->seq++;                /* past the SYN */
		s->flags &= ~TH_SYN;
		rte_pktmbuf_adj(m, (uint16_t)hlen);
		readable = text(c, m, s, tcp_rcv_wnd(c));
	} else {
		consume(w, m);
	}
	if (readable)
		tcp_app_readable(c);
	if (!(c->flags & TF_REAP))
		tcp_output(c);
}

/* A segment for an existing connection (RFC 9293 3.10.7.4). */
static void
conn_input(struct tcp_conn *c, struct rte_mbuf *m, const struct rte_tcp_hdr *th,
	   struct seg *s, unsigned hlen)
{
	struct worker *w = c->tw->w;
	uint32_t rwnd = tcp_rcv_wnd(c), seqlen = seg_seqlen(s);
	bool ok, readable = false, freed = false;

	if (c->state == TCP_SYN_SENT) {
		syn_sent_input(c, m, th, s, hlen);
		return;
	}
	/* Simultaneous open: the peer's SYN-ACK acknowledges our SYN. Its
	 * SYN is old news (SEQ = IRS) but its ACK completes the handshake,
	 * as SYN-SENT would have taken it (what Linux does). */
	if (c->state == TCP_SYN_RECEIVED && (c->flags & TF_ACTIVE) &&
	    (s->flags & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_ACK) && s->seq == c->irs &&
	    s->ack == c->snd_max) {
		c->state = TCP_SYN_SENT;
		syn_sent_input(c, m, th, s, hlen);
		return;
	}
	/* A retransmitted SYN: our SYN-ACK was lost. */
	if (c->state == TCP_SYN_RECEIVED && (s->flags & TH_SYN) && !(s->flags & TH_ACK) &&
	    s->seq == c->irs) {
		tcp_send_synack(c);
		consume(w, m);
		return;
	}
	/* PAWS (RFC 7323 5.3 R1): an older timestamp is a duplicate. */
	if ((c->flags & TF_TS_OK) && s->o.ts && !(s->flags & TH_RST) &&
	    SEQ_LT(s->o.tsval, c->ts_recent)) {
		c->flags |= TF_ACK_NOW;
		tcp_output(c);
		worker_drop(w, m, CNT_TCP_DROP_PAWS);
		return;
	}
	/* First check: sequence acceptability. */
	if (seqlen == 0)
		ok = rwnd == 0 ? s->seq == c->rcv_nxt
			       : SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + rwnd);
	else
		ok = rwnd != 0 &&
		     ((SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + rwnd)) ||
		      (SEQ_GEQ(s->seq + seqlen - 1, c->rcv_nxt) &&
		       SEQ_LT(s->seq + seqlen - 1, c->rcv_nxt + rwnd)));
	/* RFC 9293 3.10.7.4: "special allowance should be made to accept
	 * valid ACKs" when the window is zero or the segment starts right at
	 * its edge (a sender that filled our window and lost a segment):
	 * process the ACK field, drop the text. */
	if (!ok && !(s->flags & (TH_RST | TH_SYN)) && (s->flags & TH_ACK) &&
	    c->state != TCP_SYN_RECEIVED && SEQ_GEQ(s->seq, c->rcv_nxt) &&
	    SEQ_LEQ(s->seq, c->rcv_nxt + rwnd)) {
		if (s->len || (s->flags & TH_FIN))
			worker_count(w, CNT_TCP_DROP_OUT_OF_WINDOW);
		s->len = 0;
		s->flags &= ~(TH_FIN | TH_PSH);
		c->flags |= TF_ACK_NOW;
		ok = true;
	}
	if (!ok) {
		if (!(s->flags & TH_RST)) {
			if (c->state == TCP_TIME_WAIT && (s->flags & TH_FIN)) {
				/* A retransmitted FIN: ACK it, restart 2 MSL. */
				c->t_2msl = tcp_now(c->tw) + w->snap->tcp.time_wait_ms;
				tcp_timer_update(c);
			}
			if (c->state == TCP_SYN_RECEIVED) {
				tcp_send_synack(c);
			} else {
				if (s->len && SEQ_LEQ(s->seq + s->len, c->rcv_nxt))
					tcp_dsack_note(c, s->seq, s->seq + s->len);
				tcp_send_ack(c);
			}
		}
		worker_drop(w, m, CNT_TCP_DROP_OUT_OF_WINDOW);
		return;
	}
	/* The peer is alive: keep-alive's idle clock restarts (lazily). */
	c->rx_last_ms = tcp_now(c->tw);
	c->keep_probes = 0;
	/* Second check: RST (RFC 5961 3.2): exact sequence resets, anything
	 * else in the window gets a challenge ACK. */
	if (s->flags & TH_RST) {
		/* Both FINs are out (a late segment of ours met a peer that is
		 * done): RFC 1337, an RST does not cut TIME-WAIT short, and bytes
		 * the application has not read yet are kept, not thrown away. */
		if (s->seq == c->rcv_nxt && (c->state == TCP_TIME_WAIT ||
		    ((c->state == TCP_CLOSING || c->state == TCP_LAST_ACK) && c->rcvq.bytes))) {
			if (c->state != TCP_TIME_WAIT)
				enter_time_wait(c);
			worker_drop(w, m, CNT_TCP_DROP_RST_CLOSED);
			return;
		}
		if (s->seq == c->rcv_nxt) {
			worker_count(w, CNT_TCP_RST_RX);
			tcp_conn_release(c, TCP_CLOSE_RESET);
			consume(w, m);
		} else {
			tcp_challenge_ack(c);
			worker_drop(w, m, CNT_TCP_DROP_RST_IN_WINDOW);
		}
		return;
	}
	/* Fourth check: SYN (RFC 5961 4.2, RFC 9293 3.10.7.4). */
	if (s->flags & TH_SYN) {
		tcp_challenge_ack(c);
		worker_drop(w, m, CNT_TCP_DROP_SYN_SYNCHRONIZED);
		return;
	}
	/* Fifth check: ACK. */
	if (!(s->flags & TH_ACK)) {
		worker_drop(w, m, CNT_TCP_DROP_NO_ACK);
		return;
	}
	/* RFC 7323 4.3: remember the timestamp to echo. */
	if ((c->flags & TF_TS_OK) && s->o.ts && SEQ_LEQ(s->seq, c->rcv_nxt) &&
	    SEQ_GEQ(s->o.tsval, c->ts_recent))
		c->ts_recent = s->o.tsval;
	if (c->state == TCP_SYN_RECEIVED) {
		if (!(SEQ_GT(s->ack, c->snd_una) && SEQ_LEQ(s->ack, c->snd_max))) {
			tcp_send_rst_reply(w, c->port, &c->key, th, seqlen);
			worker_drop(w, m, CNT_TCP_DROP_BAD_SYNACK_ACK);
			return;
		}
		c->state = TCP_ESTABLISHED;
		if (!(c->flags & TF_ACTIVE))
			tcp_conn_established(c);
		tcp_keepalive_arm(c);
		c->snd_una = s->ack;
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->rto_ms = TCP_RTO_INIT_MS;
		/* The handshake's RTT is the first sample, unless the SYN-ACK
		 * was repeated (Karn). */
		if ((c->flags & TF_RTT_TIMING) && c->backoff == 0)
			tcp_rtt_sample(c, (uint32_t)(tcp_now(c->tw) - c->rtt_start_ms));
		c->flags &= ~TF_RTT_TIMING;
		c->backoff = 0;
		c->t_rto = 0;
		tcp_timer_update(c);
		worker_count(w, CNT_TCP_OPENED);
		if (c->flags & TF_ACTIVE) {
			/* A simultaneous open completed by a plain ACK. */
			worker_count(w, CNT_TCP_ACTIVE_ESTABLISHED);
			if (!tcp_syn_sent_connected(c)) {
				consume(w, m);
				return;
			}
		} else if (c->ops && c->ops->on_accept) {
			int rc;

			c->flags |= TF_IN_APP;
			rc = c->ops->on_accept(c);
			c->flags &= ~TF_IN_APP;
			if (rc != 0)
				tcp_abort(c);
		}
		if (c->flags & TF_REAP) {
			consume(w, m);
			return;
		}
	} else if (!ack_field(c, m, s, &freed)) {
		return;
	}
	/* Seventh and eighth checks: text and FIN. */
	if (s->len || (s->flags & TH_FIN)) {
		switch (c->state) {
		case TCP_ESTABLISHED:
		case TCP_FIN_WAIT_1:
		case TCP_FIN_WAIT_2:
			rte_pktmbuf_adj(m, (uint16_t)hlen);
			readable = text(c, m, s, rwnd);
			break;
		default:
			/* The peer's FIN came before: nothing more from it. */
			c->flags |= TF_ACK_NOW;
			worker_drop(w, m, CNT_TCP_DROP_AFTER_FIN);
			break;
		}
	} else {
		consume(w, m);
	}
	if (readable)
		tcp_app_readable(c);
	if (freed && !(c->flags & TF_REAP))
		tcp_app_writable(c);
	if (!(c->flags & TF_REAP))
		tcp_output(c);
}

void
tcp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p, int family)
{
	struct rte_tcp_hdr *th;
	struct tcp_conn *c;
	struct tcp_key k;
	struct seg s;
	uint32_t len;
	unsigned hlen;

	worker_count(w, CNT_TCP_RX);
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m) != 0) {
		worker_drop(w, m, CNT_TCP_DROP_MULTISEG);
		return;
	}
	len = rte_pktmbuf_data_len(m);
	if (unlikely(len < sizeof(*th))) {
		worker_drop(w, m, CNT_TCP_DROP_TRUNCATED);
		return;
	}
	th = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);
	hlen = (th->data_off >> 4) * 4u;
	if (unlikely(hlen < sizeof(*th) || hlen > len)) {
		worker_drop(w, m, CNT_TCP_DROP_BAD_DOFF);
		return;
	}
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	k.lport = th->dst_port;
	k.rport = th->src_port;
	if (family == AF_INET) {
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);

		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
		    unlikely(!tcp_csum_ok(rte_ipv4_phdr_cksum(ip, 0), th,
					  rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip)))) {
			worker_drop(w, m, CNT_TCP_DROP_BAD_CHECKSUM);
			return;
		}
		memcpy(k.laddr, &ip->dst_addr, 4);
		memcpy(k.raddr, &ip->src_addr, 4);
	} else {
		const struct rte_ipv6_hdr *ip =
			rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, -(int)m->l3_len);

		if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
		    unlikely(!tcp_csum_ok(rte_ipv6_phdr_cksum(ip, 0), th,
					  rte_be_to_cpu_16(ip->payload_len)))) {
			worker_drop(w, m, CNT_TCP_DROP_BAD_CHECKSUM);
			return;
		}
		/* RFC 1122 4.2.3.10: no TCP to a group address. */
		if (unlikely(ip6_is_mcast(ip->dst_addr))) {
			worker_drop(w, m, CNT_TCP_DROP_MCAST);
			return;
		}
		memcpy(k.laddr, ip->dst_addr, 16);
		memcpy(k.raddr, ip->src_addr, 16);
	}
	if (unlikely(th->src_port == 0 || th->dst_port == 0)) {
		worker_drop(w, m, CNT_TCP_DROP_BAD_PORT);
		return;
	}
	s.flags = th->tcp_flags & 0x3f;
	/* No control bit at all, SYN with FIN or RST: no legitimate sender
	 * makes these (scans, RFC 9293 3.10.7 has no use for them). */
	if (unlikely(!(s.flags & (TH_SYN | TH_ACK | TH_RST | TH_FIN)) ||
		     ((s.flags & TH_SYN) && (s.flags & (TH_FIN | TH_RST))))) {
		worker_drop(w, m, CNT_TCP_DROP_BAD_FLAGS);
		return;
	}
	if (unlikely(!parse_opts((const uint8_t *)(th + 1), hlen - sizeof(*th), &s.o))) {
		worker_drop(w, m, CNT_TCP_DROP_BAD_OPTIONS);
		return;
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.len = len - hlen;

	c = tcp_conn_lookup(w->tcp, &k);
	if (c == NULL)
		listen_input(w, m, p, &k, th, &s, hlen);
	else
		conn_input(c, m, th, &s, hlen);
}
