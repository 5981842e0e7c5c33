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
 */
#ifndef RAMPART_LOAD_H
#define RAMPART_LOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp.h"

#define LOAD_MAX_CONC 8000          /* sessions in flight; below TCP_MAX_CONNS */
#define LOAD_MAX_REQ_BYTES 65536

enum load_mode { LOAD_CPS, LOAD_BULK, LOAD_SERVE };

struct load_opts {
	enum load_mode mode;
	uint8_t peer[4];             /* IPv4, network order */
	uint16_t peer_port;
	char local_cidr[32];         /* our address on the link, e.g. 198.18.0.2/24 */
	unsigned concurrency;        /* sessions in flight */
	uint32_t request_bytes;      /* per round (CPS) */
	uint32_t response_bytes;     /* expected per round; 0: request_bytes */
	uint32_t requests;           /* rounds per connection (keep-alive) */
	uint32_t time_wait_ms;       /* our TIME-WAIT; 0: the config's */
	double duration, warmup, link_timeout, linger;
	const char *request_file;    /* request template; NULL: a byte pattern */
	const char *response_file;   /* serve: the response; NULL: a byte pattern */
	uint16_t listen_port;        /* serve */
	bool http;                   /* serve: a request ends at "\r\n\r\n" */
	int server_pid;              /* the peer's process on this machine: its CPU time
	                              * over the window is reported (0: none) */
	uint32_t buffer_bytes;       /* our receive and send buffers (config) */
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
	uint64_t conn_us_sum;        /* connect to close, completed sessions */
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
	struct load_totals t;
	uint64_t hz;
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
 * request with lc->response. Counts into lc->t: started = accepted,
 * rounds = requests answered, completed = connections closed normally.
 * Returns tcp_listen's result. */
int load_server_listen(struct load_client *lc);

#endif
