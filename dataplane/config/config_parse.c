/* SPDX-License-Identifier: Proprietary
 * Config document -> snapshot. The dataplane trusts nothing it is sent: every
 * member is checked for type, range and consistency here, and the first
 * failure is reported with its JSON pointer. Unknown members are refused so
 * that a typo cannot silently leave a default in force.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/config_p.h"
#include "net/ipv6.h"
#include "proxy/waf_runtime.h"

#define CONFIG_SCHEMA 1

/* Ranges, in one place: {min, default, max}. */
static const struct { uint32_t min, def, max; }
	LIM_REACHABLE_MS = { 1000, 30000, 3600000 },
	LIM_RETRANS_MS   = { 100, 1000, 60000 },
	LIM_PROBES       = { 1, 3, 10 },
	LIM_PENDING_MAX  = { 1, 8, 256 },
	LIM_ENTRIES_MAX  = { 16, 1024, 16384 },
	LIM_MTU          = { 576, 1500, 9000 },
	LIM_TCP_CONNS    = { 1, 1024, 8192 },       /* TCP_MAX_CONNS */
	LIM_TCP_RCVBUF   = { 4096, 131072, 1048576 },
	LIM_TCP_SNDBUF   = { 4096, 131072, 1048576 },
	LIM_TCP_OOO      = { 0, 32, 32 },           /* TCP_OOO_MAX */
	LIM_TCP_RTO_MIN  = { 10, 200, 1000 },
	LIM_TCP_DELACK   = { 1, 40, 500 },          /* RFC 1122 4.2.3.2: < 500 ms */
	LIM_TCP_TW       = { 100, 60000, 240000 },
	LIM_TCP_CHAL     = { 1, 1000, 100000 },
	LIM_TCP_BACKLOG  = { 1, 256, 8192 },        /* half-open before SYN cookies */
	LIM_TCP_PER_SRC  = { 0, 0, 8192 },          /* 0: no per-source limit */
	LIM_TCP_KA_IDLE  = { 0, 0, 7200000 },       /* 0: keep-alive off */
	LIM_TCP_KA_INTVL = { 10, 75000, 600000 },   /* RFC 1122 4.2.3.6 defaults */
	LIM_TCP_KA_PROBES = { 1, 9, 100 },
	LIM_TCP_MSS_CLAMP = { 0, 0, 8960 },         /* 0: off; else 536.. */
	LIM_TCP_RX_MBUFS = { 0, 0, 1048576 },       /* 0: derived from the packet pool */
	LIM_SVC_BYTES    = { 0, 0, 0xffffffff };     /* "send" test service */
#define IPV6_MIN_MTU 1280

bool
cfg_fail(struct config_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->path, sizeof(err->path), "%s", path);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

/* Refuse members not in the NULL-terminated list. */
bool
cfg_only_members(const json_t *obj, const char *path, const char *const *allowed,
	     struct config_error *err)
{
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (strcmp(*a, key) == 0)
				break;
		if (*a == NULL) {
			char p[128];

			snprintf(p, sizeof(p), "%s/%s", path, key);
			return cfg_fail(err, p, "unknown member '%s'", key);
		}
	}
	return true;
}

bool
cfg_get_u32(const json_t *obj, const char *path, const char *name,
	uint32_t min, uint32_t def, uint32_t max, uint32_t *out,
	struct config_error *err)
{
	json_t *v = json_object_get(obj, name);
	char p[128];
	json_int_t i;

	snprintf(p, sizeof(p), "%s/%s", path, name);
	if (v == NULL) {
		*out = def;
		return true;
	}
	if (!json_is_integer(v))
		return cfg_fail(err, p, "'%s' must be an integer", name);
	i = json_integer_value(v);
	if (i < (json_int_t)min || i > (json_int_t)max)
		return cfg_fail(err, p, "'%s' is %lld, must be %u..%u", name,
			    (long long)i, min, max);
	*out = (uint32_t)i;
	return true;
}

static bool
is_bad_unicast4(uint32_t host_order)
{
	uint8_t first = host_order >> 24;

	return host_order == 0 || first == 0 || first == 127 || first >= 224;
}

