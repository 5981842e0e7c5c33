/* SPDX-License-Identifier: Proprietary
 * Notifications (RFC 5277, :notification:1.0 and :interleave:1.0):
 * create-subscription on the NETCONF stream, netconf-config-change
 * (RFC 6470) after every change of running, and netconf_notify_event() for
 * the rest of rampart-cp.
 *
 * Every notification goes through one queue (mutex; any thread may add) and
 * is sent by the NETCONF thread between two polls, never from inside an RPC
 * handler, so the reply of the RPC that caused a change goes out first and
 * no session lock is taken twice.
 *
 * Replay (RFC 5277 3.3, replaySupport of the NETCONF stream in
 * /netconf/streams): every notification sent is also kept in a ring of the
 * last NP_REPLAY_MAX (oldest dropped first; replayLogCreationTime says since
 * when nothing was dropped). create-subscription with startTime gets the
 * kept ones from startTime (to stopTime) after its reply, then
 * replayComplete; with stopTime, notificationComplete when stopTime has
 * passed, and the subscription ends (the session may subscribe again).
 * Notifications are made whether or not anybody is subscribed, for replay.
 *
 * Filters: create-subscription's subtree or XPath filter (RFC 5277 3.6,
 * same forms as get's) is kept per session (a copy of the request) and
 * applied to each notification after NACM; a notification the filter
 * selects nothing of is not sent to that session, one it selects anything
 * of is sent whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "netconf/netconf.h"
#include "netconf/netconf_p.h"

#define NP_NOTIF_QUEUE_MAX 1024
#define NP_NOTIF_SEND_MS 1000

struct np_notif {
	struct np_notif *next;
	struct lyd_node *tree;   /* NULL: text still to be parsed */
	char *json;
	char time[64];
	int64_t t_us;
};

#define NP_REPLAY_MAX 1024

/* A subscription: its session, a copy of its request when it has a filter,
 * and its replay window. Used by the NETCONF thread only. */
struct np_sub_filter {
	struct np_sub_filter *next;
	uint32_t sid;
	struct lyd_node *rpc;      /* NULL: no filter */
	bool replay;               /* startTime given, replay not sent yet */
	int64_t start_us, stop_us; /* stop_us 0: no stopTime */
};

/* The replay ring: the last NP_REPLAY_MAX notifications sent. */
static struct {
	struct lyd_node *tree;
	int64_t t_us;
	char time[64];
} ring[NP_REPLAY_MAX];
static unsigned ring_head, ring_len;   /* oldest at ring_head */
static char ring_created[64];          /* replayLogCreationTime */

static struct np_sub_filter *sub_filters;

static struct np_sub_filter **sub_filter_find(uint32_t sid)
{
	struct np_sub_filter **f;

	for (f = &sub_filters; *f; f = &(*f)->next) {
		if ((*f)->sid == sid)
			return f;
	}
	return NULL;
}

void np_notify_session_gone(uint32_t sid)
{
	struct np_sub_filter **f = sub_filter_find(sid), *gone;

	if (!f)
		return;
	gone = *f;
	*f = gone->next;
	lyd_free_all(gone->rpc);
	free(gone);
}

/* Whether the subscription of sid wants notif (after NACM). */
static bool sub_filter_passes(uint32_t sid, const struct lyd_node *notif)
{
	struct np_sub_filter **f = sub_filter_find(sid);
	struct nc_server_reply *err;
	struct lyd_node *sel = NULL;
	bool pass;

	if (!f || !(*f)->rpc)
		return true;
	err = np_filter((*f)->rpc, notif, &sel);
	if (err) {
		log_warn("NETCONF: session %u: its notification filter failed on %s; not sent",
			 sid, LYD_NAME(notif));
		nc_server_reply_free(err);
		return false;
	}
	pass = sel != NULL;
	lyd_free_all(sel);
	return pass;
}

