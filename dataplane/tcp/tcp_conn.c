/* SPDX-License-Identifier: Proprietary
 * TCP connections: the per-worker pool and table, RFC 6528 ISNs, the byte
 * queues, listeners and the application's API. No allocation after boot:
 * connection slots come from a preallocated array, send-buffer bytes from
 * the worker's own mempool.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "tcp/tcp_p.h"

static uint64_t isn_key[2];
static uint64_t cookie_key[2];

/* SipHash-2-4 (Aumasson, Bernstein) over whole 8-byte words, enough for the
 * fixed-size ISN input. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t
siphash24(const uint64_t *w, unsigned nwords, const uint64_t k[2])
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k[0], v1 = 0x646f72616e646f6dULL ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ULL ^ k[0], v3 = 0x7465646279746573ULL ^ k[1];
	uint64_t b = (uint64_t)nwords * 8 << 56;

	for (unsigned i = 0; i < nwords; i++) {
		v3 ^= w[i];
		SIPROUND;
		SIPROUND;
		v0 ^= w[i];
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
tcp_isn(const struct tcp_key *k, uint64_t now_us)
{
	uint64_t w[5];

	memcpy(w, k, sizeof(w));
	/* M: a 4-microsecond clock (RFC 6528 3, RFC 9293 3.4.1). */
	return (uint32_t)(now_us / 4) + (uint32_t)siphash24(w, 5, isn_key);
}

int
tcp_global_init(void)
{
	if (getrandom(isn_key, sizeof(isn_key), 0) != sizeof(isn_key) ||
	    getrandom(cookie_key, sizeof(cookie_key), 0) != sizeof(cookie_key))
		return -errno ? -errno : -EIO;
	return 0;
}

/* SYN cookies (RFC 4987), the Linux/FreeBSD encoding ---------------------- */

static const uint16_t cookie_mss[TCP_COOKIE_NMSS] = { 536, 1220, 1300, 1440, 1460 };

uint16_t
tcp_cookie_mss(unsigned idx)
{
	return cookie_mss[idx < TCP_COOKIE_NMSS ? idx : 0];
}

unsigned
tcp_cookie_mss_idx(uint32_t mss)
{
	unsigned i = TCP_COOKIE_NMSS - 1;

	while (i > 0 && cookie_mss[i] > mss)
		i--;
	return i;
}

/* F(key, 4-tuple, c): c = UINT64_MAX for the tuple-only hash. */
static uint32_t
cookie_hash(const struct tcp_key *k, uint64_t c)
{
	uint64_t w[6];

	memcpy(w, k, 40);
	w[5] = c;
	return (uint32_t)siphash24(w, 6, cookie_key);
}

static inline uint32_t
cookie_count(uint64_t now_ms)
{
	return (uint32_t)(now_ms >> TCP_COOKIE_PERIOD_SHIFT);
}

/* cookie = H1(tuple) + peer ISN + (count << 24) + ((H2(tuple, count) + mss
 * index) mod 2^24). */
uint32_t
tcp_cookie_make(const struct tcp_key *k, uint32_t peer_isn, uint64_t now_ms, unsigned mss_idx)
{
	uint32_t c = cookie_count(now_ms);

	return cookie_hash(k, UINT64_MAX) + peer_isn + (c << 24) +
	       ((cookie_hash(k, c) + mss_idx) & 0xffffff);
}

int
tcp_cookie_check(const struct tcp_key *k, uint32_t peer_isn, uint32_t cookie, uint64_t now_ms)
{
	uint32_t now = cookie_count(now_ms), v = cookie - cookie_hash(k, UINT64_MAX) - peer_isn;
	uint32_t age = (now - (v >> 24)) & 0xff, idx;

	if (age >= TCP_COOKIE_MAX_AGE)
		return -1;
	idx = (v - cookie_hash(k, now - age)) & 0xffffff;
	return idx < TCP_COOKIE_NMSS ? (int)idx : -1;
}

uint32_t
tcp_cookie_tsval(uint64_t now_ms, int wscale, bool sack_ok)
{
	uint32_t now = (uint32_t)now_ms;
	uint32_t ts = (now & ~0x1fu) | (wscale >= 0 ? (uint32_t)wscale : 0xfu) |
		      (sack_ok ? 0x10u : 0);

	return SEQ_GT(ts, now) ? ts - 0x20 : ts;
}

