/* SPDX-License-Identifier: Proprietary
 * Neighbour resolution (ARP for IPv4, ND for IPv6) shared by all workers.
 *
 * One table, one writer: the main lcore creates, updates and expires entries
 * and holds packets that wait for resolution. Workers look entries up without
 * locks (rte_hash in lock-free read mode; each entry's MAC and state live in
 * one 64-bit word read atomically; deleted slots are reused only after an RCU
 * grace period). Everything a worker learns or cannot resolve goes to the main
 * lcore as a punt message on an MP/SC ring; when that ring is full the message
 * is dropped and counted, never waited for.
 *
 * States: INCOMPLETE (solicitations sent, packets held, unusable) ->
 * REACHABLE (usable until reachable-ms passes without confirmation) ->
 * PROBE (still usable; unicast solicitations every retrans-ms; removed after
 * `probes` go unanswered). Any valid ARP/NA from the neighbour makes it
 * REACHABLE again.
 */
#ifndef RAMPART_NEIGH_H
#define RAMPART_NEIGH_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

struct worker;
struct rte_tel_data;
struct snapshot;

enum punt_kind {
	PUNT_LEARN = 1,    /* mac for (port, family, addr) seen on the wire */
	PUNT_RESOLVE,      /* m waits for the MAC of (port, family, addr) */
};

#define NEIGH_F_CREATE    0x01  /* create the entry if absent (they asked for us) */
#define NEIGH_F_CONFIRM   0x02  /* reachability confirmed (reply / solicited NA) */
#define NEIGH_F_OVERRIDE  0x04  /* may replace a known MAC */

struct punt_msg {
	uint8_t kind;
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint16_t port;
	uint8_t flags;
	uint8_t mac[6];
	uint8_t pad;
	uint8_t addr[16];          /* IPv4 in the first 4 bytes, network order */
	struct rte_mbuf *m;        /* PUNT_RESOLVE only */
};

/* Worker side --------------------------------------------------------- */

/* Send m (an IP packet with room for an Ethernet header in front) to next
 * hop `addr` on `port`: fills the Ethernet header and queues it when the MAC
 * is known, else hands it to the main lcore to hold until resolution.
 * Takes ownership of m. Worker lcore; never blocks. */
void neigh_output(struct worker *w, struct rte_mbuf *m, uint16_t port,
		  int family, const void *addr, uint16_t ether_type);

/* Tell the main lcore what a valid ARP/ND packet showed. Worker lcore. */
void neigh_learn(struct worker *w, uint16_t port, int family, const void *addr,
		 const struct rte_ether_addr *mac, uint8_t flags);

/* Main lcore side ------------------------------------------------------- */

/* Create the table. Returns 0 or -errno. Main lcore, at boot. */
int neigh_init(unsigned capacity);
void neigh_fini(void);

/* Drain the punt ring and run the timers. Main lcore. */
void neigh_main_poll(uint64_t now_ms);

/* A new snapshot was published: drop entries on ports that lost their
 * configuration. Main lcore. */
void neigh_config_changed(const struct snapshot *s);

/* Telemetry: the table as a list of dicts. Telemetry thread. */
int neigh_export(struct rte_tel_data *d);

#endif
