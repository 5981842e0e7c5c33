/* SPDX-License-Identifier: Proprietary
 * The "waf" stage (waf_stage.h): the request's view, the engine, the
 * route's exclusions, the decision, the security event.
 *
 * Body. The stage runs when the head is parsed, before the request goes
 * upstream; it does not hold the body back. It inspects the body bytes the
 * session already holds behind the head (its input buffer: request line +
 * header bytes + 4 KiB, so a typical API body arrives with the head) when
 * the body is framed by Content-Length; chunked bodies and the part of a
 * body beyond that prefix are not inspected (counted as waf.body_partial).
 * Streaming inspection of the whole body comes with the engine's streaming
 * body API.
 *
 * Exclusions are applied to the engine's result: an excluded match is
 * dropped and its CRS anomaly contribution (by severity: critical 5,
 * error 4, warning 3, notice 2) taken off the inbound score before the
 * threshold is compared. The engine records one target per matching rule
 * (the first); an exclusion by target silences the rule when that target
 * is the one recorded.
 */
#include <string.h>
#include <strings.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>

#include "http/http.h"
#include "proxy/access_log.h"
#include "proxy/proxy_p.h"
#include "proxy/waf_event.h"
#include "proxy/waf_runtime.h"
#include "proxy/waf_stage.h"
#include "tcp/tcp.h"

static uint32_t
severity_score(uint8_t sev)
{
	switch (sev) {
	case 2: return 5;   /* CRITICAL */
	case 3: return 4;   /* ERROR */
	case 4: return 3;   /* WARNING */
	case 5: return 2;   /* NOTICE */
	default: return 0;
	}
}

static bool
id_listed(const uint32_t *ids, unsigned n, uint32_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* "ARGS" excludes every ARGS:key; "ARGS:q" only that one (ASCII case
 * insensitive, as SecLang names are). */
static bool
target_matches(const char *excl, const char *target)
{
	size_t n = strlen(excl);

	if (strncasecmp(excl, target, n) != 0)
		return false;
	return target[n] == '\0' || (target[n] == ':' && strchr(excl, ':') == NULL);
}

static bool
excluded(const struct waf_program *prog, const struct cfg_waf_override *ov,
	 const struct waf_match *m)
{
	if (id_listed(ov->ids, ov->nids, m->id))
		return true;
	for (unsigned i = 0; i < ov->ntags; i++)
		if (waf_program_rule_has_tag(prog, m->id, ov->tags[i]))
			return true;
	for (unsigned i = 0; i < ov->ntargets; i++) {
		const struct cfg_waf_target_excl *t = &ov->targets[i];

		if ((t->nrules == 0 || id_listed(t->rules, t->nrules, m->id)) &&
		    target_matches(t->target, m->target))
			return true;
	}
	return false;
}

static void
printable(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap && src[i]; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
	}
	dst[i] = '\0';
}

static void
emit(struct h1_session *s, unsigned route, uint8_t mode, const struct cfg_waf *cw,
     const struct waf_result *res, const bool *drop, uint32_t kept, uint32_t nexcl,
     uint32_t score, bool block)
{
	const struct cfg_proxy *px = &s->pw->w->snap->proxy;
	const struct tcp_key *k = &s->c->key;
	const struct http_req *req = s->req;
	struct waf_event_rec r;
	uint32_t recorded = res->n_matches < WAF_MATCH_MAX ? res->n_matches : WAF_MATCH_MAX;

	memset(&r, 0, offsetof(struct waf_event_rec, m));
	r.time_us = access_log_time_us(s->t_start_tsc);
	r.score = score;
	r.threshold = cw->inbound_threshold;
	r.matches_total = kept;
	r.excluded = nexcl;
	r.family = k->family;
	memcpy(r.client, k->raddr, 16);
	r.client_port = rte_be_to_cpu_16(k->rport);
	r.paranoia = cw->paranoia;
	r.mode = mode;
	r.blocked = block;
	memcpy(r.request_id, s->req_id, sizeof(r.request_id));
	printable(r.route, sizeof(r.route), px->route[route].name, CFG_NAME_MAX);
	printable(r.method, sizeof(r.method), req->method_raw.p, req->method_raw.len);
	printable(r.path, sizeof(r.path), req->target.p, req->target.len);
	for (uint32_t i = 0; i < recorded && r.nmatches < WAF_EVENT_MATCHES; i++) {
		struct waf_event_match *m = &r.m[r.nmatches];

		if (drop[i])
			continue;
		m->id = res->matches[i].id;
		m->severity = res->matches[i].severity;
		printable(m->target, sizeof(m->target), res->matches[i].target,
			  sizeof(res->matches[i].target));
		printable(m->excerpt, sizeof(m->excerpt), res->matches[i].excerpt,
			  sizeof(res->matches[i].excerpt));
		r.nmatches++;
	}
	for (unsigned i = r.nmatches; i < WAF_EVENT_MATCHES; i++)
		memset(&r.m[i], 0, sizeof(r.m[i]));
	waf_event_emit(s->pw->w, &r);
}

