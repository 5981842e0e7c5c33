/* SPDX-License-Identifier: Proprietary
 * Active open (RFC 9293 3.10.1): the local address and port of a new
 * upstream connection, our SYN, and the SYN-SENT state (3.10.7.3). The
 * local port is chosen so that the peer's replies hash to this worker
 * (port_owner(port_tuple_hash())), the same function the NIC's RSS table
 * and the software dispatcher use; see tcp_connect in tcp.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_cycles.h>
#include <rte_hash.h>

#include "config/config.h"
#include "net/ipv6.h"
#include "port/port.h"
#include "tcp/tcp_p.h"


/* The port and local address for raddr: the port whose subnet holds it,
 * else the first with a gateway for the family. Returns the port index or
 * -1. */
static int
route_for(const struct snapshot *snap, int family, const uint8_t *raddr, uint8_t *laddr)
{
	if (family == AF_INET) {
		uint32_t ra;

		memcpy(&ra, raddr, 4);
		for (unsigned pi = 0; pi < snap->nports && pi < CFG_MAX_PORTS; pi++) {
			const struct cfg_port *p = &snap->port[pi];

			/* Ourselves, or a subnet broadcast: nobody to talk to. */
			if (p->configured && (cfg_port_has4(p, ra) || cfg_port_bcast4(p, ra)))
				return -1;
			for (unsigned i = 0; p->configured && i < p->n4; i++)
				if ((ra & p->v4[i].mask) == (p->v4[i].addr & p->v4[i].mask)) {
					memcpy(laddr, &p->v4[i].addr, 4);
					return (int)pi;
				}
		}
		for (unsigned pi = 0; pi < snap->nports && pi < CFG_MAX_PORTS; pi++) {
			const struct cfg_port *p = &snap->port[pi];

			if (!p->configured || !p->has_gw4)
				continue;
			/* The config guarantees the gateway is on one of its subnets. */
			for (unsigned i = 0; i < p->n4; i++)
				if ((p->gw4 & p->v4[i].mask) == (p->v4[i].addr & p->v4[i].mask)) {
					memcpy(laddr, &p->v4[i].addr, 4);
					return (int)pi;
				}
		}
		return -1;
	}
	/* A link-local peer would need a zone: which port is not ours to guess. */
	if (ip6_is_linklocal(raddr) || ip6_is_mcast(raddr))
		return -1;
	for (unsigned pi = 0; pi < snap->nports && pi < CFG_MAX_PORTS; pi++) {
		const struct cfg_port *p = &snap->port[pi];
		int i = p->configured ? cfg_port_prefix6(p, raddr) : -1;

		if (p->configured && cfg_port_has6(p, raddr))
			return -1;
		if (i >= 0) {
			memcpy(laddr, p->v6[i].addr, 16);
			return (int)pi;
		}
	}
	for (unsigned pi = 0; pi < snap->nports && pi < CFG_MAX_PORTS; pi++) {
		const struct cfg_port *p = &snap->port[pi];
		int i;

		if (!p->configured || !p->has_gw6 || p->n6 == 0)
			continue;
		/* A global source: the address in the gateway's prefix, else the
		 * first (a link-local gateway is the usual case). */
		i = cfg_port_prefix6(p, p->gw6);
		memcpy(laddr, p->v6[i >= 0 ? i : 0].addr, 16);
		return (int)pi;
	}
	return -1;
}

/* An ephemeral port for k (laddr, raddr, rport set) owned by this worker and
 * free in its table; writes k->lport. Bounded: TCP_CONNECT_TRIES candidates. */
static bool
choose_lport(struct tcp_worker *tw, struct tcp_key *k)
{
	const unsigned span = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	unsigned me = tw->w->id;

	for (unsigned n = 0; n < TCP_CONNECT_TRIES; n++) {
		uint16_t cand = (uint16_t)(TCP_EPHEMERAL_LO + tw->eph_cursor % span);

		tw->eph_cursor = (uint16_t)((tw->eph_cursor + 1) % span);
		/* The reply: raddr:rport -> laddr:cand. */
		if (port_owner(port_tuple_hash(k->family, k->raddr, k->laddr,
					       rte_be_to_cpu_16(k->rport), cand)) != me)
			continue;
		k->lport = rte_cpu_to_be_16(cand);
		if (rte_hash_lookup(tw->table, k) < 0)
			return true;
	}
	return false;
}

