/* SPDX-License-Identifier: Proprietary
 * Config validation: a good document and its defaults, then one bad field at
 * a time, each refused with the JSON pointer of that field.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "config/config.h"

static struct snapshot *
parse(const char *text, struct config_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	struct snapshot *s;

	assert_non_null(doc);
	s = config_parse(doc, 2, err);
	json_decref(doc);
	return s;
}

static void
test_good_document(void **state)
{
	struct config_error err;
	struct snapshot *s = parse(
		"{\"schema\":1,\"ports\":["
		" {\"port\":0,\"name\":\"client\",\"addresses\":[\"10.10.1.1/24\",\"fd00:10:1::1/64\"],"
		"  \"gateway4\":\"10.10.1.254\",\"gateway6\":\"fe80::1\",\"mtu\":9000},"
		" {\"port\":1,\"addresses\":[\"10.10.2.1/31\"]}],"
		" \"neighbour\":{\"reachable-ms\":5000,\"probes\":5},\"icmp\":{\"echo\":false}}", &err);

	(void)state;
	assert_non_null(s);
	assert_true(s->port[0].configured);
	assert_string_equal(s->port[0].name, "client");
	assert_int_equal(s->port[0].n4, 1);
	assert_int_equal(s->port[0].v4[0].addr, inet_addr("10.10.1.1"));
	assert_int_equal(s->port[0].v4[0].mask, inet_addr("255.255.255.0"));
	assert_int_equal(s->port[0].n6, 1);
	assert_int_equal(s->port[0].v6[0].plen, 64);
	assert_true(s->port[0].has_gw4);
	assert_true(s->port[0].has_gw6);
	assert_int_equal(s->port[0].mtu, 9000);
	assert_string_equal(s->port[1].name, "port1");
	assert_int_equal(s->port[1].mtu, 1500);
	assert_int_equal(s->neigh.reachable_ms, 5000);
	assert_int_equal(s->neigh.retrans_ms, 1000);
	assert_int_equal(s->neigh.probes, 5);
	assert_false(s->icmp_echo);
	assert_non_null(s->source);
	assert_true(cfg_port_onlink4(&s->port[0], inet_addr("10.10.1.77")));
	assert_false(cfg_port_onlink4(&s->port[0], inet_addr("10.10.2.77")));
	assert_true(cfg_port_bcast4(&s->port[0], inet_addr("10.10.1.255")));
	snapshot_free(s);
}

struct bad_case {
	const char *doc;
	const char *path;
	const char *words;   /* expected somewhere in the message */
};

#define P0(extra) "{\"schema\":1,\"ports\":[{\"port\":0" extra "}]}"

