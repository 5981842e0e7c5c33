/* The rule model on the wire: a compact binary encoding of imported rule
 * chains (struct waf_rule, waf_types.h) and of the @pmFromFile data files
 * they name, so that rampart-dp can rebuild exactly the engine rampart-cp
 * built, without the SecLang files and without a SecLang parser.
 *
 * Encoding (little-endian; str = u32 length + bytes, 0xffffffff = NULL):
 *   "RWRM" u32 version u32 n_files u32 n_rules
 *   n_files x { str name, str content }
 *   n_rules x rule, rule = u32 id, u8 phase, severity, paranoia, disrupt,
 *     u32 n_targets x { u8 var, u8 flags, str key }, u8 n_tfn, u8 tfn[n_tfn],
 *     u8 op, u8 flags, str op_arg, str msg, u32 n_tags x str,
 *     u32 n_setvars x { str name, u8 op, str value }, str skip_after,
 *     str unsupported_tfn, str file, u32 line, u8 has_chain [rule]
 * The decoder treats the bytes as untrusted: every count, length, enum value
 * and the chain depth is bounded, trailing bytes are refused.
 *
 * Threads: build-time only (control plane, dataplane main lcore); allocates.
 */
#ifndef RAMPART_WAF_MODEL_H
#define RAMPART_WAF_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "waf/waf_types.h"

#define WAF_MODEL_MAX_RULES   65536u
#define WAF_MODEL_MAX_FILES   256u
#define WAF_MODEL_MAX_LIST    1024u        /* targets, tags, setvars per rule */
#define WAF_MODEL_MAX_CHAIN   64u          /* links per chain */
#define WAF_MODEL_MAX_STR     (4u << 20)   /* one string or data file */

/* One @pmFromFile data file: name as the rule gives it, whole content. */
struct waf_model_file {
	char *name;
	char *content;
	size_t len;
};

/* A decoded model: owns its rules, strings and files. */
struct waf_model {
	struct waf_rule **rules; /* chain heads, in order */
	size_t n_rules;
	struct waf_model_file *files;
	size_t n_files;
};

/* Encode @n chain heads; their @pmFromFile files are read from the first of
 * @datadirs[0..n_dirs) that has them (each distinct name once). Returns 0
 * with a malloc'd *@out / *@len, or -errno with the reason in @err
 * (unreadable data file, bound exceeded). */
int waf_model_encode(struct waf_rule *const *rules, size_t n, const char *const *datadirs,
		     size_t n_dirs, uint8_t **out, size_t *len, char *err, size_t errlen);

/* Decode; NULL with the reason (and byte offset) in @err. */
struct waf_model *waf_model_decode(const uint8_t *p, size_t len, char *err, size_t errlen);

void waf_model_free(struct waf_model *m); /* NULL allowed */

/* Free a rule chain (every link and what it owns) whoever built it, the
 * importer or the decoder; r->file is the builder's (not freed here). */
void waf_rule_free(struct waf_rule *r);

/* Write the model's data files into the existing directory @dir (for
 * @pmFromFile at engine build). Returns 0 or -errno with @err. */
int waf_model_write_files(const struct waf_model *m, const char *dir, char *err, size_t errlen);
/* Remove what waf_model_write_files() wrote (best effort). */
void waf_model_remove_files(const struct waf_model *m, const char *dir);

#endif
