/* SPDX-License-Identifier: Proprietary
 * The WAF rule program in the dataplane: loading what rampart-cp ships,
 * and the per-worker evaluation state that goes with it.
 *
 * A config-push frame may carry a blob: the WAF program (waf/waf_program.h:
 * rule model + serialized Hyperscan databases). ctl_server.c hands it to
 * waf_runtime_stage() before the document is parsed; the snapshot built
 * from the document then binds the staged program (or, without a blob, the
 * current one) with waf_runtime_bind(); once the snapshot is published the
 * push commits it (waf_runtime_commit()), if not it is discarded and the
 * current program stays. A bad blob refuses the whole push (counted as
 * waf.program_refused, logged); the old program keeps running.
 *
 * A runtime is immutable once built and reference-counted by the snapshots
 * that use it (references taken and dropped on the main lcore only, where
 * snapshots are built and freed); it is freed with the last snapshot, i.e.
 * after an RCU grace period of the workers. It holds one cache-aligned
 * struct waf_worker_ctx per worker (Hyperscan scratch, request view, result),
 * so evaluation needs no locks; only that worker touches its context.
 *
 * Main lcore only, except waf_runtime_worker() (the worker itself).
 */
#ifndef RAMPART_PROXY_WAF_RUNTIME_H
#define RAMPART_PROXY_WAF_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "config/config.h"
#include "waf/waf_engine.h"
#include "waf/waf_program.h"
#include "waf/waf_reqview.h"

struct waf_worker_ctx {
	struct waf_eval *ev;
	struct waf_reqview view;
	struct waf_result res;
} __rte_cache_aligned;

struct waf_runtime {
	struct waf_program *prog;
	uint32_t refs;                /* snapshots holding it, plus "current" */
	unsigned nworkers;
	struct waf_worker_ctx *wk;    /* [nworkers] */
};

/* Load @blob as the staged program. Returns 0 (also when it is the program
 * already current: nothing to load), or -EINVAL / -ENOMEM with the reason
 * in @err; counted and logged here. */
int waf_runtime_stage(const uint8_t *blob, size_t len, char *err, size_t errlen);

/* Bind the staged (else current) program to @s, checking that a WAF that is
 * on (globally or for a route) has one. Returns 0, or -EINVAL with @err
 * filled (path "/waf/mode"). */
int waf_runtime_bind(struct snapshot *s, struct config_error *err);

/* The push was published: the staged program becomes current. */
void waf_runtime_commit(void);
/* The push was refused: drop the staged program. */
void waf_runtime_discard(void);

/* Drop a snapshot's reference (NULL allowed). */
void waf_runtime_put(struct waf_runtime *rt);

/* Hash of the current program, 0 if none (hello replies, logs). */
uint64_t waf_runtime_current_hash(void);

/* At exit, after the workers stopped and snapshots were freed. */
void waf_runtime_fini(void);

static inline struct waf_worker_ctx *
waf_runtime_worker(const struct waf_runtime *rt, unsigned worker_id)
{
	return worker_id < rt->nworkers ? &rt->wk[worker_id] : NULL;
}

#endif
