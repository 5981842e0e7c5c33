/* SPDX-License-Identifier: Proprietary
 * ICMP errors about our TCP segments (RFC 5927 checks first: the quoted
 * segment must belong to a connection and its sequence number be in flight,
 * SND.UNA <= SEG.SEQ < SND.MAX, so a blind attacker must guess both):
 *
 *   - "fragmentation needed" (ICMP type 3 code 4, RFC 1191) and ICMPv6
 *     "packet too big" (RFC 8201) lower the connection's send MSS to the
 *     reported MTU (never below 576 / 1280 bytes) and send what was in
 *     flight again in smaller segments; cwnd is untouched (not congestion);
 *   - hard errors (protocol/port unreachable, administratively prohibited;
 *     ICMPv6 port unreachable / prohibited) end an active open in SYN-SENT
 *     at once with TCP_CLOSE_REFUSED (RFC 1122 4.2.3.9, RFC 5461 4.1);
 *     every other error, and any in a synchronized state, is soft: counted
 *     and ignored (RFC 5461: the RTO decides).
 *
 * The error reaches the worker the NIC or dispatcher hashed it to; the
 * connection is looked up in that worker's table only (an error that lands
 * on another worker is counted as no connection and ignored).
 */
#include <string.h>
#include <sys/socket.h>

#include "tcp/tcp_p.h"

#define ICMP4_DEST_UNREACH   3
#define ICMP4_FRAG_NEEDED    4      /* code of type 3 */
#define ICMP6_DST_UNREACH_T  1
#define ICMP6_TOO_BIG        2
#define MIN_MTU4             576
#define MIN_MTU6             1280

static bool
hard_error(int family, uint8_t type, uint8_t code)
{
	if (family == AF_INET)
		/* Protocol, port unreachable; net, host, communication
		 * administratively prohibited (RFC 1812 5.2.7.1). */
		return type == ICMP4_DEST_UNREACH &&
		       (code == 2 || code == 3 || code == 9 || code == 10 || code == 13);
	/* RFC 4443 3.1: administratively prohibited, port unreachable,
	 * reject route. */
	return type == ICMP6_DST_UNREACH_T && (code == 1 || code == 4 || code == 6);
}

static void
pmtu_lower(struct tcp_conn *c, int family, uint32_t mtu)
{
	uint32_t mss;

	mtu = RTE_MAX(mtu, family == AF_INET ? (uint32_t)MIN_MTU4 : (uint32_t)MIN_MTU6);
	mss = mtu - (family == AF_INET ? 20u : 40u) - (uint32_t)sizeof(struct rte_tcp_hdr) -
	      ((c->flags & TF_TS_OK) ? 12u : 0u);
	if (mss >= c->smss) {
		worker_count(c->tw->w, CNT_TCP_ICMP_MTU_NOT_LOWER);
		return;
	}
	worker_count(c->tw->w, CNT_TCP_PMTU_LOWERED);
	c->smss = (uint16_t)mss;
	c->cwnd = RTE_MAX(c->cwnd, 2u * mss);
	/* RFC 1191 6.5: what was sent at the old size was dropped; send it
	 * again at the new size. Not a congestion signal: cwnd stays. */
	if (c->snd_nxt != c->snd_una && (c->state == TCP_ESTABLISHED ||
					 c->state == TCP_CLOSE_WAIT ||
					 c->state == TCP_FIN_WAIT_1 ||
					 c->state == TCP_CLOSING || c->state == TCP_LAST_ACK)) {
		c->snd_nxt = c->snd_una;
		tcp_output(c);
	}
}

void
tcp_icmp_error(struct worker *w, struct rte_mbuf *m, int family, const uint8_t *msg,
	       uint32_t len)
{
	uint8_t type = msg[0], code = msg[1];
	struct tcp_conn *c;
	struct tcp_key k;
	const uint8_t *q = msg + 8, *th;
	uint32_t qlen = len > 8 ? len - 8 : 0, seq, mtu;

	worker_count(w, CNT_TCP_ICMP_RX);
	memset(&k, 0, sizeof(k));
	k.family = (uint8_t)family;
	/* The quoted IP header, then at least the first 8 bytes of TCP:
	 * ports and sequence number (RFC 792, RFC 4443 2.4 (c)). */
	if (family == AF_INET) {
		unsigned ihl;

		if (qlen < 20 || (q[0] >> 4) != 4 || (ihl = (q[0] & 0xf) * 4u) < 20 ||
		    qlen < ihl + 8 || q[9] != IPPROTO_TCP) {
			worker_drop(w, m, CNT_TCP_DROP_ICMP_BAD_QUOTE);
			return;
		}
		memcpy(k.laddr, q + 12, 4);
		memcpy(k.raddr, q + 16, 4);
		th = q + ihl;
		mtu = (uint32_t)msg[6] << 8 | msg[7];
	} else {
		if (qlen < 40 + 8 || (q[0] >> 4) != 6 || q[6] != IPPROTO_TCP) {
			worker_drop(w, m, CNT_TCP_DROP_ICMP_BAD_QUOTE);
			return;
		}
		memcpy(k.laddr, q + 8, 16);
		memcpy(k.raddr, q + 24, 16);
		th = q + 40;
		mtu = (uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 | (uint32_t)msg[6] << 8 |
		      msg[7];
	}
	memcpy(&k.lport, th, 2);
	memcpy(&k.rport, th + 2, 2);
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	c = tcp_conn_lookup(w->tcp, &k);
	if (c == NULL || c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT) {
		worker_drop(w, m, CNT_TCP_DROP_ICMP_NO_CONN);
		return;
	}
	/* RFC 5927 4.1: only for data in flight. */
	if (SEQ_LT(seq, c->snd_una) || !SEQ_LT(seq, c->snd_max)) {
		worker_drop(w, m, CNT_TCP_DROP_ICMP_OUT_OF_WINDOW);
		return;
	}
	if ((family == AF_INET && type == ICMP4_DEST_UNREACH && code == ICMP4_FRAG_NEEDED) ||
	    (family == AF_INET6 && type == ICMP6_TOO_BIG)) {
		/* RFC 1191 5: MTU 0 is an old router's: not handled. */
		if (mtu == 0) {
			worker_drop(w, m, CNT_TCP_DROP_ICMP_BAD_QUOTE);
			return;
		}
		pmtu_lower(c, family, mtu);
		rte_pktmbuf_free(m);
		return;
	}
	if (c->state == TCP_SYN_SENT && hard_error(family, type, code)) {
		worker_count(w, CNT_TCP_CONNECT_UNREACHABLE);
		rte_pktmbuf_free(m);
		tcp_conn_release(c, TCP_CLOSE_REFUSED);
		return;
	}
	worker_drop(w, m, CNT_TCP_ICMP_SOFT_ERROR);
}
