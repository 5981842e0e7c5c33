/* SPDX-License-Identifier: Proprietary
 * Ports: device setup and the software dispatcher.
 *
 * Every worker owns one tx queue on every port. Rx: a port whose NIC does RSS
 * gets one rx queue per worker with a symmetric Toeplitz key, so both
 * directions of a flow land on the same worker. A port without RSS (vdevs:
 * af_packet, tap, memif, ring) gets as many rx queues as it offers up to the
 * worker count; the worker polling such a queue computes the same symmetric
 * Toeplitz hash in software and hands each packet to its owner over an SP/SC
 * ring. Either way the owner of a flow is port_owner(hash), the one function
 * the TCP layer will also use to pick local ports for upstream connections.
 */
#ifndef RAMPART_PORT_H
#define RAMPART_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "config/config_types.h"

#define PORT_RETA_SIZE 128

/* Port MTUs (IP bytes per frame): the config's range and the default. The
 * largest a dataplane may be configured with is fixed at boot (dp.max_mtu,
 * rampart-dp --max-mtu), because it sizes the packet buffers. */
#define PORT_MTU_MIN     576
#define PORT_MTU_DEFAULT 1500
#define PORT_MTU_MAX     9000
/* Ethernet bytes around the IP packet: header, two VLAN tags, FCS. */
#define PORT_L2_OVERHEAD (RTE_ETHER_HDR_LEN + 2 * 4 + RTE_ETHER_CRC_LEN)

struct port_info {
	bool rss;                    /* hardware spreads flows for us */
	uint16_t nrxq, ntxq;
	struct rte_ether_addr mac;
	char driver[32];
	/* Segments one tx frame may have: 1 unless the PMD takes mbuf chains
	 * and frees each segment (no MBUF_FAST_FREE), so that TCP can send
	 * payload by reference (indirect mbufs, tcp_output.c). */
	uint16_t tx_seg_max;
	/* Written by port_poll_links() on the main lcore, read anywhere. */
	bool link_up;
	uint32_t link_speed;         /* Mbit/s, 0 when unknown */
};

extern struct port_info port_info[CFG_MAX_PORTS];
extern uint8_t port_reta[PORT_RETA_SIZE];  /* hash -> worker, shared by all ports */

/* Data room (headroom included) of a packet mbuf that holds a whole frame
 * of IP MTU mtu: DPDK's default (2048 + headroom) up to a 1500 MTU, else
 * the frame rounded up to 1 KiB, so that every received frame is one mbuf
 * (eth_input drops chains) and TCP can copy a full segment into one. */
uint16_t port_mbuf_data_room(uint16_t mtu);

/* Configure and start every probed port for nworkers workers.
 * Devices that enforce a frame size are set to dp.max_mtu (the largest port
 * MTU the config may ask for); one that cannot take it is an error.
 * Returns 0, or -errno after logging which port and why. Main lcore, at boot. */
int port_init_all(uint16_t nports, unsigned nworkers, struct rte_mempool *pool);

/* Refresh link state without waiting (memif and most vdevs raise no link
 * interrupt) and log changes. Main lcore, a few times a second. */
void port_poll_links(uint16_t nports);

/* Stop and close every port. Main lcore, after the workers have stopped. */
void port_fini_all(uint16_t nports);

/* The symmetric flow hash of a packet starting at its Ethernet header, the
 * same value a NIC with our RSS key would compute. Non-IP frames hash to 0. */
uint32_t port_flow_hash(const struct rte_mbuf *m);

/* The hash port_flow_hash gives a TCP or UDP packet src -> dst (addresses
 * in network order, 4 bytes for AF_INET, 16 for AF_INET6; ports in host
 * order). Symmetric like it. The TCP layer uses it to choose local ports
 * whose replies land on the worker that opens the connection. */
uint32_t port_tuple_hash(int family, const uint8_t *src, const uint8_t *dst,
			 uint16_t sport, uint16_t dport);

static inline unsigned
port_owner(uint32_t hash)
{
	return port_reta[hash % PORT_RETA_SIZE];
}

#endif
