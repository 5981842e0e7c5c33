/* SPDX-License-Identifier: Proprietary
 * The proxy's part of a config document: "http" (limits, timeouts),
 * "listeners", "routes" and "upstreams", checked member by member like the
 * rest (config_parse.c) and cross-checked (names unique, references
 * resolved, listener ports free of test services). Routes are then
 * compiled into per-listener lookup orders (proxy/route.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_p.h"
#include "http/http_types.h"
#include "proxy/route.h"

/* {min, default, max} */
static const struct { uint32_t min, def, max; }
	LIM_SESSIONS     = { 1, 256, 8192 },
	LIM_REQ_LINE     = { 64, 8192, 65536 },       /* HTTP_HARD_REQUEST_LINE */
	LIM_HDR_COUNT    = { 1, 100, 1024 },          /* HTTP_HARD_HEADER_COUNT */
	LIM_HDR_BYTES    = { 256, 16384, 262144 },    /* HTTP_HARD_HEADER_BYTES */
	LIM_BODY         = { 1, 1048576, 4294967295u },
	LIM_CHUNK        = { 1, 1048576, 4294967295u },
	LIM_HDR_READ_MS  = { 100, 10000, 600000 },
	LIM_BODY_IDLE_MS = { 100, 10000, 600000 },
	LIM_KA_IDLE_MS   = { 100, 60000, 3600000 },
	LIM_UP_CONN_MS   = { 10, 3000, 60000 },
	LIM_UP_RESP_MS   = { 100, 30000, 600000 },
	LIM_WEIGHT       = { 1, 1, 256 },
	LIM_HC_INTERVAL  = { 100, 5000, 3600000 },
	LIM_HC_RISE      = { 1, 2, 100 },
	LIM_HC_FALL      = { 1, 3, 100 },
	LIM_KA_MAX_IDLE  = { 0, 16, 1024 },
	LIM_KA_TIMEOUT   = { 100, 60000, 3600000 },
	LIM_KA_MAX_REQ   = { 1, 1000, 1000000 },
	LIM_HC_STATUS    = { 0, 0, 599 },
	LIM_EJ_FAILURES  = { 1, 5, 1000 },
	LIM_EJ_PERIOD_MS = { 100, 10000, 3600000 };

/* Names of enum http_method, HTTP_M_GET first. */
static const char *const method_names[HTTP_M__MAX] = {
	[HTTP_M_GET] = "GET", [HTTP_M_HEAD] = "HEAD", [HTTP_M_POST] = "POST",
	[HTTP_M_PUT] = "PUT", [HTTP_M_DELETE] = "DELETE", [HTTP_M_CONNECT] = "CONNECT",
	[HTTP_M_OPTIONS] = "OPTIONS", [HTTP_M_TRACE] = "TRACE", [HTTP_M_PATCH] = "PATCH",
};

void
config_proxy_defaults(struct cfg_proxy *p)
{
	p->http = (struct cfg_http){
		.max_sessions = LIM_SESSIONS.def, .request_line = LIM_REQ_LINE.def,
		.header_count = LIM_HDR_COUNT.def, .header_bytes = LIM_HDR_BYTES.def,
		.body = LIM_BODY.def, .chunk = LIM_CHUNK.def,
		.header_read_ms = LIM_HDR_READ_MS.def, .body_idle_ms = LIM_BODY_IDLE_MS.def,
		.keepalive_idle_ms = LIM_KA_IDLE_MS.def,
		.upstream_connect_ms = LIM_UP_CONN_MS.def,
		.upstream_response_ms = LIM_UP_RESP_MS.def,
	};
}

#define U32(obj, path, name, lim, out) \
	cfg_get_u32(obj, path, name, (lim).min, (lim).def, (lim).max, out, err)

/* http/access-log: an absolute file path the main lcore opens for append
 * (proxy/access_log.c follows changes). Printable bytes only: it is logged
 * and shown back over NETCONF. */
