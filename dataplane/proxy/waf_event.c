/* SPDX-License-Identifier: Proprietary
 * WAF security events: worker rings to a file drained by the main lcore
 * (waf_event.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane.h"
#include "worker.h"
#include "proxy/waf_event.h"

#define DRAIN_BURST 16
#define REC_SIZE    1024u   /* ring element: a multiple of 4 bytes */

static struct {
	FILE *f;
	bool enabled;                      /* read by workers; set before launch */
	struct rte_ring *ring[MAX_WORKERS];
} ev;

int
waf_event_open(const char *path)
{
	ev.f = fopen(path, "a");
	if (ev.f == NULL) {
		int e = errno;

		LOG(ERR, "security log %s: %s", path, strerror(e));
		return -e;
	}
	for (unsigned i = 0; i < dp.nworkers; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "wafev_%u", i);
		ev.ring[i] = rte_ring_create_elem(name, REC_SIZE, WAF_EVENT_RING_SIZE,
						  (int)rte_lcore_to_socket_id(dp.workers[i]->lcore),
						  RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (ev.ring[i] == NULL) {
			LOG(ERR, "security log: cannot create the ring of worker %u", i);
			return -ENOMEM;
		}
	}
	ev.enabled = true;
	LOG(INFO, "security log: %s", path);
	return 0;
}

void
waf_event_emit(struct worker *w, const struct waf_event_rec *r)
{
	uint8_t elem[REC_SIZE] __attribute__((aligned(8)));

	if (!ev.enabled || w->id >= MAX_WORKERS || ev.ring[w->id] == NULL)
		return;
	memcpy(elem, r, sizeof(*r));
	if (rte_ring_sp_enqueue_elem(ev.ring[w->id], elem, REC_SIZE) != 0)
		worker_count(w, CNT_WAF_EVENT_DROP_FULL);
}

static json_t *
str_or_null(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n ? json_stringn(s, n) : json_null();
}

static const char *const mode_name[] = {
	[CFG_WAF_OFF] = "off", [CFG_WAF_DETECT] = "detect-only", [CFG_WAF_BLOCK] = "block",
};

static void
write_line(const struct waf_event_rec *r)
{
	char when[96], client[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
	time_t secs = (time_t)(r->time_us / 1000000);
	json_t *o, *ms = json_array();
	struct tm tm;
	char *line;

	gmtime_r(&secs, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(r->time_us % 1000000));
	if (inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, r->client, addr,
		      sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(client, sizeof(client), r->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 r->client_port);
	for (unsigned i = 0; ms && i < r->nmatches && i < WAF_EVENT_MATCHES; i++)
		json_array_append_new(ms, json_pack("{s:I, s:i, s:s%, s:s%}",
			"id", (json_int_t)r->m[i].id, "severity", (int)r->m[i].severity,
			"target", r->m[i].target, strnlen(r->m[i].target, sizeof(r->m[i].target)),
			"excerpt", r->m[i].excerpt,
			strnlen(r->m[i].excerpt, sizeof(r->m[i].excerpt))));
	o = json_pack("{s:s, s:s%, s:s, s:o, s:s%, s:s%, s:s, s:s, s:I, s:I, s:i, s:I, s:I, s:o}",
		      "time", when,
		      "request_id", r->request_id, strnlen(r->request_id, sizeof(r->request_id)),
		      "client", client,
		      "route", str_or_null(r->route, sizeof(r->route)),
		      "method", r->method, strnlen(r->method, sizeof(r->method)),
		      "path", r->path, strnlen(r->path, sizeof(r->path)),
		      "mode", r->mode < 3 ? mode_name[r->mode] : "?",
		      "decision", r->blocked ? "blocked" : "detected",
		      "score", (json_int_t)r->score,
		      "threshold", (json_int_t)r->threshold,
		      "paranoia", (int)r->paranoia,
		      "matches_total", (json_int_t)r->matches_total,
		      "excluded", (json_int_t)r->excluded,
		      "matches", ms ? ms : json_array());
	if (o == NULL)
		return;   /* fields are printable ASCII (sanitised by the worker) */
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (line == NULL)
		return;
	fputs(line, ev.f);
	fputc('\n', ev.f);
	free(line);
}

unsigned
waf_event_drain(void)
{
	static uint8_t recs[DRAIN_BURST][REC_SIZE] __attribute__((aligned(8)));
	unsigned total = 0;

	if (ev.f == NULL)
		return 0;
	for (unsigned i = 0; i < dp.nworkers && i < MAX_WORKERS; i++) {
		unsigned n;

		if (ev.ring[i] == NULL)
			continue;
		do {
			n = rte_ring_sc_dequeue_burst_elem(ev.ring[i], recs, REC_SIZE, DRAIN_BURST,
							   NULL);
			for (unsigned k = 0; k < n; k++)
				write_line((const struct waf_event_rec *)recs[k]);
			total += n;
		} while (n == DRAIN_BURST);
	}
	if (total)
		fflush(ev.f);
	return total;
}

void
waf_event_close(void)
{
	if (ev.f == NULL)
		return;
	waf_event_drain();
	ev.enabled = false;
	fclose(ev.f);
	ev.f = NULL;
	for (unsigned i = 0; i < MAX_WORKERS; i++) {
		rte_ring_free(ev.ring[i]);
		ev.ring[i] = NULL;
	}
}