static pthread_mutex_t nq_lock = PTHREAD_MUTEX_INITIALIZER;
static struct np_notif *nq_head, **nq_tail = &nq_head;
static unsigned nq_len;

/* Now as an eventTime; *us the same in microseconds since the epoch. */
static void np_now(char *buf, size_t len, int64_t *us)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%06dZ", s, (int)(ts.tv_nsec / 1000));
	if (us)
		*us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A yang:date-and-time (2026-11-23T05:40:53.25+01:00, or Z) in microseconds
 * since the epoch; -1 when it is not one. */
static int64_t parse_time(const char *v)
{
	struct tm tm = { 0 };
	const char *p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
	int64_t us = 0, scale = 100000;
	int oh, om;

	if (!p)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			us += (*p - '0') * scale;
	}
	us += (int64_t)timegm(&tm) * 1000000;
	if (*p == 'Z' && !p[1])
		return us;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && strlen(p) == 6)
		return us - (*p == '+' ? 1 : -1) * ((int64_t)oh * 3600 + om * 60) * 1000000;
	return -1;
}

static int np_enqueue(struct lyd_node *tree, const char *json)
{
	struct np_notif *n = calloc(1, sizeof(*n));

	if (!n || (json && !(n->json = strdup(json)))) {
		free(n);
		lyd_free_all(tree);
		return -1;
	}
	n->tree = tree;
	np_now(n->time, sizeof(n->time), &n->t_us);
	pthread_mutex_lock(&nq_lock);
	if (nq_len >= NP_NOTIF_QUEUE_MAX) {
		pthread_mutex_unlock(&nq_lock);
		log_warn("NETCONF: notification queue full; notification dropped");
		lyd_free_all(tree);
		free(n->json);
		free(n);
		return -1;
	}
	*nq_tail = n;
	nq_tail = &n->next;
	nq_len++;
	pthread_mutex_unlock(&nq_lock);
	return 0;
}

bool np_has_subscribers(void)
{
	uint16_t i, n;

	if (!np.ps)
		return false;
	n = nc_ps_session_count(np.ps);
	for (i = 0; i < n; i++) {
		struct nc_session *s = nc_ps_get_session(np.ps, i);

		if (s && nc_session_get_notif_status(s))
			return true;
	}
	return false;
}

int netconf_notify_event(const char *json)
{
	if (!json)
		return -1;
	return np_enqueue(NULL, json);
}

/* Add edit entries to notif for the changes in diff (a lyd_diff tree):
 * the topmost created, deleted or replaced nodes. */
static void np_add_edits(struct lyd_node *notif, const struct lyd_node *diff)
{
	const struct lyd_node *root, *elem;

	LY_LIST_FOR(diff, root) {
		LYD_TREE_DFS_BEGIN(root, elem) {
			struct lyd_meta *m = lyd_find_meta(elem->meta, NULL, "yang:operation");
			const char *op = m ? lyd_get_meta_value(m) : NULL;

			if (op && strcmp(op, "none") != 0) {
				struct lyd_node *edit = NULL;
				char *path = lyd_path(elem, LYD_PATH_STD, NULL, 0);

				if (path && !lyd_new_list(notif, NULL, "edit", 0, &edit)) {
					lyd_new_term(edit, NULL, "target", path, 0, NULL);
					lyd_new_term(edit, NULL, "operation", op, 0, NULL);
				}
				free(path);
				LYD_TREE_DFS_continue = 1;  /* the topmost changed node only */
			}
			LYD_TREE_DFS_END(root, elem);
		}
	}
}

/* A netconf-config-change with changed-by and datastore, no edits yet. */
static struct lyd_node *config_change_new(enum ds_id ds)
{
	struct lyd_node *notif = NULL, *by = NULL;
	char sid[16];

