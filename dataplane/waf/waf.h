/* WAF runtime API: transformations and operators.
 *
 * Transformations follow ModSecurity v3's documented semantics; the few places
 * where the reference is unspecified say so at the function (waf_tfn.c).
 * Thread safety: transformations are pure. A matcher is immutable after
 * waf_matcher_create() and may be shared by threads; each thread scans with
 * its own struct waf_scratch.
 */
#ifndef RAMPART_WAF_H
#define RAMPART_WAF_H

#include <sys/types.h>

#include "waf/waf_types.h"

/* ------------------------------------------------------------ transformations */

/* Transformation by name (case-insensitive, "normalizePath" and
 * "normalisePath" both accepted). Returns the enum value, or -1. */
int waf_tfn_lookup(const char *name, size_t len);

/* Canonical name of @t (never NULL for a valid value). */
const char *waf_tfn_name(enum waf_tfn t);

/* Output capacity that waf_tfn_apply() needs for an input of @len bytes. */
size_t waf_tfn_bound(enum waf_tfn t, size_t len);

/* Apply @t to in[0..len) into out[0..outcap). in and out must not overlap.
 * Returns the output length, or -1 if outcap < waf_tfn_bound(t, len) or t is
 * not a valid transformation. Never reads past in+len, never writes past
 * out+outcap; NUL bytes are ordinary data. */
ssize_t waf_tfn_apply(enum waf_tfn t, const uint8_t *in, size_t len,
		      uint8_t *out, size_t outcap);

/* Does @t certainly leave in[0..len) unchanged? A byte-class test (no '%'
 * or '+' for urlDecode, no 'A'..'Z' for lowercase, ...), far cheaper than
 * applying @t and comparing; false means "maybe changes", never "changes".
 * The engine skips the transformation when true: clean values (most of
 * them) pass most chains untouched. */
bool waf_tfn_identity(enum waf_tfn t, const uint8_t *in, size_t len);
/* The same in two steps, for a value that meets several transformations:
 * its byte classes once, then the test per transformation. */
uint32_t waf_tfn_classes(const uint8_t *in, size_t len);
bool waf_tfn_identity_cls(enum waf_tfn t, uint32_t classes, const uint8_t *in, size_t len);

/* ------------------------------------------------------------ operators */

/* Operator by name without the '@' (case-insensitive). Returns -1 if unknown. */
int waf_op_lookup(const char *name, size_t len);
const char *waf_op_name(enum waf_op op);

/* Compile operator @op with argument arg[0..arglen).
 *   @datadir   directory for @pmFromFile files (may be NULL for other ops)
 *   @err       on failure, a one-line reason (may be NULL)
 * Returns the matcher, or NULL with the reason in err: argument refused,
 * operator without runtime (>= WAF_OP__RUNTIME_END), pattern that neither
 * Hyperscan nor PCRE2 compiles, unreadable file, out of memory.
 * Control-plane thread; compiles (may take milliseconds). */
struct waf_matcher *waf_matcher_create(enum waf_op op, const char *arg, size_t arglen,
				       const char *datadir, char *err, size_t errlen);

/* @pm from an explicit phrase list (what @pmFromFile reads). */
struct waf_matcher *waf_matcher_create_pm(const char *const *phrases, const size_t *lens,
					  size_t n, char *err, size_t errlen);

/* The same through a Hyperscan database cache (waf_hsdb.h): every database
 * is requested with waf_hsdb_get()/waf_hsdb_get_lit(), so a LOAD cache
 * (dataplane) deserializes what the control plane compiled and never
 * compiles. @hsdb NULL compiles directly (what the two functions above do). */
struct waf_hsdb_cache;
struct waf_matcher *waf_matcher_create_hsdb(enum waf_op op, const char *arg, size_t arglen,
					    const char *datadir, struct waf_hsdb_cache *hsdb,
					    char *err, size_t errlen);
struct waf_matcher *waf_matcher_create_pm_hsdb(const char *const *phrases, const size_t *lens,
					       size_t n, struct waf_hsdb_cache *hsdb, char *err,
					       size_t errlen);

/* The Hyperscan expressions (NUL-terminated, with their hs flags) that give
 * @m's Hyperscan verdict, for merging @m into a multi-pattern database: one
 * for @rx (HS_FLAG_PREFILTER set when PCRE2 must confirm), one per phrase
 * for @pm/@pmFromFile (escaped literal, caseless). @fn returns 0 to go on.
 * Returns the number of expressions, -1 if @m has no Hyperscan form (other
 * operators, PCRE2-only @rx), or @fn's negative return. */
int waf_matcher_hs_exprs(const struct waf_matcher *m,
			 int (*fn)(void *ctx, const char *expr, unsigned flags), void *ctx);

/* @m's own Hyperscan database (hs_database_t *), NULL if it has none; owned
 * by @m. Its pattern ids all stand for @m. */
const void *waf_matcher_hs_db(const struct waf_matcher *m);

void waf_matcher_free(struct waf_matcher *m); /* accepts NULL */

/* For @rx matchers: how the pattern runs. -1 for other operators. */
int waf_matcher_rx_mode(const struct waf_matcher *m);

/* For @rx matchers not compiled exactly: Hyperscan's compile error (why the
 * pattern takes the prefilter or PCRE2 path); "" otherwise. */
const char *waf_matcher_rx_note(const struct waf_matcher *m);

/* Make @s fit @m (allocates or grows the Hyperscan scratch; creates the
 * PCRE2 match data once for any @rx).
 * Returns 0 or -ENOMEM. Call before the first waf_matcher_match() with @s. */
int waf_scratch_fit(struct waf_scratch *s, const struct waf_matcher *m);
void waf_scratch_free(struct waf_scratch *s);

/* Run the operator over in[0..len). Returns 1 match, 0 no match, <0 error
 * (-EINVAL scratch not fitted, -EIO scan error). Not negated: callers apply
 * '!' themselves. Any thread, with its own scratch; does not block. */
int waf_matcher_match(const struct waf_matcher *m, struct waf_scratch *s,
		      const uint8_t *in, size_t len);

#endif