static bool
parse_addr4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*addr = a.s_addr;
	return true;
}

/* "a.b.c.d/len" or "x::y/len" into family, bytes and prefix length. */
static bool
split_prefix(const char *s, char *addr, size_t addr_len, unsigned *plen)
{
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long v;

	if (slash == NULL || (size_t)(slash - s) >= addr_len || slash == s)
		return false;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	if (!isdigit((unsigned char)slash[1]))
		return false;
	errno = 0;
	v = strtoul(slash + 1, &end, 10);
	if (errno || *end != '\0' || v > 128)
		return false;
	*plen = v;
	return true;
}

static bool
addr4_used(const struct snapshot *s, uint32_t addr)
{
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++)
		if (s->port[i].configured && cfg_port_has4(&s->port[i], addr))
			return true;
	return false;
}

static bool
addr6_used(const struct snapshot *s, const uint8_t addr[16])
{
	for (unsigned i = 0; i < CFG_MAX_PORTS; i++)
		for (unsigned j = 0; s->port[i].configured && j < s->port[i].n6; j++)
			if (memcmp(s->port[i].v6[j].addr, addr, 16) == 0)
				return true;
	return false;
}

static bool
parse_address(struct snapshot *s, struct cfg_port *port, const json_t *v,
	      const char *path, struct config_error *err)
{
	const char *str = json_string_value(v);
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned plen;

	if (str == NULL)
		return cfg_fail(err, path, "an address must be a string 'address/prefix-length'");
	if (!split_prefix(str, addr, sizeof(addr), &plen))
		return cfg_fail(err, path, "'%s' is not 'address/prefix-length'", str);

	if (strchr(addr, ':') == NULL) {
		struct cfg_addr4 *a;
		uint32_t a4, host, mask;

		if (!parse_addr4(addr, &a4))
			return cfg_fail(err, path, "'%s' is not an IPv4 address", addr);
		if (plen < 1 || plen > 32)
			return cfg_fail(err, path, "IPv4 prefix length %u must be 1..32", plen);
		host = ntohl(a4);
		mask = plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
		if (is_bad_unicast4(host))
			return cfg_fail(err, path, "%s is not a usable unicast address", addr);
		if (plen < 31 && ((host & ~mask) == 0 || (host & ~mask) == ~mask))
			return cfg_fail(err, path, "%s is the network or broadcast address of /%u",
				    addr, plen);
		if (addr4_used(s, a4))
			return cfg_fail(err, path, "%s is configured twice", addr);
		if (port->n4 == CFG_MAX_ADDRS)
			return cfg_fail(err, path, "more than %d IPv4 addresses on one port",
				    CFG_MAX_ADDRS);
		a = &port->v4[port->n4++];
		a->addr = a4;
		a->mask = htonl(mask);
		a->plen = plen;
		return true;
	} else {
		struct cfg_addr6 *a;
		struct in6_addr a6;

		if (inet_pton(AF_INET6, addr, &a6) != 1)
			return cfg_fail(err, path, "'%s' is not an IPv6 address", addr);
		if (plen < 1 || plen > 128)
			return cfg_fail(err, path, "IPv6 prefix length %u must be 1..128", plen);
		if (a6.s6_addr[0] == 0xff || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
		    IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_V4MAPPED(&a6))
			return cfg_fail(err, path, "%s is not a usable unicast address", addr);
		if (IN6_IS_ADDR_LINKLOCAL(&a6))
			return cfg_fail(err, path, "%s: link-local addresses are derived from the port MAC, not configured",
				    addr);
		if (addr6_used(s, a6.s6_addr))
			return cfg_fail(err, path, "%s is configured twice", addr);
		if (port->n6 == CFG_MAX_ADDRS)
			return cfg_fail(err, path, "more than %d IPv6 addresses on one port",
				    CFG_MAX_ADDRS);
		a = &port->v6[port->n6++];
		memcpy(a->addr, a6.s6_addr, 16);
		a->plen = plen;
		return true;
	}
}

