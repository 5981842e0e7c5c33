/* SPDX-License-Identifier: Proprietary */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>
#include <rte_thash.h>

#include "dataplane.h"
#include "net/net.h"
#include "port/port.h"

#define RX_DESC 1024
#define TX_DESC 1024

struct port_info port_info[CFG_MAX_PORTS];
uint8_t port_reta[PORT_RETA_SIZE];

/* A repeated 16-bit pattern makes Toeplitz symmetric: swapping source and
 * destination gives the same hash (Woo & Park, "Scalable TCP Session
 * Monitoring with Symmetric Receive-side Scaling"). */
static uint8_t rss_key[52];

static void
rss_key_init(void)
{
	for (unsigned i = 0; i < sizeof(rss_key); i += 2) {
		rss_key[i] = 0x6d;
		rss_key[i + 1] = 0x5a;
	}
}

uint16_t
port_mbuf_data_room(uint16_t mtu)
{
	uint32_t frame = (uint32_t)mtu + PORT_L2_OVERHEAD;

	if (mtu <= PORT_MTU_DEFAULT)
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	return (uint16_t)(RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(frame, 1024u));
}

/* Frames up to dp.max_mtu. A device that enforces a frame size is told;
 * net_memif (22.11) reports 1518 bytes and refuses any MTU, yet carries
 * frames of every length (in bsize-byte buffers: with bsize at least the
 * frame, one buffer and one mbuf each). */
static int
port_set_frame(uint16_t port, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	uint32_t frame = (uint32_t)dp.max_mtu + PORT_L2_OVERHEAD;

	if (dp.max_mtu <= PORT_MTU_DEFAULT)
		return 0;
	if (strcmp(info->driver_name, "net_memif") == 0) {
		LOG(INFO, "port %u (net_memif): frames up to %u bytes (--max-mtu %u) arrive whole "
		    "when the devarg bsize is at least %u", port, frame, dp.max_mtu,
		    port_mbuf_data_room(dp.max_mtu) - RTE_PKTMBUF_HEADROOM);
		return 0;
	}
	if (info->max_mtu < dp.max_mtu ||
	    info->max_rx_pktlen < (uint32_t)dp.max_mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN) {
		LOG(ERR, "port %u (%s): takes an MTU of at most %u (frames of %u bytes); "
		    "--max-mtu is %u", port, info->driver_name, info->max_mtu,
		    info->max_rx_pktlen, dp.max_mtu);
		return -EINVAL;
	}
	conf->rxmode.mtu = dp.max_mtu;
	return 0;
}

