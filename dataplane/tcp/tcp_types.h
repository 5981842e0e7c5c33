/* SPDX-License-Identifier: Proprietary
 * TCP types (types only; prototypes in tcp.h).
 *
 * One struct tcp_worker per worker lcore holds everything TCP owns on that
 * core: the connection pool (preallocated at boot, never grown), the
 * connection table (an rte_hash used by one thread only, so without locks),
 * the timing wheel, the send-buffer mempool, the listeners and the RFC 5961
 * challenge-ACK budget. No field is shared with another core.
 *
 * Sequence numbers are host-order uint32_t compared with the SEQ_* macros
 * (RFC 9293 3.4, modulo 2^32).
 *
 * Bounds, all per worker unless said otherwise:
 *   connections     min(tcp.max-connections-per-worker, TCP_MAX_CONNS)
 *   receive queue   tcp.receive-buffer bytes per connection (the window we
 *                   advertise is never more than what is free in it)
 *   out-of-order    tcp.ooo-max-segments (<= TCP_OOO_MAX) runs of contiguous
 *                   segments per connection, all inside the advertised
 *                   window
 *   send queue      tcp.send-buffer bytes per connection, in mbufs of the
 *                   worker's TCP pool (TCP_BUF_MBUFS mbufs per worker), or
 *                   in the application's own mbufs (tcp_write_mbuf)
 *   received mbufs  tcp.rx-mbufs-per-worker (0: a quarter of the packet
 *                   pool per worker count) in all receive queues and
 *                   out-of-order runs of the worker (tcp_input.c)
 *   half-open       tcp.syn-backlog connections in SYN-RECEIVED; beyond,
 *                   SYNs get SYN cookies (no state) or are dropped
 *   per source      tcp.max-half-open-per-source, tcp.max-connections-per-
 *                   source (0: off), counted in a TCP_SRC_SLOTS table
 */
#ifndef RAMPART_TCP_TYPES_H
#define RAMPART_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_mbuf.h>

#define TCP_MAX_CONNS       8192   /* hard ceiling of the per-worker pool */
#define TCP_OOO_MAX         32     /* out-of-order slots per connection */
#define TCP_COLLAPSE_MAX    512    /* received segments up to this are copied into the mbuf before */
#define TCP_MAX_LISTENERS   16
#define TCP_WHEEL_SLOTS     4096   /* 1 ms ticks; power of two */
#define TCP_BUF_MBUFS       8191   /* send-buffer mbufs per worker */
/* Zero-copy send (tcp_output.c): a segment's payload is referenced by
 * indirect mbufs attached to the send queue's, from a per-worker pool of
 * bufferless mbufs (one per payload part of a frame not yet freed by the
 * PMD, the impairment stage or the neighbour queue; empty: copy instead). */
#define TCP_IND_MBUFS       16383
#define TCP_ZC_MIN          256    /* smaller payloads are copied: alloc + attach +
				    * detach cost about a 128..768-byte copy here */
#define TCP_ZC_PARTS_MAX    8      /* payload parts per frame; beyond, copy */
#define TCP_RTO_INIT_MS     1000   /* RFC 6298 2.1 */
#define TCP_RTO_MAX_MS      60000  /* RFC 6298 2.5 */
#define TCP_SYNACK_RETRIES  5
#define TCP_SYN_RETRIES     5      /* active open: 1+2+4+8+16+32 s, then give up */
#define TCP_EPHEMERAL_LO    49152  /* RFC 6335 dynamic ports */
#define TCP_EPHEMERAL_HI    65535
#define TCP_CONNECT_TRIES   512    /* candidate local ports per tcp_connect */
#define TCP_DATA_RETRIES    10
#define TCP_SRC_SLOTS       16384  /* per-source table: 2 x TCP_MAX_CONNS */

#define SEQ_LT(a, b)  ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

/* RFC 9293 3.3.2. CLOSED is the free state of a pool slot. LISTEN has no
 * connection object: listeners are (port, ops) pairs. */
enum tcp_state {
	TCP_CLOSED = 0,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSING,
	TCP_TIME_WAIT,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_SYN_SENT,              /* active open (tcp_connect) */
	TCP_STATE__MAX
};

