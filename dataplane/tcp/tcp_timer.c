/* SPDX-License-Identifier: Proprietary
 * TCP timers: a per-worker hashed timing wheel of 1 ms ticks
 * (TCP_WHEEL_SLOTS slots; later deadlines wait in their slot for another
 * turn). Each connection is on the wheel once, at the earliest of its
 * deadlines: RTO (RFC 6298, doubling as the persist timer), RACK
 * reordering (RFC 8985 6.3), delayed ACK
 * (RFC 1122 4.2.3.2), TIME-WAIT / FIN-WAIT-2, and keep-alive
 * (tcp_keepalive.c). The wheel advances once per worker pass.
 */
#include <rte_cycles.h>

#include "config/config_types.h"
#include "tcp/tcp_p.h"

#define TCP_PERSIST_SHIFT_MAX 16   /* persist interval: rto_ms << backoff, up to TCP_RTO_MAX_MS */

void
tcp_timer_remove(struct tcp_conn *c)
{
	struct tcp_timer_node *n = &c->tn;

	if (n->pprev == NULL)
		return;
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
	c->tw->ntimers--;
}

static inline uint64_t
earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

void
tcp_timer_update(struct tcp_conn *c)
{
	struct tcp_worker *tw = c->tw;
	struct tcp_timer_node *n = &c->tn, **slot;
	uint64_t next = earliest(earliest(earliest(c->t_rto, c->t_delack),
					  earliest(c->t_2msl, c->t_keep)), c->t_rack);

	if (n->pprev && n->expire_ms == next)
		return;
	tcp_timer_remove(c);
	if (next == 0)
		return;
	/* Never behind the wheel: a past deadline fires on the next tick. */
	if (next <= tw->wheel_ms)
		next = tw->wheel_ms + 1;
	n->expire_ms = next;
	slot = &tw->wheel[next & (TCP_WHEEL_SLOTS - 1)];
	n->next = *slot;
	if (*slot)
		(*slot)->pprev = &n->next;
	*slot = n;
	n->pprev = slot;
	tw->ntimers++;
}

void
tcp_rto_arm(struct tcp_conn *c, bool restart)
{
	uint32_t pto;

	if (c->t_rto && !restart)
		return;
	/* RFC 8985 7: a tail loss probe first, when it comes before the RTO. */
	pto = tcp_tlp_pto(c);
	c->rec.probe_armed = pto != 0;
	c->t_rto = tcp_now(c->tw) + (pto ? pto : c->rto_ms);
	tcp_timer_update(c);
}

void
tcp_rtt_sample(struct tcp_conn *c, uint32_t r)
{
	const struct snapshot *s = c->tw->w->snap;
	uint32_t r8 = r * 8, rto;

	if (c->srtt_x8 == 0) {
		c->srtt_x8 = r8 ? r8 : 1;          /* RFC 6298 2.2 */
		c->rttvar_x8 = r8 / 2;
	} else {                                   /* RFC 6298 2.3 */
		uint32_t delta = c->srtt_x8 > r8 ? c->srtt_x8 - r8 : r8 - c->srtt_x8;

		c->rttvar_x8 = (3 * c->rttvar_x8 + delta) / 4;
		c->srtt_x8 = (7 * c->srtt_x8 + r8) / 8;
	}
	/* RTO = SRTT + max(G, 4 * RTTVAR), G = 1 ms; clamped to rto-min-ms
	 * (RFC 6298 2.4 says 1 s; like Linux we allow less, by config) and
	 * TCP_RTO_MAX_MS. */
	rto = c->srtt_x8 / 8 + RTE_MAX(1u, c->rttvar_x8 / 2);
	c->rto_ms = RTE_MIN(RTE_MAX(rto, s->tcp.rto_min_ms), (uint32_t)TCP_RTO_MAX_MS);
}

void
tcp_delack(struct tcp_conn *c)
{
	if (c->flags & TF_ACK_NOW)
		return;
	c->flags |= TF_DELACK;
	if (c->t_delack == 0) {
		c->t_delack = tcp_now(c->tw) + c->tw->w->snap->tcp.delack_ms;
		tcp_timer_update(c);
	}
}

