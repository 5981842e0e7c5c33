/* SPDX-License-Identifier: Proprietary
 * rampart-cp's side of the WAF: import the configured rule sets, compile
 * them into a WAF program (dataplane/waf/waf_program.h: rule model plus the
 * serialized Hyperscan databases) and decide when the program rides along
 * with a config-push (as the frame's blob).
 *
 * - The rule sets are the directories of the document's "waf"."rule-sets";
 *   every *.conf of each is imported (SecLang, controlplane/compile/), data
 *   files (@pmFromFile) are looked up in the same directories.
 * - Compile only when the rule files changed: the directories' *.conf and
 *   *.data names and bytes are hashed on every push (cheap: read, no parse)
 *   and compared with the last compile.
 * - Ship only when the dataplane does not have it: the program's hash is
 *   remembered once the dataplane accepted a push that carried it, and
 *   forgotten when the session is lost (a restarted dataplane gets it again).
 * - A rule set that does not compile is logged; the last good program stays
 *   (none: pushes go without one and the dataplane refuses a WAF that is on).
 *
 * Main thread only; compiling blocks it (seconds for the whole CRS), which
 * is why it happens only when the files changed.
 */
#ifndef RAMPART_CP_WAF_H
#define RAMPART_CP_WAF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct cp_waf {
	uint64_t files_hash;     /* rule-set files of the last compile attempt */
	bool files_known;
	uint8_t *blob;           /* last good program, NULL: none */
	size_t blob_len;
	uint64_t prog_hash;
	size_t rules, databases;
	uint64_t shipped;        /* program the dataplane accepted, 0: none */
	uint64_t inflight;       /* program riding on the push in flight */
};

/* What to send with a push of @config: *@blob, *@len (NULL, 0: nothing, the
 * dataplane keeps or does not need one). Compiles first if the rule files
 * changed. Never fails: problems are logged. */
void cp_waf_prepare(struct cp_waf *w, const json_t *config, const uint8_t **blob, size_t *len);

/* The push was sent (with @blob or not), then answered (@ok). */
void cp_waf_sent(struct cp_waf *w, const uint8_t *blob);
void cp_waf_push_done(struct cp_waf *w, bool ok);

/* A new dataplane session: it may not have any program. */
void cp_waf_session_reset(struct cp_waf *w);

void cp_waf_free(struct cp_waf *w);

#endif
