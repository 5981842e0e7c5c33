/* SPDX-License-Identifier: Proprietary
 * Private to controlplane/netconf/: the server state shared by the
 * capability files, the reply helpers, and the RPC handlers.
 *
 * Every handler has one shape,
 *     struct nc_server_reply *rpc_<name>(struct lyd_node *rpc, struct nc_session *s);
 * takes the validated RPC tree (the operation node) and returns ok, data,
 * or an rpc-error built with np_err*(). A handler works on copies of the
 * datastores and only swaps a copy in when everything succeeded, so its
 * single cleanup path only frees. All run on the NETCONF thread.
 */
#ifndef RAMPART_CP_NETCONF_P_H
#define RAMPART_CP_NETCONF_P_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <pthread.h>
#include <nc_server.h>

#include "datastore/datastore.h"
#include "netconf/apply.h"

/* A pending confirmed commit (confirmed.c). */
struct np_confirmed {
	bool active;
	struct lyd_node *backup;   /* running before the first confirmed commit */
	uint32_t sid;              /* session of the last confirmed commit */
	char persist[256];         /* its <persist> token, "" when none */
	int64_t deadline_ms;       /* cp_now_ms() of the rollback */
};

/* ietf-netconf-monitoring statistics (RFC 6022 2.1.5), of the server and
 * of each session (nc_session_get_data()). */
struct np_counters {
	uint64_t in_rpcs;
	uint64_t in_bad_rpcs;
	uint64_t out_rpc_errors;
	uint64_t out_notifications;
};

struct np_server {
	struct datastore ds;
	struct apply_bridge *bridge;
	struct nc_pollsession *ps;
	uint32_t lock_sid[DS_COUNT];   /* session holding the lock, 0: none */
	struct np_confirmed cc;        /* pending confirmed commit */
	struct nc_session *cur_session; /* whose RPC is being handled, or NULL */
	time_t lock_time[DS_COUNT];    /* when it was taken */
	uint64_t sessions_accepted;    /* rampart-system:system-state counters */
	uint64_t sessions_rejected;    /* max-sessions reached */
	uint64_t sessions_idle;        /* closed by the idle timeout */
	time_t start_time;             /* netconf-start-time */
	uint64_t in_bad_hellos;        /* sessions refused for their hello */
	uint64_t dropped_sessions;     /* ended other than by close- or kill-session */
	struct np_counters total;      /* of all sessions, gone ones included */
	char state_dir[1024];
	char hostkey[1100];
	char address[64];
	uint16_t port;
	bool listening;
	bool nc_inited;
	bool thread_started;
	atomic_bool stop;
	pthread_t thread;
};

/* The one server; libnetconf2's callbacks carry no user pointer. */
extern struct np_server np;

typedef struct nc_server_reply *(*np_rpc_fn)(struct lyd_node *rpc, struct nc_session *s);

