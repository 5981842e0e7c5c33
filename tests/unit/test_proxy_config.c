/* SPDX-License-Identifier: Proprietary
 * The proxy's configuration (config_proxy.c) and its compiled routes
 * (proxy/route.c): a good document with its defaults, one bad field at a
 * time refused with its JSON pointer, and route lookups by host (exact,
 * wildcard, any), longest prefix on segment boundaries and method.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "config/config.h"
#include "http/http_types.h"
#include "proxy/route.h"

static struct snapshot *
parse(const char *text, struct config_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	struct snapshot *s;

	if (doc == NULL)
		fail_msg("test document does not parse: %s: %s", jerr.text, text);
	s = config_parse(doc, 2, err);
	json_decref(doc);
	return s;
}

#define UPSTREAMS \
	"\"upstreams\":[{\"name\":\"pool\",\"servers\":[{\"address\":\"10.10.2.2\",\"port\":8000}," \
	"{\"address\":\"fd00::2\",\"port\":8001,\"weight\":3}],\"balance\":\"least-connections\"," \
	"\"health-check\":{\"path\":\"/health\",\"interval-ms\":1000,\"rise\":1,\"fall\":2," \
	"\"expected-status\":204},\"ejection\":{\"consecutive-failures\":7,\"period-ms\":900}," \
	"\"pass-error-bodies\":true," \
	"\"keepalive\":{\"max-idle\":4,\"idle-timeout-ms\":5000,\"max-requests\":50}},{\"name\":\"other\"," \
	"\"servers\":[{\"address\":\"10.10.2.3\",\"port\":80}]}]"

static const char *good =
	"{\"schema\":1,\"ports\":[],"
	"\"http\":{\"max-sessions-per-worker\":64,\"access-log\":\"/var/log/rampart/access.log\",\"limits\":{\"request-line\":1024,"
	"\"header-count\":20,\"header-bytes\":4096,\"body\":65536,\"chunk\":4096},"
	"\"timeouts\":{\"header-read-ms\":2000,\"body-idle-ms\":3000,\"keepalive-idle-ms\":4000,"
	"\"upstream-connect-ms\":500,\"upstream-response-ms\":6000}},"
	"\"listeners\":[{\"name\":\"web\",\"port\":80},{\"name\":\"admin\",\"port\":8080,\"address\":\"10.10.1.1\"},"
	"{\"name\":\"wide\",\"port\":8080}],"
	UPSTREAMS ","
	"\"routes\":["
	"{\"name\":\"any-root\",\"listener\":\"web\",\"upstream\":\"other\"},"
	"{\"name\":\"api-read\",\"listener\":\"web\",\"host\":\"API.example.com\",\"path-prefix\":\"/api\",\"methods\":[\"GET\",\"HEAD\"],\"upstream\":\"pool\"},"
	"{\"name\":\"api-write\",\"listener\":\"web\",\"host\":\"api.example.com\",\"path-prefix\":\"/api\",\"methods\":[\"POST\"],\"upstream\":\"pool\"},"
	"{\"name\":\"api-v2\",\"listener\":\"web\",\"host\":\"api.example.com\",\"path-prefix\":\"/api/v2/\",\"upstream\":\"other\"},"
	"{\"name\":\"wild\",\"listener\":\"web\",\"host\":\"*.example.com\",\"path-prefix\":\"/api\",\"upstream\":\"other\"},"
	"{\"name\":\"wild-sub\",\"listener\":\"web\",\"host\":\"*.eu.example.com\",\"path-prefix\":\"/\",\"upstream\":\"other\"},"
	"{\"name\":\"any-shop\",\"listener\":\"web\",\"host\":\"*\",\"path-prefix\":\"/shop\",\"upstream\":\"pool\"},"
	"{\"name\":\"adm\",\"listener\":\"admin\",\"path-prefix\":\"/\",\"upstream\":\"pool\"}]}";

static void
test_good_document_and_defaults(void **state)
{
	struct config_error err;
	struct snapshot *s = parse(good, &err);
	const struct cfg_proxy *px;

	(void)state;
	if (s == NULL)
		fail_msg("%s: %s", err.path, err.message);
	px = &s->proxy;
	assert_int_equal(px->http.max_sessions, 64);
	assert_int_equal(px->http.request_line, 1024);
	assert_int_equal(px->http.header_count, 20);
	assert_int_equal(px->http.body, 65536);
	assert_int_equal(px->http.header_read_ms, 2000);
	assert_int_equal(px->http.upstream_response_ms, 6000);
	assert_string_equal(px->http.access_log, "/var/log/rampart/access.log");
	assert_int_equal(px->nlisteners, 3);
	assert_int_equal(px->listener[1].family, AF_INET);
	assert_int_equal(px->listener[0].family, 0);
	assert_int_equal(px->nupstreams, 2);
	assert_int_equal(px->upstream[0].nservers, 2);
	assert_int_equal(px->upstream[0].server[1].family, AF_INET6);
	assert_int_equal(px->upstream[0].server[1].weight, 3);
	assert_int_equal(px->upstream[0].server[0].weight, 1);
	assert_int_equal(px->upstream[0].balance, CFG_BALANCE_LEAST_CONN);
	assert_true(px->upstream[0].hc_enabled);
	assert_string_equal(px->upstream[0].hc_path, "/health");
	assert_int_equal(px->upstream[0].hc_fall, 2);
	assert_int_equal(px->upstream[0].ka_max_idle, 4);
	assert_int_equal(px->upstream[0].ka_max_requests, 50);
	assert_int_equal(px->upstream[0].hc_status, 204);
	assert_int_equal(px->upstream[0].ej_failures, 7);
	assert_int_equal(px->upstream[0].ej_period_ms, 900);
	assert_true(px->upstream[0].pass_5xx_body);
	assert_int_equal(px->upstream[1].balance, CFG_BALANCE_ROUND_ROBIN);
	assert_false(px->upstream[1].hc_enabled);
	assert_int_equal(px->upstream[1].ka_max_idle, 16);
	assert_int_equal(px->upstream[1].ka_max_requests, 1000);
	assert_int_equal(px->upstream[1].ej_failures, 5);
	assert_int_equal(px->upstream[1].ej_period_ms, 10000);
	assert_false(px->upstream[1].pass_5xx_body);
	assert_int_equal(px->nroutes, 8);
	assert_string_equal(px->route[1].host, "api.example.com");   /* lowercased */
	assert_int_equal(px->route[4].host_kind, CFG_HOST_WILDCARD);
	assert_string_equal(px->route[4].host, ".example.com");
	assert_int_equal(px->order[0].n, 7);
	assert_int_equal(px->order[1].n, 1);
	snapshot_free(s);

	/* Defaults without any proxy member. */
	s = parse("{\"schema\":1,\"ports\":[]}", &err);
	assert_non_null(s);
	assert_int_equal(s->proxy.http.max_sessions, 256);
	assert_int_equal(s->proxy.http.request_line, 8192);
	assert_int_equal(s->proxy.http.header_read_ms, 10000);
	assert_int_equal(s->proxy.nlisteners, 0);
	snapshot_free(s);
}

