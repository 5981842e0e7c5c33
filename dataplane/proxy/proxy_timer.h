/* SPDX-License-Identifier: Proprietary
 * Session timeouts: one FIFO list per kind (proxy_types.h explains why a
 * list suffices). Owning worker only.
 */
#ifndef RAMPART_PROXY_TIMER_H
#define RAMPART_PROXY_TIMER_H

#include "proxy/proxy_types.h"

void ptimer_init(struct proxy_worker *pw);
/* (Re)arm t on list kind, due at now_ms + timeout_ms. */
void ptimer_arm(struct proxy_worker *pw, struct proxy_timer *t, enum proxy_timer_kind kind,
		uint64_t now_ms, uint32_t timeout_ms);
void ptimer_stop(struct proxy_timer *t);
/* Unlink and return the first timer of any list due at now_ms (its list in
 * *kind), or NULL. */
struct proxy_timer *ptimer_next_due(struct proxy_worker *pw, uint64_t now_ms,
				    enum proxy_timer_kind *kind);

#endif
