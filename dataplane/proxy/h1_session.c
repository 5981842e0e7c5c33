/* SPDX-License-Identifier: Proprietary
 * One client connection speaking HTTP/1.1: read, parse, route, answer, in
 * order, with keep-alive and pipelining; refusals and timeouts answered
 * and closed.
 *
 * Copies. tcp_read copies the bytes from the receive queue's mbufs into the
 * session's input buffer (the one copy we make): the parser's views then
 * point into that buffer, which keeps the head of the request in progress
 * at its start until the request is answered. Body bytes pass through the
 * buffer and are dropped as soon as the parser has seen them (they will be
 * handed to the upstream connection, h1_forward.c). The plan to
 * remove the copy: a tcp_peek-style view of the receive queue's segments,
 * the parser fed segment by segment in place (it already copies only
 * tokens that straddle two chunks, into its arena), and the head's mbufs
 * held by the session until its request is done.
 *
 * Order. A request is answered (or its forwarded response relayed) before
 * the next one is parsed; while a response is not fully accepted by
 * tcp_write, nothing more is read (TCP's window then pushes back on a
 * client that pipelines too much).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "http/http.h"
#include "proxy/access_log.h"
#include "proxy/proxy_p.h"
#include "proxy/proxy_timer.h"
#include "proxy/response.h"
#include "proxy/route.h"
#include "proxy/waf_stage.h"
#include "tcp/tcp.h"

extern uint32_t proxy_boot_nonce;

static const char refuse_503[] =
	"HTTP/1.1 503 Service Unavailable\r\n"
	"Content-Type: text/plain\r\n"
	"Content-Length: 24\r\n"
	"Connection: close\r\n"
	"\r\n"
	"503 Service Unavailable\n";

static inline const struct cfg_proxy *
snap_proxy(const struct h1_session *s)
{
	return &s->pw->w->snap->proxy;
}

/* "nnnnnnnn-ww-cccccccccccc": boot nonce, worker, per-worker sequence. */
static void
request_id(struct h1_session *s)
{
	static const char hx[] = "0123456789abcdef";
	uint64_t seq = ++s->pw->req_counter;
	char *p = s->req_id;

	for (int i = 7; i >= 0; i--)
		*p++ = hx[(proxy_boot_nonce >> (i * 4)) & 15];
	*p++ = '-';
	*p++ = hx[(s->pw->w->id >> 4) & 15];
	*p++ = hx[s->pw->w->id & 15];
	*p++ = '-';
	for (int i = 11; i >= 0; i--)
		*p++ = hx[(seq >> (i * 4)) & 15];
	*p = '\0';
}

static void
limits_of(const struct cfg_http *h, struct http_limits *lim)
{
	http_limits_default(lim);
	lim->request_line = h->request_line;
	lim->header_count = h->header_count;
	lim->header_bytes = h->header_bytes;
	lim->body = h->body;
	lim->chunk_size = h->chunk;
}

/* Request contexts. A session holds one (parser state, input buffer,
 * scratch, response buffer: about 130 KiB with default limits) only while
 * a request is in progress: from its accept, or from the first byte of a
 * request on a kept connection, until the connection idles between
 * requests with nothing buffered or closes. Then the context goes to the
 * worker's LIFO cache, so steady traffic allocates nothing, and the cache
 * is trimmed once a second to the peak of contexts in use over the last
 * second: memory follows requests in flight, not connections. An idle
 * keep-alive connection costs its slot and its TCP connection only. */
struct h1_ctx {
	struct h1_ctx *next;                /* in the worker's cache */
	struct http_limits lim;             /* sized for these */
	struct http_req *req;
	char *in, *scratch, *rsp;
	struct up_resp *resp;
	uint32_t in_cap, scratch_cap;
	uint64_t bytes;                     /* allocated, for the counters */
};

#define CTX_TRIM_MS 1000

/* Each worker's cache head lives here, not in its proxy_worker (DPDK
 * memory, which LeakSanitizer does not scan): cached contexts stay
 * reachable for it. Indexed by worker id, touched only by that worker. */
