/* SPDX-License-Identifier: Proprietary
 * The impairment stage (port/impair.h): decisions, corruption, the held-frame
 * heap. Test configurations only; see the header for the contract.
 */
#include <string.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "port/impair.h"

#define PPM 1000000u

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and every seed is a
 * good one, which is all a replayable test needs. */
static inline uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* True with probability ppm / 10^6. */
static inline bool
hit(struct impair_dir *d, uint32_t ppm)
{
	uint64_t r = rng_next(&d->rng);

	return ppm && (uint32_t)(((r >> 32) * PPM) >> 32) < ppm;
}

void
impair_configure(struct impair *im, const struct snapshot *s, unsigned worker_id,
		  uint64_t tsc_hz)
{
	im->rx_ports = im->tx_ports = 0;
	im->tsc_hz = tsc_hz;
	for (unsigned p = 0; p < CFG_MAX_PORTS; p++)
		for (unsigned d = 0; d < 2; d++)
			im->d[p][d].on = false;
	for (unsigned i = 0; i < s->nimpair; i++) {
		const struct cfg_impair *r = &s->impair[i];
		struct impair_dir *d;

		if (r->port >= CFG_MAX_PORTS)
			continue;
		d = &im->d[r->port][r->dir];
		d->on = true;
		d->rule = *r;
		d->rng = (uint64_t)r->seed << 32 ^ (uint64_t)worker_id << 16 ^
			 (uint64_t)r->port << 1 ^ r->dir;
		rng_next(&d->rng);   /* spread nearby seeds apart */
		d->reorder_tsc = tsc_hz / 1000 * r->reorder_delay_ms;
		d->backlog_tsc = tsc_hz / 1000 * IMPAIR_RATE_BACKLOG_MS;
		d->next_free_tsc = 0;
		if (r->dir == CFG_IMPAIR_RX)
			im->rx_ports |= 1u << r->port;
		else
			im->tx_ports |= 1u << r->port;
	}
	im->gen = s->generation;
}

/* Offset of the L4 header in an IPv4/IPv6 frame, 0 when m is not one. */
static unsigned
l4_offset(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	unsigned len = rte_pktmbuf_data_len(m);

	if (len < sizeof(*eth) + sizeof(struct rte_ipv4_hdr))
		return 0;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);

		return sizeof(*eth) + rte_ipv4_hdr_len(ip);
	}
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6))
		return sizeof(*eth) + sizeof(struct rte_ipv6_hdr);
	return 0;
}

/* No segment of m shares its buffer (indirect, or a refcount above 1). */
static bool
frame_private(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) != 1)
			return false;
	return true;
}

/* Flip one byte of the IP payload (TCP/UDP header or data), in any segment
 * of a chain. A frame whose data another owner shares (TCP's zero-copy
 * segments reference the send queue) is copied first, so a queued original
 * (a send queue, a clone) is never damaged. Returns the frame to go on with
 * (NULL: it had to be freed) and counts in *corrupted whether it was
 * damaged. */
static struct rte_mbuf *
corrupt(struct impair_dir *d, struct rte_mbuf *m, unsigned l4, bool *corrupted)
{
	uint64_t r = rng_next(&d->rng);
	unsigned len = rte_pktmbuf_pkt_len(m), off;
	struct rte_mbuf *seg;
	uint8_t *p;

	*corrupted = false;
	/* A NIC that computes the checksum on tx would hide the damage. */
	if (l4 >= len || (m->ol_flags & RTE_MBUF_F_TX_L4_MASK))
		return m;
	if (!frame_private(m)) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

		if (c == NULL)
			return m;      /* no mbuf: leave it intact */
		rte_pktmbuf_free(m);
		m = c;
	}
	off = l4 + (unsigned)(r % (len - l4));
	for (seg = m; off >= rte_pktmbuf_data_len(seg); seg = seg->next)
		off -= rte_pktmbuf_data_len(seg);
	p = rte_pktmbuf_mtod_offset(seg, uint8_t *, off);
	*p ^= (uint8_t)(1 + (r >> 32) % 255);
	/* A checksum the NIC verified before the damage is void now. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_L4_CKSUM_MASK | RTE_MBUF_F_RX_IP_CKSUM_MASK);
	*corrupted = true;
	return m;
}

static inline bool
held_before(const struct impair_held *a, const struct impair_held *b)
{
	return a->due_tsc < b->due_tsc || (a->due_tsc == b->due_tsc && a->seq < b->seq);
}

static bool
heap_push(struct impair *im, const struct impair_held *h)
{
	uint32_t i;

	if (im->nheld == IMPAIR_QUEUE_MAX)
		return false;
	i = im->nheld++;
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!held_before(h, &im->heap[parent]))
			break;
		im->heap[i] = im->heap[parent];
		i = parent;
	}
	im->heap[i] = *h;
	return true;
}

static void
heap_pop(struct impair *im)
{
	struct impair_held last = im->heap[--im->nheld];
	uint32_t i = 0, n = im->nheld;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && held_before(&im->heap[c + 1], &im->heap[c]))
			c++;
		if (!held_before(&im->heap[c], &last))
			break;
		im->heap[i] = im->heap[c];
		i = c;
	}
	if (n)
		im->heap[i] = last;
}

bool
impair_pop_due(struct impair *im, uint64_t now, struct impair_held *out)
{
	if (im->nheld == 0 || im->heap[0].due_tsc > now)
		return false;
	*out = im->heap[0];
	heap_pop(im);
	return true;
}

void
impair_drain(struct impair *im)
{
	for (uint32_t i = 0; i < im->nheld; i++)
		rte_pktmbuf_free(im->heap[i].m);
	im->nheld = 0;
}

/* Rate and reordering for one frame: pass it (returns true) or hold it or
 * drop it (returns false). */
