/* SPDX-License-Identifier: Proprietary
 * Test helper shared by test_http_parse.c, test_http_corpus.c and
 * fuzz_http_parse.c: feed a byte stream to the HTTP parser in given pieces
 * and render everything it produced as one canonical text, so that runs
 * with different splits can be compared byte for byte (Tempesta's
 * test_http_parser_common.c model).
 *
 * Each piece is copied into its own exactly-sized heap buffer that lives
 * until the run ends, so ASan catches any read outside a chunk and any view
 * that points into the wrong chunk shows up as a different rendering.
 * Pipelined requests: after a message completes the context is reset and
 * the rest of the piece is parsed as the next request.
 */
#ifndef RAMPART_TEST_HTTP_REPLAY_H
#define RAMPART_TEST_HTTP_REPLAY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

struct replay {
	char *text;             /* canonical rendering of every message */
	size_t len, cap;
	enum http_reason end;   /* refusal that stopped the run, or eof's result */
	unsigned messages;      /* messages completed */
	size_t trailing;        /* bytes after the last complete message (incomplete next one) */
	size_t used;            /* bytes consumed by complete messages */
};

static inline void replay_put(struct replay *rp, const char *s, size_t n)
{
	if (rp->len + n + 1 > rp->cap) {
		size_t cap = (rp->len + n + 1) * 2;
		char *t = realloc(rp->text, cap);

		if (!t)
			abort();
		rp->text = t;
		rp->cap = cap;
	}
	memcpy(rp->text + rp->len, s, n);
	rp->len += n;
	rp->text[rp->len] = '\0';
}

static inline void replay_body_cb(void *opaque, const char *p, size_t n)
{
	struct replay *rp = opaque;
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			replay_put(rp, (const char *)&c, 1);
		} else {
			char e[4] = { '\\', 'x', hx[c >> 4], hx[c & 15] };

			replay_put(rp, e, 4);
		}
	}
}

static inline void replay_dump(struct replay *rp, const struct http_req *req)
{
	size_t need = http_req_dump(req, NULL, 0) + 1;
	char *b = malloc(need);

	if (!b)
		abort();
	http_req_dump(req, b, need);
	replay_put(rp, b, strlen(b));
	free(b);
}

/* Feed @wire[0..len) cut at @cuts (increasing offsets in (0, len)). */
static inline void replay_run(const struct http_limits *lim, const char *wire,
			      size_t len, const size_t *cuts, size_t ncuts,
			      struct replay *rp)
{
	struct http_req *req = http_req_create(lim);
	char **pieces = calloc(ncuts + 1, sizeof(*pieces));
	size_t msg_start = 0;
	int rc = 0;

	if (!req || !pieces)
		abort();
	memset(rp, 0, sizeof(*rp));
	replay_put(rp, "", 0);
	http_req_set_body_cb(req, replay_body_cb, rp);
	for (size_t i = 0; i <= ncuts && rc >= 0; i++) {
		size_t from = i ? cuts[i - 1] : 0, to = i < ncuts ? cuts[i] : len;
		size_t n = to - from, at = 0;

		pieces[i] = malloc(n ? n : 1);
		if (!pieces[i])
			abort();
		memcpy(pieces[i], wire + from, n);
		while (at < n) {
			rc = http_parse(req, pieces[i] + at, n - at);
			if (rc < 0)
				break;
			if (rc == 0) {
				at = n;
				break;
			}
			at += (size_t)rc;
			replay_put(rp, "\n--- message\n", 13);
			replay_dump(rp, req);
			rp->messages++;
			msg_start = from + at;
			http_req_reset(req);
		}
	}
	if (rc >= 0)
		rc = http_req_eof(req);
	rp->end = rc < 0 ? (enum http_reason)-rc : HTTP_R_OK;
	if (rc < 0) {
		replay_put(rp, "\n--- refused\n", 13);
		replay_dump(rp, req);
	}
	rp->used = msg_start;
	rp->trailing = len - msg_start;
	for (size_t i = 0; i <= ncuts; i++)
		free(pieces[i]);
	free(pieces);
	http_req_destroy(req);
}

static inline void replay_free(struct replay *rp)
{
	free(rp->text);
	rp->text = NULL;
}

/* xorshift64*: deterministic random cuts. */
static inline uint64_t replay_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Fill @cuts with up to @max increasing random offsets in (0, len); returns
 * how many. */
static inline size_t replay_random_cuts(uint64_t *seed, size_t len, size_t *cuts,
					size_t max)
{
	size_t n = 0, at = 0;

	if (len < 2)
		return 0;
	while (n < max) {
		at += 1 + replay_rand(seed) % (len / 3 + 1);
		if (at >= len)
			break;
		cuts[n++] = at;
	}
	return n;
}

#endif /* RAMPART_TEST_HTTP_REPLAY_H */
