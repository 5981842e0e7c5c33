/* SPDX-License-Identifier: LicenseRef-Proprietary
 *
 * rampart-gen: pktgen-style generator for the benchmarks (see gen.h).
 *
 *   rampart-gen [EAL args] -- --profile drop-mac|drop-cksum|icmp-echo
 *       [--dst-mac MAC|auto] [--src-mac MAC] [--src-ip A] [--dst-ip A]
 *       [--size N] [--flows N] [--duration S] [--warmup S] [--drain S]
 *       [--rate PPS] [--burst N] [--port N] [--link-timeout S]
 *       [--arp-timeout S] [--prime S] [--linger S]
 *
 * Prints one JSON object on stdout (EAL logs go to stderr). With one lcore,
 * that lcore sends and receives; with two or more (EAL -l/--lcores), the
 * main lcore sends and the first worker receives.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "gen.h"

#define POOL_MBUFS     8191u
#define POOL_CACHE     256u
#define RING_DESC      1024u
#define RX_BURST       64u
#define ARP_RING_SIZE  256u
#define MAX_DURATION_S 3600.0
#define MAX_TIMEOUT_S  600.0

struct gen_opts {
	enum gen_profile profile;
	bool dst_mac_auto;
	bool have_src_mac;
	struct rte_ether_addr dst_mac;
	struct rte_ether_addr src_mac;
	uint32_t src_ip, dst_ip; /* host order */
	uint32_t size, flows, burst;
	uint64_t rate;
	uint16_t port;
	double duration, warmup, drain, link_timeout, arp_timeout, prime, linger;
};

struct tx_counters {
	uint64_t pkts;        /* accepted by the port */
	uint64_t refused;     /* refused by rte_eth_tx_burst and freed (see tx_step) */
	uint64_t backpressed; /* tx_burst calls that took less than offered */
	uint64_t alloc_fail;  /* bursts skipped: tx pool empty */
	uint64_t arp_sent;    /* ARP replies we answered with */
};

struct rx_counters {
	uint64_t pkts;
	uint64_t bytes;
	uint64_t cls[GEN_RX_CLASS_COUNT];
};

/* Phase boundaries, in TSC cycles; written before any lcore starts. */
struct gen_clock {
	uint64_t hz;
	uint64_t start;  /* warmup begins */
	uint64_t window; /* measurement window begins */
	uint64_t end;    /* window ends, tx stops */
	uint64_t drain;  /* rx stops */
};

struct gen_ctx {
	struct gen_opts o;
	struct gen_frame_cfg fc;
	struct gen_template tmpl;
	struct gen_clock clk;
	struct rte_mempool *tx_pool, *rx_pool;
	struct rte_ring *arp_out; /* ARP replies, rx side -> tx side */
	bool split;

	/* Owned by the tx lcore. */
	struct tx_counters tx, tx_at_window, tx_at_end;
	uint64_t seq;     /* frames built so far */
	struct rte_mbuf *pending[GEN_MAX_BURST]; /* built, not yet taken */
	uint16_t n_pending, pending_off;
	uint64_t tx_window_tsc, tx_end_tsc;
	int n_xstats;
	struct rte_eth_xstat *xs_start, *xs_end;
	struct rte_eth_xstat_name *xs_names;

	/* Owned by the rx lcore. */
	struct rx_counters rx, rx_at_window, rx_at_end;
	bool rx_window_seen, rx_end_seen;
	uint64_t rx_stop_tsc; /* end of drain; pulled in on a signal */
	uint64_t primed;      /* matched replies while priming (icmp-echo) */
};

static volatile sig_atomic_t force_quit;

static void
on_signal(int sig)
{
	(void)sig;
	force_quit = 1;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- --profile drop-mac|drop-cksum|icmp-echo\n"
		"  [--dst-mac MAC|auto] [--src-mac MAC] [--src-ip A.B.C.D] [--dst-ip A.B.C.D]\n"
		"  [--size 64..1518] [--flows N] [--duration S] [--warmup S] [--drain S]\n"
		"  [--rate PPS (0 = full)] [--burst 1..256] [--port N]\n"
		"  [--link-timeout S] [--arp-timeout S] [--prime S] [--linger S]\n", prog);
}

static int
parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= lo && v <= hi))
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

