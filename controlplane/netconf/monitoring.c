/* SPDX-License-Identifier: Proprietary
 * ietf-netconf-monitoring (RFC 6022): get-schema, so that clients can
 * download the modules of the server, and the /netconf-state data of get
 * (capabilities, datastores and locks, schemas, sessions and their
 * counters, statistics: RFC 6022 2.1.5, counted in server.c and notify.c). get-schema is registered on the RPC's schema node before
 * nc_server_init(), which otherwise installs libnetconf2's own handler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "netconf/netconf_p.h"

struct nc_server_reply *rpc_get_schema(struct lyd_node *rpc, struct nc_session *s)
{
	struct lyd_node *id = NULL, *ver = NULL, *fmt = NULL, *out = NULL;
	const struct lys_module *mod;
	LYS_OUTFORMAT of = LYS_OUT_YANG;
	const char *version = NULL;
	char *text = NULL;
	struct nc_server_reply *denied;

	/* installed as the RPC's own callback: NACM exec is checked here */
	denied = np_nacm_exec(rpc->schema, s);
	if (denied)
		return denied;
	if (lyd_find_path(rpc, "identifier", 0, &id))
		return np_err(NC_ERR_MISSING_ELEM, NULL, "<identifier> is missing");
	if (lyd_find_path(rpc, "version", 0, &ver) == LY_SUCCESS && *lyd_get_value(ver))
		version = lyd_get_value(ver);
	if (lyd_find_path(rpc, "format", 0, &fmt) == LY_SUCCESS) {
		const char *f = lyd_get_value(fmt), *c = strrchr(f, ':');

		f = c ? c + 1 : f;
		if (!strcmp(f, "yin"))
			of = LYS_OUT_YIN;
		else if (strcmp(f, "yang"))
			return np_err(NC_ERR_INVALID_VALUE, NULL, "format %s is not available (yang, yin)", f);
	}
	mod = version ? ly_ctx_get_module(np.ds.ctx, lyd_get_value(id), version) :
	      ly_ctx_get_module_implemented(np.ds.ctx, lyd_get_value(id));
	if (!mod && !version)
		mod = ly_ctx_get_module_latest(np.ds.ctx, lyd_get_value(id));
	if (!mod)
		return np_err(NC_ERR_INVALID_VALUE, NULL, "no module %s%s%s on this server",
			      lyd_get_value(id), version ? "@" : "", version ? version : "");
	if (lys_print_mem(&text, mod, of, 0) || !text)
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot print module %s", mod->name);
	if (lyd_dup_single(rpc, NULL, 0, &out) ||
	    lyd_new_any(out, NULL, "data", text, 1, LYD_ANYDATA_STRING, 1, NULL)) {
		free(text);
		lyd_free_all(out);
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the reply: out of memory");
	}
	return nc_server_reply_data(out, NC_WD_EXPLICIT, NC_PARAMTYPE_FREE);
}

int np_monitoring_init(struct ly_ctx *ctx)
{
	const struct lysc_node *n = lys_find_path(ctx, NULL, "/ietf-netconf-monitoring:get-schema", 0);

	if (!n)
		return -1;
	((struct lysc_node *)n)->priv = (void *)rpc_get_schema;
	return 0;
}

static void dt(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define NCM "/ietf-netconf-monitoring:netconf-state"

/* nc_server_get_cpblts() returns strings that hold a reference in the
 * context's dictionary each, in an array of ours. */
static void caps_free(const struct ly_ctx *ctx, const char **caps)
{
	size_t i;

	for (i = 0; caps && caps[i]; i++)
		lydict_remove(ctx, caps[i]);
	free(caps);
}

/* Create the node at base/leaf (absolute) with value under root. */
static int put(struct lyd_node *root, const char *base, const char *leaf, const char *value)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s%s%s", base, leaf ? "/" : "", leaf ? leaf : "");
	return lyd_new_path(root, NULL, path, value, 0, NULL) ? -1 : 0;
}

static int put_u64(struct lyd_node *root, const char *base, const char *leaf, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return put(root, base, leaf, num);
}

/* RFC 6022's four counters of a session or of the server (zero-based
 * counter32 in the model: they wrap as it says). */
