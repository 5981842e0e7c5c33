/* SPDX-License-Identifier: Proprietary
 * TCP on top of the unit-test harness: the test plays the peer 10.0.0.2
 * on port 0, talking to the worker's 10.0.0.1. One
 * set of frame builders, segment readers and connection helpers for every
 * test that drives the TCP stack through a worker pass.
 */
#ifndef RAMPART_TEST_H_TCP_H
#define RAMPART_TEST_H_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp/tcp_p.h"

/* The test's side: its address on port 0 (the worker is 10.0.0.1). */
#define H_PEER_ADDR "10.0.0.2"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* The peer's side of one connection. */
struct h_peer {
	uint16_t sport, dport;
	uint32_t seq;          /* next sequence number the peer sends */
	uint32_t ack;          /* next byte expected from the worker */
	uint16_t win;          /* the window it advertises */
};

/* A segment as the worker sent it on port 0. */
struct h_seg {
	uint32_t saddr;        /* network order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t win;
	uint32_t len;
	uint8_t data[2048];
	uint8_t opts[40];
	unsigned optlen;
	uint32_t hash;         /* port_flow_hash of the frame */
	bool cksum_ok;         /* IPv4 and TCP checksums verify */
};

/* The TCP API is for the owning worker inside its pass (w->snap valid;
 * what it sends leaves when the pass flushes): run stmt as if in one. */
#define H_IN_PASS(stmt) do { \
	dp.workers[0]->snap = dp_snapshot(); \
	stmt; \
	worker_poll_once(dp.workers[0]); \
} while (0)

/* Apply config from a clean slate, abort the connections an earlier
 * (failed) test left, make 10.0.0.2 a known neighbour on port 0, empty the
 * tx rings and zero the counters. */
void h_tcp_setup(const char *config);

/* Abort every connection of the worker (inside a pass). */
void h_tcp_release_all(void);

/* No connection, half-open or per-source slot left, the send pool whole. */
bool h_tcp_all_released(void);

/* Make addr a known neighbour on port 0 (an ARP request from it). */
void h_tcp_neighbour(const char *addr);

/* Move the worker's TCP clock by ms and run one pass. */
void h_tcp_advance(uint64_t ms);

/* Free every frame waiting on the tx rings. */
void h_tcp_drain(void);

/* Eth + IPv4 src -> 10.0.0.1 around len bytes of TCP header and payload
 * (copied from tcp unless NULL); returns the TCP header in buf. The TCP
 * checksum is left as it is: h_tcp_cksum sets it. */
struct rte_tcp_hdr *h_tcp_wrap(uint8_t *buf, const char *src, const void *tcp, size_t len);
void h_tcp_cksum(uint8_t *frame);

/* Eth + IPv4 src -> 10.0.0.1 + TCP (+ options + data), checksums right. */
size_t h_tcp_frame(uint8_t *buf, const char *src, uint16_t sport, uint16_t dport,
		   uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
		   const uint8_t *opts, size_t optlen, const void *data, size_t len);

/* The same from 10.0.0.2 with p's state; the peer is not changed. */
size_t h_tcp_build(uint8_t *buf, const struct h_peer *p, uint8_t flags,
		   const uint8_t *opts, size_t optlen, const void *data, size_t len);

/* Send a segment from p (one worker pass) and advance p->seq past it. */
void h_tcp_send(struct h_peer *p, uint8_t flags, const void *data, size_t len);
void h_tcp_send_opts(struct h_peer *p, uint8_t flags, const uint8_t *opts, size_t optlen,
		     const void *data, size_t len);

/* A pure ACK of ack with window win and SACK blocks [left, right). */
void h_tcp_send_ack(struct h_peer *p, uint32_t ack, uint16_t win,
		    const uint32_t (*blocks)[2], unsigned nblocks);

/* The next TCP segment sent on port 0, checksum verified; false when none. */
bool h_tcp_take(struct h_seg *r);

/* The same without asserting the checksum (r->cksum_ok tells). */
bool h_tcp_take_unchecked(struct h_seg *r);

/* The option of kind k in r (its first byte), or NULL. */
const uint8_t *h_tcp_opt(const struct h_seg *r, uint8_t k);

/* Handshake from a new source port to dport with ISN iss and SYN options
 * opts; leaves p ESTABLISHED with win 65535 and the SYN-ACK in synack
 * (may be NULL). */
void h_tcp_open(struct h_peer *p, uint16_t dport, uint32_t iss,
		const uint8_t *opts, size_t optlen, struct h_seg *synack);

/* The worker's connection whose remote port is sport; fails the test when
 * there is none. */
struct tcp_conn *h_tcp_conn(uint16_t sport);

#endif