/* Why the application's on_closed was called. */
enum tcp_close_reason {
	TCP_CLOSE_NORMAL = 0,   /* both FINs exchanged */
	TCP_CLOSE_RESET,        /* the peer reset the connection */
	TCP_CLOSE_TIMEOUT,      /* retransmissions or FIN-WAIT-2 timed out */
	TCP_CLOSE_ABORT,        /* we aborted (tcp_abort, shutdown) */
	TCP_CLOSE_REFUSED,      /* active open answered with RST or ICMP unreachable */
};

/* Connection lookup key; IPv4 addresses in the first 4 bytes. */
struct tcp_key {
	uint8_t raddr[16];
	uint8_t laddr[16];
	uint16_t rport, lport;     /* network order */
	uint8_t family;            /* AF_INET or AF_INET6 */
	uint8_t pad[3];
};

/* A FIFO of mbufs holding bytes (linked through m->next, one segment each);
 * the head's data_off moves forward as bytes are consumed. cur is where
 * the last copy ended and cur_off the queue offset of its first byte, so
 * sending at SND.NXT does not walk the queue from its head every segment. */
struct tcp_mq {
	struct rte_mbuf *head, *tail;
	struct rte_mbuf *cur;      /* NULL: none; else an mbuf of this queue */
	uint32_t cur_off;
	uint32_t bytes;
};

struct tcp_ooo {
	uint32_t seq;              /* of the first byte of m's data */
	uint32_t len;
	bool fin;                  /* a FIN follows the data */
	struct rte_mbuf *m;        /* data_off at the payload; a run of
				    * contiguous segments chained by m->next */
	struct rte_mbuf *tail;     /* the run's last segment */
};

/* Loss recovery (tcp_sack.c): the RFC 6675 scoreboard of what the peer
 * SACKed, and RFC 6582 NewReno's recovery point. */
#define TCP_SB_MAX          8      /* SACKed ranges remembered per connection */
#define TCP_RACK_LOG        32     /* send-time records per connection */
#define TCP_REO_WND_MAX_MS  64     /* bound of the RACK reordering window */
#define TCP_RACK_RX         8      /* retransmissions remembered for D-SACK */

struct tcp_recovery {
	bool active;               /* in fast recovery */
	bool recover_set;          /* recover holds a value */
	bool probe_armed;          /* t_rto is an RFC 8985 tail loss probe */
	bool undo_ok;              /* RFC 3522: the next ACK may prove the recovery spurious */
	uint32_t rexmit_ts;        /* our TSval on the retransmission that began it */
	uint32_t prior_cwnd, prior_ssthresh;  /* restored when it was spurious */
	/* Receiving side: a duplicate to report as the first SACK block of
	 * the next ACK (RFC 2883 D-SACK), so the peer can undo. */
	bool dsack;
	uint32_t dsack_start, dsack_end;
	uint8_t n;                 /* ranges in sb */
	uint32_t recover;          /* RFC 6582: SND.MAX at entry or at the last RTO */
	uint32_t high_rxt;         /* RFC 6675 HighRxt: retransmitted up to here */
	uint32_t sacked;           /* bytes in sb */
	struct { uint32_t start, end; } sb[TCP_SB_MAX];  /* sorted, disjoint, > SND.UNA */

	/* RFC 8985 RACK (tcp_rack.c), for SACK connections. The send log:
	 * when each range of first transmissions left, one record per
	 * millisecond (sequence order is send order), [log_start, end of
	 * the newest); retransmissions below it are not logged. */
	bool rack;                 /* RACK decides losses (SACK agreed) */
	bool rack_valid;           /* rack_xmit_ms / rack_rtt_ms hold a delivery */
	bool reo_seen;             /* RFC 8985 RACK.reordering_seen */
	uint8_t log_head, log_n;
	uint8_t reo_mult;          /* RACK.reo_wnd_mult: steps grown by D-SACK */
	uint8_t reo_persist;       /* recoveries left before the window resets */
	uint16_t reo_extent_ms;    /* largest reordering measured, in send time */
	uint32_t log_start;
	struct { uint32_t end, ms; } log[TCP_RACK_LOG];
	uint32_t rack_xmit_ms;     /* RACK.xmit_ts of the latest-sent delivered data */
	uint32_t rack_end;         /* RACK.end_seq (also RACK.fack: nothing above delivered) */
	uint32_t rack_rtt_ms;      /* RACK.rtt */
	uint32_t fack_prev, xmit_prev;  /* rack_end / rack_xmit_ms before this ACK */
	uint32_t min_rtt_ms;       /* RACK.min_RTT (UINT32_MAX: none yet) */
	uint32_t lost_end;         /* unSACKed bytes in [high_rxt, lost_end) are lost */
	uint32_t dsack_round;      /* the window grows once per round: SND.MAX then */
	/* Our latest retransmissions, to tell a D-SACK of a spurious one
	 * (RFC 3708) from a duplicate the network made. */
	uint8_t rx_next;
	uint8_t rx_probe;          /* bit i: rx[i] was a tail loss probe */
	bool sending_probe;        /* tcp_tlp_fire is sending */
	struct { uint32_t start, end, orig_ms; } rx[TCP_RACK_RX];
};

