/* Shared by the body-processor fuzz targets (fuzz_waf_body_json.c,
 * fuzz_waf_body_urlenc.c): feed one body to a piecewise processor
 * (dataplane/waf/waf_body.h) whole and cut into pieces at fuzzer-chosen
 * points, and abort unless both give the same ARGS_POST items (names,
 * values, order) and the same error and bound flags: waf_body.h promises
 * that for every split.
 *
 * Input: byte 0 low 3 bits = number of cuts (0..6; 7: one byte at a time),
 * then 2 bytes (little-endian) per cut, each taken modulo body length + 1
 * and sorted (equal cuts give empty pieces, fed as such); the rest is the
 * body. The two views live across runs and are reset each time, as a
 * worker's view is request after request.
 */
#ifndef RAMPART_FUZZ_WAF_BODY_H
#define RAMPART_FUZZ_WAF_BODY_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf_reqview.h"

struct body_proc {
	const char *name;
	void (*begin)(struct waf_reqview *v);
	void (*feed)(struct waf_reqview *v, const uint8_t *p, size_t n);
	void (*finish)(struct waf_reqview *v);
};

#define FUZZ_BODY_MAX_CUTS 6u

static struct waf_reqview fuzz_whole, fuzz_part;

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void body_mismatch(const struct body_proc *bp, const char *what, uint32_t i)
{
	fprintf(stderr, "%s: split body differs from the whole body: %s (item %u)\n", bp->name,
		what, i);
	abort();
}

static void same_views(const struct body_proc *bp, const struct waf_reqview *a,
		       const struct waf_reqview *b)
{
	const struct waf_items *ia = &a->coll[WAF_RC_ARGS_POST], *ib = &b->coll[WAF_RC_ARGS_POST];

	if (a->oom || b->oom)
		return;   /* an allocation failed: nothing is promised */
	if (ia->n != ib->n)
		body_mismatch(bp, "item count", ib->n);
	if (a->reqbody_error != b->reqbody_error)
		body_mismatch(bp, "reqbody_error", 0);
	if (a->body_value_truncated != b->body_value_truncated ||
	    a->body_over_limit != b->body_over_limit || a->body_values_bytes != b->body_values_bytes)
		body_mismatch(bp, "bound flags", 0);
	for (uint32_t i = 0; i < ia->n; i++) {
		const struct waf_item *p = &ia->v[i], *q = &ib->v[i];

		if (p->name.len != q->name.len || memcmp(p->name.p, q->name.p, p->name.len) != 0)
			body_mismatch(bp, "name", i);
		if (p->value.len != q->value.len ||
		    memcmp(p->value.p, q->value.p, p->value.len) != 0)
			body_mismatch(bp, "value", i);
	}
}

/* Runs both ways; returns the whole-body view for the caller's own checks
 * of the parser against a reference, or NULL when the input is too short. */
static const struct waf_reqview *fuzz_body(const struct body_proc *bp, const uint8_t *data,
					   size_t size, const uint8_t **body, size_t *body_len)
{
	size_t cuts[FUZZ_BODY_MAX_CUTS], ncut, from = 0;
	bool bytewise;
	const uint8_t *b;
	size_t n;

	if (size < 1)
		return NULL;
	bytewise = (data[0] & 7) == 7;
	ncut = bytewise ? 0 : data[0] & 7;
	if (size < 1 + 2 * ncut)
		return NULL;
	b = data + 1 + 2 * ncut;
	n = size - 1 - 2 * ncut;
	for (size_t i = 0; i < ncut; i++)
		cuts[i] = (size_t)(data[1 + 2 * i] | data[2 + 2 * i] << 8) % (n + 1);
	qsort(cuts, ncut, sizeof(cuts[0]), cmp_size);

	waf_reqview_reset(&fuzz_whole);
	bp->begin(&fuzz_whole);
	bp->feed(&fuzz_whole, b, n);
	bp->finish(&fuzz_whole);

	waf_reqview_reset(&fuzz_part);
	bp->begin(&fuzz_part);
	if (bytewise) {
		for (size_t i = 0; i < n; i++)
			bp->feed(&fuzz_part, b + i, 1);
	} else {
		for (size_t i = 0; i <= ncut; i++) {
			size_t to = i < ncut ? cuts[i] : n;

			bp->feed(&fuzz_part, b + from, to - from);
			from = to;
		}
	}
	bp->finish(&fuzz_part);
	same_views(bp, &fuzz_whole, &fuzz_part);
	*body = b;
	*body_len = n;
	return &fuzz_whole;
}

#endif