bool
cfg_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static bool
parse_port(struct snapshot *s, const json_t *v, const char *path,
	   struct config_error *err)
{
	static const char *const members[] = {
		"port", "name", "addresses", "gateway4", "gateway6", "mtu", NULL };
	char p[128];
	const json_t *idx, *name, *addrs, *gw;
	struct cfg_port *port;
	json_int_t i;
	uint32_t mtu;
	size_t k;

	if (!json_is_object(v))
		return cfg_fail(err, path, "a port must be an object");
	if (!cfg_only_members(v, path, members, err))
		return false;

	idx = json_object_get(v, "port");
	snprintf(p, sizeof(p), "%s/port", path);
	if (!json_is_integer(idx))
		return cfg_fail(err, p, "'port' (the port index) is required and must be an integer");
	i = json_integer_value(idx);
	if (i < 0 || i >= s->nports || i >= CFG_MAX_PORTS)
		return cfg_fail(err, p, "port %lld does not exist (this dataplane has %u port%s)",
			    (long long)i, s->nports, s->nports == 1 ? "" : "s");
	port = &s->port[i];
	if (port->configured)
		return cfg_fail(err, p, "port %lld is configured twice", (long long)i);
	port->configured = true;

	name = json_object_get(v, "name");
	snprintf(p, sizeof(p), "%s/name", path);
	if (name != NULL) {
		if (!json_is_string(name) || !cfg_valid_name(json_string_value(name)))
			return cfg_fail(err, p, "'name' must be 1..%d characters of [A-Za-z0-9._-]",
				    CFG_NAME_MAX - 1);
		snprintf(port->name, sizeof(port->name), "%s", json_string_value(name));
	} else {
		snprintf(port->name, sizeof(port->name), "port%lld", (long long)i);
	}

	if (!cfg_get_u32(v, path, "mtu", LIM_MTU.min, LIM_MTU.def, LIM_MTU.max, &mtu, err))
		return false;
	port->mtu = mtu;

	addrs = json_object_get(v, "addresses");
	snprintf(p, sizeof(p), "%s/addresses", path);
	if (addrs != NULL && !json_is_array(addrs))
		return cfg_fail(err, p, "'addresses' must be an array of 'address/prefix-length'");
	for (k = 0; addrs && k < json_array_size(addrs); k++) {
		snprintf(p, sizeof(p), "%s/addresses/%zu", path, k);
		if (!parse_address(s, port, json_array_get(addrs, k), p, err))
			return false;
	}
	if (port->n6 && port->mtu < IPV6_MIN_MTU) {
		snprintf(p, sizeof(p), "%s/mtu", path);
		return cfg_fail(err, p, "mtu %u is below IPv6's minimum of %u", port->mtu,
			    IPV6_MIN_MTU);
	}

	gw = json_object_get(v, "gateway4");
	snprintf(p, sizeof(p), "%s/gateway4", path);
	if (gw != NULL) {
		if (!json_is_string(gw) || !parse_addr4(json_string_value(gw), &port->gw4))
			return cfg_fail(err, p, "'gateway4' must be an IPv4 address");
		if (!cfg_port_onlink4(port, port->gw4) || cfg_port_has4(port, port->gw4) ||
		    cfg_port_bcast4(port, port->gw4))
			return cfg_fail(err, p, "gateway %s is not a host on one of the port's IPv4 subnets",
				    json_string_value(gw));
		port->has_gw4 = true;
	}

	gw = json_object_get(v, "gateway6");
	snprintf(p, sizeof(p), "%s/gateway6", path);
	if (gw != NULL) {
		struct in6_addr a6;

		if (!json_is_string(gw) || inet_pton(AF_INET6, json_string_value(gw), &a6) != 1)
			return cfg_fail(err, p, "'gateway6' must be an IPv6 address");
		if (!cfg_port_onlink6(port, a6.s6_addr))
			return cfg_fail(err, p, "gateway %s is neither link-local nor on one of the port's IPv6 prefixes",
				    json_string_value(gw));
		memcpy(port->gw6, a6.s6_addr, 16);
		port->has_gw6 = true;
	}
	return true;
}