static bool
parse_access_log(struct cfg_http *h, const json_t *v, struct config_error *err)
{
	const char *p;
	size_t n;

	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return cfg_fail(err, "/http/access-log", "'access-log' must be a string");
	p = json_string_value(v);
	n = json_string_length(v);
	if (n < 2 || n >= CFG_ACCESS_LOG_MAX || p[0] != '/' || p[n - 1] == '/')
		return cfg_fail(err, "/http/access-log",
				"'access-log' must be an absolute file path of 2..255 bytes");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] == 0x7f)
			return cfg_fail(err, "/http/access-log",
					"'access-log' must not contain control characters");
	memcpy(h->access_log, p, n + 1);
	return true;
}

static bool
parse_http(struct cfg_proxy *px, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "max-sessions-per-worker", "limits",
		"timeouts", "access-log", NULL };
	static const char *const lmembers[] = { "request-line", "header-count",
		"header-bytes", "body", "chunk", NULL };
	static const char *const tmembers[] = { "header-read-ms", "body-idle-ms",
		"keepalive-idle-ms", "upstream-connect-ms", "upstream-response-ms", NULL };
	struct cfg_http *h = &px->http;
	const json_t *l, *t;

	if (v == NULL)
		return true;
	if (!json_is_object(v))
		return cfg_fail(err, "/http", "'http' must be an object");
	if (!cfg_only_members(v, "/http", members, err) ||
	    !U32(v, "/http", "max-sessions-per-worker", LIM_SESSIONS, &h->max_sessions) ||
	    !parse_access_log(h, json_object_get(v, "access-log"), err))
		return false;
	l = json_object_get(v, "limits");
	if (l != NULL) {
		if (!json_is_object(l))
			return cfg_fail(err, "/http/limits", "'limits' must be an object");
		if (!cfg_only_members(l, "/http/limits", lmembers, err) ||
		    !U32(l, "/http/limits", "request-line", LIM_REQ_LINE, &h->request_line) ||
		    !U32(l, "/http/limits", "header-count", LIM_HDR_COUNT, &h->header_count) ||
		    !U32(l, "/http/limits", "header-bytes", LIM_HDR_BYTES, &h->header_bytes) ||
		    !U32(l, "/http/limits", "body", LIM_BODY, &h->body) ||
		    !U32(l, "/http/limits", "chunk", LIM_CHUNK, &h->chunk))
			return false;
	}
	t = json_object_get(v, "timeouts");
	if (t != NULL) {
		if (!json_is_object(t))
			return cfg_fail(err, "/http/timeouts", "'timeouts' must be an object");
		if (!cfg_only_members(t, "/http/timeouts", tmembers, err) ||
		    !U32(t, "/http/timeouts", "header-read-ms", LIM_HDR_READ_MS, &h->header_read_ms) ||
		    !U32(t, "/http/timeouts", "body-idle-ms", LIM_BODY_IDLE_MS, &h->body_idle_ms) ||
		    !U32(t, "/http/timeouts", "keepalive-idle-ms", LIM_KA_IDLE_MS, &h->keepalive_idle_ms) ||
		    !U32(t, "/http/timeouts", "upstream-connect-ms", LIM_UP_CONN_MS, &h->upstream_connect_ms) ||
		    !U32(t, "/http/timeouts", "upstream-response-ms", LIM_UP_RESP_MS, &h->upstream_response_ms))
			return false;
	}
	return true;
}

/* A required "name" member, unique among the first n entries of a list
 * whose names are at stride bytes apart starting at names. */
static bool
get_name(const json_t *e, const char *path, char out[CFG_NAME_MAX], const char *names,
	 size_t stride, unsigned n, struct config_error *err)
{
	const char *s = json_string_value(json_object_get(e, "name"));
	char p[128];

	snprintf(p, sizeof(p), "%s/name", path);
	if (s == NULL || !cfg_valid_name(s))
		return cfg_fail(err, p, "'name' is required: 1..%d characters of [A-Za-z0-9._-]",
				CFG_NAME_MAX - 1);
	for (unsigned i = 0; i < n; i++)
		if (strcmp(names + i * stride, s) == 0)
			return cfg_fail(err, p, "name '%s' is used twice", s);
	snprintf(out, CFG_NAME_MAX, "%s", s);
	return true;
}

