/* SPDX-License-Identifier: Proprietary
 * RACK loss detection (RFC 8985 6) for SACK connections: data is lost when
 * data sent after it was delivered and it is older than that delivery's RTT
 * plus a reordering window, not when three segments above it arrived, so
 * reordering by a few milliseconds no longer starts a recovery per event.
 *
 * The reordering window (RACK.reo_wnd) is 0 until reordering is seen (in
 * recovery or with DupThresh segments SACKed), else the larger of
 *   reo_mult * max(min_RTT / 4, 1 ms), bounded by SRTT (RFC 8985 6.2 step 4;
 *       reo_mult grows by one per round trip with a D-SACK of one of our
 *       retransmissions), and
 *   the largest reordering measured, in send time: how much earlier than
 *       the latest delivered data a late, never retransmitted range was
 *       sent, or for a D-SACKed retransmission how long the original took
 *       beyond the minimum RTT,
 * at most TCP_REO_WND_MAX_MS; both fall back after 16 recoveries without
 * reordering (RFC 8985 reo_wnd_persist).
 *
 * Send times come from a log of TCP_RACK_LOG records per connection: first
 * transmissions in the same millisecond share one, and sequence order is
 * send order. When the log is full the newest record absorbs more sends and
 * takes the later time, which can only delay a detection (the RTO and the
 * tail loss probe remain). Retransmissions are not logged: a lost
 * retransmission is left to the RTO. All per connection, on its worker.
 */
#include "tcp/tcp_p.h"

#define REO_PERSIST  16         /* RFC 8985 6.2 step 4 */
#define REO_MULT_MAX 64
#define DUPTHRESH    3

static inline unsigned
slot(const struct tcp_recovery *r, unsigned i)
{
	return (r->log_head + i) % TCP_RACK_LOG;
}

/* Send time of seq's first transmission; false when not logged. */
static bool
sent_ms(const struct tcp_recovery *r, uint32_t seq, uint32_t *ms)
{
	if (SEQ_LT(seq, r->log_start))
		return false;
	for (unsigned i = 0; i < r->log_n; i++) {
		unsigned k = slot(r, i);

		if (SEQ_LT(seq, r->log[k].end)) {
			*ms = r->log[k].ms;
			return true;
		}
	}
	return false;
}

/* Milliseconds from a to b, 0 when b is not later. */
static inline uint32_t
ms_since(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) > 0 ? b - a : 0;
}

bool
tcp_sb_uncovered(const struct tcp_recovery *r, uint32_t s, uint32_t e, uint32_t *lo,
		 uint32_t *hi)
{
	/* Ranges are sorted and disjoint (merged when touching). */
	for (unsigned i = 0; i < r->n; i++) {
		if (SEQ_LEQ(r->sb[i].end, s))
			continue;
		if (SEQ_LEQ(r->sb[i].start, s)) {
			s = r->sb[i].end;
			continue;
		}
		break;
	}
	for (unsigned i = r->n; i-- > 0;) {
		if (SEQ_GEQ(r->sb[i].start, e))
			continue;
		if (SEQ_GEQ(r->sb[i].end, e)) {
			e = r->sb[i].start;
			continue;
		}
		break;
	}
	if (!SEQ_LT(s, e))
		return false;
	*lo = s;
	*hi = e;
	return true;
}

static void
rack_start(struct tcp_recovery *r, uint32_t seq)
{
	r->rack = true;
	r->log_start = seq;
	r->log_n = 0;
	r->rack_end = seq;
	r->lost_end = seq;
	r->min_rtt_ms = UINT32_MAX;
	r->dsack_round = seq;
	r->reo_mult = 1;
	r->reo_persist = REO_PERSIST;
}

