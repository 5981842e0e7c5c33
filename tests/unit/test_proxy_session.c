/* SPDX-License-Identifier: Proprietary
 * HTTP sessions through a real worker pass (ring ports, the TCP stack,
 * time driven by tcp_clock_set): 404/405 answers with their counters, a
 * routed request whose upstream never answers the SYN (504 at
 * upstream-connect-ms),
 * keep-alive and pipelining in order, parser refusals answered with their
 * status and closed, header-read (slowloris), body-idle and keep-alive
 * timeouts, the bounded session pool, bodies across segments.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "h_tcp.h"
#include "proxy/proxy.h"

static const char *config =
	"{\"schema\":1,"
	" \"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
	"            {\"port\":1,\"addresses\":[\"10.0.1.1/24\"]}],"
	" \"tcp\":{\"receive-buffer\":65536,\"send-buffer\":65536,\"time-wait-ms\":100},"
	" \"http\":{\"max-sessions-per-worker\":3,"
	"          \"limits\":{\"request-line\":256,\"header-count\":8,\"header-bytes\":512,\"body\":1000,\"chunk\":500},"
	"          \"timeouts\":{\"header-read-ms\":1000,\"body-idle-ms\":800,\"keepalive-idle-ms\":3000,\"upstream-connect-ms\":100}},"
	" \"listeners\":[{\"name\":\"web\",\"port\":80}],"
	" \"upstreams\":[{\"name\":\"pool\",\"servers\":[{\"address\":\"10.0.1.2\",\"port\":8080}]}],"
	" \"routes\":[{\"name\":\"api\",\"listener\":\"web\",\"host\":\"api.test\",\"path-prefix\":\"/api\","
	"              \"methods\":[\"GET\",\"POST\"],\"upstream\":\"pool\"}]}";

/* What came back on a connection. */
struct reply {
	char data[16384];
	size_t len;
	bool fin, rst;
};

/* Collect every segment sent since the last call; ACK the data. */
static void
collect(struct h_peer *p, struct reply *r)
{
	struct h_seg seg;
	bool got = false;

	while (h_tcp_take(&seg)) {
		if (seg.dport != p->sport)
			continue;
		assert_true(r->len + seg.len < sizeof(r->data));
		memcpy(r->data + r->len, seg.data, seg.len);
		r->len += seg.len;
		p->ack = seg.seq + seg.len;
		if (seg.flags & TH_FIN) {
			r->fin = true;
			p->ack++;
		}
		if (seg.flags & TH_RST)
			r->rst = true;
		got = true;
	}
	r->data[r->len] = '\0';
	if (got && !r->rst)
		h_tcp_send(p, TH_ACK, NULL, 0);
}

static void
connect_peer(struct h_peer *p)
{
	struct reply r = { .len = 0 };

	h_tcp_open(p, 80, 1000, NULL, 0, NULL);
	collect(p, &r);
	assert_int_equal(r.len, 0);
}

static void
request(struct h_peer *p, const char *req, struct reply *r)
{
	memset(r, 0, sizeof(*r));
	h_tcp_send(p, TH_ACK | TH_PSH, req, strlen(req));
	collect(p, r);
}

static unsigned
count_str(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *s = hay; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return n;
}

static void
finish(struct h_peer *p)
{
	struct reply r = { .len = 0 };

	h_tcp_send(p, TH_ACK | TH_FIN, NULL, 0);
	collect(p, &r);
	h_tcp_advance(200);
	h_tx_count(0);
}

static int
setup(void **state)
{
	(void)state;
	h_tcp_setup(config);
	h_tcp_advance(1);
	h_reset();
	assert_int_equal(proxy_sessions(dp.workers[0]), 0);
	return 0;
}

