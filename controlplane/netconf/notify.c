/* SPDX-License-Identifier: Proprietary
 * Notifications (RFC 5277, :notification:1.0 and :interleave:1.0):
 * create-subscription on the NETCONF stream, netconf-config-change
 * (RFC 6470) after every change of running, and netconf_notify_event() for
 * the rest of rampart-cp.
 *
 * Every notification goes through one queue (mutex; any thread may add) and
 * is sent by the NETCONF thread between two polls, never from inside an RPC
 * handler, so the reply of the RPC that caused a change goes out first and
 * no session lock is taken twice. There is no replay (no :replay capability):
 * a subscriber gets what happens after it subscribed.
 *
 * Filters: create-subscription's subtree or XPath filter (RFC 5277 3.6,
 * same forms as get's) is kept per session (a copy of the request) and
 * applied to each notification after NACM; a notification the filter
 * selects nothing of is not sent to that session, one it selects anything
 * of is sent whole.
 */
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
};

/* A filtered subscription: its session and a copy of its request. Used
 * by the NETCONF thread only. */
struct np_sub_filter {
	struct np_sub_filter *next;
	uint32_t sid;
	struct lyd_node *rpc;
};

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

	if (!f)
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

static void np_now(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%.20s.%06dZ", s, (int)(ts.tv_nsec / 1000));
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
	np_now(n->time, sizeof(n->time));
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

void np_notify_config_change(const struct lyd_node *old, const struct lyd_node *new,
			     enum ds_id ds)
{
	struct lyd_node *notif = NULL, *by = NULL, *diff = NULL;
	char sid[16];

	if (!np_has_subscribers())
		return;
	if (lyd_new_path(NULL, np.ds.ctx, "/ietf-netconf-notifications:netconf-config-change",
			 NULL, 0, &notif) || !notif)
		return;
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
	if (lyd_diff_siblings(old, new, 0, &diff) != LY_SUCCESS)
		goto fail;
	if (!diff)
		goto fail;  /* nothing changed (e.g. a confirming commit): no notification */
	np_add_edits(notif, diff);
	lyd_free_all(diff);
	np_enqueue(notif, NULL);
	return;
fail:
	lyd_free_all(notif);
}

void np_notify_confirmed_commit(const char *event, uint32_t timeout_s)
{
	struct lyd_node *notif = NULL;
	char num[16];

	if (!np_has_subscribers())
		return;
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

void np_notify_flush(void)
{
	struct np_notif *n;

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
			struct nc_server_notif *nf;
			struct lyd_node *own = NULL;

			/* NACM: not at all, or without what s may not read */
			if (!s || !nc_session_get_notif_status(s) || !np_nacm_notif(s, n->tree, &own))
				continue;
			if (!sub_filter_passes(nc_session_get_id(s), own ? own : n->tree)) {
				lyd_free_all(own);
				continue;
			}
			nf = nc_server_notif_new(own ? own : n->tree, n->time, NC_PARAMTYPE_CONST);
			if (!nf) {
				lyd_free_all(own);
				continue;
			}
			if (nc_server_notif_send(s, nf, NP_NOTIF_SEND_MS) != NC_MSG_NOTIF)
				log_warn("NETCONF: cannot send a notification to session %u",
					 nc_session_get_id(s));
			nc_server_notif_free(nf);
			lyd_free_all(own);
		}
		lyd_free_all(n->tree);
		free(n->json);
		free(n);
	}
}

void np_notify_fini(void)
{
	struct np_notif *n;

	while (sub_filters)
		np_notify_session_gone(sub_filters->sid);

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
	struct lyd_node *n = NULL;

	if (nc_session_get_notif_status(s))
		return np_err(NC_ERR_IN_USE, NULL,
			      "this session already has a subscription (RFC 5277 allows one)");
	if (lyd_find_path(rpc, "stream", 0, &n) == LY_SUCCESS && n &&
	    strcmp(lyd_get_value(n), "NETCONF") != 0)
		return np_err(NC_ERR_INVALID_VALUE, "/notifications:create-subscription/stream",
			      "no stream named %s: the only stream is NETCONF", lyd_get_value(n));
	if (lyd_find_path(rpc, "startTime", 0, &n) == LY_SUCCESS && n)
		return np_err(NC_ERR_OP_NOT_SUPPORTED, "/notifications:create-subscription/startTime",
			      "replay is not supported (no :replay capability)");
	if (lyd_find_path(rpc, "stopTime", 0, &n) == LY_SUCCESS && n)
		return np_err(NC_ERR_OP_NOT_SUPPORTED, "/notifications:create-subscription/stopTime",
			      "stopTime needs replay, which is not supported (no :replay capability)");
	if (lyd_find_path(rpc, "filter", 0, &n) == LY_SUCCESS && n) {
		struct nc_server_reply *err;
		struct lyd_node *probe = NULL;
		struct np_sub_filter *f;

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
		f = calloc(1, sizeof(*f));
		if (!f || lyd_dup_single(rpc, NULL, LYD_DUP_RECURSIVE, &f->rpc)) {
			free(f);
			return np_err(NC_ERR_OP_FAILED, NULL, "out of memory");
		}
		f->sid = nc_session_get_id(s);
		f->next = sub_filters;
		sub_filters = f;
	}
	nc_session_inc_notif_status(s);
	log_info("NETCONF: session %u subscribed to the NETCONF stream", nc_session_get_id(s));
	return nc_server_reply_ok();
}
