/* SPDX-License-Identifier: Proprietary
 * HTTP/1.1 request parser (dataplane/http/): every case, good or bad, is
 * replayed whole, one byte at a time, at every two-way split and at random
 * multi-way splits; every run must render exactly like the whole run
 * (same fields, same views, same body bytes, same refusal and position).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "http_replay.h"

struct tcase {
	const char *name;
	const char *wire;
	size_t len;
	enum http_reason want;       /* how the run ends */
	const char *expect[8];       /* substrings of the whole run's rendering */
	void (*lim)(struct http_limits *);
	unsigned messages;           /* expected complete messages (0: 1 if want OK, else 0) */
};

#define W(s) s, sizeof(s) - 1   /* wire and its length (some hold NULs) */
#define H "Host: a\r\n"
#define GET1 "GET / HTTP/1.1\r\n"
#define POST1 "POST /p HTTP/1.1\r\n" H
#define TE "Transfer-Encoding: chunked\r\n"

static void lim_small_line(struct http_limits *l) { l->request_line = 32; }
static void lim_3_headers(struct http_limits *l) { l->header_count = 3; }
static void lim_64_hbytes(struct http_limits *l) { l->header_bytes = 64; }
static void lim_body_10(struct http_limits *l) { l->body = 10; }
static void lim_chunk_4(struct http_limits *l) { l->chunk_size = 4; }
static void lim_args_2(struct http_limits *l) { l->query_args = 2; }
static void lim_cookies_2(struct http_limits *l) { l->cookies = 2; }
static void lim_ext_8(struct http_limits *l) { l->chunk_ext = 8; }
static void lim_trailers(struct http_limits *l) { l->trailer_bytes = 64; }
static void lim_trailers_8(struct http_limits *l) { l->trailer_bytes = 8; }

