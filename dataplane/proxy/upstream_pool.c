/* SPDX-License-Identifier: Proprietary
 * Parked upstream connections: keep-alive pool and drain list
 * (upstream_pool.h).
 */
#include <string.h>
#include <rte_malloc.h>

#include "proxy/proxy_p.h"
#include "proxy/upstream_pool.h"
#include "tcp/tcp.h"

static const struct tcp_app_ops idle_ops;
static const struct tcp_app_ops drain_ops;
/* A connection we closed after taking it out of the pool: no callback
 * reaches us any more. */
static const struct tcp_app_ops gone_ops = { .name = "http-upstream-gone" };

static void
list_init(struct up_park *h)
{
	h->prev = h->next = h;
}

static void
unlink_entry(struct up_park *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

/* Insert e right after h (head: most recent), or before it (tail). */
static void
link_after(struct up_park *h, struct up_park *e)
{
	e->prev = h;
	e->next = h->next;
	h->next->prev = e;
	h->next = e;
}

static void
link_before(struct up_park *h, struct up_park *e)
{
	e->next = h;
	e->prev = h->prev;
	h->prev->next = e;
	h->prev = e;
}

struct upstream_pool *
upool_create(struct proxy_worker *pw, int socket)
{
	struct upstream_pool *p = rte_zmalloc_socket("proxy_upstream_pool", sizeof(*p),
						     RTE_CACHE_LINE_SIZE, socket);

	if (p == NULL)
		return NULL;
	p->pw = pw;
	p->gen = UINT64_MAX;
	for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
		for (unsigned s = 0; s < CFG_MAX_SERVERS; s++)
			list_init(&p->idle[u][s]);
	list_init(&p->drain);
	for (unsigned i = 0; i < UP_PARK_MAX; i++) {
		p->park[i].pool = p;
		p->park[i].next = i + 1 < UP_PARK_MAX ? &p->park[i + 1] : NULL;
	}
	p->free = &p->park[0];
	return p;
}

void
upool_destroy(struct upstream_pool *p)
{
	if (p == NULL)
		return;
	for (unsigned i = 0; i < UP_PARK_MAX; i++)
		if (p->park[i].kind != UPK_FREE && p->park[i].c != NULL)
			p->park[i].c->app = NULL;
	rte_free(p);
}

static struct up_park *
entry_get(struct upstream_pool *p)
{
	struct up_park *e = p->free;

	if (e != NULL) {
		p->free = e->next;
		e->next = e->prev = NULL;
		p->nparked++;
	}
	return e;
}

/* Take e out of its list and back to the free list; its connection is the
 * caller's again (ops and app cleared). */
static struct tcp_conn *
entry_put(struct up_park *e)
{
	struct upstream_pool *p = e->pool;
	struct tcp_conn *c = e->c;

	if (e->kind == UPK_IDLE)
		p->nidle[e->upstream][e->server]--;
	unlink_entry(e);
	e->kind = UPK_FREE;
	e->c = NULL;
	e->next = p->free;
	p->free = e;
	p->nparked--;
	c->app = NULL;
	c->ops = &gone_ops;
	return c;
}

/* The server is done with this connection (FIN) or broke it: close. */
static void
close_parked(struct up_park *e, enum cnt_id why)
{
	struct worker *w = e->pool->pw->w;
	struct tcp_conn *c = entry_put(e);

	worker_count(w, why);
	if (tcp_rx_eof(c) && tcp_rx_avail(c) == 0)
		tcp_close(c);   /* passive close: the TIME-WAIT stays with the server */
	else
		tcp_abort(c);
}

struct tcp_conn *
upool_take(struct upstream_pool *p, unsigned u, unsigned sv, uint32_t *nreq)
{
	struct up_park *h = &p->idle[u][sv];

	if (p->gen != p->pw->w->snap->generation)
		return NULL;   /* upool_poll closes them on this pass */
	while (h->next != h) {
		struct up_park *e = h->next;
		struct tcp_conn *c = e->c;

		if (tcp_rx_avail(c) != 0 || tcp_rx_eof(c) || tcp_send_space(c) == 0) {
			/* Closed or talking while idle: not usable. */
			close_parked(e, CNT_HTTP_UP_IDLE_CLOSED);
			continue;
		}
		*nreq = e->nreq;
		return entry_put(e);
	}
	return NULL;
}

bool
upool_put(struct upstream_pool *p, const struct cfg_upstream *cu, unsigned u, unsigned sv,
	  struct tcp_conn *c, uint32_t nreq)
{
	struct up_park *e;

	if (p->gen != p->pw->w->snap->generation || p->nidle[u][sv] >= cu->ka_max_idle)
		return false;
	e = entry_get(p);
	if (e == NULL) {
		worker_count(p->pw->w, CNT_HTTP_UP_PARK_FULL);
		return false;
	}
	e->c = c;
	e->kind = UPK_IDLE;
	e->upstream = (uint8_t)u;
	e->server = (uint8_t)sv;
	e->nreq = nreq;
	e->since_ms = proxy_now_ms(p->pw);
	link_after(&p->idle[u][sv], e);
	p->nidle[u][sv]++;
	c->ops = &idle_ops;
	c->app = e;
	return true;
}

void
upool_drain(struct upstream_pool *p, struct tcp_conn *c)
{
	struct up_park *e = entry_get(p);

	if (e == NULL) {
		worker_count(p->pw->w, CNT_HTTP_UP_PARK_FULL);
		c->app = NULL;
		c->ops = &gone_ops;
		tcp_abort(c);
		return;
	}
	e->c = c;
	e->kind = UPK_DRAIN;
	e->since_ms = proxy_now_ms(p->pw);
	link_before(&p->drain, e);   /* FIFO: one timeout for all */
	c->ops = &drain_ops;
	c->app = e;
}

void
upool_poll(struct upstream_pool *p, const struct cfg_proxy *px, uint64_t generation,
	   uint64_t now_ms)
{
	if (p->gen != generation) {
		/* Indexes may name other servers now: close every idle one
		 * (ours is the active close: they never carried a request
		 * in flight, so nothing is lost). */
		for (unsigned u = 0; u < CFG_MAX_UPSTREAMS; u++)
			for (unsigned s = 0; s < CFG_MAX_SERVERS; s++)
				while (p->idle[u][s].next != &p->idle[u][s]) {
					struct tcp_conn *c = entry_put(p->idle[u][s].next);

					tcp_close(c);
				}
		p->gen = generation;
	} else if (now_ms == p->last_ms) {
		return;
	}
	p->last_ms = now_ms;
	for (unsigned u = 0; u < px->nupstreams; u++) {
		const struct cfg_upstream *cu = &px->upstream[u];

		for (unsigned s = 0; s < cu->nservers; s++) {
			struct up_park *h = &p->idle[u][s];

			while (h->prev != h && h->prev->since_ms + cu->ka_idle_timeout_ms <= now_ms) {
				struct tcp_conn *c = entry_put(h->prev);

				worker_count(p->pw->w, CNT_HTTP_UP_IDLE_EXPIRED);
				tcp_close(c);
			}
		}
	}
	while (p->drain.next != &p->drain && p->drain.next->since_ms + UP_DRAIN_MS <= now_ms) {
		struct tcp_conn *c = entry_put(p->drain.next);

		worker_count(p->pw->w, CNT_HTTP_UP_DRAIN_TIMEOUT);
		tcp_abort(c);
	}
}

/* ---- callbacks of parked connections ---- */

static void
idle_readable(struct tcp_conn *c)
{
	struct up_park *e = c->app;

	if (e != NULL)
		close_parked(e, CNT_HTTP_UP_IDLE_CLOSED);
}

static void
parked_closed(struct tcp_conn *c, enum tcp_close_reason why)
{
	struct up_park *e = c->app;

	(void)why;
	if (e != NULL)
		entry_put(e);
}

static const struct tcp_app_ops idle_ops = {
	.name = "http-upstream-idle",
	.on_readable = idle_readable,
	.on_closed = parked_closed,
};

/* Anything the server still sends is dropped; its FIN ends the wait. */
static void
drain_readable(struct tcp_conn *c)
{
	struct up_park *e = c->app;
	char buf[256];

	while (tcp_read(c, buf, sizeof(buf)))
		;
	if (e != NULL && tcp_rx_eof(c)) {
		entry_put(e);
		tcp_close(c);
	}
}

static const struct tcp_app_ops drain_ops = {
	.name = "http-upstream-drain",
	.on_readable = drain_readable,
	.on_closed = parked_closed,
};