void
tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct tcp_recovery *r = &c->rec;
	uint32_t now = (uint32_t)tcp_now(c->tw), end = seq + len, last_end;
	unsigned last;

	if (unlikely(!r->rack)) {
		if (!(c->flags & TF_SACK_OK) || len == 0)
			return;
		rack_start(r, seq);
		r->high_rxt = c->snd_una;     /* nothing retransmitted yet */
	}
	last = r->log_n ? slot(r, r->log_n - 1) : 0;
	last_end = r->log_n ? r->log[last].end : r->log_start;
	if (!SEQ_GT(end, last_end)) {
		/* A retransmission: remember it for the D-SACK that may
		 * prove it needless. */
		uint32_t orig = now;
		unsigned k = r->rx_next++ % TCP_RACK_RX;

		sent_ms(r, seq, &orig);
		if (r->sending_probe)
			r->rx_probe |= (uint8_t)(1u << k);
		else
			r->rx_probe &= (uint8_t)~(1u << k);
		r->rx[k].start = seq;
		r->rx[k].end = end;
		r->rx[k].orig_ms = orig;
		return;
	}
	if (r->log_n && (r->log[last].ms == now || r->log_n == TCP_RACK_LOG)) {
		r->log[last].end = end;
		r->log[last].ms = now;
		return;
	}
	last = slot(r, r->log_n++);
	r->log[last].end = end;
	r->log[last].ms = now;
}

/* The bytes below SND.UNA or a retransmission's start that RACK can judge:
 * retransmitted ones are not (RFC 8985 6.2 step 2, RACK ignores them). */
static inline uint32_t
judged_from(const struct tcp_conn *c)
{
	return SEQ_GT(c->rec.high_rxt, c->snd_una) ? c->rec.high_rxt : c->snd_una;
}

void
tcp_rack_delivered(struct tcp_conn *c, uint32_t lo, uint32_t hi)
{
	struct tcp_recovery *r = &c->rec;
	uint32_t now = (uint32_t)tcp_now(c->tw), from = judged_from(c), t_hi, t_lo, rtt;

	if (!r->rack)
		return;
	if (SEQ_LT(lo, from))
		lo = from;
	if (!SEQ_LT(lo, hi) || !sent_ms(r, hi - 1, &t_hi))
		return;
	/* RFC 8985 6.2 step 2: data delivered below RACK.fack that was never
	 * retransmitted arrived out of order. Measure by how much. */
	if (SEQ_LT(lo, r->fack_prev) && sent_ms(r, lo, &t_lo)) {
		uint32_t extent = ms_since(t_lo, r->xmit_prev) + 1;

		if (!r->reo_seen)
			worker_count(c->tw->w, CNT_TCP_REORDER_SEEN);
		r->reo_seen = true;
		r->reo_persist = REO_PERSIST;
		r->reo_extent_ms = (uint16_t)RTE_MAX((uint32_t)r->reo_extent_ms,
						     RTE_MIN(extent, (uint32_t)TCP_REO_WND_MAX_MS));
	}
	rtt = ms_since(t_hi, now);
	r->min_rtt_ms = RTE_MIN(r->min_rtt_ms, rtt);
	if (!r->rack_valid || SEQ_GT(hi, r->rack_end)) {
		r->rack_valid = true;
		r->rack_end = hi;
		r->rack_xmit_ms = t_hi;
		r->rack_rtt_ms = rtt;
	}
}

void
tcp_rack_dsack(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	struct tcp_recovery *r = &c->rec;
	uint32_t now = (uint32_t)tcp_now(c->tw);

	worker_count(c->tw->w, CNT_TCP_DSACK_RECEIVED);
	for (unsigned i = 0; i < TCP_RACK_RX; i++) {
		uint32_t extent, min_rtt;

		if (r->rx[i].start == r->rx[i].end || !SEQ_LT(start, r->rx[i].end) ||
		    !SEQ_LT(r->rx[i].start, end))
			continue;
		/* Both copies arrived: our retransmission was not needed. */
		worker_count(c->tw->w, CNT_TCP_SPURIOUS_RETRANSMIT);
		r->rx[i].end = r->rx[i].start;
		/* A needless tail loss probe says nothing of reordering (RFC
		 * 8985 7.4): the tail was only slow to be acknowledged. */
		if (!r->rack || (r->rx_probe & (1u << i)))
			return;
		if (!r->reo_seen)
			worker_count(c->tw->w, CNT_TCP_REORDER_SEEN);
		r->reo_seen = true;
		r->reo_persist = REO_PERSIST;
		if (SEQ_GEQ(c->snd_una, r->dsack_round)) {
			r->dsack_round = c->snd_max;
			if (r->reo_mult < REO_MULT_MAX)
				r->reo_mult++;
		}
		/* The original arrived by the time this D-SACK left: at most
		 * this long beyond the minimum RTT. */
		min_rtt = r->min_rtt_ms == UINT32_MAX ? 0 : r->min_rtt_ms;
		extent = ms_since(r->rx[i].orig_ms + min_rtt, now) + 1;
		r->reo_extent_ms = (uint16_t)RTE_MAX((uint32_t)r->reo_extent_ms,
						     RTE_MIN(extent, (uint32_t)TCP_REO_WND_MAX_MS));
		return;
	}
}

