/* SPDX-License-Identifier: Proprietary
 * Private to dataplane/tcp/: what the stack's files call in each other.
 * Everything here runs on the owning worker lcore.
 */
#ifndef RAMPART_TCP_P_H
#define RAMPART_TCP_P_H

#include <string.h>
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
	uint8_t nsack;         /* RFC 2018 blocks in sack */
	uint32_t sack[4][2];   /* left and right edges, host order */
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
/* The MSS we advertise on port p (tcp_input.c): the port MTU less the IP
 * and TCP headers, at most tcp.mss-clamp when set. What we send is the
 * lesser of it and the peer's, so the clamp bounds both directions. */
struct cfg_tcp;
uint16_t tcp_our_mss(const struct cfg_port *p, int family, const struct cfg_tcp *cfg);
/* The window scale we offer: the smallest that lets rcvbuf be advertised. */
uint8_t tcp_our_wscale(uint32_t rcvbuf);

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
/* Copy n bytes starting off bytes into q; the caller checked the range.
 * Starts from q's cursor when off is at or past it (sequential sends cost
 * O(1) each), else from the head (a retransmission), and leaves the cursor
 * where the copy ended. */
void tcp_mq_copy(struct tcp_mq *q, uint32_t off, void *dst, uint32_t n);
/* The same range as a chain of indirect mbufs from pool attached to q's
 * mbufs (refcounts, no copy), at most max_parts of them, cursor as for
 * tcp_mq_copy. NULL (nothing held) when pool is empty or more parts are
 * needed. */
struct rte_mbuf *tcp_mq_ref(struct tcp_mq *q, uint32_t off, uint32_t n,
			    struct rte_mempool *pool, unsigned max_parts);

/* Received mbufs (tcp_input.c): n fewer held by c (consumed or freed), and
 * how many whole mbufs the first n bytes of c's receive queue occupy (what
 * consuming them frees). */
void tcp_rx_unhold(struct tcp_conn *c, uint32_t n);
/* The worker's bound on held received mbufs now: tcp.rx-mbufs-per-worker,
 * or (0) a quarter of the packet pool per worker. w->snap valid. */
uint32_t tcp_rx_mbufs_cap(struct tcp_worker *tw);
uint32_t tcp_rcvq_whole(const struct tcp_conn *c, uint32_t n);

/* Internet checksum (RFC 1071) over 32-bit words into a 64-bit sum: a
 * quarter of the additions of rte_raw_cksum's 16-bit loop, which was the
 * largest cost of a bulk segment on both sides (2^32 = 2^16 = 1 modulo
 * 2^16 - 1, so the folded result is the same). */
static inline uint64_t
tcp_csum_add_scalar(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint64_t a = 0, b = 0, c = 0, d = 0;
	uint32_t w[4];
	uint16_t h = 0;

	for (; len >= 16; p += 16, len -= 16) {
		memcpy(w, p, 16);
		a += w[0];
		b += w[1];
		c += w[2];
		d += w[3];
	}
	sum += a + b + c + d;
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(w, p, 4);
		sum += w[0];
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		sum += h;
		p += 2;
		len -= 2;
	}
	if (len) {                 /* the odd byte, as rte_raw_cksum pads it */
		h = 0;
		memcpy(&h, p, 1);
		sum += h;
	}
	return sum;
}

/* tcp_csum.c: the same sum 32 bytes at a time, where the CPU has AVX2
 * (tcp_csum_avx2, set before main runs); 4 times the scalar loop's speed
 * on a segment. */
extern bool tcp_csum_avx2;
uint64_t tcp_csum_add_avx2(const void *buf, uint32_t len, uint64_t sum);

static inline uint64_t
tcp_csum_add(const void *buf, uint32_t len, uint64_t sum)
{
	if (len >= 128 && tcp_csum_avx2)
		return tcp_csum_add_avx2(buf, len, sum);
	return tcp_csum_add_scalar(buf, len, sum);
}

