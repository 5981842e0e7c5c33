/* SPDX-License-Identifier: Proprietary
 * libFuzzer: HTTP bytes, cut into any segments, into the proxy's sessions
 * through the real worker pass (TCP handshake done by the harness side, so
 * every input reaches the HTTP layer). The input is a list of records:
 *   ctl  (bit 0: connection 0 or 1; bit 1: open that connection anew
 *         first; bit 2: send FIN after the data; bits 4-5: advance the
 *         clock by 0, 10, 600 or 3000 ms after the segment)
 *   len  (bytes of data that follow, may be 0)
 * Limits are small, the timeouts short, and one route forwards to an
 * upstream that never answers (connect timeout → 504), so refusals,
 * pipelining, timeouts and the forwarding paths are all reachable.
 * Whatever arrives, nothing may crash or leak: after each input every
 * connection is released and no session may remain in use.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "harness.h"
#include "proxy/proxy.h"
#include "tcp/tcp_p.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct conn {
	uint16_t sport;
	uint32_t seq, ack;
	bool open;
} cn[2];
static uint16_t next_sport = 20000;

static size_t
build(uint8_t *buf, const struct conn *c, uint8_t flags, const uint8_t *d, size_t len)
{
	size_t off = h_eth(buf, &h_port_mac[0], &h_peer_mac, RTE_ETHER_TYPE_IPV4);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(buf + off);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*th) + len);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = h_ip4("10.0.0.2");
	ip->dst_addr = h_ip4("10.0.0.1");
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(c->sport);
	th->dst_port = rte_cpu_to_be_16(80);
	th->sent_seq = rte_cpu_to_be_32(c->seq);
	th->recv_ack = rte_cpu_to_be_32(c->ack);
	th->data_off = 5 << 4;
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
	if (len)
		memcpy(th + 1, d, len);
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return off + sizeof(*ip) + sizeof(*th) + len;
}

/* Follow what the gateway sent: the next byte we must acknowledge. */
static void
learn_from_tx(void)
{
	struct rte_mbuf *m;

	for (uint16_t p = 0; p < H_PORTS; p++)
		while ((m = h_tx(p)) != NULL) {
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
			const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);

			if (p == 0 && rte_pktmbuf_data_len(m) >= 14 + 40 &&
			    ip->next_proto_id == IPPROTO_TCP) {
				uint16_t dport = rte_be_to_cpu_16(th->dst_port);
				uint32_t len = rte_be_to_cpu_16(ip->total_length) - 20 -
					       (th->data_off >> 4) * 4;

				for (unsigned i = 0; i < 2; i++)
					if (cn[i].open && cn[i].sport == dport)
						cn[i].ack = rte_be_to_cpu_32(th->sent_seq) + len +
							!!(th->tcp_flags & (TH_SYN | TH_FIN));
			}
			rte_pktmbuf_free(m);
		}
}

static void
advance(uint64_t ms)
{
	struct worker *w = dp.workers[0];

	tcp_clock_set(w, w->tcp->now_ms + ms);
	worker_poll_once(w);
}

static void
open_conn(struct conn *c)
{
	uint8_t f[128];

	c->sport = next_sport++;
	if (next_sport == 0)
		next_sport = 20000;
	c->seq = 1000;
	c->ack = 0;
	c->open = true;
	h_rx(0, f, build(f, c, TH_SYN, NULL, 0));
	learn_from_tx();
	c->seq++;
	h_rx(0, f, build(f, c, TH_ACK, NULL, 0));
	learn_from_tx();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t steps[4] = { 0, 10, 600, 3000 };
	static bool ready;
	struct tcp_worker *tw;
	uint8_t f[14 + 40 + 256];

	if (!ready) {
		static const struct rte_ether_addr bcast = {{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }};
		static const struct rte_ether_addr zero;
		size_t n;

		h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
			"\"tcp\":{\"time-wait-ms\":100,\"max-connections-per-worker\":16},"
			"\"http\":{\"max-sessions-per-worker\":4,"
			"\"limits\":{\"request-line\":128,\"header-count\":6,\"header-bytes\":300,"
			"\"body\":200,\"chunk\":64},"
			"\"timeouts\":{\"header-read-ms\":500,\"body-idle-ms\":500,"
			"\"keepalive-idle-ms\":1000,\"upstream-connect-ms\":100}},"
			"\"listeners\":[{\"name\":\"web\",\"port\":80}],"
			"\"upstreams\":[{\"name\":\"u\",\"servers\":[{\"address\":\"10.0.0.3\",\"port\":8080}]}],"
			"\"routes\":[{\"name\":\"api\",\"listener\":\"web\",\"host\":\"a\","
			"\"path-prefix\":\"/api\",\"methods\":[\"GET\",\"POST\"],\"upstream\":\"u\"}]}");
		n = h_arp(f, RTE_ARP_OP_REQUEST, &bcast, &h_peer_mac, "10.0.0.2", &zero, "10.0.0.1");
		h_rx(0, f, n);
		h_main(1);
		advance(1);
		learn_from_tx();
		ready = true;
	}
	tw = dp.workers[0]->tcp;
	memset(cn, 0, sizeof(cn));
	while (size >= 2) {
		uint8_t ctl = data[0], len = data[1];
		struct conn *c = &cn[ctl & 1];

		data += 2;
		size -= 2;
		if (len > size)
			break;
		if (!c->open || (ctl & 2))
			open_conn(c);
		if (len) {
			h_rx(0, f, build(f, c, TH_ACK | TH_PSH, data, len));
			c->seq += len;
		}
		data += len;
		size -= len;
		learn_from_tx();
		if (ctl & 4) {
			h_rx(0, f, build(f, c, TH_ACK | TH_FIN, NULL, 0));
			c->seq++;
			learn_from_tx();
		}
		/* Acknowledge what came back so the send queues drain. */
		h_rx(0, f, build(f, c, TH_ACK, NULL, 0));
		learn_from_tx();
		if ((ctl >> 4) & 3) {
			advance(steps[(ctl >> 4) & 3]);
			learn_from_tx();
		}
	}
	/* Release everything, as a worker pass would (the callbacks may send
	 * RSTs, which need the snapshot): no session may stay in use. */
	dp.workers[0]->snap = dp_snapshot();
	for (uint32_t k = 0; k < TCP_MAX_CONNS; k++)
		if (tw->conns[k].state != TCP_CLOSED)
			tcp_conn_release(&tw->conns[k], TCP_CLOSE_ABORT);
	dp.workers[0]->snap = NULL;
	advance(1);
	learn_from_tx();
	if (tcp_conn_count(dp.workers[0]) != 0 || proxy_sessions(dp.workers[0]) != 0)
		__builtin_trap();
	return 0;
}
