/* SPDX-License-Identifier: Proprietary
 * The proxy's per-worker state: session pool, listeners that follow the
 * snapshot, timeout lists, request-id sequence (proxy.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "http/http.h"
#include "proxy/access_log.h"
#include "proxy/proxy_p.h"
#include "proxy/proxy_timer.h"
#include "proxy/upstream_health.h"
#include "proxy/upstream_pool.h"
#include "proxy/waf_stage.h"
#include "tcp/tcp.h"

/* The pool lives in DPDK memory, which LeakSanitizer does not scan: tell
 * it, or every context cached in a slot would look leaked. */
#if defined(__SANITIZE_ADDRESS__)
#define PROXY_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PROXY_LSAN 1
#endif
#endif
#ifdef PROXY_LSAN
#include <sanitizer/lsan_interface.h>
#define pool_visible(p, n)   __lsan_register_root_region(p, n)
#define pool_invisible(p, n) __lsan_unregister_root_region(p, n)
#else
#define pool_visible(p, n)   ((void)(p), (void)(n))
#define pool_invisible(p, n) ((void)(p), (void)(n))
#endif

/* Distinguishes request ids across restarts (drawn at boot, then only
 * read). */
uint32_t proxy_boot_nonce;

void
proxy_global_init(void)
{
	proxy_boot_nonce = (uint32_t)rte_rand();
	access_log_global_init();
}

int
proxy_worker_init(struct worker *w)
{
	int socket = (int)rte_lcore_to_socket_id(w->lcore);
	struct proxy_worker *pw;

	pw = rte_zmalloc_socket("proxy_worker", sizeof(*pw), RTE_CACHE_LINE_SIZE, socket);
	if (pw == NULL)
		return -ENOMEM;
	pw->w = w;
	pw->gen = UINT64_MAX;
	pw->poll_ms = UINT64_MAX;
	pw->sess = rte_zmalloc_socket("proxy_sessions", sizeof(*pw->sess) * PROXY_MAX_SESSIONS,
				      RTE_CACHE_LINE_SIZE, socket);
	pw->ups = rte_zmalloc_socket("proxy_upstreams", sizeof(*pw->ups) * CFG_MAX_UPSTREAMS,
				     RTE_CACHE_LINE_SIZE, socket);
	pw->log = access_log_ring_create(w->id, socket);
	pw->upool = upool_create(pw, socket);
	pw->uhealth = uhealth_create(pw, socket);
	if (pw->sess == NULL || pw->log == NULL || pw->ups == NULL || pw->upool == NULL ||
	    pw->uhealth == NULL) {
		uhealth_destroy(pw->uhealth);
		upool_destroy(pw->upool);
		rte_ring_free(pw->log);
		rte_free(pw->ups);
		rte_free(pw->sess);
		rte_free(pw);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < PROXY_MAX_SESSIONS; i++) {
		pw->sess[i].idx = i;
		pw->sess[i].pw = pw;
		pw->sess[i].next_free = i + 1 < PROXY_MAX_SESSIONS ? i + 1 : UINT32_MAX;
	}
	pw->free_head = 0;
	pool_visible(pw->sess, sizeof(*pw->sess) * PROXY_MAX_SESSIONS);
	ptimer_init(pw);
	w->proxy = pw;
	return 0;
}

void
proxy_worker_fini(struct worker *w)
{
	struct proxy_worker *pw = w->proxy;

	if (pw == NULL)
		return;
	for (uint32_t i = 0; i < PROXY_MAX_SESSIONS; i++) {
		struct h1_session *s = &pw->sess[i];

		if (s->c != NULL)
			s->c->app = NULL;   /* tcp_worker_fini calls no callback */
		if (s->fwd.up != NULL)
			s->fwd.up->app = NULL;
		h1_session_free_context(s);
	}
	h1_ctx_fini(pw);
	waf_stage_worker_fini(pw);
	upool_destroy(pw->upool);
	uhealth_destroy(pw->uhealth);
	rte_ring_free(pw->log);
	rte_free(pw->ups);
	pool_invisible(pw->sess, sizeof(*pw->sess) * PROXY_MAX_SESSIONS);
	rte_free(pw->sess);
	rte_free(pw);
	w->proxy = NULL;
}

struct h1_session *
proxy_session_get(struct proxy_worker *pw)
{
	struct h1_session *s;

	if (pw->free_head == UINT32_MAX)
		return NULL;
	s = &pw->sess[pw->free_head];
	pw->free_head = s->next_free;
	pw->nsessions++;
	return s;
}

void
proxy_session_put(struct proxy_worker *pw, struct h1_session *s)
{
	s->c = NULL;
	waf_stage_release(s);
	s->next_free = pw->free_head;
	pw->free_head = s->idx;
	pw->nsessions--;
}

uint32_t
proxy_sessions(const struct worker *w)
{
	return w->proxy ? __atomic_load_n(&w->proxy->nsessions, __ATOMIC_RELAXED) : 0;
}

/* Listen on exactly the snapshot's listener ports. Connections accepted
 * before keep their sessions. */
static void
sync_listeners(struct proxy_worker *pw, const struct cfg_proxy *px)
{
	uint16_t want[CFG_MAX_LISTENERS];
	unsigned nwant = 0, i, j;

	for (i = 0; i < px->nlisteners; i++) {
		for (j = 0; j < nwant && want[j] != px->listener[i].port; j++)
			;
		if (j == nwant)
			want[nwant++] = px->listener[i].port;
	}
	for (i = 0; i < pw->nports;) {
		for (j = 0; j < nwant && want[j] != pw->port[i]; j++)
			;
		if (j == nwant) {
			tcp_unlisten(pw->w, pw->port[i]);
			pw->port[i] = pw->port[--pw->nports];
		} else {
			i++;
		}
	}
	for (j = 0; j < nwant; j++) {
		for (i = 0; i < pw->nports && pw->port[i] != want[j]; i++)
			;
		if (i == pw->nports && tcp_listen(pw->w, want[j], &h1_session_ops) == 0)
			pw->port[pw->nports++] = want[j];
	}
}

void
proxy_poll(struct worker *w)
{
	struct proxy_worker *pw = w->proxy;
	enum proxy_timer_kind kind;
	struct proxy_timer *t;
	uint64_t now;

	if (unlikely(pw->gen != w->snap->generation)) {
		sync_listeners(pw, &w->snap->proxy);
		pw->gen = w->snap->generation;
		pw->poll_ms = UINT64_MAX;   /* the pool and checks follow it on this pass */
	}
	now = proxy_now_ms(pw);
	/* Every deadline below is in whole milliseconds of the TCP wheel's
	 * clock: once per tick is enough, the other passes cost a compare. */
	if (likely(now == pw->poll_ms))
		return;
	pw->poll_ms = now;
	while ((t = ptimer_next_due(pw, now, &kind)) != NULL)
		h1_session_timeout(t->owner, kind);
	upool_poll(pw->upool, &w->snap->proxy, w->snap->generation, now);
	uhealth_poll(pw->uhealth, &w->snap->proxy, w->snap->generation, now);
	h1_ctx_trim(pw, now);
}
