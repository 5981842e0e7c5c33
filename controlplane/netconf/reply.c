/* SPDX-License-Identifier: Proprietary
 * rpc-error and data replies (RFC 6241 section 4.3, appendix A).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netconf/netconf_p.h"

/* libyang's error paths read 'Data location "/a:b/c", line number 4.' or
 * 'Schema location "..."'; the path alone is wanted. */
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

struct xpath_out {
	char *buf;
	size_t len, used;
	const struct lys_module *mods[8];  /* whose prefixes the path uses */
	int nmods;
	bool overflow;
};

static void xo_put(struct xpath_out *o, const char *s, size_t n)
{
	if (o->used + n >= o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->used, s, n);
	o->used += n;
	o->buf[o->used] = '\0';
}

/* Write module m's prefix and ':' (declaring m), false when unknown. */
static bool xo_prefix(struct xpath_out *o, const struct lys_module *m)
{
	int i;

	for (i = 0; i < o->nmods && o->mods[i] != m; i++)
		;
	if (i == o->nmods) {
		if (o->nmods == (int)(sizeof(o->mods) / sizeof(o->mods[0])))
			return false;
		o->mods[o->nmods++] = m;
	}
	xo_put(o, m->prefix, strlen(m->prefix));
	xo_put(o, ":", 1);
	return true;
}

/* A module-name (JSON) instance path, e.g.
 *   /ietf-netconf-acm:nacm/rule-list[name='a']/rule[name='b']
 * in the XML form RFC 6241 wants for error-path: every node and key named
 * with the module's own prefix, each prefix declared on the element:
 *   /nacm:nacm/nacm:rule-list[nacm:name='a']/nacm:rule[nacm:name='b']
 * false when path is not of that form (it is then sent as it is). */
static bool json_path_to_xml(const char *path, struct xpath_out *o)
{
	const struct lys_module *cur = NULL;
	const char *p = path;

	if (*p != '/')
		return false;
	while (*p == '/') {
		const char *name = ++p, *colon = NULL;
		size_t n;

		while (*p && *p != '/' && *p != '[') {
			if (*p == ':')
				colon = p;
			p++;
		}
		if (colon) {
			char mod[128];

			if ((size_t)(colon - name) >= sizeof(mod))
				return false;
			snprintf(mod, sizeof(mod), "%.*s", (int)(colon - name), name);
			cur = ly_ctx_get_module_implemented(np.ds.ctx, mod);
			name = colon + 1;
		}
		n = (size_t)(p - name);
		if (!cur || !n)
			return false;
		xo_put(o, "/", 1);
		if (!xo_prefix(o, cur))
			return false;
		xo_put(o, name, n);
		while (*p == '[') {
			const char *k = ++p, *q;
			char quote;

			while (*p && *p != '=' && *p != ']')
				p++;
			if (*p != '=')
				return false;
			xo_put(o, "[", 1);
			if (!(p - k == 1 && *k == '.')) {
				if (!xo_prefix(o, cur))
					return false;
			}
			xo_put(o, k, (size_t)(p - k));
			quote = p[1];
			if (quote != '\'' && quote != '"')
				return false;
			q = strchr(p + 2, quote);
			if (!q || q[1] != ']')
				return false;
			xo_put(o, p, (size_t)(q + 2 - p));  /* ='value'] as it is */
			p = q + 2;
		}
	}
	return !*p && !o->overflow;
}

/* error-path as an opaque node parsed from XML text, so that it carries
 * its namespace declarations (libnetconf2's nc_err_set_path() takes a bare
 * string: a prefixed path would go out with undeclared prefixes). */
static void set_path(struct lyd_node *e, const char *path)
{
	char clean[1024], xml[1024], doc[4096];
	struct xpath_out o = { .buf = xml, .len = sizeof(xml) };
	struct lyd_node *node = NULL;
	size_t used;
	int i;

	path = ly_path_only(path, clean, sizeof(clean));
	xml[0] = '\0';
	if (!json_path_to_xml(path, &o)) {
		nc_err_set_path(e, path);
		return;
	}
	used = (size_t)snprintf(doc, sizeof(doc), "<error-path xmlns=\"%s\"", NC_NS_BASE);
	for (i = 0; i < o.nmods && used < sizeof(doc); i++)
		used += (size_t)snprintf(doc + used, sizeof(doc) - used, " xmlns:%s=\"%s\"",
					 o.mods[i]->prefix, o.mods[i]->ns);
	if (used < sizeof(doc))
		used += (size_t)snprintf(doc + used, sizeof(doc) - used, ">");
	/* the path's quoted values are XML text now */
	for (i = 0; xml[i] && used + 6 < sizeof(doc); i++) {
		const char *esc = xml[i] == '&' ? "&amp;" : xml[i] == '<' ? "&lt;" : NULL;

		if (esc)
			used += (size_t)snprintf(doc + used, sizeof(doc) - used, "%s", esc);
		else
			doc[used++] = xml[i];
	}
	if (used + sizeof("</error-path>") > sizeof(doc) ||
	    (snprintf(doc + used, sizeof(doc) - used, "</error-path>"),
	     lyd_parse_data_mem(np.ds.ctx, doc, LYD_XML, LYD_PARSE_OPAQ | LYD_PARSE_ONLY, 0, &node)) ||
	    !node) {
		lyd_free_all(node);
		nc_err_set_path(e, path);
		return;
	}
	lyd_insert_child(e, node);
}