static const struct bad_case bad[] = {
	{ "[]", "", "object" },
	{ "{\"ports\":[]}", "/schema", "schema" },
	{ "{\"schema\":2,\"ports\":[]}", "/schema", "schema" },
	{ "{\"schema\":1}", "/ports", "array" },
	{ "{\"schema\":1,\"ports\":[],\"colour\":1}", "/colour", "unknown member" },
	{ "{\"schema\":1,\"ports\":[7]}", "/ports/0", "object" },
	{ "{\"schema\":1,\"ports\":[{}]}", "/ports/0/port", "required" },
	{ P0(",\"nmae\":\"x\""), "/ports/0/nmae", "unknown member" },
	{ "{\"schema\":1,\"ports\":[{\"port\":2}]}", "/ports/0/port", "does not exist" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0},{\"port\":0}]}", "/ports/1/port", "twice" },
	{ P0(",\"name\":\"a b\""), "/ports/0/name", "characters" },
	{ P0(",\"mtu\":100"), "/ports/0/mtu", "576..9000" },
	{ P0(",\"mtu\":\"big\""), "/ports/0/mtu", "integer" },
	{ P0(",\"addresses\":\"10.0.0.1/24\""), "/ports/0/addresses", "array" },
	{ P0(",\"addresses\":[\"10.10.1.300/24\"]"), "/ports/0/addresses/0", "not an IPv4 address" },
	{ P0(",\"addresses\":[\"10.10.1.1\"]"), "/ports/0/addresses/0", "prefix-length" },
	{ P0(",\"addresses\":[\"10.10.1.1/33\"]"), "/ports/0/addresses/0", "1..32" },
	{ P0(",\"addresses\":[\"10.10.1.1/0\"]"), "/ports/0/addresses/0", "1..32" },
	{ P0(",\"addresses\":[\"10.10.1.1/2x\"]"), "/ports/0/addresses/0", "prefix-length" },
	{ P0(",\"addresses\":[\"10.10.1.0/24\"]"), "/ports/0/addresses/0", "network or broadcast" },
	{ P0(",\"addresses\":[\"10.10.1.255/24\"]"), "/ports/0/addresses/0", "network or broadcast" },
	{ P0(",\"addresses\":[\"127.0.0.1/8\"]"), "/ports/0/addresses/0", "unicast" },
	{ P0(",\"addresses\":[\"224.0.0.1/4\"]"), "/ports/0/addresses/0", "unicast" },
	{ P0(",\"addresses\":[\"10.0.0.1/8\",\"10.0.0.1/16\"]"), "/ports/0/addresses/1", "twice" },
	{ P0(",\"addresses\":[42]"), "/ports/0/addresses/0", "string" },
	{ P0(",\"addresses\":[\"fe80::1/64\"]"), "/ports/0/addresses/0", "link-local" },
	{ P0(",\"addresses\":[\"ff02::1/64\"]"), "/ports/0/addresses/0", "unicast" },
	{ P0(",\"addresses\":[\"::1/128\"]"), "/ports/0/addresses/0", "unicast" },
	{ P0(",\"addresses\":[\"fd00::g/64\"]"), "/ports/0/addresses/0", "not an IPv6 address" },
	{ P0(",\"addresses\":[\"fd00::1/129\"]"), "/ports/0/addresses/0", "prefix-length" },
	{ P0(",\"addresses\":[\"fd00::1/64\"],\"mtu\":1000"), "/ports/0/mtu", "IPv6" },
	{ P0(",\"addresses\":[\"10.0.0.1/24\"],\"gateway4\":\"10.0.1.1\""), "/ports/0/gateway4", "subnets" },
	{ P0(",\"addresses\":[\"10.0.0.1/24\"],\"gateway4\":\"10.0.0.1\""), "/ports/0/gateway4", "subnets" },
	{ P0(",\"addresses\":[\"10.0.0.1/24\"],\"gateway4\":\"nope\""), "/ports/0/gateway4", "IPv4" },
	{ P0(",\"addresses\":[\"fd00::1/64\"],\"gateway6\":\"fd01::1\""), "/ports/0/gateway6", "prefixes" },
	{ "{\"schema\":1,\"ports\":[],\"neighbour\":{\"probes\":0}}", "/neighbour/probes", "1..10" },
	{ "{\"schema\":1,\"ports\":[],\"neighbour\":{\"reachable-ms\":5}}", "/neighbour/reachable-ms", "1000..3600000" },
	{ "{\"schema\":1,\"ports\":[],\"neighbour\":{\"entries-max\":1000000}}", "/neighbour/entries-max", "16..16384" },
	{ "{\"schema\":1,\"ports\":[],\"neighbour\":{\"retries\":1}}", "/neighbour/retries", "unknown member" },
	{ "{\"schema\":1,\"ports\":[],\"neighbour\":[]}", "/neighbour", "object" },
	{ "{\"schema\":1,\"ports\":[],\"icmp\":{\"echo\":\"yes\"}}", "/icmp/echo", "true or false" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":[]}", "/tcp", "object" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"max-connections-per-worker\":0}}", "/tcp/max-connections-per-worker", "1..8192" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"receive-buffer\":100}}", "/tcp/receive-buffer", "4096..1048576" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"ooo-max-segments\":33}}", "/tcp/ooo-max-segments", "0..32" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"delayed-ack-ms\":600}}", "/tcp/delayed-ack-ms", "1..500" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"mss-clamp\":100}}", "/tcp/mss-clamp", "536..8960" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"mss-clamp\":9000}}", "/tcp/mss-clamp", "0..8960" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"window\":1}}", "/tcp/window", "unknown member" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"syn-backlog\":0}}", "/tcp/syn-backlog", "1..8192" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"syn-backlog\":8193}}", "/tcp/syn-backlog", "1..8192" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"syn-cookies\":1}}", "/tcp/syn-cookies", "true or false" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"max-half-open-per-source\":8193}}", "/tcp/max-half-open-per-source", "0..8192" },
	{ "{\"schema\":1,\"ports\":[],\"tcp\":{\"max-connections-per-source\":-1}}", "/tcp/max-connections-per-source", "0..8192" },
	{ "{\"schema\":1,\"ports\":[],\"test-services\":{}}", "/test-services", "array" },
	{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":0,\"service\":\"echo\"}]}", "/test-services/0/port", "1..65535" },
	{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":7,\"service\":\"chargen\"}]}", "/test-services/0/service", "echo" },
	{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":7,\"service\":\"echo\"},{\"port\":7,\"service\":\"discard\"}]}", "/test-services/1/port", "two services" },
	{ "{\"schema\":1,\"ports\":[],\"test-services\":[{\"port\":7,\"service\":\"echo\",\"x\":1}]}", "/test-services/0/x", "unknown member" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":{}}", "/impairment", "must be an array" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[1]}", "/impairment/0", "must be an object" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"direction\":\"rx\"}]}", "/impairment/0/port", "port index or name" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":1,\"direction\":\"rx\"}]}", "/impairment/0/port", "no configured port" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":\"nope\",\"direction\":\"rx\"}]}", "/impairment/0/port", "no configured port" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"up\"}]}", "/impairment/0/direction", "\"both\"" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0}]}", "/impairment/0/direction", "required" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"loss-ppm\":1000001}]}", "/impairment/0/loss-ppm", "0..1000000" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"corrupt-ppm\":\"1\"}]}", "/impairment/0/corrupt-ppm", "integer" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"seed\":-1}]}", "/impairment/0/seed", "must be" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"reorder-ppm\":5}]}", "/impairment/0/reorder-delay-ms", "needs" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"reorder-delay-ms\":1001}]}", "/impairment/0/reorder-delay-ms", "0..1000" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"rx\",\"drop\":1}]}", "/impairment/0/drop", "unknown member" },
	{ "{\"schema\":1,\"ports\":[{\"port\":0,\"name\":\"c\",\"addresses\":[\"10.0.0.1/24\"]}],\"impairment\":[{\"port\":0,\"direction\":\"both\"},{\"port\":\"c\",\"direction\":\"tx\"}]}", "/impairment/1", "two tx" },
};