static int
port_init(uint16_t port, unsigned nworkers, struct rte_mempool *pool)
{
	struct port_info *pi = &port_info[port];
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nrx, nrxd = RX_DESC, ntxd = TX_DESC;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		LOG(ERR, "port %u: cannot read device info: %s", port, rte_strerror(-rc));
		return rc;
	}
	snprintf(pi->driver, sizeof(pi->driver), "%s", info.driver_name);
	if (info.max_tx_queues < nworkers) {
		LOG(ERR, "port %u (%s): offers %u tx queues, %u needed (one per worker); "
		    "for net_af_packet pass qpairs=%u", port, info.driver_name,
		    info.max_tx_queues, nworkers, nworkers);
		return -EINVAL;
	}
	pi->ntxq = nworkers;
	rc = port_set_frame(port, &info, &conf);
	if (rc != 0)
		return rc;

	pi->rss = nworkers > 1 && info.max_rx_queues >= nworkers &&
		  (info.flow_type_rss_offloads & RTE_ETH_RSS_IP) &&
		  info.hash_key_size <= sizeof(rss_key) && info.hash_key_size > 0;
	if (pi->rss) {
		nrx = nworkers;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size;
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	} else {
		nrx = RTE_MIN(info.max_rx_queues, nworkers);
	}
	pi->nrxq = nrx;
	/* Chained frames let TCP reference its send queue instead of copying
	 * it; that needs per-segment refcounts, which MBUF_FAST_FREE rules out. */
	pi->tx_seg_max = 1;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		pi->tx_seg_max = RTE_MIN(info.tx_desc_lim.nb_seg_max, info.tx_desc_lim.nb_mtu_seg_max);
		if (pi->tx_seg_max == 0)
			pi->tx_seg_max = 1;
	} else if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	}

	rc = rte_eth_dev_configure(port, nrx, nworkers, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
	if (rc != 0) {
		LOG(ERR, "port %u (%s): configure %u rx / %u tx queues failed: %s",
		    port, info.driver_name, nrx, nworkers, rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < nrx; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port),
					    NULL, pool);
		if (rc != 0) {
			LOG(ERR, "port %u: rx queue %u setup failed: %s", port, q,
			    rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < nworkers; q++) {
		rc = rte_eth_tx_queue_setup(port, q, ntxd, rte_eth_dev_socket_id(port),
					    NULL);
		if (rc != 0) {
			LOG(ERR, "port %u: tx queue %u setup failed: %s", port, q,
			    rte_strerror(-rc));
			return rc;
		}
	}
	if (pi->rss) {
		/* Program the NIC's table like port_reta so hardware and software
		 * agree on owners. Drivers without a settable table keep their
		 * default, which is the same round robin. */
		struct rte_eth_rss_reta_entry64 reta[PORT_RETA_SIZE / RTE_ETH_RETA_GROUP_SIZE];

		memset(reta, 0, sizeof(reta));
		for (unsigned i = 0; i < PORT_RETA_SIZE; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = port_reta[i];
		}
		if (info.reta_size == PORT_RETA_SIZE)
			rte_eth_dev_rss_reta_update(port, reta, PORT_RETA_SIZE);
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		LOG(ERR, "port %u: start failed: %s", port, rte_strerror(-rc));
		return rc;
	}
	rte_eth_promiscuous_disable(port);
	rte_eth_allmulticast_enable(port);  /* IPv6 ND needs solicited-node groups */
	rte_eth_macaddr_get(port, &pi->mac);
	LOG(INFO, "port %u: %s, mac " RTE_ETHER_ADDR_PRT_FMT ", %u rx queue%s (%s), %u tx queues, "
	    "tx frames of up to %u segments",
	    port, info.driver_name, RTE_ETHER_ADDR_BYTES(&pi->mac), nrx, nrx == 1 ? "" : "s",
	    nworkers == 1 ? "single worker" : pi->rss ? "hardware RSS" : "software dispatch",
	    nworkers, pi->tx_seg_max);
	return 0;
}

int
port_init_all(uint16_t nports, unsigned nworkers, struct rte_mempool *pool)
{
	rss_key_init();
	for (unsigned i = 0; i < PORT_RETA_SIZE; i++)
		port_reta[i] = i % nworkers;
	for (uint16_t p = 0; p < nports; p++) {
		int rc = port_init(p, nworkers, pool);

		if (rc != 0)
			return rc;
	}
	return 0;
}

void
port_poll_links(uint16_t nports)
{
	for (uint16_t p = 0; p < nports; p++) {
		struct rte_eth_link link;
		bool up;

		if (rte_eth_link_get_nowait(p, &link) != 0)
			continue;
		up = link.link_status == RTE_ETH_LINK_UP;
		if (up != __atomic_load_n(&port_info[p].link_up, __ATOMIC_RELAXED))
			LOG(INFO, "port %u: link %s", p, up ? "up" : "down");
		__atomic_store_n(&port_info[p].link_speed,
				 link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed,
				 __ATOMIC_RELAXED);
		__atomic_store_n(&port_info[p].link_up, up, __ATOMIC_RELAXED);
	}
}

void
port_fini_all(uint16_t nports)
{
	for (uint16_t p = 0; p < nports; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
}

uint32_t
port_flow_hash(const struct rte_mbuf *m)
{
	const uint8_t *start = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *end = start + rte_pktmbuf_data_len(m);
	const struct rte_ether_hdr *eth = (const void *)start;
	union rte_thash_tuple t;
	uint32_t len;

	if (end - start < (ptrdiff_t)sizeof(*eth))
		return 0;
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    end - start >= (ptrdiff_t)(sizeof(*eth) + sizeof(struct rte_ipv4_hdr))) {
		const struct rte_ipv4_hdr *ip = (const void *)(eth + 1);
		const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);

		t.v4.src_addr = rte_be_to_cpu_32(ip->src_addr);
		t.v4.dst_addr = rte_be_to_cpu_32(ip->dst_addr);
		len = RTE_THASH_V4_L3_LEN;
		/* Ports only where every packet of the flow has them: not in
		 * fragments, so all pieces of a datagram meet on one worker. */
		if ((ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP) &&
		    !ipv4_is_fragment(ip) && l4 + 4 <= end) {
			t.v4.sport = rte_be_to_cpu_16(*(const uint16_t *)l4);
			t.v4.dport = rte_be_to_cpu_16(*(const uint16_t *)(l4 + 2));
			len = RTE_THASH_V4_L4_LEN;
		}
		return rte_softrss((uint32_t *)&t, len, rss_key);
	}
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
	    end - start >= (ptrdiff_t)(sizeof(*eth) + sizeof(struct rte_ipv6_hdr))) {
		const struct rte_ipv6_hdr *ip = (const void *)(eth + 1);
		const uint8_t *l4 = (const uint8_t *)(ip + 1);

		rte_thash_load_v6_addrs(ip, &t);
		len = RTE_THASH_V6_L3_LEN;
		if ((ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP) && l4 + 4 <= end) {
			t.v6.sport = rte_be_to_cpu_16(*(const uint16_t *)l4);
			t.v6.dport = rte_be_to_cpu_16(*(const uint16_t *)(l4 + 2));
			len = RTE_THASH_V6_L4_LEN;
		}
		return rte_softrss((uint32_t *)&t, len, rss_key);
	}
	return 0;
}

uint32_t
port_tuple_hash(int family, const uint8_t *src, const uint8_t *dst, uint16_t sport,
		uint16_t dport)
{
	union rte_thash_tuple t;

	if (family == AF_INET) {
		uint32_t s, d;

		memcpy(&s, src, 4);
		memcpy(&d, dst, 4);
		t.v4.src_addr = rte_be_to_cpu_32(s);
		t.v4.dst_addr = rte_be_to_cpu_32(d);
		t.v4.sport = sport;
		t.v4.dport = dport;
		return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, rss_key);
	} else {
		struct rte_ipv6_hdr ip;

		memcpy(ip.src_addr, src, 16);
		memcpy(ip.dst_addr, dst, 16);
		rte_thash_load_v6_addrs(&ip, &t);
		t.v6.sport = sport;
		t.v6.dport = dport;
		return rte_softrss((uint32_t *)&t, RTE_THASH_V6_L4_LEN, rss_key);
	}
}
