/* SPDX-License-Identifier: Proprietary
 * Forwarding one request to an upstream server and relaying its response:
 * a new connection per request (tcp_connect on this worker; the local port
 * is chosen so the server's replies come back to this core), the request
 * head serialised with header hygiene (upstream.h), the body streamed as
 * it is parsed, the response head parsed and rewritten, its body relayed
 * byte for byte, framed by Content-Length, chunked or the close.
 *
 * Flow control both ways, no unbounded buffering: request body bytes are
 * parsed only as far as the upstream's send queue has room, response bytes
 * are read only as far as the client's send queue has room; a slow side
 * leaves bytes in the other side's TCP receive queue, whose window closes.
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
#include "proxy/upstream.h"
#include "tcp/tcp.h"

static const char continue_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

static const struct tcp_app_ops up_ops;
static const struct tcp_app_ops drain_ops;

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

/* Forget the upstream connection: it is closed (or aborted when the
 * exchange did not finish) and its callbacks no longer reach us. */
static void
release(struct h1_session *s, bool abort)
{
	struct h1_fwd *f = &s->fwd;
	struct proxy_worker *pw = s->pw;
	struct tcp_conn *up = f->up;

	ptimer_stop(&f->timer);
	if (f->state != FW_NONE && pw->ups_gen == f->gen &&
	    pw->ups[f->upstream].active[f->server] > 0)
		pw->ups[f->upstream].active[f->server]--;
	f->up = NULL;
	f->state = FW_NONE;
	if (up != NULL) {
		up->app = NULL;
		if (abort) {
			tcp_abort(up);
		} else if (tcp_rx_eof(up)) {
			tcp_close(up);          /* passive close: no TIME-WAIT here */
		} else {
			/* We asked for Connection: close, so the server closes
			 * first (RFC 9112 9.6) and keeps the TIME-WAIT; wait for
			 * its FIN rather than send ours. */
			up->ops = &drain_ops;
		}
	}
}

void
fwd_abort(struct h1_session *s)
{
	release(s, true);
}

/* Fail the exchange: 502/504 while the client has seen nothing of the
 * response, else reset the client. */
static void
fail(struct h1_session *s, unsigned status, enum cnt_id why)
{
	bool sent = s->fwd.sent_any;
	/* No body byte left yet: the body can still be read and dropped, and
	 * the connection kept. */
	bool body_untouched = s->fwd.state == FW_CONNECTING || s->fwd.state == FW_HEAD;

	worker_count(s->pw->w, why);
	release(s, true);
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

bool
fwd_start(struct h1_session *s, int route)
{
	const struct cfg_proxy *px = &s->pw->w->snap->proxy;
	const struct cfg_route *rt = &px->route[route];
	const struct cfg_upstream *u = &px->upstream[rt->upstream];
	struct h1_fwd *f = &s->fwd;
	struct upstream_state *st;
	const struct cfg_server *sv;
	int err;

	memset(f, 0, offsetof(struct h1_fwd, resp));
	f->timer.owner = s;
	f->upstream = rt->upstream;
	st = ups_of(s);
	f->server = (uint8_t)upstream_pick(st, u);
	f->gen = s->pw->ups_gen;
	sv = &u->server[f->server];
	f->up = tcp_connect(s->pw->w, sv->family, sv->addr, sv->port, &up_ops, s, &err);
	if (f->up == NULL) {
		worker_count(s->pw->w, CNT_HTTP_UP_CONNECT_FAIL);
		return false;
	}
	st->active[f->server]++;
	f->state = FW_CONNECTING;
	worker_count(s->pw->w, CNT_HTTP_FORWARDED);
	ptimer_arm(s->pw, &f->timer, PT_UP_CONNECT, proxy_now_ms(s->pw),
		   px->http.upstream_connect_ms);
	/* RFC 9110 10.1.1: answer 100 ourselves (Expect is not forwarded). */
	if (http_req_has_body(s->req) && http_req_known(s->req, HTTP_H_EXPECT) &&
	    s->out_len == 0) {
		memcpy(s->out, continue_100, sizeof(continue_100) - 1);
		s->obuf = s->out;
		s->out_len = sizeof(continue_100) - 1;
		s->out_off = 0;
		worker_count(s->pw->w, CNT_HTTP_CONTINUE_SENT);
	}
	return true;
}

uint32_t
fwd_body_room(const struct h1_session *s)
{
	uint32_t room;

	if (s->fwd.state != FW_BODY)
		return 0;
	room = tcp_send_space(s->fwd.up);
	if (room == 0)
		s->fwd.up->flags |= TF_WANT_WRITE;   /* on_writable resumes the body */
	return room;
}

bool
fwd_body_out(struct h1_session *s, const char *p, uint32_t n)
{
	if (s->fwd.state != FW_BODY)     /* the response came first: drop the rest */
		return true;
	if (tcp_write(s->fwd.up, p, n) != n) {
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

	release(s, false);
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
	n = upstream_resp_rewrite(s->scratch, s->scratch_cap, s->rsp, f->resp, s->req_id,
				  s->close_after);
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

void
fwd_pump(struct h1_session *s)
{
	struct h1_fwd *f = &s->fwd;

	while (f->up != NULL && s->c != NULL) {
		struct tcp_conn *up = f->up;
		size_t n;

		if (!h1_flush(s))
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
			/* Relayed from rsp as it came; whatever follows the
			 * body is ignored (we asked for Connection: close). The
			 * next request is parsed only once this output is out,
			 * so rsp is not reused before. */
			s->obuf = s->rsp + f->rsp_off;
			s->out_off = 0;
			s->out_len = (uint32_t)k;
			f->bytes_out += (uint64_t)k;
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
		if (f->head_parsed) {
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
	fail(s, 504, kind == PT_UP_CONNECT ? CNT_HTTP_UP_CONNECT_TIMEOUT
					   : CNT_HTTP_UP_RESPONSE_TIMEOUT);
}

/* ---- upstream connection callbacks ---- */

static int
up_connected(struct tcp_conn *up)
{
	struct h1_session *s = up->app;
	size_t n;

	if (s == NULL)
		return -1;
	{
		struct fwd_info fi = { s->c->key.family, s->c->key.raddr, s->req_id };

		n = upstream_request_head(s->scratch, s->scratch_cap, s->req, &fi);
	}
	if (n == 0) {   /* cannot happen: scratch is sized for the largest head */
		fail(s, 502, CNT_HTTP_UP_SEND_FAIL);
		return -1;
	}
	s->fwd.req_off = 0;
	s->fwd.req_len = (uint32_t)n;
	s->fwd.state = FW_HEAD;
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

/* An upstream connection whose exchange is over, waiting for the server's
 * FIN: anything more it sends is dropped. */
static void
drain_readable(struct tcp_conn *up)
{
	char buf[256];

	while (tcp_read(up, buf, sizeof(buf)))
		;
	if (tcp_rx_eof(up))
		tcp_close(up);
}

static const struct tcp_app_ops drain_ops = {
	.name = "http-upstream-drain",
	.on_readable = drain_readable,
};