static const struct tcase cases[] = {
	/* ------------------------------------------------ good requests */
	{ "get", W(GET1 H "\r\n"), HTTP_R_OK,
	  { "method=GET version=11 form=0\n", "path=/\n", "hdr.name=Host\nhdr.value=a\n" } },
	{ "query_cookies",
	  W("GET /a/b?x=1&y=%41+b&z&&=v HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1\r\n"
	  "Cookie: a=1; b=2\r\nCookie:c;  d=\r\n\r\n"), HTTP_R_OK,
	  { "path=/a/b\nnorm_flags=0x0\n", "arg.name=x\narg.value=1\n", "arg.name=y\narg.value=A b\n",
	    "arg.name=z\narg.value=\n", "arg.name=\narg.value=v\n",
	    "cookie.name=a\ncookie.value=1\ncookie.name=b\ncookie.value=2\ncookie.name=c\ncookie.value=\ncookie.name=d\ncookie.value=\n",
	    "query_raw=x=1&y=%41+b&z&&=v\n" } },
	{ "post_cl", W(POST1 "Content-Length: 5\r\n\r\nhello"), HTTP_R_OK,
	  { "hello\n--- message", "flags=0xd cl=5 body_bytes=5" } },
	{ "post_chunked", W(POST1 TE "\r\n5\r\nhello\r\n6;a=b;c=\"x \\\" y\";d\r\n world\r\n0\r\n\r\n"),
	  HTTP_R_OK, { "hello world\n--- message", "flags=0xe cl=0 body_bytes=11" } },
	{ "chunked_upper_hex", W(POST1 "Transfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n00\r\n\r\n"),
	  HTTP_R_OK, { "0123456789\n--- message" } },
	{ "te_tab_ows", W(POST1 "Transfer-Encoding:\tchunked \t\r\n\r\n0\r\n\r\n"), HTTP_R_OK, { "flags=0xe" } },
	{ "http10_no_host", W("GET /x HTTP/1.0\r\n\r\n"), HTTP_R_OK, { "version=10" } },
	{ "ows_trim", W(GET1 "Host:\t a \t\r\nX-Empty:\r\nX-Sp:   \r\n\r\n"), HTTP_R_OK,
	  { "hdr.value=a\n", "hdr.name=X-Empty\nhdr.value=\n", "hdr.name=X-Sp\nhdr.value=\n" } },
	{ "absolute_form", W("GET http://Example.com:80/x?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"),
	  HTTP_R_OK, { "form=1", "authority=Example.com:80\n", "path=/x\n", "query_raw=q=1\n" } },
	{ "absolute_form_noslash", W("GET https://h.example:443 HTTP/1.1\r\nHost: H.example\r\n\r\n"),
	  HTTP_R_OK, { "path=/\n", "path_raw=\n" } },
	{ "options_star", W("OPTIONS * HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "form=3", "path=*\n" } },
	{ "connect", W("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n"), HTTP_R_OK,
	  { "form=2", "authority=a.example:443\n" } },
	{ "other_method", W("PURGE /x HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "method=OTHER", "method_raw=PURGE\n" } },
	{ "leading_crlf", W("\r\n\r\n" GET1 H "\r\n"), HTTP_R_OK, { "path=/\n" } },
	{ "pipelined", W(GET1 H "\r\n" POST1 "Content-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\n" H "\r\n"),
	  HTTP_R_OK, { "path=/3\n", "ok\n--- message" }, NULL, 3 },
	{ "cl_zero", W(POST1 "Content-Length: 0\r\n\r\n"), HTTP_R_OK, { "flags=0xd cl=0" } },
	{ "cl_ows", W(POST1 "Content-Length:  3 \r\n\r\nabc"), HTTP_R_OK, { "cl=3" } },
	{ "ipv6_host", W(GET1 "Host: [::1]:8080\r\n\r\n"), HTTP_R_OK, { "hdr.value=[::1]:8080\n" } },
	{ "empty_host", W(GET1 "Host:\r\n\r\n"), HTTP_R_OK, { "hdr.name=Host\nhdr.value=\n" } },
	{ "obs_text_value", W(GET1 H "X-U: caf\xc3\xa9\r\n\r\n"), HTTP_R_OK, { "hdr.value=caf\\xc3\\xa9\n" } },
	{ "unsafe_chars", W("GET /a?q=<script>|{} HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "norm_flags=0x100\n", "arg.value=<script>|{}\n" } },
	{ "trailers_allowed", W(POST1 TE "\r\n1\r\nx\r\n0\r\nX-T: 1\r\n\r\n"), HTTP_R_OK, { "body_bytes=1" },
	  lim_trailers },
	{ "tchar_header", W(GET1 H "X-A!#$%&'*+.^_`|~: v\r\n\r\n"), HTTP_R_OK, { "hdr.name=X-A!#$%&'*+.^_`|~\n" } },

	/* ------------------------------------------------ normalisation */
	{ "norm_dots_slashes", W("GET //a/./b/../c HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/a/c\n", "norm_flags=0xa0\n", "path_raw=//a/./b/../c\n" } },
	{ "norm_pct_dots", W("GET /x/%2e%2e/%2E%2E/%2e%2e/etc/passwd HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/etc/passwd\n", "norm_flags=0x60\n" } },
	{ "norm_enc_slash", W("GET /a%2fb/..%2F..%2fc HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/c\n", "norm_flags=0x24\n" } },
	{ "norm_nul", W("GET /a%00b.php HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/a\\x00b.php\n", "norm_flags=0x2\n" } },
	{ "norm_overlong", W("GET /%c0%ae%c0%ae/%c0%afetc HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "norm_flags=0x8\n" } },
	{ "norm_overlong_e0", W("GET /%e0%80%ae HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "norm_flags=0x8\n" } },
	{ "norm_bad_utf8", W("GET /%ff%fe HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "norm_flags=0x10\n" } },
	{ "norm_good_utf8", W("GET /caf%C3%A9 HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/caf\\xc3\\xa9\n", "norm_flags=0x0\n" } },
	{ "norm_bad_escape", W("GET /%zz/%4/%u0041/x% HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/%zz/%4/%u0041/x%\n", "norm_flags=0x1\n" } },
	{ "norm_trailing", W("GET /a/b/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "path=/a/b/\n", "norm_flags=0x0\n" } },
	{ "norm_dotdot_end", W("GET /a/b/.. HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "path=/a/\n" } },
	{ "norm_dot_end", W("GET /a/. HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "path=/a/\n" } },
	{ "norm_above_root", W("GET /.. HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "path=/\n", "norm_flags=0x60\n" } },
	{ "norm_dots_names", W("GET /.../..a/a.. HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, { "path=/.../..a/a..\n", "norm_flags=0x0\n" } },
	{ "norm_query_slash", W("GET /?u=http%3A%2F%2Fx%2Fy HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "arg.value=http://x/y\n", "arg.0.flags=0x4", "norm_flags=0x0\n" } },
	{ "norm_query_decode", W("GET /?a%3Db=c%26d&e=%2 HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "arg.name=a=b\narg.value=c&d\n", "arg.0.flags=0x0", "arg.1.flags=0x1" } },

	/* ------------------------------------------------ request line */
	{ "bad_method_char", W("G(T / HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_METHOD },
	{ "empty_method", W(" / HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_METHOD },
	{ "method_too_long", W("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA / HTTP/1.1\r\n"), HTTP_R_METHOD_TOO_LONG },
	{ "http09", W("GET /\r\n\r\n"), HTTP_R_BAD_REQUEST_LINE },
	{ "double_sp", W("GET  / HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_REQUEST_LINE },
	{ "trailing_sp", W("GET / HTTP/1.1 \r\n" H "\r\n"), HTTP_R_BAD_REQUEST_LINE },
	{ "sp_in_target", W("GET /a b HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_REQUEST_LINE },
	{ "version_2", W("GET / HTTP/2.0\r\n" H "\r\n"), HTTP_R_VERSION_UNSUPPORTED },
	{ "version_12", W("GET / HTTP/1.2\r\n" H "\r\n"), HTTP_R_VERSION_UNSUPPORTED },
	{ "version_lower", W("GET / http/1.1\r\n" H "\r\n"), HTTP_R_BAD_VERSION },
	{ "version_long", W("GET / HTTP/1.10\r\n" H "\r\n"), HTTP_R_BAD_VERSION },
	{ "version_short", W("GET / HTTP/1\r\n" H "\r\n"), HTTP_R_BAD_VERSION },
	{ "target_del", W("GET /a\x7f HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_CHAR },
	{ "target_utf8", W("GET /caf\xc3\xa9 HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_CHAR },
	{ "target_nul", W("GET /a\0b HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_CHAR },
	{ "target_fragment", W("GET /a#b HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "star_get", W("GET * HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "ftp_scheme", W("GET ftp://a/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "userinfo", W("GET http://u:p@a/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "relative", W("GET a/b HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "connect_path", W("CONNECT a/b HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "connect_no_port", W("CONNECT a.example HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "absolute_bad_authority", W("GET http://a b/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_REQUEST_LINE },
	{ "absolute_bad_port", W("GET http://a:x/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "too_many_leading_crlf", W("\r\n\r\n\r\n\r\n\r\n" GET1 H "\r\n"), HTTP_R_BAD_REQUEST_LINE },

	/* ------------------------------------------------ line endings */
	{ "lf_only", W("GET / HTTP/1.1\nHost: a\n\n"), HTTP_R_BARE_LF },
	{ "lf_only_header", W(GET1 "Host: a\n\r\n"), HTTP_R_BARE_LF },
	{ "lf_only_end", W(GET1 H "\n"), HTTP_R_BARE_LF },
	{ "bare_cr_rl", W("GET / HTTP/1.1\rHost: a\r\n\r\n"), HTTP_R_BARE_CR },
	{ "bare_cr_value", W(GET1 "Host: a\rb\r\n\r\n"), HTTP_R_BARE_CR },
	{ "bare_cr_end", W(GET1 H "\rX"), HTTP_R_BARE_CR },
	{ "bare_cr_leading", W("\rGET / HTTP/1.1\r\n" H "\r\n"), HTTP_R_BARE_CR },

	/* ------------------------------------------------ header fields */
	{ "obs_fold", W(GET1 H "X-A: 1\r\n 2\r\n\r\n"), HTTP_R_OBS_FOLD },
	{ "obs_fold_tab", W(GET1 H "X-A: 1\r\n\t2\r\n\r\n"), HTTP_R_OBS_FOLD },
	{ "ws_first_line", W(GET1 " Host: a\r\n\r\n"), HTTP_R_OBS_FOLD },
	{ "ws_before_colon", W(GET1 "Host : a\r\n\r\n"), HTTP_R_WS_BEFORE_COLON },
	{ "tab_before_colon", W(GET1 "Host\t: a\r\n\r\n"), HTTP_R_WS_BEFORE_COLON },
	{ "bad_name_char", W(GET1 H "X(y: 1\r\n\r\n"), HTTP_R_BAD_HEADER_NAME },
	{ "empty_name", W(GET1 H ": v\r\n\r\n"), HTTP_R_BAD_HEADER_NAME },
	{ "no_colon", W(GET1 H "X-A\r\n\r\n"), HTTP_R_BAD_HEADER_NAME },
	{ "nul_value", W(GET1 H "X-A: a\0b\r\n\r\n"), HTTP_R_NUL_IN_VALUE },
	{ "ctl_value", W(GET1 H "X-A: a\x01" "b\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "ctl_value_long", W(GET1 H "X-A: 0123456789abcdef0123456789abcdef0\x1f" "23456789\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "value_long_ok", W(GET1 H "X-A: 0123456789\tabcdef ~\x80\xff 0123456789abcdef0123456789\r\n\r\n"), HTTP_R_OK,
	  { "hdr.value=0123456789\\x09abcdef ~\\x80\\xff 0123456789abcdef0123456789\n" } },
	{ "target_long_del", W("GET /0123456789abcdef0123456789abcdef01\x7f HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_CHAR },
	{ "target_long_hash", W("GET /0123456789abcdef0123456789abcdef01#x HTTP/1.1\r\n" H "\r\n"), HTTP_R_BAD_TARGET_FORM },
	{ "target_long_ok", W("GET /~0123456789abcdef~0123456789abcdef~!$&'()*+,;=:@ HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK,
	  { "path=/~0123456789abcdef~0123456789abcdef~!$&'()*+,;=:@\n" } },
	{ "del_value", W(GET1 H "X-A: a\x7f\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "missing_host", W(GET1 "\r\n"), HTTP_R_MISSING_HOST },
	{ "dup_host", W(GET1 H "Host: b\r\n\r\n"), HTTP_R_DUP_HOST },
	{ "dup_host_same", W(GET1 H "host: a\r\n\r\n"), HTTP_R_DUP_HOST },
	{ "bad_host", W(GET1 "Host: a b\r\n\r\n"), HTTP_R_BAD_HOST },
	{ "bad_host_port", W(GET1 "Host: a:8x\r\n\r\n"), HTTP_R_BAD_HOST },
	{ "bad_host_slash", W(GET1 "Host: a/b\r\n\r\n"), HTTP_R_BAD_HOST },
	{ "host_mismatch", W("GET http://evil.example/ HTTP/1.1\r\nHost: good.example\r\n\r\n"), HTTP_R_HOST_MISMATCH },
	{ "host_mismatch_port", W("GET http://a:8080/ HTTP/1.1\r\n" H "\r\n"), HTTP_R_HOST_MISMATCH },

	/* ------------------------------------------------ smuggling: CL / TE */
	{ "cl_te", W(POST1 "Content-Length: 6\r\n" TE "\r\n0\r\n\r\nX"), HTTP_R_CL_AND_TE },
	{ "te_cl", W(POST1 TE "Content-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n"), HTTP_R_CL_AND_TE },
	{ "te_xchunked", W(POST1 "Transfer-Encoding: xchunked\r\n\r\n"), HTTP_R_TE_NOT_CHUNKED_FINAL },
	{ "te_space_colon", W(POST1 "Transfer-Encoding : chunked\r\n\r\n"), HTTP_R_WS_BEFORE_COLON },
	{ "te_chunked_identity", W(POST1 "Transfer-Encoding: chunked, identity\r\n\r\n"), HTTP_R_TE_NOT_CHUNKED_FINAL },
	{ "te_identity", W(POST1 "Transfer-Encoding: identity\r\n\r\n"), HTTP_R_TE_NOT_CHUNKED_FINAL },
	{ "te_gzip_chunked", W(POST1 "Transfer-Encoding: gzip, chunked\r\n\r\n"), HTTP_R_TE_UNSUPPORTED },
	{ "te_chunked_twice", W(POST1 "Transfer-Encoding: chunked, chunked\r\n\r\n"), HTTP_R_TE_CHUNKED_TWICE },
	{ "te_two_lines", W(POST1 TE TE "\r\n"), HTTP_R_TE_CHUNKED_TWICE },
	{ "te_two_lines_cow", W(POST1 TE "Transfer-Encoding: cow\r\n\r\n"), HTTP_R_TE_NOT_CHUNKED_FINAL },
	{ "te_vtab", W(POST1 "Transfer-Encoding: \x0b" "chunked\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "te_formfeed", W(POST1 "Transfer-Encoding:\x0c" "chunked\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "te_fold", W(POST1 "Transfer-Encoding:\r\n chunked\r\n\r\n"), HTTP_R_OBS_FOLD },
	{ "te_leading_ws_line", W(POST1 " Transfer-Encoding: chunked\r\n\r\n"), HTTP_R_OBS_FOLD },
	{ "te_param", W(POST1 "Transfer-Encoding: chunked;q=1\r\n\r\n"), HTTP_R_TE_INVALID },
	{ "te_empty_elem", W(POST1 "Transfer-Encoding: ,chunked\r\n\r\n"), HTTP_R_TE_INVALID },
	{ "te_quoted", W(POST1 "Transfer-Encoding: \"chunked\"\r\n\r\n"), HTTP_R_TE_INVALID },
	{ "te_empty", W(POST1 "Transfer-Encoding:\r\n\r\n"), HTTP_R_TE_INVALID },
	{ "te_chunk_prefix", W(POST1 "Transfer-Encoding: chunk\r\n\r\n"), HTTP_R_TE_NOT_CHUNKED_FINAL },
	{ "te_upper_ok", W(POST1 "Transfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n"), HTTP_R_OK, { "flags=0xe" } },
	{ "te_trailing_vtab", W(POST1 "Transfer-Encoding: chunked\x0b\r\n\r\n"), HTTP_R_CTL_IN_VALUE },
	{ "te_nul_name", W(POST1 "Transfer-Encoding\0: chunked\r\n\r\n"), HTTP_R_BAD_HEADER_NAME },
	{ "te_lf_only_line", W(POST1 "Transfer-Encoding: chunked\n\r\n"), HTTP_R_BARE_LF },
	{ "te_cr_in_value", W(POST1 "X: a\rTransfer-Encoding: chunked\r\n\r\n"), HTTP_R_BARE_CR },
	{ "te_comma_space", W(POST1 "Transfer-Encoding: gzip ,chunked\r\n\r\n"), HTTP_R_TE_UNSUPPORTED },
	{ "cl_te_lowercase", W(POST1 "content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n"), HTTP_R_CL_AND_TE },
	{ "cl_leading_zero", W(POST1 "Content-Length: 005\r\n\r\nhello"), HTTP_R_OK, { "cl=5" } },
	{ "cl_tab", W(POST1 "Content-Length:\t5\t\r\n\r\nhello"), HTTP_R_OK, { "cl=5" } },
	{ "cl_nul", W(POST1 "Content-Length: 5\0\r\n\r\nhello"), HTTP_R_NUL_IN_VALUE },
	{ "te_http10", W("POST / HTTP/1.0\r\n" TE "\r\n0\r\n\r\n"), HTTP_R_TE_HTTP10 },
	{ "te_underscore", W(POST1 "Transfer_Encoding: chunked\r\nContent-Length: 1\r\n\r\nx"), HTTP_R_OK,
	  { "cl=1" } },
	{ "cl_plus", W(POST1 "Content-Length: +5\r\n\r\nhello"), HTTP_R_CL_INVALID },
	{ "cl_minus", W(POST1 "Content-Length: -1\r\n\r\n"), HTTP_R_CL_INVALID },
	{ "cl_list", W(POST1 "Content-Length: 5, 5\r\n\r\nhello"), HTTP_R_CL_LIST },
	{ "cl_dup_equal", W(POST1 "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"), HTTP_R_CL_DUPLICATE },
	{ "cl_dup_differ", W(POST1 "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"), HTTP_R_CL_DUPLICATE },
	{ "cl_alpha", W(POST1 "Content-Length: 5a\r\n\r\n"), HTTP_R_CL_INVALID },
	{ "cl_hex", W(POST1 "Content-Length: 0x5\r\n\r\n"), HTTP_R_CL_INVALID },
	{ "cl_space_inside", W(POST1 "Content-Length: 1 2\r\n\r\n"), HTTP_R_CL_INVALID },
	{ "cl_empty", W(POST1 "Content-Length:\r\n\r\n"), HTTP_R_CL_INVALID },
	{ "cl_overflow", W(POST1 "Content-Length: 99999999999999999999\r\n\r\n"), HTTP_R_CL_OVERFLOW },
	{ "cl_int64_max_plus", W(POST1 "Content-Length: 9223372036854775808\r\n\r\n"), HTTP_R_CL_OVERFLOW },

	/* ------------------------------------------------ chunked framing */
	{ "chunk_0x", W(POST1 TE "\r\n0x5\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_SIZE_INVALID },
	{ "chunk_sp_ext", W(POST1 TE "\r\n5 ;ext\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_tab", W(POST1 TE "\r\n5\t\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_ext_ws", W(POST1 TE "\r\n5; a=b\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_ext_noname", W(POST1 TE "\r\n5;=b\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_ext_open_quote", W(POST1 TE "\r\n5;a=\"b\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_ext_empty", W(POST1 TE "\r\n5;\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_INVALID },
	{ "chunk_ext_too_long", W(POST1 TE "\r\n5;aaaaaaaaaaaa\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_EXT_TOO_LONG,
	  {0}, lim_ext_8 },
	{ "chunk_minus", W(POST1 TE "\r\n-5\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_SIZE_INVALID },
	{ "chunk_empty", W(POST1 TE "\r\n\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_SIZE_INVALID },
	{ "chunk_nonhex", W(POST1 TE "\r\n5g\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_SIZE_INVALID },
	{ "chunk_overflow", W(POST1 TE "\r\n10000000000000005\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_SIZE_OVERFLOW },
	{ "chunk_huge", W(POST1 TE "\r\nffffffffffffffff\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_TOO_LARGE },
	{ "chunk_short_data", W(POST1 TE "\r\n5\r\nhelloXX\r\n0\r\n\r\n"), HTTP_R_CHUNK_CRLF_MISSING },
	{ "chunk_data_lf_only", W(POST1 TE "\r\n5\r\nhello\n0\r\n\r\n"), HTTP_R_CHUNK_CRLF_MISSING },
	{ "chunk_data_cr_only", W(POST1 TE "\r\n5\r\nhello\r0\r\n\r\n"), HTTP_R_CHUNK_CRLF_MISSING },
	{ "chunk_size_lf_only", W(POST1 TE "\r\n5\nhello\r\n0\r\n\r\n"), HTTP_R_BARE_LF },
	{ "chunk_size_bare_cr", W(POST1 TE "\r\n5\rhello\r\n0\r\n\r\n"), HTTP_R_BARE_CR },
	{ "chunk_last_lf_only", W(POST1 TE "\r\n0\n\n"), HTTP_R_BARE_LF },
	{ "chunk_end_lf_only", W(POST1 TE "\r\n0\r\n\n"), HTTP_R_BARE_LF },
	{ "trailer_refused", W(POST1 TE "\r\n0\r\nX-T: 1\r\n\r\n"), HTTP_R_TRAILER_REFUSED },
	{ "trailer_too_big", W(POST1 TE "\r\n0\r\nX-Trailer: 1\r\n\r\n"), HTTP_R_TRAILER_TOO_BIG, {0}, lim_trailers_8 },
	{ "trailer_fold", W(POST1 TE "\r\n0\r\n X: 1\r\n\r\n"), HTTP_R_BAD_TRAILER, {0}, lim_trailers },
	{ "trailer_ctl", W(POST1 TE "\r\n0\r\nX: \x01\r\n\r\n"), HTTP_R_BAD_TRAILER, {0}, lim_trailers },

	/* ------------------------------------------------ limits */
	{ "uri_too_long", W("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n" H "\r\n"), HTTP_R_URI_TOO_LONG,
	  {0}, lim_small_line },
	{ "line_just_fits", W("GET /aaaaaaaaaaaaaaa HTTP/1.1\r\n" H "\r\n"), HTTP_R_OK, {0}, lim_small_line },
	{ "too_many_headers", W(GET1 H "A: 1\r\nB: 2\r\nC: 3\r\n\r\n"), HTTP_R_HEADERS_TOO_MANY, {0}, lim_3_headers },
	{ "headers_just_fit", W(GET1 H "A: 1\r\nB: 2\r\n\r\n"), HTTP_R_OK, {0}, lim_3_headers },
	{ "headers_too_big", W(GET1 H "X-Long: 0123456789012345678901234567890123456789012345678901\r\n\r\n"),
	  HTTP_R_HEADERS_TOO_BIG, {0}, lim_64_hbytes },
	{ "body_too_large_cl", W(POST1 "Content-Length: 11\r\n\r\nhello world"), HTTP_R_BODY_TOO_LARGE, {0}, lim_body_10 },
	{ "body_fits_cl", W(POST1 "Content-Length: 10\r\n\r\nhelloworld"), HTTP_R_OK, {0}, lim_body_10 },
	{ "body_too_large_chunked", W(POST1 TE "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
	  HTTP_R_BODY_TOO_LARGE, { "hello" }, lim_body_10 },
	{ "chunk_too_large", W(POST1 TE "\r\n5\r\nhello\r\n0\r\n\r\n"), HTTP_R_CHUNK_TOO_LARGE, {0}, lim_chunk_4 },
	{ "args_too_many", W("GET /?a=1&b=2&c=3 HTTP/1.1\r\n" H "\r\n"), HTTP_R_ARGS_TOO_MANY, {0}, lim_args_2 },
	{ "cookies_too_many", W(GET1 H "Cookie: a=1; b=2; c=3\r\n\r\n"), HTTP_R_COOKIES_TOO_MANY, {0}, lim_cookies_2 },

	/* ------------------------------------------------ end of input */
	{ "truncated_head", W(GET1 H), HTTP_R_TRUNCATED },
	{ "truncated_body", W(POST1 "Content-Length: 10\r\n\r\nhello"), HTTP_R_TRUNCATED, { "hello" } },
	{ "truncated_chunked", W(POST1 TE "\r\n5\r\nhello\r\n"), HTTP_R_TRUNCATED },
	{ "truncated_second", W(GET1 H "\r\nGET /"), HTTP_R_TRUNCATED, {0}, NULL, 1 },
	{ "empty_input", W(""), HTTP_R_OK, {0}, NULL, (unsigned)-1 },
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static void case_limits(const struct tcase *c, struct http_limits *l)
{
	http_limits_default(l);
	if (c->lim)
		c->lim(l);
}

static void check_same(const struct tcase *c, const struct replay *whole,
		       const struct replay *r, const char *how)
{
	if (r->end != whole->end || r->len != whole->len ||
	    memcmp(r->text, whole->text, whole->len)) {
		print_error("case %s: %s run differs from whole run\n--- whole:\n%s\n--- %s:\n%s\n",
			    c->name, how, whole->text, how, r->text);
		fail();
	}
}

static unsigned long nruns;

static void run_case(const struct tcase *c, size_t len)
{
	struct http_limits lim;
	struct replay whole, r;
	size_t *cuts = malloc((len + 1) * sizeof(*cuts));
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ len;
	unsigned want_msgs;

	assert_non_null(cuts);
	case_limits(c, &lim);
	replay_run(&lim, c->wire, len, NULL, 0, &whole);
	nruns += 1 + 1 + (len ? len - 1 : 0) + 64;
	if (whole.end != c->want) {
		print_error("case %s: ended with %s, want %s\n%s\n", c->name,
			    http_reason_name(whole.end), http_reason_name(c->want), whole.text);
		fail();
	}
	want_msgs = c->messages == (unsigned)-1 ? 0 : c->messages ? c->messages :
		    c->want == HTTP_R_OK ? 1 : 0;
	if (whole.messages != want_msgs) {
		print_error("case %s: %u messages, want %u\n%s\n", c->name, whole.messages,
			    want_msgs, whole.text);
		fail();
	}
	for (unsigned i = 0; i < 8 && c->expect[i]; i++)
		if (!strstr(whole.text, c->expect[i])) {
			print_error("case %s: missing \"%s\" in\n%s\n", c->name, c->expect[i],
				    whole.text);
			fail();
		}
	/* one byte at a time */
	for (size_t i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	replay_run(&lim, c->wire, len, cuts, len ? len - 1 : 0, &r);
	check_same(c, &whole, &r, "1-byte");
	replay_free(&r);
	/* every two-way split */
	for (size_t at = 1; at < len; at++) {
		char how[32];

		cuts[0] = at;
		replay_run(&lim, c->wire, len, cuts, 1, &r);
		snprintf(how, sizeof(how), "split@%zu", at);
		check_same(c, &whole, &r, how);
		replay_free(&r);
	}
	/* random multi-way splits */
	for (unsigned k = 0; k < 64; k++) {
		size_t n = replay_random_cuts(&seed, len, cuts, len);

		replay_run(&lim, c->wire, len, cuts, n, &r);
		check_same(c, &whole, &r, "random");
		replay_free(&r);
	}
	replay_free(&whole);
	free(cuts);
}

static void test_cases(void **state)
{
	bool seen[HTTP_R__MAX] = { false };
	unsigned good = 0;

	(void)state;
	for (size_t i = 0; i < NCASES; i++) {
		run_case(&cases[i], cases[i].len);
		seen[cases[i].want] = true;
		good += cases[i].want == HTTP_R_OK;
	}
	/* every refusal the parser can give has at least one case */
	for (int i = 0; i < HTTP_R__MAX; i++)
		if (!seen[i]) {
			print_error("no case ends with %s\n", http_reason_name(i));
			fail();
		}
	printf("%zu cases (%u accepted, %zu refused), each replayed whole, 1 byte at a "
	       "time, at every 2-way split and at 64 random splits: %lu runs\n",
	       NCASES, good, NCASES - good, nruns);
}

/* Distinct reasons: every refusal in the table has a name, a status and
 * text, and the names are unique. */
static void test_reason_table(void **state)
{
	(void)state;
	for (int i = 0; i < HTTP_R__MAX; i++) {
		assert_non_null(http_reason_name(i));
		assert_true(strlen(http_reason_text(i)) > 0);
		if (i)
			assert_true(http_reason_status(i) >= 400 && http_reason_status(i) <= 505);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(http_reason_name(i), http_reason_name(j));
	}
	assert_int_equal(http_reason_status(HTTP_R_URI_TOO_LONG), 414);
	assert_int_equal(http_reason_status(HTTP_R_HEADERS_TOO_BIG), 431);
	assert_int_equal(http_reason_status(HTTP_R_BODY_TOO_LARGE), 413);
	assert_int_equal(http_reason_status(HTTP_R_TE_UNSUPPORTED), 501);
	assert_int_equal(http_reason_status(HTTP_R_VERSION_UNSUPPORTED), 505);
	assert_int_equal(http_reason_status(HTTP_R_CL_AND_TE), 400);
}

/* Zero copy: a request in one chunk is not copied; a header split across
 * chunks is contiguous; lookups; error position and window. */
static void test_views_and_errors(void **state)
{
	static const char wire[] = "GET /x?a=1 HTTP/1.1\r\nHost: h\r\nX-Long: abcdef\r\n"
				   "Cookie: s=1\r\n\r\n";
	struct http_limits lim;
	struct http_req *r;
	const struct http_hdr *h;
	char buf[256];
	int n;

	(void)state;
	http_limits_default(&lim);
	r = http_req_create(&lim);
	assert_non_null(r);
	n = http_parse(r, wire, sizeof(wire) - 1);
	assert_int_equal(n, sizeof(wire) - 1);
	assert_true(http_req_done(r));
	assert_int_equal(r->arena_used, 3 + 3);   /* decoded path "/x" and arg "a=1" only */
	h = http_req_header(r, "x-long", 6, 0);
	assert_non_null(h);
	assert_ptr_equal(h->value.p, wire + 38);
	assert_non_null(http_req_known(r, HTTP_H_COOKIE));
	assert_null(http_req_known(r, HTTP_H_CONTENT_LENGTH));
	assert_non_null(http_req_cookie(r, "s", 1));
	assert_non_null(http_req_arg(r, "a", 1));
	assert_null(http_req_arg(r, "b", 1));

	/* split inside "abcdef": the value is in the arena and contiguous */
	http_req_reset(r);
	assert_int_equal(http_parse(r, wire, 40), 0);
	assert_int_equal(http_parse(r, wire + 40, sizeof(wire) - 1 - 40), sizeof(wire) - 1 - 40);
	h = http_req_header(r, "x-long", 6, 0);
	assert_non_null(h);
	assert_int_equal(h->value.len, 6);
	assert_memory_equal(h->value.p, "abcdef", 6);
	assert_true(h->value.p >= r->arena && h->value.p < r->arena + r->arena_size);

	/* error position and the escaped window */
	http_req_reset(r);
	n = http_parse(r, "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01zzz\r\n\r\n", 36);
	assert_int_equal(n, -HTTP_R_CTL_IN_VALUE);
	assert_int_equal(r->err_pos, 29);
	assert_string_equal(http_state_name(r->err_state), "hdr_value");
	http_req_err_format(r, buf, sizeof(buf));
	assert_string_equal(buf, " a\\x0d\\x0aX: a>\\x01<zzz\\x0d\\x0a\\x0d");  /* 8 back */
	/* a refused request stays refused */
	assert_int_equal(http_parse(r, "x", 1), -HTTP_R_CTL_IN_VALUE);
	assert_int_equal(http_req_eof(r), -HTTP_R_CTL_IN_VALUE);
	http_req_destroy(r);
}

/* The separate head/body entry points and the limit hooks. */
static void test_head_then_body(void **state)
{
	static const char wire[] = "PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbodyGET";
	struct http_limits lim;
	struct http_req *r;
	int n;

	(void)state;
	http_limits_default(&lim);
	r = http_req_create(&lim);
	assert_non_null(r);
	n = http_parse_head(r, wire, sizeof(wire) - 1);
	assert_int_equal(n, sizeof(wire) - 1 - 7);
	assert_true(http_req_head_done(r));
	assert_true(http_req_has_body(r));
	assert_int_equal(http_parse_body(r, wire + n, 2), 0);
	assert_int_equal(http_parse_body(r, wire + n + 2, 5), 2);
	assert_true(http_req_done(r));
	assert_int_equal(r->body_bytes, 4);
	assert_int_equal(http_limit_body(r, 1u << 21), HTTP_R_BODY_TOO_LARGE);
	assert_int_equal(r->err_value, 1u << 21);
	assert_int_equal(r->err_limit, 1u << 20);
	http_req_destroy(r);
	/* hard caps apply when a sizing limit is 0 */
	memset(&lim, 0, sizeof(lim));
	r = http_req_create(&lim);
	assert_non_null(r);
	assert_int_equal(r->lim.header_count, HTTP_HARD_HEADER_COUNT);
	assert_int_equal(r->lim.body, 0);
	http_req_destroy(r);
}

static void test_norm_functions(void **state)
{
	char b[64];
	uint32_t f = 0;
	size_t n;

	(void)state;
	strcpy(b, "/a/b/c/./../../g");
	n = http_path_clean(b, strlen(b), &f);
	assert_int_equal(n, 4);
	assert_memory_equal(b, "/a/g", 4);             /* RFC 3986 5.4.2 */
	strcpy(b, "/mid/content=5/../6");
	f = 0;
	n = http_path_clean(b, strlen(b), &f);
	assert_memory_equal(b, "/mid/6", n);
	assert_int_equal(n, 6);
	f = 0;
	n = http_pct_decode("a+b%20c%", 8, b, true, &f);
	assert_memory_equal(b, "a b c%", n);
	assert_int_equal(f, HTTP_NF_BAD_ESCAPE);
	f = 0;
	n = http_pct_decode("%f0%9f%98%80", 12, b, false, &f);   /* U+1F600 */
	assert_int_equal(n, 4);
	assert_int_equal(f, 0);
	f = 0;
	http_pct_decode("%f0%80%80%af", 12, b, false, &f);       /* overlong '/' */
	assert_int_equal(f, HTTP_NF_OVERLONG_UTF8);
	f = 0;
	http_pct_decode("%c3", 3, b, false, &f);                 /* truncated */
	assert_int_equal(f, HTTP_NF_BAD_UTF8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_reason_table),
		cmocka_unit_test(test_views_and_errors),
		cmocka_unit_test(test_head_then_body),
		cmocka_unit_test(test_norm_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