enum {
	OPT_PROFILE = 256, OPT_DST_MAC, OPT_SRC_MAC, OPT_SRC_IP, OPT_DST_IP,
	OPT_SIZE, OPT_FLOWS, OPT_DURATION, OPT_WARMUP, OPT_DRAIN, OPT_RATE,
	OPT_BURST, OPT_PORT, OPT_LINK_TIMEOUT, OPT_ARP_TIMEOUT, OPT_LINGER,
	OPT_PRIME, OPT_HELP,
};

static const struct option long_opts[] = {
	{"profile", required_argument, NULL, OPT_PROFILE},
	{"dst-mac", required_argument, NULL, OPT_DST_MAC},
	{"src-mac", required_argument, NULL, OPT_SRC_MAC},
	{"src-ip", required_argument, NULL, OPT_SRC_IP},
	{"dst-ip", required_argument, NULL, OPT_DST_IP},
	{"size", required_argument, NULL, OPT_SIZE},
	{"flows", required_argument, NULL, OPT_FLOWS},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"warmup", required_argument, NULL, OPT_WARMUP},
	{"drain", required_argument, NULL, OPT_DRAIN},
	{"rate", required_argument, NULL, OPT_RATE},
	{"burst", required_argument, NULL, OPT_BURST},
	{"port", required_argument, NULL, OPT_PORT},
	{"link-timeout", required_argument, NULL, OPT_LINK_TIMEOUT},
	{"arp-timeout", required_argument, NULL, OPT_ARP_TIMEOUT},
	{"linger", required_argument, NULL, OPT_LINGER},
	{"prime", required_argument, NULL, OPT_PRIME},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* Parse the application arguments. Returns 0, or -EINVAL after one message. */