/* The persist timer (RFC 9293 3.8.6.1): the peer's window is zero and data
 * waits. Probing is not loss: cwnd, ssthresh, RFC 6582 recover and the RTO
 * itself stay as they are. The probe is <SEQ=SND.UNA-1> without data (what
 * Linux sends): the peer must answer it with its window, and no byte goes
 * beyond the zero window (one the peer dropped would leave a hole at
 * SND.UNA in front of everything sent once the window opens, which fast
 * recovery would not repair before SND.MAX at the probe is acknowledged).
 * Data still in flight is beyond the window: the peer does not hold it (a
 * receiver out of memory drops it and says so with a zero window), so it
 * all goes again from SND.UNA once the window opens (go-back-N, what was
 * SACKed skipped). The interval backs off up to TCP_RTO_MAX_MS; the window
 * opening ends it (tcp_input.c). A zero window is probed for as long as
 * the peer answers (keep-alive watches silence). */
static void
persist_expired(struct tcp_conn *c)
{
	if (c->snd_nxt != c->snd_una) {
		c->snd_nxt = c->snd_una;
		c->rec.active = false;
		c->rec.high_rxt = c->snd_una;
		c->dupacks = 0;
		c->flags &= ~TF_RTT_TIMING;
		tcp_rack_rto(c);
	}
	worker_count(c->tw->w, CNT_TCP_PERSIST_PROBE);
	tcp_send_keepalive(c);
	if (c->backoff < TCP_PERSIST_SHIFT_MAX)
		c->backoff++;
	c->t_rto = tcp_now(c->tw) + RTE_MIN((uint64_t)c->rto_ms << c->backoff,
					    (uint64_t)TCP_RTO_MAX_MS);
	tcp_timer_update(c);
}

/* RFC 6298 5.4-5.7: retransmit the earliest unacknowledged segment, back
 * off, and restart; RFC 5681 3.1 (4): ssthresh = max(flight/2, 2 SMSS),
 * cwnd = 1 SMSS. Karn: the pending RTT measurement is void. */
