/* SecLang importer: OWASP CRS files -> the rule model of waf_types.h, plus
 * the import report (imported / skipped with reasons / Hyperscan outcome).
 *
 * Control-plane thread only; allocates; does not block except for reading
 * the rule files.
 */
#ifndef RAMPART_CRS_IMPORT_H
#define RAMPART_CRS_IMPORT_H

#include <stdio.h>

#include "waf/waf.h"

#define SECLANG_LINE_MAX (256u * 1024) /* bytes of one logical directive */

struct crs_error {
	char *file;
	unsigned line;
	char *msg;
};

/* One chain head that was not imported, and why. */
struct crs_skip {
	struct waf_rule *rule;
	const char *reason; /* static text, grouped in the report */
	char *detail;       /* operator/transformation name, may be NULL */
};

struct crs_hs_stats {
	unsigned rx_total;      /* @rx operators in imported rules (chain links too) */
	unsigned rx_exact;
	unsigned rx_prefilter;  /* HS_FLAG_PREFILTER + PCRE2 confirmation */
	unsigned rx_pcre_only;  /* Hyperscan refused even as prefilter */
	unsigned rx_failed;     /* neither compiles */
	unsigned rx_macro;      /* argument is a %{macro}: compiled per snapshot */
	unsigned pm_total;      /* @pm and @pmFromFile sets */
	unsigned pm_ok;
	unsigned pm_failed;
	unsigned pm_phrases;
};

struct waf_ruleset {
	struct waf_rule **all;  /* every chain head, in file order */
	size_t n_all, cap_all;
	struct waf_rule **imported;
	size_t n_imported;
	struct crs_skip *skipped;
	size_t n_skipped;
	struct crs_error *errors;
	size_t n_errors, cap_errors;
	char **files;           /* basenames, owned */
	size_t n_files;
	unsigned n_secrule, n_secaction, n_secmarker, n_other_directives;
	unsigned n_pl_tag_mismatch; /* tag paranoia-level/N disagreeing with the gate */
	struct crs_hs_stats hs;
	/* rule ids whose @rx takes the prefilter / PCRE2-only / failed path */
	uint32_t *rx_prefilter_ids, *rx_pcre_ids, *rx_failed_ids;
	size_t n_rx_prefilter_ids, n_rx_pcre_ids, n_rx_failed_ids;
	char **rx_notes;        /* "id: Hyperscan error" per non-exact @rx */
	size_t n_rx_notes;
	char *datadir;          /* for @pmFromFile */

	/* parser state across one file */
	struct waf_rule *chain_tail; /* rule expecting a chained link */
	uint8_t gate_pl;             /* paranoia level set by the last PL gate */
};

/* Parse SecLang text[0..len) named @file (basename used in the report) into
 * @rs. Parse errors are recorded in rs->errors, never fatal. Returns 0, or
 * -ENOMEM. */
int seclang_parse(struct waf_ruleset *rs, const char *text, size_t len, const char *file);

/* Parse every *.conf of @dir (sorted by name) and classify the rules.
 * Called again with another directory, adds its rules to the same set (in
 * call order); @pmFromFile data resolve in the first directory.
 * Returns 0, -errno if the directory cannot be read, or -ENOMEM. */
int crs_import_dir(struct waf_ruleset *rs, const char *dir);

/* Split rs->all into imported and skipped (idempotent). Returns 0 or -ENOMEM. */
int crs_classify(struct waf_ruleset *rs);

/* Compile every @rx and @pm/@pmFromFile of the imported rules one by one and
 * fill rs->hs. Rules whose patterns compile nowhere move to skipped.
 * Returns 0 or -ENOMEM. */
int crs_hs_check(struct waf_ruleset *rs);

/* Markdown import report. */
void crs_report_write(const struct waf_ruleset *rs, FILE *out, const char *rules_dir);

void waf_ruleset_free(struct waf_ruleset *rs); /* the contents; accepts zeroed */

#endif
