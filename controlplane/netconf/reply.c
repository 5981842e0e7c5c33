/* SPDX-License-Identifier: Proprietary
 * rpc-error and data replies (RFC 6241 section 4.3, appendix A).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "netconf/netconf_p.h"

static struct nc_server_reply *np_err_finish(struct lyd_node *e, const char *path,
					     const char *fmt, va_list ap)
{
	char msg[1024];

	if (!e)
		return NULL; /* libnetconf2 answers operation-failed */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	nc_err_set_msg(e, msg, "en");
	if (path && *path)
		nc_err_set_path(e, path);
	return nc_server_reply_err(e);
}

struct nc_server_reply *np_err(NC_ERR tag, const char *path, const char *fmt, ...)
{
	struct nc_server_reply *r;
	struct lyd_node *e;
	va_list ap;

	switch (tag) {
	case NC_ERR_DATA_EXISTS:
	case NC_ERR_DATA_MISSING:
	case NC_ERR_MALFORMED_MSG:
		e = nc_err(np.ds.ctx, tag);
		break;
	case NC_ERR_MISSING_ATTR:
	case NC_ERR_BAD_ATTR:
	case NC_ERR_UNKNOWN_ATTR:
		e = nc_err(np.ds.ctx, tag, NC_ERR_TYPE_PROT, "operation", "config");
		break;
	case NC_ERR_MISSING_ELEM:
	case NC_ERR_BAD_ELEM:
	case NC_ERR_UNKNOWN_ELEM:
		e = nc_err(np.ds.ctx, tag, NC_ERR_TYPE_PROT, path && *path ? path : "config");
		break;
	case NC_ERR_UNKNOWN_NS:
		e = nc_err(np.ds.ctx, tag, NC_ERR_TYPE_PROT, "config", "");
		break;
	case NC_ERR_LOCK_DENIED:
		e = nc_err(np.ds.ctx, tag, (uint32_t)0);
		break;
	case NC_ERR_IN_USE:
	case NC_ERR_INVALID_VALUE:
	case NC_ERR_ACCESS_DENIED:
	case NC_ERR_ROLLBACK_FAILED:
	case NC_ERR_OP_NOT_SUPPORTED:
	case NC_ERR_TOO_BIG:
	case NC_ERR_RES_DENIED:
	case NC_ERR_OP_FAILED:
	default:
		e = nc_err(np.ds.ctx, tag, NC_ERR_TYPE_APP);
		break;
	}
	va_start(ap, fmt);
	r = np_err_finish(e, path, fmt, ap);
	va_end(ap);
	return r;
}

struct nc_server_reply *np_err_lock(uint32_t holder, const char *fmt, ...)
{
	struct nc_server_reply *r;
	va_list ap;

	va_start(ap, fmt);
	r = np_err_finish(nc_err(np.ds.ctx, NC_ERR_LOCK_DENIED, holder), NULL, fmt, ap);
	va_end(ap);
	return r;
}

struct nc_server_reply *np_err_bad_elem(const char *elem, const char *fmt, ...)
{
	struct nc_server_reply *r;
	va_list ap;

	va_start(ap, fmt);
	r = np_err_finish(nc_err(np.ds.ctx, NC_ERR_BAD_ELEM, NC_ERR_TYPE_PROT, elem),
			  NULL, fmt, ap);
	va_end(ap);
	return r;
}

/* libyang's error paths read 'Data location "/a:b/c", line number 4.';
 * error-path wants the path alone. */
static const char *ly_path_only(const char *p, char *buf, size_t len)
{
	const char *q, *e;

	if (!p)
		return NULL;
	q = strchr(p, '"');
	if (!q || !(e = strchr(q + 1, '"')))
		return p;
	snprintf(buf, len, "%.*s", (int)(e - q - 1), q + 1);
	return buf;
}

struct nc_server_reply *np_err_ly(const char *what)
{
	const struct ly_err_item *e = ly_err_last(np.ds.ctx);
	NC_ERR tag = NC_ERR_INVALID_VALUE;
	char path[512];

	if (e && (e->vecode == LYVE_DATA && e->msg && strstr(e->msg, "Duplicate")))
		tag = NC_ERR_OP_FAILED;
	if (e && e->vecode == LYVE_SYNTAX_XML)
		tag = NC_ERR_MALFORMED_MSG;
	if (e && e->apptag && strcmp(e->apptag, "too-many-elements") == 0)
		tag = NC_ERR_OP_FAILED;
	return np_err(tag, e ? ly_path_only(e->path, path, sizeof(path)) : NULL, "%s: %s", what,
		      e && e->msg ? e->msg : "invalid data");
}

struct nc_server_reply *np_reply_data(struct lyd_node *rpc, struct lyd_node *data)
{
	struct lyd_node *out = NULL, *wd = NULL;
	NC_WD_MODE mode = NC_WD_EXPLICIT;

	if (lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &wd) == LY_SUCCESS) {
		const char *v = lyd_get_value(wd);

		if (!strcmp(v, "report-all"))
			mode = NC_WD_ALL;
		else if (!strcmp(v, "report-all-tagged"))
			mode = NC_WD_ALL_TAG;
		else if (!strcmp(v, "trim"))
			mode = NC_WD_TRIM;
	}
	if (lyd_dup_single(rpc, NULL, 0, &out) ||
	    lyd_new_any(out, NULL, "data", data, 1, LYD_ANYDATA_DATATREE, 1, NULL)) {
		lyd_free_all(out);
		lyd_free_all(data);
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the reply: out of memory");
	}
	return nc_server_reply_data(out, mode, NC_PARAMTYPE_FREE);
}
