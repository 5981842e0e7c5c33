/* SPDX-License-Identifier: Proprietary
 * The "waf" stage (waf_stage.h): the request's view, the engine, the
 * route's exclusions, the decision, the security event.
 *
 * Body. A body held whole behind the head (Content-Length, the common API
 * case: the input buffer holds request line + header bytes + 4 KiB) is
 * inspected at once, before anything goes upstream. Any other body
 * (chunked, or longer than what came with the head) streams: the request
 * gets a slot of the worker's pool (its own request view and stream,
 * WAF_STAGE_STREAMS per worker), the parser hands each de-chunked piece to
 * the engine through the body callback as the session forwards the raw
 * bytes upstream, and the verdict is taken when the message is complete,
 * before its final piece is forwarded (waf_stage_body_end()): a blocked
 * request never reaches the backend whole; its upstream connection is
 * reset and the client answered 403 (or reset, if the upstream already
 * answered). No slot free: 503 in block mode, passed uninspected in
 * detect-only (waf.stream_busy).
 *
 * Exclusions are applied to the engine's result: an excluded match is
 * dropped and its CRS anomaly contribution (by severity: critical 5,
 * error 4, warning 3, notice 2) taken off the inbound score before the
 * threshold is compared. The engine records one target per matching rule
 * (the first); an exclusion by target silences the rule when that target
 * is the one recorded.
 */
#include <stdlib.h>
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
#include "waf/waf_stream.h"

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

/* A request whose body streams through the proxy: its own view and stream
 * until the verdict (the worker's view serves the requests decided at the
 * head). */
struct waf_body_slot {
	struct waf_stream st;
	struct waf_reqview view;
	struct h1_session *owner;   /* NULL: free */
	unsigned route;
	uint8_t mode;
};

struct waf_body_pool {
	struct waf_body_slot slot[WAF_STAGE_STREAMS];
};

static struct waf_body_slot *
slot_get(struct h1_session *s)
{
	struct proxy_worker *pw = s->pw;

	if (pw->waf_bodies == NULL) {
		/* once per worker, at its first streamed body (warm-up) */
		pw->waf_bodies = calloc(1, sizeof(*pw->waf_bodies));
		if (pw->waf_bodies == NULL)
			return NULL;
	}
	for (unsigned i = 0; i < WAF_STAGE_STREAMS; i++) {
		struct waf_body_slot *b = &pw->waf_bodies->slot[i];

		if (b->owner == NULL) {
			b->owner = s;
			s->waf_body = b;
			return b;
		}
	}
	return NULL;
}

void
waf_stage_release(struct h1_session *s)
{
	if (s->waf_body == NULL)
		return;
	s->waf_body->owner = NULL;
	s->waf_body = NULL;
	if (s->req != NULL)
		http_req_set_body_cb(s->req, NULL, NULL);
}

void
waf_stage_worker_fini(struct proxy_worker *pw)
{
	if (pw->waf_bodies == NULL)
		return;
	for (unsigned i = 0; i < WAF_STAGE_STREAMS; i++)
		waf_reqview_free(&pw->waf_bodies->slot[i].view);
	free(pw->waf_bodies);
	pw->waf_bodies = NULL;
}

/* Is the whole body (Content-Length framing) held behind the head? */
static bool
body_held(const struct h1_session *s)
{
	const struct http_req *req = s->req;

	return !(req->flags & HTTP_RF_CHUNKED) &&
	       (uint64_t)(s->in_len - s->head_end) >= req->content_length;
}

/* The mode in force for @route (the global one unless overridden). */
static uint8_t
route_mode(const struct cfg_waf *cw, unsigned route, const struct cfg_waf_override **ov)
{
	*ov = NULL;
	if (route < CFG_MAX_ROUTES && cw->override_of[route]) {
		*ov = &cw->override[cw->override_of[route] - 1];
		if ((*ov)->has_mode)
			return (*ov)->mode;
	}
	return cw->mode;
}

/* Run the engine over the stream's request and decide with the route's
 * exclusions; count and emit the security event. */
static enum waf_verdict
evaluate(struct h1_session *s, unsigned route, uint8_t mode, struct waf_worker_ctx *wk,
	 struct waf_stream *st)
{
	struct worker *w = s->pw->w;
	const struct snapshot *snap = w->snap;
	const struct cfg_waf *cw = &snap->waf;
	const struct cfg_waf_override *ov;
	struct waf_engine_conf conf;
	struct waf_result *res = &wk->res;
	bool drop[WAF_MATCH_MAX] = { false }, block;
	uint32_t recorded, kept = 0, nexcl = 0, sub = 0, score;
	int rc;

	(void)route_mode(cw, route, &ov);
	waf_engine_conf_default(&conf);   /* members we do not set keep their defaults */
	conf.paranoia = cw->paranoia;
	conf.inbound_threshold = cw->inbound_threshold;
	st->ev = wk->ev;
	rc = waf_stream_finish(st, &conf, s->req, res);
	if (st->view->body_value_truncated)
		worker_count(w, CNT_WAF_BODY_VALUE_TRUNCATED);
	if (st->view->body_over_limit)
		worker_count(w, CNT_WAF_BODY_OVER_LIMIT);
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

enum waf_verdict
waf_stage_run(struct h1_session *s, unsigned route)
{
	struct worker *w = s->pw->w;
	const struct snapshot *snap = w->snap;
	const struct cfg_waf_override *ov;
	const struct http_req *req = s->req;
	struct waf_worker_ctx *wk;
	struct waf_body_slot *b;
	struct waf_stream st;
	uint8_t mode = route_mode(&snap->waf, route, &ov);

	waf_stage_release(s);   /* a slot left by an unfinished request */
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
	if (!http_req_has_body(req) || body_held(s)) {
		waf_stream_begin(&st, wk->ev, &wk->view, req);
		if (http_req_has_body(req) && req->content_length)
			waf_stream_body_cb(&st, s->in + s->head_end, (size_t)req->content_length);
		return evaluate(s, route, mode, wk, &st);
	}
	b = slot_get(s);
	if (b == NULL) {
		worker_count(w, CNT_WAF_STREAM_BUSY);
		return mode == CFG_WAF_BLOCK ? WAF_UNAVAILABLE : WAF_PASS;
	}
	b->route = route;
	b->mode = mode;
	waf_stream_begin(&b->st, NULL, &b->view, req);
	http_req_set_body_cb(s->req, waf_stream_body_cb, &b->st);
	worker_count(w, CNT_WAF_BODY_STREAMED);
	return WAF_PASS;
}

enum waf_verdict
waf_stage_body_end(struct h1_session *s)
{
	struct waf_body_slot *b = s->waf_body;
	const struct snapshot *snap = s->pw->w->snap;
	struct waf_worker_ctx *wk;
	enum waf_verdict v = WAF_PASS;

	if (b == NULL)
		return WAF_PASS;
	/* the program may have changed while the body streamed: the view does
	 * not depend on it, the evaluation uses the one in force now */
	wk = snap->waf_rt ? waf_runtime_worker(snap->waf_rt, s->pw->w->id) : NULL;
	if (wk == NULL)
		worker_count(s->pw->w, CNT_WAF_NO_PROGRAM);
	else
		v = evaluate(s, b->route, b->mode, wk, &b->st);
	waf_stage_release(s);
	return v;
}