/* An IP address literal (no prefix) into family and bytes. */
static bool
parse_ip(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (s == NULL)
		return false;
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

static bool
get_port(const json_t *e, const char *path, uint16_t *out, struct config_error *err)
{
	const json_t *v = json_object_get(e, "port");
	char p[128];
	json_int_t n;

	snprintf(p, sizeof(p), "%s/port", path);
	if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 || n > 65535)
		return cfg_fail(err, p, "'port' is required and must be 1..65535");
	*out = (uint16_t)n;
	return true;
}

static bool
parse_listeners(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "name", "port", "address", NULL };
	struct cfg_proxy *px = &s->proxy;

	if (v == NULL)
		return true;
	if (!json_is_array(v))
		return cfg_fail(err, "/listeners", "'listeners' must be an array");
	if (json_array_size(v) > CFG_MAX_LISTENERS)
		return cfg_fail(err, "/listeners", "at most %d listeners", CFG_MAX_LISTENERS);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i), *a;
		struct cfg_listener *l = &px->listener[px->nlisteners];
		char p[64], q[80];

		snprintf(p, sizeof(p), "/listeners/%zu", i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "a listener must be an object");
		if (!cfg_only_members(e, p, members, err) ||
		    !get_name(e, p, l->name, px->listener[0].name, sizeof(*l), px->nlisteners, err) ||
		    !get_port(e, p, &l->port, err))
			return false;
		a = json_object_get(e, "address");
		snprintf(q, sizeof(q), "%s/address", p);
		if (a != NULL && !parse_ip(json_string_value(a), &l->family, l->addr))
			return cfg_fail(err, q, "'address' must be an IPv4 or IPv6 address");
		snprintf(q, sizeof(q), "%s/port", p);
		for (unsigned j = 0; j < s->tcp.nservices; j++)
			if (s->tcp.service[j].port == l->port)
				return cfg_fail(err, q, "port %u is a test service's", l->port);
		for (unsigned j = 0; j < px->nlisteners; j++) {
			const struct cfg_listener *o = &px->listener[j];

			if (o->port == l->port && o->family == l->family &&
			    memcmp(o->addr, l->addr, 16) == 0)
				return cfg_fail(err, q, "listeners '%s' and '%s' have the same address and port",
						o->name, l->name);
		}
		px->nlisteners++;
	}
	return true;
}

static bool
parse_server(struct cfg_server *sv, const json_t *e, const char *p, struct config_error *err)
{
	static const char *const members[] = { "address", "port", "weight", NULL };
	char q[128];
	uint32_t weight;

	if (!json_is_object(e))
		return cfg_fail(err, p, "a server must be an object");
	if (!cfg_only_members(e, p, members, err))
		return false;
	snprintf(q, sizeof(q), "%s/address", p);
	if (!parse_ip(json_string_value(json_object_get(e, "address")), &sv->family, sv->addr))
		return cfg_fail(err, q, "'address' is required and must be an IPv4 or IPv6 address");
	if (!get_port(e, p, &sv->port, err) ||
	    !cfg_get_u32(e, p, "weight", LIM_WEIGHT.min, LIM_WEIGHT.def, LIM_WEIGHT.max, &weight, err))
		return false;
	sv->weight = (uint16_t)weight;
	return true;
}

static bool
parse_health_check(struct cfg_upstream *u, const json_t *v, const char *path,
		   struct config_error *err)
{
	static const char *const members[] = { "path", "interval-ms", "rise", "fall",
		"expected-status", NULL };
	uint32_t status = 0;
	const char *hp;
	char p[128];

	if (v == NULL)
		return true;
	snprintf(p, sizeof(p), "%s/health-check", path);
	if (!json_is_object(v))
		return cfg_fail(err, p, "'health-check' must be an object");
	if (!cfg_only_members(v, p, members, err))
		return false;
	hp = json_string_value(json_object_get(v, "path"));
	if (hp == NULL) {
		hp = "/";
	} else {
		char q[160];

		snprintf(q, sizeof(q), "%s/path", p);
		if (hp[0] != '/' || strlen(hp) > CFG_HC_PATH_MAX)
			return cfg_fail(err, q, "'path' must start with '/' and be at most %d bytes",
					CFG_HC_PATH_MAX);
		for (const char *c = hp; *c; c++)
			if (*c <= ' ' || *c >= 0x7f)
				return cfg_fail(err, q, "'path' must be visible ASCII without spaces");
	}
	snprintf(u->hc_path, sizeof(u->hc_path), "%s", hp);
	u->hc_enabled = true;
	if (!U32(v, p, "interval-ms", LIM_HC_INTERVAL, &u->hc_interval_ms) ||
	    !U32(v, p, "rise", LIM_HC_RISE, &u->hc_rise) ||
	    !U32(v, p, "fall", LIM_HC_FALL, &u->hc_fall) ||
	    !U32(v, p, "expected-status", LIM_HC_STATUS, &status))
		return false;
	if (status != 0 && status < 100) {
		char q[160];

		snprintf(q, sizeof(q), "%s/expected-status", p);
		return cfg_fail(err, q, "'expected-status' must be 100..599");
	}
	u->hc_status = (uint16_t)status;
	return true;
}

