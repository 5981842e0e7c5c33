/* SPDX-License-Identifier: Proprietary
 * The upstream side without I/O (proxy/upstream.c): weighted round robin
 * and least connections, the forwarded request head and its header
 * hygiene, response head parsing (framing, refusals) and rewriting, and
 * the chunked-body scanner at every split.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "http/http.h"
#include "proxy/upstream.h"

static void
test_pick(void **state)
{
	struct cfg_upstream u = { .nservers = 3, .balance = CFG_BALANCE_ROUND_ROBIN };
	struct upstream_state st;
	unsigned hits[3] = { 0 }, seq[7];

	(void)state;
	memset(&st, 0, sizeof(st));
	u.server[0].weight = 5;
	u.server[1].weight = 1;
	u.server[2].weight = 1;
	for (int i = 0; i < 7; i++)
		hits[seq[i] = upstream_pick(&st, &u, UINT32_MAX)]++;
	assert_int_equal(hits[0], 5);
	assert_int_equal(hits[1], 1);
	assert_int_equal(hits[2], 1);
	/* Smooth: the heavy server is not picked five times in a row. */
	assert_int_equal(seq[0], 0);
	assert_true(seq[1] != 0 || seq[2] != 0 || seq[3] != 0);

	u.balance = CFG_BALANCE_LEAST_CONN;
	memset(&st, 0, sizeof(st));
	u.server[0].weight = 2;
	st.active[0] = 3;    /* 1.5 per weight */
	st.active[1] = 1;
	st.active[2] = 2;
	assert_int_equal(upstream_pick(&st, &u, UINT32_MAX), 1);
	st.active[1] = 4;
	assert_int_equal(upstream_pick(&st, &u, UINT32_MAX), 0);
	/* Ties rotate. */
	memset(st.active, 0, sizeof(st.active));
	{
		unsigned a = upstream_pick(&st, &u, UINT32_MAX), b = upstream_pick(&st, &u, UINT32_MAX);

		assert_true(a != b);
	}
	/* Only usable servers are chosen; none usable: -1. */
	st.active[1] = 0;
	st.active[0] = st.active[2] = 9;
	assert_int_equal(upstream_pick(&st, &u, 1u << 2 | 1u << 0), 0);
	assert_int_equal(upstream_pick(&st, &u, 0), -1);
	assert_int_equal(upstream_pick(&st, &u, 1u << 5), -1);   /* beyond nservers */
	u.balance = CFG_BALANCE_ROUND_ROBIN;
	memset(&st, 0, sizeof(st));
	memset(hits, 0, sizeof(hits));
	for (int i = 0; i < 12; i++) {
		int k = upstream_pick(&st, &u, 1u << 1 | 1u << 2);

		assert_true(k == 1 || k == 2);
		hits[k]++;
	}
	assert_int_equal(hits[1], 6);   /* equal weights share evenly */
	assert_int_equal(hits[2], 6);
	/* A server back in the set gets its share again. */
	memset(hits, 0, sizeof(hits));
	for (int i = 0; i < 8; i++)
		hits[upstream_pick(&st, &u, UINT32_MAX)]++;
	assert_int_equal(hits[0], 4);   /* weight 2 of 4 */
}

static struct http_req *
parse_req(const char *text)
{
	struct http_limits lim;
	struct http_req *req;

	http_limits_default(&lim);
	req = http_req_create(&lim);
	assert_non_null(req);
	assert_true(http_parse(req, text, strlen(text)) > 0);
	return req;
}