struct tcp_timer_node {
	struct tcp_timer_node *next, **pprev;  /* NULL pprev: not on the wheel */
	uint64_t expire_ms;
};

struct tcp_conn;
struct tcp_worker;

/* What the layer above a listener does with its connections. Every callback
 * runs on the owning worker inside the TCP layer and must not block; it may
 * call tcp_read/tcp_write/tcp_close/tcp_abort on its own connection. */
struct tcp_app_ops {
	const char *name;
	/* The three-way handshake completed. Return 0 to keep the connection,
	 * anything else to reset it. */
	int (*on_accept)(struct tcp_conn *c);
	/* An active open (tcp_connect) reached ESTABLISHED. Return 0 to keep
	 * the connection, anything else to reset it. */
	int (*on_connect)(struct tcp_conn *c);
	/* In-order data arrived, or the peer's FIN (tcp_rx_eof) did. */
	void (*on_readable)(struct tcp_conn *c);
	/* Send space freed after a short tcp_write. */
	void (*on_writable)(struct tcp_conn *c);
	/* Last call: the connection is gone for the application (the stack may
	 * still hold it in TIME-WAIT). Optional. */
	void (*on_closed)(struct tcp_conn *c, enum tcp_close_reason why);
};

#define TF_ACK_NOW      0x0001   /* send an ACK at the next output */
#define TF_DELACK       0x0002   /* an ACK is owed, delayed */
#define TF_TS_OK        0x0004   /* RFC 7323 timestamps negotiated */
#define TF_SACK_OK      0x0008   /* RFC 2018 SACK-permitted exchanged */
#define TF_WS_OK        0x0010   /* RFC 7323 window scale negotiated */
#define TF_FIN_QUEUED   0x0020   /* the application closed: FIN after the data */
#define TF_FIN_SENT     0x0040
#define TF_FIN_RCVD     0x0080   /* the peer's FIN is in sequence */
#define TF_APP_DONE     0x0100   /* on_closed was called */
#define TF_WANT_WRITE   0x0200   /* a tcp_write was short: call on_writable */
#define TF_RTT_TIMING   0x0400
#define TF_REAP         0x0800   /* on the reap list */
#define TF_IN_APP       0x1000   /* the application is being called */
#define TF_HALF_OPEN    0x2000   /* counted in n_half_open and src->half_open */
#define TF_SRC_CONN     0x4000   /* counted in src->conns */
#define TF_ACTIVE       0x8000   /* opened by tcp_connect (on_connect, not on_accept) */

struct tcp_conn {
	struct tcp_key key;
	uint32_t idx;              /* in the worker's pool */
	uint16_t port;             /* dataplane port the connection lives on */
	uint8_t state;             /* enum tcp_state */
	uint8_t backoff;           /* RTO doublings since the last new ACK */
	uint16_t flags;            /* TF_* */
	uint16_t smss;             /* payload bytes per segment we send */
	uint16_t rmss;             /* the MSS we advertised */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t dupacks;
	uint8_t unacked_segs;      /* full segments received since our last ACK */
	uint8_t keep_probes;       /* keep-alive probes unanswered */

	/* Send sequence space (RFC 9293 3.3.1). snd_max: highest sent. */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t max_snd_wnd;
	uint32_t cwnd, ssthresh;   /* RFC 5681 */
	struct tcp_recovery rec;   /* RFC 6675 / 6582 (tcp_sack.c) */
	/* Receive sequence space. rcv_adv: right edge we advertised. */
	uint32_t irs, rcv_nxt, rcv_adv;
	uint32_t ts_recent;        /* RFC 7323 4.3 */

