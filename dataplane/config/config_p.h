/* SPDX-License-Identifier: Proprietary
 * Private to dataplane/config/: the validation helpers config_parse.c
 * shares with the section parsers in other files (config_proxy.c).
 * Each returns false after filling *err with the JSON pointer and why.
 */
#ifndef RAMPART_CONFIG_P_H
#define RAMPART_CONFIG_P_H

#include <stdbool.h>
#include <jansson.h>
#include "config/config.h"

bool cfg_fail(struct config_error *err, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Refuse members not in the NULL-terminated list. */
bool cfg_only_members(const json_t *obj, const char *path, const char *const *allowed,
		      struct config_error *err);
/* Optional integer member in [min, max], def when absent. */
bool cfg_get_u32(const json_t *obj, const char *path, const char *name, uint32_t min,
		 uint32_t def, uint32_t max, uint32_t *out, struct config_error *err);
/* 1..CFG_NAME_MAX-1 characters of [A-Za-z0-9._-]. */
bool cfg_valid_name(const char *s);

/* config_proxy.c: "http", "listeners", "routes", "upstreams" of doc into
 * s->proxy, then the route lookup orders (proxy/route.h). */
bool config_parse_proxy(struct snapshot *s, const json_t *doc, struct config_error *err);
/* Defaults of s->proxy.http. */
void config_proxy_defaults(struct cfg_proxy *p);
/* config_waf.c: "waf" of doc into s->waf (after the routes: overrides
 * name them). */
bool config_parse_waf(struct snapshot *s, const json_t *doc, struct config_error *err);
void config_waf_defaults(struct cfg_waf *w);

#endif
