/* SPDX-License-Identifier: Proprietary
 * Keep-alive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): after tcp.keepalive-idle-ms
 * without an acceptable segment from the peer, and nothing of ours in
 * flight, send up to tcp.keepalive-probes probes tcp.keepalive-interval-ms
 * apart; any acceptable segment (the probe's ACK) ends the probing, and
 * when the last probe goes unanswered the connection is reset with
 * TCP_CLOSE_TIMEOUT. The idle deadline is lazy: segments only stamp
 * rx_last_ms, and the timer, when it fires early, re-arms itself at
 * rx_last_ms + idle, so arriving data never touches the wheel.
 */
#include "config/config_types.h"
#include "tcp/tcp_p.h"

void
tcp_keepalive_arm(struct tcp_conn *c)
{
	uint32_t idle = c->tw->w->snap->tcp.keepalive_idle_ms;

	c->keep_probes = 0;
	c->t_keep = idle ? tcp_now(c->tw) + idle : 0;
	tcp_timer_update(c);
}

void
tcp_keepalive_expired(struct tcp_conn *c)
{
	struct worker *w = c->tw->w;
	const struct cfg_tcp *cfg = &w->snap->tcp;
	uint64_t now = tcp_now(c->tw);

	c->t_keep = 0;
	/* Off by a config change, or a state the close timers watch. */
	if (cfg->keepalive_idle_ms == 0 ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return;
	/* Data in flight or waiting for a window: the RTO and persist timer
	 * already find out whether the peer lives. */
	if (c->snd_una != c->snd_max || c->sndq.bytes) {
		c->keep_probes = 0;
		c->t_keep = now + cfg->keepalive_idle_ms;
		return;
	}
	if (now - c->rx_last_ms < cfg->keepalive_idle_ms) {
		c->keep_probes = 0;
		c->t_keep = c->rx_last_ms + cfg->keepalive_idle_ms;
		return;
	}
	if (c->keep_probes >= cfg->keepalive_probes) {
		worker_count(w, CNT_TCP_KEEPALIVE_TIMEOUT);
		tcp_send_rst_conn(c);
		tcp_conn_release(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	c->keep_probes++;
	worker_count(w, CNT_TCP_KEEPALIVE_PROBE);
	tcp_send_keepalive(c);
	c->t_keep = now + cfg->keepalive_interval_ms;
}
