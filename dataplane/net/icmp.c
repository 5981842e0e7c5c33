/* SPDX-License-Identifier: Proprietary
 * ICMP (RFC 792): echo replies, built in place from the request.
 */
#include <sys/socket.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include "worker.h"
#include "net/net.h"
#include "tcp/tcp.h"

void
icmp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p)
{
	struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod(m, struct rte_icmp_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m);
	struct rte_ipv4_hdr *ip;
	uint32_t tmp;
	uint32_t sum;

	(void)p;
	worker_count(w, CNT_ICMP_RX);
	if (unlikely(len < sizeof(*icmp))) {
		worker_drop(w, m, CNT_ICMP_DROP_TRUNCATED);
		return;
	}
	if (unlikely(rte_raw_cksum(icmp, len) != 0xffff)) {
		worker_drop(w, m, CNT_ICMP_DROP_BAD_CHECKSUM);
		return;
	}
	/* Destination unreachable quoting a TCP segment: TCP's (path MTU,
	 * failed connects). */
	if (icmp->icmp_type == 3 && len >= 8 + 20 && ((const uint8_t *)icmp)[8 + 9] == IPPROTO_TCP) {
		tcp_icmp_error(w, m, AF_INET, (const uint8_t *)icmp, len);
		return;
	}
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		worker_drop(w, m, CNT_ICMP_DROP_UNHANDLED);
		return;
	}
	worker_count(w, CNT_ICMP_RX_ECHO_REQUEST);
	if (unlikely(!w->snap->icmp_echo)) {
		worker_drop(w, m, CNT_ICMP_DROP_ECHO_DISABLED);
		return;
	}

	/* Type 8 -> 0 changes one 16-bit word: update the checksum
	 * incrementally (RFC 1624). */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	sum = (~rte_be_to_cpu_16(icmp->icmp_cksum) & 0xffff) + 0xf7ff;
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = rte_cpu_to_be_16(~sum & 0xffff);

	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*ip));
	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = 64;
	ip->packet_id = 0;
	ip->fragment_offset = 0;
	ip->type_of_service = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	worker_count(w, CNT_ICMP_TX_ECHO_REPLY);
	ipv4_output(w, m, m->port);
}
