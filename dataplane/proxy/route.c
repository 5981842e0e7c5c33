/* SPDX-License-Identifier: Proprietary
 * Route compilation (per snapshot) and lookup (per request): route.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy/route.h"

static int
group_rank(const struct cfg_route *r)
{
	return r->host_kind == CFG_HOST_EXACT ? 0 : r->host_kind == CFG_HOST_WILDCARD ? 1 : 2;
}

static const struct cfg_proxy *sort_px;   /* qsort has no context: main lcore only */

static int
cmp_routes(const void *a, const void *b)
{
	const struct cfg_route *x = &sort_px->route[*(const uint8_t *)a];
	const struct cfg_route *y = &sort_px->route[*(const uint8_t *)b];
	int c;

	if (group_rank(x) != group_rank(y))
		return group_rank(x) - group_rank(y);
	if (x->host_len != y->host_len)           /* longer wildcard suffix first */
		return (int)y->host_len - (int)x->host_len;
	if ((c = strcmp(x->host, y->host)) != 0)  /* keeps a group contiguous */
		return c;
	if (x->prefix_len != y->prefix_len)
		return (int)y->prefix_len - (int)x->prefix_len;
	if ((c = strcmp(x->prefix, y->prefix)) != 0)  /* siblings adjacent */
		return c;
	return (int)(*(const uint8_t *)a) - (int)(*(const uint8_t *)b);
}

void
route_compile(struct cfg_proxy *px)
{
	for (unsigned li = 0; li < CFG_MAX_LISTENERS; li++)
		px->order[li].n = 0;
	for (unsigned i = 0; i < px->nroutes; i++) {
		struct cfg_route_order *o = &px->order[px->route[i].listener];

		o->idx[o->n++] = (uint8_t)i;
	}
	sort_px = px;
	for (unsigned li = 0; li < px->nlisteners; li++)
		qsort(px->order[li].idx, px->order[li].n, 1, cmp_routes);
	sort_px = NULL;
}

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

static bool
ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower((uint8_t)a[i]) != (uint8_t)b[i])
			return false;
	return true;
}

static bool
host_matches(const struct cfg_route *r, const char *h, size_t n)
{
	switch (r->host_kind) {
	case CFG_HOST_EXACT:
		return n == r->host_len && ieq(h, r->host, n);
	case CFG_HOST_WILDCARD:   /* host is ".suffix"; at least one label before */
		return n > r->host_len && ieq(h + n - r->host_len, r->host, r->host_len);
	default:
		return true;
	}
}

static bool
prefix_matches(const struct cfg_route *r, const char *path, size_t plen)
{
	if (plen < r->prefix_len || memcmp(path, r->prefix, r->prefix_len) != 0)
		return false;
	return plen == r->prefix_len || r->prefix[r->prefix_len - 1] == '/' ||
	       path[r->prefix_len] == '/';
}

static bool
same_group(const struct cfg_route *a, const struct cfg_route *b)
{
	return a->host_kind == b->host_kind && strcmp(a->host, b->host) == 0;
}

/* The host without its port: "name:80" → "name", "[::1]:80" → "[::1]". */
static size_t
host_len_without_port(const char *h, size_t n)
{
	if (n && h[0] == '[') {
		const char *e = memchr(h, ']', n);

		return e ? (size_t)(e - h) + 1 : n;
	}
	for (size_t i = 0; i < n; i++)
		if (h[i] == ':')
			return i;
	return n;
}

int
route_lookup(const struct cfg_proxy *px, unsigned li, const char *host, size_t hlen,
	     const char *path, size_t plen, unsigned method, uint16_t *allow)
{
	const struct cfg_route_order *o;
	const struct cfg_route *best = NULL;
	uint16_t union_methods = 0;

	if (li >= px->nlisteners)
		return ROUTE_NOT_FOUND;
	o = &px->order[li];
	hlen = host ? host_len_without_port(host, hlen) : 0;
	for (unsigned k = 0; k < o->n; k++) {
		const struct cfg_route *r = &px->route[o->idx[k]];

		if (best != NULL) {
			/* Only siblings of the best match (same host and prefix). */
			if (!same_group(r, best) || strcmp(r->prefix, best->prefix) != 0)
				break;
		} else if (!host_matches(r, host, hlen) || !prefix_matches(r, path, plen)) {
			continue;
		}
		best = r;
		if (r->methods == 0 || (method < 16 && (r->methods & (1u << method))))
			return o->idx[k];
		union_methods |= r->methods;
	}
	if (best == NULL)
		return ROUTE_NOT_FOUND;
	*allow = union_methods;
	return ROUTE_NOT_ALLOWED;
}

int
route_listener(const struct cfg_proxy *px, int family, const uint8_t *laddr, uint16_t lport)
{
	int any = -1;

	for (unsigned i = 0; i < px->nlisteners; i++) {
		const struct cfg_listener *l = &px->listener[i];

		if (l->port != lport)
			continue;
		if (l->family == 0)
			any = (int)i;
		else if (l->family == family &&
			 memcmp(l->addr, laddr, family == AF_INET ? 4 : 16) == 0)
			return (int)i;
	}
	return any;
}
