/* SPDX-License-Identifier: Proprietary
 * Forwarding one request to an upstream server and relaying its response:
 * a connection from the worker's keep-alive pool (upstream_pool.h) or a
 * new one (tcp_connect on this worker; the local port is chosen so the
 * server's replies come back to this core), the request head serialised
 * with header hygiene (upstream.h), the body streamed as it is parsed, the
 * response head parsed and rewritten, its body relayed byte for byte,
 * framed by Content-Length, chunked or the close. A connection whose
 * exchange ended cleanly (whole request sent, response complete with
 * nothing after it, keep-alive on both sides, under max-requests) goes
 * back to the pool; others wait for the server's FIN (bounded) or close.
 *
 * Flow control both ways, no unbounded buffering: request body bytes are
 * parsed only as far as the upstream's send queue has room, response bytes
 * are read only as far as the client's send queue has room; a slow side
 * leaves bytes in the other side's TCP receive queue, whose window closes.
 *
 * A reused connection may have been closed by the server just before the
 * request went out (its FIN or RST was in flight): when it ends before any
 * response byte, a request without a body and with an idempotent method
 * (RFC 9110 9.2.2) is sent again on a fresh connection to the same
 * server, once. Anything else fails as below.
 *
 * Failures: before any response byte reached the client, a generic 502
 * (connect refused or failed, bad response, early close) or 504 (connect
 * or response timeout); after, the client connection is reset, since the
 * response can no longer be completed or replaced.
 */
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include "http/http.h"
#include "proxy/proxy_p.h"
#include "proxy/proxy_timer.h"
#include "proxy/response.h"
#include "proxy/upstream.h"
#include "proxy/upstream_health.h"
#include "proxy/upstream_pool.h"
#include "tcp/tcp.h"

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

static const struct tcp_app_ops up_ops;

/* Connections tried per request: the first and two retries. */
#define UP_MAX_TRIES 3
/* Response body bytes read with the head that are copied behind it (one
 * write, one segment fewer); a larger first piece goes on its own rather
 * than be copied twice. */
#define UP_MERGE_MAX 4096

static struct upstream_state *
ups_of(struct h1_session *s)
{
	struct proxy_worker *pw = s->pw;

	if (pw->ups_gen != pw->w->snap->generation) {
		/* New snapshot: upstream indexes may mean other servers. */
		memset(pw->ups, 0, sizeof(*pw->ups) * CFG_MAX_UPSTREAMS);
		pw->ups_gen = pw->w->snap->generation;
	}
	return &pw->ups[s->fwd.upstream];
}

/* Forget the upstream connection: pooled when reuse allows, else closed
 * (or aborted when the exchange did not finish); its callbacks no longer
 * reach us. */
static void
release(struct h1_session *s, bool abort, bool reuse)
{
	struct h1_fwd *f = &s->fwd;
	struct proxy_worker *pw = s->pw;
	struct tcp_conn *up = f->up;
	bool same_gen = pw->ups_gen == f->gen;

	ptimer_stop(&f->timer);
	if (f->state != FW_NONE && same_gen && pw->ups[f->upstream].active[f->server] > 0)
		pw->ups[f->upstream].active[f->server]--;
	f->up = NULL;
	f->state = FW_NONE;
	if (up == NULL)
		return;
	up->app = NULL;
	if (abort) {
		tcp_abort(up);
	} else if (reuse && same_gen && pw->w->snap != NULL &&
		   upool_put(pw->upool, &pw->w->snap->proxy.upstream[f->upstream], f->upstream,
			     f->server, up, f->nreq)) {
		return;
	} else if (tcp_rx_eof(up)) {
		tcp_close(up);          /* passive close: no TIME-WAIT here */
	} else if (!f->keep || !f->head_parsed || !upstream_resp_keepalive(f->resp)) {
		/* The server was told (or said) it closes: it closes first
		 * (RFC 9112 9.6) and keeps the TIME-WAIT; wait for its FIN,
		 * bounded (a server may ignore Connection: close). */
		upool_drain(pw->upool, up);
	} else {
		tcp_close(up);          /* reusable but not kept (pool full, bytes after the body) */
	}
}

void
fwd_abort(struct h1_session *s)
{
	release(s, true, false);
}

/* Fail the exchange: 502/504 while the client has seen nothing of the
 * response, else reset the client. */
