/* SPDX-License-Identifier: Proprietary
 * libFuzzer: arbitrary frames into the worker's Ethernet input on a port
 * with IPv4 and IPv6 addresses, with the main lcore's neighbour work run
 * after each one. Whatever arrives, the worker must count and drop or
 * answer, never crash, leak an mbuf or read past the frame.
 */
#include <stdint.h>
#include <stddef.h>
#include <rte_mempool.h>

#include "harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static uint64_t now;
	static unsigned baseline;
	struct rte_mbuf *m;

	if (!ready) {
		h_setup("{\"schema\":1,\"ports\":["
			"{\"port\":0,\"addresses\":[\"10.0.0.1/24\",\"fd00::1/64\"],"
			" \"gateway4\":\"10.0.0.254\",\"gateway6\":\"fe80::1\"},"
			"{\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}]}");
		baseline = rte_mempool_avail_count(dp.pool);
		ready = true;
	}
	/* First byte picks the port; the rest is the frame. */
	if (size < 1 || size > 2048)
		return 0;
	h_rx(data[0] & 1, data + 1, size - 1);
	h_main(now += 7);
	for (uint16_t p = 0; p < H_PORTS; p++)
		while ((m = h_tx(p)) != NULL)
			rte_pktmbuf_free(m);
	/* Held packets wait for resolution, bounded; nothing else may stay. */
	if (rte_mempool_avail_count(dp.pool) + 4096 + 64 < baseline)
		__builtin_trap();
	return 0;
}
