/* SPDX-License-Identifier: Proprietary
 * libFuzzer: the active-open side of the stack. Each input starts one
 * tcp_connect to 10.0.0.2:1234 (SYN-SENT), and a relay test service on port
 * 8 opens upstream connections to 10.0.0.2:5000 for clients that complete
 * a handshake; keep-alive is on with short timers. The input is a list of
 * records:
 *   ctl  (bit 0: sequence number := our last ACK on that flow; bit 1: ACK :=
 *         the end of our last segment on it -- so the fuzzer gets past the
 *         random ISNs; bit 2: keep the given checksum; bits 3-4: flow: 0 the
 *         active open (1234 -> its local port), 1 a relay client (1235 -> 8),
 *         2 the relay's upstream (5000 -> its local port), 3 no segment but
 *         an application step: open again if the active connection is gone,
 *         else write 700 bytes, then close, then abort; bit 5: the segment's
 *         window and flags are kept as given, else the window is 8192;
 *         bits 6-7: advance the clock by 0, 10, 300 or 5000 ms)
 *   len  (bytes of TCP header and payload that follow, at least 20)
 * The stack must count and drop, answer or queue, never crash or leak: after
 * each input every connection is released and both pools must be whole.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "h_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FLOW_ACTIVE, FLOW_CLIENT, FLOW_UPSTREAM, NFLOWS };

static const uint16_t flow_rport[NFLOWS] = { 1234, 1235, 5000 };

static struct {
	uint16_t lport;        /* ours, host order (0: unknown) */
	uint32_t ack, seq_end;
} flow[NFLOWS];

static struct tcp_conn *active;
static unsigned active_step;

static void
learn_from_tx(void)
{
	struct rte_mbuf *m;

	for (uint16_t p = 0; p < H_PORTS; p++)
		while ((m = h_tx(p)) != NULL) {
			const struct rte_ipv4_hdr *ip =
				rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, 14);
			const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)(ip + 1);

			if (rte_pktmbuf_data_len(m) >= 14 + 40 && ip->next_proto_id == IPPROTO_TCP) {
				uint16_t dport = rte_be_to_cpu_16(th->dst_port);
				uint32_t len = rte_be_to_cpu_16(ip->total_length) - 20 -
					       (th->data_off >> 4) * 4;

				for (unsigned i = 0; i < NFLOWS; i++) {
					if (dport != flow_rport[i])
						continue;
					if (i != FLOW_CLIENT)
						flow[i].lport = rte_be_to_cpu_16(th->src_port);
					flow[i].ack = rte_be_to_cpu_32(th->recv_ack);
					flow[i].seq_end = rte_be_to_cpu_32(th->sent_seq) + len +
						!!(th->tcp_flags & (TH_SYN | TH_FIN));
				}
			}
			rte_pktmbuf_free(m);
		}
}

static int
active_connected(struct tcp_conn *c)
{
	(void)c;
	return 0;
}

static void
active_readable(struct tcp_conn *c)
{
	uint8_t buf[512];

	while (tcp_read(c, buf, sizeof(buf)))
		;
}

static void
active_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)why;
	if (c == active)
		active = NULL;
}

static const struct tcp_app_ops active_ops = {
	.name = "fuzz",
	.on_connect = active_connected,
	.on_readable = active_readable,
	.on_closed = active_closed,
};

static void
open_active(void)
{
	uint32_t a = h_ip4("10.0.0.2");
	int err;

	H_IN_PASS(active = tcp_connect(dp.workers[0], AF_INET, (const uint8_t *)&a, 1234,
				     &active_ops, NULL, &err));
	if (active == NULL)
		return;
	active_step = 0;
	learn_from_tx();
}

/* Flow 3: the application's turn. */
static void
app_step(void)
{
	static const uint8_t blob[700];

	if (active == NULL) {
		open_active();
		return;
	}
	switch (active_step++ % 3) {
	case 0:
		H_IN_PASS(tcp_write(active, blob, sizeof(blob)));
		break;
	case 1:
		H_IN_PASS(tcp_close(active));
		break;
	default:
		H_IN_PASS(tcp_abort(active));
		break;
	}
	learn_from_tx();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t steps[4] = { 0, 10, 300, 5000 };
	static bool ready;
	static unsigned baseline;
	uint8_t f[14 + 20 + 256];

	if (!ready) {
		h_setup("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]}],"
			"\"tcp\":{\"receive-buffer\":4096,\"send-buffer\":4096,\"ooo-max-segments\":4,"
			"\"time-wait-ms\":1000,\"max-connections-per-worker\":8,"
			"\"keepalive-idle-ms\":100,\"keepalive-interval-ms\":50,"
			"\"keepalive-probes\":2},"
			"\"test-services\":[{\"port\":8,\"service\":\"relay\","
			"\"upstream\":\"10.0.0.2\",\"upstream-port\":5000}]}");
		h_tcp_neighbour(H_PEER_ADDR);
		h_tcp_advance(1);
		learn_from_tx();
		baseline = rte_mempool_avail_count(dp.pool);
		ready = true;
	}
	memset(flow, 0, sizeof(flow));
	open_active();
	while (size >= 2) {
		uint8_t ctl = data[0], len = data[1];
		unsigned i = (ctl >> 3) & 3;

		data += 2;
		size -= 2;
		if (len < 20 || len > size)
			break;
		if (i == 3) {
			app_step();
		} else {
			struct rte_tcp_hdr *th = h_tcp_wrap(f, H_PEER_ADDR, data, len);

			th->src_port = rte_cpu_to_be_16(flow_rport[i]);
			th->dst_port = rte_cpu_to_be_16(i == FLOW_CLIENT ? 8 :
							flow[i].lport ? flow[i].lport : 49152);
			if (!(ctl & 32))
				th->rx_win = rte_cpu_to_be_16(8192);
			if (ctl & 1)
				th->sent_seq = rte_cpu_to_be_32(flow[i].ack);
			if (ctl & 2)
				th->recv_ack = rte_cpu_to_be_32(flow[i].seq_end);
			if (!(ctl & 4))
				h_tcp_cksum(f);
			h_rx(0, f, 14 + 20 + len);
			learn_from_tx();
		}
		data += len;
		size -= len;
		if (ctl >> 6) {
			h_tcp_advance(steps[ctl >> 6]);
			learn_from_tx();
		}
	}
	/* Release everything (relay pairs reset each other: inside a pass);
	 * both pools must be whole again. */
	h_tcp_release_all();
	active = NULL;
	h_tcp_advance(1);
	learn_from_tx();
	if (!h_tcp_all_released())
		__builtin_trap();
	if (rte_mempool_avail_count(dp.pool) + 64 < baseline)
		__builtin_trap();
	return 0;
}
