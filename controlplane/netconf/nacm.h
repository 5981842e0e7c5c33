/* SPDX-License-Identifier: Proprietary
 * NETCONF access control (RFC 8341 / ietf-netconf-acm@2012-02-22): the
 * rule evaluation, written here (libyang has no NACM engine; it only
 * compiles the default-deny-* extensions and inherits them to the
 * descendants of the node that carries them).
 *
 * A struct nacm is one user's view of the /nacm configuration of running,
 * built for one request: the user's groups, the rules of the rule-lists
 * that apply to those groups in order, and the three default policies.
 * Decisions (RFC 8341 3.4.4 - 3.4.6):
 *   - no enable-nacm, or no user (the server itself): everything permitted;
 *   - the first rule whose module-name, rule type (rpc-name,
 *     notification-name, path) and access-operations match decides;
 *   - no rule matched: nacm:default-deny-all on the schema node denies
 *     everything, nacm:default-deny-write denies writes, otherwise
 *     read-default / write-default / exec-default decide.
 * A data rule's path matches the node it selects and all its descendants.
 * Nothing here depends on the server: it works on libyang trees only, so
 * tests/unit/test_nacm.c drives it directly. Single-threaded (the NETCONF
 * thread); nacm_counters are plain counters read by that thread.
 */
#ifndef RAMPART_CP_NACM_H
#define RAMPART_CP_NACM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libyang/libyang.h>

/* access-operations bits */
enum nacm_access {
	NACM_CREATE = 1,
	NACM_READ = 2,
	NACM_UPDATE = 4,
	NACM_DELETE = 8,
	NACM_EXEC = 16,
	NACM_ALL = 31,
};

enum nacm_rule_type {
	NACM_RULE_ANY,    /* no rule-type: matches every request */
	NACM_RULE_RPC,
	NACM_RULE_NOTIF,
	NACM_RULE_DATA,
};

struct nacm_rule {
	char *name;
	char *module;     /* "*" or a module name */
	char *target;     /* rpc-name, notification-name ("*" allowed) or path */
	enum nacm_rule_type type;
	unsigned access;  /* enum nacm_access bits */
	bool permit;
};

struct nacm {
	bool enabled;       /* enable-nacm and a user to check */
	bool read_permit;   /* read-default */
	bool write_permit;  /* write-default */
	bool exec_permit;   /* exec-default */
	size_t nrules;
	struct nacm_rule *rules;  /* the user's rules, in evaluation order */
};

/* RFC 8341 counters, shown under /nacm in <get>. */
struct nacm_counters {
	uint64_t denied_operations;
	uint64_t denied_data_writes;
	uint64_t denied_notifications;
};
extern struct nacm_counters nacm_counters;

/* Build user's view of the /ietf-netconf-acm:nacm container among config's
 * top-level siblings (running). user NULL: the server itself (no checks).
 * No /nacm at all: the module's defaults (enabled, read and exec permitted,
 * writes denied). Returns 0 or -1 (out of memory; *n is then empty and
 * denies like an enabled NACM without rules). */
int nacm_init(struct nacm *n, const struct lyd_node *config, const char *user);
/* The same with the user's external groups ("g1,g2", NULL: none), added
 * to those of /nacm/groups unless enable-external-groups is false
 * (RFC 8341 3.2.3, 3.4.4 step 3). */
int nacm_init_ext(struct nacm *n, const struct lyd_node *config, const char *user,
		  const char *external_groups);
void nacm_fini(struct nacm *n);

/* Whether every request of the access kinds in `access` is permitted
 * without looking at nodes: NACM off, or the user's first rule is a
 * module-name "*", any-type, permit rule covering them. Lets the server
 * skip the data walks for administrators. */
bool nacm_permits_all(const struct nacm *n, unsigned access);

/* Exec access to a protocol operation (RPC or action schema node).
 * close-session is always permitted. A denial counts in
 * denied_operations. */
bool nacm_exec_permitted(const struct nacm *n, const struct lysc_node *op);

/* Read access to a notification (by its schema node). A denial counts in
 * denied_notifications. */
bool nacm_notif_permitted(const struct nacm *n, const struct lysc_node *notif);

/* Access `access` (one bit) to one data node; paths are evaluated against
 * the tree holding node. For tests and for callers with a single node. */
bool nacm_node_permitted(const struct nacm *n, const struct lyd_node *node, unsigned access);

/* Read access to a node that exists only as a schema node (e.g. one named
 * by a notification but deleted since): like nacm_node_permitted(), except
 * that a path rule, which needs the data to match, counts as a denial when
 * it is the first rule that could apply (never shows too much). */
bool nacm_schema_read_permitted(const struct nacm *n, const struct lysc_node *s);

/* Remove from *tree (top-level siblings) every node the user may not read,
 * with its descendants (list keys follow their entry). Returns 0 or -1
 * (out of memory: *tree may be partly pruned; the caller drops it). */
int nacm_prune_read(const struct nacm *n, struct lyd_node **tree);

/* Whether the user may read all of tree (top-level siblings). 1 when not,
 * with the instance path of the first unreadable node in path; 0 when
 * all of it is readable; -1 when out of memory. Not counted (a read
 * denial is silent). */
int nacm_check_readable(const struct nacm *n, const struct lyd_node *tree, char *path,
			size_t pathlen);

/* Check a lyd_diff_siblings() diff against create (yang:operation create,
 * on the node and each descendant), delete (likewise) and update
 * (replace) access. Returns 0 when permitted, 1 when denied with the
 * instance path of the first denied node in path (counted in
 * denied_data_writes), -1 when out of memory. */
int nacm_check_diff(const struct nacm *n, const struct lyd_node *diff, char *path,
		    size_t pathlen);

#endif