static bool retry_connect(struct h1_session *s);

static void
fail(struct h1_session *s, unsigned status, enum cnt_id why)
{
	struct h1_fwd *f = &s->fwd;
	bool sent = f->sent_any;
	/* No body byte left yet: the body can still be read and dropped, and
	 * the connection kept. */
	bool body_untouched = f->state == FW_CONNECTING || f->state == FW_HEAD;
	const struct snapshot *snap = s->pw->w->snap;

	/* The server's fault (not our send pool's): passive health. */
	if (why != CNT_HTTP_UP_SEND_FAIL && snap != NULL && f->state != FW_NONE &&
	    s->pw->ups_gen == f->gen)
		uhealth_outcome(s->pw->uhealth, &snap->proxy.upstream[f->upstream], f->upstream,
				f->server, false, proxy_now_ms(s->pw));
	if ((why == CNT_HTTP_UP_CONNECT_FAIL || why == CNT_HTTP_UP_CONNECT_TIMEOUT) &&
	    retry_connect(s))
		return;
	worker_count(s->pw->w, why);
	release(s, true, false);
	/* Outside a worker pass (connections released at teardown) there is
	 * no snapshot to answer with: reset. */
	if (sent || s->pw->w->snap == NULL) {
		h1_reset_client(s);
	} else if (s->state == HS_BODY && body_untouched) {
		s->status = (uint16_t)status;   /* answered once the body is read */
		h1_pump(s);
	} else {
		h1_answer(s, status);
	}
}

static bool send_head(struct h1_session *s);

/* Serialise the request head for the server into scratch (sent by
 * send_head). */
static void
queue_head(struct h1_session *s)
{
	const struct cfg_upstream *u = &s->pw->w->snap->proxy.upstream[s->fwd.upstream];
	struct h1_fwd *f = &s->fwd;
	struct fwd_info fi = { s->c->key.family, s->c->key.raddr, s->req_id, false };

	/* Reusable only when the pool keeps connections, the request is
	 * HTTP/1.1 (a 1.0 request is forwarded as 1.0, which closes), the
	 * connection has requests left and the pool will have room for it
	 * (idle + in use <= max-idle). A connection the pool could not take
	 * would be closed by us, leaving a TIME-WAIT on our side per request:
	 * under more concurrency than max-idle that exhausts the ephemeral
	 * ports. Told to close, the server closes first and keeps it. */
	f->keep = u->ka_max_idle > 0 && s->req->version == 11 && f->nreq < u->ka_max_requests &&
		  upool_idle(s->pw->upool, f->upstream, f->server) +
		  ups_of(s)->active[f->server] <= u->ka_max_idle;
	fi.close = !f->keep;
	f->req_off = 0;
	f->req_len = (uint32_t)upstream_request_head(s->scratch, s->scratch_cap, s->req, &fi);
	f->state = FW_HEAD;
}

/* Get a connection to the chosen server: an idle one from the pool unless
 * fresh, else a new one. false: none could be opened. */
static bool
open_conn(struct h1_session *s, bool fresh)
{
	const struct cfg_proxy *px = &s->pw->w->snap->proxy;
	struct h1_fwd *f = &s->fwd;
	const struct cfg_server *sv = &px->upstream[f->upstream].server[f->server];
	uint32_t nreq = 0;
	struct tcp_conn *up = NULL;
	int err;

	f->attempts++;
	uhealth_sent(s->pw->uhealth, f->upstream, f->server);
	if (!fresh)
		up = upool_take(s->pw->upool, f->upstream, f->server, &nreq);
	if (up != NULL) {
		up->ops = &up_ops;
		up->app = s;
		f->up = up;
		f->reused = true;
		f->nreq = nreq + 1;
		ups_of(s)->active[f->server]++;
		worker_count(s->pw->w, CNT_HTTP_UP_REUSED);
		/* The connect timer bounds getting the head out. */
		ptimer_arm(s->pw, &f->timer, PT_UP_CONNECT, proxy_now_ms(s->pw),
			   px->http.upstream_connect_ms);
		queue_head(s);
		if (f->req_len == 0)
			return false;   /* cannot happen: scratch fits the largest head */
		/* Body bytes read with the head join it (fwd_body_out, in the
		 * same pass); else it goes now, the rest on on_writable. */
		if (!(http_req_has_body(s->req) && s->in_len > s->head_end))
			(void)send_head(s);
		return true;
	}
	f->reused = false;
	f->nreq = 1;
	f->up = tcp_connect(s->pw->w, sv->family, sv->addr, sv->port, &up_ops, s, &err);
	if (f->up == NULL)
		return false;
	ups_of(s)->active[f->server]++;
	f->state = FW_CONNECTING;
	ptimer_arm(s->pw, &f->timer, PT_UP_CONNECT, proxy_now_ms(s->pw),
		   px->http.upstream_connect_ms);
	return true;
}

