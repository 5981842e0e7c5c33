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
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "h_tcp.h"
#include "proxy/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fuzzer's two client connections to the listener on port 80. */
static struct conn {
	struct h_peer p;
	bool open;
} cn[2];
static uint16_t next_sport = 20000;

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
					if (cn[i].open && cn[i].p.sport == dport)
						cn[i].p.ack = rte_be_to_cpu_32(th->sent_seq) + len +
							!!(th->tcp_flags & (TH_SYN | TH_FIN));
			}
			rte_pktmbuf_free(m);
		}
}

/* A handshake that does not wait for the SYN-ACK: whatever the gateway
 * answers (RST when the table is full) is for the stack to count. */
static void
open_conn(struct conn *c)
{
	c->p = (struct h_peer){ .sport = next_sport++, .dport = 80, .seq = 1000, .win = 65535 };
	if (next_sport == 0)
		next_sport = 20000;
	c->open = true;
	h_tcp_send(&c->p, TH_SYN, NULL, 0);
	learn_from_tx();
	h_tcp_send(&c->p, TH_ACK, NULL, 0);
	learn_from_tx();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t steps[4] = { 0, 10, 600, 3000 };
	static bool ready;

	if (!ready) {
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
		h_tcp_neighbour(H_PEER_ADDR);
		h_tcp_advance(1);
		learn_from_tx();
		ready = true;
	}
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
		if (len)
			h_tcp_send(&c->p, TH_ACK | TH_PSH, data, len);
		data += len;
		size -= len;
		learn_from_tx();
		if (ctl & 4) {
			h_tcp_send(&c->p, TH_ACK | TH_FIN, NULL, 0);
			learn_from_tx();
		}
		/* Acknowledge what came back so the send queues drain. */
		h_tcp_send(&c->p, TH_ACK, NULL, 0);
		learn_from_tx();
		if ((ctl >> 4) & 3) {
			h_tcp_advance(steps[(ctl >> 4) & 3]);
			learn_from_tx();
		}
	}
	/* Release everything: no session may stay in use. */
	h_tcp_release_all();
	h_tcp_advance(1);
	learn_from_tx();
	if (tcp_conn_count(dp.workers[0]) != 0 || proxy_sessions(dp.workers[0]) != 0)
		__builtin_trap();
	return 0;
}
