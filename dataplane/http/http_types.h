/* SPDX-License-Identifier: Proprietary
 * HTTP/1.1 request parser and request context: types only (API in http.h).
 *
 * No DPDK types here: the parser eats (pointer, length) chunks, so the TCP
 * layer can feed mbuf segments and an offline tool can feed files.
 *
 * Views. Every string the context exposes is a struct http_str (pointer,
 * length), never NUL-terminated. A view points either
 *   - into the caller's chunk (zero copy: the token lay inside one chunk), or
 *   - into the request's arena: a token that straddles a chunk boundary is
 *     copied there piece by piece as it is read (HAProxy keeps a contiguous
 *     header buffer for the same reason), so a view is always contiguous;
 *     the decoded path and query arguments are written there too.
 * The arena is allocated once with the request and never grows, so views do
 * not move. Its size is bounded by the limits (request line + header bytes
 * for the straddling copies, twice the request line for decoded strings).
 * Contract: the caller keeps every chunk that held part of the request head
 * alive and unchanged until it is done with the context (the TCP layer holds
 * the head's mbufs; in the common case the head is one segment and nothing is
 * copied). Body bytes are never kept: they are handed to the body callback as
 * views into the current chunk, valid only during the call.
 */
#ifndef RAMPART_HTTP_TYPES_H
#define RAMPART_HTTP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view: see above. len 0 with p NULL is the absent/empty string. */
struct http_str {
	const char *p;
	uint32_t len;
};

/* Why a request is refused; HTTP_R_OK (0) when it is not. Listed once in
 * http_reasons.def with the status to answer; names via http_reason_name(). */
enum http_reason {
#define HTTP_REASON(sym, status, name, text) HTTP_R_##sym,
#include "http/http_reasons.def"
#undef HTTP_REASON
	HTTP_R__MAX
};

enum http_method {
	HTTP_M_OTHER,    /* a valid token we do not name; see method_raw */
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_CONNECT,
	HTTP_M_OPTIONS,
	HTTP_M_TRACE,
	HTTP_M_PATCH,
	HTTP_M__MAX
};

/* RFC 9112 3.2 request-target forms. */
enum http_target_form {
	HTTP_TF_ORIGIN,     /* /path?query */
	HTTP_TF_ABSOLUTE,   /* http://authority/path?query (proxy form) */
	HTTP_TF_AUTHORITY,  /* host:port, CONNECT only */
	HTTP_TF_ASTERISK,   /* *, OPTIONS only */
};

/* Headers the parser itself needs or the stages look up often: the index of
 * the first field line with that name is kept in http_req.hdr_idx[]. */
enum http_hdr_id {
	HTTP_H_HOST,
	HTTP_H_CONTENT_LENGTH,
	HTTP_H_TRANSFER_ENCODING,
	HTTP_H_CONTENT_TYPE,
	HTTP_H_COOKIE,
	HTTP_H_CONNECTION,
	HTTP_H_EXPECT,
	HTTP_H_UPGRADE,
	HTTP_H__MAX,
	HTTP_H_NONE = HTTP_H__MAX,
};

/* One field line, in arrival order; value has its leading and trailing
 * whitespace removed (RFC 9112 5.1). */
struct http_hdr {
	struct http_str name;
	struct http_str value;
	uint8_t id;          /* enum http_hdr_id, HTTP_H_NONE for the others */
};

/* A query argument (decoded: %XX and '+') or a cookie (raw). */
struct http_kv {
	struct http_str name;
	struct http_str value;
	uint8_t flags;       /* HTTP_NF_* found while decoding this pair */
};

/* Normalisation findings (http_req.norm_flags, http_kv.flags). They do not
 * refuse the request: the WAF and validate stages decide. */
#define HTTP_NF_BAD_ESCAPE     0x01u  /* '%' not followed by two hex digits (kept literally) */
#define HTTP_NF_NUL            0x02u  /* %00 decoded to a NUL byte */
#define HTTP_NF_ENCODED_SLASH  0x04u  /* %2F or %5C decoded (in norm_flags: in the path only) */
#define HTTP_NF_OVERLONG_UTF8  0x08u  /* %-decoded bytes form an overlong UTF-8 sequence (%C0%AE...) */
#define HTTP_NF_BAD_UTF8       0x10u  /* %-decoded bytes are not valid UTF-8 otherwise */
#define HTTP_NF_DOT_SEGMENT    0x20u  /* "." or ".." segments removed (RFC 3986 5.2.4) */
#define HTTP_NF_ABOVE_ROOT     0x40u  /* ".." tried to climb above "/" */
#define HTTP_NF_DUP_SLASH      0x80u  /* empty segments ("//") merged */
#define HTTP_NF_UNSAFE_CHAR    0x100u /* raw " < > \ ^ ` { | } in the target (accepted, as nginx does) */

/* Request flags (http_req.flags). */
#define HTTP_RF_HAS_CL     0x01u  /* Content-Length present (content_length valid) */
#define HTTP_RF_CHUNKED    0x02u  /* Transfer-Encoding: chunked */
#define HTTP_RF_HEAD_DONE  0x04u  /* request line and header section parsed */
#define HTTP_RF_DONE       0x08u  /* whole message parsed (head and body) */