/* Choose a usable server of the request's upstream not tried yet; false
 * when none is left. */
static bool
choose_server(struct h1_session *s)
{
	const struct cfg_upstream *u = &s->pw->w->snap->proxy.upstream[s->fwd.upstream];
	struct h1_fwd *f = &s->fwd;
	uint32_t usable = uhealth_usable(s->pw->uhealth, u, f->upstream, s->pw->w->snap->generation,
					 proxy_now_ms(s->pw));
	int sv = upstream_pick(ups_of(s), u, usable & ~f->tried);

	if (sv < 0)
		return false;
	f->server = (uint8_t)sv;
	f->tried |= 1u << sv;
	f->gen = s->pw->ups_gen;
	return true;
}

unsigned
fwd_start(struct h1_session *s, int route)
{
	const struct cfg_proxy *px = &s->pw->w->snap->proxy;
	const struct cfg_route *rt = &px->route[route];
	struct h1_fwd *f = &s->fwd;

	memset(f, 0, offsetof(struct h1_fwd, resp));
	f->timer.owner = s;
	f->upstream = rt->upstream;
	if (!choose_server(s)) {
		worker_count(s->pw->w, CNT_HTTP_UP_NO_SERVER);
		return 503;
	}
	if (!open_conn(s, false)) {
		/* No connection could even be attempted (no local port or
		 * buffer): another server will not do better. */
		worker_count(s->pw->w, CNT_HTTP_UP_CONNECT_FAIL);
		release(s, true, false);
		return 502;
	}
	worker_count(s->pw->w, CNT_HTTP_FORWARDED);
	/* RFC 9110 10.1.1: answer 100 ourselves (Expect is not forwarded). */
	if (http_req_has_body(s->req) && http_req_known(s->req, HTTP_H_EXPECT) &&
	    s->out_len == 0) {
		memcpy(s->out, continue_100, sizeof(continue_100) - 1);
		s->obuf = s->out;
		s->out_len = sizeof(continue_100) - 1;
		s->out_off = 0;
		worker_count(s->pw->w, CNT_HTTP_CONTINUE_SENT);
	}
	return 0;
}

/* A new connection failed to open (refused, SYN unanswered, connect
 * timer): nothing reached the backend, so the request, whatever its
 * method, goes to another usable server, at most UP_MAX_TRIES connections
 * in all. true: retried. */
static bool
retry_connect(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;

	if (f->reused || f->state != FW_CONNECTING || f->attempts >= UP_MAX_TRIES ||
	    s->pw->w->snap == NULL)
		return false;
	release(s, true, false);
	if (!choose_server(s))
		return false;
	worker_count(s->pw->w, CNT_HTTP_UP_RETRY);
	if (!open_conn(s, false)) {
		release(s, true, false);
		return false;
	}
	return true;
}

/* A reused connection ended before any response byte: resend on a fresh
 * connection when running the request twice cannot matter (idempotent,
 * no body to replay). true: resent (or answered by its failure). */
static bool
retry_stale(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;
	enum http_method m = s->req->method;

	if (!f->reused || f->head_parsed || f->rsp_len != 0 || f->sent_any ||
	    f->attempts > 1 || http_req_has_body(s->req) ||
	    !(m == HTTP_M_GET || m == HTTP_M_HEAD || m == HTTP_M_OPTIONS ||
	      m == HTTP_M_TRACE || m == HTTP_M_DELETE || m == HTTP_M_PUT))
		return false;
	release(s, true, false);
	worker_count(s->pw->w, CNT_HTTP_UP_STALE_RETRY);
	f->gen = s->pw->ups_gen;
	if (!open_conn(s, true))
		fail(s, 502, CNT_HTTP_UP_CONNECT_FAIL);
	return true;
}