static int
parse_args(int argc, char **argv, struct gen_opts *o)
{
	bool have_profile = false;
	uint64_t v;
	int c, i;

	*o = (struct gen_opts){
		.dst_mac_auto = true,
		.src_ip = (198u << 24) | (18u << 16) | 2u, /* 198.18.0.2 */
		.dst_ip = (198u << 24) | (18u << 16) | 1u, /* 198.18.0.1 */
		.size = GEN_MIN_SIZE, .flows = 1, .burst = 32, .rate = 0,
		.duration = 5.0, .warmup = 1.0, .drain = 0.1,
		.link_timeout = 10.0, .arp_timeout = 2.0, .prime = 1.0, .linger = 0.0,
	};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		const char *a = optarg;
		int rc = 0;

		switch (c) {
		case OPT_PROFILE:
			rc = -EINVAL;
			for (i = 0; i < GEN_PROFILE_COUNT; i++) {
				if (strcmp(a, gen_profile_names[i]) == 0) {
					o->profile = i;
					have_profile = true;
					rc = 0;
				}
			}
			break;
		case OPT_DST_MAC:
			o->dst_mac_auto = strcmp(a, "auto") == 0;
			if (!o->dst_mac_auto)
				rc = rte_ether_unformat_addr(a, &o->dst_mac) ? -EINVAL : 0;
			break;
		case OPT_SRC_MAC:
			o->have_src_mac = true;
			rc = rte_ether_unformat_addr(a, &o->src_mac) ? -EINVAL : 0;
			break;
		case OPT_SRC_IP: rc = parse_ip(a, &o->src_ip); break;
		case OPT_DST_IP: rc = parse_ip(a, &o->dst_ip); break;
		case OPT_SIZE:
			rc = parse_u64(a, GEN_MIN_SIZE, GEN_MAX_SIZE, &v);
			o->size = (uint32_t)v;
			break;
		case OPT_FLOWS:
			rc = parse_u64(a, 1, 65536, &v);
			o->flows = (uint32_t)v;
			break;
		case OPT_BURST:
			rc = parse_u64(a, 1, GEN_MAX_BURST, &v);
			o->burst = (uint32_t)v;
			break;
		case OPT_RATE: rc = parse_u64(a, 0, 1000000000ull, &o->rate); break;
		case OPT_PORT:
			rc = parse_u64(a, 0, RTE_MAX_ETHPORTS - 1, &v);
			o->port = (uint16_t)v;
			break;
		case OPT_DURATION: rc = parse_double(a, 0.01, MAX_DURATION_S, &o->duration); break;
		case OPT_WARMUP: rc = parse_double(a, 0.0, MAX_TIMEOUT_S, &o->warmup); break;
		case OPT_DRAIN: rc = parse_double(a, 0.0, 10.0, &o->drain); break;
		case OPT_LINK_TIMEOUT: rc = parse_double(a, 0.0, MAX_TIMEOUT_S, &o->link_timeout); break;
		case OPT_ARP_TIMEOUT: rc = parse_double(a, 0.1, 60.0, &o->arp_timeout); break;
		case OPT_LINGER: rc = parse_double(a, 0.0, MAX_TIMEOUT_S, &o->linger); break;
		case OPT_PRIME: rc = parse_double(a, 0.0, 60.0, &o->prime); break;
		case OPT_HELP:
		default:
			usage(argv[0]);
			return -EINVAL;
		}
		if (rc) {
			fprintf(stderr, "rampart-gen: bad value for --%s: '%s'\n",
				long_opts[c - OPT_PROFILE].name, a);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rampart-gen: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (!have_profile) {
		fprintf(stderr, "rampart-gen: --profile is required\n");
		usage(argv[0]);
		return -EINVAL;
	}
	if ((uint64_t)o->src_ip + o->flows - 1 > UINT32_MAX) {
		fprintf(stderr, "rampart-gen: --src-ip + --flows overflows IPv4\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- port ---------------------------------------------------------------- */

static int
port_setup(struct gen_ctx *g)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RING_DESC, nb_txd = RING_DESC;
	uint16_t port = g->o.port;
	int rc;

	if (!rte_eth_dev_is_valid_port(port)) {
		fprintf(stderr, "rampart-gen: no port %u (give a --vdev net_memif/net_ring)\n", port);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port, &info);
	if (rc)
		return rc;
	/* No MTU call: net_memif (22.11) refuses it and 1518-byte frames fit. */
	rc = rte_eth_dev_configure(port, 1, 1, &conf);
	if (rc)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc)
		return rc;
	rc = rte_eth_rx_queue_setup(port, 0, nb_rxd, rte_eth_dev_socket_id(port),
				    NULL, g->rx_pool);
	if (rc)
		return rc;
	rc = rte_eth_tx_queue_setup(port, 0, nb_txd, rte_eth_dev_socket_id(port), NULL);
	if (rc)
		return rc;
	rc = rte_eth_promiscuous_enable(port);
	if (rc && rc != -ENOTSUP)
		fprintf(stderr, "rampart-gen: promiscuous: %s (ignored)\n", rte_strerror(-rc));
	return 0;
}

static uint64_t
secs_to_tsc(double s)
{
	return (uint64_t)(s * (double)rte_get_tsc_hz());
}

/*
 * Start the port and wait, bounded by @p timeout, for link up. A net_memif
 * client connects only in dev_start and never retries: if the server has no
 * socket yet, or refuses us because its own port is not started yet ("ID not
 * found"), we stop and start again every second. Nothing polls the port here.
 * Returns 0, -ETIMEDOUT, -EINTR, or the last dev_start error.
 */
static int
start_and_wait_link(uint16_t port, double timeout)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t deadline = rte_get_tsc_cycles() + secs_to_tsc(timeout);
	uint64_t retry_at = 0;
	struct rte_eth_link link;
	bool started = false;
	int rc = -ETIMEDOUT;

	for (;;) {
		uint64_t now = rte_get_tsc_cycles();

		if (started && rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		if (force_quit)
			return -EINTR;
		if (now >= deadline)
			return started ? -ETIMEDOUT : rc;
		if (now >= retry_at) {
			if (started)
				rte_eth_dev_stop(port);
			rc = rte_eth_dev_start(port);
			started = rc == 0;
			retry_at = now + (started ? hz : hz / 5);
		}
		rte_delay_us_sleep(10 * 1000);
	}
}

/* Send whatever ARP replies the rx side queued. Tx lcore only. */
static void
flush_arp_out(struct gen_ctx *g)
{
	struct rte_mbuf *m[16];
	unsigned int n, k;

	n = rte_ring_sc_dequeue_burst(g->arp_out, (void **)m, RTE_DIM(m), NULL);
	if (n == 0)
		return;
	k = rte_eth_tx_burst(g->o.port, 0, m, (uint16_t)n);
	g->tx.arp_sent += k;
	if (k < n)
		rte_pktmbuf_free_bulk(m + k, n - k);
}

/* Resolve --dst-ip by ARP, bounded by --arp-timeout. Main lcore, before the run. */
static int
arp_resolve(struct gen_ctx *g)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t now = rte_get_tsc_cycles();
	uint64_t deadline = now + secs_to_tsc(g->o.arp_timeout);
	uint64_t next_req = now;
	struct rte_mbuf *rx[RX_BURST];
	bool found = false;

	gen_guard_online(GEN_GUARD_MAIN);
	while (!found && !force_quit && (now = rte_get_tsc_cycles()) < deadline) {
		uint16_t n, i;

		gen_guard_quiescent(GEN_GUARD_MAIN);
		if (now >= next_req) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(g->rx_pool);

			if (m) {
				gen_arp_request(&g->fc, m);
				if (rte_eth_tx_burst(g->o.port, 0, &m, 1) == 0)
					rte_pktmbuf_free(m);
			}
			next_req = now + hz / 4;
		}
		n = rte_eth_rx_burst(g->o.port, 0, rx, RX_BURST);
		for (i = 0; i < n; i++) {
			bool reply;

			if (!found && gen_arp_reply_from(rx[i], g->fc.dst_ip, &g->fc.dst_mac)) {
				found = true;
				rte_pktmbuf_free(rx[i]);
				continue;
			}
			gen_rx_classify(&g->fc, rx[i], &reply);
			if (reply && rte_eth_tx_burst(g->o.port, 0, &rx[i], 1) == 1)
				continue;
			rte_pktmbuf_free(rx[i]);
		}
		if (n == 0) {
			gen_guard_offline(GEN_GUARD_MAIN);
			rte_delay_us_sleep(1000);
			gen_guard_online(GEN_GUARD_MAIN);
		}
	}
	gen_guard_offline(GEN_GUARD_MAIN);
	return found ? 0 : (force_quit ? -EINTR : -ETIMEDOUT);
}