static void
test_bad_documents(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config_error err;
		struct snapshot *s = parse(bad[i].doc, &err);

		if (s != NULL || strcmp(err.path, bad[i].path) != 0 ||
		    strstr(err.message, bad[i].words) == NULL)
			fail_msg("case %zu %s: got path '%s' message '%s', want '%s' / '%s'",
				 i, bad[i].doc, err.path, err.message, bad[i].path, bad[i].words);
	}
}

static void
test_tcp_and_test_services(void **state)
{
	struct config_error err;
	struct snapshot *s = parse("{\"schema\":1,\"ports\":[]}", &err);

	(void)state;
	assert_non_null(s);
	assert_int_equal(s->tcp.max_conns, 1024);
	assert_int_equal(s->tcp.rcvbuf, 131072);
	assert_int_equal(s->tcp.ooo_max, 32);
	assert_int_equal(s->tcp.rto_min_ms, 200);
	assert_int_equal(s->tcp.nservices, 0);
	assert_int_equal(s->tcp.syn_backlog, 256);
	assert_true(s->tcp.syn_cookies);
	assert_int_equal(s->tcp.max_half_open_per_src, 0);
	assert_int_equal(s->tcp.max_conns_per_src, 0);
	snapshot_free(s);
	s = parse("{\"schema\":1,\"ports\":[],\"tcp\":{\"syn-backlog\":1,\"syn-cookies\":false,"
		  "\"max-half-open-per-source\":4,\"max-connections-per-source\":8192}}", &err);
	assert_non_null(s);
	assert_int_equal(s->tcp.syn_backlog, 1);
	assert_false(s->tcp.syn_cookies);
	assert_int_equal(s->tcp.max_half_open_per_src, 4);
	assert_int_equal(s->tcp.max_conns_per_src, 8192);
	snapshot_free(s);
	s = parse("{\"schema\":1,\"ports\":[],\"tcp\":{\"max-connections-per-worker\":64,"
		  "\"send-buffer\":8192,\"time-wait-ms\":500},\"test-services\":["
		  "{\"port\":7,\"service\":\"echo\"},{\"port\":9,\"service\":\"discard\"}]}", &err);
	assert_non_null(s);
	assert_int_equal(s->tcp.max_conns, 64);
	assert_int_equal(s->tcp.sndbuf, 8192);
	assert_int_equal(s->tcp.time_wait_ms, 500);
	assert_int_equal(s->tcp.delack_ms, 40);
	assert_int_equal(s->tcp.nservices, 2);
	assert_int_equal(s->tcp.service[0].port, 7);
	assert_int_equal(s->tcp.service[0].kind, CFG_SVC_ECHO);
	assert_int_equal(s->tcp.service[1].port, 9);
	assert_int_equal(s->tcp.service[1].kind, CFG_SVC_DISCARD);
	snapshot_free(s);
}

