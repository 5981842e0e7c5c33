/* SPDX-License-Identifier: Proprietary
 * The per-core TCP stack (RFC 9293) and its socket-like API.
 *
 * Each worker owns a struct tcp_worker (worker->tcp): its connections, their
 * timers and buffers. A connection lives on the worker its flow hashes to
 * (port_owner(port_flow_hash())), so nothing here is shared or locked.
 *
 * The layer above registers a listener (port + struct tcp_app_ops) on a
 * worker, or a test service is configured ("test-services" in the config);
 * the stack calls the ops as the connection progresses, and the application
 * reads, writes and closes through tcp_read/tcp_write/tcp_close/tcp_abort.
 * Everything runs on the owning worker lcore and never blocks.
 *
 * Files: tcp_input.c (validation, demux, state machine), tcp_output.c
 * (segments), tcp_timer.c (wheel, RTO, delayed ACK, TIME-WAIT, keep-alive),
 * tcp_conn.c (pool, table, ISN, queues, the API), tcp_connect.c (active
 * open: local port choice, SYN-SENT), tcp_sack.c (SACK scoreboard, fast
 * recovery), tcp_rack.c (RACK loss detection), tcp_icmp.c (path MTU and
 * unreachable errors), tcp_keepalive.c, tcp_testsvc.c (echo, discard,
 * send, relay).
 */
#ifndef RAMPART_TCP_H
#define RAMPART_TCP_H

#include <stddef.h>
#include <stdint.h>
#include <rte_mbuf.h>

#include "tcp/tcp_types.h"

struct worker;
struct cfg_port;

/* Boot -------------------------------------------------------------------- */

/* Set the RFC 6528 ISN key from the kernel's random source. Main lcore,
 * once, before any worker starts. Returns 0 or -errno. */
int tcp_global_init(void);

/* Create w's TCP state (pool of TCP_MAX_CONNS connections, table, send-buffer
 * mempool, wheel) on w's socket and set w->tcp. Main lcore, before launch.
 * Returns 0 or -ENOMEM (w->tcp stays NULL). */
int tcp_worker_init(struct worker *w);

/* Free what tcp_worker_init made, releasing every connection's mbufs; no
 * application callback runs. Accepts w->tcp == NULL. After the workers stop. */
void tcp_worker_fini(struct worker *w);

/* Fast path ----------------------------------------------------------------- */

/* A TCP segment for one of our addresses. m->data_off at the TCP header,
 * l3_len set, the IP header just before (IPv4 without options, or IPv6
 * without extension headers); family AF_INET or AF_INET6. Takes ownership of
 * m: queues its data, or frees it (counted when refused). Worker lcore. */
void tcp_input(struct worker *w, struct rte_mbuf *m, const struct cfg_port *p, int family);

/* An ICMP (family AF_INET) or ICMPv6 error message that may concern one of
 * our connections: msg points at the ICMP header, len bytes, checksum
 * verified. Path MTU (RFC 1191 / 8201) and hard errors in SYN-SENT (RFC
 * 5461), after the RFC 5927 checks (tcp_icmp.c). Takes ownership of m.
 * Worker lcore. */
void tcp_icmp_error(struct worker *w, struct rte_mbuf *m, int family, const uint8_t *msg,
		    uint32_t len);

/* Once per worker pass (w->snap valid): follow the snapshot's test services,
 * advance the clock and the timing wheel, free released connections. Costs
 * one TSC read when no millisecond has passed. Worker lcore. */
void tcp_poll(struct worker *w);

/* Unit tests: stop reading the TSC and use now_ms (monotonic) from now on;
 * the next tcp_poll runs every timer due by then. */
void tcp_clock_set(struct worker *w, uint64_t now_ms);

/* Listeners ------------------------------------------------------------------ */

/* Accept connections to local port `port` (host order, any of our addresses)
 * with ops. Returns 0, -EEXIST when the port is taken, -ENOSPC when
 * TCP_MAX_LISTENERS are in use. Owning worker (or the main lcore before
 * launch). */
int tcp_listen(struct worker *w, uint16_t port, const struct tcp_app_ops *ops);

/* Stop accepting on port; existing connections continue. Returns 0 or
 * -ENOENT. */
int tcp_unlisten(struct worker *w, uint16_t port);

/* Active open ---------------------------------------------------------------- */

