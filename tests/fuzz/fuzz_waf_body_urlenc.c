/* libFuzzer target for the piecewise urlencoded body processor
 * (dataplane/waf/waf_body_urlenc.c). Input layout and the split property:
 * fuzz_waf_body.h. Besides whole == split, the items of the whole body are
 * checked against a plain reference split of the bytes: '&'-separated
 * pairs, empty ones skipped, the name up to the first '=' (none: an empty
 * value), both sides %-decoded with '+' as space.
 */
#include "fuzz_waf_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void urlenc_begin(struct waf_reqview *v)
{
	waf_body_urlenc_begin(&v->urlenc, &v->open);
}

static void urlenc_feed(struct waf_reqview *v, const uint8_t *p, size_t n)
{
	waf_body_urlenc_feed(&v->urlenc, &v->open, v, p, n);
}

static void urlenc_finish(struct waf_reqview *v)
{
	waf_body_urlenc_finish(&v->urlenc, &v->open, v);
}

static const struct body_proc urlenc = { "urlencoded", urlenc_begin, urlenc_feed, urlenc_finish };

/* One side of a pair, decoded, against an item's bytes. */
static bool same_decoded(const uint8_t *p, size_t n, struct waf_bytes want, char *tmp)
{
	uint32_t flags = 0;
	size_t l = http_pct_decode((const char *)p, n, tmp, true, &flags);

	return l == want.len && memcmp(tmp, want.p, l) == 0;
}

static void reference(const struct waf_reqview *v, const uint8_t *b, size_t n)
{
	const struct waf_items *it = &v->coll[WAF_RC_ARGS_POST];
	const uint8_t *e = b + n;
	uint32_t k = 0;
	char *tmp;

	/* the bounds (value, body, item count) cut the item list short: the
	 * split property above still holds, the plain reference does not */
	if (v->oom || v->body_value_truncated || v->body_over_limit || it->n >= WAF_RV_ITEMS_MAX)
		return;
	tmp = malloc(n + 1);
	if (tmp == NULL)
		return;
	while (b < e) {
		const uint8_t *amp = memchr(b, '&', (size_t)(e - b)), *z = amp ? amp : e;
		const uint8_t *eq = memchr(b, '=', (size_t)(z - b));

		if (z > b) {
			const uint8_t *ne = eq ? eq : z;

			if (k >= it->n)
				body_mismatch(&urlenc, "reference has more pairs", k);
			if (!same_decoded(b, (size_t)(ne - b), it->v[k].name, tmp))
				body_mismatch(&urlenc, "reference name", k);
			if (!same_decoded(eq ? eq + 1 : z, eq ? (size_t)(z - eq - 1) : 0, it->v[k].value,
					  tmp))
				body_mismatch(&urlenc, "reference value", k);
			k++;
		}
		b = amp ? amp + 1 : e;
	}
	if (k != it->n)
		body_mismatch(&urlenc, "reference has fewer pairs", k);
	if (v->reqbody_error)
		body_mismatch(&urlenc, "error on a body within the bounds", 0);
	free(tmp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *body;
	size_t n;
	const struct waf_reqview *v = fuzz_body(&urlenc, data, size, &body, &n);

	if (v != NULL)
		reference(v, body, n);
	return 0;
}
