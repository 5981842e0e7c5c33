/* SPDX-License-Identifier: Proprietary
 * Loss recovery on the sending side: the RFC 2018 / RFC 6675 SACK
 * scoreboard with pipe estimation and NextSeg, RFC 6582 NewReno fast
 * recovery with partial ACKs for peers without SACK, RFC 3042 limited
 * transmit and RFC 5827 early retransmit for small windows, RFC 8985 tail
 * loss probes, and RFC 5681 window growth outside recovery. With SACK,
 * what is lost is RACK's to say (tcp_rack.c), not DupThresh's.
 *
 * The scoreboard is at most TCP_SB_MAX ranges per connection (forgetting a
 * range only costs a needless retransmission); everything is per
 * connection, on its worker.
 */
#include <string.h>

#include "tcp/tcp_p.h"

#define DUPTHRESH 3             /* RFC 6675 2, RFC 5681 3.2 */

#define CWND_MAX  (16u << 20)

void
tcp_sb_reset(struct tcp_recovery *r)
{
	r->n = 0;
	r->sacked = 0;
}

void
tcp_sb_ack(struct tcp_recovery *r, uint32_t una)
{
	unsigned k = 0;

	r->sacked = 0;
	for (unsigned i = 0; i < r->n; i++) {
		uint32_t start = r->sb[i].start, end = r->sb[i].end;

		if (SEQ_LEQ(end, una))
			continue;
		if (SEQ_LT(start, una))
			start = una;
		r->sb[k].start = start;
		r->sb[k].end = end;
		r->sacked += end - start;
		k++;
	}
	r->n = (uint8_t)k;
}

int64_t
tcp_sb_add(struct tcp_recovery *r, uint32_t una, uint32_t snd_max, uint32_t start,
	   uint32_t end)
{
	uint32_t before = r->sacked;
	unsigned i, k;

	if (!SEQ_LT(start, end) || SEQ_GT(end, snd_max) || SEQ_LEQ(end, una))
		return -1;
	if (SEQ_LT(start, una))
		start = una;
	/* Ranges before the block stay; overlapping or touching ones merge
	 * into it; the rest move up by one. */
	for (i = 0; i < r->n && SEQ_LT(r->sb[i].end, start); i++)
		;
	for (k = i; k < r->n && SEQ_LEQ(r->sb[k].start, end); k++) {
		if (SEQ_LT(r->sb[k].start, start))
			start = r->sb[k].start;
		if (SEQ_GT(r->sb[k].end, end))
			end = r->sb[k].end;
	}
	/* Ranges i..k-1 are replaced by one. */
	if (k == i) {
		if (r->n == TCP_SB_MAX) {
			if (i == TCP_SB_MAX)
				return 0;      /* above all we keep: forget it */
			r->n--;                /* forget the highest */
		}
		memmove(&r->sb[i + 1], &r->sb[i], (r->n - i) * sizeof(r->sb[0]));
		r->n++;
	} else if (k > i + 1) {
		memmove(&r->sb[i + 1], &r->sb[k], (r->n - k) * sizeof(r->sb[0]));
		r->n = (uint8_t)(r->n - (k - i - 1));
	}
	r->sb[i].start = start;
	r->sb[i].end = end;
	r->sacked = 0;
	for (k = 0; k < r->n; k++)
		r->sacked += r->sb[k].end - r->sb[k].start;
	return r->sacked > before ? r->sacked - before : 0;
}

/* Ranges and bytes SACKed above seq. */
static void
sacked_above(const struct tcp_recovery *r, uint32_t seq, unsigned *ranges, uint32_t *bytes)
{
	*ranges = 0;
	*bytes = 0;
	for (unsigned i = r->n; i-- > 0;) {
		if (SEQ_LEQ(r->sb[i].end, seq))
			break;
		(*ranges)++;
		*bytes += r->sb[i].end - (SEQ_GT(r->sb[i].start, seq) ? r->sb[i].start : seq);
	}
}

bool
tcp_sb_is_lost(const struct tcp_recovery *r, uint32_t seq, uint32_t smss)
{
	unsigned ranges;
	uint32_t bytes;

	sacked_above(r, seq, &ranges, &bytes);
	return ranges >= DUPTHRESH || bytes > (DUPTHRESH - 1) * smss;
}