/* Hand the body bytes held behind the head to the view (Content-Length
 * framing only). Returns whether the whole body was seen. */
static bool
body_prefix(struct h1_session *s, struct waf_reqview *v)
{
	const struct http_req *req = s->req;
	uint64_t held, n;

	if (!http_req_has_body(req))
		return true;
	if (req->flags & HTTP_RF_CHUNKED)
		return false;
	held = s->in_len - s->head_end;
	n = held < req->content_length ? held : req->content_length;
	if (n)
		waf_reqview_body_cb(v, s->in + s->head_end, (size_t)n);
	return n == req->content_length;
}

enum waf_verdict
waf_stage_run(struct h1_session *s, unsigned route)
{
	struct worker *w = s->pw->w;
	const struct snapshot *snap = w->snap;
	const struct cfg_waf *cw = &snap->waf;
	const struct cfg_waf_override *ov = NULL;
	struct waf_engine_conf conf;
	struct waf_worker_ctx *wk;
	struct waf_result *res;
	bool drop[WAF_MATCH_MAX] = { false }, block;
	uint32_t recorded, kept = 0, nexcl = 0, sub = 0, score;
	uint8_t mode = cw->mode;
	int rc;

	if (route < CFG_MAX_ROUTES && cw->override_of[route]) {
		ov = &cw->override[cw->override_of[route] - 1];
		if (ov->has_mode)
			mode = ov->mode;
	}
	if (mode == CFG_WAF_OFF) {
		worker_count(w, CNT_WAF_SKIPPED_OFF);
		return WAF_PASS;
	}
	wk = snap->waf_rt ? waf_runtime_worker(snap->waf_rt, w->id) : NULL;
	if (wk == NULL) {
		worker_count(w, CNT_WAF_NO_PROGRAM);
		return WAF_PASS;
	}
	worker_count(w, CNT_WAF_INSPECTED);
	res = &wk->res;
	waf_reqview_reset(&wk->view);
	if (!body_prefix(s, &wk->view))
		worker_count(w, CNT_WAF_BODY_PARTIAL);
	rc = waf_reqview_build(&wk->view, s->req);
	waf_engine_conf_default(&conf);   /* members we do not set keep their defaults */
	conf.paranoia = cw->paranoia;
	conf.inbound_threshold = cw->inbound_threshold;
	if (rc == 0)
		rc = waf_eval_run(wk->ev, &conf, &wk->view, res);
	if (rc != 0 || res->errors)
		worker_count(w, CNT_WAF_ERRORS);
	if (rc != 0 || res->n_matches == 0)
		return WAF_PASS;   /* an engine that could not run does not block */

	recorded = res->n_matches < WAF_MATCH_MAX ? res->n_matches : WAF_MATCH_MAX;
	for (uint32_t i = 0; i < recorded; i++) {
		if (ov && excluded(snap->waf_rt->prog, ov, &res->matches[i])) {
			drop[i] = true;
			nexcl++;
			sub += severity_score(res->matches[i].severity);
		} else {
			kept++;
		}
	}
	kept += res->n_matches - recorded;   /* unrecorded matches stay */
	score = res->score > sub ? res->score - sub : 0;
	/* a deny rule blocks below the threshold; it is silenced only by its own exclusion */
	block = score >= cw->inbound_threshold ||
		(res->block && res->score < cw->inbound_threshold && kept > 0);
	if (nexcl)
		cnt_add(&w->cnt, CNT_WAF_EXCLUDED, nexcl);
	if (kept == 0)
		return WAF_PASS;
	cnt_add(&w->cnt, CNT_WAF_MATCHES, kept);
	block = block && mode == CFG_WAF_BLOCK;
	worker_count(w, block ? CNT_WAF_BLOCKED : CNT_WAF_DETECTED);
	emit(s, route, mode, cw, res, drop, kept, nexcl, score, block);
	return block ? WAF_BLOCK : WAF_PASS;
}