/* The request head is queued in scratch and none of it went yet: body
 * bytes can join it there and leave in the same segments. */
static inline bool
head_unsent(const struct h1_fwd *f)
{
	return f->state == FW_HEAD && f->req_off == 0;
}

uint32_t
fwd_body_room(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;
	uint32_t room;

	if (f->state != FW_BODY && !head_unsent(f))
		return 0;
	room = tcp_send_space(f->up);
	if (f->state == FW_HEAD)   /* behind the head, in scratch */
		room = RTE_MIN(room, s->scratch_cap) > f->req_len ?
		       RTE_MIN(room, s->scratch_cap) - f->req_len : 0;
	if (room == 0)
		f->up->flags |= TF_WANT_WRITE;   /* on_writable resumes the body */
	/* While the body is being sent, upstream-response-ms bounds each
	 * pause of the upstream in taking it (its window closed): its fault,
	 * answered 504, not the client's body-idle. */
	if (f->state == FW_BODY && !f->req_done && !f->head_parsed) {
		if (room == 0 && f->timer.kind != PT_UP_RESPONSE)
			ptimer_arm(s->pw, &f->timer, PT_UP_RESPONSE, proxy_now_ms(s->pw),
				   s->pw->w->snap->proxy.http.upstream_response_ms);
		else if (room != 0 && f->timer.kind == PT_UP_RESPONSE)
			ptimer_stop(&f->timer);
	}
	return room;
}

bool
fwd_body_out(struct h1_session *s, const char *p, uint32_t n)
{
	struct h1_fwd *f = &s->fwd;

	if (head_unsent(f)) {
		/* The first body bytes (read with the head) go in the head's
		 * write: one segment fewer for a small body. n is within
		 * fwd_body_room, so the whole write is taken. */
		memcpy(s->scratch + f->req_len, p, n);
		f->req_len += n;
		(void)send_head(s);
		return true;
	}
	if (f->state != FW_BODY)         /* the response came first: drop the rest */
		return true;
	if (tcp_write(f->up, p, n) != n) {
		fail(s, 502, CNT_HTTP_UP_SEND_FAIL);
		return false;
	}
	return true;
}

void
fwd_request_read(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;

	f->req_done = true;
	if (f->state == FW_BODY && !f->head_parsed)
		ptimer_arm(s->pw, &f->timer, PT_UP_RESPONSE, proxy_now_ms(s->pw),
			   s->pw->w->snap->proxy.http.upstream_response_ms);
}

/* Write the pending request head; true when all of it went. */
static bool
send_head(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;

	while (f->req_off < f->req_len) {
		size_t n = tcp_write(f->up, s->scratch + f->req_off, f->req_len - f->req_off);

		if (n == 0)
			return false;   /* on_writable follows */
		f->req_off += (uint32_t)n;
	}
	f->state = FW_BODY;
	if (f->req_done)
		fwd_request_read(s);
	else
		ptimer_stop(&f->timer);   /* the client's body-idle timer runs meanwhile */
	return true;
}

/* Bytes at rsp[rsp_off..rsp_len) that belong to the body; sets *done. */
static long
body_part(struct h1_session *s, bool *done)
{
	struct h1_fwd *f = &s->fwd;
	uint32_t avail = f->rsp_len - f->rsp_off;

	*done = false;
	switch (f->resp->framing) {
	case UPF_LENGTH: {
		uint32_t k = avail < f->left ? avail : (uint32_t)f->left;

		f->left -= k;
		*done = f->left == 0;
		return k;
	}
	case UPF_CHUNKED:
		return chunk_scan(&f->chunk, s->rsp + f->rsp_off, avail, done);
	case UPF_CLOSE:
		return avail;
	default:
		*done = true;
		return 0;
	}
}

/* The response is complete. */
static void
finished(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;
	unsigned status = f->resp->status;
	uint64_t out = f->bytes_out;
	bool reuse = f->keep && f->req_done && f->up != NULL &&
		     upstream_resp_keepalive(f->resp) && tcp_rx_avail(f->up) == 0 &&
		     !tcp_rx_eof(f->up);

	release(s, false, reuse);
	h1_forward_done(s, status, out);
}

/* Parse the response head in rsp; on success queue its rewrite. Returns
 * false when more bytes are needed or the exchange ended. */