/* ---- replies (reply.c) ---- */
struct nc_server_reply *np_err(NC_ERR tag, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
struct nc_server_reply *np_err_lock(uint32_t holder, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The last libyang error of the context as invalid-value (type/range and
 * parse errors) or operation-failed (structure), prefixed by what. */
struct nc_server_reply *np_err_ly(const char *what);
struct nc_server_reply *np_err_bad_elem(const char *elem, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Data reply for rpc (get, get-config): data is taken over. */
struct nc_server_reply *np_reply_data(struct lyd_node *rpc, struct lyd_node *data);
/* The same for data the caller keeps (e.g. running itself): printed now. */
struct nc_server_reply *np_reply_print(struct lyd_node *rpc, const struct lyd_node *data);
/* The XML text of data (top-level siblings) as rpc's reply prints it
 * (its with-defaults mode); "" for none, NULL when out of memory. */
char *np_print_data(const struct lyd_node *rpc, const struct lyd_node *data);
/* Data reply for rpc from text (np_print_data's; taken over, NULL: out of
 * memory). */
struct nc_server_reply *np_reply_text(struct lyd_node *rpc, char *text);
/* rpc's with-defaults mode as a LYD_PRINT_WD_* flag (explicit without one). */
uint32_t np_reply_wd(const struct lyd_node *rpc);

/* ---- waiting for input (sockwait.c) ---- */
/* Find the TCP sockets of the process bound to local port (the NETCONF
 * listener and sessions); again whenever sessions come or go. */
void np_sockets_refresh(uint16_t port);
/* Block until one of them is readable or timeout_ms passed: 1 readable,
 * 0 timeout, -1 none known (the caller sleeps instead). */
int np_sockets_wait(int timeout_ms);

/* ---- common (server.c) ---- */
/* The datastore named by the choice under rpc's container param ("target",
 * "source"): running/candidate/startup. Returns 0; 1 when the choice is the
 * inline "config" (*cfg set to the anyxml node); -1 with *err a reply. */
int np_param_ds(const struct lyd_node *rpc, const char *param, enum ds_id *id,
		const struct lyd_node **cfg, struct nc_server_reply **err);
/* Parse the content of an anyxml node (edit-config/copy-config config) as
 * data of our context; only parsed (operations kept as metadata), not
 * validated. *tree may be NULL (empty). Returns 0 or an error reply. */
struct nc_server_reply *np_parse_any(const struct lyd_node *any, struct lyd_node **tree);
/* The content of an anyxml node as libnetconf2's parse of the RPC left
 * it, when that is what np_parse_any() would build: a data tree of our
 * context, configuration nodes only (libyang makes a node it cannot
 * parse, unknown or with a bad value, opaque: then false, and
 * np_parse_any() names the problem). Saves printing and parsing the
 * content again. The tree stays the RPC's; an edit may move nodes below
 * its top level out of it. */
bool np_any_tree(const struct lyd_node *any, struct lyd_node **tree);
/* A deep copy of a datastore (flags kept). Returns 0 or -1 (out of memory). */
int np_dup(const struct lyd_node *tree, struct lyd_node **copy);
/* Whether another session than s holds the lock of id. */
bool np_locked_by_other(enum ds_id id, const struct nc_session *s);
/* Validate tree and make it running: push it to the dataplane, and only when
 * it took it replace running. tree is taken over. NULL on success, or an
 * error reply (running unchanged). */
struct nc_server_reply *np_apply_running(struct lyd_node *tree);
/* A session ended (closed, killed, dropped): release its locks; a released
 * candidate lock discards the candidate's changes (RFC 6241 8.3.5.2). */
void np_session_gone(uint32_t sid);
/* Release the lock of id; a candidate lock released with uncommitted
 * changes discards them (RFC 6241 8.3.5.2). */
void np_release_lock(enum ds_id id);
/* What rampart-cp keeps per session (nc_session_get_data()). */
struct np_session {
	struct np_counters counters;
	char *groups;   /* the user's groups from the users file, "g1,g2", or NULL */
};
/* The groups of s's user from the users file (read at login), or NULL. */
const char *np_session_groups(const struct nc_session *s);
/* The counters of session s (NULL when it has none, out of memory). */
struct np_counters *np_session_counters(const struct nc_session *s);
/* Find a session of the poll set by id, or NULL. */
struct nc_session *np_find_session(uint32_t sid);

/* ---- access control and rampart-system settings (access.c) ---- */
/* Exec access of s to op (RFC 8341 3.4.4). NULL, or an access-denied error
 * naming the operation. */
struct nc_server_reply *np_nacm_exec(const struct lysc_node *op, struct nc_session *s);
/* Write access of s for changing a datastore from old to new: the nodes of
 * their diff are checked for create/update/delete. NULL or access-denied
 * with the error-path of the first denied node. */
struct nc_server_reply *np_nacm_write(struct nc_session *s, const struct lyd_node *old,
				      const struct lyd_node *new);
/* Whether s may create, update and delete everything (no diff to check). */
bool np_nacm_writes_all(struct nc_session *s);
/* Access for copy-config from src (or an inline source) to dst of copy:
 * running to startup needs no more than exec; otherwise read access to
 * the whole source and write access to what changes in dst. NULL or
 * access-denied. */
struct nc_server_reply *np_nacm_copy(struct nc_session *s, enum ds_id src, bool inline_src,
				     const struct lyd_node *copy, enum ds_id dst);
/* Whether s may read node (a data node), or, node NULL, nodes of schema. */
bool np_nacm_may_read(struct nc_session *s, const struct lyd_node *node,
		      const struct lysc_node *schema);
/* The access-denied (counted) that replaces data-exists / data-missing for
 * a node s may not read, so that an edit does not reveal whether it exists. */
struct nc_server_reply *np_nacm_hidden(struct nc_session *s, const char *path);
/* Remove what s may not read from *tree (owned by the caller). 0 or -1. */
int np_nacm_prune(struct nc_session *s, struct lyd_node **tree);
/* The part of tree s may read: *out is tree itself when s may read all of
 * it, else a pruned copy also returned in *own (the caller frees *own). */
struct nc_server_reply *np_nacm_view(struct nc_session *s, const struct lyd_node *tree,
				     const struct lyd_node **out, struct lyd_node **own);
/* Whether s may receive notif (a notification tree). *own: NULL, or a copy
 * of notif to send instead, without what s may not read (the edits of a
 * netconf-config-change naming unreadable nodes); the caller frees it. */
bool np_nacm_notif(struct nc_session *s, const struct lyd_node *notif, struct lyd_node **own);
/* Merge the NACM counters and /rampart-system:system-state into *tree. */
int np_access_state(struct lyd_node **tree);
/* Whether xpath selects a node of tree (NULL: an empty datastore). */
bool np_exists(const struct lyd_node *tree, const char *xpath);
/* A /rampart-system:system/netconf-server leaf of running, or dflt. */
uint32_t np_setting(const char *leaf, uint32_t dflt);
/* Apply the settings of running that take effect at run time (idle timeout). */
void np_apply_settings(void);
/* Check a password against the user's hash in running: 0 match, -1 no
 * match, 1 the user is not configured there. */
int np_user_password(const char *user, const char *password);
/* Whether key is one of user's public keys, in running or in the users
 * file: 0 yes, -1 no. */
int np_user_key(const char *user, const ssh_key key);
/* When /nacm has no group and no rule-list, put user (NULL: every user of
 * the users file and of running) in group "admin" with a permit-all
 * rule-list, so the first administrator is not locked out. */
void np_nacm_bootstrap(const char *user);

/* ---- in-place edits (edit.c) and their validation (incremental.c) ---- */
/* One change of an in-place edit: enough to take it back, and to validate
 * it by itself. */
struct np_undo {
	enum { NP_UNDO_INSERTED, NP_UNDO_UNLINKED, NP_UNDO_VALUE } kind;
	struct lyd_node *node;
	struct lyd_node *parent;   /* UNLINKED: its parent (NULL: top level) */
	struct lyd_node *before;   /* UNLINKED, user-ordered: the instance it preceded */
	struct lyd_node *after;    /* UNLINKED, user-ordered: else the one it followed */
	char *value;               /* VALUE: the old value */
	char *path;                /* UNLINKED: where it was (netconf-config-change) */
};
/* Find the modules whose data can be validated by what changed (top of
 * incremental.c), from ctx's compiled schema. Before the first edit. */
void np_incr_init(const struct ly_ctx *ctx);
void np_incr_fini(void);
/* Whether *tree, valid before the changes ch[0..n), is valid after them,
 * decided from the changes alone; adds the default nodes libyang's
 * validation would add for them. false: not decided here (or invalid) --
 * validate the whole tree (which names the error). */
bool np_incr_valid(struct lyd_node **tree, const struct np_undo *ch, size_t n);

/* ---- filters (filter.c) ---- */
/* Apply get/get-config's filter (subtree or XPath) to tree (not modified).
 * *out: the selected copy (NULL when nothing). Returns NULL or an error. */
/* Whether rpc carries a <filter> (np_filter would only copy the tree). */
bool np_has_filter(const struct lyd_node *rpc);
struct nc_server_reply *np_filter(const struct lyd_node *rpc, const struct lyd_node *tree,
				  struct lyd_node **out);

/* ---- handlers, one file per capability ---- */
/* base.c: RFC 6241 base operations */
/* Free get-config's printed texts, at shutdown. */
void np_base_fini(void);
struct nc_server_reply *rpc_get(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_get_config(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_lock(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_unlock(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_kill_session(struct lyd_node *rpc, struct nc_session *s);
/* edit.c */
struct nc_server_reply *rpc_edit_config(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_copy_config(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_delete_config(struct lyd_node *rpc, struct nc_session *s);
/* candidate.c: :candidate */
struct nc_server_reply *rpc_commit(struct lyd_node *rpc, struct nc_session *s);
struct nc_server_reply *rpc_discard_changes(struct lyd_node *rpc, struct nc_session *s);
/* confirmed.c: :confirmed-commit:1.1 */
struct nc_server_reply *rpc_cancel_commit(struct lyd_node *rpc, struct nc_session *s);
/* The confirmed-commit part of <commit>: with <confirmed/>, or while a
 * confirmed commit is pending, checks the owner/persist-id and applies the
 * candidate itself (*done true). *done false and NULL: a plain commit for
 * the caller. Or an error reply. */
struct nc_server_reply *np_cc_commit(struct lyd_node *rpc, struct nc_session *s, bool *done);
/* Restore running from before the pending confirmed commit. 0, or -1 when
 * it could not be applied (retried by np_cc_tick in a second). */
int np_cc_rollback(const char *why);
/* From the NETCONF thread's loop: roll back when the confirm-timeout expired. */
void np_cc_tick(void);
/* A session ended: roll back its confirmed commit unless it had <persist>. */
void np_cc_session_gone(uint32_t sid);
/* Free the pending state at shutdown (no rollback; a <persist> one stays
 * in STATE_DIR for the next start). */
void np_cc_fini(void);
/* At start: a <persist> confirmed commit pending before a restart becomes
 * pending again (applied by np_cc_tick). */
void np_cc_load(void);
/* notify.c: :notification, :interleave, netconf-config-change */
struct nc_server_reply *rpc_create_subscription(struct lyd_node *rpc, struct nc_session *s);
/* Whether any session has a subscription. */
bool np_has_subscribers(void);
/* Queue a netconf-config-change for running (or startup) changed from old to
 * new, changed by np.cur_session (NULL: the server), when something changed
 * (also without subscribers: replay keeps it). */
void np_notify_config_change(const struct lyd_node *old, const struct lyd_node *new,
			     enum ds_id ds);
/* The same for an in-place edit of running, from its journal (no diff):
 * after the edit succeeded, before the journal is freed. */
void np_notify_config_journal(const struct np_undo *ch, size_t n);
/* Merge /nc-notifications:netconf/streams (the NETCONF stream and its
 * replay log) into *tree. 0 or -1. */
int np_notify_streams(struct lyd_node **tree);
/* Queue a netconf-confirmed-commit (RFC 6470) for event start, extend,
 * complete, cancel or timeout, by np.cur_session; timeout_s for start and
 * extend. Only when somebody subscribed. */
void np_notify_confirmed_commit(const char *event, uint32_t timeout_s);
/* NETCONF thread, between polls: send the queued notifications. */
void np_notify_flush(void);
/* A session ended: forget its subscription's filter. */
void np_notify_session_gone(uint32_t sid);
/* Drop what is queued, at shutdown. */
void np_notify_fini(void);
/* state.c: merge /rampart-dataplane:dataplane-state from the dataplane's
 * stats-get into *tree when rpc's filter can select it, and the upstream
 * servers' state of those running holds (their list entries with keys
 * only, for np_graft()). The dataplane not answering is not an error (the
 * state is left out). 0 or -1 (out of memory). */
int np_state_data(const struct lyd_node *rpc, const struct lyd_node *running,
		  struct lyd_node **tree);

/* graft.c: state nodes lent to running for one <get>. */
struct np_graft {
	struct ly_set *added;   /* state nodes now in running */
	struct ly_set *dflt;    /* running nodes whose LYD_DEFAULT to restore */
	struct lyd_node *orig;  /* running's first node before */
};
/* Move state's nodes into *running where it has no such node (state is
 * consumed). 0, or -1 (out of memory): np_ungraft() must still be called. */
int np_graft(struct lyd_node **running, struct lyd_node *state, struct np_graft *g);
/* Remove and free what np_graft() lent: running is as before. */
void np_ungraft(struct lyd_node **running, struct np_graft *g);
/* monitoring.c: ietf-netconf-monitoring get-schema */
struct nc_server_reply *rpc_get_schema(struct lyd_node *rpc, struct nc_session *s);
/* Install rpc_get_schema on its schema node; before nc_server_init(). */
int np_monitoring_init(struct ly_ctx *ctx);
/* Merge /netconf-state into *tree. Returns 0 or -1 (out of memory). */
int np_monitoring_data(struct lyd_node **tree);
/* validate.c: :validate */
struct nc_server_reply *rpc_validate(struct lyd_node *rpc, struct nc_session *s);

#endif