/* Passive ejection: consecutive failures (connect, 5xx) seen by a worker
 * take the server out of that worker's choice for period-ms. */
static bool
parse_ejection(struct cfg_upstream *u, const json_t *v, const char *path,
	       const char *const *members, struct config_error *err)
{
	char p[128];

	u->ej_failures = LIM_EJ_FAILURES.def;
	u->ej_period_ms = LIM_EJ_PERIOD_MS.def;
	if (v == NULL)
		return true;
	snprintf(p, sizeof(p), "%s/ejection", path);
	if (!json_is_object(v))
		return cfg_fail(err, p, "'ejection' must be an object");
	return cfg_only_members(v, p, members, err) &&
	       U32(v, p, "consecutive-failures", LIM_EJ_FAILURES, &u->ej_failures) &&
	       U32(v, p, "period-ms", LIM_EJ_PERIOD_MS, &u->ej_period_ms);
}

static bool
parse_upstreams(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "name", "servers", "balance",
		"health-check", "keepalive", "ejection", "pass-error-bodies", NULL };
	static const char *const emembers[] = { "consecutive-failures", "period-ms", NULL };
	static const char *const kmembers[] = { "max-idle", "idle-timeout-ms", "max-requests",
		NULL };
	struct cfg_proxy *px = &s->proxy;

	if (v == NULL)
		return true;
	if (!json_is_array(v))
		return cfg_fail(err, "/upstreams", "'upstreams' must be an array");
	if (json_array_size(v) > CFG_MAX_UPSTREAMS)
		return cfg_fail(err, "/upstreams", "at most %d upstreams", CFG_MAX_UPSTREAMS);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i), *servers, *bal, *ka;
		struct cfg_upstream *u = &px->upstream[px->nupstreams];
		char p[64], q[96];

		snprintf(p, sizeof(p), "/upstreams/%zu", i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "an upstream must be an object");
		if (!cfg_only_members(e, p, members, err) ||
		    !get_name(e, p, u->name, px->upstream[0].name, sizeof(*u), px->nupstreams, err))
			return false;
		servers = json_object_get(e, "servers");
		snprintf(q, sizeof(q), "%s/servers", p);
		if (!json_is_array(servers) || json_array_size(servers) == 0 ||
		    json_array_size(servers) > CFG_MAX_SERVERS)
			return cfg_fail(err, q, "'servers' is required: an array of 1..%d servers",
					CFG_MAX_SERVERS);
		for (size_t k = 0; k < json_array_size(servers); k++) {
			struct cfg_server *sv = &u->server[u->nservers];

			snprintf(q, sizeof(q), "%s/servers/%zu", p, k);
			if (!parse_server(sv, json_array_get(servers, k), q, err))
				return false;
			for (unsigned j = 0; j < u->nservers; j++)
				if (u->server[j].family == sv->family && u->server[j].port == sv->port &&
				    memcmp(u->server[j].addr, sv->addr, 16) == 0)
					return cfg_fail(err, q, "the same server is listed twice");
			u->nservers++;
		}
		bal = json_object_get(e, "balance");
		snprintf(q, sizeof(q), "%s/balance", p);
		if (bal == NULL || (json_is_string(bal) && strcmp(json_string_value(bal), "round-robin") == 0))
			u->balance = CFG_BALANCE_ROUND_ROBIN;
		else if (json_is_string(bal) && strcmp(json_string_value(bal), "least-connections") == 0)
			u->balance = CFG_BALANCE_LEAST_CONN;
		else
			return cfg_fail(err, q, "'balance' must be \"round-robin\" or \"least-connections\"");
		if (!parse_health_check(u, json_object_get(e, "health-check"), p, err))
			return false;
		ka = json_object_get(e, "keepalive");
		snprintf(q, sizeof(q), "%s/keepalive", p);
		u->ka_max_idle = LIM_KA_MAX_IDLE.def;
		u->ka_idle_timeout_ms = LIM_KA_TIMEOUT.def;
		u->ka_max_requests = LIM_KA_MAX_REQ.def;
		if (ka != NULL) {
			if (!json_is_object(ka))
				return cfg_fail(err, q, "'keepalive' must be an object");
			if (!cfg_only_members(ka, q, kmembers, err) ||
			    !U32(ka, q, "max-idle", LIM_KA_MAX_IDLE, &u->ka_max_idle) ||
			    !U32(ka, q, "idle-timeout-ms", LIM_KA_TIMEOUT, &u->ka_idle_timeout_ms) ||
			    !U32(ka, q, "max-requests", LIM_KA_MAX_REQ, &u->ka_max_requests))
				return false;
		}
		if (!parse_ejection(u, json_object_get(e, "ejection"), p, emembers, err))
			return false;
		{
			const json_t *pb = json_object_get(e, "pass-error-bodies");

			snprintf(q, sizeof(q), "%s/pass-error-bodies", p);
			if (pb != NULL && !json_is_boolean(pb))
				return cfg_fail(err, q, "'pass-error-bodies' must be true or false");
			u->pass_5xx_body = pb != NULL && json_is_true(pb);
		}
		px->nupstreams++;
	}
	return true;
}

