/* SPDX-License-Identifier: Proprietary
 * Access log: worker rings to a file drained by the main lcore
 * (access_log.h).
 *
 * Which file: the snapshot's http/access-log, else --access-log, else none.
 * The main lcore follows the snapshot from its drain call: on a new
 * generation naming another path it drains what is queued into the old
 * file, closes it and opens the new one. Workers only read `enabled`.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane.h"
#include "worker.h"
#include "proxy/access_log.h"

#define DRAIN_BURST 32

static struct {
	uint64_t base_us, base_tsc, tsc_hz;
	FILE *f;
	bool enabled;                 /* a file is open; read by workers (atomic) */
	bool write_failing;           /* the last flush failed (logged once per streak) */
	char path[CFG_ACCESS_LOG_MAX];       /* of f ("" when none) */
	char flag_path[CFG_ACCESS_LOG_MAX];  /* --access-log */
	uint64_t gen;                 /* snapshot generation followed */
} al;

void
access_log_global_init(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	al.base_tsc = rte_rdtsc();
	al.base_us = (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	al.tsc_hz = rte_get_tsc_hz();
	if (al.tsc_hz == 0)
		al.tsc_hz = 1;
}

uint64_t
access_log_time_us(uint64_t tsc)
{
	uint64_t d = tsc - al.base_tsc;

	return al.base_us + d / al.tsc_hz * 1000000 + d % al.tsc_hz * 1000000 / al.tsc_hz;
}

static unsigned drain_rings(void);

bool
access_log_enabled(void)
{
	return __atomic_load_n(&al.enabled, __ATOMIC_RELAXED);
}

/* Close the current file (if any) and open path ("" = none). A file that
 * cannot be opened leaves the log off until the path changes again. */
static int
switch_to(const char *path)
{
	int rc = 0;

	if (al.f != NULL) {
		drain_rings();
		__atomic_store_n(&al.enabled, false, __ATOMIC_RELAXED);
		fclose(al.f);
		al.f = NULL;
		LOG(INFO, "access log %s closed", al.path);
	}
	al.path[0] = '\0';
	if (path[0] == '\0')
		return 0;
	al.f = fopen(path, "a");
	if (al.f == NULL) {
		rc = -errno;
		cnt_add(&main_counters, CNT_HTTP_LOG_OPEN_FAIL, 1);
		LOG(ERR, "access log %s: %s; no access log until the path changes", path,
		    strerror(-rc));
		return rc;
	}
	al.write_failing = false;
	snprintf(al.path, sizeof(al.path), "%s", path);
	__atomic_store_n(&al.enabled, true, __ATOMIC_RELAXED);
	LOG(INFO, "access log: %s", path);
	return 0;
}

int
access_log_open(const char *path)
{
	if (strlen(path) >= sizeof(al.flag_path)) {
		LOG(ERR, "access log %s: path longer than %zu bytes", path, sizeof(al.flag_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(al.flag_path, sizeof(al.flag_path), "%s", path);
	return switch_to(path);
}

/* The path the active snapshot asks for; reopen when it differs. */
static void
follow_snapshot(void)
{
	const struct snapshot *snap = __atomic_load_n(&dp.active, __ATOMIC_ACQUIRE);
	const char *want;

	if (snap == NULL || snap->generation == al.gen)
		return;
	al.gen = snap->generation;
	want = snap->proxy.http.access_log[0] ? snap->proxy.http.access_log : al.flag_path;
	if (strcmp(want, al.path) != 0 || (al.f == NULL && want[0]))
		switch_to(want);
}

struct rte_ring *
access_log_ring_create(unsigned worker_id, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "alog_%u", worker_id);
	return rte_ring_create_elem(name, sizeof(struct access_rec), ACCESS_RING_SIZE, socket,
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

void
access_log_emit(struct proxy_worker *pw, const struct access_rec *r)
{
	if (!access_log_enabled() || pw->log == NULL)
		return;
	if (rte_ring_sp_enqueue_elem(pw->log, (void *)(uintptr_t)r, sizeof(*r)) != 0)
		worker_count(pw->w, CNT_HTTP_LOG_DROP_FULL);
}

static json_t *
str_or_null(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	return n ? json_stringn(s, n) : json_null();
}

static void
write_line(const struct access_rec *r)
{
	char when[96], client[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN];
	time_t secs = (time_t)(r->time_us / 1000000);
	struct tm tm;
	json_t *o;
	char *line;

	gmtime_r(&secs, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(r->time_us % 1000000));
	if (inet_ntop(r->family == AF_INET6 ? AF_INET6 : AF_INET, r->client, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(client, sizeof(client), r->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 r->client_port);
	o = json_pack("{s:s, s:s%, s:s, s:s%, s:o, s:s%, s:s%, s:i, s:I, s:I, s:I, s:o, s:o}",
		      "time", when,
		      "request_id", r->request_id, strnlen(r->request_id, sizeof(r->request_id)),
		      "client", client,
		      "listener", r->listener, strnlen(r->listener, sizeof(r->listener)),
		      "route", str_or_null(r->route, sizeof(r->route)),
		      "method", r->method, strnlen(r->method, sizeof(r->method)),
		      "path", r->path, strnlen(r->path, sizeof(r->path)),
		      "status", (int)r->status,
		      "bytes_in", (json_int_t)r->bytes_in,
		      "bytes_out", (json_int_t)r->bytes_out,
		      "duration_us", (json_int_t)r->duration_us,
		      "upstream", str_or_null(r->upstream, sizeof(r->upstream)),
		      "error", str_or_null(r->error, sizeof(r->error)));
	if (o == NULL)
		return;   /* a record with bytes that are not UTF-8: jansson refuses it */
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	if (line == NULL)
		return;
	fputs(line, al.f);
	fputc('\n', al.f);
	free(line);
}

static unsigned
drain_rings(void)
{
	struct access_rec recs[DRAIN_BURST];
	unsigned total = 0;

	if (al.f == NULL)
		return 0;
	for (unsigned i = 0; i < dp.nworkers; i++) {
		struct proxy_worker *pw = dp.workers[i]->proxy;
		unsigned n;

		if (pw == NULL || pw->log == NULL)
			continue;
		do {
			n = rte_ring_sc_dequeue_burst_elem(pw->log, recs, sizeof(recs[0]),
							   DRAIN_BURST, NULL);
			for (unsigned k = 0; k < n; k++)
				write_line(&recs[k]);
			total += n;
		} while (n == DRAIN_BURST);
	}
	if (total && (fflush(al.f) != 0 || ferror(al.f))) {
		/* The file refused bytes (disk full, I/O error): this drain's
		 * lines are counted as lost; the next drains try again. */
		cnt_add(&main_counters, CNT_HTTP_LOG_WRITE_FAIL, total);
		if (!al.write_failing)
			LOG(ERR, "access log %s: write failed (%s); lines are counted as lost "
			    "(http.log_write_fail) until writes succeed again", al.path,
			    strerror(errno));
		al.write_failing = true;
		clearerr(al.f);
	} else if (total && al.write_failing) {
		LOG(INFO, "access log %s: writes succeed again", al.path);
		al.write_failing = false;
	}
	return total;
}

unsigned
access_log_drain(void)
{
	follow_snapshot();
	return drain_rings();
}

void
access_log_close(void)
{
	switch_to("");
}