static struct h1_ctx *ctx_cache[MAX_WORKERS];

static void
ctx_delete(struct proxy_worker *pw, struct h1_ctx *x)
{
	if (x == NULL)
		return;
	cnt_add(&pw->w->cnt, CNT_HTTP_CTX_FREED, 1);
	cnt_add(&pw->w->cnt, CNT_HTTP_CTX_BYTES_FREED, x->bytes);
	http_req_destroy(x->req);
	free(x->in);
	free(x->scratch);
	free(x->rsp);
	free(x->resp);
	free(x);
}

static struct h1_ctx *
ctx_new(struct proxy_worker *pw, const struct http_limits *lim)
{
	uint32_t cap = lim->request_line + lim->header_bytes + PROXY_IN_SLACK;
	/* The serialised request head (the head plus our fields) or the
	 * rewritten response head, whichever is longer. */
	uint32_t scap = RTE_MAX(cap + 1024u, (uint32_t)UP_RESP_HEAD_MAX + 512u);
	struct h1_ctx *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->req = http_req_create(lim);
	x->in = malloc(cap);
	x->scratch = malloc(scap);
	x->rsp = malloc(UP_RESP_HEAD_MAX);
	x->resp = malloc(sizeof(*x->resp));
	if (x->req == NULL || x->in == NULL || x->scratch == NULL || x->rsp == NULL ||
	    x->resp == NULL) {
		http_req_destroy(x->req);
		free(x->in);
		free(x->scratch);
		free(x->rsp);
		free(x->resp);
		free(x);
		return NULL;
	}
	x->lim = *lim;
	x->in_cap = cap;
	x->scratch_cap = scap;
	x->bytes = sizeof(*x) + malloc_usable_size(x->req) + cap + scap + UP_RESP_HEAD_MAX +
		   sizeof(*x->resp);
	cnt_add(&pw->w->cnt, CNT_HTTP_CTX_ALLOC, 1);
	cnt_add(&pw->w->cnt, CNT_HTTP_CTX_BYTES_ALLOC, x->bytes);
	return x;
}

/* Give the session a context for these limits: a cached one, else a new
 * one. Returns false on allocation failure. */
static bool
ctx_attach(struct h1_session *s, const struct http_limits *lim)
{
	struct proxy_worker *pw = s->pw;
	struct h1_ctx *x;

	if (s->ctx != NULL && memcmp(&s->lim, lim, sizeof(*lim)) == 0)
		return true;
	if (s->ctx != NULL) {               /* the limits changed */
		ctx_delete(pw, s->ctx);
		s->ctx = NULL;
		pw->ctx_active--;
	}
	while ((x = ctx_cache[pw->w->id]) != NULL) {
		ctx_cache[pw->w->id] = x->next;
		pw->ctx_nfree--;
		if (memcmp(&x->lim, lim, sizeof(*lim)) == 0)
			break;
		ctx_delete(pw, x);              /* sized for older limits */
	}
	if (x == NULL && (x = ctx_new(pw, lim)) == NULL)
		return false;
	s->ctx = x;
	s->req = x->req;
	s->lim = x->lim;
	s->in = x->in;
	s->in_cap = x->in_cap;
	s->scratch = x->scratch;
	s->scratch_cap = x->scratch_cap;
	s->rsp = x->rsp;
	s->rsp_cap = UP_RESP_HEAD_MAX;
	s->fwd.resp = x->resp;
	if (++pw->ctx_active > pw->ctx_peak)
		pw->ctx_peak = pw->ctx_active;
	return true;
}

/* The session's context back to the cache (nothing of it is in use),
 * ready for its next request: between requests it was reset already. */
