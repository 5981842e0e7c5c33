/* SPDX-License-Identifier: Proprietary
 * rampart-load's server side (load.h): listen on a port and answer each
 * request with a fixed response, keeping the connection for the next one
 * until the client closes — the backend of an HTTP benchmark (serve mode,
 * or http mode with --listen-port).
 *
 * A request ends after request_bytes bytes, or (HTTP) after its head and
 * the Content-Length bytes of body the head announces (a chunked or
 * unframeable request is reset, counted as bad_reply). Per connection state
 * comes from a pool allocated at start, so serving allocates nothing; a
 * full pool refuses the connection (reset, closed_refused).
 * While a response is unfinished nothing more is read: the rest waits in
 * the receive queue (the window closes) until on_writable.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "worker.h"
#include "load.h"

#define CHUNK 4096
#define NO_CONN UINT32_MAX

struct srv_conn {
	uint32_t pend;               /* response bytes still to write */
	uint32_t rb;                 /* fixed-size requests: bytes so far */
	uint64_t body_left;          /* HTTP: request body bytes still to read */
	bool in_body;
	uint32_t next_free;
	struct load_head head;
};

static struct load_client *srv;
static struct srv_conn *conns;       /* LOAD_MAX_CONC */
static uint32_t free_head = NO_CONN;

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
	srv->st.bytes_tx += put;
	return pend - (uint32_t)put;
}

/* Consume request bytes from p[0..n): how many were taken, with *end set
 * when a request ended with the last of them; -1 on a request we cannot
 * frame. */
static int
take_request(struct srv_conn *s, const uint8_t *p, size_t n, bool *end)
{
	struct load_head_info hi;
	int took;

	*end = false;
	if (!srv->o->http) {
		size_t want = srv->o->request_bytes - s->rb, t = n < want ? n : want;

		s->rb += (uint32_t)t;
		if (s->rb == srv->o->request_bytes) {
			s->rb = 0;
			*end = true;
		}
		return (int)t;
	}
	if (s->in_body) {
		size_t t = n < s->body_left ? n : (size_t)s->body_left;

		s->body_left -= t;
		if (s->body_left == 0) {
			s->in_body = false;
			*end = true;
		}
		return (int)t;
	}
	took = load_head_feed(&s->head, p, n, end);
	if (took < 0)
		return -1;
	if (!*end)
		return took;
	if (load_head_parse(&s->head, false, &hi) != 0 || hi.chunked)
		return -1;
	s->head.len = 0;
	if (hi.content_length > 0) {
		s->in_body = true;
		s->body_left = (uint64_t)hi.content_length;
		*end = false;
	}
	return took;
}

/* Read and answer requests. Stops at the end of the data or while a
 * response is pending. */
static void
serve(struct tcp_conn *c)
{
	struct srv_conn *s = c->app;
	uint8_t buf[CHUNK];

	s->pend = respond(c, s->pend);
	while (s->pend == 0) {
		size_t n = tcp_read(c, buf, sizeof(buf)), i = 0;

		if (n == 0)
			break;
		srv->st.bytes_rx += n;
		while (i < n) {
			bool end;
			int took = take_request(s, buf + i, n - i, &end);

			if (took < 0) {
				srv->st.bad_reply++;
				tcp_abort(c);
				return;
			}
			i += (size_t)took;
			if (!end)
				continue;
			srv->st.rounds++;
			s->pend = respond(c, srv->o->response_bytes);
			if (s->pend)
				break;
		}
		if (i < n) {
			/* Bytes after a request whose answer is still pending are
			 * already read: a pipelining client outran our send space.
			 * Such a client is not one of ours; reset it, counted. */
			srv->st.long_reply++;
			tcp_abort(c);
			return;
		}
	}
	if (s->pend == 0 && tcp_rx_eof(c))
		tcp_close(c);
}

static int
on_accept(struct tcp_conn *c)
{
	struct srv_conn *s;

	if (free_head == NO_CONN) {
		srv->st.closed_refused++;
		return -1;
	}
	s = &conns[free_head];
	free_head = s->next_free;
	s->pend = s->rb = 0;
	s->body_left = 0;
	s->in_body = false;
	s->head.len = 0;
	c->app = s;
	srv->st.started++;
	return 0;
}

static void
on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct srv_conn *s = c->app;

	if (s == NULL)
		return;      /* refused at accept, counted there */
	if (why == TCP_CLOSE_NORMAL)
		srv->st.completed++;
	else if (why == TCP_CLOSE_RESET)
		srv->st.closed_reset++;
	else if (why == TCP_CLOSE_TIMEOUT)
		srv->st.closed_timeout++;
	else
		srv->st.closed_abort++;
	c->app = NULL;
	s->next_free = free_head;
	free_head = (uint32_t)(s - conns);
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
	conns = rte_zmalloc("load_server_conns", sizeof(*conns) * LOAD_MAX_CONC, RTE_CACHE_LINE_SIZE);
	if (conns == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < LOAD_MAX_CONC; i++)
		conns[i].next_free = i + 1 < LOAD_MAX_CONC ? i + 1 : NO_CONN;
	free_head = 0;
	return tcp_listen(lc->w, lc->o->listen_port, &server_ops);
}

/* After the stack is gone (no more callbacks). */
void
load_server_fini(void)
{
	rte_free(conns);
	conns = NULL;
	free_head = NO_CONN;
}
