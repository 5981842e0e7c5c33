/* Piecewise application/x-www-form-urlencoded body processor (waf_body.h):
 * "name=value&..." pairs, each emitted as an ARGS_POST item (both sides
 * %-decoded, '+' as space) when its '&' or the end of the body arrives;
 * empty pairs are skipped, a pair without '=' is a name with an empty
 * value (what ModSecurity does). Only the open pair's raw bytes are held. */
#include <string.h>

#include "http/http.h"
#include "waf/waf_body.h"
#include "waf/waf_reqview.h"

void waf_body_urlenc_begin(struct waf_body_urlenc *u, struct waf_body_open *o)
{
	u->eq = UINT32_MAX;
	o->len = 0;
	o->truncated = false;
}

static struct waf_bytes decoded(struct waf_reqview *v, const uint8_t *p, size_t n)
{
	uint8_t *d = waf_reqview_alloc(v, n + 1);
	uint32_t flags = 0;
	size_t l;

	if (d == NULL)
		return (struct waf_bytes){ (const uint8_t *)"", 0 };
	l = http_pct_decode((const char *)p, n, (char *)d, true, &flags);
	d[l] = 0;
	return (struct waf_bytes){ d, (uint32_t)l };
}

static void emit_pair(struct waf_body_urlenc *u, struct waf_body_open *o, struct waf_reqview *v)
{
	if (o->len > 0) {
		uint32_t nl = u->eq == UINT32_MAX ? o->len : u->eq;
		struct waf_bytes name = decoded(v, o->p, nl);
		struct waf_bytes val = u->eq == UINT32_MAX ? (struct waf_bytes){ (const uint8_t *)"", 0 }
							   : decoded(v, o->p + nl + 1, o->len - nl - 1);

		waf_reqview_push_arg(v, name.p, name.len, val.p, val.len);
		if (o->truncated) {
			v->body_value_truncated = true;
			v->reqbody_error = true;
			v->reqbody_error_msg = "body value over the inspection bound";
		}
	}
	waf_body_urlenc_begin(u, o);
}

void waf_body_urlenc_feed(struct waf_body_urlenc *u, struct waf_body_open *o,
			  struct waf_reqview *v, const uint8_t *p, size_t n)
{
	const uint8_t *e = p + n;

	while (p < e) {
		const uint8_t *amp = memchr(p, '&', (size_t)(e - p));
		const uint8_t *z = amp ? amp : e;

		if (u->eq == UINT32_MAX) {
			const uint8_t *eq = memchr(p, '=', (size_t)(z - p));

			/* an '=' past the bound is not kept: the pair stays a name */
			if (eq && (size_t)(eq - p) < WAF_RV_VALUE_MAX - o->len)
				u->eq = o->len + (uint32_t)(eq - p);
		}
		if (!waf_body_open_put(o, v, p, (size_t)(z - p)))
			return;
		if (amp == NULL)
			return;
		emit_pair(u, o, v);
		p = amp + 1;
	}
}

void waf_body_urlenc_finish(struct waf_body_urlenc *u, struct waf_body_open *o,
			    struct waf_reqview *v)
{
	emit_pair(u, o, v);
}