void
tcp_cookie_ts_opts(uint32_t tsecr, int *wscale, bool *sack_ok)
{
	*wscale = (tsecr & 0xf) <= 14 ? (int)(tsecr & 0xf) : -1;
	*sack_ok = tsecr & 0x10;
}

/* Per-source counts ------------------------------------------------------- */

static inline uint32_t
src_slot(const uint8_t *addr, uint8_t family)
{
	return rte_jhash(addr, 16, family) & (TCP_SRC_SLOTS - 1);
}

struct tcp_src *
tcp_src_get(struct tcp_worker *tw, const struct tcp_key *k, bool create)
{
	uint32_t i = src_slot(k->raddr, k->family);

	for (uint32_t n = 0; n < TCP_SRC_SLOTS; n++, i = (i + 1) & (TCP_SRC_SLOTS - 1)) {
		struct tcp_src *e = &tw->src[i];

		if (e->family == 0) {
			if (!create)
				return NULL;
			memset(e, 0, sizeof(*e));
			memcpy(e->addr, k->raddr, 16);
			e->family = k->family;
			return e;
		}
		if (e->family == k->family && memcmp(e->addr, k->raddr, 16) == 0)
			return e;
	}
	return NULL;
}

/* Free an entry whose counts are zero (backward-shift deletion keeps every
 * probe sequence unbroken). */
static void
src_put(struct tcp_worker *tw, struct tcp_src *e)
{
	uint32_t i = (uint32_t)(e - tw->src), j = i;

	if (e->half_open || e->conns)
		return;
	for (;;) {
		j = (j + 1) & (TCP_SRC_SLOTS - 1);
		if (tw->src[j].family == 0)
			break;
		uint32_t h = src_slot(tw->src[j].addr, tw->src[j].family);

		/* Move j to i unless its home lies cyclically in (i, j]. */
		if ((i < j) ? (h <= i || h > j) : (h <= i && h > j)) {
			tw->src[i] = tw->src[j];
			i = j;
		}
	}
	tw->src[i].family = 0;
}

void
tcp_half_open_add(struct tcp_conn *c)
{
	struct tcp_src *e = tcp_src_get(c->tw, &c->key, true);

	c->flags |= TF_HALF_OPEN;
	c->tw->n_half_open++;
	if (e != NULL)
		e->half_open++;
}

static void
half_open_done(struct tcp_conn *c, struct tcp_src *e)
{
	if (!(c->flags & TF_HALF_OPEN))
		return;
	c->flags &= ~TF_HALF_OPEN;
	c->tw->n_half_open--;
	if (e != NULL && e->half_open)
		e->half_open--;
}

void
tcp_conn_established(struct tcp_conn *c)
{
	struct tcp_src *e = tcp_src_get(c->tw, &c->key, true);

	half_open_done(c, e);
	if (e != NULL && !(c->flags & TF_SRC_CONN)) {
		c->flags |= TF_SRC_CONN;
		e->conns++;
	}
}

static void
src_release(struct tcp_conn *c)
{
	struct tcp_src *e;

	if (!(c->flags & (TF_HALF_OPEN | TF_SRC_CONN)))
		return;
	e = tcp_src_get(c->tw, &c->key, false);
	half_open_done(c, e);
	if (c->flags & TF_SRC_CONN) {
		c->flags &= ~TF_SRC_CONN;
		if (e != NULL && e->conns)
			e->conns--;
	}
	if (e != NULL)
		src_put(c->tw, e);
}

/* Pool and table ------------------------------------------------------------ */

