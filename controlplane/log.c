/* SPDX-License-Identifier: Proprietary */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The longest message kept before escaping; the rest is cut. */
#define LOG_MSG_MAX 1024

static enum cp_log_level log_level = CP_LOG_INFO;

static const char *const level_names[] = {
	[CP_LOG_ERROR] = "error",
	[CP_LOG_WARN]  = "warn",
	[CP_LOG_INFO]  = "info",
	[CP_LOG_DEBUG] = "debug",
};

void cp_log_set_level(enum cp_log_level level)
{
	log_level = level;
}

int cp_log_parse_level(const char *name, enum cp_log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum cp_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool cp_log_enabled(enum cp_log_level level)
{
	return level <= log_level;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		p += n;
		len -= (size_t)n;
	}
}

void cp_log(enum cp_log_level level, const char *fmt, ...)
{
	/* prefix (< 80) + every message byte escaped to 4 + "...\n" */
	char line[96 + 4 * LOG_MSG_MAX + 8];
	char msg[LOG_MSG_MAX + 1];
	struct timespec ts;
	struct tm tm;
	size_t pos, mlen;
	int saved_errno = errno;
	va_list ap;
	int n;

	if (!cp_log_enabled(level))
		return;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	mlen = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	pos = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
				".%03ldZ rampart-cp[%d] %s: ",
				ts.tv_nsec / 1000000L, (int)getpid(),
				level_names[level]);

	for (size_t i = 0; i < mlen; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f) {
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos,
						"\\x%02x", c);
		} else {
			line[pos++] = (char)c;
		}
	}
	if ((size_t)n > mlen) {
		memcpy(line + pos, "...", 3);
		pos += 3;
	}
	line[pos++] = '\n';

	write_all(STDERR_FILENO, line, pos);
	errno = saved_errno;
}
