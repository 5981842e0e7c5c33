/* SPDX-License-Identifier: Proprietary
 * The upstream side of the proxy, without I/O: choosing a server,
 * serialising the request for it with header hygiene, parsing and
 * rewriting the response head, and finding the end of a chunked body.
 * h1_forward.c does the I/O with these.
 *
 * Header hygiene. Toward the backend: hop-by-hop fields (Connection and
 * the fields it names, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade,
 * Proxy-Authorization) and the client's X-Forwarded-For, Forwarded,
 * X-Request-Id and Expect are dropped; we add X-Forwarded-For and
 * Forwarded with the client's address, our X-Request-Id and, when the
 * upstream connection is not to be reused, Connection: close. Content-Length / Transfer-Encoding stay: the body is
 * relayed as received, and the parser has already refused every ambiguous
 * framing. Toward the client: the backend's Server, X-Powered-By,
 * X-Request-Id and hop-by-hop fields are dropped; we add our X-Request-Id
 * and, when the client connection ends after this response,
 * Connection: close.
 */
#ifndef RAMPART_PROXY_UPSTREAM_H
#define RAMPART_PROXY_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config_types.h"
#include "http/http_types.h"

#define UP_RESP_HEAD_MAX  16384   /* response head bytes we accept (else 502) */
#define UP_RESP_HDRS_MAX  100

/* Per worker and upstream: the balancing state (indexes of the snapshot
 * the worker follows; reset when a new snapshot arrives). */
struct upstream_state {
	uint32_t active[CFG_MAX_SERVERS];   /* connections in use per server */
	int32_t cw[CFG_MAX_SERVERS];        /* smooth weighted round robin */
	uint32_t rr;                        /* tie-breaking cursor for least-conn */
};

/* The server index for the next request to upstream u among the servers
 * whose bit is set in usable (round robin: smooth weighted round robin as
 * nginx, over the usable ones; least connections: fewest active per
 * weight, ties in turn), or -1 when none is usable. */
int upstream_pick(struct upstream_state *st, const struct cfg_upstream *u, uint32_t usable);

/* What the request head needs besides the request. */
struct fwd_info {
	int family;                 /* of the client */
	const uint8_t *client;      /* 4 or 16 bytes */
	const char *req_id;
	bool close;                 /* ask the server to close after this request */
};

/* Serialise req's head for the backend into buf. Returns the length, or 0
 * when cap is too small. */
size_t upstream_request_head(char *buf, size_t cap, const struct http_req *req,
			     const struct fwd_info *fi);

/* Response framing (RFC 9112 6.3). */
enum up_framing {
	UPF_NONE,      /* no body: HEAD, 1xx, 204, 304 */
	UPF_LENGTH,    /* Content-Length */
	UPF_CHUNKED,   /* Transfer-Encoding ending in chunked */
	UPF_CLOSE,     /* until the backend closes */
};

struct up_resp {
	unsigned status;
	uint8_t version;            /* 10 or 11 */
	bool conn_close;            /* Connection: close */
	bool conn_keepalive;        /* Connection: keep-alive (HTTP/1.0) */
	uint8_t framing;            /* enum up_framing */
	uint64_t length;            /* UPF_LENGTH */
	uint32_t head_len;          /* bytes of the head with its final CRLF */
	uint32_t nlines;            /* field lines, as offsets into the head */
	struct { uint32_t off, len, name_len; } line[UP_RESP_HDRS_MAX];
};

/* Parse a response head at the start of p[0..n). Returns > 0 (head_len)
 * when complete, 0 when more is needed (n < UP_RESP_HEAD_MAX), or < 0 when
 * it is malformed or too big (answer 502). head_req: the request was HEAD. */
int upstream_resp_parse(struct up_resp *r, const char *p, size_t n, bool head_req);

/* Can the connection carry another request after this response (RFC 9112
 * 9.3)? HTTP/1.1 unless Connection: close, HTTP/1.0 only with
 * Connection: keep-alive; never when the body is delimited by the close. */
bool upstream_resp_keepalive(const struct up_resp *r);

/* Write the rewritten head into buf: the status line, the kept field lines,
 * X-Request-Id, Connection: close when close. Returns the length or 0 when
 * cap is too small. */
size_t upstream_resp_rewrite(char *buf, size_t cap, const char *head, const struct up_resp *r,
			     const char *req_id, bool close);

/* The end of a chunked body (RFC 9112 7.1), found incrementally and
 * checked as strictly as the request parser: 1..15 hex digits, optional
 * BWS then extensions starting with ';' without control bytes, CRLF
 * everywhere, trailer fields as token ':' value (no control bytes), at
 * most CHUNK_TRAILERS_MAX of them, lines at most CHUNK_LINE_MAX bytes. */
#define CHUNK_LINE_MAX     4096
#define CHUNK_TRAILERS_MAX 64
struct chunk_scan {
	uint8_t state;
	uint8_t digits;
	uint64_t left;              /* chunk data bytes still to pass */
	uint32_t line;              /* bytes of the current extension / trailer line */
	uint16_t ntrailers;         /* trailer field lines so far */
};

/* Scan p[0..n): returns the bytes that belong to the body (all of n, or
 * fewer when the body ends inside p: then *done is set), or < 0 when the
 * framing is malformed. */
long chunk_scan(struct chunk_scan *cs, const char *p, size_t n, bool *done);

#endif