static int
lookup(const struct cfg_proxy *px, unsigned li, const char *host, const char *path,
       unsigned method, uint16_t *allow)
{
	*allow = 0;
	return route_lookup(px, li, host, host ? strlen(host) : 0, path, strlen(path), method, allow);
}

static const char *
route_name(const struct cfg_proxy *px, int r)
{
	return r >= 0 ? px->route[r].name : r == ROUTE_NOT_FOUND ? "404" : "405";
}

static void
test_route_lookup(void **state)
{
	struct config_error err;
	struct snapshot *s = parse(good, &err);
	const struct cfg_proxy *px;
	uint16_t allow;
	static const struct { const char *host, *path; unsigned method; const char *want; } cases[] = {
		{ "api.example.com", "/api/users", HTTP_M_GET, "api-read" },
		{ "API.Example.COM:8443", "/api", HTTP_M_HEAD, "api-read" },
		{ "api.example.com", "/api/users", HTTP_M_POST, "api-write" },
		{ "api.example.com", "/api/v2/x", HTTP_M_DELETE, "api-v2" },
		{ "api.example.com", "/api/v2", HTTP_M_DELETE, "405" },      /* "/api/v2/" needs the slash */
		{ "api.example.com", "/apix", HTTP_M_GET, "any-root" },     /* not a segment boundary */
		{ "api.example.com", "/other", HTTP_M_GET, "any-root" },    /* exact host has no prefix: falls through */
		{ "www.example.com", "/api/x", HTTP_M_PUT, "wild" },
		{ "a.b.example.com", "/api", HTTP_M_GET, "wild" },
		{ "example.com", "/api", HTTP_M_GET, "any-root" },          /* wildcard needs a label */
		{ "x.eu.example.com", "/api", HTTP_M_GET, "wild-sub" },     /* longer suffix first */
		{ "shop.test", "/shop/cart", HTTP_M_GET, "any-shop" },
		{ NULL, "/", HTTP_M_GET, "any-root" },
	};

	(void)state;
	assert_non_null(s);
	px = &s->proxy;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = lookup(px, 0, cases[i].host, cases[i].path, cases[i].method, &allow);

		if (strcmp(route_name(px, r), cases[i].want) != 0)
			fail_msg("case %zu: %s %s → %s, want %s", i, cases[i].host, cases[i].path,
				 route_name(px, r), cases[i].want);
	}
	/* 405 lists the methods of the matching routes. */
	assert_int_equal(lookup(px, 0, "api.example.com", "/api/x", HTTP_M_DELETE, &allow),
			 ROUTE_NOT_ALLOWED);
	assert_int_equal(allow, (1u << HTTP_M_GET) | (1u << HTTP_M_HEAD) | (1u << HTTP_M_POST));
	/* Listener "admin" has one route; an unknown listener finds nothing. */
	assert_string_equal(route_name(px, lookup(px, 1, "x", "/y", HTTP_M_GET, &allow)), "adm");
	assert_int_equal(lookup(px, 2, "x", "/y", HTTP_M_GET, &allow), ROUTE_NOT_FOUND);
	assert_int_equal(lookup(px, 9, "x", "/y", HTTP_M_GET, &allow), ROUTE_NOT_FOUND);

	/* Listener selection: the exact address before the any-address one. */
	{
		uint8_t a[16] = { 10, 10, 1, 1 }, b[16] = { 10, 10, 1, 9 };

		assert_int_equal(route_listener(px, AF_INET, a, 8080), 1);
		assert_int_equal(route_listener(px, AF_INET, b, 8080), 2);
		assert_int_equal(route_listener(px, AF_INET, b, 80), 0);
		assert_int_equal(route_listener(px, AF_INET, b, 81), -1);
	}
	snapshot_free(s);
}