static bool
parse_neigh(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "reachable-ms", "retrans-ms",
		"probes", "pending-max", "entries-max", NULL };
	const char *path = "/neighbour";

	if (v == NULL)
		return true;	/* config_empty() set the defaults */
	if (!json_is_object(v))
		return cfg_fail(err, path, "'neighbour' must be an object");
	if (!cfg_only_members(v, path, members, err))
		return false;
	return cfg_get_u32(v, path, "reachable-ms", LIM_REACHABLE_MS.min, LIM_REACHABLE_MS.def,
		       LIM_REACHABLE_MS.max, &s->neigh.reachable_ms, err) &&
	       cfg_get_u32(v, path, "retrans-ms", LIM_RETRANS_MS.min, LIM_RETRANS_MS.def,
		       LIM_RETRANS_MS.max, &s->neigh.retrans_ms, err) &&
	       cfg_get_u32(v, path, "probes", LIM_PROBES.min, LIM_PROBES.def,
		       LIM_PROBES.max, &s->neigh.probes, err) &&
	       cfg_get_u32(v, path, "pending-max", LIM_PENDING_MAX.min, LIM_PENDING_MAX.def,
		       LIM_PENDING_MAX.max, &s->neigh.pending_max, err) &&
	       cfg_get_u32(v, path, "entries-max", LIM_ENTRIES_MAX.min, LIM_ENTRIES_MAX.def,
		       LIM_ENTRIES_MAX.max, &s->neigh.entries_max, err);
}

static bool
parse_icmp(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "echo", NULL };
	const json_t *echo;

	s->icmp_echo = true;
	if (v == NULL)
		return true;
	if (!json_is_object(v))
		return cfg_fail(err, "/icmp", "'icmp' must be an object");
	if (!cfg_only_members(v, "/icmp", members, err))
		return false;
	echo = json_object_get(v, "echo");
	if (echo != NULL) {
		if (!json_is_boolean(echo))
			return cfg_fail(err, "/icmp/echo", "'echo' must be true or false");
		s->icmp_echo = json_is_true(echo);
	}
	return true;
}

static void
tcp_defaults(struct cfg_tcp *t)
{
	*t = (struct cfg_tcp){ .max_conns = LIM_TCP_CONNS.def, .rcvbuf = LIM_TCP_RCVBUF.def,
		.sndbuf = LIM_TCP_SNDBUF.def, .ooo_max = LIM_TCP_OOO.def,
		.rto_min_ms = LIM_TCP_RTO_MIN.def, .delack_ms = LIM_TCP_DELACK.def,
		.time_wait_ms = LIM_TCP_TW.def, .challenge_acks = LIM_TCP_CHAL.def,
		.syn_backlog = LIM_TCP_BACKLOG.def, .max_half_open_per_src = LIM_TCP_PER_SRC.def,
		.max_conns_per_src = LIM_TCP_PER_SRC.def, .syn_cookies = true,
		.keepalive_idle_ms = LIM_TCP_KA_IDLE.def,
		.keepalive_interval_ms = LIM_TCP_KA_INTVL.def,
		.keepalive_probes = LIM_TCP_KA_PROBES.def };
}

