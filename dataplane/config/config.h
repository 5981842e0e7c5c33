/* SPDX-License-Identifier: Proprietary
 * Config documents (docs/CONTROL-CHANNEL.md) to snapshots, and the address
 * predicates the layers use on a snapshot.
 */
#ifndef RAMPART_CONFIG_H
#define RAMPART_CONFIG_H

#include <jansson.h>
#include "config/config_types.h"

struct config_error {
	char path[128];      /* JSON pointer into the document, "" for the whole */
	char message[256];
};

/* Validate a whole config document and build a snapshot from it.
 * @param doc     the parsed document (not kept)
 * @param nports  ports this dataplane has; a port index beyond is refused
 * @param err     filled on failure with the first bad field and why
 * @return a malloc'd snapshot with generation 0 and no MACs (the caller
 *         stamps both), or NULL with *err set. Any thread; never blocks. */
struct snapshot *config_parse(const json_t *doc, uint16_t nports,
			      struct config_error *err);

/* The snapshot used before any configuration arrives: no port configured. */
struct snapshot *config_empty(uint16_t nports);

/* Free a snapshot; accepts NULL. */
void snapshot_free(struct snapshot *s);

/* Derive the EUI-64 link-local address fe80::/64 from a MAC (RFC 4291 A). */
void config_ll6_from_mac(const struct rte_ether_addr *mac, uint8_t out[16]);

static inline bool
cfg_port_has4(const struct cfg_port *p, uint32_t addr)
{
	for (unsigned i = 0; i < p->n4; i++)
		if (p->v4[i].addr == addr)
			return true;
	return false;
}

/* Is addr inside one of the port's IPv4 subnets? */
static inline bool
cfg_port_onlink4(const struct cfg_port *p, uint32_t addr)
{
	for (unsigned i = 0; i < p->n4; i++)
		if ((addr & p->v4[i].mask) == (p->v4[i].addr & p->v4[i].mask))
			return true;
	return false;
}

/* The subnet broadcast address of one of the port's subnets? */
static inline bool
cfg_port_bcast4(const struct cfg_port *p, uint32_t addr)
{
	for (unsigned i = 0; i < p->n4; i++)
		if (p->v4[i].plen < 31 &&
		    addr == (p->v4[i].addr | ~p->v4[i].mask))
			return true;
	return false;
}

#endif