static struct tcp_conn *
connect_fail(struct worker *w, int *err, int e, enum cnt_id id)
{
	worker_count(w, id);
	if (err)
		*err = e;
	return NULL;
}

struct tcp_conn *
tcp_connect(struct worker *w, int family, const uint8_t *raddr, uint16_t rport,
	    const struct tcp_app_ops *ops, void *app, int *err)
{
	struct tcp_worker *tw = w->tcp;
	const struct cfg_tcp *cfg = &w->snap->tcp;
	const struct cfg_port *p;
	struct tcp_conn *c;
	struct tcp_key k;
	int port;

	if ((family != AF_INET && family != AF_INET6) || rport == 0)
		return connect_fail(w, err, -ENETUNREACH, CNT_TCP_CONNECT_NO_ROUTE);
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	memcpy(k.raddr, raddr, family == AF_INET ? 4 : 16);
	k.rport = rte_cpu_to_be_16(rport);
	port = route_for(w->snap, family, raddr, k.laddr);
	if (port < 0)
		return connect_fail(w, err, -ENETUNREACH, CNT_TCP_CONNECT_NO_ROUTE);
	if (tw->nconns >= RTE_MIN(cfg->max_conns, (uint32_t)TCP_MAX_CONNS) ||
	    tw->free_head == TCP_NO_IDX)
		return connect_fail(w, err, -ENOBUFS, CNT_TCP_CONNECT_NO_CONN);
	if (!choose_lport(tw, &k))
		return connect_fail(w, err, -EADDRNOTAVAIL, CNT_TCP_CONNECT_NO_PORT);
	c = tcp_conn_create(tw, &k, cfg->max_conns);
	if (c == NULL)
		return connect_fail(w, err, -ENOBUFS, CNT_TCP_CONNECT_NO_CONN);

	p = &w->snap->port[port];
	c->port = (uint16_t)port;
	c->ops = ops;
	c->app = app;
	c->state = TCP_SYN_SENT;
	c->flags |= TF_ACTIVE;
	c->rcvbuf = cfg->rcvbuf;
	c->sndbuf = cfg->sndbuf;
	c->ooo_max = (uint16_t)RTE_MIN(cfg->ooo_max, (uint32_t)TCP_OOO_MAX);
	c->rmss = tcp_our_mss(p, family, cfg);
	/* RFC 9293 3.7.1 defaults until the SYN-ACK brings the peer's MSS. */
	c->smss = (uint16_t)RTE_MIN(family == AF_INET ? 536u : 1220u, (uint32_t)c->rmss);
	c->rcv_wscale = tcp_our_wscale(c->rcvbuf);
	c->cwnd = c->smss;
	c->ssthresh = UINT32_MAX / 2;
	c->rto_ms = TCP_RTO_INIT_MS;
	c->iss = tcp_isn(&k, rte_get_tsc_cycles() / (rte_get_tsc_hz() / 1000000 + 1));
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	worker_count(w, CNT_TCP_ACTIVE_OPEN);
	tcp_send_syn(c);
	if (err)
		*err = 0;
	return c;
}

