/* SPDX-License-Identifier: LicenseRef-Proprietary
 *
 * rampart-gen frame templates, per-frame patching and reply classification.
 * See gen.h for the scheme.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_memcpy.h>

#include "gen.h"

const char *const gen_profile_names[GEN_PROFILE_COUNT] = {
	[GEN_PROFILE_DROP_MAC] = "drop-mac",
	[GEN_PROFILE_DROP_CKSUM] = "drop-cksum",
	[GEN_PROFILE_ICMP_ECHO] = "icmp-echo",
};

const char *const gen_rx_class_names[GEN_RX_CLASS_COUNT] = {
	[GEN_RX_ECHO_REPLY_MATCHED] = "echo_reply_matched",
	[GEN_RX_ECHO_REPLY_OTHER] = "echo_reply_other",
	[GEN_RX_OWN_REQUEST] = "own_echo_request",
	[GEN_RX_ARP_REQUEST] = "arp_request",
	[GEN_RX_ARP_REPLY] = "arp_reply",
	[GEN_RX_OTHER] = "other",
};

#define OFF_IP   14u
#define OFF_ICMP (14u + 20u)

static inline uint16_t
cksum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* One's complement sum of @p len bytes read as 16-bit words in memory order. */
static uint32_t
raw_sum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;
	uint16_t w;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		memcpy(&w, p + i, 2);
		sum += w;
	}
	if (len & 1) {
		w = 0;
		memcpy(&w, p + len - 1, 1);
		sum += w;
	}
	return sum;
}

/* Payload bytes after the ICMP header: the marker, then zeros. */
static void
payload_fill(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	memcpy(p, GEN_MARKER, RTE_MIN(len, (size_t)GEN_MARKER_LEN));
}

int
gen_template_init(struct gen_template *t, const struct gen_frame_cfg *cfg)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)t->hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(t->hdr + OFF_IP);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(t->hdr + OFF_ICMP);
	uint8_t payload[GEN_MAX_SIZE];
	size_t plen;

	if (cfg->frame_len < GEN_HDR_LEN || cfg->frame_len > GEN_MAX_SIZE - GEN_FCS_LEN ||
	    cfg->flows == 0)
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	rte_ether_addr_copy(&cfg->dst_mac, &eth->dst_addr);
	rte_ether_addr_copy(&cfg->src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(cfg->frame_len - OFF_IP);
	ip->packet_id = 0;
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->hdr_checksum = 0;
	ip->src_addr = 0; /* patched per frame */
	ip->dst_addr = rte_cpu_to_be_32(cfg->dst_ip);

	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0; /* patched per frame */
	icmp->icmp_seq_nb = 0;

	plen = cfg->frame_len - GEN_HDR_LEN;
	payload_fill(payload, plen);

	t->ip_sum = raw_sum(ip, sizeof(*ip));
	t->icmp_sum = raw_sum(icmp, sizeof(*icmp)) + raw_sum(payload, plen);
	t->frame_len = cfg->frame_len;
	t->flows = cfg->flows;
	t->src_ip = cfg->src_ip;
	t->bad_ip_cksum = cfg->profile == GEN_PROFILE_DROP_CKSUM;
	return 0;
}

void
gen_template_mbuf_init(struct rte_mempool *mp, void *arg, void *obj,
		       unsigned int idx)
{
	const struct gen_template *t = arg;
	struct rte_mbuf *m = obj;
	uint8_t *p;

	(void)mp;
	(void)idx;
	/* rte_pktmbuf_alloc() resets data_off to this same headroom. */
	p = (uint8_t *)m->buf_addr + RTE_MIN((uint16_t)RTE_PKTMBUF_HEADROOM, m->buf_len);
	memcpy(p, t->hdr, GEN_HDR_LEN);
	payload_fill(p + GEN_HDR_LEN, t->frame_len - GEN_HDR_LEN);
}

void
gen_frames_fill(const struct gen_template *t, struct rte_mbuf **m, uint16_t n,
		uint64_t seq0)
{
	uint32_t flow = (uint32_t)(seq0 % t->flows);
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *mb = m[i];
		uint8_t *p = rte_pktmbuf_mtod(mb, uint8_t *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + OFF_IP);
		struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(p + OFF_ICMP);
		uint32_t src_be = rte_cpu_to_be_32(t->src_ip + flow);
		uint16_t id_be = rte_cpu_to_be_16((uint16_t)(GEN_ICMP_ID_BASE + flow));
		uint16_t seq_be = rte_cpu_to_be_16((uint16_t)(seq0 + i));
		uint16_t ipc;

		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(m[i + 1], void *));
		mb->data_len = t->frame_len;
		mb->pkt_len = t->frame_len;
		rte_memcpy(p, t->hdr, GEN_HDR_LEN);

		ip->src_addr = src_be;
		ipc = (uint16_t)~cksum_fold(t->ip_sum + (src_be & 0xffff) + (src_be >> 16));
		/* Flipping one bit of the high byte never turns 0x0000 into
		 * 0xffff (the other zero), so the result is always wrong. */
		if (t->bad_ip_cksum)
			ipc ^= 0x0100;
		ip->hdr_checksum = ipc;

		icmp->icmp_ident = id_be;
		icmp->icmp_seq_nb = seq_be;
		icmp->icmp_cksum = (uint16_t)~cksum_fold(t->icmp_sum + id_be + seq_be);

		if (++flow == t->flows)
			flow = 0;
	}
}

