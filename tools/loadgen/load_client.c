/* SPDX-License-Identifier: Proprietary
 * rampart-load's client sessions over the dataplane's TCP stack (load.h).
 *
 * Sessions live in one array allocated at start with a free list, so
 * opening and closing a connection allocates nothing. Everything runs on
 * the one lcore that polls the port, inside the stack's callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "worker.h"
#include "load.h"

#define NO_SESSION UINT32_MAX
#define READ_CHUNK 16384
#define BULK_BYTES 65536

/* HTTP mode: where the current round's response is. */
enum http_phase {
	PH_IDLE,                     /* no request in flight: any byte is too many */
	PH_HEAD,                     /* collecting the response head */
	PH_BODY,                     /* body_left bytes of body to come */
	PH_TO_CLOSE,                 /* no length: the body ends with the connection */
};

struct load_session {
	struct load_client *lc;
	struct tcp_conn *c;
	uint32_t next_free;
	uint32_t sent, got;          /* of the current round */
	uint32_t round;
	bool done;                   /* every round answered: the close is ours */
	bool failed;                 /* counted already */
	uint64_t t0;                 /* TSC at tcp_connect */
	/* HTTP mode */
	enum http_phase phase;
	int status;
	bool close;                  /* the response ends the connection */
	uint64_t body_left;
	uint64_t t_req;              /* TSC when the round's request went out */
	struct load_head head;
};

static uint8_t read_buf[READ_CHUNK];

static struct load_session *
session_of(struct tcp_conn *c)
{
	return c->app;
}

static uint32_t
response_len(const struct load_client *lc)
{
	return lc->o->response_bytes ? lc->o->response_bytes : lc->o->request_bytes;
}

/* Write what is left of this round's request; on_writable resumes it. */
static void
send_request(struct load_session *s)
{
	struct load_client *lc = s->lc;
	size_t put;

	if (s->sent >= lc->o->request_bytes)
		return;
	put = tcp_write(s->c, lc->request + s->sent, lc->o->request_bytes - s->sent);
	s->sent += (uint32_t)put;
	lc->t.bytes_tx += put;
}

/* Bulk: keep the send queue full from the template, so the connection
 * never idles on us. Write until a write comes back short: only a short
 * write asks the stack for on_writable. */
static void
bulk_pump(struct load_session *s)
{
	struct load_client *lc = s->lc;
	size_t put;

	do {
		put = tcp_write(s->c, lc->request, BULK_BYTES);
		lc->t.bytes_tx += put;
	} while (put == BULK_BYTES);
}

/* HTTP: a new round on this connection. */
static void
http_start_round(struct load_session *s)
{
	s->sent = 0;
	s->phase = PH_HEAD;
	s->head.len = 0;
	s->t_req = rte_rdtsc();
	send_request(s);
}

static int
on_connect(struct tcp_conn *c)
{
	struct load_session *s = session_of(c);

	if (s->lc->o->mode == LOAD_BULK)
		bulk_pump(s);
	else if (s->lc->o->mode == LOAD_HTTP)
		http_start_round(s);
	else
		send_request(s);
	return 0;
}

/* HTTP: reset the connection over a response we cannot take. */
static void
http_fail(struct load_session *s, uint64_t *counter)
{
	(*counter)++;
	s->failed = true;
	tcp_abort(s->c);            /* on_closed frees s */
}

/* HTTP: the response is complete. The next round, or our close when the
 * response ends the connection, the run is draining, or --requests ran out. */
static void
http_round_done(struct load_session *s)
{
	struct load_client *lc = s->lc;

	if (s->sent < lc->o->request_bytes) {
		/* answered before the request was all sent: not a benchmark peer */
		http_fail(s, &lc->t.bad_reply);
		return;
	}
	lc->t.rounds++;
	if (s->status < 200 || s->status > 299)
		lc->t.bad_status++;
	if (lc->measuring)
		load_hist_add(&lc->lat, (uint64_t)((double)(rte_rdtsc() - s->t_req) * lc->ns_per_tsc));
	s->phase = PH_IDLE;
	++s->round;
	if (s->close || !lc->opening || (lc->o->requests && s->round >= lc->o->requests)) {
		s->done = true;
		tcp_close(s->c);
	} else {
		http_start_round(s);
	}
}