/*
 * icmp-echo only: before the clock starts, send one echo request per flow
 * (again every 200 ms) and wait, bounded by --prime, until as many matched
 * replies came back, answering the DUT's ARP meanwhile. A DUT that resolves
 * its neighbours on demand then does so before the flood, not under it.
 * Returns the matched replies seen.
 */
static uint64_t
prime_flows(struct gen_ctx *g)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t now = rte_get_tsc_cycles();
	uint64_t deadline = now + secs_to_tsc(g->o.prime), next_send = now;
	uint32_t per_round = RTE_MIN(g->o.flows, 1024u);
	struct rte_mbuf *rx[RX_BURST];
	uint64_t matched = 0;

	gen_guard_online(GEN_GUARD_MAIN);
	while (matched < g->o.flows && !force_quit && (now = rte_get_tsc_cycles()) < deadline) {
		uint16_t n, i;

		gen_guard_quiescent(GEN_GUARD_MAIN);
		if (now >= next_send) {
			uint32_t done = 0;

			while (done < per_round) {
				struct rte_mbuf *m[GEN_MAX_BURST];
				uint16_t b = (uint16_t)RTE_MIN(per_round - done, GEN_MAX_BURST), k;

				if (rte_pktmbuf_alloc_bulk(g->tx_pool, m, b) != 0)
					break;
				gen_frames_fill(&g->tmpl, m, b, done);
				k = rte_eth_tx_burst(g->o.port, 0, m, b);
				if (k < b)
					rte_pktmbuf_free_bulk(m + k, b - k);
				done += b;
			}
			next_send = now + hz / 5;
		}
		n = rte_eth_rx_burst(g->o.port, 0, rx, RX_BURST);
		for (i = 0; i < n; i++) {
			bool reply;

			if (gen_rx_classify(&g->fc, rx[i], &reply) == GEN_RX_ECHO_REPLY_MATCHED)
				matched++;
			if (reply && rte_eth_tx_burst(g->o.port, 0, &rx[i], 1) == 1)
				continue;
			rte_pktmbuf_free(rx[i]);
		}
	}
	gen_guard_offline(GEN_GUARD_MAIN);
	return matched;
}

/* ---- fast path ------------------------------------------------------------ */

/* Free what is still pending, counting it as refused. Tx lcore only. */
static void
tx_drop_pending(struct gen_ctx *g)
{
	if (g->n_pending == 0)
		return;
	g->tx.refused += g->n_pending;
	rte_pktmbuf_free_bulk(g->pending + g->pending_off, g->n_pending);
	g->n_pending = 0;
}

/*
 * One tx step at time @p now. Tx lcore only.
 * Full rate (--rate 0): what the port refuses (memif ring full: the peer is
 * behind) is offered again first, so backpressure costs no rebuilding and
 * nothing is lost; only frames still pending when tx stops count as refused.
 * Fixed rate: the schedule goes on, so refused frames are freed and counted.
 */
