/* SPDX-License-Identifier: Proprietary
 * Server choice, request serialisation, response head parsing and
 * rewriting, chunked-body scanning (upstream.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "proxy/upstream.h"

int
upstream_pick(struct upstream_state *st, const struct cfg_upstream *u, uint32_t usable)
{
	int best = -1;
	unsigned n = u->nservers;

	usable &= n >= 32 ? UINT32_MAX : (1u << n) - 1;
	if (usable == 0)
		return -1;
	if ((usable & (usable - 1)) == 0)
		return __builtin_ctz(usable);   /* one choice */
	if (u->balance == CFG_BALANCE_LEAST_CONN) {
		/* Fewest active per weight: a/wa < b/wb  <=>  a*wb < b*wa. */
		unsigned start = st->rr++ % n;

		for (unsigned k = 0; k < n; k++) {
			unsigned i = (start + k) % n;

			if (!(usable & (1u << i)))
				continue;
			if (best < 0 ||
			    (uint64_t)st->active[i] * u->server[best].weight <
			    (uint64_t)st->active[best] * u->server[i].weight)
				best = (int)i;
		}
		return best;
	}
	/* Smooth weighted round robin: each usable server gains its weight,
	 * the richest is chosen and pays the total. */
	{
		int32_t total = 0;

		for (unsigned i = 0; i < n; i++) {
			if (!(usable & (1u << i)))
				continue;
			st->cw[i] += u->server[i].weight;
			total += u->server[i].weight;
			if (best < 0 || st->cw[i] > st->cw[best])
				best = (int)i;
		}
		st->cw[best] -= total;
	}
	return best;
}

/* A field name (any case) against a lowercase literal: the length first,
 * so most names cost one compare (this runs for every header line both
 * ways). */
#define name_is(p, n, lit) \
	((n) == sizeof(lit) - 1 && ((p)[0] | 0x20) == (lit)[0] && \
	 strncasecmp((p), (lit), sizeof(lit) - 1) == 0)

struct name {
	const char *s;
	size_t len;
};
#define NAME(lit) { lit, sizeof(lit) - 1 }

/* Is the field name one of the comma-separated tokens of any Connection
 * value in the given lines? (RFC 9110 7.6.1) The message's framing and
 * Host can never be dropped that way: "Connection: content-length" would
 * otherwise make us forward a body without its length (a desync). */
static bool
named_by_connection(const struct http_str *conn_vals, unsigned nconn, const char *name, size_t n)
{
	if (name_is(name, n, "content-length") || name_is(name, n, "transfer-encoding") ||
	    name_is(name, n, "host"))
		return false;
	for (unsigned k = 0; k < nconn; k++) {
		const char *p = conn_vals[k].p, *end = p + conn_vals[k].len;

		while (p < end) {
			const char *t;

			while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			t = p;
			while (p < end && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			if ((size_t)(p - t) == n && strncasecmp(t, name, n) == 0)
				return true;
		}
	}
	return false;
}

static const struct name req_drop[] = {
	NAME("connection"), NAME("keep-alive"), NAME("proxy-connection"), NAME("te"),
	NAME("trailer"), NAME("upgrade"), NAME("proxy-authorization"), NAME("x-forwarded-for"),
	NAME("forwarded"), NAME("x-request-id"), NAME("expect"), { NULL, 0 },
};

static const struct name resp_drop[] = {
	NAME("connection"), NAME("keep-alive"), NAME("proxy-connection"), NAME("te"),
	NAME("trailer"), NAME("upgrade"), NAME("server"), NAME("x-powered-by"),
	NAME("x-request-id"), NAME("proxy-authenticate"), { NULL, 0 },
};

static bool
in_list(const struct name *list, const char *p, size_t n)
{
	for (; list->s; list++)
		if (list->len == n && (p[0] | 0x20) == list->s[0] && strncasecmp(p, list->s, n) == 0)
			return true;
	return false;
}

/* Dotted-quad IPv4 (inet_ntop goes through printf: a few % of a small
 * request's cost); IPv6 through inet_ntop. Returns the length. */
static size_t
addr_text(int family, const uint8_t *a, char *out, size_t cap)
{
	char *p = out;

	if (family != AF_INET) {
		if (inet_ntop(family, a, out, (socklen_t)cap) == NULL)
			snprintf(out, cap, "unknown");
		return strlen(out);
	}
	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		if (i < 3)
			*p++ = '.';
	}
	*p = '\0';
	return (size_t)(p - out);
}

struct wbuf {
	char *p;
	size_t len, cap;
	bool full;
};

