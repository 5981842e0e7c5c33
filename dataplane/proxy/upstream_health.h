/* SPDX-License-Identifier: Proprietary
 * Upstream server health: active checks, passive ejection, per-server
 * counts.
 *
 * Active checks (HTTP GET of health-check/path every interval-ms). One
 * worker probes each upstream: the worker whose id is the upstream's index
 * modulo the number of workers. Probing from every worker would multiply
 * the load on the backends by the worker count and could let workers
 * disagree about a server; one prober per upstream spreads the probing
 * over the workers and gives one verdict. The prober publishes the verdict
 * in a per-server 64-bit word, (snapshot generation << 1) | down, with a
 * release store; the other workers read it with an acquire load when they
 * choose a server (no lock, one cache line per upstream that only changes
 * on a transition). A word tagged with another generation means "no
 * verdict yet": the server counts as up. Servers start up and go down
 * after `fall` failed checks in a row, up again after `rise` good ones. A
 * check passes when the status line arrives within the interval (at most
 * upstream-connect-ms + upstream-response-ms) with the expected status
 * (any 2xx or 3xx by default); the check's connection is then reset (no
 * TIME-WAIT left per check, as HAProxy does).
 *
 * Passive ejection is per worker (no shared write on the request path):
 * ejection/consecutive-failures failures in a row (connect refused or
 * timed out, closed before the answer, 5xx) take the server out of this
 * worker's choice for ejection/period-ms. A server is usable when it is
 * up and not ejected; with none usable the request is answered 503.
 *
 * Counts per worker and server (requests, failures, ejections, checks,
 * check failures) are single-writer and read by the telemetry
 * (/rampart/http/upstreams, proxy_stats.c) with relaxed loads.
 */
#ifndef RAMPART_PROXY_UPSTREAM_HEALTH_H
#define RAMPART_PROXY_UPSTREAM_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config_types.h"

#define UH_RSP_MAX 128   /* bytes of a check's answer we look at (the status line) */

struct tcp_conn;
struct proxy_worker;

struct uh_server {
	/* counts (single writer: the owning worker) */
	uint64_t requests, failures, ejections, checks, check_failures;
	/* passive ejection */
	uint64_t ejected_until_ms;
	uint32_t fails_in_row;
};

struct uh_probe {
	struct tcp_conn *c;          /* NULL: no check in flight */
	uint64_t next_ms;            /* next check starts */
	uint64_t deadline_ms;        /* the one in flight fails */
	uint32_t ok_run, fail_run;
	bool down;
	uint16_t rsp_len;
	char rsp[UH_RSP_MAX];
	struct uhealth_worker *hw;
	uint8_t upstream, server;
};

struct uhealth_worker {
	struct proxy_worker *pw;
	uint64_t gen;                /* snapshot generation the state follows */
	uint64_t last_ms;
	struct uh_server srv[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];
	struct uh_probe probe[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];
};

struct uhealth_worker *uhealth_create(struct proxy_worker *pw, int socket);
/* Checks in flight are forgotten (tcp_worker_fini frees their
 * connections without callbacks). Accepts NULL. */
void uhealth_destroy(struct uhealth_worker *h);

/* Once per pass: follow the snapshot (state reset), start due checks,
 * fail overdue ones. */
void uhealth_poll(struct uhealth_worker *h, const struct cfg_proxy *px, uint64_t generation,
		  uint64_t now_ms);

/* Bit set of the servers of upstream u this worker may choose now. */
uint32_t uhealth_usable(const struct uhealth_worker *h, const struct cfg_upstream *cu,
			unsigned u, uint64_t generation, uint64_t now_ms);

/* A request went to server s of upstream u (counted). */
void uhealth_sent(struct uhealth_worker *h, unsigned u, unsigned s);

/* Its outcome for passive ejection: ok false for a connect failure, a
 * close before the answer or a 5xx. */
void uhealth_outcome(struct uhealth_worker *h, const struct cfg_upstream *cu, unsigned u,
		     unsigned s, bool ok, uint64_t now_ms);

/* The published verdict of the active check (any thread). */
bool uhealth_server_up(unsigned u, unsigned s, uint64_t generation);

#endif