static int put_counters(struct lyd_node *root, const char *base, const struct np_counters *c)
{
	static const struct np_counters zero;

	if (!c)
		c = &zero;
	return put_u64(root, base, "in-rpcs", (uint32_t)c->in_rpcs) ||
	       put_u64(root, base, "in-bad-rpcs", (uint32_t)c->in_bad_rpcs) ||
	       put_u64(root, base, "out-rpc-errors", (uint32_t)c->out_rpc_errors) ||
	       put_u64(root, base, "out-notifications", (uint32_t)c->out_notifications);
}

/* /netconf-state: capabilities, datastores and their locks, schemas (all
 * available through get-schema), sessions with their counters, and the
 * server's statistics. */
int np_monitoring_data(struct lyd_node **tree)
{
	const struct ly_ctx *ctx = np.ds.ctx;
	const struct lys_module *mod;
	const char **caps;
	struct lyd_node *root = NULL;
	char base[768], val[64];
	uint32_t idx = 0;
	uint16_t i, count;
	int d;

	if (lyd_new_path(NULL, ctx, NCM, NULL, 0, &root))
		return -1;
	caps = nc_server_get_cpblts(np.ds.ctx);
	for (i = 0; caps && caps[i]; i++) {
		if (put(root, NCM "/capabilities/capability", NULL, caps[i]))
			goto err;
	}
	caps_free(ctx, caps);
	caps = NULL;
	for (d = 0; d < DS_COUNT; d++) {
		snprintf(base, sizeof(base), NCM "/datastores/datastore[name='%s']", ds_names[d]);
		if (put(root, base, NULL, NULL))
			goto err;
		if (!np.lock_sid[d])
			continue;
		snprintf(val, sizeof(val), "%u", np.lock_sid[d]);
		if (put(root, base, "locks/global-lock/locked-by-session", val))
			goto err;
		dt(np.lock_time[d], val, sizeof(val));
		if (put(root, base, "locks/global-lock/locked-time", val))
			goto err;
	}
	while ((mod = ly_ctx_get_module_iter(ctx, &idx))) {
		snprintf(base, sizeof(base),
			 NCM "/schemas/schema[identifier='%s'][version='%s'][format='ietf-netconf-monitoring:yang']",
			 mod->name, mod->revision ? mod->revision : "");
		if (put(root, base, "namespace", mod->ns) || put(root, base, "location", "NETCONF"))
			goto err;
	}
	count = nc_ps_session_count(np.ps);
	for (i = 0; i < count; i++) {
		struct nc_session *s = nc_ps_get_session(np.ps, i);

		if (!s || nc_session_get_status(s) != NC_STATUS_RUNNING)
			continue;
		snprintf(base, sizeof(base), NCM "/sessions/session[session-id='%u']",
			 nc_session_get_id(s));
		dt(nc_session_get_start_time(s), val, sizeof(val));
		if (put(root, base, "transport", "ietf-netconf-monitoring:netconf-ssh") ||
		    put(root, base, "username", nc_session_get_username(s)) ||
		    (nc_session_get_host(s) && put(root, base, "source-host", nc_session_get_host(s))) ||
		    put(root, base, "login-time", val) ||
		    put_counters(root, base, np_session_counters(s)))
			goto err;
	}
	dt(np.start_time, val, sizeof(val));
	if (put(root, NCM "/statistics", "netconf-start-time", val) ||
	    put_u64(root, NCM "/statistics", "in-bad-hellos", (uint32_t)np.in_bad_hellos) ||
	    put_u64(root, NCM "/statistics", "in-sessions", (uint32_t)np.sessions_accepted) ||
	    put_u64(root, NCM "/statistics", "dropped-sessions", (uint32_t)np.dropped_sessions) ||
	    put_counters(root, NCM "/statistics", &np.total))
		goto err;
	if (lyd_merge_siblings(tree, root, LYD_MERGE_DESTRUCT))
		goto err;
	return 0;
err:
	log_warn("NETCONF: cannot build /netconf-state: %s",
		 ly_err_last(ctx) && ly_err_last(ctx)->msg ? ly_err_last(ctx)->msg : "out of memory");
	caps_free(ctx, caps);
	lyd_free_all(root);
	return -1;
}