static inline void
tx_step(struct gen_ctx *g, uint64_t now)
{
	uint16_t k;

	if (g->n_pending == 0) {
		uint16_t n = (uint16_t)g->o.burst;

		if (g->o.rate) {
			/* Frames due since start, minus frames already built. */
			uint64_t due = (uint64_t)((double)(now - g->clk.start) *
						  (double)g->o.rate / (double)g->clk.hz);

			if (due <= g->seq)
				return;
			if (due - g->seq < n)
				n = (uint16_t)(due - g->seq);
		}
		if (rte_pktmbuf_alloc_bulk(g->tx_pool, g->pending, n) != 0) {
			g->tx.alloc_fail++;
			return;
		}
		gen_frames_fill(&g->tmpl, g->pending, n, g->seq);
		g->seq += n;
		g->n_pending = n;
		g->pending_off = 0;
	}
	k = rte_eth_tx_burst(g->o.port, 0, g->pending + g->pending_off, g->n_pending);
	g->tx.pkts += k;
	g->pending_off += k;
	g->n_pending -= k;
	if (unlikely(g->n_pending)) {
		g->tx.backpressed++;
		if (g->o.rate)
			tx_drop_pending(g);
	}
}

/* One rx step. Rx lcore only. Returns frames received. */
static inline uint16_t
rx_step(struct gen_ctx *g)
{
	struct rte_mbuf *m[RX_BURST];
	struct rte_mbuf *fr[RX_BURST];
	uint16_t n, i, nf = 0;

	n = rte_eth_rx_burst(g->o.port, 0, m, RX_BURST);
	for (i = 0; i < n; i++) {
		bool reply;
		enum gen_rx_class c = gen_rx_classify(&g->fc, m[i], &reply);

		g->rx.cls[c]++;
		g->rx.bytes += rte_pktmbuf_pkt_len(m[i]);
		if (unlikely(reply) && rte_ring_sp_enqueue(g->arp_out, m[i]) == 0)
			continue;
		fr[nf++] = m[i];
	}
	g->rx.pkts += n;
	if (nf)
		rte_pktmbuf_free_bulk(fr, nf);
	return n;
}

static void
xstats_snapshot(struct gen_ctx *g, struct rte_eth_xstat *xs)
{
	if (g->n_xstats > 0 &&
	    rte_eth_xstats_get(g->o.port, xs, g->n_xstats) != g->n_xstats)
		memset(xs, 0, sizeof(*xs) * g->n_xstats);
}

/* Phase bookkeeping for the tx side. Returns false once tx must stop. */
static inline bool
tx_phase(struct gen_ctx *g, uint64_t now)
{
	if (unlikely(g->tx_window_tsc == 0 && now >= g->clk.window)) {
		g->tx_at_window = g->tx;
		g->tx_window_tsc = now;
		xstats_snapshot(g, g->xs_start);
	}
	if (unlikely(now >= g->clk.end || force_quit)) {
		if (g->tx_end_tsc == 0) {
			tx_drop_pending(g);
			g->tx_at_end = g->tx;
			g->tx_end_tsc = now;
			if (g->tx_window_tsc == 0) { /* stopped during warmup */
				g->tx_at_window = g->tx;
				g->tx_window_tsc = now;
				xstats_snapshot(g, g->xs_start);
			}
		}
		return false;
	}
	return true;
}

/*
 * Phase bookkeeping for the rx side. Returns false once rx must stop. On a
 * signal, tx stops at once but rx still drains for --drain, so the peer is
 * left with empty rings before we disconnect (docs/BENCHMARKS.md).
 */
static inline bool
rx_phase(struct gen_ctx *g, uint64_t now)
{
	if (unlikely(!g->rx_window_seen && now >= g->clk.window)) {
		g->rx_at_window = g->rx;
		g->rx_window_seen = true;
	}
	if (unlikely(!g->rx_end_seen && (now >= g->clk.end || force_quit))) {
		uint64_t stop = now + (g->clk.drain - g->clk.end);

		if (!g->rx_window_seen) {
			g->rx_at_window = g->rx;
			g->rx_window_seen = true;
		}
		g->rx_at_end = g->rx;
		g->rx_end_seen = true;
		if (stop < g->rx_stop_tsc)
			g->rx_stop_tsc = stop;
	}
	return now < g->rx_stop_tsc;
}