/* A reference by name to an entry of a list; its index, or -1. */
static int
find_name(const char *s, const char *names, size_t stride, unsigned n)
{
	for (unsigned i = 0; s && i < n; i++)
		if (strcmp(names + i * stride, s) == 0)
			return (int)i;
	return -1;
}

/* "api.example.com", "*.example.com" or "*" (RFC 1123 labels; lowercase
 * kept). */
static bool
parse_host(struct cfg_route *r, const char *h)
{
	size_t n = strlen(h), label = 0;
	const char *c = h;

	if (strcmp(h, "*") == 0) {
		r->host_kind = CFG_HOST_ANY;
		return true;
	}
	r->host_kind = CFG_HOST_EXACT;
	if (n >= 2 && h[0] == '*' && h[1] == '.') {
		r->host_kind = CFG_HOST_WILDCARD;
		c = h + 1;     /* keep the dot: ".example.com" is the suffix */
		n--;
	}
	if (n == 0 || n > CFG_HOST_MAX - 1)
		return false;
	for (size_t i = r->host_kind == CFG_HOST_WILDCARD ? 1 : 0; i < n; i++) {
		char ch = c[i];

		if (ch == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)ch) || (ch == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	if (label == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		r->host[i] = (char)tolower((unsigned char)c[i]);
	r->host[n] = '\0';
	r->host_len = (uint16_t)n;
	return true;
}

static bool
parse_methods(struct cfg_route *r, const json_t *v, const char *p, struct config_error *err)
{
	r->methods = 0;
	if (v == NULL)
		return true;
	if (!json_is_array(v) || json_array_size(v) == 0)
		return cfg_fail(err, p, "'methods' must be a non-empty array of method names");
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *m = json_string_value(json_array_get(v, i));
		unsigned k;
		char q[160];

		for (k = HTTP_M_GET; k < HTTP_M__MAX; k++)
			if (m && strcmp(m, method_names[k]) == 0)
				break;
		snprintf(q, sizeof(q), "%s/%zu", p, i);
		if (k == HTTP_M__MAX)
			return cfg_fail(err, q, "'%s' is not one of GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH",
					m ? m : "(not a string)");
		if (r->methods & (1u << k))
			return cfg_fail(err, q, "method %s is listed twice", m);
		r->methods |= (uint16_t)(1u << k);
	}
	return true;
}

static bool
parse_prefix(struct cfg_route *r, const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] != '/' || n > CFG_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '?' || s[i] == '#' || s[i] == '%')
			return false;
	/* Routes match the normalised path: a prefix must be in that form. */
	if (strstr(s, "//") || strstr(s, "/./") || strstr(s, "/../") ||
	    (n >= 2 && strcmp(s + n - 2, "/.") == 0) || (n >= 3 && strcmp(s + n - 3, "/..") == 0))
		return false;
	memcpy(r->prefix, s, n + 1);
	r->prefix_len = (uint16_t)n;
	return true;
}

