/* SPDX-License-Identifier: Proprietary
 * Private to dataplane/tcp/: what the stack's files call in each other.
 * Everything here runs on the owning worker lcore.
 */
#ifndef RAMPART_TCP_P_H
#define RAMPART_TCP_P_H

#include <rte_ip.h>
#include <rte_tcp.h>

#include "worker.h"
#include "tcp/tcp.h"

#define TCP_NO_IDX UINT32_MAX

/* Flags in the header's 13th byte (RFC 9293 3.1). */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

/* Options of a received segment. */
struct tcp_opts {
	uint16_t mss;          /* 0: absent */
	int8_t wscale;         /* -1: absent */
	bool sack_ok;
	bool ts;
	uint32_t tsval, tsecr;
};

/* tcp_conn.c --------------------------------------------------------------- */

struct tcp_conn *tcp_conn_lookup(struct tcp_worker *tw, const struct tcp_key *k);
/* A free slot, in the table, state CLOSED, fields zeroed. NULL when the
 * configured or hard limit is reached. */
struct tcp_conn *tcp_conn_create(struct tcp_worker *tw, const struct tcp_key *k,
				 uint32_t limit);
/* Leave the table, stop timers, drop the queues, tell the application (once)
 * and put the slot on the reap list (freed at the end of tcp_poll). */
void tcp_conn_release(struct tcp_conn *c, enum tcp_close_reason why);
/* Tell the application the connection is over for it (idempotent). */
void tcp_conn_notify_closed(struct tcp_conn *c, enum tcp_close_reason why);
/* Free the slots on the reap list. */
void tcp_conn_reap(struct tcp_worker *tw);
/* RFC 6528: ISN = M + F(localip, localport, remoteip, remoteport, key). */
uint32_t tcp_isn(const struct tcp_key *k, uint64_t now_us);

/* SYN cookies (RFC 4987; Linux/FreeBSD encoding, keyed SipHash):
 *   cookie = H1(tuple) + peer ISN + (count << 24)
 *            + ((H2(tuple, count) + MSS index) mod 2^24)
 * count advances every 2^TCP_COOKIE_PERIOD_SHIFT ms (65.5 s); a cookie is
 * accepted while count is at most TCP_COOKIE_MAX_AGE - 1 periods old. With
 * timestamps, the low 5 bits of our TSval carry the peer's window scale (4
 * bits, 15: none) and SACK-permitted (bit 4), echoed back in TSecr. */
#define TCP_COOKIE_NMSS          5
#define TCP_COOKIE_PERIOD_SHIFT  16
#define TCP_COOKIE_MAX_AGE       2
uint16_t tcp_cookie_mss(unsigned idx);
/* The largest table MSS not above mss (index 0 when all are). */
unsigned tcp_cookie_mss_idx(uint32_t mss);
uint32_t tcp_cookie_make(const struct tcp_key *k, uint32_t peer_isn, uint64_t now_ms,
			 unsigned mss_idx);
/* The MSS index, or -1: forged, expired or wrong index. cookie = SEG.ACK - 1,
 * peer_isn = SEG.SEQ - 1 of the ACK completing the handshake. */
int tcp_cookie_check(const struct tcp_key *k, uint32_t peer_isn, uint32_t cookie,
		     uint64_t now_ms);
uint32_t tcp_cookie_tsval(uint64_t now_ms, int wscale, bool sack_ok);
void tcp_cookie_ts_opts(uint32_t tsecr, int *wscale, bool *sack_ok);

/* Per-source counts (struct tcp_src); NULL when absent and !create. */
struct tcp_src *tcp_src_get(struct tcp_worker *tw, const struct tcp_key *k, bool create);
/* c entered SYN-RECEIVED: count it half-open (worker and source). */
void tcp_half_open_add(struct tcp_conn *c);
/* c completed the handshake: no longer half-open, one connection of its
 * source. tcp_conn_release undoes whatever is still counted. */
void tcp_conn_established(struct tcp_conn *c);

/* Byte queues. */
void tcp_mq_push(struct tcp_mq *q, struct rte_mbuf *m);
void tcp_mq_drop(struct tcp_mq *q, uint32_t n);
void tcp_mq_free(struct tcp_mq *q);
/* Copy n bytes starting off bytes into q; the caller checked the range. */
void tcp_mq_copy(const struct tcp_mq *q, uint32_t off, void *dst, uint32_t n);

/* The window we can offer now: free receive space, never shrinking the
 * right edge we advertised (RFC 9293 3.8.6.2.2, RFC 7323 2.4). */
uint32_t tcp_rcv_wnd(const struct tcp_conn *c);

/* Application callbacks, guarded against re-entry. */
void tcp_app_readable(struct tcp_conn *c);
void tcp_app_writable(struct tcp_conn *c);

/* tcp_output.c ------------------------------------------------------------- */

/* Send what the windows allow (data, then FIN), and an ACK if one is owed
 * and nothing else carried it. */
void tcp_output(struct tcp_conn *c);
/* An ACK now (also the challenge ACK and the answer to unacceptable
 * segments). */
void tcp_send_ack(struct tcp_conn *c);
void tcp_send_synack(struct tcp_conn *c);
/* A stateless SYN-ACK carrying a cookie: our MSS, then SACK-permitted, the
 * timestamps and window scale when ts (wscale < 0: none). */
void tcp_send_synack_cookie(struct worker *w, uint16_t port, const struct tcp_key *k,
			    uint32_t iss, uint32_t ack, uint16_t win, uint16_t mss, bool ts,
			    uint32_t tsval, uint32_t tsecr, int wscale, bool sack_ok);
/* Retransmit one segment from SND.UNA (RTO, fast retransmit, probe). */
void tcp_retransmit(struct tcp_conn *c);
/* RST on a connection: <SEQ=SND.NXT><CTL=RST>. */
void tcp_send_rst_conn(struct tcp_conn *c);
/* RST answering a segment that has no connection (RFC 9293 3.10.7.1):
 * th and ip of the offending segment, seglen its sequence length. */
void tcp_send_rst_reply(struct worker *w, uint16_t port, const struct tcp_key *k,
			const struct rte_tcp_hdr *th, uint32_t seglen);
/* RFC 5961 challenge ACK, rate-limited per worker (section 7). */
void tcp_challenge_ack(struct tcp_conn *c);

/* tcp_timer.c -------------------------------------------------------------- */

static inline uint64_t
tcp_now(const struct tcp_worker *tw)
{
	return tw->now_ms;
}

/* Put c on the wheel at its earliest deadline (or off it). */
void tcp_timer_update(struct tcp_conn *c);
void tcp_timer_remove(struct tcp_conn *c);
/* Arm the RTO at now + rto unless armed (restart: always). */
void tcp_rto_arm(struct tcp_conn *c, bool restart);
/* One RTT sample in ms (RFC 6298 2.2, 2.3). */
void tcp_rtt_sample(struct tcp_conn *c, uint32_t r_ms);
/* Owe an ACK: now (TF_ACK_NOW) or after delayed-ack-ms. */
void tcp_delack(struct tcp_conn *c);

/* tcp_testsvc.c ------------------------------------------------------------ */

/* Re-read the snapshot's test services into the listener table. */
void tcp_testsvc_sync(struct worker *w);

#endif
