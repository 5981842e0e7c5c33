/* SPDX-License-Identifier: Proprietary
 * rampart-load's server mode (load.h): listen on a port and answer each
 * request with a fixed response, keeping the connection for the next one
 * until the client closes — the backend of an HTTP benchmark.
 *
 * A request ends after request_bytes bytes, or (--http) at the first blank
 * line ("\r\n\r\n": requests without a body, whatever headers a proxy
 * added). Per connection state lives in the connection's app_u64, so
 * serving allocates nothing:
 *   bits  0..31  response bytes still to write
 *   bits 32..34  how much of "\r\n\r\n" was just seen (0..3)
 *   bits 35..63  request bytes so far (fixed-size mode)
 * While a response is unfinished nothing more is read: the rest waits in
 * the receive queue (the window closes) until on_writable.
 */
#include <string.h>

#include "worker.h"
#include "load.h"

#define CHUNK 4096

static struct load_client *srv;

#define PEND(u) ((uint32_t)((u) & 0xffffffffu))
#define CRLF(u) ((unsigned)(((u) >> 32) & 7))
#define RBYTES(u) ((u) >> 35)
#define PACK(pend, crlf, rb) ((uint64_t)(pend) | ((uint64_t)(crlf) << 32) | ((uint64_t)(rb) << 35))

/* Write what is left of the current response. Returns the bytes still
 * pending afterwards. */
static uint32_t
respond(struct tcp_conn *c, uint32_t pend)
{
	uint32_t len = srv->o->response_bytes;
	size_t put;

	if (pend == 0)
		return 0;
	put = tcp_write(c, srv->response + (len - pend), pend);
	srv->t.bytes_tx += put;
	return pend - (uint32_t)put;
}

/* Scan input for request ends; answer each. Stops at the end of the data
 * or while a response is pending. */
static void
serve(struct tcp_conn *c)
{
	uint64_t u = c->app_u64;
	uint32_t pend = respond(c, PEND(u));
	unsigned crlf = CRLF(u);
	uint64_t rb = RBYTES(u);
	uint8_t buf[CHUNK];

	while (pend == 0) {
		size_t n = tcp_read(c, buf, sizeof(buf)), i;

		if (n == 0)
			break;
		srv->t.bytes_rx += n;
		for (i = 0; i < n; i++) {
			bool end;

			if (srv->o->http) {
				static const char blank[] = "\r\n\r\n";

				crlf = buf[i] == (uint8_t)blank[crlf] ? crlf + 1 : (buf[i] == '\r');
				end = crlf == 4;
			} else {
				end = ++rb == srv->o->request_bytes;
			}
			if (!end)
				continue;
			crlf = 0;
			rb = 0;
			srv->t.rounds++;
			pend = respond(c, srv->o->response_bytes);
			if (pend)
				break;
		}
		if (i + 1 < n && pend) {
			/* Bytes after a request whose answer is still pending are
			 * already read: a pipelining client outran our send space.
			 * Such a client is not one of ours; reset it, counted. */
			srv->t.long_reply++;
			tcp_abort(c);
			return;
		}
	}
	c->app_u64 = PACK(pend, crlf, rb);
	if (pend == 0 && tcp_rx_eof(c))
		tcp_close(c);
}

static int
on_accept(struct tcp_conn *c)
{
	c->app_u64 = 0;
	srv->t.started++;
	return 0;
}

static void
on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	(void)c;
	if (why == TCP_CLOSE_NORMAL)
		srv->t.completed++;
	else if (why == TCP_CLOSE_RESET)
		srv->t.closed_reset++;
	else if (why == TCP_CLOSE_TIMEOUT)
		srv->t.closed_timeout++;
	else
		srv->t.closed_abort++;
}

static const struct tcp_app_ops server_ops = {
	.name = "rampart-load-server",
	.on_accept = on_accept,
	.on_readable = serve,
	.on_writable = serve,
	.on_closed = on_closed,
};

int
load_server_listen(struct load_client *lc)
{
	srv = lc;
	return tcp_listen(lc->w, lc->o->listen_port, &server_ops);
}
