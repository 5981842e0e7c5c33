/* SPDX-License-Identifier: Proprietary
 * libFuzzer: sequences of TCP segments from one peer (up to four source
 * ports) into the stack's echo and discard services, with time advancing
 * between them. The input is a list of records:
 *   ctl  (bit 0: sequence number := our last ACK; bit 1: ACK := the end of
 *         our last segment -- so that the fuzzer can reach every state
 *         despite random ISNs; bit 2: keep the given checksum; bit 3: to the
 *         discard port; bits 4-5: source port; bits 6-7: advance the clock
 *         by 0, 10, 300 or 5000 ms)
 *   len  (bytes of TCP header and payload that follow, at least 20)
 * The backlog is 2 half-open connections, so a third SYN gets a SYN cookie
 * (and ctl bit 1 turns the next ACK into a valid cookie ACK); per-source
 * limits are on (3 half-open, 6 connections), all four ports sharing one
 * source. Whatever arrives, the stack must count and drop, answer or queue, never
 * crash, read past a segment or leak an mbuf: after each input every
 * connection is released and both pools must be whole again.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "h_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct { uint32_t ack, seq_end; } peer[4];

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
				unsigned i = (rte_be_to_cpu_16(th->dst_port) - 1234) & 3;
				uint32_t len = rte_be_to_cpu_16(ip->total_length) - 20 -
					       (th->data_off >> 4) * 4;

				peer[i].ack = rte_be_to_cpu_32(th->recv_ack);
				peer[i].seq_end = rte_be_to_cpu_32(th->sent_seq) + len +
					!!(th->tcp_flags & (TH_SYN | TH_FIN));
			}
			rte_pktmbuf_free(m);
		}
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
			"\"syn-backlog\":2,\"max-half-open-per-source\":3,"
			"\"max-connections-per-source\":6},"
			"\"test-services\":[{\"port\":7,\"service\":\"echo\"},"
			"{\"port\":9,\"service\":\"discard\"}]}");
		h_tcp_neighbour(H_PEER_ADDR);
		h_tcp_advance(1);
		learn_from_tx();
		baseline = rte_mempool_avail_count(dp.pool);
		ready = true;
	}
	memset(peer, 0, sizeof(peer));
	while (size >= 2) {
		uint8_t ctl = data[0], len = data[1];
		struct rte_tcp_hdr *th;
		unsigned i = (ctl >> 4) & 3;

		data += 2;
		size -= 2;
		if (len < 20 || len > size)
			break;
		th = h_tcp_wrap(f, H_PEER_ADDR, data, len);
		data += len;
		size -= len;
		th->src_port = rte_cpu_to_be_16(1234 + i);
		th->dst_port = rte_cpu_to_be_16(ctl & 8 ? 9 : 7);
		if (ctl & 1)
			th->sent_seq = rte_cpu_to_be_32(peer[i].ack);
		if (ctl & 2)
			th->recv_ack = rte_cpu_to_be_32(peer[i].seq_end);
		if (!(ctl & 4))
			h_tcp_cksum(f);
		h_rx(0, f, 14 + 20 + len);
		learn_from_tx();
		if (ctl >> 6) {
			h_tcp_advance(steps[ctl >> 6]);
			learn_from_tx();
		}
	}
	/* Release everything; both pools must be whole again. */
	h_tcp_release_all();
	h_tcp_advance(1);
	learn_from_tx();
	if (!h_tcp_all_released())
		__builtin_trap();
	if (rte_mempool_avail_count(dp.pool) + 64 < baseline)
		__builtin_trap();
	return 0;
}