#define L1 "\"listeners\":[{\"name\":\"web\",\"port\":80}],"
#define U1 "\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}]}]"

static void
test_bad_documents(void **state)
{
	static const struct { const char *doc, *path; } cases[] = {
		{ "{\"schema\":1,\"ports\":[],\"http\":[]}", "/http" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"colour\":1}}", "/http/colour" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"max-sessions-per-worker\":0}}", "/http/max-sessions-per-worker" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"limits\":{\"request-line\":10}}}", "/http/limits/request-line" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"limits\":{\"header-bytes\":300000}}}", "/http/limits/header-bytes" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"limits\":{\"body\":0}}}", "/http/limits/body" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"timeouts\":{\"header-read-ms\":5}}}", "/http/timeouts/header-read-ms" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"timeouts\":{\"idle\":5}}}", "/http/timeouts/idle" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"access-log\":\"access.log\"}}", "/http/access-log" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"access-log\":\"/var/log/\"}}", "/http/access-log" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"access-log\":\"/a\\nb\"}}", "/http/access-log" },
		{ "{\"schema\":1,\"ports\":[],\"http\":{\"access-log\":5}}", "/http/access-log" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":{}}", "/listeners" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"port\":80}]}", "/listeners/0/name" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"name\":\"a b\",\"port\":80}]}", "/listeners/0/name" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"name\":\"w\",\"port\":0}]}", "/listeners/0/port" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"name\":\"w\",\"port\":80,\"address\":\"10.0.0.300\"}]}", "/listeners/0/address" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"name\":\"w\",\"port\":80},{\"name\":\"w\",\"port\":81}]}", "/listeners/1/name" },
		{ "{\"schema\":1,\"ports\":[],\"listeners\":[{\"name\":\"w\",\"port\":80},{\"name\":\"v\",\"port\":80}]}", "/listeners/1/port" },
		{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":80,\"service\":\"echo\"}],\"listeners\":[{\"name\":\"w\",\"port\":80}]}", "/listeners/0/port" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\"}]}", "/upstreams/0/servers" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[]}]}", "/upstreams/0/servers" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"x\",\"port\":80}]}]}", "/upstreams/0/servers/0/address" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80,\"weight\":0}]}]}", "/upstreams/0/servers/0/weight" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80},{\"address\":\"10.0.0.1\",\"port\":80}]}]}", "/upstreams/0/servers/1" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"balance\":\"random\"}]}", "/upstreams/0/balance" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"health-check\":{\"path\":\"x\"}}]}", "/upstreams/0/health-check/path" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"health-check\":{\"rise\":0}}]}", "/upstreams/0/health-check/rise" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"keepalive\":{\"max-idle\":5000}}]}", "/upstreams/0/keepalive/max-idle" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"keepalive\":{\"max-requests\":0}}]}", "/upstreams/0/keepalive/max-requests" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"health-check\":{\"expected-status\":42}}]}", "/upstreams/0/health-check/expected-status" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"health-check\":{\"expected-status\":600}}]}", "/upstreams/0/health-check/expected-status" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"ejection\":{\"consecutive-failures\":0}}]}", "/upstreams/0/ejection/consecutive-failures" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"ejection\":{\"period-ms\":5}}]}", "/upstreams/0/ejection/period-ms" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"ejection\":{\"other\":5}}]}", "/upstreams/0/ejection/other" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"ejection\":5}]}", "/upstreams/0/ejection" },
		{ "{\"schema\":1,\"ports\":[],\"upstreams\":[{\"name\":\"p\",\"servers\":[{\"address\":\"10.0.0.1\",\"port\":80}],\"pass-error-bodies\":\"yes\"}]}", "/upstreams/0/pass-error-bodies" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"nope\",\"upstream\":\"p\"}]}", "/routes/0/listener" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"q\"}]}", "/routes/0/upstream" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\"}]}", "/routes/0/upstream" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"host\":\"a..b\"}]}", "/routes/0/host" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"host\":\"*.\"}]}", "/routes/0/host" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"host\":\"a_b.com\"}]}", "/routes/0/host" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"path-prefix\":\"api\"}]}", "/routes/0/path-prefix" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"path-prefix\":\"/a/../b\"}]}", "/routes/0/path-prefix" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"path-prefix\":\"/a%2f\"}]}", "/routes/0/path-prefix" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"methods\":[]}]}", "/routes/0/methods" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"methods\":[\"GET\",\"get\"]}]}", "/routes/0/methods/1" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"methods\":[\"GET\",\"GET\"]}]}", "/routes/0/methods/1" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\"},{\"name\":\"s\",\"listener\":\"web\",\"upstream\":\"p\",\"methods\":[\"GET\"]}]}", "/routes/1" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\"},{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"path-prefix\":\"/x\"}]}", "/routes/1/name" },
		{ "{\"schema\":1,\"ports\":[]," L1 U1 ",\"routes\":[{\"name\":\"r\",\"listener\":\"web\",\"upstream\":\"p\",\"weight\":1}]}", "/routes/0/weight" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config_error err;
		struct snapshot *s = parse(cases[i].doc, &err);

		if (s != NULL)
			fail_msg("case %zu accepted: %s", i, cases[i].doc);
		if (strcmp(err.path, cases[i].path) != 0)
			fail_msg("case %zu: refused at %s (%s), want %s", i, err.path, err.message,
				 cases[i].path);
		assert_true(err.message[0] != '\0');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_document_and_defaults),
		cmocka_unit_test(test_route_lookup),
		cmocka_unit_test(test_bad_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