uint32_t
tcp_rack_reo_wnd(const struct tcp_conn *c)
{
	const struct tcp_recovery *r = &c->rec;
	uint32_t min_rtt, base;

	if (!r->reo_seen && (r->active || r->sacked >= DUPTHRESH * (uint32_t)c->smss))
		return 0;
	min_rtt = r->min_rtt_ms == UINT32_MAX ? 0 : r->min_rtt_ms;
	base = RTE_MAX(min_rtt / 4, 1u) * r->reo_mult;
	if (c->srtt_x8)
		base = RTE_MIN(base, RTE_MAX(c->srtt_x8 / 8, 1u));
	return RTE_MIN(RTE_MAX(base, (uint32_t)r->reo_extent_ms), (uint32_t)TCP_REO_WND_MAX_MS);
}

void
tcp_rack_recovery_started(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;

	/* RFC 8985 6.2 step 4: a window grown by reordering shrinks back
	 * after 16 recoveries that showed none. */
	if (r->reo_persist && --r->reo_persist == 0) {
		r->reo_persist = REO_PERSIST;
		r->reo_mult = 1;
		r->reo_extent_ms = 0;
	}
}

void
tcp_rack_undo(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;

	/* The recovery was spurious: what RACK called lost was reordered. */
	r->lost_end = c->snd_una;
	if (!r->rack)
		return;
	r->reo_seen = true;
	r->reo_persist = REO_PERSIST;
	if (r->reo_mult < REO_MULT_MAX)
		r->reo_mult++;
}

void
tcp_rack_rto(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;

	/* Go-back-N sends everything again: start a new log from SND.UNA. */
	r->log_n = 0;
	r->log_start = c->snd_una;
	r->lost_end = c->snd_una;
	r->rack_valid = false;
	c->t_rack = 0;
}

bool
tcp_rack_detect(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;
	uint32_t now = (uint32_t)tcp_now(c->tw), wait, start, before;
	bool timer = c->t_rack != 0;

	if (!r->rack)
		return false;
	/* The log forgets what is acknowledged. */
	while (r->log_n && SEQ_LEQ(r->log[r->log_head].end, c->snd_una)) {
		r->log_start = r->log[r->log_head].end;
		r->log_head = (uint8_t)((r->log_head + 1) % TCP_RACK_LOG);
		r->log_n--;
	}
	if (SEQ_LT(r->lost_end, c->snd_una))
		r->lost_end = c->snd_una;
	before = r->lost_end;
	c->t_rack = 0;
	if (r->rack_valid) {
		/* RFC 8985 6.2 step 5: in send order, data sent before the
		 * latest delivery is lost once older than RACK.rtt + reo_wnd;
		 * the first not yet that old sets the reordering timer. */
		wait = r->rack_rtt_ms + tcp_rack_reo_wnd(c);
		start = r->log_start;
		for (unsigned i = 0; i < r->log_n; i++) {
			unsigned k = slot(r, i);
			uint32_t end = SEQ_LT(r->log[k].end, r->rack_end) ? r->log[k].end : r->rack_end;
			uint32_t deadline = r->log[k].ms + wait, lo, hi, from;

			if (!SEQ_LT(start, r->rack_end))
				break;
			if (SEQ_GT(end, r->lost_end)) {
				from = SEQ_GT(r->lost_end, start) ? r->lost_end : start;
				if ((int32_t)(now - deadline) >= 0) {
					r->lost_end = end;
				} else if (tcp_sb_uncovered(r, from, end, &lo, &hi)) {
					c->t_rack = tcp_now(c->tw) + (deadline - now);
					break;
				}
			}
			start = r->log[k].end;
		}
	}
	if (c->t_rack || timer)
		tcp_timer_update(c);
	if (r->lost_end == before)
		return false;
	worker_count(c->tw->w, CNT_TCP_RACK_LOST);
	if (!r->active)
		tcp_recovery_enter(c);
	return true;
}

void
tcp_rack_timer(struct tcp_conn *c)
{
	c->t_rack = 0;
	if (tcp_rack_detect(c))
		tcp_output(c);
}