static bool
parse_tcp(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "max-connections-per-worker",
		"receive-buffer", "send-buffer", "ooo-max-segments", "rto-min-ms",
		"delayed-ack-ms", "time-wait-ms", "challenge-acks-per-second", "syn-backlog",
		"syn-cookies", "max-half-open-per-source", "max-connections-per-source",
		"keepalive-idle-ms", "keepalive-interval-ms", "keepalive-probes", "mss-clamp",
		"rx-mbufs-per-worker", NULL };
	const char *path = "/tcp";
	struct cfg_tcp *t = &s->tcp;
	const json_t *cookies;

	if (v == NULL)
		return true;
	if (!json_is_object(v))
		return cfg_fail(err, path, "'tcp' must be an object");
	if (!cfg_only_members(v, path, members, err))
		return false;
	cookies = json_object_get(v, "syn-cookies");
	if (cookies != NULL) {
		if (!json_is_boolean(cookies))
			return cfg_fail(err, "/tcp/syn-cookies", "'syn-cookies' must be true or false");
		t->syn_cookies = json_is_true(cookies);
	}
	return cfg_get_u32(v, path, "max-connections-per-worker", LIM_TCP_CONNS.min,
		       LIM_TCP_CONNS.def, LIM_TCP_CONNS.max, &t->max_conns, err) &&
	       cfg_get_u32(v, path, "receive-buffer", LIM_TCP_RCVBUF.min, LIM_TCP_RCVBUF.def,
		       LIM_TCP_RCVBUF.max, &t->rcvbuf, err) &&
	       cfg_get_u32(v, path, "send-buffer", LIM_TCP_SNDBUF.min, LIM_TCP_SNDBUF.def,
		       LIM_TCP_SNDBUF.max, &t->sndbuf, err) &&
	       cfg_get_u32(v, path, "ooo-max-segments", LIM_TCP_OOO.min, LIM_TCP_OOO.def,
		       LIM_TCP_OOO.max, &t->ooo_max, err) &&
	       cfg_get_u32(v, path, "rto-min-ms", LIM_TCP_RTO_MIN.min, LIM_TCP_RTO_MIN.def,
		       LIM_TCP_RTO_MIN.max, &t->rto_min_ms, err) &&
	       cfg_get_u32(v, path, "delayed-ack-ms", LIM_TCP_DELACK.min, LIM_TCP_DELACK.def,
		       LIM_TCP_DELACK.max, &t->delack_ms, err) &&
	       cfg_get_u32(v, path, "time-wait-ms", LIM_TCP_TW.min, LIM_TCP_TW.def,
		       LIM_TCP_TW.max, &t->time_wait_ms, err) &&
	       cfg_get_u32(v, path, "challenge-acks-per-second", LIM_TCP_CHAL.min,
		       LIM_TCP_CHAL.def, LIM_TCP_CHAL.max, &t->challenge_acks, err) &&
	       cfg_get_u32(v, path, "syn-backlog", LIM_TCP_BACKLOG.min, LIM_TCP_BACKLOG.def,
		       LIM_TCP_BACKLOG.max, &t->syn_backlog, err) &&
	       cfg_get_u32(v, path, "max-half-open-per-source", LIM_TCP_PER_SRC.min,
		       LIM_TCP_PER_SRC.def, LIM_TCP_PER_SRC.max, &t->max_half_open_per_src, err) &&
	       cfg_get_u32(v, path, "max-connections-per-source", LIM_TCP_PER_SRC.min,
		       LIM_TCP_PER_SRC.def, LIM_TCP_PER_SRC.max, &t->max_conns_per_src, err) &&
	       cfg_get_u32(v, path, "keepalive-idle-ms", LIM_TCP_KA_IDLE.min, LIM_TCP_KA_IDLE.def,
		       LIM_TCP_KA_IDLE.max, &t->keepalive_idle_ms, err) &&
	       cfg_get_u32(v, path, "keepalive-interval-ms", LIM_TCP_KA_INTVL.min,
		       LIM_TCP_KA_INTVL.def, LIM_TCP_KA_INTVL.max, &t->keepalive_interval_ms, err) &&
	       cfg_get_u32(v, path, "keepalive-probes", LIM_TCP_KA_PROBES.min,
		       LIM_TCP_KA_PROBES.def, LIM_TCP_KA_PROBES.max, &t->keepalive_probes, err) &&
	       cfg_get_u32(v, path, "mss-clamp", LIM_TCP_MSS_CLAMP.min, LIM_TCP_MSS_CLAMP.def,
		       LIM_TCP_MSS_CLAMP.max, &t->mss_clamp, err) &&
	       cfg_get_u32(v, path, "rx-mbufs-per-worker", LIM_TCP_RX_MBUFS.min,
		       LIM_TCP_RX_MBUFS.def, LIM_TCP_RX_MBUFS.max, &t->rx_mbufs_max, err) &&
	       (t->mss_clamp == 0 || t->mss_clamp >= 536 ||
		cfg_fail(err, "/tcp/mss-clamp", "'mss-clamp' must be 0 (off) or 536..8960")) &&
	       (t->rx_mbufs_max == 0 || t->rx_mbufs_max >= 16 ||
		cfg_fail(err, "/tcp/rx-mbufs-per-worker",
			 "'rx-mbufs-per-worker' must be 0 (derived) or 16..1048576"));
}