static int
rx_lcore_main(void *arg)
{
	struct gen_ctx *g = arg;

	gen_guard_online(GEN_GUARD_RX);
	while (rx_phase(g, rte_rdtsc())) {
		rx_step(g);
		gen_guard_quiescent(GEN_GUARD_RX);
	}
	gen_guard_offline(GEN_GUARD_RX);
	rx_phase(g, UINT64_MAX - 1); /* make sure the end snapshot exists */
	return 0;
}

/* Tx lcore (and, when not split, rx too). */
static void
run_main(struct gen_ctx *g)
{
	bool tx_on = true;

	gen_guard_online(GEN_GUARD_MAIN);
	for (;;) {
		uint64_t now = rte_rdtsc();

		gen_guard_quiescent(GEN_GUARD_MAIN);
		if (tx_on) {
			tx_on = tx_phase(g, now);
			if (tx_on) {
				if (unlikely(!rte_ring_empty(g->arp_out)))
					flush_arp_out(g);
				tx_step(g, now);
			}
		}
		if (!g->split) {
			if (!rx_phase(g, now))
				break;
			rx_step(g);
		} else if (!tx_on) {
			break;
		}
	}
	gen_guard_offline(GEN_GUARD_MAIN);
	tx_phase(g, UINT64_MAX);
	xstats_snapshot(g, g->xs_end);
}

/* ---- report --------------------------------------------------------------- */

static void
print_mac(const char *key, const struct rte_ether_addr *a)
{
	char buf[RTE_ETHER_ADDR_FMT_SIZE];

	rte_ether_format_addr(buf, sizeof(buf), a);
	printf("\"%s\":\"%s\"", key, buf);
}