	if (lyd_new_path(NULL, np.ds.ctx, "/ietf-netconf-notifications:netconf-config-change",
			 NULL, 0, &notif) || !notif)
		return NULL;
	if (lyd_new_inner(notif, NULL, "changed-by", 0, &by))
		goto fail;
	if (np.cur_session) {
		const char *user = nc_session_get_username(np.cur_session);

		snprintf(sid, sizeof(sid), "%u", nc_session_get_id(np.cur_session));
		if (lyd_new_term(by, NULL, "username", user ? user : "", 0, NULL) ||
		    lyd_new_term(by, NULL, "session-id", sid, 0, NULL))
			goto fail;
	} else if (lyd_new_term(by, NULL, "server", NULL, 0, NULL)) {
		goto fail;
	}
	if (lyd_new_term(notif, NULL, "datastore", ds == DS_STARTUP_DS ? "startup" : "running",
			 0, NULL))
		goto fail;
	return notif;
fail:
	lyd_free_all(notif);
	return NULL;
}

static void add_edit(struct lyd_node *notif, const char *path, const char *op)
{
	struct lyd_node *edit = NULL;

	if (path && !lyd_new_list(notif, NULL, "edit", 0, &edit)) {
		lyd_new_term(edit, NULL, "target", path, 0, NULL);
		lyd_new_term(edit, NULL, "operation", op, 0, NULL);
	}
}

void np_notify_config_change(const struct lyd_node *old, const struct lyd_node *new,
			     enum ds_id ds)
{
	struct lyd_node *notif = config_change_new(ds), *diff = NULL;

	if (!notif)
		return;
	if (lyd_diff_siblings(old, new, 0, &diff) != LY_SUCCESS || !diff) {
		/* nothing changed (e.g. a confirming commit): no notification */
		lyd_free_all(notif);
		return;
	}
	np_add_edits(notif, diff);
	lyd_free_all(diff);
	np_enqueue(notif, NULL);
}

/* Whether n is still in running (not in something removed since). */
static bool in_running(const struct lyd_node *n)
{
	while (n->parent)
		n = lyd_parent(n);
	return np.ds.tree[DS_RUNNING] &&
	       lyd_first_sibling(n) == lyd_first_sibling(np.ds.tree[DS_RUNNING]);
}

void np_notify_config_journal(const struct np_undo *ch, size_t n)
{
	struct lyd_node *notif = NULL;
	char **ins = NULL;
	size_t i, k, nins = 0;

	if (!n || !(notif = config_change_new(DS_RUNNING)))
		return;
	ins = calloc(n, sizeof(*ins));
	if (!ins) {
		lyd_free_all(notif);
		return;
	}
	/* the topmost changes, as np_add_edits() reports a diff: a node
	 * removed and created again at the same place was replaced */
	for (i = 0; i < n; i++) {
		if (ch[i].kind == NP_UNDO_INSERTED && in_running(ch[i].node))
			ins[nins++] = lyd_path(ch[i].node, LYD_PATH_STD, NULL, 0);
	}
	for (i = 0; i < n; i++) {
		const char *op = NULL;
		char *path = NULL;

		if (ch[i].kind == NP_UNDO_UNLINKED && ch[i].path &&
		    (!ch[i].parent || in_running(ch[i].parent))) {
			op = "delete";
			for (k = 0; k < nins; k++) {
				if (ins[k] && !strcmp(ins[k], ch[i].path)) {
					free(ins[k]);
					ins[k] = NULL;
					op = "replace";
				}
			}
			add_edit(notif, ch[i].path, op);
		} else if (ch[i].kind == NP_UNDO_VALUE && in_running(ch[i].node)) {
			path = lyd_path(ch[i].node, LYD_PATH_STD, NULL, 0);
			add_edit(notif, path, "replace");
			free(path);
		}
	}
	for (k = 0; k < nins; k++) {
		add_edit(notif, ins[k], "create");
		free(ins[k]);
	}
	free(ins);
	np_enqueue(notif, NULL);
}