/* The members of a "send" or "relay" test service. */
static bool
parse_test_service_args(struct cfg_test_svc *svc, const json_t *e, const char *p,
			struct config_error *err)
{
	const json_t *up = json_object_get(e, "upstream"), *uport = json_object_get(e, "upstream-port");
	char q[96];

	if (svc->kind != CFG_SVC_SEND && json_object_get(e, "bytes") != NULL)
		return cfg_fail(err, p, "'bytes' belongs to a \"send\" service only");
	if (svc->kind != CFG_SVC_RELAY && (up != NULL || uport != NULL))
		return cfg_fail(err, p, "'upstream' and 'upstream-port' belong to a \"relay\" service only");
	if (svc->kind == CFG_SVC_SEND)
		return cfg_get_u32(e, p, "bytes", LIM_SVC_BYTES.min, LIM_SVC_BYTES.def,
			       LIM_SVC_BYTES.max, &svc->bytes, err);
	if (svc->kind != CFG_SVC_RELAY)
		return true;
	snprintf(q, sizeof(q), "%s/upstream", p);
	if (!json_is_string(up))
		return cfg_fail(err, q, "a relay needs 'upstream', an IPv4 or IPv6 address");
	if (inet_pton(AF_INET, json_string_value(up), svc->addr) == 1)
		svc->family = AF_INET;
	else if (inet_pton(AF_INET6, json_string_value(up), svc->addr) == 1)
		svc->family = AF_INET6;
	else
		return cfg_fail(err, q, "'upstream' must be an IPv4 or IPv6 address");
	snprintf(q, sizeof(q), "%s/upstream-port", p);
	if (!json_is_integer(uport) || json_integer_value(uport) < 1 ||
	    json_integer_value(uport) > 65535)
		return cfg_fail(err, q, "a relay needs 'upstream-port', 1..65535");
	svc->uport = (uint16_t)json_integer_value(uport);
	return true;
}

/* Test services (echo, discard, send, relay) served by rampart-dp itself:
 * test configurations only. */
static bool
parse_test_services(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "port", "service", "bytes", "upstream",
		"upstream-port", NULL };
	size_t i;

	if (v == NULL)
		return true;
	if (!json_is_array(v))
		return cfg_fail(err, "/test-services", "'test-services' must be an array");
	if (json_array_size(v) > CFG_MAX_TEST_SERVICES)
		return cfg_fail(err, "/test-services", "at most %d test services",
			    CFG_MAX_TEST_SERVICES);
	for (i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i), *port, *svc;
		char p[64], q[80];
		const char *name;
		json_int_t n;
		uint8_t kind;

		snprintf(p, sizeof(p), "/test-services/%zu", i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "a test service must be an object");
		if (!cfg_only_members(e, p, members, err))
			return false;
		port = json_object_get(e, "port");
		snprintf(q, sizeof(q), "%s/port", p);
		if (!json_is_integer(port) || (n = json_integer_value(port)) < 1 || n > 65535)
			return cfg_fail(err, q, "'port' is required and must be 1..65535");
		for (unsigned j = 0; j < s->tcp.nservices; j++)
			if (s->tcp.service[j].port == n)
				return cfg_fail(err, q, "port %lld has two services", (long long)n);
		svc = json_object_get(e, "service");
		snprintf(q, sizeof(q), "%s/service", p);
		name = json_string_value(svc);
		if (name != NULL && strcmp(name, "echo") == 0)
			kind = CFG_SVC_ECHO;
		else if (name != NULL && strcmp(name, "discard") == 0)
			kind = CFG_SVC_DISCARD;
		else if (name != NULL && strcmp(name, "send") == 0)
			kind = CFG_SVC_SEND;
		else if (name != NULL && strcmp(name, "relay") == 0)
			kind = CFG_SVC_RELAY;
		else
			return cfg_fail(err, q, "'service' must be \"echo\", \"discard\", \"send\" or \"relay\"");
		memset(&s->tcp.service[s->tcp.nservices], 0, sizeof(s->tcp.service[0]));
		s->tcp.service[s->tcp.nservices].port = (uint16_t)n;
		s->tcp.service[s->tcp.nservices].kind = kind;
		if (!parse_test_service_args(&s->tcp.service[s->tcp.nservices], e, p, err))
			return false;
		s->tcp.nservices++;
	}
	return true;
}

