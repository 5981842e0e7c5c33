/* SPDX-License-Identifier: Proprietary
 * Monotonic milliseconds for rampart-cp's timers (backoff, request
 * deadlines). Never goes back; unrelated to wall-clock time.
 */
#ifndef RAMPART_CP_CLOCK_H
#define RAMPART_CP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t cp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