static void
report(const struct gen_ctx *g, const char *error)
{
	const double hz = (double)g->clk.hz;
	double secs = 0.0, rx_secs;
	uint64_t tx_pkts = 0, refused = 0, backpressed = 0, alloc_fail = 0;
	uint64_t rx_pkts = 0, rx_bytes = 0;
	uint64_t matched = 0, drain_pkts = 0;
	struct in_addr a;
	char sip[INET_ADDRSTRLEN], dip[INET_ADDRSTRLEN];
	struct rte_eth_link link;
	bool first;
	int i;

	if (g->tx_end_tsc > g->tx_window_tsc)
		secs = (double)(g->tx_end_tsc - g->tx_window_tsc) / hz;
	if (g->rx_end_seen) {
		tx_pkts = g->tx_at_end.pkts - g->tx_at_window.pkts;
		refused = g->tx_at_end.refused - g->tx_at_window.refused;
		backpressed = g->tx_at_end.backpressed - g->tx_at_window.backpressed;
		alloc_fail = g->tx_at_end.alloc_fail - g->tx_at_window.alloc_fail;
		rx_pkts = g->rx_at_end.pkts - g->rx_at_window.pkts;
		rx_bytes = g->rx_at_end.bytes - g->rx_at_window.bytes;
		matched = g->rx_at_end.cls[GEN_RX_ECHO_REPLY_MATCHED] -
			  g->rx_at_window.cls[GEN_RX_ECHO_REPLY_MATCHED];
		drain_pkts = g->rx.pkts - g->rx_at_end.pkts;
	}
	rx_secs = secs > 0 ? secs : 1.0;
	a.s_addr = htonl(g->fc.src_ip);
	inet_ntop(AF_INET, &a, sip, sizeof(sip));
	a.s_addr = htonl(g->fc.dst_ip);
	inet_ntop(AF_INET, &a, dip, sizeof(dip));

	printf("{\"tool\":\"rampart-gen\",\"profile\":\"%s\",\"size\":%u,\"flows\":%u,"
	       "\"burst\":%u,\"rate_pps\":%" PRIu64 ",\"lcores\":%u,",
	       gen_profile_names[g->o.profile], g->o.size, g->o.flows, g->o.burst,
	       g->o.rate, g->split ? 2u : 1u);
	printf("\"src_ip\":\"%s\",\"dst_ip\":\"%s\",\"primed_replies\":%" PRIu64 ",",
	       sip, dip, g->primed);
	print_mac("src_mac", &g->fc.src_mac);
	printf(",");
	print_mac("dst_mac", &g->fc.dst_mac);
	printf(",\"dst_mac_auto\":%s,", g->o.dst_mac_auto ? "true" : "false");
	printf("\"warmup_s\":%.3f,\"duration_s\":%.6f,", g->o.warmup, secs);
	printf("\"tx_pkts\":%" PRIu64 ",\"tx_mpps\":%.4f,\"tx_gbps_l1\":%.4f,"
	       "\"tx_dropped_by_port\":%" PRIu64 ",\"tx_backpressure_bursts\":%" PRIu64 ","
	       "\"tx_alloc_failed\":%" PRIu64 ",",
	       tx_pkts, secs > 0 ? (double)tx_pkts / secs / 1e6 : 0.0,
	       secs > 0 ? (double)tx_pkts * (g->o.size + 20) * 8 / secs / 1e9 : 0.0,
	       refused, backpressed, alloc_fail);
	/* Warmup included: to turn the peer's cumulative counters into rates. */
	printf("\"tx_total_pkts\":%" PRIu64 ",\"tx_total_s\":%.6f,",
	       g->tx_at_end.pkts,
	       g->tx_end_tsc > g->clk.start ? (double)(g->tx_end_tsc - g->clk.start) / hz : 0.0);
	printf("\"rx_pkts\":%" PRIu64 ",\"rx_mpps\":%.4f,\"rx_bytes\":%" PRIu64 ","
	       "\"rx_matched\":%" PRIu64 ",\"rx_matched_mpps\":%.4f,"
	       "\"rx_drain_pkts\":%" PRIu64 ",\"arp_replies_sent\":%" PRIu64 ",",
	       rx_pkts, (double)rx_pkts / rx_secs / 1e6 * (secs > 0), rx_bytes,
	       matched, (double)matched / rx_secs / 1e6 * (secs > 0), drain_pkts,
	       g->tx.arp_sent);
	printf("\"rx_classes\":{");
	for (i = 0; i < GEN_RX_CLASS_COUNT; i++)
		printf("%s\"%s\":%" PRIu64, i ? "," : "", gen_rx_class_names[i],
		       g->rx_end_seen ? g->rx_at_end.cls[i] - g->rx_at_window.cls[i] : 0);
	printf("},\"port_xstats\":{");
	for (i = 0, first = true; g->xs_names && i < g->n_xstats; i++) {
		uint64_t d = g->xs_end[i].value - g->xs_start[i].value;

		if (d == 0)
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",", g->xs_names[i].name, d);
		first = false;
	}
	printf("},\"link_up_at_end\":%s,\"interrupted\":%s",
	       rte_eth_dev_is_valid_port(g->o.port) &&
	       rte_eth_link_get_nowait(g->o.port, &link) == 0 && link.link_status ? "true" : "false",
	       force_quit ? "true" : "false");
	if (error)
		printf(",\"error\":\"%s\"", error);
	printf("}\n");
	fflush(stdout);
}

/* ---- setup and teardown ---------------------------------------------------- */

static int
xstats_init(struct gen_ctx *g)
{
	int n = rte_eth_xstats_get_names(g->o.port, NULL, 0);

	if (n <= 0)
		return 0;
	g->xs_names = calloc(n, sizeof(*g->xs_names));
	g->xs_start = calloc(n, sizeof(*g->xs_start));
	g->xs_end = calloc(n, sizeof(*g->xs_end));
	if (!g->xs_names || !g->xs_start || !g->xs_end)
		return -ENOMEM;
	if (rte_eth_xstats_get_names(g->o.port, g->xs_names, n) != n)
		return 0; /* leave n_xstats at 0: report no xstats */
	g->n_xstats = n;
	return 0;
}

/*
 * After the report: poll nothing and wait, bounded by --linger, for the peer
 * to take the link down. With net_memif the side that stays up while its peer
 * disconnects has its shared memory unmapped by the EAL interrupt thread; we
 * make sure that side is us, idle (docs/BENCHMARKS.md, "memif teardown").
 */
static void
linger(const struct gen_ctx *g)
{
	uint64_t deadline = rte_get_tsc_cycles() + secs_to_tsc(g->o.linger);
	struct rte_eth_link link;

	while (!force_quit && rte_get_tsc_cycles() < deadline) {
		if (rte_eth_link_get_nowait(g->o.port, &link) == 0 && !link.link_status)
			return;
		rte_delay_us_sleep(10 * 1000);
	}
}

