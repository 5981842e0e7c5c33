/* SPDX-License-Identifier: Proprietary
 * Diagnostic dump of the TCP connections (tcp_dump.h). Sequence numbers are
 * relative to ISS / IRS, deadlines are milliseconds from the worker's clock
 * (negative: overdue), so two dumps read side by side show what moved.
 */
#include <string.h>
#include <sys/socket.h>

#include "dataplane.h"
#include "tcp/tcp_dump.h"
#include "tcp/tcp_p.h"

/* Milliseconds from now to a deadline; null when off. */
static json_t *
deadline(uint64_t t, uint64_t now)
{
	return t ? json_integer((json_int_t)t - (json_int_t)now) : json_null();
}

/* Is c's node in the slot its deadline names? A node that claims to be on
 * the wheel but is not would never fire: the stall this dump looks for. */
static bool
on_wheel(const struct tcp_worker *tw, const struct tcp_conn *c)
{
	const struct tcp_timer_node *n = tw->wheel[c->tn.expire_ms & (TCP_WHEEL_SLOTS - 1)];

	for (unsigned hops = 0; n && hops < TCP_MAX_CONNS; hops++, n = n->next)
		if (n == &c->tn)
			return true;
	return false;
}

static json_t *
conn_json(const struct tcp_worker *tw, unsigned worker, const struct tcp_conn *c)
{
	const struct tcp_recovery *r = &c->rec;
	const struct tcp_conn *peer = c->app;
	uint64_t now = tw->now_ms;
	uint32_t seg_bytes = 0;
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	for (unsigned i = 0; i < c->n_ooo && i < TCP_OOO_MAX; i++)
		seg_bytes += c->ooo[i].len;
	json_object_set_new(o, "worker", json_integer(worker));
	json_object_set_new(o, "idx", json_integer(c->idx));
	json_object_set_new(o, "state", json_string(tcp_state_name((enum tcp_state)c->state)));
	json_object_set_new(o, "app", json_string(c->ops && c->ops->name ? c->ops->name : ""));
	/* The relay pairs connections through app: show the partner. */
	if (c->ops && c->ops->name && strncmp(c->ops->name, "relay", 5) == 0 && peer &&
	    peer >= tw->conns && peer < tw->conns + TCP_MAX_CONNS)
		json_object_set_new(o, "peer_idx", json_integer(peer->idx));
	json_object_set_new(o, "lport", json_integer(rte_be_to_cpu_16(c->key.lport)));
	json_object_set_new(o, "rport", json_integer(rte_be_to_cpu_16(c->key.rport)));
	json_object_set_new(o, "flags", json_integer(c->flags));
	json_object_set_new(o, "snd_una", json_integer(c->snd_una - c->iss));
	json_object_set_new(o, "snd_nxt", json_integer(c->snd_nxt - c->iss));
	json_object_set_new(o, "snd_max", json_integer(c->snd_max - c->iss));
	json_object_set_new(o, "snd_wnd", json_integer(c->snd_wnd));
	json_object_set_new(o, "max_snd_wnd", json_integer(c->max_snd_wnd));
	json_object_set_new(o, "snd_wl1", json_integer(c->snd_wl1 - c->irs));
	json_object_set_new(o, "snd_wl2", json_integer(c->snd_wl2 - c->iss));
	json_object_set_new(o, "cwnd", json_integer(c->cwnd));
	json_object_set_new(o, "ssthresh", json_integer(c->ssthresh));
	json_object_set_new(o, "smss", json_integer(c->smss));
	json_object_set_new(o, "dupacks", json_integer(c->dupacks));
	json_object_set_new(o, "sndq", json_integer(c->sndq.bytes));
	json_object_set_new(o, "sndq_cur_off", c->sndq.cur ? json_integer(c->sndq.cur_off)
							   : json_null());
	json_object_set_new(o, "rcv_nxt", json_integer(c->rcv_nxt - c->irs));
	json_object_set_new(o, "rcv_adv", json_integer(c->rcv_adv - c->irs));
	json_object_set_new(o, "rcv_wnd", json_integer(tcp_rcv_wnd(c)));
	json_object_set_new(o, "rcvq", json_integer(c->rcvq.bytes));
	json_object_set_new(o, "n_ooo", json_integer(c->n_ooo));
	json_object_set_new(o, "ooo_bytes", json_integer(c->ooo_bytes));
	json_object_set_new(o, "ooo_run_bytes", json_integer(seg_bytes));
	json_object_set_new(o, "rx_mbufs", json_integer(c->rx_mbufs));
	json_object_set_new(o, "rto_ms", json_integer(c->rto_ms));
	json_object_set_new(o, "srtt_ms", json_integer(c->srtt_x8 / 8));
	json_object_set_new(o, "backoff", json_integer(c->backoff));
	json_object_set_new(o, "t_rto", deadline(c->t_rto, now));
	json_object_set_new(o, "probe_armed", json_boolean(r->probe_armed));
	json_object_set_new(o, "t_rack", deadline(c->t_rack, now));
	json_object_set_new(o, "t_delack", deadline(c->t_delack, now));
	json_object_set_new(o, "t_2msl", deadline(c->t_2msl, now));
	json_object_set_new(o, "t_keep", deadline(c->t_keep, now));
	json_object_set_new(o, "timer_queued", json_boolean(c->tn.pprev != NULL));
	json_object_set_new(o, "timer_expire", c->tn.pprev ? deadline(c->tn.expire_ms, now)
							   : json_null());
	json_object_set_new(o, "timer_on_wheel", json_boolean(c->tn.pprev && on_wheel(tw, c)));
	json_object_set_new(o, "in_recovery", json_boolean(r->active));
	json_object_set_new(o, "recover", json_integer(r->recover - c->iss));
	json_object_set_new(o, "high_rxt", json_integer(r->high_rxt - c->iss));
	json_object_set_new(o, "sacked", json_integer(r->sacked));
	json_object_set_new(o, "sb_ranges", json_integer(r->n));
	json_object_set_new(o, "rack", json_boolean(r->rack));
	json_object_set_new(o, "rack_valid", json_boolean(r->rack_valid));
	json_object_set_new(o, "rack_end", json_integer(r->rack_end - c->iss));
	json_object_set_new(o, "rack_rtt_ms", json_integer(r->rack_rtt_ms));
	json_object_set_new(o, "lost_end", json_integer(r->lost_end - c->iss));
	json_object_set_new(o, "log_start", json_integer(r->log_start - c->iss));
	json_object_set_new(o, "log_n", json_integer(r->log_n));
	json_object_set_new(o, "reo_wnd_ms", json_integer(r->rack ? tcp_rack_reo_wnd(c) : 0));
	return o;
}

json_t *
tcp_conns_json(unsigned max)
{
	json_t *arr = json_array();
	unsigned n = 0;

	for (unsigned i = 0; arr && i < dp.nworkers; i++) {
		const struct worker *w = dp.workers[i];
		const struct tcp_worker *tw = w ? w->tcp : NULL;

		if (tw == NULL)
			continue;
		for (uint32_t k = 0; k < TCP_MAX_CONNS && n < max; k++) {
			const struct tcp_conn *c = &tw->conns[k];
			json_t *o;

			if (c->state == TCP_CLOSED)
				continue;
			o = conn_json(tw, i, c);
			if (o)
				json_array_append_new(arr, o);
			n++;
		}
	}
	return arr;
}