static void
ctx_detach(struct h1_session *s)
{
	struct proxy_worker *pw = s->pw;
	struct h1_ctx *x = s->ctx;

	if (x == NULL)
		return;
	if (s->state != HS_IDLE)
		http_req_reset(x->req);     /* closed in the middle of a request */
	x->next = ctx_cache[pw->w->id];
	ctx_cache[pw->w->id] = x;
	pw->ctx_nfree++;
	pw->ctx_active--;
	s->ctx = NULL;
	s->req = NULL;
	s->in = s->scratch = s->rsp = NULL;
	s->fwd.resp = NULL;
	s->in_cap = s->scratch_cap = s->rsp_cap = 0;
}

void
h1_ctx_trim(struct proxy_worker *pw, uint64_t now_ms)
{
	uint32_t keep;

	if (likely(now_ms < pw->ctx_trim_ms))
		return;
	pw->ctx_trim_ms = now_ms + CTX_TRIM_MS;
	keep = pw->ctx_peak - pw->ctx_active;
	while (pw->ctx_nfree > keep) {
		struct h1_ctx *x = ctx_cache[pw->w->id];

		ctx_cache[pw->w->id] = x->next;
		pw->ctx_nfree--;
		ctx_delete(pw, x);
	}
	pw->ctx_peak = pw->ctx_active;
}

void
h1_ctx_fini(struct proxy_worker *pw)
{
	while (ctx_cache[pw->w->id] != NULL) {
		struct h1_ctx *x = ctx_cache[pw->w->id];

		ctx_cache[pw->w->id] = x->next;
		ctx_delete(pw, x);
	}
	pw->ctx_nfree = 0;
}

void
h1_session_free_context(struct h1_session *s)
{
	if (s->ctx == NULL)
		return;
	ctx_delete(s->pw, s->ctx);
	s->pw->ctx_active--;
	s->ctx = NULL;
	s->req = NULL;
	s->in = s->scratch = s->rsp = NULL;
	s->fwd.resp = NULL;
}

/* Start waiting for a request: IDLE with the keep-alive (or, on a new
 * connection, the header-read) timer. */
static void
wait_request(struct h1_session *s, bool first)
{
	const struct cfg_http *h = &snap_proxy(s)->http;

	s->state = HS_IDLE;
	s->route = -1;
	s->req_bytes = 0;
	if (first)
		ptimer_arm(s->pw, &s->timer, PT_HEADER, proxy_now_ms(s->pw), h->header_read_ms);
	else
		ptimer_arm(s->pw, &s->timer, PT_KEEPALIVE, proxy_now_ms(s->pw), h->keepalive_idle_ms);
}

/* The first byte of a request is here. */
static void
begin_request(struct h1_session *s)
{
	s->state = HS_HEAD;
	s->t_start_tsc = rte_rdtsc();
	request_id(s);
	if (s->timer.kind != PT_HEADER)
		ptimer_arm(s->pw, &s->timer, PT_HEADER, proxy_now_ms(s->pw),
			   snap_proxy(s)->http.header_read_ms);
	if (s->nrequests)
		worker_count(s->pw->w, CNT_HTTP_KEEPALIVE_REUSED);
}

/* Push pending output; true when all of it was accepted. Closes once the
 * output is out when the session is closing. */
bool
h1_flush(struct h1_session *s)
{
	while (s->out_off < s->out_len) {
		size_t n = tcp_write(s->c, s->obuf + s->out_off, s->out_len - s->out_off);

		if (n == 0) {
			worker_count(s->pw->w, CNT_HTTP_OUTPUT_STALLED);
			return false;   /* tcp_write asked for on_writable */
		}
		s->out_off += (uint32_t)n;
	}
	s->out_len = s->out_off = 0;
	if (s->state == HS_CLOSING)
		tcp_close(s->c);
	return true;
}

