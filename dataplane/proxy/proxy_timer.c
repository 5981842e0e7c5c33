/* SPDX-License-Identifier: Proprietary
 * Session timeout lists (proxy_timer.h).
 */
#include <stddef.h>

#include "proxy/proxy_timer.h"

void
ptimer_init(struct proxy_worker *pw)
{
	for (unsigned k = 0; k < PT__MAX; k++)
		pw->timers[k].prev = pw->timers[k].next = &pw->timers[k];
}

void
ptimer_stop(struct proxy_timer *t)
{
	if (t->kind == PT_NONE)
		return;
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->prev = t->next = NULL;
	t->kind = PT_NONE;
}

void
ptimer_arm(struct proxy_worker *pw, struct proxy_timer *t, enum proxy_timer_kind kind,
	   uint64_t now_ms, uint32_t timeout_ms)
{
	struct proxy_timer *head = &pw->timers[kind];

	ptimer_stop(t);
	t->deadline_ms = now_ms + timeout_ms;
	t->kind = (uint8_t)kind;
	t->prev = head->prev;
	t->next = head;
	head->prev->next = t;
	head->prev = t;
}

struct proxy_timer *
ptimer_next_due(struct proxy_worker *pw, uint64_t now_ms, enum proxy_timer_kind *kind)
{
	for (unsigned k = PT_NONE + 1; k < PT__MAX; k++) {
		struct proxy_timer *t = pw->timers[k].next;

		if (t != &pw->timers[k] && t->deadline_ms <= now_ms) {
			*kind = (enum proxy_timer_kind)k;
			ptimer_stop(t);
			return t;
		}
	}
	return NULL;
}