void np_notify_confirmed_commit(const char *event, uint32_t timeout_s)
{
	struct lyd_node *notif = NULL;
	char num[16];

	if (lyd_new_path(NULL, np.ds.ctx, "/ietf-netconf-notifications:netconf-confirmed-commit",
			 NULL, 0, &notif) || !notif)
		return;
	/* the session parameters are absent for a timeout (RFC 6470 3.5) */
	if (np.cur_session && strcmp(event, "timeout") != 0) {
		const char *user = nc_session_get_username(np.cur_session);

		snprintf(num, sizeof(num), "%u", nc_session_get_id(np.cur_session));
		if (lyd_new_term(notif, NULL, "username", user ? user : "", 0, NULL) ||
		    lyd_new_term(notif, NULL, "session-id", num, 0, NULL))
			goto fail;
	} else if (strcmp(event, "timeout") != 0) {
		/* ended with its session: no session to name, the server acted */
		if (lyd_new_term(notif, NULL, "username", "", 0, NULL) ||
		    lyd_new_term(notif, NULL, "session-id", "0", 0, NULL))
			goto fail;
	}
	if (lyd_new_term(notif, NULL, "confirm-event", event, 0, NULL))
		goto fail;
	if (!strcmp(event, "start") || !strcmp(event, "extend")) {
		snprintf(num, sizeof(num), "%u", timeout_s);
		if (lyd_new_term(notif, NULL, "timeout", num, 0, NULL))
			goto fail;
	}
	np_enqueue(notif, NULL);
	return;
fail:
	lyd_free_all(notif);
}

/* Send notif (eventTime time) to s if NACM and its filter let it through. */
static void send_one(struct nc_session *s, const struct lyd_node *notif, const char *time)
{
	struct nc_server_notif *nf;
	struct lyd_node *own = NULL;

	/* NACM: not at all, or without what s may not read */
	if (!np_nacm_notif(s, notif, &own))
		return;
	if (!sub_filter_passes(nc_session_get_id(s), own ? own : notif)) {
		lyd_free_all(own);
		return;
	}
	nf = nc_server_notif_new(own ? own : (struct lyd_node *)notif, (char *)time,
				 NC_PARAMTYPE_CONST);
	if (!nf) {
		lyd_free_all(own);
		return;
	}
	if (nc_server_notif_send(s, nf, NP_NOTIF_SEND_MS) != NC_MSG_NOTIF) {
		log_warn("NETCONF: cannot send a notification to session %u", nc_session_get_id(s));
	} else {
		struct np_counters *c = np_session_counters(s);

		np.total.out_notifications++;
		if (c)
			c->out_notifications++;
	}
	nc_server_notif_free(nf);
	lyd_free_all(own);
}

/* replayComplete / notificationComplete (nc-notifications), now. */
static void send_marker(struct nc_session *s, const char *name)
{
	struct lyd_node *notif = NULL;
	char path[64], time[64];

	snprintf(path, sizeof(path), "/nc-notifications:%s", name);
	np_now(time, sizeof(time), NULL);
	if (lyd_new_path(NULL, np.ds.ctx, path, NULL, 0, &notif) || !notif) {
		log_warn("NETCONF: cannot build <%s>", name);
		return;
	}
	send_one(s, notif, time);
	lyd_free_all(notif);
}

/* Keep a sent notification for replay (taken over). */
static void ring_add(struct lyd_node *tree, const char *time, int64_t t_us)
{
	unsigned slot;

	if (!ring_created[0])
		np_now(ring_created, sizeof(ring_created), NULL);
	if (ring_len == NP_REPLAY_MAX) {
		/* the oldest goes: the log now starts later */
		lyd_free_all(ring[ring_head].tree);
		ring_head = (ring_head + 1) % NP_REPLAY_MAX;
		ring_len--;
		snprintf(ring_created, sizeof(ring_created), "%s", ring[ring_head].time);
	}
	slot = (ring_head + ring_len) % NP_REPLAY_MAX;
	ring[slot].tree = tree;
	ring[slot].t_us = t_us;
	snprintf(ring[slot].time, sizeof(ring[slot].time), "%s", time);
	ring_len++;
}