/* HTTP: a head is complete; frame the body. */
static void
http_head_done(struct load_session *s)
{
	struct load_client *lc = s->lc;
	struct load_head_info hi;

	if (load_head_parse(&s->head, true, &hi) != 0 || hi.chunked || hi.status < 200) {
		/* the gateway sends no 1xx (100-continue is not asked for) and
		 * turns chunked only into chunked: neither is expected here */
		http_fail(s, &lc->t.bad_reply);
		return;
	}
	s->status = hi.status;
	s->close = hi.close;
	if (hi.status == 204 || hi.status == 304 || hi.content_length == 0) {
		http_round_done(s);
	} else if (hi.content_length > 0) {
		s->body_left = (uint64_t)hi.content_length;
		s->phase = PH_BODY;
	} else {
		s->close = true;
		s->phase = PH_TO_CLOSE;
	}
}

static void
http_readable(struct load_session *s)
{
	struct load_client *lc = s->lc;
	struct tcp_conn *c = s->c;
	size_t n;

	while ((n = tcp_read(c, read_buf, sizeof(read_buf))) > 0) {
		size_t i = 0;

		lc->t.bytes_rx += n;
		while (i < n) {
			bool end;
			int took;

			switch (s->phase) {
			case PH_HEAD:
				took = load_head_feed(&s->head, read_buf + i, n - i, &end);
				if (took < 0) {
					http_fail(s, &lc->t.bad_reply);
					return;
				}
				i += (size_t)took;
				if (end)
					http_head_done(s);
				break;
			case PH_BODY:
				took = (int)(n - i < s->body_left ? n - i : s->body_left);
				i += (size_t)took;
				s->body_left -= (uint64_t)took;
				if (s->body_left == 0)
					http_round_done(s);
				break;
			case PH_TO_CLOSE:
				i = n;
				break;
			case PH_IDLE:
				http_fail(s, &lc->t.long_reply);
				return;
			}
			if (s->failed)
				return;
		}
	}
	if (!tcp_rx_eof(c) || s->done)
		return;
	if (s->phase == PH_TO_CLOSE) {
		http_round_done(s);
	} else {
		lc->t.short_reply++;
		s->failed = true;
		tcp_close(c);
	}
}

static void
on_writable(struct tcp_conn *c)
{
	struct load_session *s = session_of(c);

	if (s->lc->o->mode == LOAD_BULK)
		bulk_pump(s);
	else
		send_request(s);
}

static void
on_readable(struct tcp_conn *c)
{
	struct load_session *s = session_of(c);
	struct load_client *lc = s->lc;
	uint32_t want = response_len(lc);
	size_t n;

	if (lc->o->mode == LOAD_HTTP) {
		http_readable(s);
		return;
	}
	if (lc->o->mode == LOAD_BULK) {
		struct rte_mbuf *m;

		/* The echo is counted, not read: the received mbufs go back
		 * to the pool uncopied, so that the client, which carries the
		 * same stack, is not what limits the server's figure. */
		while ((m = tcp_read_mbuf(c, UINT32_MAX)) != NULL) {
			lc->t.bytes_rx += rte_pktmbuf_pkt_len(m);
			rte_pktmbuf_free(m);
		}
		return;
	}
	while ((n = tcp_read(c, read_buf, sizeof(read_buf))) > 0) {
		lc->t.bytes_rx += n;
		if (s->done)
			continue;
		s->got += (uint32_t)n;
		if (s->got > want) {
			lc->t.long_reply++;
			s->failed = true;
			tcp_abort(c);
			return;
		}
		if (s->got == want && s->sent == lc->o->request_bytes) {
			lc->t.rounds++;
			if (++s->round < lc->o->requests) {
				s->sent = s->got = 0;
				send_request(s);
			} else {
				s->done = true;
				tcp_close(c);
			}
		}
	}
	if (tcp_rx_eof(c) && !s->done && lc->o->mode != LOAD_BULK) {
		lc->t.short_reply++;
		s->failed = true;
		tcp_close(c);
	}
}

