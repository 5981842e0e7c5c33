/* SPDX-License-Identifier: Proprietary
 * ICMPv6 and neighbour discovery (RFC 4443, RFC 4861).
 */
#ifndef RAMPART_ICMP6_H
#define RAMPART_ICMP6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_ether.h>
#include <rte_mempool.h>

#include "config/config_types.h"
#include "net/ipv6.h"

/* ICMPv6 types (RFC 4443 2.1, RFC 4861 4). */
#define ICMP6_ECHO_REQUEST   128
#define ICMP6_ECHO_REPLY     129
#define ND_ROUTER_SOLICIT    133
#define ND_ROUTER_ADVERT     134
#define ND_NEIGHBOR_SOLICIT  135
#define ND_NEIGHBOR_ADVERT   136
#define ND_REDIRECT          137

/* ND option types (RFC 4861 4.6). */
#define ND_OPT_SLLA          1
#define ND_OPT_TLLA          2

/* NA flags, first byte of the reserved word (RFC 4861 4.4). */
#define ND_NA_F_ROUTER       0x80
#define ND_NA_F_SOLICITED    0x40
#define ND_NA_F_OVERRIDE     0x20

#define ND_HOP_LIMIT         255  /* every ND message (RFC 4861 7.1) */

/* The fixed part of NS and NA: type, code, checksum, reserved/flags, target
 * (RFC 4861 4.3, 4.4), then options. */
struct nd_msg {
	uint8_t type;
	uint8_t code;
	rte_be16_t cksum;
	uint8_t flags;            /* NA only; 0 in NS */
	uint8_t reserved[3];
	uint8_t target[16];
};

/* A link-layer address option for Ethernet: 8 bytes (RFC 2464 6). */
struct nd_opt_lla {
	uint8_t type;
	uint8_t len;              /* in units of 8 bytes: 1 */
	struct rte_ether_addr mac;
};

/* Natural layouts (2-byte aligned, which the mbuf offsets respect). */
_Static_assert(sizeof(struct nd_msg) == 24, "nd_msg is 24 bytes");
_Static_assert(sizeof(struct nd_opt_lla) == 8, "nd_opt_lla is 8 bytes");

/* Neighbour discovery ----------------------------------------------------- */

/* Build a neighbour solicitation (RFC 4861 7.2.2) for target from the port's
 * address in the target's prefix, else its link-local address.
 * dst NULL: to the solicited-node multicast group; else unicast to dst.
 * Returns a complete frame with m->port set, or NULL. Main lcore. */
struct rte_mbuf *nd_build_solicit(struct rte_mempool *pool, uint16_t port,
				  const struct cfg_port *p, const uint8_t target[16],
				  const struct rte_ether_addr *dst);

#endif
