/* The open item of the piecewise body processors (waf_body.h). */
#include <stdlib.h>
#include <string.h>

#include "waf/waf_body.h"
#include "waf/waf_reqview.h"

bool waf_body_open_put(struct waf_body_open *o, struct waf_reqview *v, const uint8_t *p, size_t n)
{
	if (n > WAF_RV_VALUE_MAX - o->len) {
		n = WAF_RV_VALUE_MAX - o->len;
		o->truncated = true;
	}
	if (n == 0)
		return true;
	if (o->len + n > o->cap) {
		uint32_t cap = o->cap ? o->cap : 256;
		uint8_t *np;

		while (cap < o->len + n)
			cap *= 2;
		if (cap > WAF_RV_VALUE_MAX)
			cap = WAF_RV_VALUE_MAX;
		np = realloc(o->p, cap);
		if (np == NULL) {
			v->oom = true;
			return false;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, p, n);
	o->len += (uint32_t)n;
	return true;
}