static void
on_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct load_session *s = session_of(c);
	struct load_client *lc = s->lc;

	if (why == TCP_CLOSE_NORMAL && s->done) {
		lc->t.completed++;
		lc->t.conn_us_sum += (rte_rdtsc() - s->t0) * 1000000 / lc->hz;
	} else if (!s->failed) {
		switch (why) {
		case TCP_CLOSE_RESET: lc->t.closed_reset++; break;
		case TCP_CLOSE_TIMEOUT: lc->t.closed_timeout++; break;
		case TCP_CLOSE_REFUSED: lc->t.closed_refused++; break;
		case TCP_CLOSE_ABORT: lc->t.closed_abort++; break;
		case TCP_CLOSE_NORMAL: lc->t.short_reply++; break;
		}
	}
	c->app = NULL;
	s->c = NULL;
	s->next_free = lc->free_head;
	lc->free_head = (uint32_t)(s - lc->sess);
	lc->active--;
}

static const struct tcp_app_ops client_ops = {
	.name = "rampart-load",
	.on_connect = on_connect,
	.on_readable = on_readable,
	.on_writable = on_writable,
	.on_closed = on_closed,
};

/* A template of len bytes: the file's (exactly len long), or a counting
 * pattern. */
static int
load_template(uint8_t **out, const char *file, size_t len)
{
	uint8_t *t = rte_zmalloc("load_template", len ? len : 1, 0);
	size_t got;
	FILE *f;

	*out = t;
	if (t == NULL)
		return -ENOMEM;
	if (file == NULL) {
		for (size_t i = 0; i < len; i++)
			t[i] = (uint8_t)('a' + i % 26);
		return 0;
	}
	f = fopen(file, "rb");
	if (f == NULL)
		return -errno;
	got = fread(t, 1, len, f);
	fclose(f);
	return got == len ? 0 : -EINVAL;
}

int
load_client_init(struct load_client *lc, const struct load_opts *o, struct worker *w)
{
	int rc;

	memset(lc, 0, sizeof(*lc));
	lc->o = o;
	lc->w = w;
	lc->hz = rte_get_tsc_hz();
	lc->ns_per_tsc = 1e9 / (double)lc->hz;
	lc->sess = rte_zmalloc("load_sessions", sizeof(*lc->sess) * LOAD_MAX_CONC,
			       RTE_CACHE_LINE_SIZE);
	if (lc->sess == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < LOAD_MAX_CONC; i++) {
		lc->sess[i].lc = lc;
		lc->sess[i].next_free = i + 1 < LOAD_MAX_CONC ? i + 1 : NO_SESSION;
	}
	lc->free_head = 0;
	if (o->mode == LOAD_BULK)
		rc = load_template(&lc->request, NULL, BULK_BYTES);
	else
		rc = load_template(&lc->request, o->request_file, o->request_bytes);
	if (rc == 0 && (o->mode == LOAD_SERVE || (o->mode == LOAD_HTTP && o->listen_port)))
		rc = load_template(&lc->response, o->response_file, o->response_bytes);
	if (rc != 0)
		load_client_fini(lc);
	return rc;
}

void
load_client_fini(struct load_client *lc)
{
	rte_free(lc->sess);
	rte_free(lc->request);
	rte_free(lc->response);
	lc->sess = NULL;
	lc->request = NULL;
	lc->response = NULL;
}

unsigned
load_client_refill(struct load_client *lc)
{
	unsigned opened = 0;

	while (lc->opening && lc->active < lc->open_limit && lc->free_head != NO_SESSION) {
		struct load_session *s = &lc->sess[lc->free_head];
		int err = 0;

		lc->free_head = s->next_free;
		s->sent = s->got = s->round = 0;
		s->done = s->failed = false;
		s->phase = PH_IDLE;
		s->t0 = rte_rdtsc();
		lc->active++;
		s->c = tcp_connect(lc->w, AF_INET, lc->o->peer, lc->o->peer_port, &client_ops,
				   s, &err);
		if (s->c == NULL) {
			/* Pool or ports exhausted: give the stack a pass to free
			 * some before trying again. */
			lc->t.connect_fail++;
			lc->active--;
			s->next_free = lc->free_head;
			lc->free_head = (uint32_t)(s - lc->sess);
			break;
		}
		lc->t.started++;
		opened++;
	}
	return opened;
}

void
load_client_abort_all(struct load_client *lc)
{
	for (uint32_t i = 0; i < LOAD_MAX_CONC; i++) {
		struct load_session *s = &lc->sess[i];

		if (s->c != NULL) {
			s->failed = true;    /* not counted: the run is over */
			tcp_abort(s->c);     /* calls on_closed, which frees s */
		}
	}
}
