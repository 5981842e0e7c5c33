/* SPDX-License-Identifier: Proprietary
 * A libyang type plugin (loaded by ds_ctx_new() with lyplg_add(), built as
 * rampart-cp-yang-types.so beside rampart-cp) for ietf-netconf-acm's
 * matchall-string-type: a string whose only allowed value is "*".
 *
 * Why: every NACM rule has three unions whose first member is this type
 * (module-name, rpc-name/notification-name, access-operations), so nearly
 * every value first fails it. libyang checks the pattern '\*' with PCRE2
 * and formats two error messages for each failure; for the 10,000 rules of
 * one edit-config that was ~50 ms of the request's parse (in libnetconf2,
 * before rampart-cp sees it). Here the failure is one comparison and one
 * error item with libyang's own words; values are stored, printed, compared
 * and freed exactly as libyang's string type does (its functions), so the
 * data and every message stay the same, with or without the plugin.
 */
#include <stdlib.h>

#include <libyang/libyang.h>
#include <libyang/plugins_types.h>

static LY_ERR matchall_store(const struct ly_ctx *ctx, const struct lysc_type *type,
			     const void *value, size_t value_len, uint32_t options,
			     LY_VALUE_FORMAT format, void *prefix_data, uint32_t hints,
			     const struct lysc_node *ctx_node, struct lyd_value *storage,
			     struct lys_glob_unres *unres, struct ly_err_item **err)
{
	const char *v = value;
	LY_ERR rc;

	if (value_len == 1 && v[0] == '*')
		return lyplg_type_store_string(ctx, type, value, value_len, options, format,
					       prefix_data, hints, ctx_node, storage, unres, err);
	/* libyang's LY_ERRMSG_NOPATTERN for the module's pattern */
	rc = ly_err_new(err, LY_EVALID, LYVE_DATA, NULL, NULL,
			"Unsatisfied pattern - \"%.*s\" does not conform to \"\\*\".",
			(int)value_len, v);
	if (options & LYPLG_TYPE_STORE_DYNAMIC)
		free((void *)value);
	return rc;
}

/* exported under the names libyang's plugin loader looks for */
uint32_t plugins_types_apiver__ = LYPLG_TYPE_API_VERSION;
const struct lyplg_type_record plugins_types__[] = {
	{
		.module = "ietf-netconf-acm",
		.revision = "2012-02-22",
		.name = "matchall-string-type",
		.plugin = {
			.id = "rampart-cp matchall-string-type",
			.store = matchall_store,
			.validate = NULL,
			.compare = lyplg_type_compare_simple,
			.sort = NULL,
			.print = lyplg_type_print_simple,
			.duplicate = lyplg_type_dup_simple,
			.free = lyplg_type_free_simple,
			.lyb_data_len = -1,
		},
	},
	{ 0 },
};
