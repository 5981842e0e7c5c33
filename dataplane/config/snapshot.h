/* SPDX-License-Identifier: Proprietary
 * Publishing snapshots: validate, stamp, swap, and free the old one only
 * after every worker has passed a quiescent state (rte_rcu_qsbr).
 * All functions: main lcore only.
 */
#ifndef RAMPART_SNAPSHOT_H
#define RAMPART_SNAPSHOT_H

#include <jansson.h>
#include "config/config.h"

/* Install the empty boot snapshot. Returns 0 or -ENOMEM. */
int snapshot_boot(void);

/* Validate doc and, only if all of it is valid, publish it.
 * Returns 0 with *generation set, or -EINVAL/-ENOMEM with *err filled; on
 * failure the active snapshot is untouched. */
int snapshot_apply(const json_t *doc, struct config_error *err, uint64_t *generation);

/* Free retired snapshots whose grace period has ended. */
void snapshot_reclaim(void);

/* At exit, after workers stopped: free the active and all retired ones. */
void snapshot_fini(void);

#endif