int
tcp_worker_init(struct worker *w)
{
	int socket = rte_lcore_to_socket_id(w->lcore);
	struct rte_hash_parameters hp = {
		.entries = TCP_MAX_CONNS * 2,
		.key_len = sizeof(struct tcp_key),
		.hash_func = rte_jhash,
		.socket_id = socket,
	};
	struct tcp_worker *tw;
	char name[RTE_MEMZONE_NAMESIZE];

	RTE_BUILD_BUG_ON(sizeof(struct tcp_key) != 40);
	RTE_BUILD_BUG_ON((TCP_WHEEL_SLOTS & (TCP_WHEEL_SLOTS - 1)) != 0);
	tw = rte_zmalloc_socket("tcp_worker", sizeof(*tw), RTE_CACHE_LINE_SIZE, socket);
	if (tw == NULL)
		return -ENOMEM;
	tw->w = w;
	tw->conns = rte_zmalloc_socket("tcp_conns", sizeof(*tw->conns) * TCP_MAX_CONNS,
				       RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "tcp_tbl_%u", w->id);
	hp.name = name;
	tw->table = tw->conns ? rte_hash_create(&hp) : NULL;
	snprintf(name, sizeof(name), "tcp_buf_%u", w->id);
	tw->buf_pool = tw->table ? rte_pktmbuf_pool_create(name, TCP_BUF_MBUFS, 256, 0,
					RTE_MBUF_DEFAULT_BUF_SIZE, socket) : NULL;
	snprintf(name, sizeof(name), "tcp_ind_%u", w->id);
	/* Bufferless: each only points into a send-queue mbuf. */
	tw->ind_pool = tw->buf_pool ? rte_pktmbuf_pool_create(name, TCP_IND_MBUFS, 256, 0, 0,
							      socket) : NULL;
	tw->src = tw->ind_pool ? rte_zmalloc_socket("tcp_src", sizeof(*tw->src) * TCP_SRC_SLOTS,
						    RTE_CACHE_LINE_SIZE, socket) : NULL;
	if (tw->src == NULL) {
		rte_mempool_free(tw->ind_pool);
		rte_mempool_free(tw->buf_pool);
		rte_hash_free(tw->table);
		rte_free(tw->conns);
		rte_free(tw);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++) {
		tw->conns[i].idx = i;
		tw->conns[i].next_free = i + 1 < TCP_MAX_CONNS ? i + 1 : TCP_NO_IDX;
	}
	tw->free_head = 0;
	tw->reap_head = TCP_NO_IDX;
	tw->tsc_per_ms = rte_get_tsc_hz() / 1000;
	if (tw->tsc_per_ms == 0)
		tw->tsc_per_ms = 1;
	tw->now_ms = tw->wheel_ms = rte_get_tsc_cycles() / tw->tsc_per_ms;
	tw->services_gen = UINT64_MAX;
	/* Start active opens at a random point of the ephemeral range (RFC
	 * 6056 in its simplest form: the ISN keeps the rest unguessable). */
	tw->eph_cursor = (uint16_t)(rte_rand() % (TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1));
	w->tcp = tw;
	return 0;
}

static void
conn_drop_buffers(struct tcp_conn *c)
{
	tcp_mq_free(&c->rcvq);
	tcp_mq_free(&c->sndq);
	for (unsigned i = 0; i < c->n_ooo; i++)
		for (struct rte_mbuf *m = c->ooo[i].m, *next; m; m = next) {
			next = m->next;
			rte_pktmbuf_free_seg(m);
		}
	c->n_ooo = 0;
	c->ooo_bytes = 0;
}

void
tcp_worker_fini(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;

	if (tw == NULL)
		return;
	for (uint32_t i = 0; i < TCP_MAX_CONNS; i++)
		conn_drop_buffers(&tw->conns[i]);
	rte_hash_free(tw->table);
	rte_mempool_free(tw->buf_pool);
	rte_mempool_free(tw->ind_pool);
	rte_free(tw->src);
	rte_free(tw->conns);
	rte_free(tw);
	w->tcp = NULL;
}

struct tcp_conn *
tcp_conn_lookup(struct tcp_worker *tw, const struct tcp_key *k)
{
	void *data;

	if (rte_hash_lookup_data(tw->table, k, &data) < 0)
		return NULL;
	return &tw->conns[(uintptr_t)data];
}

struct tcp_conn *
tcp_conn_create(struct tcp_worker *tw, const struct tcp_key *k, uint32_t limit)
{
	struct tcp_conn *c;
	uint32_t idx = tw->free_head;

	if (idx == TCP_NO_IDX || tw->nconns >= limit)
		return NULL;
	c = &tw->conns[idx];
	if (rte_hash_add_key_data(tw->table, k, (void *)(uintptr_t)idx) != 0)
		return NULL;
	tw->free_head = c->next_free;
	tw->nconns++;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->key = *k;
	c->tw = tw;
	c->next_free = TCP_NO_IDX;
	return c;
}

void
tcp_conn_notify_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	if (c->flags & TF_APP_DONE)
		return;
	c->flags |= TF_APP_DONE;
	if (c->ops && c->ops->on_closed && c->state != TCP_SYN_RECEIVED)
		c->ops->on_closed(c, why);
}

