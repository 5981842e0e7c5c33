/* SPDX-License-Identifier: Proprietary
 * IPv6 address predicates (RFC 4291) and the per-port ones the IPv6, ICMPv6
 * and config layers share.
 *
 * Addresses are 16-byte arrays in network order everywhere. The per-port
 * predicates read a snapshot port and are safe on any thread that holds the
 * snapshot.
 */
#ifndef RAMPART_IPV6_H
#define RAMPART_IPV6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_ether.h>

#include "config/config_types.h"

/* Address predicates ------------------------------------------------------ */

static inline bool
ip6_is_mcast(const uint8_t a[16])
{
	return a[0] == 0xff;
}

static inline bool
ip6_is_unspec(const uint8_t a[16])
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

static inline bool
ip6_is_loopback(const uint8_t a[16])
{
	static const uint8_t lo[16] = { [15] = 1 };

	return memcmp(a, lo, 16) == 0;
}

/* fe80::/10 (RFC 4291 2.5.6). */
static inline bool
ip6_is_linklocal(const uint8_t a[16])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ::ffff:0:0/96, never valid on the wire (RFC 4291 2.5.5.2, RFC 4942 2.2). */
static inline bool
ip6_is_v4mapped(const uint8_t a[16])
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, pfx, 12) == 0;
}

/* ff02::1, all-nodes link-local (RFC 4291 2.7.1). */
static inline bool
ip6_is_all_nodes(const uint8_t a[16])
{
	static const uint8_t an[16] = { 0xff, 0x02, [15] = 1 };

	return memcmp(a, an, 16) == 0;
}

/* ff02::1:ff00:0/104, the solicited-node groups (RFC 4291 2.7.1). */
static inline bool
ip6_is_solicited_node(const uint8_t a[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	return memcmp(a, pfx, 13) == 0;
}

static inline void
ip6_solicited_node(const uint8_t a[16], uint8_t out[16])
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	memcpy(out, pfx, 13);
	memcpy(out + 13, a + 13, 3);
}

/* The Ethernet group of an IPv6 multicast address: 33:33 + low 32 bits
 * (RFC 2464 7). */
static inline void
ip6_mcast_mac(const uint8_t a[16], struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(&mac->addr_bytes[2], a + 12, 4);
}

static inline bool
ip6_prefix_match(const uint8_t a[16], const uint8_t b[16], uint8_t plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

/* Has the port a link-local address (its MAC is known)? */
static inline bool
cfg_port_has_ll6(const struct cfg_port *p)
{
	return ip6_is_linklocal(p->ll6);
}

/* One of the port's addresses: configured, or its link-local. */
static inline bool
cfg_port_has6(const struct cfg_port *p, const uint8_t a[16])
{
	if (cfg_port_has_ll6(p) && memcmp(a, p->ll6, 16) == 0)
		return true;
	for (unsigned i = 0; i < p->n6; i++)
		if (memcmp(a, p->v6[i].addr, 16) == 0)
			return true;
	return false;
}

/* The index of the port's configured address whose prefix holds a, or -1. */
static inline int
cfg_port_prefix6(const struct cfg_port *p, const uint8_t a[16])
{
	for (unsigned i = 0; i < p->n6; i++)
		if (ip6_prefix_match(a, p->v6[i].addr, p->v6[i].plen))
			return (int)i;
	return -1;
}

/* On-link: link-local, or inside one of the port's prefixes (RFC 4861 5.2). */
static inline bool
cfg_port_onlink6(const struct cfg_port *p, const uint8_t a[16])
{
	return ip6_is_linklocal(a) || cfg_port_prefix6(p, a) >= 0;
}

/* A multicast group the port listens to: all-nodes, or the solicited-node
 * group of one of its addresses. */
static inline bool
cfg_port_joined6(const struct cfg_port *p, const uint8_t a[16])
{
	if (ip6_is_all_nodes(a))
		return true;
	if (!ip6_is_solicited_node(a))
		return false;
	if (cfg_port_has_ll6(p) && memcmp(a + 13, p->ll6 + 13, 3) == 0)
		return true;
	for (unsigned i = 0; i < p->n6; i++)
		if (memcmp(a + 13, p->v6[i].addr + 13, 3) == 0)
			return true;
	return false;
}

/* The source for a packet to peer: the port's address in peer's prefix,
 * else its link-local (RFC 6724 rule 2 in its simplest form). NULL when the
 * port has neither. */
static inline const uint8_t *
cfg_port_src6(const struct cfg_port *p, const uint8_t peer[16])
{
	int i = ip6_is_linklocal(peer) ? -1 : cfg_port_prefix6(p, peer);

	if (i >= 0)
		return p->v6[i].addr;
	return cfg_port_has_ll6(p) ? p->ll6 : NULL;
}

#endif
