/* SPDX-License-Identifier: Proprietary
 * Active health checks, passive ejection, per-server counts
 * (upstream_health.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_malloc.h>

#include "dataplane.h"
#include "proxy/proxy_p.h"
#include "proxy/upstream_health.h"
#include "tcp/tcp.h"

/* (generation << 1) | down, per server; written by the upstream's prober
 * only. */
static uint64_t verdict[CFG_MAX_UPSTREAMS][CFG_MAX_SERVERS];

static const struct tcp_app_ops probe_ops;

bool
uhealth_server_up(unsigned u, unsigned s, uint64_t generation)
{
	uint64_t v = __atomic_load_n(&verdict[u][s], __ATOMIC_ACQUIRE);

	return (v >> 1) != (generation & (UINT64_MAX >> 1)) || !(v & 1);
}

static void
publish(unsigned u, unsigned s, uint64_t generation, bool down)
{
	__atomic_store_n(&verdict[u][s], ((generation & (UINT64_MAX >> 1)) << 1) | (down ? 1 : 0),
			 __ATOMIC_RELEASE);
}

struct uhealth_worker *
uhealth_create(struct proxy_worker *pw, int socket)
{
	struct uhealth_worker *h = rte_zmalloc_socket("proxy_upstream_health", sizeof(*h),
						      RTE_CACHE_LINE_SIZE, socket);

	if (h == NULL)
		return NULL;
	h->pw = pw;
	h->gen = UINT64_MAX;
	for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned s = 0; s < CFG_MAX_SERVERS; s++) {
			h->probe[u][s].hw = h;
			h->probe[u][s].upstream = (uint8_t)u;
			h->probe[u][s].server = (uint8_t)s;
		}
	return h;
}

/* Let go of the check in flight (its callbacks no longer reach us). */
static void
probe_drop(struct uh_probe *p, bool abort)
{
	struct tcp_conn *c = p->c;

	p->c = NULL;
	p->rsp_len = 0;
	if (c == NULL)
		return;
	c->app = NULL;
	if (abort)
		tcp_abort(c);
}

void
uhealth_destroy(struct uhealth_worker *h)
{
	if (h == NULL)
		return;
	for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned s = 0; s < CFG_MAX_SERVERS; s++)
			if (h->probe[u][s].c != NULL)
				h->probe[u][s].c->app = NULL;
	rte_free(h);
}

static bool
prober_of(const struct uhealth_worker *h, unsigned u)
{
	unsigned n = dp.nworkers ? dp.nworkers : 1;

	return u % n == h->pw->w->id % n;
}

/* A check ended: count it, move the runs, publish a transition. */
static void
probe_verdict(struct uh_probe *p, bool ok)
{
	struct uhealth_worker *h = p->hw;
	const struct snapshot *snap = h->pw->w->snap;
	const struct cfg_upstream *cu;
	struct uh_server *sv = &h->srv[p->upstream][p->server];

	probe_drop(p, true);
	sv->checks++;
	if (snap == NULL || h->gen != snap->generation)
		return;
	cu = &snap->proxy.upstream[p->upstream];
	if (ok) {
		p->fail_run = 0;
		if (p->down && ++p->ok_run >= cu->hc_rise) {
			p->down = false;
			worker_count(h->pw->w, CNT_HTTP_UP_SERVER_UP);
			publish(p->upstream, p->server, h->gen, false);
		}
	} else {
		sv->check_failures++;
		worker_count(h->pw->w, CNT_HTTP_UP_CHECK_FAIL);
		p->ok_run = 0;
		if (!p->down && ++p->fail_run >= cu->hc_fall) {
			p->down = true;
			worker_count(h->pw->w, CNT_HTTP_UP_SERVER_DOWN);
			publish(p->upstream, p->server, h->gen, true);
		}
	}
}

static void
probe_start(struct uhealth_worker *h, const struct cfg_proxy *px, unsigned u, unsigned s,
	    uint64_t now_ms)
{
	const struct cfg_upstream *cu = &px->upstream[u];
	const struct cfg_server *sv = &cu->server[s];
	struct uh_probe *p = &h->probe[u][s];
	uint32_t limit = px->http.upstream_connect_ms + px->http.upstream_response_ms;
	int err;

	p->next_ms = now_ms + cu->hc_interval_ms;
	p->deadline_ms = now_ms + (cu->hc_interval_ms < limit ? cu->hc_interval_ms : limit);
	p->rsp_len = 0;
	p->c = tcp_connect(h->pw->w, sv->family, sv->addr, sv->port, &probe_ops, p, &err);
	if (p->c == NULL)
		probe_verdict(p, false);
}