static bool
parse_routes(struct snapshot *s, const json_t *v, struct config_error *err)
{
	static const char *const members[] = { "name", "listener", "host", "path-prefix",
		"methods", "upstream", NULL };
	struct cfg_proxy *px = &s->proxy;

	if (v == NULL)
		return true;
	if (!json_is_array(v))
		return cfg_fail(err, "/routes", "'routes' must be an array");
	if (json_array_size(v) > CFG_MAX_ROUTES)
		return cfg_fail(err, "/routes", "at most %d routes", CFG_MAX_ROUTES);
	for (size_t i = 0; i < json_array_size(v); i++) {
		const json_t *e = json_array_get(v, i);
		struct cfg_route *r = &px->route[px->nroutes];
		const char *str;
		char p[64], q[96];
		int idx;

		snprintf(p, sizeof(p), "/routes/%zu", i);
		if (!json_is_object(e))
			return cfg_fail(err, p, "a route must be an object");
		if (!cfg_only_members(e, p, members, err) ||
		    !get_name(e, p, r->name, px->route[0].name, sizeof(*r), px->nroutes, err))
			return false;
		str = json_string_value(json_object_get(e, "listener"));
		snprintf(q, sizeof(q), "%s/listener", p);
		idx = find_name(str, px->listener[0].name, sizeof(px->listener[0]), px->nlisteners);
		if (idx < 0)
			return cfg_fail(err, q, "'listener' is required and must name a listener");
		r->listener = (uint8_t)idx;
		str = json_string_value(json_object_get(e, "upstream"));
		snprintf(q, sizeof(q), "%s/upstream", p);
		idx = find_name(str, px->upstream[0].name, sizeof(px->upstream[0]), px->nupstreams);
		if (idx < 0)
			return cfg_fail(err, q, "'upstream' is required and must name an upstream");
		r->upstream = (uint8_t)idx;
		str = json_string_value(json_object_get(e, "host"));
		snprintf(q, sizeof(q), "%s/host", p);
		if (json_object_get(e, "host") != NULL && (str == NULL || !parse_host(r, str)))
			return cfg_fail(err, q, "'host' must be a host name, \"*.\" and a domain, or \"*\"");
		str = json_string_value(json_object_get(e, "path-prefix"));
		snprintf(q, sizeof(q), "%s/path-prefix", p);
		if (str == NULL)
			str = "/";
		if (!parse_prefix(r, str))
			return cfg_fail(err, q, "'path-prefix' must be a normalised absolute path of at most %d visible ASCII bytes (no '?', '#', '%%', '//', dot segments)",
					CFG_PREFIX_MAX);
		snprintf(q, sizeof(q), "%s/methods", p);
		if (!parse_methods(r, json_object_get(e, "methods"), q, err))
			return false;
		for (unsigned j = 0; j < px->nroutes; j++) {
			const struct cfg_route *o = &px->route[j];

			if (o->listener == r->listener && o->host_kind == r->host_kind &&
			    strcmp(o->host, r->host) == 0 && strcmp(o->prefix, r->prefix) == 0 &&
			    (o->methods == 0 || r->methods == 0 || (o->methods & r->methods)))
				return cfg_fail(err, p, "routes '%s' and '%s' match the same requests",
						o->name, r->name);
		}
		px->nroutes++;
	}
	return true;
}

bool
config_parse_proxy(struct snapshot *s, const json_t *doc, struct config_error *err)
{
	/* Upstreams and listeners first: routes refer to them by name. */
	return parse_http(&s->proxy, json_object_get(doc, "http"), err) &&
	       parse_listeners(s, json_object_get(doc, "listeners"), err) &&
	       parse_upstreams(s, json_object_get(doc, "upstreams"), err) &&
	       parse_routes(s, json_object_get(doc, "routes"), err) &&
	       (route_compile(&s->proxy), true);
}
