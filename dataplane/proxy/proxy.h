/* SPDX-License-Identifier: Proprietary
 * The HTTP proxy on the dataplane: the server side of the reverse proxy.
 *
 * Each worker serves the snapshot's listeners on its own TCP stack: it
 * listens on their ports (following the snapshot, like the TCP test
 * services), gives each accepted connection an HTTP session from its
 * pool, parses requests with http_lib, routes them (route.h), answers,
 * and writes one access-log record per request into its log ring
 * (access_log.h). Files: proxy_worker.c (state, listeners, timers),
 * h1_session.c (one client connection), response.c (generated answers),
 * proxy_timer.c (timeout lists), route.c, upstream.c (server choice and
 * request serialisation for forwarding), access_log.c.
 *
 * Threads: proxy_worker_* on the main lcore before launch / after stop;
 * proxy_poll on the owning worker, once per pass, after tcp_poll.
 */
#ifndef RAMPART_PROXY_H
#define RAMPART_PROXY_H

#include "proxy/proxy_types.h"

struct worker;

/* Boot nonce for request ids, time base for the access log. Main lcore,
 * once, before any worker starts. */
void proxy_global_init(void);

/* Create w->proxy (session pool, timer lists, log ring) on w's socket.
 * Returns 0 or -ENOMEM (w->proxy stays NULL). Main lcore, after
 * tcp_worker_init. */
int proxy_worker_init(struct worker *w);

/* Free w->proxy and every session's context; after the workers stopped and
 * before tcp_worker_fini (which calls no application callback). Accepts
 * w->proxy == NULL. */
void proxy_worker_fini(struct worker *w);

/* Once per worker pass, after tcp_poll (w->snap valid): follow the
 * snapshot's listeners, expire timeouts. */
void proxy_poll(struct worker *w);

/* Sessions in use on w (telemetry, tests). */
uint32_t proxy_sessions(const struct worker *w);

#endif