void
uhealth_poll(struct uhealth_worker *h, const struct cfg_proxy *px, uint64_t generation,
	     uint64_t now_ms)
{
	if (h->gen != generation) {
		/* Indexes may name other servers now: start over (up). */
		for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
			for (unsigned s = 0; s < CFG_MAX_SERVERS; s++) {
				struct uh_probe *p = &h->probe[u][s];

				probe_drop(p, true);
				p->ok_run = p->fail_run = 0;
				p->down = false;
				p->next_ms = now_ms;
				h->srv[u][s].ejected_until_ms = 0;
				h->srv[u][s].fails_in_row = 0;
			}
		h->gen = generation;
	} else if (now_ms == h->last_ms) {
		return;
	}
	h->last_ms = now_ms;
	for (unsigned u = 0; u < px->nupstreams; u++) {
		const struct cfg_upstream *cu = &px->upstream[u];

		if (!cu->hc_enabled || !prober_of(h, u))
			continue;
		for (unsigned s = 0; s < cu->nservers; s++) {
			struct uh_probe *p = &h->probe[u][s];

			if (p->c != NULL && now_ms >= p->deadline_ms)
				probe_verdict(p, false);
			if (p->c == NULL && now_ms >= p->next_ms)
				probe_start(h, px, u, s, now_ms);
		}
	}
}

uint32_t
uhealth_usable(const struct uhealth_worker *h, const struct cfg_upstream *cu, unsigned u,
	       uint64_t generation, uint64_t now_ms)
{
	uint32_t m = 0;

	for (unsigned s = 0; s < cu->nservers; s++)
		if (h->srv[u][s].ejected_until_ms <= now_ms &&
		    (!cu->hc_enabled || uhealth_server_up(u, s, generation)))
			m |= 1u << s;
	return m;
}

void
uhealth_sent(struct uhealth_worker *h, unsigned u, unsigned s)
{
	h->srv[u][s].requests++;
}

void
uhealth_outcome(struct uhealth_worker *h, const struct cfg_upstream *cu, unsigned u,
		unsigned s, bool ok, uint64_t now_ms)
{
	struct uh_server *sv = &h->srv[u][s];

	if (ok) {
		sv->fails_in_row = 0;
		return;
	}
	sv->failures++;
	if (++sv->fails_in_row >= cu->ej_failures) {
		sv->fails_in_row = 0;
		sv->ejected_until_ms = now_ms + cu->ej_period_ms;
		sv->ejections++;
		worker_count(h->pw->w, CNT_HTTP_UP_EJECTED);
	}
}

/* ---- the check's connection ---- */

static int
probe_connected(struct tcp_conn *c)
{
	struct uh_probe *p = c->app;
	const struct snapshot *snap;
	const struct cfg_upstream *cu;
	char host[INET6_ADDRSTRLEN], req[CFG_HC_PATH_MAX + 256];
	int n;

	if (p == NULL)
		return -1;
	snap = p->hw->pw->w->snap;
	cu = &snap->proxy.upstream[p->upstream];
	if (inet_ntop(c->key.family, c->key.raddr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "unknown");
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: rampart-health-check\r\n"
		     "Connection: close\r\n\r\n", cu->hc_path,
		     c->key.family == AF_INET6 ? "[" : "", host,
		     c->key.family == AF_INET6 ? "]" : "");
	if (n <= 0 || (size_t)n >= sizeof(req) || tcp_write(c, req, (size_t)n) != (size_t)n) {
		p->c = NULL;   /* the stack resets it on our refusal */
		c->app = NULL;
		probe_verdict(p, false);
		return -1;
	}
	return 0;
}

/* "HTTP/1.x NNN ..." up to the first CRLF: the status, or 0. */
static unsigned
status_of(const char *b, size_t n)
{
	if (n < 12 || memcmp(b, "HTTP/1.", 7) != 0 || b[8] != ' ' ||
	    b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9')
		return 0;
	return (unsigned)((b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0'));
}

static void
probe_readable(struct tcp_conn *c)
{
	struct uh_probe *p = c->app;
	const struct snapshot *snap;
	unsigned status, want;
	char *eol;

	if (p == NULL)
		return;
	p->rsp_len += (uint16_t)tcp_read(c, p->rsp + p->rsp_len, sizeof(p->rsp) - p->rsp_len);
	eol = memchr(p->rsp, '\r', p->rsp_len);
	if (eol == NULL) {
		if (tcp_rx_eof(c) || p->rsp_len == sizeof(p->rsp))
			probe_verdict(p, false);   /* closed early, or no status line */
		return;
	}
	snap = p->hw->pw->w->snap;
	want = snap->proxy.upstream[p->upstream].hc_status;
	status = status_of(p->rsp, (size_t)(eol - p->rsp));
	probe_verdict(p, status != 0 &&
		      (want ? status == want : (status >= 200 && status < 400)));
}

static void
probe_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct uh_probe *p = c->app;

	(void)why;
	if (p == NULL)
		return;
	p->c = NULL;           /* gone: nothing to abort */
	c->app = NULL;
	probe_verdict(p, false);
}

static const struct tcp_app_ops probe_ops = {
	.name = "http-health-check",
	.on_connect = probe_connected,
	.on_readable = probe_readable,
	.on_closed = probe_closed,
};
