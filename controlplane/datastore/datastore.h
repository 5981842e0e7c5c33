/* SPDX-License-Identifier: Proprietary
 * rampart-cp's configuration datastores (RFC 6241 running, candidate,
 * startup), each a libyang data tree over one context that holds
 * rampart-dataplane and the NETCONF modules libnetconf2 needs.
 *
 * Ownership: the context and the trees belong to one thread at a time. The
 * daemon builds them on its main thread at start (ds_open) and hands them
 * to the NETCONF thread, which is then their only user until it is joined;
 * libyang contexts and trees are not safe for concurrent writers.
 *
 * The startup datastore is persisted as YANG JSON in STATE_DIR/startup.json,
 * written atomically (temp file, fsync, rename, fsync of the directory), so
 * a crash at any moment leaves either the old or the new file.
 *
 * The dataplane document (docs/CONTROL-CHANNEL.md) is exactly the
 * rampart-dataplane:dataplane container printed as JSON without its module
 * prefix; ds_to_dp_json() and ds_from_dp_json() convert.
 */
#ifndef RAMPART_CP_DATASTORE_H
#define RAMPART_CP_DATASTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <libyang/libyang.h>

#define DS_MODULE      "rampart-dataplane"
#define DS_TOP         "/rampart-dataplane:dataplane"
#define DS_STARTUP     "startup.json"

enum ds_id {
	DS_RUNNING,
	DS_CANDIDATE,
	DS_STARTUP_DS,
	DS_COUNT,
};

extern const char *const ds_names[DS_COUNT];

/* All-zero is closed. Trees may be NULL (empty datastore). */
struct datastore {
	struct ly_ctx *ctx;
	struct lyd_node *tree[DS_COUNT];
	bool has_startup;         /* startup.json exists */
	bool candidate_modified;  /* edited since the last commit/discard */
	/* bumped by every change of tree[id] (ds_set, and by whoever edits a
	 * tree in place): what was derived from a tree (its printed text) is
	 * current while the generation is */
	uint64_t gen[DS_COUNT];
	char *state_dir;
};

/* Build the context from the modules embedded in the binary, with the
 * ietf-netconf features rampart-cp implements, and the libyang type plugin
 * DS_TYPE_PLUGIN of the binary's directory when it is there
 * (datastore/yang_types.c: same data and messages, faster NACM rules).
 * Returns 0 or -1 with err. */
int ds_ctx_new(struct ly_ctx **ctx, char *err, size_t errlen);

#define DS_TYPE_PLUGIN "rampart-cp-yang-types.so"
/* Where the plugin was looked for ("" before ds_ctx_new), *loaded whether
 * it is in use. */
const char *ds_type_plugin(bool *loaded);

/* Create the context and load the datastores: startup from
 * STATE_DIR/startup.json if it exists, running ← startup (or ← default_cfg,
 * the embedded default document, when there is no startup), candidate ←
 * running. Returns 0 or -1 with err (a startup file that does not parse or
 * validate is an error: the operator must look at it). */
int ds_open(struct datastore *ds, const char *state_dir, const json_t *default_cfg,
	    char *err, size_t errlen);

/* Accepts a closed datastore. */
void ds_close(struct datastore *ds);

/* Validate a configuration tree in place (adds default nodes).
 * Returns 0, or -1 with the first libyang error in msg and path (strings
 * into buffers of the caller, path may be empty). */
int ds_validate(struct ly_ctx *ctx, struct lyd_node **tree,
		char *msg, size_t msglen, char *path, size_t pathlen);

/* The dataplane document of a tree (new reference): the values explicitly
 * set, not the defaults libyang added (the dataplane applies the same
 * defaults), so the document reads like the one an operator would write.
 * Returns 0 or -1 with err. */
int ds_to_dp_json(const struct lyd_node *tree, json_t **doc, char *err, size_t errlen);

/* Parse a dataplane document into a validated tree. Returns 0 or -1 with err. */
int ds_from_dp_json(struct ly_ctx *ctx, const json_t *doc, struct lyd_node **tree,
		    char *err, size_t errlen);

/* Translate a JSON pointer into the dataplane document doc (as the
 * dataplane reports refusals) into a YANG instance path of the tree, e.g.
 * /ports/1/mtu -> /rampart-dataplane:dataplane/ports[port='5']/mtu. Best
 * effort: the unmatched rest of the pointer is appended as it is. */
void ds_dp_pointer_to_path(const json_t *doc, const char *pointer, char *out, size_t len);

/* Persist tree as the startup datastore (atomic replace) and make it the
 * in-memory startup. tree is copied. Returns 0 or -1 with err. */
int ds_save_startup(struct datastore *ds, const struct lyd_node *tree, char *err, size_t errlen);

/* Remove the startup file (delete-config). Returns 0 or -1 with err. */
int ds_delete_startup(struct datastore *ds, char *err, size_t errlen);

/* Replace ds->tree[id] by tree (taken over). */
void ds_set(struct datastore *ds, enum ds_id id, struct lyd_node *tree);

/* Write data to DIR/NAME atomically with mode: DIR/.NAME.PID.tmp, fsync,
 * rename, fsync DIR. Returns 0 or -errno with err. */
int atomic_write_file(const char *dir, const char *name, const void *data, size_t len,
		      unsigned mode, char *err, size_t errlen);

#endif
