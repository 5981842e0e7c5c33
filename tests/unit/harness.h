/* SPDX-License-Identifier: Proprietary
 * Unit-test harness for the dataplane layers: a real EAL (--no-huge,
 * --no-shconf), two ports backed by rte_rings, one worker driven by hand on
 * the main lcore, and helpers to build frames, feed them to the worker and
 * collect what it transmits. No network, no hugepages, no second core.
 */
#ifndef RAMPART_TEST_HARNESS_H
#define RAMPART_TEST_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane.h"
#include "worker.h"
#include "config/config.h"
#include "stats/counters.h"

#define H_PORTS 2

/* The MACs of the ring ports (02:00:00:00:00:10 + port), and a neighbour
 * MAC tests use. */
extern struct rte_ether_addr h_port_mac[H_PORTS];
extern const struct rte_ether_addr h_peer_mac;

/* Boot once per process; later calls only reset counters. Applies
 * config_json (aborts the test on a refused config). */
void h_setup(const char *config_json);

/* Apply a config document; returns 0 or -EINVAL with *err filled. */
int h_apply(const char *config_json, struct config_error *err);

/* Zero every worker and main counter and empty the port rings. */
void h_reset(void);

/* Queue a frame on port's rx ring and run one worker pass. */
void h_rx(uint16_t port, const void *frame, size_t len);

/* Run the main lcore's neighbour work at time now_ms, then a worker pass
 * so that injected frames reach the tx rings. */
void h_main(uint64_t now_ms);

/* Take the next frame transmitted on port (a chain is flattened); NULL when
 * none. Caller frees. */
struct rte_mbuf *h_tx(uint16_t port);

/* Frames waiting on port's tx ring. */
unsigned h_tx_count(uint16_t port);

/* Sum of a counter over the worker and the main lcore. */
uint64_t h_cnt(enum cnt_id id);

/* Feed frame on port 0, run the main lcore's work, and check that exactly
 * counter `id` moved by one and nothing was transmitted on any port. */
void h_expect_dropped(enum cnt_id id, const uint8_t *frame, size_t len);

/* Frame builders: write into buf, return the frame length. Addresses as
 * dotted strings; checksums correct unless a test breaks them after. */
size_t h_eth(uint8_t *buf, const struct rte_ether_addr *dst,
	     const struct rte_ether_addr *src, uint16_t type);
size_t h_ipv4_icmp_echo(uint8_t *buf, const struct rte_ether_addr *dst_mac,
			const char *src, const char *dst, uint16_t id, uint16_t seq,
			size_t payload);
size_t h_arp(uint8_t *buf, uint16_t op, const struct rte_ether_addr *eth_dst,
	     const struct rte_ether_addr *sha, const char *sip,
	     const struct rte_ether_addr *tha, const char *tip);

uint32_t h_ip4(const char *dotted);  /* network order */

#endif