static void
test_request_head(void **state)
{
	const char *text =
		"GET http://api.test/v1/x?y=1 HTTP/1.1\r\n"
		"Host: api.test\r\n"
		"Connection: keep-alive, X-Hop\r\n"
		"X-Hop: secret\r\n"
		"Keep-Alive: timeout=5\r\n"
		"X-Forwarded-For: 6.6.6.6\r\n"
		"Forwarded: for=6.6.6.6\r\n"
		"X-Request-Id: spoofed\r\n"
		"TE: trailers\r\n"
		"Upgrade: h2c\r\n"
		"Proxy-Authorization: Basic x\r\n"
		"Accept: */*\r\n"
		"\r\n";
	struct http_req *req = parse_req(text);
	uint8_t v4[4] = { 10, 10, 1, 2 }, v6[16] = { 0xfd, 0, 0, 0x10, 0, 1, [15] = 2 };
	struct fwd_info fi = { AF_INET, v4, "0123abcd-00-000000000001", true };
	char buf[1024];
	size_t n = upstream_request_head(buf, sizeof(buf), req, &fi);

	(void)state;
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf,
		"GET /v1/x?y=1 HTTP/1.1\r\n"
		"Host: api.test\r\n"
		"Accept: */*\r\n"
		"X-Forwarded-For: 10.10.1.2\r\n"
		"Forwarded: for=10.10.1.2;proto=http\r\n"
		"X-Request-Id: 0123abcd-00-000000000001\r\n"
		"Connection: close\r\n"
		"\r\n");
	fi.family = AF_INET6;
	fi.client = v6;
	n = upstream_request_head(buf, sizeof(buf), req, &fi);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "Forwarded: for=\"[fd00:10:1::2]\";proto=http\r\n"));
	/* Toward a pooled connection: no Connection field at all. */
	fi.close = false;
	n = upstream_request_head(buf, sizeof(buf), req, &fi);
	buf[n] = '\0';
	assert_null(strstr(buf, "Connection"));
	assert_non_null(strstr(buf, "X-Request-Id: 0123abcd-00-000000000001\r\n\r\n"));
	/* Too small a buffer: 0, never a truncated head. */
	assert_int_equal(upstream_request_head(buf, 40, req, &fi), 0);
	http_req_destroy(req);
	/* Connection cannot nominate the framing or Host away (a desync). */
	req = parse_req("POST /x HTTP/1.1\r\nHost: a\r\nConnection: Content-Length, Host, X\r\n"
			"X: 1\r\nContent-Length: 2\r\n\r\nab");
	n = upstream_request_head(buf, sizeof(buf), req, &fi);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nContent-Length: 2\r\n"));
	assert_non_null(strstr(buf, "\r\nHost: a\r\n"));
	assert_null(strstr(buf, "\r\nX: 1"));
	http_req_destroy(req);
}

static void
test_response_head(void **state)
{
	static const struct { const char *head; bool head_req; int framing; int ok; } cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, UPF_LENGTH, 1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", false, UPF_CHUNKED, 1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", false, UPF_CLOSE, 1 },
		{ "HTTP/1.0 200 OK\r\n\r\n", false, UPF_CLOSE, 1 },
		{ "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, UPF_NONE, 1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, UPF_NONE, 1 },
		{ "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, UPF_LENGTH, 1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nX : a\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\nX: a\r\n\r\n", false, 0, -1 },
		{ "HTTP/2 200 OK\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 99 OK\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", false, 0, 0 },
		/* As strict as the request parser. */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", false, UPF_CHUNKED, 1 },
		{ "HTTP/1.1 200 OK\r\n: a\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\r\nX\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 OK\rX: a\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 200 O\x7fK\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1 2000 OK\r\n\r\n", false, 0, -1 },
		{ "HTTP/1.1  200 OK\r\n\r\n", false, 0, -1 },
	};
	struct up_resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].head);
		int rc = upstream_resp_parse(&r, cases[i].head, len, cases[i].head_req);

		if ((cases[i].ok > 0 && rc != (int)len) ||
		    (cases[i].ok < 0 && rc >= 0) || (cases[i].ok == 0 && rc != 0))
			fail_msg("case %zu: rc %d", i, rc);
		if (cases[i].ok > 0 && r.framing != cases[i].framing)
			fail_msg("case %zu: framing %d, want %d", i, r.framing, cases[i].framing);
	}
	{
		static const char nul[] = "HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n";

		assert_true(upstream_resp_parse(&r, nul, sizeof(nul) - 1, false) < 0);
	}
}