/* The lost part of the hole [hole, start) not yet retransmitted, as
 * [*lo, *hi): RFC 6675 IsLost (every byte of a hole has the same ranges
 * above it: judge it by its first byte), or with RACK below lost_end. */
static bool
hole_lost(const struct tcp_recovery *r, uint32_t hole, uint32_t start, uint32_t smss,
	  uint32_t *lo, uint32_t *hi)
{
	*lo = SEQ_GT(r->high_rxt, hole) ? r->high_rxt : hole;
	*hi = start;
	if (r->rack) {
		if (SEQ_LT(r->lost_end, *hi))
			*hi = r->lost_end;
	} else if (!tcp_sb_is_lost(r, hole, smss)) {
		return false;
	}
	return SEQ_LT(hole, start) && SEQ_LT(*lo, *hi);
}

uint32_t
tcp_sb_pipe(const struct tcp_recovery *r, uint32_t una, uint32_t snd_max, uint32_t smss)
{
	uint32_t pipe = snd_max - una - r->sacked, hole = una, lo, hi;

	/* Lost bytes above HighRxt are not in flight. */
	for (unsigned i = 0; i < r->n; i++) {
		if (hole_lost(r, hole, r->sb[i].start, smss, &lo, &hi))
			pipe -= hi - lo;
		hole = r->sb[i].end;
	}
	return pipe;
}

bool
tcp_sb_next_lost(const struct tcp_recovery *r, uint32_t una, uint32_t smss, uint32_t *seq,
		 uint32_t *len)
{
	uint32_t hole = una, lo, hi;

	for (unsigned i = 0; i < r->n; i++) {
		if (hole_lost(r, hole, r->sb[i].start, smss, &lo, &hi)) {
			*seq = lo;
			*len = RTE_MIN(hi - lo, smss);
			return true;
		}
		hole = r->sb[i].end;
	}
	return false;
}

uint32_t
tcp_sb_skip(const struct tcp_recovery *r, uint32_t *seq)
{
	for (unsigned i = 0; i < r->n; i++) {
		if (SEQ_LT(*seq, r->sb[i].start))
			return r->sb[i].start - *seq;
		if (SEQ_LT(*seq, r->sb[i].end))
			*seq = r->sb[i].end;
	}
	return UINT32_MAX;
}

bool
tcp_recovery_sack(struct tcp_conn *c, const struct tcp_opts *o, uint32_t ack)
{
	int64_t added = 0;

	/* RACK judges reordering against what was delivered before this
	 * ACK, whatever order its blocks come in. */
	c->rec.fack_prev = c->rec.rack_valid ? c->rec.rack_end : c->snd_una;
	c->rec.xmit_prev = c->rec.rack_xmit_ms;
	if (!(c->flags & TF_SACK_OK) || o->nsack == 0)
		return false;
	for (unsigned i = 0; i < o->nsack; i++) {
		uint32_t start = o->sack[i][0], end = o->sack[i][1], lo, hi;
		int64_t n;

		/* RFC 2883 4: a first block below the cumulative ACK, or
		 * inside the second, reports a duplicate (D-SACK). */
		if (i == 0 && SEQ_LT(start, end) &&
		    (SEQ_LEQ(end, ack) ||
		     (o->nsack > 1 && SEQ_GEQ(start, o->sack[1][0]) &&
		      SEQ_LEQ(end, o->sack[1][1])))) {
			tcp_rack_dsack(c, start, end);
			continue;
		}
		/* What this block newly delivers, for RACK (before it is in
		 * the scoreboard and before SND.UNA moves). */
		if (c->rec.rack && SEQ_LT(start, end) && SEQ_LEQ(end, c->snd_max) &&
		    tcp_sb_uncovered(&c->rec, SEQ_LT(start, c->snd_una) ? c->snd_una : start,
				     end, &lo, &hi))
			tcp_rack_delivered(c, lo, hi);
		n = tcp_sb_add(&c->rec, c->snd_una, c->snd_max, start, end);
		if (n < 0)
			worker_count(c->tw->w, CNT_TCP_SACK_IGNORED);
		else
			added += n;
	}
	return added > 0;
}

