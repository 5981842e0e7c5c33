/* WAF rule engine: an immutable evaluation program built from the rule
 * model (waf_types.h, what the CRS importer produces), run per request over
 * a struct waf_reqview with CRS-compatible anomaly scoring.
 *
 * Threads: waf_engine_build() runs on the control plane (compiles, allocates);
 * the engine is then read-only and shared. Each thread evaluates with its own
 * struct waf_eval (Hyperscan scratch, transformation buffers, TX store), which
 * grows during warm-up and is reused: steady state does not allocate.
 */
#ifndef RAMPART_WAF_ENGINE_H
#define RAMPART_WAF_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waf/waf.h"
#include "waf/waf_reqview.h"

#define WAF_MATCH_MAX     64u  /* matches recorded per request (more are counted) */
#define WAF_EXCERPT_MAX   48u  /* bytes of a matched value kept (sanitised) */
#define WAF_TARGET_NAME_MAX 64u

struct waf_engine;
struct waf_eval;

struct waf_engine_conf {
	uint8_t paranoia;          /* 1..4: rules with a higher level do not run */
	uint32_t inbound_threshold; /* block at this inbound anomaly score (CRS default 5) */
	bool per_rule;             /* reference mode (tests): no grouped scan, every rule
				    * checks every value; verdicts must be identical */
};

/* One rule that matched (the chain head's id; target and value of the last
 * link's first match). */
struct waf_match {
	uint32_t id;
	uint8_t severity;
	char target[WAF_TARGET_NAME_MAX];
	char excerpt[WAF_EXCERPT_MAX + 1];
};

struct waf_result {
	bool block;                 /* inbound score >= threshold, or a deny rule */
	uint32_t score;             /* inbound anomaly score (sum of pl1..plN) */
	uint32_t score_pl[4];
	uint32_t n_matches;         /* rules that matched (may exceed WAF_MATCH_MAX) */
	struct waf_match matches[WAF_MATCH_MAX];
	uint32_t rules_run;         /* chain heads evaluated (PL-gated ones excluded) */
	uint32_t errors;            /* operator/scan errors (rule treated as no match) */
};

struct waf_hsdb_cache;

/* Build the program from @rules (chain heads in file order; phases 1 and 2
 * are kept, others refused in @err). Operators are compiled here; @rx
 * arguments with %{tx.*} macros are expanded with the CRS defaults first.
 * Every Hyperscan database (per-rule matchers and the grouped scan
 * databases) is requested through @hsdb (waf_hsdb.h): NULL compiles
 * directly, a COMPILE cache compiles and records (rampart-cp), a LOAD cache
 * only deserializes (rampart-dp; building the same rules in the same order
 * asks for the same keys).
 * Returns NULL with a reason in @err (first rule that does not compile). */
struct waf_engine *waf_engine_build(struct waf_rule *const *rules, size_t n,
				    const char *datadir, struct waf_hsdb_cache *hsdb,
				    char *err, size_t errlen);
void waf_engine_free(struct waf_engine *e);
size_t waf_engine_rule_count(const struct waf_engine *e);
/* Is @id a rule of the program? */
bool waf_engine_has_rule(const struct waf_engine *e, uint32_t id);
/* Distinct transformation chains of the rules (part of the grouping key). */
size_t waf_engine_chain_count(const struct waf_engine *e);
/* Grouped scan databases (one per (source collection, chain)) and the rules
 * whose first link is decided by them (the others run per rule). */
size_t waf_engine_group_count(const struct waf_engine *e);
size_t waf_engine_grouped_rules(const struct waf_engine *e);

void waf_engine_conf_default(struct waf_engine_conf *c);

/* Per-thread evaluation state. NULL on allocation failure. */
struct waf_eval *waf_eval_create(const struct waf_engine *e);
void waf_eval_free(struct waf_eval *ev);

/* Evaluate every rule of phases 1 and 2 (paranoia-gated by @conf) over @v.
 * Returns 0, or -ENOMEM (warm-up growth failed; result incomplete). */
int waf_eval_run(struct waf_eval *ev, const struct waf_engine_conf *conf,
		 const struct waf_reqview *v, struct waf_result *res);

/* TX value after the last run (tests, diagnostics): NULL when unset. */
const char *waf_eval_tx(const struct waf_eval *ev, const char *name);

#endif