static bool
take_head(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;
	int rc;
	size_t n;

	for (;;) {
		rc = upstream_resp_parse(f->resp, s->rsp, f->rsp_len,
					 s->req->method == HTTP_M_HEAD);
		if (rc == 0)
			return false;
		if (rc < 0 || f->resp->status == 101) {
			fail(s, 502, CNT_HTTP_UP_BAD_RESPONSE);
			return false;
		}
		if (f->resp->status >= 200)
			break;
		/* 1xx: interim, not relayed (we answered 100 ourselves). */
		memmove(s->rsp, s->rsp + rc, f->rsp_len - (uint32_t)rc);
		f->rsp_len -= (uint32_t)rc;
	}
	/* A close-delimited response ends the client connection too; so does
	 * a response that came before the whole request was read. */
	if (f->resp->framing == UPF_CLOSE || !f->req_done)
		s->close_after = true;
	{
		const struct cfg_upstream *cu = &s->pw->w->snap->proxy.upstream[f->upstream];

		uhealth_outcome(s->pw->uhealth, cu, f->upstream, f->server, f->resp->status < 500,
				proxy_now_ms(s->pw));
		/* A backend's error page may tell its software, paths or a
		 * stack trace: by default the client gets a generic one with
		 * the same status (the backend's body is read and dropped). */
		f->discard = f->resp->status >= 500 && !cu->pass_5xx_body;
	}
	if (f->discard) {
		worker_count(s->pw->w, CNT_HTTP_UP_5XX_REPLACED);
		n = response_build(s->scratch, s->scratch_cap, f->resp->status, s->req_id,
				   s->close_after, s->req->method == HTTP_M_HEAD, 0);
	} else {
		n = upstream_resp_rewrite(s->scratch, s->scratch_cap, s->rsp, f->resp, s->req_id,
					  s->close_after);
	}
	if (n == 0) {
		fail(s, 502, CNT_HTTP_UP_BAD_RESPONSE);
		return false;
	}
	f->head_parsed = true;
	f->state = FW_RELAY;
	f->rsp_off = (uint32_t)rc;
	f->left = f->resp->length;
	memset(&f->chunk, 0, sizeof(f->chunk));
	s->obuf = s->scratch;
	s->out_len = (uint32_t)n;
	s->out_off = 0;
	f->sent_any = true;
	f->bytes_out = n;
	return true;
}

/* The rewritten response head is queued and nothing of it went yet, and
 * body bytes read with it wait in rsp. */
static inline bool
head_pending(const struct h1_session *s)
{
	const struct h1_fwd *f = &s->fwd;

	return f->head_parsed && f->rsp_off < f->rsp_len && s->obuf == s->scratch &&
	       s->out_off == 0 && s->out_len != 0;
}

