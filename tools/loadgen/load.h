/* SPDX-License-Identifier: Proprietary
 * rampart-load: a TCP load generator that is a second DPDK process running
 * the dataplane's own stack (dataplane/tcp) as the client. Shared types of
 * its files: rampart-load.c (EAL, the stack, the loop, the report) and
 * load_client.c (the client sessions).
 *
 * A session is one connection's life: connect, then `requests` rounds of
 * "write request_bytes, read response_bytes" (1 round: the CPS workload;
 * more: keep-alive, as an HTTP client does), then an orderly close. In bulk
 * mode a session instead writes without pause and reads back whatever the
 * peer returns, until the run ends. The request bytes come from a template
 * (a fixed pattern, or a file such as an HTTP request), so the same client
 * can later drive `bench http`. In serve mode (load_server.c) it is the
 * other side: a backend that answers every request with a fixed response.
 * HTTP mode (load_client.c, load_http.c) is an HTTP/1.1 client: each of
 * `concurrency` keep-alive connections sends the template, reads one
 * response framed by its head (Content-Length, none for 204/304, or the
 * close), records the latency, and sends again; with --listen-port the same
 * process is also the backend, so one DPDK process drives a gateway from
 * both sides (`scripts/bench http`).
 */
#ifndef RAMPART_LOAD_H
#define RAMPART_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

#define LOAD_MAX_CONC 8000          /* sessions in flight; below TCP_MAX_CONNS */
#define LOAD_MAX_REQ_BYTES 65536

enum load_mode { LOAD_CPS, LOAD_BULK, LOAD_SERVE, LOAD_HTTP };

#define LOAD_HEAD_MAX 1024          /* an HTTP head we collect; longer: bad */
#define LOAD_HIST_BUCKETS 976       /* load_http.c: log-linear up to 2^64 ns */

struct load_opts {
	enum load_mode mode;
	uint8_t peer[4];             /* IPv4, network order */
	uint16_t peer_port;
	char local_cidr[32];         /* our address on the link, e.g. 198.18.0.2/24 */
	unsigned concurrency;        /* sessions in flight */
	uint32_t request_bytes;      /* per round (CPS) */
	uint32_t response_bytes;     /* expected per round; 0: request_bytes */
	uint32_t requests;           /* rounds per connection (keep-alive); 0: no limit */
	uint32_t time_wait_ms;       /* our TIME-WAIT; 0: the config's */
	double duration, warmup, link_timeout, linger;
	const char *request_file;    /* request template; NULL: a byte pattern */
	const char *response_file;   /* serve: the response; NULL: a byte pattern */
	uint16_t listen_port;        /* serve, and http (0: no backend) */
	bool http;                   /* serve: requests are HTTP (head, Content-Length body) */
	int server_pid;              /* the peer's process on this machine: its CPU time
	                              * over the window is reported (0: none) */
	uint32_t buffer_bytes;       /* our receive and send buffers (config) */
	uint16_t mtu;                /* our port's IP MTU (config; sizes our mbufs) */
};

/* Running totals; the report is the difference over the measured window. */
struct load_totals {
	uint64_t completed;          /* sessions that did all rounds and closed cleanly */
	uint64_t rounds;             /* request/response rounds completed */
	uint64_t bytes_tx, bytes_rx; /* payload */
	uint64_t started;            /* tcp_connect calls that returned a connection */
	uint64_t connect_fail;       /* tcp_connect returned NULL */
	uint64_t closed_reset, closed_timeout, closed_refused, closed_abort;
	uint64_t short_reply;        /* peer closed before the whole response */
	uint64_t long_reply;         /* more bytes than expected in a round */
	uint64_t bad_reply;          /* http: a head we cannot frame (client), or a
	                              * request we cannot (server: chunked, too long) */
	uint64_t bad_status;         /* http: answers other than 2xx */
	uint64_t conn_us_sum;        /* connect to close, completed sessions */
};

/* An HTTP message head being collected. */
struct load_head {
	uint16_t len;
	char buf[LOAD_HEAD_MAX];
};

struct load_head_info {
	int status;                  /* responses */
	int64_t content_length;      /* -1: none */
	bool chunked;                /* any Transfer-Encoding */
	bool close;                  /* Connection: close, or 1.0 without keep-alive */
};

/* Request/response latency, HTTP mode, over the measured window. */
struct load_hist {
	uint64_t n, sum_ns, max_ns;
	uint64_t b[LOAD_HIST_BUCKETS];
};

struct load_session;

struct load_client {
	const struct load_opts *o;
	struct worker *w;
	uint8_t *request;            /* request template, request_bytes long */
	uint8_t *response;           /* serve: response_bytes long */
	unsigned active;             /* sessions in flight */
	bool opening;                /* may open new sessions */
	unsigned open_limit;         /* current in-flight target (1 while priming) */
	uint32_t free_head;
	struct load_session *sess;   /* LOAD_MAX_CONC */
	struct load_totals t;        /* the client's (cps, bulk, http) */
	struct load_totals st;       /* the server's (serve, http with a backend) */
	struct load_hist lat;        /* http: filled while `measuring` */
	bool measuring;
	uint64_t hz;
	double ns_per_tsc;
};

/* Allocate sessions and the request template. Returns 0 or -errno. */
int load_client_init(struct load_client *lc, const struct load_opts *o, struct worker *w);
void load_client_fini(struct load_client *lc);

/* Open sessions up to open_limit while opening is set. w->snap must be
 * valid. Returns the number opened. */
unsigned load_client_refill(struct load_client *lc);

/* Reset every session still open (end of run). w->snap must be valid. */
void load_client_abort_all(struct load_client *lc);

/* Serve mode (load_server.c): listen on o->listen_port and answer each
 * request with lc->response. Counts into lc->st: started = accepted,
 * rounds = requests answered, completed = connections closed normally.
 * Allocates the per-connection state (-ENOMEM). Returns tcp_listen's
 * result. */
int load_server_listen(struct load_client *lc);
void load_server_fini(void);

/* load_http.c. Append up to n bytes of p to h until the head is complete
 * (*done): returns the bytes taken (those after the head are not), or -1
 * when the head outgrows LOAD_HEAD_MAX. */
int load_head_feed(struct load_head *h, const uint8_t *p, size_t n, bool *done);
/* The fields of a complete head (response: a status line). 0, or -1 when
 * it cannot be framed (no status, bad or repeated Content-Length). */
int load_head_parse(const struct load_head *h, bool response, struct load_head_info *out);
void load_hist_add(struct load_hist *hs, uint64_t ns);
/* The q-quantile (0..1) in microseconds (bucket middle), 0 when empty. */
double load_hist_quantile_us(const struct load_hist *hs, double q);

#endif