void
tcp_conn_release(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct tcp_worker *tw = c->tw;

	if (c->flags & TF_REAP)
		return;
	rte_hash_del_key(tw->table, &c->key);
	src_release(c);
	c->t_rto = c->t_delack = c->t_2msl = c->t_keep = c->t_rack = 0;
	tcp_timer_remove(c);
	tcp_rx_unhold(c, c->rx_mbufs);
	conn_drop_buffers(c);
	tcp_conn_notify_closed(c, why);
	c->state = TCP_CLOSED;
	c->flags |= TF_REAP;
	c->next_free = tw->reap_head;
	tw->reap_head = c->idx;
	cnt_add(&tw->w->cnt, CNT_TCP_CLOSED, 1);
}

void
tcp_conn_reap(struct tcp_worker *tw)
{
	while (tw->reap_head != TCP_NO_IDX) {
		struct tcp_conn *c = &tw->conns[tw->reap_head];

		tw->reap_head = c->next_free;
		c->flags = 0;
		c->ops = NULL;
		c->next_free = tw->free_head;
		tw->free_head = c->idx;
		tw->nconns--;
	}
}

uint32_t
tcp_conn_count(const struct worker *w)
{
	return w->tcp ? w->tcp->nconns : 0;
}

const char *
tcp_state_name(enum tcp_state s)
{
	static const char *const names[TCP_STATE__MAX] = {
		[TCP_CLOSED] = "CLOSED", [TCP_SYN_RECEIVED] = "SYN-RECEIVED",
		[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN-WAIT-1",
		[TCP_FIN_WAIT_2] = "FIN-WAIT-2", [TCP_CLOSING] = "CLOSING",
		[TCP_TIME_WAIT] = "TIME-WAIT", [TCP_CLOSE_WAIT] = "CLOSE-WAIT",
		[TCP_LAST_ACK] = "LAST-ACK", [TCP_SYN_SENT] = "SYN-SENT",
	};

	return (unsigned)s < TCP_STATE__MAX ? names[s] : "?";
}

/* Byte queues ---------------------------------------------------------------- */

void
tcp_mq_push(struct tcp_mq *q, struct rte_mbuf *m)
{
	m->next = NULL;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->bytes += rte_pktmbuf_data_len(m);
}

void
tcp_mq_drop(struct tcp_mq *q, uint32_t n)
{
	while (n && q->head) {
		struct rte_mbuf *m = q->head;
		uint32_t len = rte_pktmbuf_data_len(m);

		/* Acknowledged mbufs are cold (sent an RTT ago) and the walk
		 * is serial: fetch the next one's two lines while this one is
		 * freed. */
		if (m->next != NULL && n > len) {
			rte_prefetch0(m->next);
			rte_prefetch0(&m->next->next);
		}
		if (n < len) {
			rte_pktmbuf_adj(m, n);
			q->bytes -= n;
			/* The head's first byte stays at offset 0. */
			if (q->cur && q->cur != m)
				q->cur_off -= n;
			return;
		}
		n -= len;
		q->bytes -= len;
		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		if (q->cur == m)
			q->cur = NULL;
		else if (q->cur)
			q->cur_off -= len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
}

void
tcp_mq_free(struct tcp_mq *q)
{
	tcp_mq_drop(q, q->bytes);
	/* Empty mbufs (a tail with no bytes yet) may remain. */
	while (q->head) {
		struct rte_mbuf *m = q->head;

		q->head = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	q->tail = NULL;
	q->bytes = 0;
	q->cur = NULL;
	q->cur_off = 0;
}

void
tcp_mq_copy(struct tcp_mq *q, uint32_t off, void *dst, uint32_t n)
{
	struct rte_mbuf *m = q->head;
	uint32_t base = 0;         /* queue offset of m's first byte */
	uint8_t *d = dst;

	if (q->cur && off >= q->cur_off) {
		m = q->cur;
		base = q->cur_off;
	}
	while (m && off - base >= rte_pktmbuf_data_len(m)) {
		base += rte_pktmbuf_data_len(m);
		m = m->next;
	}
	off -= base;
	while (n && m) {
		uint32_t len = rte_pktmbuf_data_len(m);
		uint32_t k = RTE_MIN(n, len - off);

		memcpy(d, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), k);
		d += k;
		n -= k;
		off += k;
		/* Stay on the last mbuf: the next copy starts in or after it. */
		if (off < len || m->next == NULL)
			break;
		base += len;
		off = 0;
		m = m->next;
	}
	if (m) {
		q->cur = m;
		q->cur_off = base;
	}
}

struct rte_mbuf *
tcp_mq_ref(struct tcp_mq *q, uint32_t off, uint32_t n, struct rte_mempool *pool,
	   unsigned max_parts)
{
	struct rte_mbuf *m = q->head, *first = NULL, *last = NULL;
	uint32_t base = 0, total = n;  /* base: queue offset of m's first byte */
	unsigned parts = 0;

	if (q->cur && off >= q->cur_off) {
		m = q->cur;
		base = q->cur_off;
	}
	while (m && off - base >= rte_pktmbuf_data_len(m)) {
		base += rte_pktmbuf_data_len(m);
		m = m->next;
	}
	off -= base;
	while (n && m) {
		uint32_t len = rte_pktmbuf_data_len(m);
		uint32_t k = RTE_MIN(n, len - off);
		struct rte_mbuf *mi = parts < max_parts ? rte_pktmbuf_alloc(pool) : NULL;

		if (mi == NULL) {
			rte_pktmbuf_free(first);
			return NULL;
		}
		/* mi shares m's buffer (refcount), so the bytes outlive m
		 * leaving the queue and m outlives mi; only the range counts. */
		rte_pktmbuf_attach(mi, m);
		mi->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
		mi->data_off = (uint16_t)(mi->data_off + off);
		mi->data_len = (uint16_t)k;
		mi->pkt_len = k;
		if (last)
			last->next = mi;
		else
			first = mi;
		last = mi;
		parts++;
		n -= k;
		off += k;
		if (off < len || m->next == NULL)
			break;
		base += len;
		off = 0;
		m = m->next;
	}
	if (first == NULL || n) {      /* the caller checked the range */
		rte_pktmbuf_free(first);
		return NULL;
	}
	first->nb_segs = (uint16_t)parts;
	first->pkt_len = total;
	q->cur = m;
	q->cur_off = base;
	return first;
}

/* Take up to max bytes of whole mbufs from q's head as a chain; when not even
 * the first fits and max is at least TCP_COLLAPSE_MAX, its first max bytes
 * by reference (an indirect mbuf from ind, else a copy into one of cpy;
 * NULL when both are empty). The floor keeps a peer that opens the window
 * a few bytes at a time from filling a send queue with tiny mbufs: every
 * mbuf this moves holds more than TCP_COLLAPSE_MAX bytes or is a whole
 * received one (which tcp_input's collapsing bounds the same way). */
static struct rte_mbuf *
mq_take(struct tcp_mq *q, uint32_t max, struct rte_mempool *ind, struct rte_mempool *cpy)
{
	struct rte_mbuf *first = NULL, *last = NULL, *m;
	uint32_t got = 0;
	uint16_t segs = 0;

	while ((m = q->head) != NULL && rte_pktmbuf_data_len(m) <= max - got) {
		uint32_t len = rte_pktmbuf_data_len(m);

		q->head = m->next;
		if (q->head == NULL)
			q->tail = NULL;
		if (q->cur == m)
			q->cur = NULL;
		else if (q->cur)
			q->cur_off -= len;
		q->bytes -= len;
		m->next = NULL;
		if (len == 0) {        /* an empty tail left by a write */
			rte_pktmbuf_free_seg(m);
			continue;
		}
		m->nb_segs = 1;
		m->pkt_len = len;
		if (last)
			last->next = m;
		else
			first = m;
		last = m;
		got += len;
		segs++;
	}
	if (first == NULL && (m = q->head) != NULL && max >= TCP_COLLAPSE_MAX) {
		struct rte_mbuf *part = rte_pktmbuf_alloc(ind);

		if (part != NULL) {
			rte_pktmbuf_attach(part, m);
			part->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
		} else if ((part = rte_pktmbuf_alloc(cpy)) != NULL) {
			part->data_off = 0;
			max = RTE_MIN(max, (uint32_t)rte_pktmbuf_tailroom(part));
			memcpy(rte_pktmbuf_mtod(part, void *), rte_pktmbuf_mtod(m, const void *), max);
		} else {
			return NULL;
		}
		part->data_len = (uint16_t)max;
		part->pkt_len = max;
		tcp_mq_drop(q, max);
		first = part;
		got = max;
		segs = 1;
	}
	if (first) {
		first->nb_segs = segs;
		first->pkt_len = got;
	}
	return first;
}

uint32_t
tcp_rcv_wnd(const struct tcp_conn *c)
{
	uint32_t space = c->rcvbuf > c->rcvq.bytes ? c->rcvbuf - c->rcvq.bytes : 0;
	uint32_t adv = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

	return RTE_MAX(space, adv);
}

/* Application side ------------------------------------------------------------ */

void
tcp_app_readable(struct tcp_conn *c)
{
	if (c->ops == NULL || c->ops->on_readable == NULL || (c->flags & (TF_APP_DONE | TF_IN_APP)))
		return;
	c->flags |= TF_IN_APP;
	c->ops->on_readable(c);
	c->flags &= ~TF_IN_APP;
}

void
tcp_app_writable(struct tcp_conn *c)
{
	if (!(c->flags & TF_WANT_WRITE) || c->ops == NULL || c->ops->on_writable == NULL ||
	    (c->flags & (TF_APP_DONE | TF_IN_APP)))
		return;
	c->flags &= ~TF_WANT_WRITE;
	c->flags |= TF_IN_APP;
	c->ops->on_writable(c);
	c->flags &= ~TF_IN_APP;
}

uint32_t
tcp_rx_avail(const struct tcp_conn *c)
{
	return c->rcvq.bytes;
}

bool
tcp_rx_eof(const struct tcp_conn *c)
{
	return (c->flags & TF_FIN_RCVD) && c->rcvq.bytes == 0;
}

/* The application consumed bytes: the window was `before`. */
static void
rcv_consumed(struct tcp_conn *c, uint32_t before)
{
	uint32_t after = tcp_rcv_wnd(c);

	/* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): update the peer once
	 * the window grew by min(half the buffer, 2 MSS)... or from zero. */
	if (!(c->flags & TF_FIN_RCVD) &&
	    (after - before >= RTE_MIN(c->rcvbuf / 2, 2u * c->rmss) || before < c->rmss)) {
		c->flags |= TF_ACK_NOW;
		if (!(c->flags & TF_IN_APP))
			tcp_output(c);
	}
}

size_t
tcp_read(struct tcp_conn *c, void *buf, size_t len)
{
	uint32_t n = RTE_MIN((uint32_t)RTE_MIN(len, (size_t)UINT32_MAX), c->rcvq.bytes);
	uint32_t before;

	if (n == 0)
		return 0;
	before = tcp_rcv_wnd(c);
	tcp_mq_copy(&c->rcvq, 0, buf, n);
	tcp_rx_unhold(c, tcp_rcvq_whole(c, n));
	tcp_mq_drop(&c->rcvq, n);
	rcv_consumed(c, before);
	return n;
}

struct rte_mbuf *
tcp_read_mbuf(struct tcp_conn *c, uint32_t max)
{
	struct rte_mbuf *m;
	uint32_t before, whole;

	if (c->rcvq.bytes == 0 || max == 0)
		return NULL;
	before = tcp_rcv_wnd(c);
	whole = tcp_rcvq_whole(c, max);   /* what mq_take moves out whole */
	m = mq_take(&c->rcvq, max, c->tw->ind_pool, c->tw->buf_pool);
	if (m != NULL)
		tcp_rx_unhold(c, whole);
	if (m == NULL) {           /* the head did not fit: split or wait */
		if (max >= TCP_COLLAPSE_MAX)
			cnt_add(&c->tw->w->cnt, CNT_TCP_ERR_SNDBUF_POOL, 1);
		return NULL;
	}
	rcv_consumed(c, before);
	return m;
}

uint32_t
tcp_send_space(const struct tcp_conn *c)
{
	if (c->flags & TF_FIN_QUEUED)
		return 0;
	if (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT)
		return 0;
	return c->sndbuf > c->sndq.bytes ? c->sndbuf - c->sndq.bytes : 0;
}

size_t
tcp_write(struct tcp_conn *c, const void *buf, size_t len)
{
	struct tcp_mq *q = &c->sndq;
	const uint8_t *s = buf;
	size_t done = 0, want = len;

	len = RTE_MIN(len, (size_t)tcp_send_space(c));
	while (done < len) {
		struct rte_mbuf *t = q->tail;
		uint32_t k;
		char *d;

		/* Append only to our own send mbufs: an application's mbuf
		 * (tcp_write_mbuf) may share its buffer with others. */
		if (t == NULL || t->pool != c->tw->buf_pool || !RTE_MBUF_DIRECT(t) ||
		    rte_pktmbuf_tailroom(t) == 0) {
			t = rte_pktmbuf_alloc(c->tw->buf_pool);
			if (t == NULL) {
				cnt_add(&c->tw->w->cnt, CNT_TCP_ERR_SNDBUF_POOL, 1);
				break;
			}
			rte_pktmbuf_reset_headroom(t);
			t->data_off = 0;
			tcp_mq_push(q, t);
		}
		k = RTE_MIN((size_t)rte_pktmbuf_tailroom(t), len - done);
		d = rte_pktmbuf_append(t, k);
		memcpy(d, s + done, k);
		q->bytes += k;
		done += k;
	}
	if (done < want)
		c->flags |= TF_WANT_WRITE;
	/* Inside a callback the stack sends once the callback returns, so
	 * that several writes (and a close) leave as full segments. */
	if (done && !(c->flags & TF_IN_APP))
		tcp_output(c);
	return done;
}

int
tcp_write_mbuf(struct tcp_conn *c, struct rte_mbuf *m)
{
	uint32_t len = 0;

	for (struct rte_mbuf *s = m; s; s = s->next)
		len += rte_pktmbuf_data_len(s);
	if ((c->flags & TF_FIN_QUEUED) ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return -EPIPE;
	if (len > tcp_send_space(c)) {
		c->flags |= TF_WANT_WRITE;
		return -ENOBUFS;
	}
	while (m) {
		struct rte_mbuf *next = m->next;

		if (rte_pktmbuf_data_len(m) == 0) {
			m->next = NULL;
			rte_pktmbuf_free_seg(m);
		} else {
			m->nb_segs = 1;
			m->pkt_len = rte_pktmbuf_data_len(m);
			tcp_mq_push(&c->sndq, m);
		}
		m = next;
	}
	if (len && !(c->flags & TF_IN_APP))
		tcp_output(c);
	return 0;
}

int
tcp_close(struct tcp_conn *c)
{
	if (c->flags & TF_FIN_QUEUED)
		return -EALREADY;
	/* RFC 9293 3.10.4: closing in SYN-SENT deletes the connection; the
	 * peer heard nothing but a SYN it may answer with an RST. */
	if (c->state == TCP_SYN_SENT) {
		tcp_conn_release(c, TCP_CLOSE_ABORT);
		return 0;
	}
	c->flags |= TF_FIN_QUEUED;
	if (c->state == TCP_ESTABLISHED)
		c->state = TCP_FIN_WAIT_1;
	else if (c->state == TCP_CLOSE_WAIT)
		c->state = TCP_LAST_ACK;
	if (!(c->flags & TF_IN_APP))
		tcp_output(c);
	return 0;
}

void
tcp_abort(struct tcp_conn *c)
{
	if (c->state == TCP_CLOSED || (c->flags & TF_REAP))
		return;
	/* RFC 9293 3.10.5: in SYN-SENT there is nothing to reset. */
	if (c->state != TCP_SYN_SENT)
		tcp_send_rst_conn(c);
	tcp_conn_release(c, TCP_CLOSE_ABORT);
}

/* Listeners -------------------------------------------------------------------- */

int
tcp_listen(struct worker *w, uint16_t port, const struct tcp_app_ops *ops)
{
	struct tcp_worker *tw = w->tcp;

	for (unsigned i = 0; i < tw->nlisteners; i++)
		if (tw->listeners[i].port == port)
			return -EEXIST;
	if (tw->nlisteners == TCP_MAX_LISTENERS)
		return -ENOSPC;
	tw->listeners[tw->nlisteners++] = (struct tcp_listener){ port, false, ops };
	return 0;
}

int
tcp_unlisten(struct worker *w, uint16_t port)
{
	struct tcp_worker *tw = w->tcp;

	for (unsigned i = 0; i < tw->nlisteners; i++)
		if (tw->listeners[i].port == port) {
			tw->listeners[i] = tw->listeners[--tw->nlisteners];
			return 0;
		}
	return -ENOENT;
}