static inline uint16_t
tcp_csum_fold(uint64_t sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The segment at l4 (l4len bytes, contiguous) verifies under the pseudo
 * header's sum phdr (rte_ipv4_phdr_cksum / rte_ipv6_phdr_cksum, 0 flags). */
static inline bool
tcp_csum_ok(uint16_t phdr, const void *l4, uint32_t l4len)
{
	return tcp_csum_fold(tcp_csum_add(l4, l4len, phdr)) == 0xffff;
}

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
/* Our SYN of an active open (MSS, SACK-permitted, timestamps, window
 * scale); times it unless it is a retransmission (Karn). */
void tcp_send_syn(struct tcp_conn *c);
/* Keep-alive probe: <SEQ=SND.NXT-1><ACK=RCV.NXT>, no data (RFC 1122
 * 4.2.3.6), which the peer must answer with an ACK. */
void tcp_send_keepalive(struct tcp_conn *c);
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

/* tcp_connect.c ------------------------------------------------------------ */

/* SYN-SENT (RFC 9293 3.10.7.3) for a segment with the given fields and
 * options. Returns TCP_SS_ESTABLISHED when the connection became
 * ESTABLISHED (the caller goes on with the segment's text and FIN, after
 * the SYN, then calls tcp_syn_sent_connected), TCP_SS_DONE when the
 * segment was handled (answered, or the connection released: the caller
 * frees it uncounted), TCP_SS_DROP when it is to be dropped with *why. */
enum tcp_ss_result { TCP_SS_DROP, TCP_SS_DONE, TCP_SS_ESTABLISHED };
enum tcp_ss_result tcp_syn_sent_input(struct tcp_conn *c, const struct rte_tcp_hdr *th,
				      uint32_t seq, uint32_t ack, uint8_t flags,
				      uint32_t wnd, uint32_t seqlen, const struct tcp_opts *o,
				      enum cnt_id *why);
/* Run on_connect of an active open that just became ESTABLISHED; aborts
 * it when the application refuses. Returns false when c is gone. */
bool tcp_syn_sent_connected(struct tcp_conn *c);

/* tcp_keepalive.c ---------------------------------------------------------- */

/* Start c's keep-alive clock once it is established (off when the
 * snapshot's keepalive-idle-ms is 0). */
void tcp_keepalive_arm(struct tcp_conn *c);
/* c's keep-alive deadline passed: probe, re-arm, or reset c (released:
 * TF_REAP set). Leaves t_keep at the next deadline or 0. */
void tcp_keepalive_expired(struct tcp_conn *c);

/* Send [seq, seq+len) of the send queue again (SACK recovery, loss
 * probe), at most one segment; SND.NXT stays. Returns the bytes sent. */
uint32_t tcp_send_range(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* Payload bytes one segment may carry now: the send MSS less the SACK
 * blocks our options will carry (RFC 6691: options come out of the MSS). */
uint32_t tcp_seg_max(const struct tcp_conn *c);

/* tcp_sack.c --------------------------------------------------------------- */

/* The scoreboard (pure, unit-tested): ranges are kept sorted, merged and
 * above SND.UNA; at most TCP_SB_MAX (beyond, the highest is forgotten). */
void tcp_sb_reset(struct tcp_recovery *r);
/* Forget everything below una (the cumulative ACK moved). */
void tcp_sb_ack(struct tcp_recovery *r, uint32_t una);
/* Add a SACK block [start, end). Returns the bytes newly SACKed, or -1 when
 * the block is invalid (empty, above snd_max, or wholly below una). */
int64_t tcp_sb_add(struct tcp_recovery *r, uint32_t una, uint32_t snd_max, uint32_t start,
		   uint32_t end);
/* RFC 6675 IsLost for the unSACKed byte seq: DupThresh (3) SACKed ranges
 * above it or more than 2 * smss SACKed bytes above it. With RACK (r->rack)
 * pipe and NextSeg use r->lost_end instead. */
bool tcp_sb_is_lost(const struct tcp_recovery *r, uint32_t seq, uint32_t smss);
/* RFC 6675 pipe: bytes outstanding, not SACKed, not lost unless
 * retransmitted (below high_rxt). */
uint32_t tcp_sb_pipe(const struct tcp_recovery *r, uint32_t una, uint32_t snd_max,
		     uint32_t smss);
/* RFC 6675 NextSeg rule 1: the first lost byte at or above max(una,
 * high_rxt), up to smss bytes of its hole. Returns false when none. */
bool tcp_sb_next_lost(const struct tcp_recovery *r, uint32_t una, uint32_t smss,
		      uint32_t *seq, uint32_t *len);
/* Go-back-N over a scoreboard: move *seq past any SACKed range it is in;
 * returns how many bytes from there are not SACKed (UINT32_MAX: no range
 * above). */
uint32_t tcp_sb_skip(const struct tcp_recovery *r, uint32_t *seq);

/* The connection side (RFC 2018, 6675, 6582, 5681). */
/* Record a segment's SACK blocks (ack: its cumulative ACK, to recognise a
 * D-SACK, RFC 2883 4); true when they SACKed new bytes. */
bool tcp_recovery_sack(struct tcp_conn *c, const struct tcp_opts *o, uint32_t ack);
/* SND.UNA advanced by acked: undo a recovery the ACK's timestamp proves
 * spurious (RFC 3522 Eifel, RFC 4015), leave recovery (full ACK), handle a
 * partial ACK, or grow cwnd (slow start, congestion avoidance). */
void tcp_recovery_ack(struct tcp_conn *c, uint32_t acked, const struct tcp_opts *o);
/* A duplicate ACK: enter fast recovery on the third (fewer with RFC 5827
 * early retransmit, or when the scoreboard says SND.UNA is lost);
 * inflate cwnd in NewReno recovery. */
void tcp_recovery_dupack(struct tcp_conn *c);
/* Enter fast recovery and retransmit SND.UNA's segment, unless in recovery
 * or (without RACK) the loss is from before RFC 6582's recover; with RACK
 * below recover it enters without reducing the window again. Returns true
 * when it did. */
bool tcp_recovery_enter(struct tcp_conn *c);
/* Retransmit lost holes while pipe allows (SACK recovery). */
bool tcp_recovery_output(struct tcp_conn *c);
/* Bytes of new data the recovery allows past SND.NXT (cwnd - pipe, within
 * the peer's window). */
uint32_t tcp_recovery_avail(const struct tcp_conn *c);
/* RFC 8985 7.2 probe timeout in ms: 2 SRTT (plus the delayed-ACK time for
 * a single segment in flight), at least 10 ms; 0 when no probe is due
 * (nothing in flight, no RTT yet, in recovery, backing off, or the RTO
 * comes first). */
uint32_t tcp_tlp_pto(const struct tcp_conn *c);
/* The probe timer fired: send the last segment in flight again. */
void tcp_tlp_fire(struct tcp_conn *c);
/* Received [start, end) a second time: report it in the next ACK (RFC
 * 2883), when SACK was agreed and the range is not empty. */
void tcp_dsack_note(struct tcp_conn *c, uint32_t start, uint32_t end);
/* The RTO fired: recovery ends, RFC 6582 recover = SND.MAX; a repeated
 * RTO forgets the scoreboard (RFC 2018 8: the receiver may renege). */
void tcp_recovery_rto(struct tcp_conn *c);

/* tcp_rack.c --------------------------------------------------------------- */

/* The part of [s, e) that no SACKed range covers, as [*lo, *hi) from its
 * first to its last uncovered byte; false when all of it is SACKed. */
bool tcp_sb_uncovered(const struct tcp_recovery *r, uint32_t s, uint32_t e, uint32_t *lo,
		      uint32_t *hi);
/* [seq, seq+len) left now: logged when new, remembered when a
 * retransmission. Starts RACK on the first data of a SACK connection. */
void tcp_rack_sent(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* [lo, hi) was newly delivered (SACKed or cumulatively ACKed, no byte of it
 * before): RACK.xmit_ts / end_seq / rtt, min_RTT, reordering seen. Call
 * before SND.UNA and HighRxt move, after tcp_recovery_sack of the same ACK. */
void tcp_rack_delivered(struct tcp_conn *c, uint32_t lo, uint32_t hi);
/* A D-SACK for [start, end): counted; when it covers one of our
 * retransmissions, that was spurious and the reordering window grows. */
void tcp_rack_dsack(struct tcp_conn *c, uint32_t start, uint32_t end);
/* RACK.reo_wnd in ms. */
uint32_t tcp_rack_reo_wnd(const struct tcp_conn *c);
/* After an ACK: mark what is lost (rec.lost_end), arm the reordering
 * timer, enter recovery when SND.UNA is lost. True when more became lost. */
bool tcp_rack_detect(struct tcp_conn *c);
/* The reordering timer fired. */
void tcp_rack_timer(struct tcp_conn *c);
/* Hooks from tcp_sack.c: a recovery began, was undone, an RTO fired. */
void tcp_rack_recovery_started(struct tcp_conn *c);
void tcp_rack_undo(struct tcp_conn *c);
void tcp_rack_rto(struct tcp_conn *c);

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