/* Test-only impairment (port/impair.h): [{"port": index or name,
 * "direction": "rx" | "tx" | "both", "seed", "loss-ppm", "duplicate-ppm",
 * "reorder-ppm", "reorder-delay-ms", "corrupt-ppm", "rate-kbps"}]. One rule
 * per port and direction; the port must be configured. */
static bool
parse_impairment(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "port", "direction", "seed", "loss-ppm",
		"duplicate-ppm", "reorder-ppm", "reorder-delay-ms", "corrupt-ppm",
		"rate-kbps", NULL };

	if (v == NULL)
		return true;
	if (!json_is_array(v))
		return cfg_fail(err, "/impairment", "'impairment' must be an array");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i), *port, *dir;
		struct cfg_impair r = { 0 };
		const char *d;
		char p[64], q[96];
		int port_idx = -1;
		bool rx, tx;

		snprintf(p, sizeof(p), "/impairment/%zu", i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "an impairment rule must be an object");
		if (!cfg_only_members(e, p, members, err))
			return false;
		port = json_object_get(e, "port");
		snprintf(q, sizeof(q), "%s/port", p);
		if (json_is_integer(port)) {
			json_int_t n = json_integer_value(port);

			if (n >= 0 && n < CFG_MAX_PORTS && s->port[n].configured)
				port_idx = (int)n;
		} else if (json_is_string(port)) {
			for (unsigned k = 0; k < CFG_MAX_PORTS; k++)
				if (s->port[k].configured &&
				    strcmp(s->port[k].name, json_string_value(port)) == 0)
					port_idx = (int)k;
		} else {
			return cfg_fail(err, q, "'port' is required: a port index or name");
		}
		if (port_idx < 0)
			return cfg_fail(err, q, "'port' names no configured port");
		dir = json_object_get(e, "direction");
		snprintf(q, sizeof(q), "%s/direction", p);
		d = json_string_value(dir);
		rx = d != NULL && (strcmp(d, "rx") == 0 || strcmp(d, "both") == 0);
		tx = d != NULL && (strcmp(d, "tx") == 0 || strcmp(d, "both") == 0);
		if (!rx && !tx)
			return cfg_fail(err, q, "'direction' is required: \"rx\", \"tx\" or \"both\"");
		if (!cfg_get_u32(e, p, "seed", 0, 1, UINT32_MAX, &r.seed, err) ||
		    !cfg_get_u32(e, p, "loss-ppm", 0, 0, 1000000, &r.loss_ppm, err) ||
		    !cfg_get_u32(e, p, "duplicate-ppm", 0, 0, 1000000, &r.dup_ppm, err) ||
		    !cfg_get_u32(e, p, "reorder-ppm", 0, 0, 1000000, &r.reorder_ppm, err) ||
		    !cfg_get_u32(e, p, "reorder-delay-ms", 0, 0, 1000, &r.reorder_delay_ms, err) ||
		    !cfg_get_u32(e, p, "corrupt-ppm", 0, 0, 1000000, &r.corrupt_ppm, err) ||
		    !cfg_get_u32(e, p, "rate-kbps", 0, 0, 100000000, &r.rate_kbps, err))
			return false;
		if (r.reorder_ppm && r.reorder_delay_ms == 0) {
			snprintf(q, sizeof(q), "%s/reorder-delay-ms", p);
			return cfg_fail(err, q, "'reorder-ppm' needs a 'reorder-delay-ms' of 1..1000");
		}
		r.port = (uint16_t)port_idx;
		for (unsigned k = 0; k < 2; k++) {
			if (!(k == CFG_IMPAIR_RX ? rx : tx))
				continue;
			r.dir = (uint8_t)k;
			for (unsigned j = 0; j < s->nimpair; j++)
				if (s->impair[j].port == r.port && s->impair[j].dir == r.dir)
					return cfg_fail(err, p, "port %d has two %s impairment rules",
						    port_idx, k == CFG_IMPAIR_RX ? "rx" : "tx");
			s->impair[s->nimpair++] = r;   /* one per port and direction: fits */
		}
	}
	return true;
}