void
fwd_pump(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;

	while (f->up != NULL && s->c != NULL) {
		struct tcp_conn *up = f->up;
		size_t n;

		/* A rewritten head not sent yet waits for the body bytes read
		 * with it, so that a small response leaves as one segment. */
		if (!(head_pending(s) && !f->discard && f->rsp_len - f->rsp_off <= UP_MERGE_MAX &&
		      f->rsp_len - f->rsp_off <= s->scratch_cap - s->out_len) && !h1_flush(s))
			return;                         /* the client is slow: wait */
		if (f->state == FW_HEAD) {
			if (!send_head(s))
				return;
			h1_pump(s);                     /* the body may flow now */
			return;
		}
		if (f->state == FW_BODY && s->state == HS_BODY && !f->head_parsed &&
		    tcp_rx_avail(up) == 0) {
			h1_pump(s);                     /* room upstream: more body */
			return;
		}
		if (f->head_parsed && f->rsp_off < f->rsp_len) {
			bool done;
			long k = body_part(s, &done);

			if (k < 0) {
				fail(s, 502, CNT_HTTP_UP_BAD_RESPONSE);
				return;
			}
			/* Relayed from rsp as it came (or dropped when a
			 * generic answer replaced it); bytes after the body
			 * make the connection unusable and are dropped. The
			 * next request is parsed only once this output is out,
			 * so rsp is not reused before. */
			if (done && ((uint32_t)k < f->rsp_len - f->rsp_off || tcp_rx_avail(up) != 0))
				f->keep = false;   /* bytes after the response: not reusable */
			if (!f->discard && head_pending(s)) {
				/* Behind the head in one write (room checked at
				 * the top): a copy of the body read with the head
				 * instead of one more segment. */
				memcpy(s->scratch + s->out_len, s->rsp + f->rsp_off, (size_t)k);
				s->out_len += (uint32_t)k;
				f->bytes_out += (uint64_t)k;
			} else if (!f->discard) {
				s->obuf = s->rsp + f->rsp_off;
				s->out_off = 0;
				s->out_len = (uint32_t)k;
				f->bytes_out += (uint64_t)k;
			}
			f->rsp_off = f->rsp_len;
			if (done) {
				h1_flush(s);   /* the rest goes on the client's on_writable */
				finished(s);
				return;
			}
			continue;
		}
		if (f->head_parsed && f->resp->framing == UPF_NONE) {
			finished(s);
			return;
		}
		if (f->head_parsed)
			f->rsp_len = f->rsp_off = 0;
		/* Read more: the head needs room in rsp, the body only what the
		 * client can take now. */
		n = s->rsp_cap - f->rsp_len;
		if (f->head_parsed && !f->discard) {
			uint32_t room = tcp_send_space(s->c);

			if (room == 0) {
				s->c->flags |= TF_WANT_WRITE;   /* resume on the client's on_writable */
				return;
			}
			n = n < room ? n : room;
		}
		if (n == 0) {
			fail(s, 502, CNT_HTTP_UP_BAD_RESPONSE);   /* head too big */
			return;
		}
		n = tcp_read(up, s->rsp + f->rsp_len, n);
		if (n == 0) {
			if (!tcp_rx_eof(up))
				return;
			if (f->head_parsed && f->resp->framing == UPF_CLOSE) {
				finished(s);
				return;
			}
			if (!retry_stale(s))
				fail(s, 502, CNT_HTTP_UP_CLOSED_EARLY);
			return;
		}
		f->rsp_len += (uint32_t)n;
		/* upstream-response-ms bounds the wait for the head and, after
		 * it, every pause of the response body. */
		if (f->head_parsed || f->req_done)
			ptimer_arm(s->pw, &f->timer, PT_UP_RESPONSE, proxy_now_ms(s->pw),
				   s->pw->w->snap->proxy.http.upstream_response_ms);
		if (!f->head_parsed && !take_head(s))
			return;
	}
}

void
fwd_timeout(struct h1_session *s, enum proxy_timer_kind kind)
{
	const struct h1_fwd *f = &s->fwd;
	bool sending = f->state == FW_BODY && !f->req_done && !f->head_parsed;

	fail(s, 504, kind == PT_UP_CONNECT ? CNT_HTTP_UP_CONNECT_TIMEOUT
		     : sending ? CNT_HTTP_UP_SEND_TIMEOUT : CNT_HTTP_UP_RESPONSE_TIMEOUT);
}

/* ---- upstream connection callbacks ---- */

static int
up_connected(struct tcp_conn *up)
{
	struct h1_session *s = up->app;

	if (s == NULL)
		return -1;
	queue_head(s);
	if (s->fwd.req_len == 0) {   /* cannot happen: scratch is sized for the largest head */
		fail(s, 502, CNT_HTTP_UP_SEND_FAIL);
		return -1;
	}
	fwd_pump(s);
	return 0;
}

static void
up_readable(struct tcp_conn *up)
{
	struct h1_session *s = up->app;

	if (s != NULL)
		fwd_pump(s);
}

static void
up_closed(struct tcp_conn *up, enum tcp_close_reason why)
{
	struct h1_session *s = up->app;

	up->app = NULL;
	if (s == NULL)
		return;
	s->fwd.up = NULL;
	if (why == TCP_CLOSE_NORMAL && s->fwd.head_parsed &&
	    s->fwd.resp->framing == UPF_CLOSE) {
		s->fwd.state = FW_RELAY;
		finished(s);
		return;
	}
	if (retry_stale(s))
		return;
	fail(s, 502, s->fwd.state == FW_CONNECTING ? CNT_HTTP_UP_CONNECT_FAIL
						    : CNT_HTTP_UP_CLOSED_EARLY);
}

static const struct tcp_app_ops up_ops = {
	.name = "http-upstream",
	.on_connect = up_connected,
	.on_readable = up_readable,
	.on_writable = up_readable,
	.on_closed = up_closed,
};