static void
test_response_rewrite(void **state)
{
	const char *head = "HTTP/1.1 201 Created\r\n"
			   "Server: nginx/1.22\r\n"
			   "Content-Type: application/json\r\n"
			   "X-Powered-By: PHP/8\r\n"
			   "Connection: keep-alive, X-Internal\r\n"
			   "X-Internal: 1\r\n"
			   "X-Request-Id: theirs\r\n"
			   "Content-Length: 2\r\n"
			   "\r\n";
	struct up_resp r;
	char buf[512];
	size_t n;

	(void)state;
	assert_int_equal(upstream_resp_parse(&r, head, strlen(head), false), (int)strlen(head));
	assert_int_equal(r.status, 201);
	assert_int_equal(r.length, 2);
	n = upstream_resp_rewrite(buf, sizeof(buf), head, &r, "ours", true);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 201 Created\r\n"
				 "Content-Type: application/json\r\n"
				 "Content-Length: 2\r\n"
				 "X-Request-Id: ours\r\n"
				 "Connection: close\r\n"
				 "\r\n");
	head = "HTTP/1.1 200 OK\r\nConnection: Content-Length, Transfer-Encoding\r\n"
	       "Content-Length: 2\r\n\r\n";
	assert_int_equal(upstream_resp_parse(&r, head, strlen(head), false), (int)strlen(head));
	n = upstream_resp_rewrite(buf, sizeof(buf), head, &r, "ours", false);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\r\nContent-Length: 2\r\n"));
}

static void
test_chunk_scan_every_split(void **state)
{
	const char *body = "5;ext=1\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\n";
	const char *after = "NEXT";
	char wire[256];
	size_t blen = strlen(body), len;

	(void)state;
	snprintf(wire, sizeof(wire), "%s%s", body, after);
	len = strlen(wire);
	for (size_t cut = 0; cut <= len; cut++) {
		struct chunk_scan cs;
		bool done = false;
		long a, b = 0;

		memset(&cs, 0, sizeof(cs));
		a = chunk_scan(&cs, wire, cut, &done);
		assert_true(a >= 0);
		if (!done) {
			b = chunk_scan(&cs, wire + a, len - (size_t)a, &done);
			assert_true(b >= 0);
		}
		assert_true(done);
		assert_int_equal((size_t)(a + b), blen);
	}
	{
		static const char *const bad[] = { "x\r\n", "5\r\nhelloXX", "5\nhello\r\n",
						   "12345678901234567\r\n", "0\r\nX\n",
						   /* extensions and trailers as strict as requests */
						   "5 x\r\n", "5;a\x01\r\n", "5 \n", ";\r\n",
						   "0\r\nX : a\r\n", "0\r\n a: b\r\n", "0\r\nX\r\n",
						   "0\r\nX: a\x7f\r\n", "0\r\n:a\r\n", "-1\r\n" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct chunk_scan cs;
			bool done;

			memset(&cs, 0, sizeof(cs));
			if (chunk_scan(&cs, bad[i], strlen(bad[i]), &done) >= 0)
				fail_msg("bad chunked %zu accepted", i);
		}
	}
	{
		/* Good: BWS before ';', quoted extension, several trailers. */
		const char *good = "5 ;a=\"b c\"\r\nhello\r\n0\r\nA: 1\r\nB:\r\n\r\n";
		struct chunk_scan cs;
		bool done;

		memset(&cs, 0, sizeof(cs));
		assert_int_equal(chunk_scan(&cs, good, strlen(good), &done), (long)strlen(good));
		assert_true(done);
	}
	{
		/* More than CHUNK_TRAILERS_MAX trailer fields: refused. */
		char many[CHUNK_TRAILERS_MAX * 6 + 16];
		size_t n = (size_t)snprintf(many, sizeof(many), "0\r\n");
		struct chunk_scan cs;
		bool done;

		for (int i = 0; i <= CHUNK_TRAILERS_MAX; i++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "A: 1\r\n");
		memset(&cs, 0, sizeof(cs));
		assert_true(chunk_scan(&cs, many, n, &done) < 0);
	}
}

static void
test_response_keepalive(void **state)
{
	static const struct { const char *head; bool keep; } cases[] = {
		{ "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", true },
		{ "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n", false },
		{ "HTTP/1.1 200 OK\r\nConnection: X, Close\r\nContent-Length: 1\r\n\r\n", false },
		{ "HTTP/1.1 200 OK\r\n\r\n", false },              /* delimited by the close */
		{ "HTTP/1.1 204 No Content\r\n\r\n", true },
		{ "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false },
		{ "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", true },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", true },
	};
	struct up_resp r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(upstream_resp_parse(&r, cases[i].head, strlen(cases[i].head), false) > 0);
		if (upstream_resp_keepalive(&r) != cases[i].keep)
			fail_msg("case %zu: keep-alive %d", i, !cases[i].keep);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_request_head),
		cmocka_unit_test(test_response_head),
		cmocka_unit_test(test_response_rewrite),
		cmocka_unit_test(test_chunk_scan_every_split),
		cmocka_unit_test(test_response_keepalive),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