void
tcp_recovery_ack(struct tcp_conn *c, uint32_t acked, const struct tcp_opts *o)
{
	struct tcp_recovery *r = &c->rec;
	uint32_t smss = c->smss;

	tcp_sb_ack(r, c->snd_una);
	/* RFC 3522: the first ACK past the retransmission echoes an older
	 * timestamp, so the original arrived (reordered, not lost): restore
	 * the window (RFC 4015) and leave recovery. */
	if (r->active && r->undo_ok) {
		r->undo_ok = false;
		if (o->ts && SEQ_LT(o->tsecr, r->rexmit_ts)) {
			worker_count(c->tw->w, CNT_TCP_RECOVERY_UNDONE);
			c->cwnd = RTE_MAX(c->cwnd, r->prior_cwnd);
			c->ssthresh = RTE_MAX(c->ssthresh, r->prior_ssthresh);
			r->active = false;
			c->dupacks = 0;
			tcp_rack_undo(c);
			return;
		}
	}
	if (SEQ_LT(r->high_rxt, c->snd_una))
		r->high_rxt = c->snd_una;
	if (!r->active) {
		if (c->cwnd < c->ssthresh)                      /* RFC 5681 3.1 */
			c->cwnd += RTE_MIN(acked, smss);
		else
			c->cwnd += RTE_MAX(1u, smss * smss / c->cwnd);
		c->cwnd = RTE_MIN(c->cwnd, CWND_MAX);
		return;
	}
	if (SEQ_GEQ(c->snd_una, r->recover)) {
		/* Full ACK (RFC 6582 3.2 step 3, option 1): leave recovery
		 * with cwnd = min(ssthresh, FlightSize + SMSS). */
		uint32_t flight = c->snd_max - c->snd_una;

		c->cwnd = RTE_MIN(c->ssthresh, RTE_MAX(flight, (uint32_t)smss) + smss);
		r->active = false;
		c->dupacks = 0;
		return;
	}
	worker_count(c->tw->w, CNT_TCP_PARTIAL_ACK);
	if (c->flags & TF_SACK_OK)
		return;       /* pipe and the scoreboard decide what goes next */
	/* RFC 6582 3.2 step 5: retransmit the first unacknowledged segment,
	 * deflate cwnd by the amount acknowledged, add back one SMSS when that
	 * was at least one SMSS. */
	worker_count(c->tw->w, CNT_TCP_FAST_RETRANSMIT);
	tcp_retransmit(c);
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : smss;
	if (acked >= smss)
		c->cwnd += smss;
	c->cwnd = RTE_MAX(c->cwnd, (uint32_t)smss);
}

bool
tcp_recovery_enter(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;
	bool sack = c->flags & TF_SACK_OK;
	uint32_t flight = c->snd_max - c->snd_una;
	bool same = r->recover_set && SEQ_LT(c->snd_una, r->recover);

	/* RFC 6582 3.2 step 2: duplicate ACKs for data sent before the last
	 * recovery or RTO do not start another one. RACK's losses do (RFC
	 * 8985 names what is lost, duplicates do not): a retransmission lost
	 * again after an RTO is repaired at once instead of after the next,
	 * backed-off RTO, without a second window reduction. */
	if (r->active || (same && !r->rack))
		return false;
	r->active = true;
	r->recover_set = true;
	r->recover = c->snd_max;
	r->high_rxt = c->snd_una;
	r->prior_cwnd = c->cwnd;
	r->prior_ssthresh = c->ssthresh;
	r->rexmit_ts = (uint32_t)tcp_now(c->tw);
	r->undo_ok = (c->flags & TF_TS_OK) != 0;
	if (!same) {
		c->ssthresh = RTE_MAX(flight / 2, 2u * c->smss);           /* RFC 5681 (4) */
		c->cwnd = c->ssthresh + (sack ? 0 : DUPTHRESH * c->smss);  /* RFC 6582 3.2 2 */
	}
	c->flags &= ~TF_RTT_TIMING;                                 /* Karn */
	tcp_rack_recovery_started(c);
	worker_count(c->tw->w, CNT_TCP_RECOVERY);
	worker_count(c->tw->w, CNT_TCP_FAST_RETRANSMIT);
	tcp_retransmit(c);
	r->high_rxt = c->snd_una + RTE_MIN(c->sndq.bytes, tcp_seg_max(c));
	return true;
}