static struct nc_session *session_of(uint32_t sid)
{
	return np.ps ? np_find_session(sid) : NULL;
}

/* End the subscription of f's session (stopTime passed). */
static void sub_complete(struct np_sub_filter *f)
{
	struct nc_session *s = session_of(f->sid);
	uint32_t sid = f->sid;

	if (s) {
		send_marker(s, "notificationComplete");
		nc_session_dec_notif_status(s);
		log_info("NETCONF: session %u: subscription complete (stopTime)", sid);
	}
	np_notify_session_gone(sid);
}

/* Replays waiting to be sent, and subscriptions whose stopTime passed. */
static void subs_service(void)
{
	struct np_sub_filter *f, *next;
	int64_t now = now_us();

	for (f = sub_filters; f; f = next) {
		struct nc_session *s = session_of(f->sid);
		unsigned i;

		next = f->next;
		if (!s)
			continue;
		if (f->replay) {
			f->replay = false;
			for (i = 0; i < ring_len; i++) {
				unsigned k = (ring_head + i) % NP_REPLAY_MAX;

				if (ring[k].t_us < f->start_us)
					continue;
				if (f->stop_us && ring[k].t_us > f->stop_us)
					break;
				send_one(s, ring[k].tree, ring[k].time);
			}
			send_marker(s, "replayComplete");
		}
		if (f->stop_us && f->stop_us <= now)
			sub_complete(f);
	}
}

void np_notify_flush(void)
{
	struct np_notif *n;

	subs_service();
	for (;;) {
		uint16_t i, cnt;

		pthread_mutex_lock(&nq_lock);
		n = nq_head;
		if (n) {
			nq_head = n->next;
			if (!nq_head)
				nq_tail = &nq_head;
			nq_len--;
		}
		pthread_mutex_unlock(&nq_lock);
		if (!n)
			return;
		if (!n->tree && n->json) {
			struct ly_in *in = NULL;

			if (ly_in_new_memory(n->json, &in) == LY_SUCCESS &&
			    lyd_parse_op(np.ds.ctx, NULL, in, LYD_JSON, LYD_TYPE_NOTIF_YANG,
					 &n->tree, NULL) != LY_SUCCESS) {
				log_warn("NETCONF: netconf_notify_event: not a notification of the model; dropped");
				lyd_free_all(n->tree);
				n->tree = NULL;
			}
			ly_in_free(in, 0);
		}
		cnt = np.ps ? nc_ps_session_count(np.ps) : 0;
		for (i = 0; n->tree && i < cnt; i++) {
			struct nc_session *s = nc_ps_get_session(np.ps, i);
			struct np_sub_filter **f;

			if (!s || !nc_session_get_notif_status(s))
				continue;
			/* a replay still to be sent goes first (it holds this
			 * one already: the ring takes it below) */
			f = sub_filter_find(nc_session_get_id(s));
			if (f && ((*f)->replay || ((*f)->stop_us && n->t_us > (*f)->stop_us)))
				continue;
			send_one(s, n->tree, n->time);
		}
		if (n->tree)
			ring_add(n->tree, n->time, n->t_us);
		free(n->json);
		free(n);
	}
}

int np_notify_streams(struct lyd_node **tree)
{
	struct lyd_node *root = NULL;
	const char *base = "/nc-notifications:netconf/streams/stream[name='NETCONF']";
	char path[256];

	snprintf(path, sizeof(path), "%s/description", base);
	if (lyd_new_path(NULL, np.ds.ctx, path,
			 "default NETCONF stream: netconf-config-change, netconf-confirmed-commit, rampart events",
			 0, &root))
		return -1;
	snprintf(path, sizeof(path), "%s/replaySupport", base);
	if (lyd_new_path(root, NULL, path, "true", 0, NULL))
		goto err;
	if (!ring_created[0])
		np_now(ring_created, sizeof(ring_created), NULL);
	snprintf(path, sizeof(path), "%s/replayLogCreationTime", base);
	if (lyd_new_path(root, NULL, path, ring_created, 0, NULL) ||
	    lyd_merge_siblings(tree, root, LYD_MERGE_DESTRUCT))
		goto err;
	return 0;
err:
	lyd_free_all(root);
	return -1;
}

