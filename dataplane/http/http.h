/* SPDX-License-Identifier: Proprietary
 * HTTP/1.1 request parser (RFC 9110/9112) and request context: API.
 *
 * A strict, incremental, resumable parser. Feed a request in chunks of any
 * size (one byte at a time gives the same result as all at once); the state
 * is saved at every chunk end. It refuses request smuggling and every
 * ambiguity with a reason code (http_reasons.def) that carries the status to
 * answer (400, 413, 414, 431, 501, 505); the caller answers and closes.
 * Types, the view contract and the zero-copy rule: http_types.h.
 *
 * Return convention (every parse function):
 *   < 0   refused: -(enum http_reason); req->reason, err_pos, err_state and
 *         err_win say why and where. The request is dead: reset or destroy.
 *   0     the whole chunk was consumed and more is needed.
 *   > 0   the milestone was reached after this many bytes of the chunk; the
 *         bytes after them belong to the next stage (body, or the next
 *         pipelined request).
 * Use (the offline tool's shape; the TCP layer does the same per segment):
 *
 *     struct http_limits lim;
 *     http_limits_default(&lim);              // or from the config snapshot
 *     struct http_req *req = http_req_create(&lim);
 *     http_req_set_body_cb(req, on_body, ctx);   // streamed body pieces
 *     for each chunk (p, n):
 *         while (n) {
 *             int rc = http_parse(req, p, n);
 *             if (rc < 0) answer http_reason_status(-rc), log, close;
 *             if (rc == 0) break;                 // need the next chunk
 *             run the stages on req; p += rc; n -= rc;
 *             http_req_reset(req);                // pipelined next request
 *         }
 *     at end of input: http_req_eof(req) < 0 → truncated request
 *
 * The stages read req->method, path (normalized), path_raw, query_raw,
 * args[], hdrs[] (http_req_header(), http_req_known()), cookies[],
 * norm_flags, content_length and flags; header views stay valid while the
 * chunks that carried the head are kept (http_types.h).
 *
 * Chunks are shorter than 2 GiB (the count is an int); any length works,
 * including 0.
 * Threads: a request belongs to one thread; no locks, no allocation after
 * http_req_create(), never blocks.
 */
#ifndef RAMPART_HTTP_H
#define RAMPART_HTTP_H

#include "http/http_types.h"

/* ---- lifetime ---- */

/* Default limits: request line 8 KiB, 100 headers, 16 KiB header section,
 * 256 query args, 64 cookies, 256 bytes of chunk extensions, trailers off,
 * body 1 MiB, chunk 1 MiB. */
void http_limits_default(struct http_limits *lim);

/* Allocate a request context sized by @lim (copied; hard caps applied).
 * Returns NULL on allocation failure. One malloc; free with http_req_destroy. */
struct http_req *http_req_create(const struct http_limits *lim);
/* Accepts NULL. */
void http_req_destroy(struct http_req *req);
/* Make @req ready for the next request (keep-alive); keeps limits and the
 * body callback. Every view of the previous request becomes invalid. */
void http_req_reset(struct http_req *req);
/* Body pieces go to @cb (NULL: counted and skipped). */
void http_req_set_body_cb(struct http_req *req, http_body_cb cb, void *opaque);

/* ---- parsing ---- */

/* Request line and header section. > 0: head complete (HTTP_RF_HEAD_DONE),
 * framing checked, target normalised, query and cookies split. */
int http_parse_head(struct http_req *req, const char *p, size_t len);
/* Body after a complete head (Content-Length or chunked). > 0: message
 * complete (HTTP_RF_DONE). Must not be called once done. */
int http_parse_body(struct http_req *req, const char *p, size_t len);
/* Both: head, then body. > 0: message complete, bytes used of this chunk.
 * A request without body completes with its head. */
int http_parse(struct http_req *req, const char *p, size_t len);
/* The input ended (connection closed, file done). Returns 0 when no byte
 * of a request was seen or the message is complete; else refuses with
 * HTTP_R_TRUNCATED (< 0). Afterwards a request is either done or refused. */
int http_req_eof(struct http_req *req);