static struct nc_server_reply *np_err_finish(struct lyd_node *e, const char *path,
					     const char *fmt, va_list ap)
{
	char msg[1024];

	if (!e)
		return NULL; /* libnetconf2 answers operation-failed */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	nc_err_set_msg(e, msg, "en");
	if (path && *path)
		set_path(e, path);
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

struct nc_server_reply *np_err_ly(const char *what)
{
	const struct ly_err_item *e = ly_err_last(np.ds.ctx);
	NC_ERR tag = NC_ERR_INVALID_VALUE;

	if (e && (e->vecode == LYVE_DATA && e->msg && strstr(e->msg, "Duplicate")))
		tag = NC_ERR_OP_FAILED;
	if (e && e->vecode == LYVE_SYNTAX_XML)
		tag = NC_ERR_MALFORMED_MSG;
	if (e && e->apptag && strcmp(e->apptag, "too-many-elements") == 0)
		tag = NC_ERR_OP_FAILED;
	return np_err(tag, e ? e->path : NULL, "%s: %s", what,
		      e && e->msg ? e->msg : "invalid data");
}

uint32_t np_reply_wd(const struct lyd_node *rpc)
{
	struct lyd_node *wd = NULL;
	const char *v;

	if (lyd_find_path(rpc, "ietf-netconf-with-defaults:with-defaults", 0, &wd) != LY_SUCCESS)
		return LYD_PRINT_WD_EXPLICIT;
	v = lyd_get_value(wd);
	if (!strcmp(v, "report-all"))
		return LYD_PRINT_WD_ALL;
	if (!strcmp(v, "report-all-tagged"))
		return LYD_PRINT_WD_ALL_TAG;
	if (!strcmp(v, "trim"))
		return LYD_PRINT_WD_TRIM;
	return LYD_PRINT_WD_EXPLICIT;
}

/* The reply's <data> is printed by us, in one piece, and handed to
 * libnetconf2 as anyxml text, which it writes as one chunk. Printed through
 * its callback instead, a tree goes out in 1 KiB chunks of two SSH packets
 * each (its write buffer): 2.6 MB of configuration took ~240 ms that way. */
struct nc_server_reply *np_reply_text(struct lyd_node *rpc, char *text)
{
	uint32_t wd = np_reply_wd(rpc);
	NC_WD_MODE mode = wd == LYD_PRINT_WD_ALL ? NC_WD_ALL :
			  wd == LYD_PRINT_WD_ALL_TAG ? NC_WD_ALL_TAG :
			  wd == LYD_PRINT_WD_TRIM ? NC_WD_TRIM : NC_WD_EXPLICIT;
	struct lyd_node *out = NULL;

	if (!text || lyd_dup_single(rpc, NULL, 0, &out)) {
		free(text);
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the reply: out of memory");
	}
	/* text belongs to libyang from here, also when this fails */
	if (lyd_new_any(out, NULL, "data", text, 1, LYD_ANYDATA_XML, 1, NULL)) {
		lyd_free_all(out);
		return np_err(NC_ERR_OP_FAILED, NULL, "cannot build the reply: out of memory");
	}
	return nc_server_reply_data(out, mode, NC_PARAMTYPE_FREE);
}

char *np_print_data(const struct lyd_node *rpc, const struct lyd_node *data)
{
	char *text = NULL;

	if (data && lyd_print_mem(&text, data, LYD_XML,
				  LYD_PRINT_WITHSIBLINGS | LYD_PRINT_SHRINK | np_reply_wd(rpc))) {
		free(text);
		return NULL;
	}
	return text ? text : strdup("");
}

struct nc_server_reply *np_reply_print(struct lyd_node *rpc, const struct lyd_node *data)
{
	return np_reply_text(rpc, np_print_data(rpc, data));
}

struct nc_server_reply *np_reply_data(struct lyd_node *rpc, struct lyd_node *data)
{
	struct nc_server_reply *r = np_reply_print(rpc, data);

	lyd_free_all(data);
	return r;
}
