/* SPDX-License-Identifier: Proprietary
 * The default configuration compiled into rampart-cp: the bytes of
 * controlplane/config/default_config.json, embedded at build time by
 * embed_json.py (see controlplane/meson.build).
 */
#ifndef RAMPART_CP_DEFAULT_CONFIG_H
#define RAMPART_CP_DEFAULT_CONFIG_H

#include <stddef.h>

extern const char cp_default_config[];   /* NUL-terminated JSON text */
extern const size_t cp_default_config_len; /* without the NUL */

#endif