static bool
schedule(struct impair *im, struct impair_dir *d, struct counters *cnt, uint16_t port,
	 enum cfg_impair_dir dir, bool dispatch, struct rte_mbuf *m, uint64_t now)
{
	uint64_t due = now;
	struct impair_held h;

	if (d->rule.rate_kbps) {
		/* A line of rate_kbps: the frame starts when the line is free. */
		uint64_t start = RTE_MAX(now, d->next_free_tsc);
		uint64_t bits = (uint64_t)rte_pktmbuf_pkt_len(m) * 8;

		if (start - now > d->backlog_tsc) {
			cnt_add(cnt, CNT_PORT_IMPAIR_RATE_DROP, 1);
			rte_pktmbuf_free(m);
			return false;
		}
		d->next_free_tsc = start + bits * im->tsc_hz / ((uint64_t)d->rule.rate_kbps * 1000);
		due = start;
	}
	if (hit(d, d->rule.reorder_ppm)) {
		due += d->reorder_tsc;
		cnt_add(cnt, CNT_PORT_IMPAIR_REORDERED, 1);
	}
	/* Behind a held frame of a shaped line, wait in line to keep order. */
	if (due <= now && !(d->rule.rate_kbps && im->nheld))
		return true;
	h = (struct impair_held){ due, im->seq++, m, port, (uint8_t)dir, dispatch };
	if (!heap_push(im, &h)) {
		cnt_add(cnt, CNT_PORT_IMPAIR_QUEUE_FULL, 1);
		rte_pktmbuf_free(m);
	}
	return false;
}

unsigned
impair_frame(struct impair *im, struct counters *cnt, uint16_t port, enum cfg_impair_dir dir,
	     bool dispatch, struct rte_mbuf *m, uint64_t now, struct rte_mbuf *out[2])
{
	struct impair_dir *d = &im->d[port][dir];
	struct rte_mbuf *dup = NULL;
	unsigned l4, n = 0;
	bool corrupted;

	if (!d->on || (l4 = l4_offset(m)) == 0) {
		out[0] = m;
		return 1;
	}
	if (hit(d, d->rule.loss_ppm)) {
		cnt_add(cnt, CNT_PORT_IMPAIR_LOST, 1);
		rte_pktmbuf_free(m);
		return 0;
	}
	if (hit(d, d->rule.corrupt_ppm)) {
		m = corrupt(d, m, l4, &corrupted);
		if (corrupted)
			cnt_add(cnt, CNT_PORT_IMPAIR_CORRUPTED, 1);
	}
	/* The duplicate is a copy: the layers above may write into a frame
	 * they received, and each copy has its own owner. */
	if (hit(d, d->rule.dup_ppm)) {
		dup = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (dup != NULL)   /* the copy keeps port, flags and hash */
			cnt_add(cnt, CNT_PORT_IMPAIR_DUPLICATED, 1);
		else
			cnt_add(cnt, CNT_PORT_IMPAIR_NO_MBUF, 1);
	}
	if (schedule(im, d, cnt, port, dir, dispatch, m, now))
		out[n++] = m;
	if (dup != NULL && schedule(im, d, cnt, port, dir, dispatch, dup, now))
		out[n++] = dup;
	return n;
}