	/* RFC 6298, in 1/8 ms. */
	uint32_t srtt_x8, rttvar_x8, rto_ms;
	uint32_t rtt_seq;
	uint64_t rtt_start_ms;

	/* Deadlines in ms, 0 when off. */
	uint64_t t_rto, t_delack, t_2msl, t_keep;
	uint64_t t_rack;           /* RFC 8985 6.3 reordering timer */
	uint64_t rx_last_ms;       /* last acceptable segment (keep-alive idle) */
	uint32_t tw_unread;        /* TIME-WAIT: bytes unread at the last 2 MSL expiry */
	struct tcp_timer_node tn;

	/* Limits copied from the snapshot when the connection opened. */
	uint32_t rcvbuf, sndbuf;
	uint16_t ooo_max;

	struct tcp_mq rcvq;        /* in order, not yet read */
	struct tcp_mq sndq;        /* from snd_una: unacknowledged, then unsent */
	uint32_t ooo_bytes;
	uint32_t rx_mbufs;         /* received mbufs in rcvq and ooo (tcp_worker.rx_mbufs) */
	uint16_t n_ooo;
	uint16_t ooo_last;         /* index of the latest insert, for SACK */
	struct tcp_ooo ooo[TCP_OOO_MAX];

	const struct tcp_app_ops *ops;
	void *app;                 /* the application's */
	uint64_t app_u64;          /* the application's */
	struct tcp_worker *tw;
	uint32_t next_free;        /* pool free list / reap list */
};

/* Connections of one source address on one worker (open addressing, linear
 * probing; an entry lives while either count is non-zero, so at most
 * TCP_MAX_CONNS of the TCP_SRC_SLOTS are ever used). */
struct tcp_src {
	uint8_t addr[16];
	uint8_t family;            /* 0: free slot */
	uint8_t pad;
	uint16_t half_open;        /* in SYN-RECEIVED */
	uint32_t conns;            /* past the handshake, not yet released */
};

struct tcp_listener {
	uint16_t port;             /* host order */
	bool from_config;          /* a test service of the snapshot */
	const struct tcp_app_ops *ops;
};

struct worker;
struct rte_hash;
struct rte_mempool;

struct tcp_worker {
	struct worker *w;
	struct rte_hash *table;    /* tcp_key -> pool index */
	struct tcp_conn *conns;    /* TCP_MAX_CONNS */
	uint32_t free_head;        /* UINT32_MAX: empty */
	uint32_t nconns;
	uint32_t reap_head;        /* released connections freed after the pass */
	struct rte_mempool *buf_pool;
	struct rte_mempool *ind_pool;  /* TCP_IND_MBUFS bufferless mbufs (zero-copy send) */
	/* Received mbufs the connections hold in receive queues and
	 * out-of-order runs, and the bound (tcp.rx-mbufs-per-worker, or
	 * rx_mbufs_auto derived from the packet pool when that is 0). */
	uint32_t rx_mbufs, rx_mbufs_auto;
	uint32_t rx_mbufs_limit;   /* the bound in force, for telemetry (set per snapshot) */
	uint16_t ip_id;

	/* Timing wheel: 1 ms ticks. */
	uint64_t now_ms, wheel_ms;
	uint64_t tsc_per_ms;
	uint64_t next_tick_tsc;    /* TSC of the next millisecond */
	bool manual_clock;         /* unit tests drive time */
	uint32_t ntimers;
	struct tcp_timer_node *wheel[TCP_WHEEL_SLOTS];

	/* RFC 5961 7: challenge ACKs per second. */
	uint64_t chal_second;
	uint32_t chal_count;

	/* SYN backlog and cookies (RFC 4987). */
	uint32_t n_half_open;      /* connections in SYN-RECEIVED */
	uint64_t cookie_last_ms;   /* last cookie sent; 0: never */
	struct tcp_src *src;       /* TCP_SRC_SLOTS */

	uint16_t eph_cursor;       /* next ephemeral port tcp_connect tries */

	uint64_t services_gen;     /* snapshot generation the listeners follow */
	unsigned nlisteners;
	struct tcp_listener listeners[TCP_MAX_LISTENERS];
};

#endif
