/* SPDX-License-Identifier: Proprietary
 * rampart-cp logging: one line per event on stderr,
 *
 *   2026-11-22T23:13:01.123Z rampart-cp[1234] warn: <message>
 *
 * with a UTC timestamp and the level. Control characters in the message
 * (including those that come from the dataplane's error texts) are escaped as
 * \xNN, so an event is always exactly one line; over-long messages are cut
 * and end in "...". Each line is written with a single write(2).
 *
 * Logging is safe from any thread (a line is one write(2), no shared
 * buffer); cp_log_set_level() is called once, before the NETCONF thread
 * starts.
 */
#ifndef RAMPART_CP_LOG_H
#define RAMPART_CP_LOG_H

#include <stdbool.h>

enum cp_log_level {
	CP_LOG_ERROR,
	CP_LOG_WARN,
	CP_LOG_INFO,
	CP_LOG_DEBUG,
};

void cp_log_set_level(enum cp_log_level level);

/* "error", "warn", "info", "debug" -> *level. Returns 0 or -EINVAL. */
int cp_log_parse_level(const char *name, enum cp_log_level *level);

bool cp_log_enabled(enum cp_log_level level);

void cp_log(enum cp_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) cp_log(CP_LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  cp_log(CP_LOG_WARN, __VA_ARGS__)
#define log_info(...)  cp_log(CP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) cp_log(CP_LOG_DEBUG, __VA_ARGS__)

#endif
