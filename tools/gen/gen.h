/* SPDX-License-Identifier: LicenseRef-Proprietary
 *
 * rampart-gen: a small pktgen-style traffic generator for the benchmarks.
 *
 * One DPDK port (a net_memif or net_ring vdev given in the EAL arguments),
 * one frame profile, a bounded run:
 *
 *   [link]    start the port, wait for link up (memif: reconnect every second);
 *   [arp]     --dst-mac auto: resolve --dst-ip (bounded by --arp-timeout);
 *   [prime]   icmp-echo: one request per flow until each is answered, so the
 *             DUT resolves our addresses before the flood (bounded by --prime);
 *   [warmup]  frames are sent, nothing is counted;
 *   [window]  frames are sent and every counter is taken as a delta;
 *   [drain]   nothing is sent, late replies are still received (counted apart);
 *   [linger]  nothing is polled; we wait, bounded, for the peer to leave first
 *             (see docs/BENCHMARKS.md, "memif teardown"), then stop and close.
 *
 * Frame building (gen_frames.c): the tx mempool's data areas are filled once
 * with the frame template (headers + payload marker) when the pool is made;
 * per frame we only rewrite the 42 header bytes from the template and patch
 * source IPv4, ICMP id/seq and both checksums incrementally. The rx path uses a
 * separate pool, so a peer's bytes never land in a tx buffer.
 *
 * Backpressure: at full rate, frames the port refuses (a memif ring is full
 * because the peer is behind) are offered again before new ones are built, so
 * the generator neither loses them nor burns its core rebuilding them; at a
 * fixed --rate the schedule goes on and refused frames are dropped and counted
 * (tx_dropped_by_port).
 *
 * Frame sizes follow RFC 2544 / Pktgen: --size counts the 4-byte FCS, so a
 * 64-byte frame is a 60-byte mbuf (memif and net_ring carry no FCS).
 */
#ifndef RAMPART_GEN_H
#define RAMPART_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define GEN_FCS_LEN      4u
#define GEN_MIN_SIZE     64u   /* smallest Ethernet frame, FCS included */
#define GEN_MAX_SIZE     1518u /* one memif buffer (bsize 2048), no chaining */
#define GEN_HDR_LEN      (14u + 20u + 8u) /* Ethernet + IPv4 + ICMP echo */
#define GEN_MAX_BURST    256u
#define GEN_MARKER       "RMPGEN01"
#define GEN_MARKER_LEN   8u
#define GEN_ICMP_ID_BASE 0x5200u

enum gen_profile {
	GEN_PROFILE_DROP_MAC,   /* valid echo request to a MAC that is not the DUT's */
	GEN_PROFILE_DROP_CKSUM, /* echo request to the DUT, bad IPv4 header checksum */
	GEN_PROFILE_ICMP_ECHO,  /* valid echo request to the DUT, replies expected */
	GEN_PROFILE_COUNT
};

/* What a received frame was; indexes struct gen_rx_counters.cls. */
enum gen_rx_class {
	GEN_RX_ECHO_REPLY_MATCHED, /* echo reply carrying our id range and marker */
	GEN_RX_ECHO_REPLY_OTHER,   /* echo reply, not ours */
	GEN_RX_OWN_REQUEST,        /* our own echo request came back (L2 reflector) */
	GEN_RX_ARP_REQUEST,        /* ARP request (answered if it asks for our IP) */
	GEN_RX_ARP_REPLY,          /* ARP reply */
	GEN_RX_OTHER,              /* anything else */
	GEN_RX_CLASS_COUNT
};

extern const char *const gen_profile_names[GEN_PROFILE_COUNT];
extern const char *const gen_rx_class_names[GEN_RX_CLASS_COUNT];

/* Everything a frame is made from; set once from the options. */
struct gen_frame_cfg {
	enum gen_profile profile;
	struct rte_ether_addr src_mac;
	struct rte_ether_addr dst_mac;
	uint32_t src_ip;   /* host order; flow f uses src_ip + f */
	uint32_t dst_ip;   /* host order */
	uint32_t flows;    /* >= 1 */
	uint16_t frame_len; /* bytes in the mbuf (= --size - FCS) */
};

/* Precomputed template and partial checksums (gen_frames.c). */
struct gen_template {
	uint8_t hdr[GEN_HDR_LEN];  /* eth + ipv4 (src 0, csum 0) + icmp (id/seq/csum 0) */
	uint32_t ip_sum;           /* unfolded one's complement sum of hdr's IPv4 part */
	uint32_t icmp_sum;         /* same for ICMP header + payload */
	uint16_t frame_len;
	uint32_t flows;
	uint32_t src_ip;
	bool bad_ip_cksum;
};

/**
 * Build the template for @p cfg.
 * @return 0, or -EINVAL if the frame length cannot hold the headers.
 */
int gen_template_init(struct gen_template *t, const struct gen_frame_cfg *cfg);

/**
 * rte_mempool_obj_iter() callback: write the template frame (headers and
 * payload with marker) into one mbuf's data area. @p arg is the template.
 */
void gen_template_mbuf_init(struct rte_mempool *mp, void *arg, void *obj,
			    unsigned int idx);

/**
 * Turn freshly allocated mbufs into frames number @p seq0, @p seq0 + 1, ...
 * Rewrites the headers from the template and patches the per-frame fields.
 * Called on the tx lcore only; does not block.
 */
void gen_frames_fill(const struct gen_template *t, struct rte_mbuf **m,
		     uint16_t n, uint64_t seq0);

/**
 * Classify one received frame. If it is an ARP request for one of our
 * addresses, it is rewritten in place into the reply and *reply is set true:
 * the caller then owns sending it (else frees it).
 */
enum gen_rx_class gen_rx_classify(const struct gen_frame_cfg *cfg,
				  struct rte_mbuf *m, bool *reply);

/** Build an ARP request for @p cfg->dst_ip into @p m. */
void gen_arp_request(const struct gen_frame_cfg *cfg, struct rte_mbuf *m);

/**
 * If @p m is an ARP reply whose sender is @p ip (host order), copy the sender
 * MAC into @p mac and return true.
 */
bool gen_arp_reply_from(struct rte_mbuf *m, uint32_t ip, struct rte_ether_addr *mac);

/*
 * memif teardown guard (gen_memif_guard.c). Thread ids: 0 = main lcore,
 * 1 = rx lcore. A polling loop goes online before its first burst, reports a
 * quiescent state once per iteration (between bursts) and goes offline when
 * it stops polling; an online thread that stops reporting would stall the EAL
 * interrupt thread, so never sleep or block while online.
 */
#define GEN_GUARD_MAIN 0u
#define GEN_GUARD_RX   1u

/** Create the QSBR variable for @p max_threads pollers. 0 or -ENOMEM/-EINVAL. */
int gen_guard_init(unsigned int max_threads);
/** Free it; munmap() goes straight to the kernel again. */
void gen_guard_fini(void);
void gen_guard_online(unsigned int thread_id);
void gen_guard_offline(unsigned int thread_id);
/** Between bursts, on the polling lcore; after gen_guard_online() only. */
void gen_guard_quiescent(unsigned int thread_id);

#endif /* RAMPART_GEN_H */