static inline bool http_req_head_done(const struct http_req *req)
{
	return req->flags & HTTP_RF_HEAD_DONE;
}
static inline bool http_req_done(const struct http_req *req)
{
	return req->flags & HTTP_RF_DONE;
}
/* True when the whole header section was read: the head is done, or the
 * request was refused by the end-of-head checks (framing, Host) or in the
 * body. The WAF evaluates a refused request's headers only then. */
bool http_req_head_read(const struct http_req *req);
/* True when the whole request line was read (method, target, version). */
static inline bool http_req_line_read(const struct http_req *req)
{
	return req->version != 0;
}
/* True when the body framing announces body bytes (chunked or CL > 0). */
static inline bool http_req_has_body(const struct http_req *req)
{
	return (req->flags & HTTP_RF_CHUNKED) ||
	       ((req->flags & HTTP_RF_HAS_CL) && req->content_length > 0);
}

/* ---- reading the context ---- */

/* First field line whose name equals @lname ignoring ASCII case (pass it in
 * lowercase by convention), or NULL. @from: index to start from, for the
 * next one of several (pass the previous index + 1); 0 for the first. */
const struct http_hdr *http_req_header(const struct http_req *req,
				       const char *lname, size_t len,
				       uint32_t from);
static inline const struct http_hdr *
http_req_known(const struct http_req *req, enum http_hdr_id id)
{
	return req->hdr_idx[id] < 0 ? NULL : &req->hdrs[req->hdr_idx[id]];
}
/* First query argument / cookie named exactly @name, or NULL. */
const struct http_kv *http_req_arg(const struct http_req *req,
				   const char *name, size_t len);
const struct http_kv *http_req_cookie(const struct http_req *req,
				      const char *name, size_t len);

/* ---- names and diagnostics ---- */

const char *http_reason_name(enum http_reason r);
const char *http_reason_text(enum http_reason r);
/* Status to answer for @r (400, 413, 414, 431, 501, 505; 0 for OK). */
int http_reason_status(enum http_reason r);
const char *http_method_name(enum http_method m);
const char *http_state_name(unsigned state);
/* Escape req->err_win into @buf (printable ASCII kept, others \xNN, the
 * offending byte bracketed by '>' '<'); returns the length it needs, like
 * snprintf (the output is truncated and terminated when @size is short). */
size_t http_req_err_format(const struct http_req *req, char *buf, size_t size);
/* A canonical text dump of the parsed context (tests, the offline tool);
 * returns the length it needs, like snprintf. */
size_t http_req_dump(const struct http_req *req, char *buf, size_t size);

/* ---- normalisation (http_norm.c), usable on any string ---- */

/* Percent-decode @in into @out (room for @len bytes); '+' becomes a space
 * when @plus. ORs HTTP_NF_* into *flags. Returns the decoded length. */
size_t http_pct_decode(const char *in, size_t len, char *out, bool plus,
		       uint32_t *flags);
/* Remove dot segments (RFC 3986 5.2.4) and merge empty segments in an
 * absolute path, in place; ORs HTTP_NF_* into *flags; returns new length. */
size_t http_path_clean(char *path, size_t len, uint32_t *flags);

/* ---- limits (http_limits.c): one function per limit; HTTP_R_OK or the
 * refusal, with req->err_value/err_limit set. 0 in the limit disables it. */
enum http_reason http_limit_request_line(struct http_req *req, uint64_t v);
enum http_reason http_limit_header_count(struct http_req *req, uint64_t v);
enum http_reason http_limit_header_bytes(struct http_req *req, uint64_t v);
enum http_reason http_limit_body(struct http_req *req, uint64_t v);
enum http_reason http_limit_chunk_size(struct http_req *req, uint64_t v);
enum http_reason http_limit_chunk_ext(struct http_req *req, uint64_t v);
enum http_reason http_limit_query_args(struct http_req *req, uint64_t v);
enum http_reason http_limit_cookies(struct http_req *req, uint64_t v);
enum http_reason http_limit_trailer_bytes(struct http_req *req, uint64_t v);

#endif /* RAMPART_HTTP_H */