void
tcp_recovery_dupack(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;
	bool sack = c->flags & TF_SACK_OK;
	uint32_t flight = c->snd_max - c->snd_una, thresh = DUPTHRESH;

	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	if (r->active) {
		if (!sack)                       /* RFC 6582 3.2 step 4 */
			c->cwnd = RTE_MIN(c->cwnd + c->smss, CWND_MAX);
		return;
	}
	/* With SACK, RACK decides (tcp_rack_detect after every ACK). */
	if (r->rack)
		return;
	/* RFC 5827 early retransmit: fewer than four segments out and
	 * nothing more to send cannot bring three duplicates. */
	if (flight < DUPTHRESH * c->smss + c->smss && c->sndq.bytes <= flight) {
		uint32_t segs = (flight + c->smss - 1) / c->smss;

		thresh = RTE_MAX(segs, 2u) - 1;
	}
	if (c->dupacks >= thresh || (sack && tcp_sb_is_lost(r, c->snd_una, c->smss)))
		tcp_recovery_enter(c);
}

bool
tcp_recovery_output(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;
	bool sent = false;

	if (!r->active || !(c->flags & TF_SACK_OK))
		return false;
	/* RFC 6675 5 (C): while cwnd - pipe >= 1 SMSS, NextSeg. Bounded: a
	 * cwnd's worth of segments at most. */
	for (unsigned n = 0; n < c->cwnd / c->smss + 1; n++) {
		uint32_t pipe = tcp_sb_pipe(r, c->snd_una, c->snd_max, c->smss), seq, len;

		if (pipe + c->smss > c->cwnd ||
		    !tcp_sb_next_lost(r, c->snd_una, c->smss, &seq, &len))
			break;
		len = tcp_send_range(c, seq, len);
		if (len == 0)
			break;
		r->high_rxt = seq + len;
		worker_count(c->tw->w, CNT_TCP_SACK_RETRANSMIT);
		sent = true;
	}
	if (sent)
		tcp_rto_arm(c, false);
	return sent;
}

uint32_t
tcp_recovery_avail(const struct tcp_conn *c)
{
	uint32_t pipe = tcp_sb_pipe(&c->rec, c->snd_una, c->snd_max, c->smss);
	uint32_t room = c->cwnd > pipe ? c->cwnd - pipe : 0;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t wnd = SEQ_GT(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;

	return RTE_MIN(room, wnd);
}

void
tcp_recovery_rto(struct tcp_conn *c)
{
	struct tcp_recovery *r = &c->rec;

	r->active = false;
	r->recover_set = true;
	r->recover = c->snd_max;
	r->high_rxt = c->snd_una;
	if (c->backoff > 1)
		tcp_sb_reset(r);
	tcp_rack_rto(c);
}

uint32_t
tcp_tlp_pto(const struct tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una, pto;

	if (c->srtt_x8 == 0 || c->rec.active || c->backoff || flight == 0 ||
	    c->sndq.bytes == 0 || (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return 0;
	pto = c->srtt_x8 / 4;
	if (flight <= c->smss)
		pto += c->tw->w->snap->tcp.delack_ms;
	pto = RTE_MAX(pto, 10u);
	return pto < c->rto_ms ? pto : 0;
}

void
tcp_tlp_fire(struct tcp_conn *c)
{
	uint32_t data = RTE_MIN(c->snd_max - c->snd_una, c->sndq.bytes);
	uint32_t len = RTE_MIN(data, tcp_seg_max(c));

	if (len == 0)
		return;
	worker_count(c->tw->w, CNT_TCP_LOSS_PROBE);
	c->rec.sending_probe = true;
	tcp_send_range(c, c->snd_una + data - len, len);
	c->rec.sending_probe = false;
}

void
tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end)
{
	if (!(c->flags & TF_SACK_OK) || !SEQ_LT(start, end))
		return;
	c->rec.dsack = true;
	c->rec.dsack_start = start;
	c->rec.dsack_end = end;
}