/* Active open toward raddr:rport (raddr: 4 or 16 bytes, network order).
 * Local address: the configured address of the port whose subnet holds
 * raddr, else of the port with a gateway for that family. Local port: an
 * ephemeral port (49152-65535) free on this worker, chosen so that
 * port_owner(port_flow_hash(reply)) == this worker, so the peer's
 * replies land here with NIC RSS and with the software dispatcher.
 * ops/app are set before any callback; ops->on_connect runs once
 * ESTABLISHED (return non-zero to abort), on failure on_closed runs with
 * TCP_CLOSE_REFUSED (RST, or an ICMP hard error such as port unreachable)
 * or TCP_CLOSE_TIMEOUT (SYN retries exhausted).
 * Returns the connection in SYN-SENT, or NULL with *err = -ENETUNREACH,
 * -EADDRNOTAVAIL (no local port), -ENOBUFS (pool or per-worker limit).
 *
 * Port choice: candidates run from a per-worker cursor (started at a random
 * point of the range) through the range; each costs one software Toeplitz
 * hash of the reply's tuple and, when this worker owns it, one table lookup.
 * With W workers about W candidates are tried (at most TCP_CONNECT_TRIES).
 * The hash and port_reta are those of the port layer: with NIC RSS the NIC
 * is programmed with the same key and table, with the software dispatcher
 * the polling worker computes the same hash. With one worker (or a port
 * with one rx queue and one worker) every hash is owned by worker 0, so the
 * first free candidate is taken. The caller must not hold the connection
 * beyond on_closed. tcp_close in SYN-SENT gives up the open (on_closed
 * ABORT, no segment sent). Owning worker only. */
struct tcp_conn *tcp_connect(struct worker *w, int family, const uint8_t *raddr,
			     uint16_t rport, const struct tcp_app_ops *ops,
			     void *app, int *err);

/* The application's side of a connection (owning worker, any callback or
 * later while the connection has not been reported closed) ----------------- */

/* Bytes of in-order data waiting to be read. Bytes the peer sent before
 * its FIN stay readable after the connection closes (TIME-WAIT) until
 * on_closed. */
uint32_t tcp_rx_avail(const struct tcp_conn *c);

/* The peer sent FIN and every byte before it has been read. */
bool tcp_rx_eof(const struct tcp_conn *c);

/* Copy up to len bytes of in-order data into buf and consume them; sends a
 * window update when the window opens enough (RFC 9293 3.8.6.2.2). Returns
 * the number of bytes copied (0 when none are waiting). */
size_t tcp_read(struct tcp_conn *c, void *buf, size_t len);

/* Free space in the send queue: what tcp_write would accept now. 0 after
 * tcp_close, and before an active open is ESTABLISHED (write from
 * on_connect on). */
uint32_t tcp_send_space(const struct tcp_conn *c);

/* Queue up to len bytes (copied) and send what the windows allow. Returns the
 * bytes accepted; when short, on_writable is called once space frees up. */
size_t tcp_write(struct tcp_conn *c, const void *buf, size_t len);

/* Zero-copy: the same, in mbufs. tcp_read_mbuf takes up to max bytes of
 * in-order data as a chain of the received mbufs themselves (whole mbufs
 * while they fit; when not even the first fits, its first max bytes by
 * reference if max >= 512), consumed as by tcp_read. Returns NULL when none
 * are waiting or none fit (or, counted err_sndbuf_pool, no mbuf to split
 * with). The caller owns the
 * chain: tcp_write_mbuf it, or rte_pktmbuf_free it.
 *
 * tcp_write_mbuf queues the chain m without copying: on success (0) the
 * send queue owns every segment and frees each exactly once when the peer
 * acknowledges it (segments in flight hold references of their own, so
 * retransmissions work after the PMD freed the first copy). All or
 * nothing: -ENOBUFS when the chain is longer than tcp_send_space (on_writable
 * follows once space frees; read at most tcp_send_space bytes, as the relay
 * does, and this never happens), -EPIPE after tcp_close or before
 * ESTABLISHED; then m stays the caller's. m's segments must not be linked
 * elsewhere (the queue uses m->next); their buffers must stay unchanged
 * while queued (anything with refcount > 1 is only read). */
struct rte_mbuf *tcp_read_mbuf(struct tcp_conn *c, uint32_t max);
int tcp_write_mbuf(struct tcp_conn *c, struct rte_mbuf *m);

/* Orderly close: send FIN after the queued data (RFC 9293 3.10.4). The
 * connection stays valid until on_closed. Returns 0, or -EALREADY. */
int tcp_close(struct tcp_conn *c);

/* Abortive close: send RST, drop the queues, call on_closed(ABORT) (RFC 9293
 * 3.10.5). The connection must not be used after. */
void tcp_abort(struct tcp_conn *c);

/* Connections the worker holds now (any state). */
uint32_t tcp_conn_count(const struct worker *w);

/* Human-readable state name. */
const char *tcp_state_name(enum tcp_state s);

#endif
