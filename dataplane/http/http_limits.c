/* SPDX-License-Identifier: Proprietary
 * HTTP bounds: one function per limit (Tempesta frang_* shape). Each returns
 * HTTP_R_OK or the refusal and, when refusing, leaves the value and the
 * limit in req->err_value / req->err_limit so the caller logs
 * "<reason>: <value> (lim=<limit>)". A limit of 0 is off, except that the
 * sizes that also size the request's memory are capped by HTTP_HARD_* when
 * the request is created (http_req_create), so they are never really off.
 */
#include "http/http_p.h"

void http_limits_default(struct http_limits *lim)
{
	*lim = (struct http_limits){
		.request_line = 8192,
		.header_count = 100,
		.header_bytes = 16384,
		.query_args = 256,
		.cookies = 64,
		.chunk_ext = 256,
		.trailer_bytes = 0,
		.body = 1u << 20,
		.chunk_size = 1u << 20,
	};
}

static inline enum http_reason over(struct http_req *r, uint64_t v, uint64_t lim,
				    enum http_reason why)
{
	if (lim == 0 || v <= lim)
		return HTTP_R_OK;
	r->err_value = v;
	r->err_limit = lim;
	return why;
}

enum http_reason http_limit_request_line(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.request_line, HTTP_R_URI_TOO_LONG);
}

enum http_reason http_limit_header_count(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.header_count, HTTP_R_HEADERS_TOO_MANY);
}

enum http_reason http_limit_header_bytes(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.header_bytes, HTTP_R_HEADERS_TOO_BIG);
}

enum http_reason http_limit_body(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.body, HTTP_R_BODY_TOO_LARGE);
}

enum http_reason http_limit_chunk_size(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.chunk_size, HTTP_R_CHUNK_TOO_LARGE);
}

enum http_reason http_limit_chunk_ext(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.chunk_ext, HTTP_R_CHUNK_EXT_TOO_LONG);
}

enum http_reason http_limit_query_args(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.query_args, HTTP_R_ARGS_TOO_MANY);
}

enum http_reason http_limit_cookies(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.cookies, HTTP_R_COOKIES_TOO_MANY);
}

/* trailer_bytes 0 means trailers refused (checked by the caller), not off. */
enum http_reason http_limit_trailer_bytes(struct http_req *r, uint64_t v)
{
	return over(r, v, r->lim.trailer_bytes, HTTP_R_TRAILER_TOO_BIG);
}
