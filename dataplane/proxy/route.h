/* SPDX-License-Identifier: Proprietary
 * Routing: listener → route (API) → upstream, on the normalised request.
 *
 * A snapshot's routes are compiled once, when the snapshot is built
 * (route_compile, called by the config parser): each listener gets its
 * routes in lookup order. A lookup then walks only that listener's list:
 *   1. host groups from the most specific: exact names, then wildcards
 *      ("*.example.com" matches "a.example.com" and "a.b.example.com", not
 *      "example.com") by longer suffix, then routes without a host ("*");
 *      the first group that has a matching prefix decides;
 *   2. in the group, the longest path prefix that matches on a segment
 *      boundary ("/api" matches "/api" and "/api/x", not "/apix");
 *   3. among the routes with that host and prefix, the one whose methods
 *      include the request's; none → 405 with the union as Allow.
 * Hosts compare case-insensitively, without the port. No allocation, no
 * locks; the cost is linear in the listener's routes (≤ CFG_MAX_ROUTES).
 */
#ifndef RAMPART_PROXY_ROUTE_H
#define RAMPART_PROXY_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config_types.h"

#define ROUTE_NOT_FOUND      (-1)   /* → 404 */
#define ROUTE_NOT_ALLOWED    (-2)   /* → 405, *allow set */

/* Fill px->order from px->route. Main lcore (snapshot build). */
void route_compile(struct cfg_proxy *px);

/* Route of a request on listener li: host is the Host field value (a port
 * after ':' is ignored), path the normalised path, method an enum
 * http_method. Returns the route index, ROUTE_NOT_FOUND, or
 * ROUTE_NOT_ALLOWED with *allow = the methods (bit per enum http_method)
 * the matching routes accept. Any thread. */
int route_lookup(const struct cfg_proxy *px, unsigned li, const char *host, size_t hlen,
		 const char *path, size_t plen, unsigned method, uint16_t *allow);

/* The index of the listener that owns a connection to (family, laddr,
 * lport): an exact address match first, then an any-address listener on
 * that port; -1 when none. */
int route_listener(const struct cfg_proxy *px, int family, const uint8_t *laddr,
		   uint16_t lport);

#endif
