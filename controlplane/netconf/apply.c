/* SPDX-License-Identifier: Proprietary */
#include "netconf/apply.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int apply_bridge_init(struct apply_bridge *b)
{
	*b = (struct apply_bridge){ .state = APPLY_IDLE };
	b->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (b->efd < 0)
		return -errno;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	return 0;
}

void apply_bridge_fini(struct apply_bridge *b)
{
	if (b->efd < 0)
		return;
	close(b->efd);
	b->efd = -1;
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
}

static void apply_wait(struct apply_bridge *b, json_t *doc, enum apply_kind kind,
		       struct apply_result *res);

void apply_push(struct apply_bridge *b, json_t *doc, struct apply_result *res)
{
	apply_wait(b, doc, APPLY_PUSH, res);
}

void apply_request(struct apply_bridge *b, json_t *req, struct apply_result *res)
{
	apply_wait(b, req, APPLY_REQUEST, res);
}

enum apply_kind apply_taken_kind(struct apply_bridge *b)
{
	enum apply_kind k;

	pthread_mutex_lock(&b->lock);
	k = b->kind;
	pthread_mutex_unlock(&b->lock);
	return k;
}

static void apply_wait(struct apply_bridge *b, json_t *doc, enum apply_kind kind,
		       struct apply_result *res)
{
	uint64_t one = 1;

	pthread_mutex_lock(&b->lock);
	if (b->closed) {
		pthread_mutex_unlock(&b->lock);
		*res = (struct apply_result){ .ok = false };
		snprintf(res->message, sizeof(res->message), "rampart-cp is shutting down");
		return;
	}
	b->doc = doc;
	b->kind = kind;
	b->state = APPLY_QUEUED;
	if (write(b->efd, &one, sizeof(one)) < 0) {
		/* the counter cannot overflow with one request at a time */
	}
	while (b->state != APPLY_DONE)
		pthread_cond_wait(&b->cond, &b->lock);
	*res = b->res;
	b->res.reply = NULL;
	b->doc = NULL;
	b->state = APPLY_IDLE;
	pthread_mutex_unlock(&b->lock);
}

bool apply_queued(struct apply_bridge *b)
{
	bool q;

	pthread_mutex_lock(&b->lock);
	q = b->state == APPLY_QUEUED;
	pthread_mutex_unlock(&b->lock);
	return q;
}

json_t *apply_take(struct apply_bridge *b)
{
	json_t *doc = NULL;
	uint64_t v;

	if (read(b->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing signalled; the state decides */
	}
	pthread_mutex_lock(&b->lock);
	if (b->state == APPLY_QUEUED) {
		b->state = APPLY_INFLIGHT;
		doc = b->doc;
	}
	pthread_mutex_unlock(&b->lock);
	return doc;
}

void apply_finish(struct apply_bridge *b, const struct apply_result *res)
{
	pthread_mutex_lock(&b->lock);
	if (b->state == APPLY_INFLIGHT || b->state == APPLY_QUEUED) {
		b->res = *res;
		b->state = APPLY_DONE;
		pthread_cond_broadcast(&b->cond);
	}
	pthread_mutex_unlock(&b->lock);
}

void apply_close(struct apply_bridge *b)
{
	struct apply_result res = { .ok = false };

	snprintf(res.message, sizeof(res.message), "rampart-cp is shutting down");
	pthread_mutex_lock(&b->lock);
	b->closed = true;
	pthread_mutex_unlock(&b->lock);
	apply_finish(b, &res);
}