/* Configurable bounds. 0 means "no configured limit", except where said;
 * the sizes that also size memory are then capped by HTTP_HARD_* below. */
struct http_limits {
	uint32_t request_line;   /* bytes of the request line with CRLF → 414 */
	uint32_t header_count;   /* field lines → 431 */
	uint32_t header_bytes;   /* bytes of the header section, final CRLF included → 431 */
	uint32_t query_args;     /* query arguments → 414 */
	uint32_t cookies;        /* cookie pairs over all Cookie lines → 431 */
	uint32_t chunk_ext;      /* bytes of extensions on one chunk-size line → 400 */
	uint32_t trailer_bytes;  /* bytes of the trailer section; 0 REFUSES trailers → 400/431 */
	uint64_t body;           /* body bytes (Content-Length or sum of chunks) → 413 */
	uint64_t chunk_size;     /* one chunk's size → 413 */
};

#define HTTP_HARD_REQUEST_LINE  65536u
#define HTTP_HARD_HEADER_COUNT  1024u
#define HTTP_HARD_HEADER_BYTES  262144u
#define HTTP_HARD_QUERY_ARGS    4096u
#define HTTP_HARD_COOKIES       1024u
#define HTTP_HARD_CHUNK_EXT     4096u
#define HTTP_METHOD_MAX         32u

/* Body pieces: called with each run of body bytes (chunk framing removed) in
 * order, as views into the chunk being parsed, valid only during the call. */
typedef void (*http_body_cb)(void *opaque, const char *p, size_t len);

/* The request context: everything the security stages read. Filled by the
 * parser; read-only for everyone else. Allocated by http_req_create() with
 * its arrays and arena in the same block. Fields under "parser state" are
 * private to dataplane/http/. */
struct http_req {
	/* ---- request line */
	enum http_method method;
	struct http_str method_raw;
	uint8_t version;               /* 10 or 11 */
	enum http_target_form form;
	struct http_str target;        /* raw, exactly as received */
	struct http_str authority;     /* absolute- and authority-form only */
	struct http_str path_raw;      /* raw path (target minus authority and query) */
	struct http_str query_raw;     /* raw query without '?'; p NULL when no '?' */
	struct http_str path;          /* decoded, dot segments removed, slashes merged */
	uint32_t norm_flags;           /* HTTP_NF_* of the path and (but ENCODED_SLASH) the query */

	/* ---- header section */
	struct http_hdr *hdrs;
	uint32_t nhdrs;
	int32_t hdr_idx[HTTP_H__MAX];  /* first line of each known header, -1 if none */
	struct http_kv *args;          /* query arguments */
	uint32_t nargs;
	struct http_kv *cookies;       /* from all Cookie lines, in order */
	uint32_t ncookies;

	/* ---- framing and body */
	uint32_t flags;                /* HTTP_RF_* */
	uint64_t content_length;       /* valid with HTTP_RF_HAS_CL */
	uint64_t body_bytes;           /* body bytes delivered so far */
	http_body_cb body_cb;          /* may be NULL: body is then skipped */
	void *body_opaque;

	/* ---- outcome */
	enum http_reason reason;       /* HTTP_R_OK until refused */
	uint64_t err_pos;              /* offset in the message of the offending byte */
	uint8_t err_state;             /* parser state at the error (http_state_name()) */
	uint8_t err_win_len;           /* bytes in err_win */
	uint8_t err_win_at;            /* index of the offending byte in err_win */
	uint8_t err_win[48];           /* up to 8 bytes before it and 40 from it (this chunk only) */
	uint64_t err_value;            /* for limit refusals: the value seen ... */
	uint64_t err_limit;            /* ... and the limit */

	/* ---- parser state (private) */
	struct http_limits lim;        /* effective limits (hard caps applied) */
	uint8_t state;
	uint8_t tok_active;            /* a token is being read */
	uint8_t tok_in_arena;          /* ... and its first part is in the arena */
	uint8_t crlf_skipped;          /* empty lines before the request line */
	uint8_t ext_state;             /* chunk extension sub-state */
	uint8_t cur_hdr_id;            /* id of the header being read */
	uint32_t tok_arena_off;        /* where the token starts in the arena */
	uint32_t line_bytes;           /* request line bytes so far */
	uint32_t hdr_bytes;            /* header (or trailer) section bytes so far */
	uint32_t chunk_ext_bytes;
	uint32_t chunk_digits;
	uint64_t chunk_left;           /* chunk size being read, then data bytes left */
	uint64_t body_left;            /* Content-Length bytes left */
	uint64_t msg_pos;              /* bytes of this message consumed before the chunk */
	struct http_str cur_name;      /* name of the field line being read */
	char *arena;
	uint32_t arena_size;
	uint32_t arena_used;
	uint32_t hdr_cap, args_cap, cookies_cap;
};

#endif /* RAMPART_HTTP_TYPES_H */