static void
put(struct wbuf *b, const char *s, size_t n)
{
	if (b->full || b->len + n > b->cap) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
puts_(struct wbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A string literal: its length known at compile time. */
#define PUTL(b, lit) put((b), (lit), sizeof(lit) - 1)

size_t
upstream_request_head(char *buf, size_t cap, const struct http_req *req,
		      const struct fwd_info *fi)
{
	struct wbuf b = { buf, 0, cap, false };
	struct http_str conn[8];
	unsigned nconn = 0;
	char addr[INET6_ADDRSTRLEN];
	size_t alen;

	for (uint32_t i = 0; i < req->nhdrs && nconn < 8; i++)
		if (name_is(req->hdrs[i].name.p, req->hdrs[i].name.len, "connection"))
			conn[nconn++] = req->hdrs[i].value;
	put(&b, req->method_raw.p, req->method_raw.len);
	PUTL(&b, " ");
	if (req->form == HTTP_TF_ABSOLUTE) {   /* origin-form toward the backend */
		put(&b, req->path_raw.p, req->path_raw.len);
		if (req->query_raw.p) {
			PUTL(&b, "?");
			put(&b, req->query_raw.p, req->query_raw.len);
		}
	} else {
		put(&b, req->target.p, req->target.len);
	}
	if (req->version == 10)
		PUTL(&b, " HTTP/1.0\r\n");
	else
		PUTL(&b, " HTTP/1.1\r\n");
	for (uint32_t i = 0; i < req->nhdrs; i++) {
		const struct http_hdr *h = &req->hdrs[i];

		if (in_list(req_drop, h->name.p, h->name.len) ||
		    named_by_connection(conn, nconn, h->name.p, h->name.len))
			continue;
		put(&b, h->name.p, h->name.len);
		PUTL(&b, ": ");
		put(&b, h->value.p, h->value.len);
		PUTL(&b, "\r\n");
	}
	alen = addr_text(fi->family, fi->client, addr, sizeof(addr));
	PUTL(&b, "X-Forwarded-For: ");
	put(&b, addr, alen);
	if (fi->family == AF_INET6)
		PUTL(&b, "\r\nForwarded: for=\"[");
	else
		PUTL(&b, "\r\nForwarded: for=");
	put(&b, addr, alen);
	if (fi->family == AF_INET6)
		PUTL(&b, "]\";proto=http\r\n");
	else
		PUTL(&b, ";proto=http\r\n");
	PUTL(&b, "X-Request-Id: ");
	puts_(&b, fi->req_id);
	PUTL(&b, "\r\n");
	if (fi->close)
		PUTL(&b, "Connection: close\r\n");
	PUTL(&b, "\r\n");
	return b.full ? 0 : b.len;
}

static bool
is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	switch (c) {   /* RFC 9110 5.6.2 */
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
	case '-': case '.': case '^': case '_': case '`': case '|': case '~':
		return true;
	default:
		return false;
	}
}

static bool is_text(uint8_t c);

/* One CRLF-terminated line starting at p; its length without CRLF, or -1
 * when incomplete, -2 when a bare CR or LF appears. */
static long
line_len(const char *p, size_t n)
{
	const char *cr = memchr(p, '\r', n);

	/* an LF before the first CR (or anywhere, without a CR) is bare */
	if (memchr(p, '\n', cr ? (size_t)(cr - p) : n) != NULL)
		return -2;
	if (cr == NULL || cr + 1 == p + n)
		return -1;
	return cr[1] == '\n' ? (long)(cr - p) : -2;
}

/* The comma-separated codings of one Transfer-Encoding value [v, ve):
 * each a token (parameters refused: none is registered for a transfer
 * coding we accept), at least one. *chunked: the last one is chunked;
 * *nchunked counts chunked over every line. false: malformed. */
static bool
te_codings(const char *v, const char *ve, bool *chunked, unsigned *nchunked)
{
	unsigned n = 0;

	while (v < ve) {
		const char *t;

		while (v < ve && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		if (v == ve)
			break;
		t = v;
		while (v < ve && is_tchar((uint8_t)*v))
			v++;
		if (v == t)
			return false;
		*chunked = (size_t)(v - t) == 7 && strncasecmp(t, "chunked", 7) == 0;
		*nchunked += *chunked;
		n++;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		if (v < ve && *v != ',')
			return false;
	}
	return n > 0;
}

int
upstream_resp_parse(struct up_resp *r, const char *p, size_t n, bool head_req)
{
	size_t off, lim = n < UP_RESP_HEAD_MAX ? n : UP_RESP_HEAD_MAX;
	long ll = line_len(p, lim);
	bool te = false, cl = false, chunked = false;
	unsigned nchunked = 0;

	memset(r, 0, offsetof(struct up_resp, line));
	if (ll == -1)
		return n >= UP_RESP_HEAD_MAX ? -1 : 0;
	/* status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ] (RFC 9112 4) */
	if (ll < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' ||
	    p[11] < '0' || p[11] > '9' || (ll > 12 && p[12] != ' '))
		return -1;
	for (long i = 13; i < ll; i++)   /* reason-phrase: HTAB, SP, VCHAR, obs-text */
		if (!is_text((uint8_t)p[i]))
			return -1;
	r->status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	r->version = p[7] == '1' ? 11 : 10;
	off = (size_t)ll + 2;
	for (;;) {
		const char *l = p + off;
		size_t name;

		ll = line_len(l, lim - off);
		if (ll == -1)
			return n >= UP_RESP_HEAD_MAX ? -1 : 0;
		if (ll < 0)
			return -1;
		if (ll == 0) {
			off += 2;
			break;
		}
		for (name = 0; name < (size_t)ll && l[name] != ':'; name++)
			if (!is_tchar((uint8_t)l[name]))
				return -1;   /* obs-fold, space before ':' or a bad name */
		if (name == 0 || name == (size_t)ll)
			return -1;
		for (size_t i = name + 1; i < (size_t)ll; i++)
			if (!is_text((uint8_t)l[i]))
				return -1;
		if (r->nlines == UP_RESP_HDRS_MAX)
			return -1;
		r->line[r->nlines].off = (uint32_t)off;
		r->line[r->nlines].len = (uint32_t)ll;
		r->line[r->nlines].name_len = (uint32_t)name;
		r->nlines++;
		{
			const char *v = l + name + 1, *ve = l + ll;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			if (name_is(l, name, "content-length")) {
				uint64_t x = 0;

				if (cl || v == ve)
					return -1;   /* repeated or empty: refused by policy */
				for (const char *c = v; c < ve; c++) {
					if (*c < '0' || *c > '9' || x > (UINT64_MAX >> 5))
						return -1;
					x = x * 10 + (uint64_t)(*c - '0');
				}
				cl = true;
				r->length = x;
			} else if (name_is(l, name, "transfer-encoding")) {
				/* The final coding decides (RFC 9112 6.3 item 4);
				 * chunked twice, or an empty list, is refused. */
				if (!te_codings(v, ve, &chunked, &nchunked))
					return -1;
				te = true;
			} else if (name_is(l, name, "connection")) {
				struct http_str cv = { v, (uint32_t)(ve - v) };

				r->conn_close |= named_by_connection(&cv, 1, "close", 5);
				r->conn_keepalive |= named_by_connection(&cv, 1, "keep-alive", 10);
			}
		}
		off += (size_t)ll + 2;
	}
	if (te && cl)
		return -1;   /* RFC 9112 6.3 item 3: a smuggling sign; refused */
	if (te && r->version == 10)
		return -1;   /* RFC 9112 6.1: faulty framing in an HTTP/1.0 message */
	if (nchunked > 1)
		return -1;   /* RFC 9112 6.1: chunked at most once */
	r->head_len = (uint32_t)off;
	if (head_req || r->status < 200 || r->status == 204 || r->status == 304)
		r->framing = UPF_NONE;
	else if (te)
		r->framing = chunked ? UPF_CHUNKED : UPF_CLOSE;
	else if (cl)
		r->framing = UPF_LENGTH;
	else
		r->framing = UPF_CLOSE;
	return (int)off;
}

bool
upstream_resp_keepalive(const struct up_resp *r)
{
	if (r->framing == UPF_CLOSE || r->conn_close)
		return false;
	return r->version == 11 || r->conn_keepalive;
}

size_t
upstream_resp_rewrite(char *buf, size_t cap, const char *head, const struct up_resp *r,
		      const char *req_id, bool close)
{
	struct wbuf b = { buf, 0, cap, false };
	struct http_str conn[8];
	unsigned nconn = 0;
	const char *crlf = memchr(head, '\r', r->head_len);

	for (uint32_t i = 0; i < r->nlines && nconn < 8; i++) {
		const char *l = head + r->line[i].off;
		const char *v = l + r->line[i].name_len + 1;

		if (name_is(l, r->line[i].name_len, "connection"))
			conn[nconn++] = (struct http_str){ v, (uint32_t)(l + r->line[i].len - v) };
	}
	put(&b, head, (size_t)(crlf - head) + 2);    /* the status line as received */
	for (uint32_t i = 0; i < r->nlines; i++) {
		const char *l = head + r->line[i].off;

		if (in_list(resp_drop, l, r->line[i].name_len) ||
		    named_by_connection(conn, nconn, l, r->line[i].name_len))
			continue;
		put(&b, l, r->line[i].len + 2);
	}
	PUTL(&b, "X-Request-Id: ");
	puts_(&b, req_id);
	PUTL(&b, "\r\n");
	if (close)
		PUTL(&b, "Connection: close\r\n");
	PUTL(&b, "\r\n");
	return b.full ? 0 : b.len;
}

/* Chunked body states. */
enum {
	CS_SIZE,       /* hex digits of a chunk size */
	CS_BWS,        /* whitespace after the size: ';' or CR next */
	CS_EXT,        /* extensions up to CR */
	CS_SIZE_LF,
	CS_DATA,
	CS_DATA_CR,
	CS_DATA_LF,
	CS_TR_START,   /* start of a trailer line or of the final CRLF */
	CS_TR_NAME,    /* a trailer field's name up to ':' */
	CS_TR_LINE,    /* its value up to CR */
	CS_TR_LF,
	CS_END_LF,
	CS_DONE,
};

/* A byte allowed in a field value or an extension: not a control byte
 * other than HTAB, not DEL. */
static bool
is_text(uint8_t c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

long
chunk_scan(struct chunk_scan *cs, const char *p, size_t n, bool *done)
{
	size_t i = 0;

	*done = false;
	while (i < n) {
		uint8_t c = (uint8_t)p[i];

		switch (cs->state) {
		case CS_SIZE: {
			int h = (c >= '0' && c <= '9') ? c - '0' : ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				? (c | 0x20) - 'a' + 10 : -1;

			if (h >= 0) {
				if (++cs->digits > 15)
					return -1;
				cs->left = cs->left * 16 + (uint64_t)h;
			} else if (cs->digits && c == ';') {
				cs->state = CS_EXT;
				cs->line = 0;
			} else if (cs->digits && (c == ' ' || c == '\t')) {
				cs->state = CS_BWS;
				cs->line = 0;
			} else if (cs->digits && c == '\r') {
				cs->state = CS_SIZE_LF;
			} else {
				return -1;
			}
			i++;
			break;
		}
		case CS_BWS:
			if (c == ';')
				cs->state = CS_EXT;
			else if (c == '\r')
				cs->state = CS_SIZE_LF;
			else if ((c != ' ' && c != '\t') || ++cs->line > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		case CS_EXT:
			if (c == '\r')
				cs->state = CS_SIZE_LF;
			else if (!is_text(c) || ++cs->line > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		case CS_SIZE_LF:
			if (c != '\n')
				return -1;
			cs->digits = 0;
			cs->state = cs->left ? CS_DATA : CS_TR_START;
			i++;
			break;
		case CS_DATA: {
			size_t k = n - i < cs->left ? n - i : (size_t)cs->left;

			cs->left -= k;
			i += k;
			if (cs->left == 0)
				cs->state = CS_DATA_CR;
			break;
		}
		case CS_DATA_CR:
			if (c != '\r')
				return -1;
			cs->state = CS_DATA_LF;
			i++;
			break;
		case CS_DATA_LF:
			if (c != '\n')
				return -1;
			cs->state = CS_SIZE;
			i++;
			break;
		case CS_TR_START:
			if (c == '\r') {
				cs->state = CS_END_LF;
			} else if (is_tchar(c) && cs->ntrailers < CHUNK_TRAILERS_MAX) {
				cs->state = CS_TR_NAME;
				cs->ntrailers++;
				cs->line = 1;
			} else {
				return -1;   /* bare LF, obs-fold, a bad name, too many */
			}
			i++;
			break;
		case CS_TR_NAME:
			if (c == ':')
				cs->state = CS_TR_LINE;
			else if (!is_tchar(c))
				return -1;   /* whitespace before ':' included */
			if (++cs->line > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		case CS_TR_LINE:
			if (c == '\r')
				cs->state = CS_TR_LF;
			else if (!is_text(c) || ++cs->line > CHUNK_LINE_MAX)
				return -1;
			i++;
			break;
		case CS_TR_LF:
			if (c != '\n')
				return -1;
			cs->state = CS_TR_START;
			i++;
			break;
		case CS_END_LF:
			if (c != '\n')
				return -1;
			cs->state = CS_DONE;
			i++;
			*done = true;
			return (long)i;
		default:
			*done = true;
			return (long)i;
		}
	}
	return (long)i;
}