static bool
ip_is_ours(const struct gen_frame_cfg *cfg, uint32_t ip_host)
{
	return ip_host - cfg->src_ip < cfg->flows;
}

enum gen_rx_class
gen_rx_classify(const struct gen_frame_cfg *cfg, struct rte_mbuf *m, bool *reply)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	uint32_t len = rte_pktmbuf_data_len(m);

	*reply = false;
	if (len < sizeof(*eth))
		return GEN_RX_OTHER;

	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + OFF_IP);
		struct rte_icmp_hdr *icmp;
		uint32_t ihl;
		uint16_t id;

		if (len < OFF_IP + sizeof(*ip) || ip->next_proto_id != IPPROTO_ICMP)
			return GEN_RX_OTHER;
		ihl = (ip->version_ihl & 0x0f) * 4u;
		if (ihl < 20 || len < OFF_IP + ihl + sizeof(*icmp))
			return GEN_RX_OTHER;
		icmp = (struct rte_icmp_hdr *)(p + OFF_IP + ihl);
		id = (uint16_t)(rte_be_to_cpu_16(icmp->icmp_ident) - GEN_ICMP_ID_BASE);
		if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST)
			return id < cfg->flows ? GEN_RX_OWN_REQUEST : GEN_RX_OTHER;
		if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REPLY)
			return GEN_RX_OTHER;
		if (id < cfg->flows &&
		    ip_is_ours(cfg, rte_be_to_cpu_32(ip->dst_addr)) &&
		    (len < OFF_IP + ihl + sizeof(*icmp) + GEN_MARKER_LEN ||
		     memcmp((uint8_t *)(icmp + 1), GEN_MARKER, GEN_MARKER_LEN) == 0))
			return GEN_RX_ECHO_REPLY_MATCHED;
		return GEN_RX_ECHO_REPLY_OTHER;
	}

	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
		struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + sizeof(*eth));
		uint32_t tip;

		if (len < sizeof(*eth) + sizeof(*arp))
			return GEN_RX_OTHER;
		if (arp->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
			return GEN_RX_ARP_REPLY;
		if (arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST))
			return GEN_RX_OTHER;
		tip = rte_be_to_cpu_32(arp->arp_data.arp_tip);
		if (ip_is_ours(cfg, tip)) {
			/* Answer in place: who asked becomes the target. */
			rte_ether_addr_copy(&arp->arp_data.arp_sha, &eth->dst_addr);
			rte_ether_addr_copy(&cfg->src_mac, &eth->src_addr);
			arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
			arp->arp_data.arp_tha = arp->arp_data.arp_sha;
			arp->arp_data.arp_tip = arp->arp_data.arp_sip;
			rte_ether_addr_copy(&cfg->src_mac, &arp->arp_data.arp_sha);
			arp->arp_data.arp_sip = rte_cpu_to_be_32(tip);
			*reply = true;
		}
		return GEN_RX_ARP_REQUEST;
	}
	return GEN_RX_OTHER;
}

void
gen_arp_request(const struct gen_frame_cfg *cfg, struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + sizeof(*eth));
	const uint16_t len = GEN_MIN_SIZE - GEN_FCS_LEN;

	memset(p, 0, len);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	rte_ether_addr_copy(&cfg->src_mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(&cfg->src_mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = rte_cpu_to_be_32(cfg->src_ip);
	arp->arp_data.arp_tip = rte_cpu_to_be_32(cfg->dst_ip);
	m->data_len = len;
	m->pkt_len = len;
}

bool
gen_arp_reply_from(struct rte_mbuf *m, uint32_t ip, struct rte_ether_addr *mac)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(p + sizeof(*eth));

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp) ||
	    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    arp->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY) ||
	    rte_be_to_cpu_32(arp->arp_data.arp_sip) != ip)
		return false;
	rte_ether_addr_copy(&arp->arp_data.arp_sha, mac);
	return true;
}