/* Printable ASCII of src (at most n bytes, up to a NUL) into dst. */
static void
copy_str(char *dst, size_t cap, const char *src, size_t n)
{
	size_t k = n < cap - 1 ? n : cap - 1;

	size_t i;

	for (i = 0; i < k && src[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)src[i];

		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	dst[i] = '\0';
}

static void
log_request(struct h1_session *s, unsigned status, size_t bytes_out, bool refused)
{
	const struct cfg_proxy *px = snap_proxy(s);
	const struct tcp_key *k = &s->c->key;
	const struct http_req *req = s->req;
	struct access_rec r;
	uint64_t now;

	if (!access_log_enabled())
		return;   /* no file: building the 512-byte record is wasted */
	now = rte_rdtsc();
	memset(&r, 0, sizeof(r));
	r.time_us = access_log_time_us(s->t_start_tsc);
	r.duration_us = (uint32_t)((now - s->t_start_tsc) * 1000000 / rte_get_tsc_hz());
	r.bytes_in = s->req_bytes;
	r.bytes_out = bytes_out;
	r.status = (uint16_t)status;
	r.family = k->family;
	memcpy(r.client, k->raddr, 16);
	r.client_port = rte_be_to_cpu_16(k->rport);
	memcpy(r.request_id, s->req_id, sizeof(r.request_id));
	if (s->listener < px->nlisteners)
		copy_str(r.listener, sizeof(r.listener), px->listener[s->listener].name, CFG_NAME_MAX);
	if (s->route >= 0) {
		const struct cfg_route *rt = &px->route[s->route];

		copy_str(r.route, sizeof(r.route), rt->name, CFG_NAME_MAX);
		copy_str(r.upstream, sizeof(r.upstream), px->upstream[rt->upstream].name,
			 CFG_NAME_MAX);
	}
	if (req->method_raw.len)
		copy_str(r.method, sizeof(r.method), req->method_raw.p, req->method_raw.len);
	if (req->target.len)
		copy_str(r.path, sizeof(r.path), req->target.p, req->target.len);
	if (refused) {
		char win[160], text[224];
		int n;

		http_req_err_format(req, win, sizeof(win));
		n = snprintf(text, sizeof(text), "%s: %s", http_reason_name(req->reason), win);
		if (n > 0)
			copy_str(r.error, sizeof(r.error), text, strnlen(text, sizeof(text)));
	}
	access_log_emit(s->pw, &r);
}

static void
count_status(struct worker *w, unsigned status)
{
	if (status < 300)
		worker_count(w, CNT_HTTP_RESP_2XX);
	else if (status < 500)
		worker_count(w, CNT_HTTP_RESP_4XX);
	else
		worker_count(w, CNT_HTTP_RESP_5XX);
}

/* Queue a generated response for the request in progress. The output
 * buffer is empty here: a response is only built once the previous one
 * was accepted. */
static size_t
respond(struct h1_session *s, unsigned status, uint16_t allow)
{
	bool head = s->req->method == HTTP_M_HEAD && http_req_head_done(s->req);
	size_t n = response_build(s->out, sizeof(s->out), status,
				  s->state == HS_IDLE ? NULL : s->req_id, s->close_after, head,
				  allow);

	s->obuf = s->out;
	s->out_len = (uint32_t)n;
	s->out_off = 0;
	count_status(s->pw->w, status);
	return n;
}

static enum cnt_id
parse_counter(unsigned status)
{
	switch (status) {
	case 413: return CNT_HTTP_PARSE_413;
	case 414: return CNT_HTTP_PARSE_414;
	case 431: return CNT_HTTP_PARSE_431;
	case 501: return CNT_HTTP_PARSE_501;
	case 505: return CNT_HTTP_PARSE_505;
	default:  return CNT_HTTP_PARSE_400;
	}
}

/* Refuse the request in progress with status and close. */
static void
refuse(struct h1_session *s, unsigned status, bool parse_error)
{
	size_t n;

	ptimer_stop(&s->timer);
	s->close_after = true;
	if (parse_error)
		worker_count(s->pw->w, parse_counter(status));
	n = respond(s, status, 0);
	log_request(s, status, n, parse_error);
	s->state = HS_CLOSING;
}

/* Does the request ask to close after it (RFC 9112 9.3)? */
static bool
wants_close(const struct http_req *req)
{
	bool close = req->version == 10, found = false;

	if (http_req_known(req, HTTP_H_CONNECTION) == NULL)
		return close;   /* the common case: no Connection field at all */
	for (uint32_t from = 0;; from++) {
		const struct http_hdr *h = http_req_header(req, "connection", 10, from);
		const char *p, *end;

		if (h == NULL)
			break;
		from = (uint32_t)(h - req->hdrs);
		p = h->value.p;
		end = p + h->value.len;
		while (p < end) {
			const char *t;
			size_t n;

			while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			t = p;
			while (p < end && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			n = (size_t)(p - t);
			if (n == 5 && strncasecmp(t, "close", 5) == 0)
				return true;
			if (n == 10 && strncasecmp(t, "keep-alive", 10) == 0)
				found = true;
		}
	}
	return close && !found;
}

/* The head is parsed: route it and decide the answer (sent once the body,
 * if any, has been read). */
static void
on_head(struct h1_session *s)
{
	const struct cfg_proxy *px = snap_proxy(s);
	const struct http_req *req = s->req;
	const struct tcp_key *k = &s->c->key;
	const struct http_hdr *host = http_req_known(req, HTTP_H_HOST);
	struct worker *w = s->pw->w;
	enum waf_verdict v;
	int li, r;

	worker_count(w, CNT_HTTP_REQUESTS);
	s->close_after = wants_close(req);
	s->allow = 0;
	/* Re-resolved per request: a new snapshot may have moved listeners. */
	li = route_listener(px, k->family, k->laddr, rte_be_to_cpu_16(k->lport));
	if (li < 0) {
		s->listener = UINT8_MAX;
		s->status = 404;
		s->close_after = true;
		worker_count(w, CNT_HTTP_ROUTE_NOT_FOUND);
		return;
	}
	s->listener = (uint8_t)li;
	s->pw->lstats[li].requests++;
	r = route_lookup(px, (unsigned)li, host ? host->value.p : NULL, host ? host->value.len : 0,
			 req->path.p, req->path.len, req->method, &s->allow);
	if (r == ROUTE_NOT_FOUND) {
		s->status = 404;
		s->pw->lstats[li].not_found++;
		worker_count(w, CNT_HTTP_ROUTE_NOT_FOUND);
	} else if (r == ROUTE_NOT_ALLOWED) {
		s->status = 405;
		worker_count(w, CNT_HTTP_METHOD_NOT_ALLOWED);
	} else {
		s->route = (int16_t)r;
		v = waf_stage_run(s, (unsigned)r);
		if (v != WAF_PASS) {
			/* answered once the body is read, then closed: nothing went upstream */
			s->status = v == WAF_BLOCK ? 403 : 503;
			s->close_after = true;
			return;
		}
		/* The answer comes from the upstream; 502/503 if it cannot
		 * be reached at all (counted in fwd_start). */
		s->status = (uint16_t)fwd_start(s, r);
	}
}

/* Ready for the next request on this connection, or closing. */
static void
next_request(struct h1_session *s)
{
	uint32_t rest;

	s->nrequests++;
	if (s->close_after) {
		ptimer_stop(&s->timer);
		s->state = HS_CLOSING;
		return;
	}
	/* Pipelined bytes move to the start of the buffer (bounded by the
	 * slack: at most one read beyond the message). */
	rest = s->in_len - s->in_parsed;
	if (rest)
		memmove(s->in, s->in + s->in_parsed, rest);
	s->in_len = rest;
	s->in_parsed = 0;
	s->head_end = 0;
	http_req_reset(s->req);
	wait_request(s, false);
	if (rest) {
		worker_count(s->pw->w, CNT_HTTP_PIPELINED);
		begin_request(s);
	}
}

/* The whole request is in: answer it (or wait for the upstream's answer),
 * then get ready for the next one. */
static void
complete(struct h1_session *s)
{
	size_t n;

	if (s->fwd.state != FW_NONE) {
		ptimer_stop(&s->timer);
		s->state = HS_WAIT;
		fwd_request_read(s);
		return;
	}
	n = respond(s, s->status, s->allow);
	log_request(s, s->status, n, false);
	next_request(s);
}

void
h1_answer(struct h1_session *s, unsigned status)
{
	size_t n;

	if (s->state == HS_HEAD || s->state == HS_BODY) {
		/* The request is not read completely: answer and close. */
		s->close_after = true;
	}
	n = respond(s, status, 0);
	log_request(s, status, n, false);
	if (s->state == HS_WAIT)
		next_request(s);
	else {
		ptimer_stop(&s->timer);
		s->state = HS_CLOSING;
	}
	h1_pump(s);   /* send it, and go on with what is buffered */
}

void
h1_forward_done(struct h1_session *s, unsigned status, uint64_t bytes_out)
{
	count_status(s->pw->w, status);
	log_request(s, status, bytes_out, false);
	if (s->state == HS_WAIT) {
		next_request(s);
	} else {
		/* The response came before the whole request: close (the
		 * response head said Connection: close). */
		ptimer_stop(&s->timer);
		s->state = HS_CLOSING;
	}
	h1_pump(s);   /* flush, then the next pipelined request */
}

void
h1_reset_client(struct h1_session *s)
{
	struct tcp_conn *c = s->c;

	ptimer_stop(&s->timer);
	s->c = NULL;
	c->app = NULL;
	worker_count(s->pw->w, CNT_HTTP_SESSIONS_CLOSED);
	proxy_session_put(s->pw, s);
	ctx_detach(s);
	tcp_abort(c);
}

/* The WAF blocked a request whose body streamed: the upstream never gets
 * the final piece (its connection is reset), the client gets 403, or a
 * reset if the upstream's response had begun. */
static void
waf_refuse_body(struct h1_session *s)
{
	bool sent = s->fwd.sent_any;

	worker_count(s->pw->w, CNT_WAF_BLOCKED_BODY);
	fwd_abort(s);
	if (sent)
		h1_reset_client(s);
	else
		h1_answer(s, 403);
}

/* The body waits for the upstream to take more: the client is not idle,
 * its body-idle timer stops (the upstream's pause is bounded by
 * upstream-response-ms, h1_forward.c); it runs again from the moment we
 * can take more body and the client has none for us. */
static void
client_waits(struct h1_session *s)
{
	if (s->timer.kind == PT_BODY)
		ptimer_stop(&s->timer);
}

/* Parse what is buffered and not parsed yet. Returns false when nothing
 * could be done (waiting for the upstream). */
static bool
feed(struct h1_session *s)
{
	const char *p = s->in + s->in_parsed;
	uint32_t n = s->in_len - s->in_parsed;
	int rc;

	if (s->state == HS_IDLE)
		begin_request(s);
	if (s->state == HS_HEAD) {
		rc = http_parse_head(s->req, p, n);
		if (rc < 0) {
			refuse(s, (unsigned)http_reason_status(-rc), true);
			return true;
		}
		if (rc == 0) {
			s->req_bytes += n;
			s->in_parsed = s->in_len;
			return true;
		}
		s->req_bytes += (uint32_t)rc;
		s->in_parsed += (uint32_t)rc;
		s->head_end = s->in_parsed;
		on_head(s);
		if (http_req_done(s->req)) {
			complete(s);
			return true;
		}
		s->state = HS_BODY;
		ptimer_arm(s->pw, &s->timer, PT_BODY, proxy_now_ms(s->pw),
			   snap_proxy(s)->http.body_idle_ms);
		return true;
	}
	/* HS_BODY: forwarded bodies go as far as the upstream takes them. */
	if (s->fwd.state != FW_NONE) {
		uint32_t room = fwd_body_room(s);

		if (room == 0) {
			client_waits(s);
			return false;
		}
		n = RTE_MIN(n, room);
	}
	rc = http_parse_body(s->req, p, n);
	if (rc < 0) {
		fwd_abort(s);
		refuse(s, (unsigned)http_reason_status(-rc), true);
		return true;
	}
	/* A streamed body is decided before its final piece goes upstream. */
	if (rc > 0 && s->waf_body != NULL && waf_stage_body_end(s) == WAF_BLOCK) {
		waf_refuse_body(s);
		return false;
	}
	if (s->fwd.state != FW_NONE && !fwd_body_out(s, p, rc ? (uint32_t)rc : n))
		return false;   /* answered (or reset) by the forwarding */
	if (rc == 0) {
		s->req_bytes += n;
		s->in_parsed += n;
		if (s->in_parsed == s->in_len)   /* body bytes seen: dropped */
			s->in_len = s->in_parsed = s->head_end;
		return true;
	}
	s->req_bytes += (uint32_t)rc;
	s->in_parsed += (uint32_t)rc;
	complete(s);
	return true;
}

static void
discard_input(struct tcp_conn *c)
{
	char buf[512];

	while (tcp_read(c, buf, sizeof(buf)))
		;
}

/* The peer sent FIN and we read everything before it. */
static void
on_eof(struct h1_session *s)
{
	if (s->state == HS_WAIT) {
		/* A half-close after the request: the response still goes. */
		s->close_after = true;
		return;
	}
	if (s->state == HS_HEAD || s->state == HS_BODY) {
		http_req_eof(s->req);
		worker_count(s->pw->w, CNT_HTTP_TRUNCATED);
		fwd_abort(s);
	}
	ptimer_stop(&s->timer);
	s->state = HS_CLOSING;
	tcp_close(s->c);
}

void
h1_pump(struct h1_session *s)
{
	for (;;) {
		struct tcp_conn *c = s->c;
		size_t n;

		if (c == NULL || !h1_flush(s))
			return;
		if (s->state == HS_CLOSING) {
			discard_input(c);
			return;
		}
		if (s->state == HS_WAIT) {
			/* Nothing more is read until the response is relayed. */
			fwd_pump(s);
			return;
		}
		if (s->in_parsed < s->in_len) {
			if (!feed(s))
				return;
			continue;
		}
		if (s->state == HS_BODY && s->fwd.state != FW_NONE && fwd_body_room(s) == 0) {
			client_waits(s);
			return;   /* leave the bytes in TCP until the upstream takes more */
		}
		if (s->ctx == NULL) {
			/* A kept connection that idled without a context: take
			 * one when the next request's bytes are here. */
			struct http_limits lim;

			if (tcp_rx_avail(c) == 0) {
				if (tcp_rx_eof(c))
					on_eof(s);
				return;
			}
			limits_of(&snap_proxy(s)->http, &lim);
			if (!ctx_attach(s, &lim)) {
				worker_count(s->pw->w, CNT_HTTP_ERR_ALLOC);
				h1_reset_client(s);
				return;
			}
		}
		if (s->in_len == s->in_cap) {
			/* Cannot happen: the parser refuses a head longer than
			 * the limits the buffer was sized for. */
			refuse(s, 431, false);
			continue;
		}
		n = tcp_read(c, s->in + s->in_len, s->in_cap - s->in_len);
		if (n == 0) {
			if (s->state == HS_BODY && s->timer.kind != PT_BODY)
				/* ready for more body: the client's idle time runs
				 * again (it stopped while the upstream was full) */
				ptimer_arm(s->pw, &s->timer, PT_BODY, proxy_now_ms(s->pw),
					   snap_proxy(s)->http.body_idle_ms);
			if (tcp_rx_eof(c)) {
				on_eof(s);
			} else if (s->state == HS_IDLE && s->nrequests && s->in_len == 0 &&
				   s->fwd.state == FW_NONE && s->waf_body == NULL) {
				/* Idle between requests, nothing buffered or
				 * pending: the context goes back to the cache. */
				worker_count(s->pw->w, CNT_HTTP_CTX_IDLE_RELEASED);
				ctx_detach(s);
			}
			return;
		}
		if (s->state == HS_BODY)   /* progress: the body-idle timer restarts */
			ptimer_arm(s->pw, &s->timer, PT_BODY, proxy_now_ms(s->pw),
				   snap_proxy(s)->http.body_idle_ms);
		s->in_len += (uint32_t)n;
	}
}

void
h1_session_timeout(struct h1_session *s, enum proxy_timer_kind kind)
{
	struct worker *w = s->pw->w;

	if (kind == PT_UP_CONNECT || kind == PT_UP_RESPONSE) {
		fwd_timeout(s, kind);
		if (s->c != NULL)
			h1_flush(s);
		return;
	}
	if (kind == PT_KEEPALIVE || (kind == PT_HEADER && s->state == HS_IDLE)) {
		/* Nothing of a request arrived: close without an answer. */
		worker_count(w, kind == PT_KEEPALIVE ? CNT_HTTP_TIMEOUT_KEEPALIVE
						     : CNT_HTTP_TIMEOUT_HEADER);
		s->state = HS_CLOSING;
		tcp_close(s->c);
		return;
	}
	if (s->state != HS_HEAD && s->state != HS_BODY)
		return;
	worker_count(w, kind == PT_BODY ? CNT_HTTP_TIMEOUT_BODY : CNT_HTTP_TIMEOUT_HEADER);
	fwd_abort(s);
	refuse(s, 408, false);
	h1_flush(s);
}

/* ---- TCP callbacks ---- */

static int
h1_accept(struct tcp_conn *c)
{
	struct worker *w = c->tw->w;
	struct proxy_worker *pw = w->proxy;
	const struct cfg_proxy *px = &w->snap->proxy;
	struct http_limits lim;
	struct h1_session *s;
	int li;

	c->app = NULL;
	li = route_listener(px, c->key.family, c->key.laddr, rte_be_to_cpu_16(c->key.lport));
	if (li < 0) {
		worker_count(w, CNT_HTTP_REFUSED_NO_LISTENER);
		return -1;
	}
	s = pw->nsessions < px->http.max_sessions ? proxy_session_get(pw) : NULL;
	if (s == NULL) {
		/* Refused politely: the stack sends it after the callback. */
		worker_count(w, CNT_HTTP_REFUSED_NO_SESSION);
		worker_count(w, CNT_HTTP_RESP_5XX);
		tcp_write(c, refuse_503, sizeof(refuse_503) - 1);
		tcp_close(c);
		return 0;
	}
	limits_of(&px->http, &lim);
	if (!ctx_attach(s, &lim)) {
		proxy_session_put(pw, s);
		worker_count(w, CNT_HTTP_ERR_ALLOC);
		return -1;
	}
	http_req_reset(s->req);
	s->c = c;
	s->timer.owner = s;
	s->fwd.up = NULL;
	s->fwd.state = FW_NONE;
	s->fwd.timer.owner = s;
	s->listener = (uint8_t)li;
	s->in_len = s->in_parsed = s->head_end = 0;
	s->out_len = s->out_off = 0;
	s->nrequests = 0;
	s->close_after = false;
	c->app = s;
	worker_count(w, CNT_HTTP_SESSIONS_OPENED);
	wait_request(s, true);
	return 0;
}

static void
h1_readable(struct tcp_conn *c)
{
	struct h1_session *s = c->app;

	if (s == NULL) {           /* refused at accept: drain until closed */
		discard_input(c);
		return;
	}
	h1_pump(s);
}

static void
h1_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct h1_session *s = c->app;

	(void)why;
	if (s == NULL)
		return;
	c->app = NULL;
	if (s->fwd.state != FW_NONE) {
		worker_count(s->pw->w, CNT_HTTP_CLIENT_GONE);
		fwd_abort(s);
	}
	ptimer_stop(&s->timer);
	s->c = NULL;
	worker_count(s->pw->w, CNT_HTTP_SESSIONS_CLOSED);
	proxy_session_put(s->pw, s);
	ctx_detach(s);       /* after the WAF slot let go of the request */
}

const struct tcp_app_ops h1_session_ops = {
	.name = "http",
	.on_accept = h1_accept,
	.on_readable = h1_readable,
	.on_writable = h1_readable,
	.on_closed = h1_closed,
};