void np_notify_fini(void)
{
	struct np_notif *n;

	while (sub_filters)
		np_notify_session_gone(sub_filters->sid);
	while (ring_len) {
		lyd_free_all(ring[ring_head].tree);
		ring_head = (ring_head + 1) % NP_REPLAY_MAX;
		ring_len--;
	}
	ring_head = 0;

	pthread_mutex_lock(&nq_lock);
	while ((n = nq_head)) {
		nq_head = n->next;
		lyd_free_all(n->tree);
		free(n->json);
		free(n);
	}
	nq_tail = &nq_head;
	nq_len = 0;
	pthread_mutex_unlock(&nq_lock);
}

struct nc_server_reply *rpc_create_subscription(struct lyd_node *rpc, struct nc_session *s)
{
	struct lyd_node *n = NULL, *start = NULL, *stop = NULL, *filter = NULL;
	struct np_sub_filter *f;
	int64_t start_us = 0, stop_us = 0;

	if (nc_session_get_notif_status(s))
		return np_err(NC_ERR_IN_USE, NULL,
			      "this session already has a subscription (RFC 5277 allows one)");
	if (lyd_find_path(rpc, "stream", 0, &n) == LY_SUCCESS && n &&
	    strcmp(lyd_get_value(n), "NETCONF") != 0)
		return np_err(NC_ERR_INVALID_VALUE, "/notifications:create-subscription/stream",
			      "no stream named %s: the only stream is NETCONF", lyd_get_value(n));
	/* RFC 5277 2.1.1: startTime not in the future, stopTime after it */
	lyd_find_path(rpc, "startTime", 0, &start);
	lyd_find_path(rpc, "stopTime", 0, &stop);
	if (start && ((start_us = parse_time(lyd_get_value(start))) < 0 || start_us > now_us()))
		return np_err_bad_elem("startTime", "startTime %s is not a time of the past",
				       lyd_get_value(start));
	if (stop && !start)
		return np_err(NC_ERR_MISSING_ELEM, "/notifications:create-subscription/startTime",
			      "stopTime needs a startTime");
	if (stop && ((stop_us = parse_time(lyd_get_value(stop))) < 0 || stop_us < start_us))
		return np_err_bad_elem("stopTime", "stopTime %s is before startTime",
				       lyd_get_value(stop));
	if (lyd_find_path(rpc, "filter", 0, &filter) == LY_SUCCESS && filter) {
		struct nc_server_reply *err;
		struct lyd_node *probe = NULL;

		/* a filter that is wrong in itself fails now, not silently later:
		 * try it on a notification of our own */
		if (lyd_new_path(NULL, np.ds.ctx, "/ietf-netconf-notifications:netconf-config-change",
				 NULL, 0, &probe) || !probe)
			return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		err = np_filter(rpc, probe, &n);
		lyd_free_all(probe);
		lyd_free_all(n);
		if (err)
			return err;
	}
	f = calloc(1, sizeof(*f));
	if (!f || (filter && lyd_dup_single(rpc, NULL, LYD_DUP_RECURSIVE, &f->rpc))) {
		free(f);
		return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
	}
	f->sid = nc_session_get_id(s);
	f->replay = start != NULL;
	f->start_us = start_us;
	f->stop_us = stop_us;
	f->next = sub_filters;
	sub_filters = f;
	nc_session_inc_notif_status(s);
	log_info("NETCONF: session %u subscribed to the NETCONF stream%s", nc_session_get_id(s),
		 start ? " with replay" : "");
	return nc_server_reply_ok();
}