static void
test_impairment(void **state)
{
	struct config_error err;
	struct snapshot *s = parse("{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[\"10.0.0.1/24\"]},"
		"{\"port\":1,\"name\":\"up\",\"addresses\":[\"10.0.1.1/24\"]}],\"impairment\":["
		"{\"port\":0,\"direction\":\"both\",\"seed\":4294967295,\"loss-ppm\":20000,"
		"\"duplicate-ppm\":10000,\"reorder-ppm\":250000,\"reorder-delay-ms\":10,"
		"\"corrupt-ppm\":1000,\"rate-kbps\":100000},"
		"{\"port\":\"up\",\"direction\":\"tx\"}]}", &err);

	(void)state;
	if (s == NULL)
		fail_msg("%s: %s", err.path, err.message);
	assert_int_equal(s->nimpair, 3);
	assert_int_equal(s->impair[0].port, 0);
	assert_int_equal(s->impair[0].dir, CFG_IMPAIR_RX);
	assert_int_equal(s->impair[1].dir, CFG_IMPAIR_TX);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(s->impair[i].seed, UINT32_MAX);
		assert_int_equal(s->impair[i].loss_ppm, 20000);
		assert_int_equal(s->impair[i].dup_ppm, 10000);
		assert_int_equal(s->impair[i].reorder_ppm, 250000);
		assert_int_equal(s->impair[i].reorder_delay_ms, 10);
		assert_int_equal(s->impair[i].corrupt_ppm, 1000);
		assert_int_equal(s->impair[i].rate_kbps, 100000);
	}
	/* Defaults: seed 1, everything else off. */
	assert_int_equal(s->impair[2].port, 1);
	assert_int_equal(s->impair[2].dir, CFG_IMPAIR_TX);
	assert_int_equal(s->impair[2].seed, 1);
	assert_int_equal(s->impair[2].loss_ppm + s->impair[2].dup_ppm + s->impair[2].reorder_ppm +
			 s->impair[2].corrupt_ppm + s->impair[2].rate_kbps, 0);
	snapshot_free(s);
	s = parse("{\"schema\":1,\"ports\":[]}", &err);
	assert_non_null(s);
	assert_int_equal(s->nimpair, 0);
	snapshot_free(s);
}

static void
test_too_many_addresses(void **state)
{
	char doc[1024];
	struct config_error err;
	size_t n;

	(void)state;
	n = snprintf(doc, sizeof(doc), "{\"schema\":1,\"ports\":[{\"port\":0,\"addresses\":[");
	for (int i = 1; i <= CFG_MAX_ADDRS + 1; i++)
		n += snprintf(doc + n, sizeof(doc) - n, "%s\"10.0.%d.1/24\"", i > 1 ? "," : "", i);
	snprintf(doc + n, sizeof(doc) - n, "]}]}");
	assert_null(parse(doc, &err));
	assert_string_equal(err.path, "/ports/0/addresses/8");
}

static void
test_ll6_from_mac(void **state)
{
	const struct rte_ether_addr mac = {{ 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 }};
	uint8_t want[16], got[16];

	(void)state;
	inet_pton(AF_INET6, "fe80::5054:ff:fe12:3456", want);
	config_ll6_from_mac(&mac, got);
	assert_memory_equal(got, want, 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_document),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_too_many_addresses),
		cmocka_unit_test(test_tcp_and_test_services),
		cmocka_unit_test(test_ll6_from_mac),
		cmocka_unit_test(test_impairment),
	};

	return cmocka_run_group_tests_name("config_parse", tests, NULL, NULL);
}
