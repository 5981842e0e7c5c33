/* A WAF program: what rampart-cp compiles and ships, and what rampart-dp
 * loads and runs — the rule model (waf_model.h), the engine built from it,
 * and the Hyperscan databases that engine uses (waf_hsdb.h).
 *
 * Shipped blob (little-endian):
 *   "RWAP" u32 version u64 hash u32 model_len  model  hsdb-blob
 * hash = FNV-1a 64 over model and hsdb-blob: the rule set's identity, used
 * to ship only when it changed and reported in logs and telemetry.
 *
 *   rampart-cp: waf_program_compile() encodes the model, decodes it again
 *   (so both sides build from the very same rules), builds the engine with a
 *   COMPILE cache and packs model + recorded databases.
 *   rampart-dp: waf_program_load() checks and decodes the blob, writes the
 *   model's @pmFromFile data files into a private temporary directory for
 *   the build, builds the engine with a LOAD cache (no Hyperscan compile;
 *   PCRE2 patterns of prefilter-confirmed and PCRE2-only rules are compiled
 *   here — cheap and not serializable) and removes the files again.
 *
 * Threads: build-time (control plane thread, dataplane main lcore);
 * allocates and may touch the file system (data files). The program is
 * immutable afterwards and shared read-only by every worker.
 */
#ifndef RAMPART_WAF_PROGRAM_H
#define RAMPART_WAF_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "waf/waf_engine.h"
#include "waf/waf_model.h"

struct waf_program {
	uint64_t hash;
	struct waf_model *model;
	struct waf_engine *engine;
	/* chain heads by id, sorted, for exclusions by tag */
	const struct waf_rule **by_id;
	size_t n_by_id;
	size_t hsdb_count;   /* databases shipped */
	size_t blob_len;     /* bytes of the shipped blob */
};

/* rampart-cp: compile @rules into a program and its blob (*@blob, *@len,
 * malloc'd). @datadirs as for waf_model_encode(). NULL with @err. */
struct waf_program *waf_program_compile(struct waf_rule *const *rules, size_t n,
					const char *const *datadirs, size_t n_dirs,
					uint8_t **blob, size_t *len, char *err, size_t errlen);

/* rampart-dp: load a shipped blob. NULL with the reason in @err; nothing
 * is compiled by Hyperscan (a database missing from the blob is an error). */
struct waf_program *waf_program_load(const uint8_t *blob, size_t len, char *err, size_t errlen);

/* The same from a file holding a blob (what `rampart-waf compile` writes:
 * tests, fuzzers and offline tools load the program the build compiled
 * once instead of compiling the rules each). NULL with @err. */
struct waf_program *waf_program_load_file(const char *path, char *err, size_t errlen);

void waf_program_free(struct waf_program *p); /* NULL allowed */

/* The hash a blob claims (0 when too short to say). */
uint64_t waf_program_blob_hash(const uint8_t *blob, size_t len);

/* Chain head @id of the program, or NULL. */
const struct waf_rule *waf_program_rule(const struct waf_program *p, uint32_t id);
/* Does rule @id carry tag @tag (exact, case-sensitive)? */
bool waf_program_rule_has_tag(const struct waf_program *p, uint32_t id, const char *tag);

#endif