static void
rto_expired(struct tcp_conn *c)
{
	struct worker *w = c->tw->w;
	uint32_t flight = c->snd_max - c->snd_una;
	unsigned limit = c->state == TCP_SYN_RECEIVED ? TCP_SYNACK_RETRIES :
			 c->state == TCP_SYN_SENT ? TCP_SYN_RETRIES : TCP_DATA_RETRIES;

	c->t_rto = 0;
	if (c->snd_una == c->snd_max && c->sndq.bytes == 0) {
		tcp_timer_update(c);
		return;
	}
	if (c->snd_wnd == 0 && c->sndq.bytes && !c->rec.probe_armed &&
	    (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
	     c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING || c->state == TCP_LAST_ACK)) {
		persist_expired(c);
		return;
	}
	if (c->rec.probe_armed) {
		/* The probe's ACK (SACK) starts recovery; the RTO follows it. */
		c->rec.probe_armed = false;
		tcp_tlp_fire(c);
		c->t_rto = tcp_now(c->tw) + c->rto_ms;
		tcp_timer_update(c);
		return;
	}
	worker_count(w, CNT_TCP_RTO);
	/* A zero window is probed forever (RFC 9293 3.8.6.1). */
	if (++c->backoff > limit && (c->snd_wnd != 0 || c->state == TCP_SYN_SENT)) {
		worker_count(w, c->state == TCP_SYN_SENT ? CNT_TCP_CONNECT_TIMEOUT : CNT_TCP_TIMEOUT);
		if (c->state != TCP_SYN_RECEIVED && c->state != TCP_SYN_SENT)
			tcp_send_rst_conn(c);
		tcp_conn_release(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	/* RFC 5681 3.1: ssthresh is held while the same data times out again,
	 * and fast recovery already halved it. */
	if (c->backoff == 1 && !c->rec.active)
		c->ssthresh = RTE_MAX(flight / 2, 2u * c->smss);
	tcp_recovery_rto(c);
	c->cwnd = c->smss;
	c->dupacks = 0;
	c->flags &= ~TF_RTT_TIMING;
	c->rto_ms = RTE_MIN(c->rto_ms * 2, (uint32_t)TCP_RTO_MAX_MS);
	c->snd_nxt = c->snd_una;
	if (c->snd_una != c->snd_max)
		worker_count(w, CNT_TCP_RETRANSMIT);
	tcp_retransmit(c);
	tcp_rto_arm(c, true);
}

static void
fire(struct tcp_conn *c, uint64_t now)
{
	if (c->t_2msl && c->t_2msl <= now) {
		c->t_2msl = 0;
		if (c->state == TCP_TIME_WAIT && c->rcvq.bytes &&
		    (c->tw_unread == 0 || c->rcvq.bytes < c->tw_unread)) {
			/* The application is still reading what came before the
			 * FIN (a relay behind a slow reader): wait another 2 MSL
			 * as long as it makes progress. */
			c->tw_unread = c->rcvq.bytes;
			c->t_2msl = now + c->tw->w->snap->tcp.time_wait_ms;
			tcp_timer_update(c);
		} else if (c->state == TCP_TIME_WAIT) {
			worker_count(c->tw->w, CNT_TCP_TIME_WAIT_DONE);
			/* Bytes still unread are lost: not a normal end. */
			tcp_conn_release(c, c->rcvq.bytes ? TCP_CLOSE_TIMEOUT : TCP_CLOSE_NORMAL);
		} else if (now - c->rx_last_ms < c->tw->w->snap->tcp.time_wait_ms) {
			/* FIN-WAIT-2 while the peer still sends (a half-close):
			 * wait for its FIN from its last segment on. */
			c->t_2msl = c->rx_last_ms + c->tw->w->snap->tcp.time_wait_ms;
			tcp_timer_update(c);
		} else {
			/* FIN-WAIT-2 with no FIN from the peer. */
			worker_count(c->tw->w, CNT_TCP_TIMEOUT);
			tcp_send_rst_conn(c);
			tcp_conn_release(c, TCP_CLOSE_TIMEOUT);
		}
		return;
	}
	if (c->t_rto && c->t_rto <= now) {
		rto_expired(c);
		if (c->state == TCP_CLOSED)
			return;
	}
	if (c->t_rack && c->t_rack <= now)
		tcp_rack_timer(c);
	if (c->t_delack && c->t_delack <= now) {
		c->t_delack = 0;
		if (c->flags & TF_DELACK) {
			worker_count(c->tw->w, CNT_TCP_DELAYED_ACK);
			tcp_send_ack(c);
		}
	}
	if (c->t_keep && c->t_keep <= now) {
		tcp_keepalive_expired(c);
		if (c->state == TCP_CLOSED)
			return;
	}
	tcp_timer_update(c);
}

static void
run_slot(struct tcp_worker *tw, unsigned slot, uint64_t now)
{
	struct tcp_timer_node *n = tw->wheel[slot], *due = NULL;

	/* Move what is due to a list of its own first (firing re-inserts
	 * connections), linked like a slot: a connection whose timers change
	 * while another fires (a relay closing its peer) leaves it through
	 * tcp_timer_remove as from the wheel, and cannot take a slot's nodes
	 * with it. */
	while (n) {
		struct tcp_timer_node *next = n->next;

		if (n->expire_ms <= now) {
			*n->pprev = next;
			if (next)
				next->pprev = n->pprev;
			n->next = due;
			if (due)
				due->pprev = &n->next;
			due = n;
			n->pprev = &due;
		}
		n = next;
	}
	while (due) {
		struct tcp_conn *c = container_of(due, struct tcp_conn, tn);

		tcp_timer_remove(c);
		if (c->state != TCP_CLOSED)
			fire(c, now);
	}
}

void
tcp_clock_set(struct worker *w, uint64_t now_ms)
{
	w->tcp->manual_clock = true;
	if (now_ms > w->tcp->now_ms)
		w->tcp->now_ms = now_ms;
}

void
tcp_poll(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;
	uint64_t now;

	if (unlikely(tw->services_gen != w->snap->generation)) {
		tcp_testsvc_sync(w);
		__atomic_store_n(&tw->rx_mbufs_limit, tcp_rx_mbufs_cap(tw), __ATOMIC_RELAXED);
	}
	if (!tw->manual_clock) {
		uint64_t tsc = rte_get_tsc_cycles();

		/* The common case: same millisecond, nothing to free. */
		if (tsc < tw->next_tick_tsc && tw->reap_head == TCP_NO_IDX)
			return;
		tw->now_ms = tsc / tw->tsc_per_ms;
		tw->next_tick_tsc = (tw->now_ms + 1) * tw->tsc_per_ms;
	}
	now = tw->now_ms;
	if (now != tw->wheel_ms) {
		if (tw->ntimers == 0) {
			tw->wheel_ms = now;
		} else {
			uint64_t from = tw->wheel_ms + 1;

			if (now - tw->wheel_ms > TCP_WHEEL_SLOTS)
				from = now - TCP_WHEEL_SLOTS + 1;
			for (uint64_t t = from; t <= now; t++) {
				tw->wheel_ms = t;
				run_slot(tw, t & (TCP_WHEEL_SLOTS - 1), now);
			}
		}
	}
	if (tw->reap_head != TCP_NO_IDX)
		tcp_conn_reap(tw);
}