struct snapshot *
config_empty(uint16_t nports)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->nports = nports;
	s->icmp_echo = true;
	s->neigh = (struct cfg_neigh){ LIM_REACHABLE_MS.def, LIM_RETRANS_MS.def,
		LIM_PROBES.def, LIM_PENDING_MAX.def, LIM_ENTRIES_MAX.def };
	tcp_defaults(&s->tcp);
	config_proxy_defaults(&s->proxy);
	config_waf_defaults(&s->waf);
	return s;
}

struct snapshot *
config_parse(const json_t *doc, uint16_t nports, struct config_error *err)
{
	static const char *const members[] = { "schema", "ports", "neighbour",
		"icmp", "tcp", "test-services", "http", "listeners", "routes", "upstreams", "impairment", "waf", NULL };
	struct snapshot *s;
	const json_t *schema, *ports;
	size_t i;

	memset(err, 0, sizeof(*err));
	if (!json_is_object(doc)) {
		cfg_fail(err, "", "the configuration must be a JSON object");
		return NULL;
	}
	s = config_empty(nports);
	if (s == NULL) {
		cfg_fail(err, "", "out of memory");
		return NULL;
	}
	if (!cfg_only_members(doc, "", members, err))
		goto err;

	schema = json_object_get(doc, "schema");
	if (!json_is_integer(schema) || json_integer_value(schema) != CONFIG_SCHEMA) {
		cfg_fail(err, "/schema", "'schema' must be %d", CONFIG_SCHEMA);
		goto err;
	}

	ports = json_object_get(doc, "ports");
	if (!json_is_array(ports)) {
		cfg_fail(err, "/ports", "'ports' must be an array");
		goto err;
	}
	if (json_array_size(ports) > CFG_MAX_PORTS) {
		cfg_fail(err, "/ports", "at most %d ports", CFG_MAX_PORTS);
		goto err;
	}
	for (i = 0; i < json_array_size(ports); i++) {
		char p[32];

		snprintf(p, sizeof(p), "/ports/%zu", i);
		if (!parse_port(s, json_array_get(ports, i), p, err))
			goto err;
	}
	if (!parse_neigh(s, json_object_get(doc, "neighbour"), err) ||
	    !parse_icmp(s, json_object_get(doc, "icmp"), err) ||
	    !parse_tcp(s, json_object_get(doc, "tcp"), err) ||
	    !parse_test_services(s, json_object_get(doc, "test-services"), err) ||
	    !parse_impairment(s, json_object_get(doc, "impairment"), err) ||
	    !config_parse_proxy(s, doc, err) ||
	    !config_parse_waf(s, doc, err))
		goto err;

	s->source = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	if (s->source == NULL) {
		cfg_fail(err, "", "out of memory");
		goto err;
	}
	return s;
err:
	snapshot_free(s);
	return NULL;
}

void
snapshot_free(struct snapshot *s)
{
	if (s == NULL)
		return;
	waf_runtime_put(s->waf_rt);
	free(s->source);
	free(s);
}

void
config_ll6_from_mac(const struct rte_ether_addr *mac, uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac->addr_bytes[0] ^ 0x02;
	out[9] = mac->addr_bytes[1];
	out[10] = mac->addr_bytes[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac->addr_bytes[3];
	out[14] = mac->addr_bytes[4];
	out[15] = mac->addr_bytes[5];
}