static int
fail(struct gen_ctx *g, const char *what, int rc)
{
	char msg[160];

	/* Some PMDs return a bare -1 (net_memif's start when no server listens). */
	snprintf(msg, sizeof(msg), "%s: %s (%d)", what, rte_strerror(rc < 0 ? -rc : rc), rc);
	fprintf(stderr, "rampart-gen: %s\n", msg);
	report(g, msg);
	return 1;
}

static int
run(struct gen_ctx *g)
{
	struct gen_opts *o = &g->o;
	unsigned int rx_lcore = RTE_MAX_LCORE;
	uint64_t now;
	int rc;

	g->split = rte_lcore_count() >= 2;
	g->clk.hz = rte_get_tsc_hz();
	g->fc = (struct gen_frame_cfg){
		.profile = o->profile, .src_ip = o->src_ip, .dst_ip = o->dst_ip,
		.flows = o->flows, .frame_len = (uint16_t)(o->size - GEN_FCS_LEN),
		.dst_mac = o->dst_mac, .src_mac = o->src_mac,
	};

	g->rx_pool = rte_pktmbuf_pool_create("gen_rx", POOL_MBUFS, POOL_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!g->rx_pool)
		return fail(g, "rx mempool", rte_errno);
	g->arp_out = rte_ring_create("gen_arp_out", ARP_RING_SIZE, rte_socket_id(),
				     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!g->arp_out)
		return fail(g, "arp ring", rte_errno);
	rc = gen_guard_init(2);
	if (rc)
		return fail(g, "memif teardown guard", rc);
	rc = port_setup(g);
	if (rc)
		return fail(g, "port setup", rc);
	rc = start_and_wait_link(o->port, o->link_timeout);
	if (rc)
		return fail(g, "port start / link up (for memif: is the server side up?)", rc);
	if (!o->have_src_mac)
		rte_eth_macaddr_get(o->port, &g->fc.src_mac);
	if (o->dst_mac_auto) {
		rc = arp_resolve(g);
		if (rc)
			return fail(g, "ARP for --dst-ip got no answer", rc);
		/* drop-mac wants a unicast MAC that is not the DUT's. */
		if (o->profile == GEN_PROFILE_DROP_MAC)
			g->fc.dst_mac.addr_bytes[5] ^= 0x5a;
	}
	rc = gen_template_init(&g->tmpl, &g->fc);
	if (rc)
		return fail(g, "frame template", rc);
	g->tx_pool = rte_pktmbuf_pool_create("gen_tx", POOL_MBUFS, POOL_CACHE, 0,
					     RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (!g->tx_pool)
		return fail(g, "tx mempool", rte_errno);
	rte_mempool_obj_iter(g->tx_pool, gen_template_mbuf_init, &g->tmpl);
	rc = xstats_init(g);
	if (rc)
		return fail(g, "xstats", rc);
	if (o->profile == GEN_PROFILE_ICMP_ECHO && o->prime > 0)
		g->primed = prime_flows(g);

	now = rte_get_tsc_cycles();
	g->clk.start = now;
	g->clk.window = now + secs_to_tsc(o->warmup);
	g->clk.end = g->clk.window + secs_to_tsc(o->duration);
	g->clk.drain = g->clk.end + secs_to_tsc(o->drain);
	g->rx_stop_tsc = g->clk.drain;
	if (g->split) {
		rx_lcore = rte_get_next_lcore(-1, 1, 0);
		rc = rte_eal_remote_launch(rx_lcore_main, g, rx_lcore);
		if (rc)
			return fail(g, "launch rx lcore", rc);
	}
	run_main(g);
	if (g->split)
		rte_eal_wait_lcore(rx_lcore);
	report(g, NULL);
	linger(g);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct gen_ctx g;
	struct sigaction sa = {.sa_handler = on_signal};
	int ret, rc;

	/* Keep stdout for the JSON: EAL logs (stdout by default) go to stderr. */
	rte_openlog_stream(stderr);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "rampart-gen: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	argv[0] = "rampart-gen";
	if (parse_args(argc, argv, &g.o) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	rc = run(&g);
	if (rte_eth_dev_is_valid_port(g.o.port)) {
		rte_eth_dev_stop(g.o.port);
		rte_eth_dev_close(g.o.port);
	}
	gen_guard_fini();
	rte_ring_free(g.arp_out);
	rte_mempool_free(g.tx_pool);
	rte_mempool_free(g.rx_pool);
	free(g.xs_names);
	free(g.xs_start);
	free(g.xs_end);
	rte_eal_cleanup();
	return rc;
}
