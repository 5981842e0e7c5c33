/* SPDX-License-Identifier: Proprietary
 * Shipped WAF programs: stage, bind to snapshots, commit (waf_runtime.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dataplane.h"
#include "proxy/waf_runtime.h"
#include "stats/counters.h"

static struct {
	struct waf_runtime *current;
	struct waf_runtime *staged;
} wr;

static void
runtime_free(struct waf_runtime *rt)
{
	if (rt == NULL)
		return;
	for (unsigned i = 0; rt->wk && i < rt->nworkers; i++) {
		waf_eval_free(rt->wk[i].ev);
		waf_reqview_free(&rt->wk[i].view);
	}
	rte_free(rt->wk);
	waf_program_free(rt->prog);
	free(rt);
}

void
waf_runtime_put(struct waf_runtime *rt)
{
	if (rt != NULL && --rt->refs == 0)
		runtime_free(rt);
}

static struct waf_runtime *
runtime_new(struct waf_program *prog, char *err, size_t errlen)
{
	struct waf_runtime *rt = calloc(1, sizeof(*rt));
	unsigned n = dp.nworkers ? dp.nworkers : 1;

	if (rt == NULL)
		goto nomem;
	rt->prog = prog;
	rt->refs = 1;
	rt->nworkers = n;
	rt->wk = rte_zmalloc("waf_worker_ctx", n * sizeof(*rt->wk), RTE_CACHE_LINE_SIZE);
	if (rt->wk == NULL)
		goto nomem;
	for (unsigned i = 0; i < n; i++) {
		rt->wk[i].ev = waf_eval_create(prog->engine);
		if (rt->wk[i].ev == NULL)
			goto nomem;
	}
	return rt;
nomem:
	snprintf(err, errlen, "out of memory creating the per-worker WAF state");
	if (rt == NULL)
		waf_program_free(prog);
	runtime_free(rt);
	return NULL;
}

int
waf_runtime_stage(const uint8_t *blob, size_t len, char *err, size_t errlen)
{
	uint64_t hash = waf_program_blob_hash(blob, len), t0 = rte_rdtsc();
	struct waf_program *prog;
	struct waf_runtime *rt;

	waf_runtime_discard();
	if (wr.current && hash == wr.current->prog->hash && hash != 0)
		return 0;   /* already running this one: the hash covers every byte */
	prog = waf_program_load(blob, len, err, errlen);
	if (prog == NULL || (rt = runtime_new(prog, err, errlen)) == NULL) {
		cnt_add(&main_counters, CNT_WAF_PROGRAM_REFUSED, 1);
		LOG(WARNING, "WAF program of %zu bytes refused, keeping %016" PRIx64 ": %s", len,
		    wr.current ? wr.current->prog->hash : 0, err);
		return -EINVAL;
	}
	wr.staged = rt;
	LOG(INFO, "WAF program %016" PRIx64 " loaded: %zu bytes, %zu rules, %zu Hyperscan databases, %.1f ms",
	    hash, len, waf_engine_rule_count(prog->engine), prog->hsdb_count,
	    (double)(rte_rdtsc() - t0) * 1e3 / (double)rte_get_tsc_hz());
	return 0;
}

static bool
waf_needed(const struct cfg_waf *w)
{
	if (w->mode != CFG_WAF_OFF)
		return true;
	for (unsigned i = 0; i < w->noverrides; i++)
		if (w->override[i].has_mode && w->override[i].mode != CFG_WAF_OFF)
			return true;
	return false;
}

int
waf_runtime_bind(struct snapshot *s, struct config_error *err)
{
	struct waf_runtime *rt = wr.staged ? wr.staged : wr.current;

	if (rt == NULL && waf_needed(&s->waf)) {
		snprintf(err->path, sizeof(err->path), "/waf/mode");
		snprintf(err->message, sizeof(err->message),
			 "the WAF is on but no rule program is loaded (rampart-cp compiles and ships it from \"rule-sets\")");
		return -EINVAL;
	}
	if (rt != NULL)
		rt->refs++;
	s->waf_rt = rt;
	return 0;
}

void
waf_runtime_commit(void)
{
	if (wr.staged == NULL)
		return;
	waf_runtime_put(wr.current);
	wr.current = wr.staged;
	wr.staged = NULL;
	cnt_add(&main_counters, CNT_WAF_PROGRAM_LOADED, 1);
	LOG(INFO, "WAF program %016" PRIx64 " in force", wr.current->prog->hash);
}

void
waf_runtime_discard(void)
{
	waf_runtime_put(wr.staged);
	wr.staged = NULL;
}

uint64_t
waf_runtime_current_hash(void)
{
	return wr.current ? wr.current->prog->hash : 0;
}

void
waf_runtime_fini(void)
{
	waf_runtime_discard();
	waf_runtime_put(wr.current);
	wr.current = NULL;
}