static void
test_not_found_method_and_routed(void **state)
{
	struct h_peer p;
	struct reply r;

	(void)state;
	connect_peer(&p);
	assert_int_equal(proxy_sessions(dp.workers[0]), 1);
	request(&p, "GET /nope HTTP/1.1\r\nHost: api.test\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 404 Not Found\r\n"));
	assert_non_null(strstr(r.data, "X-Request-Id: "));
	assert_non_null(strstr(r.data, "\r\n\r\n404 Not Found\n"));
	assert_null(strstr(r.data, "Connection: close"));
	assert_false(r.fin);
	assert_int_equal(h_cnt(CNT_HTTP_ROUTE_NOT_FOUND), 1);
	assert_int_equal(dp.workers[0]->proxy->lstats[0].not_found, 1);

	request(&p, "DELETE /api/x HTTP/1.1\r\nHost: api.test\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(r.data, "Allow: GET, POST\r\n"));
	assert_int_equal(h_cnt(CNT_HTTP_METHOD_NOT_ALLOWED), 1);

	/* Routed: the upstream (10.0.1.2, no neighbour) never answers. */
	request(&p, "GET /api/x HTTP/1.1\r\nHost: API.test:80\r\n\r\n", &r);
	assert_int_equal(r.len, 0);
	assert_int_equal(h_cnt(CNT_HTTP_FORWARDED), 1);
	h_tcp_advance(99);
	memset(&r, 0, sizeof(r));
	collect(&p, &r);
	assert_int_equal(r.len, 0);
	h_tcp_advance(2);
	memset(&r, 0, sizeof(r));
	collect(&p, &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 504 Gateway Timeout\r\n"));
	assert_false(r.fin);
	assert_int_equal(h_cnt(CNT_HTTP_UP_CONNECT_TIMEOUT), 1);

	/* HEAD: Content-Length announced, no body. */
	request(&p, "HEAD /nope HTTP/1.1\r\nHost: api.test\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "Content-Length: 14\r\n"));
	assert_int_equal(r.data[r.len - 1], '\n');
	assert_non_null(strstr(r.data, "\r\n\r\n"));
	assert_int_equal(strlen(strstr(r.data, "\r\n\r\n")), 4);
	assert_int_equal(h_cnt(CNT_HTTP_REQUESTS), 4);
	assert_int_equal(h_cnt(CNT_HTTP_KEEPALIVE_REUSED), 3);

	/* Connection: close is honoured. */
	request(&p, "GET /nope HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "Connection: close\r\n"));
	assert_true(r.fin);
	finish(&p);
	assert_int_equal(proxy_sessions(dp.workers[0]), 0);
}

static void
test_pipelined_in_order(void **state)
{
	struct h_peer p;
	struct reply r;
	const char *a, *b, *c;

	(void)state;
	connect_peer(&p);
	request(&p, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"
		    "PUT /api/2 HTTP/1.1\r\nHost: api.test\r\nContent-Length: 5\r\n\r\nhello"
		    "POST /api/3 HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n"
		    "3\r\nabc\r\n0\r\n\r\n", &r);
	h_tcp_advance(101);   /* the routed one: 504 when its connect times out */
	collect(&p, &r);
	a = strstr(r.data, "HTTP/1.1 404");
	b = strstr(r.data, "HTTP/1.1 405");
	c = strstr(r.data, "HTTP/1.1 504");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	assert_int_equal(count_str(r.data, "HTTP/1.1 "), 3);
	assert_int_equal(h_cnt(CNT_HTTP_PIPELINED), 2);
	/* Ids differ and end with the per-worker sequence. */
	assert_int_equal(count_str(r.data, "X-Request-Id: "), 3);
	/* Its body never left (no upstream): it was read and dropped, and the
	 * connection goes on. */
	assert_null(strstr(c, "Connection: close\r\n"));
	assert_false(r.fin);
	finish(&p);
}

static void
test_body_across_segments(void **state)
{
	struct h_peer p;
	struct reply r;

	(void)state;
	connect_peer(&p);
	request(&p, "POST /upload HTTP/1.1\r\nHost: api.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", &r);
	assert_int_equal(r.len, 0);
	request(&p, "cde\r\n", &r);
	assert_int_equal(r.len, 0);
	request(&p, "0\r\n\r\nGET /z HTTP/1.1\r\nHo", &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 404"));
	request(&p, "st: a\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 404"));
	finish(&p);
}

/* Each malformed request: refused with its status, then FIN. */
static void
test_refusals(void **state)
{
	static const struct { const char *req; const char *status; enum cnt_id cnt; } cases[] = {
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "400", CNT_HTTP_PARSE_400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "GET / HTTP/1.1\nHost: a\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "GET / HTTP/1.1\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400", CNT_HTTP_PARSE_400 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501", CNT_HTTP_PARSE_501 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "505", CNT_HTTP_PARSE_505 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n", "413", CNT_HTTP_PARSE_413 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n", "413", CNT_HTTP_PARSE_413 },
		{ "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n", "414", CNT_HTTP_PARSE_414 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\n\r\n", "431", CNT_HTTP_PARSE_431 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[32];
		struct h_peer p;
		struct reply r;

		h_reset();
		connect_peer(&p);
		request(&p, cases[i].req, &r);
		snprintf(want, sizeof(want), "HTTP/1.1 %s ", cases[i].status);
		if (strncmp(r.data, want, strlen(want)) != 0)
			fail_msg("case %zu: got '%.40s', want %s", i, r.data, want);
		assert_non_null(strstr(r.data, "Connection: close\r\n"));
		assert_true(r.fin);
		assert_int_equal(h_cnt(cases[i].cnt), 1);
		finish(&p);
	}
	assert_int_equal(proxy_sessions(dp.workers[0]), 0);
}

static void
test_timeouts(void **state)
{
	struct h_peer slow, idle, post;
	struct reply r;

	(void)state;
	/* Slowloris: a head that never ends gets 408 at header-read-ms. */
	connect_peer(&slow);
	request(&slow, "GET / HTTP/1.1\r\n", &r);
	h_tcp_advance(500);
	request(&slow, "X-A: 1\r\n", &r);       /* more bytes do not extend it */
	assert_int_equal(r.len, 0);
	h_tcp_advance(400);
	memset(&r, 0, sizeof(r));
	collect(&slow, &r);
	assert_int_equal(r.len, 0);
	h_tcp_advance(101);
	memset(&r, 0, sizeof(r));
	collect(&slow, &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 408 Request Timeout\r\n"));
	assert_true(r.fin);
	assert_int_equal(h_cnt(CNT_HTTP_TIMEOUT_HEADER), 1);
	finish(&slow);

	/* Slow POST: body-idle-ms between body bytes. */
	connect_peer(&post);
	request(&post, "POST /upload HTTP/1.1\r\nHost: api.test\r\nContent-Length: 10\r\n\r\nab", &r);
	h_tcp_advance(700);
	request(&post, "cd", &r);                  /* progress restarts the timer */
	h_tcp_advance(700);
	memset(&r, 0, sizeof(r));
	collect(&post, &r);
	assert_int_equal(r.len, 0);
	h_tcp_advance(101);
	memset(&r, 0, sizeof(r));
	collect(&post, &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 408"));
	assert_int_equal(h_cnt(CNT_HTTP_TIMEOUT_BODY), 1);
	finish(&post);

	/* Keep-alive idle: closed without an answer. */
	connect_peer(&idle);
	request(&idle, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r);
	assert_non_null(strstr(r.data, "HTTP/1.1 404"));
	h_tcp_advance(2999);
	memset(&r, 0, sizeof(r));
	collect(&idle, &r);
	assert_false(r.fin);
	h_tcp_advance(2);
	memset(&r, 0, sizeof(r));
	collect(&idle, &r);
	assert_true(r.fin);
	assert_int_equal(r.len, 0);
	assert_int_equal(h_cnt(CNT_HTTP_TIMEOUT_KEEPALIVE), 1);
	finish(&idle);
	assert_int_equal(proxy_sessions(dp.workers[0]), 0);
}

static void
test_session_pool_bounded(void **state)
{
	struct h_peer p[4];
	struct reply r;

	(void)state;
	for (int i = 0; i < 3; i++)
		connect_peer(&p[i]);
	assert_int_equal(proxy_sessions(dp.workers[0]), 3);
	/* The fourth is answered 503 and closed right after the handshake. */
	{
		h_tcp_open(&p[3], 80, 1000, NULL, 0, NULL);
		memset(&r, 0, sizeof(r));
		collect(&p[3], &r);
		assert_non_null(strstr(r.data, "HTTP/1.1 503 Service Unavailable\r\n"));
		assert_true(r.fin);
		assert_int_equal(h_cnt(CNT_HTTP_REFUSED_NO_SESSION), 1);
		finish(&p[3]);
	}
	for (int i = 0; i < 3; i++)
		finish(&p[i]);
	assert_int_equal(proxy_sessions(dp.workers[0]), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_not_found_method_and_routed, setup),
		cmocka_unit_test_setup(test_pipelined_in_order, setup),
		cmocka_unit_test_setup(test_body_across_segments, setup),
		cmocka_unit_test_setup(test_refusals, setup),
		cmocka_unit_test_setup(test_timeouts, setup),
		cmocka_unit_test_setup(test_session_pool_bounded, setup),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	/* The harness never runs dp_fini: free the sessions' contexts (plain
	 * malloc, which LeakSanitizer watches). */
	proxy_worker_fini(dp.workers[0]);
	return rc;
}