enum tcp_ss_result
tcp_syn_sent_input(struct tcp_conn *c, const struct rte_tcp_hdr *th, uint32_t seq,
		   uint32_t ack, uint8_t flags, uint32_t wnd, uint32_t seqlen,
		   const struct tcp_opts *o, enum cnt_id *why)
{
	struct worker *w = c->tw->w;
	uint32_t mss;

	/* First: the ACK must acknowledge our SYN and nothing beyond. */
	if ((flags & TH_ACK) && (SEQ_LEQ(ack, c->iss) || SEQ_GT(ack, c->snd_max))) {
		if (!(flags & TH_RST))
			tcp_send_rst_reply(w, c->port, &c->key, th, seqlen);
		*why = CNT_TCP_DROP_SYN_SENT_BAD_ACK;
		return TCP_SS_DROP;
	}
	/* Second: an RST is believed only with an acceptable ACK (RFC 5961
	 * 3.2 reads the same for SYN-SENT). */
	if (flags & TH_RST) {
		if (!(flags & TH_ACK)) {
			*why = CNT_TCP_DROP_SYN_SENT;
			return TCP_SS_DROP;
		}
		worker_count(w, CNT_TCP_CONNECT_REFUSED);
		tcp_conn_release(c, TCP_CLOSE_REFUSED);
		return TCP_SS_DONE;
	}
	/* Fourth: a SYN; without ACK a simultaneous open (below). */
	if (!(flags & TH_SYN)) {
		*why = CNT_TCP_DROP_SYN_SENT;
		return TCP_SS_DROP;
	}

	c->irs = seq;
	c->rcv_nxt = seq + 1;
	c->rcv_adv = c->rcv_nxt;
	mss = o->mss ? o->mss : (c->key.family == AF_INET ? 536u : 1220u);
	mss = RTE_MIN(mss, (uint32_t)c->rmss);
	if (o->wscale >= 0) {
		c->flags |= TF_WS_OK;
		c->snd_wscale = (uint8_t)o->wscale;
	} else {                     /* RFC 7323 2.2: both or neither scale */
		c->rcv_wscale = 0;
		c->rcvbuf = RTE_MIN(c->rcvbuf, 65535u);
	}
	if (o->sack_ok)
		c->flags |= TF_SACK_OK;
	if (o->ts) {
		c->flags |= TF_TS_OK;
		c->ts_recent = o->tsval;
		mss -= 12;
	}
	c->smss = (uint16_t)RTE_MAX(mss, 64u);
	if (!(flags & TH_ACK)) {
		/* Simultaneous open (RFC 9293 3.10.7.3): SYN-RECEIVED, answer
		 * <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>; the peer's SYN-ACK or
		 * ACK completes it (tcp_input.c). Text on the SYN is left for
		 * the peer to send again. */
		c->snd_wnd = wnd;
		c->max_snd_wnd = wnd;
		c->snd_wl1 = seq;
		c->state = TCP_SYN_RECEIVED;
		worker_count(w, CNT_TCP_SIMULTANEOUS_OPEN);
		tcp_send_synack(c);
		return TCP_SS_DONE;
	}
	c->snd_una = ack;
	c->snd_wnd = wnd;            /* never scaled in a SYN */
	c->max_snd_wnd = wnd;
	c->snd_wl1 = seq;
	c->snd_wl2 = ack;
	/* The handshake's RTT is the first sample unless the SYN was repeated
	 * (Karn); then RFC 6298 5.7: RTO back to 3 s for the data. */
	if ((c->flags & TF_RTT_TIMING) && c->backoff == 0)
		tcp_rtt_sample(c, (uint32_t)(tcp_now(c->tw) - c->rtt_start_ms));
	else
		c->rto_ms = 3000;
	/* RFC 6928 initial window; one segment when the SYN was lost (RFC
	 * 5681 3.1). */
	c->cwnd = c->backoff ? c->smss : RTE_MIN(10u * c->smss, RTE_MAX(2u * c->smss, 14600u));
	c->ssthresh = UINT32_MAX / 2;     /* the SYN's RTOs said nothing of the path */
	c->flags &= ~TF_RTT_TIMING;
	c->backoff = 0;
	c->t_rto = 0;
	tcp_timer_update(c);
	c->state = TCP_ESTABLISHED;
	c->flags |= TF_ACK_NOW;      /* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> */
	c->rx_last_ms = tcp_now(c->tw);
	tcp_keepalive_arm(c);
	worker_count(w, CNT_TCP_OPENED);
	worker_count(w, CNT_TCP_ACTIVE_ESTABLISHED);
	return TCP_SS_ESTABLISHED;
}

bool
tcp_syn_sent_connected(struct tcp_conn *c)
{
	int rc;

	if (c->ops == NULL || c->ops->on_connect == NULL)
		return true;
	c->flags |= TF_IN_APP;
	rc = c->ops->on_connect(c);
	c->flags &= ~TF_IN_APP;
	if (rc != 0 && !(c->flags & TF_REAP))
		tcp_abort(c);
	return !(c->flags & TF_REAP);
}
