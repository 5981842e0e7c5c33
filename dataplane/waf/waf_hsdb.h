/* Hyperscan database cache: compile on the control plane, load on the
 * dataplane, never compile on the dataplane.
 *
 * Every Hyperscan database the WAF engine needs is requested through
 * waf_hsdb_get() (or waf_hsdb_get_lit() for literal sets) with exactly the
 * arguments it would give hs_compile_ext_multi() / hs_compile_lit_multi().
 * The call hashes all of them (expressions with their lengths, flags, ids,
 * the extended parameters that are flagged, mode, and which compiler) into a
 * 128-bit key and then, depending on the cache:
 *
 *   c == NULL          compile and return the database (tools, tests).
 *   COMPILE cache      compile, return the database, and record its
 *                      hs_serialize_database() bytes under the key (or,
 *                      when Hyperscan refuses, the refusal)
 *                      (rampart-cp; an already recorded key is deserialized
 *                      from the recorded bytes instead of compiled again).
 *   LOAD cache         deserialize the bytes recorded under the key; never
 *                      compile; a recorded refusal is returned as the same
 *                      error. A missing key is an error naming the key and
 *                      the first expression (rampart-dp).
 *
 * The control plane builds the engine once with a COMPILE cache, ships
 * waf_hsdb_serialize() next to the rule model; the dataplane rebuilds the
 * same engine from the same rule model with waf_hsdb_load(): since the
 * engine asks for the same databases in the same way, every key is found.
 *
 * Blob format (little-endian, all lengths bounded, see waf_hsdb.c):
 *   "RWHS" u32 version u32 count u64 fnv1a64(payload) payload
 *   payload = count x { u8 key[16] u8 kind u32 len u8 bytes[len] }
 *   kind 0: serialized database; kind 1: the compile under that key failed,
 *   bytes = its error text (<= 256). Failures are recorded because the
 *   engine takes another path after one (prefilter, PCRE2, smaller groups):
 *   the loading side must fail the same way to take the same path.
 * Keys are strictly increasing (no duplicates); Hyperscan itself refuses
 * bytes built for another version or platform when deserializing.
 *
 * Threads: a cache is used by one thread at a time (it is a build-time
 * object, never touched by the fast path). The returned database belongs to
 * the caller (hs_free_database()); the cache keeps only bytes.
 */
#ifndef RAMPART_WAF_HSDB_H
#define RAMPART_WAF_HSDB_H

#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

enum waf_hsdb_kind {
	WAF_HSDB_COMPILE = 1, /* compile and record (control plane) */
	WAF_HSDB_LOAD = 2,    /* deserialize only (dataplane) */
};

#define WAF_HSDB_KEY_LEN     16u
#define WAF_HSDB_MAX_ENTRIES 65536u          /* databases per blob */
#define WAF_HSDB_MAX_ENTRY   (256u << 20)    /* bytes per serialized database */
#define WAF_HSDB_MAX_BLOB    (1024ull << 20) /* bytes per blob */

struct waf_hsdb_cache;

/* Create an empty cache of @kind. NULL on allocation failure or bad kind. */
struct waf_hsdb_cache *waf_hsdb_create(enum waf_hsdb_kind kind);

/* Create a LOAD cache from a blob made by waf_hsdb_serialize(). The bytes are
 * copied. Returns NULL with the reason in @err (bad magic/version/checksum,
 * truncated, unsorted or duplicate keys, a bound exceeded, no memory).
 * The database bytes themselves are checked by Hyperscan when requested. */
struct waf_hsdb_cache *waf_hsdb_load(const void *blob, size_t len, char *err, size_t errlen);

/* Free the cache (NULL allowed). Databases handed out stay valid. */
void waf_hsdb_free(struct waf_hsdb_cache *c);

/* Get a database for hs_compile_ext_multi(@exprs, @flags, @ids, @ext, @n,
 * @mode) — see the header comment for what each cache does. @flags, @ids and
 * @ext may be NULL as in Hyperscan. Returns 0 and *@out, or -EINVAL (compile
 * error / missing key / bytes refused, reason in @err) or -ENOMEM. */
int waf_hsdb_get(struct waf_hsdb_cache *c, const char *const *exprs, const unsigned *flags,
		 const unsigned *ids, const hs_expr_ext_t *const *ext, unsigned n,
		 unsigned mode, hs_database_t **out, char *err, size_t errlen);

/* The same for hs_compile_lit_multi(@lits, @flags, @ids, @lens, @n, @mode). */
int waf_hsdb_get_lit(struct waf_hsdb_cache *c, const char *const *lits, const unsigned *flags,
		     const unsigned *ids, const size_t *lens, unsigned n, unsigned mode,
		     hs_database_t **out, char *err, size_t errlen);

/* Serialize every recorded entry into one malloc'd blob (*@out, *@len; the
 * caller frees it). Works on either kind of cache. 0, or -ENOMEM / -E2BIG. */
int waf_hsdb_serialize(const struct waf_hsdb_cache *c, uint8_t **out, size_t *len);

/* Entries recorded, and for diagnostics the sum of their byte lengths. */
size_t waf_hsdb_count(const struct waf_hsdb_cache *c);
size_t waf_hsdb_bytes(const struct waf_hsdb_cache *c);
/* Lookups that deserialized (LOAD) and compiles that ran (COMPILE/NULL). */
uint64_t waf_hsdb_loads(const struct waf_hsdb_cache *c);
uint64_t waf_hsdb_compiles(const struct waf_hsdb_cache *c);

#endif
