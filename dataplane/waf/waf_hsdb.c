/* Hyperscan database cache (waf_hsdb.h): keyed compile-or-load and the
 * blob that carries the serialized databases from rampart-cp to rampart-dp. */
#include "waf/waf_hsdb.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waf/waf_err.h"

#define BLOB_MAGIC   "RWHS"
#define BLOB_VERSION 2u
#define BLOB_HDR     (4u + 4u + 4u + 8u)
#define ENTRY_HDR    (WAF_HSDB_KEY_LEN + 1u + 4u)
#define ERR_MAX      256u   /* bytes of a recorded compile error */

/* A database, or a compile that failed: the engine takes another path
 * then (e.g. prefilter, PCRE2, smaller groups), and the loading side must
 * see the same failure to take the same path. */
enum { ENTRY_DB = 0, ENTRY_ERROR = 1 };

struct hsdb_entry {
	uint8_t key[WAF_HSDB_KEY_LEN];
	uint8_t kind;
	uint32_t len;
	char *bytes;   /* serialized database, or the error text (not NUL-terminated) */
};

struct waf_hsdb_cache {
	enum waf_hsdb_kind kind;
	struct hsdb_entry *v; /* sorted by key */
	size_t n, cap;
	size_t bytes;
	uint64_t loads, compiles;
};


/* ---- key: two independent 64-bit hashes over a length-prefixed stream ---- */

struct keyhash {
	uint64_t a, b;
};

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static void kh_byte(struct keyhash *h, uint8_t c)
{
	h->a = (h->a ^ c) * 0x100000001b3ull;                    /* FNV-1a */
	h->b = rotl64(h->b ^ c, 23) * 0x9e3779b97f4a7c15ull;     /* golden-ratio mix */
}

static void kh_bytes(struct keyhash *h, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		kh_byte(h, s[i]);
}

static void kh_u64(struct keyhash *h, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		kh_byte(h, (uint8_t)(v >> (8 * i)));
}

/* Length first, so ("ab","c") and ("a","bc") differ. */
static void kh_str(struct keyhash *h, const void *p, size_t n)
{
	kh_u64(h, n);
	kh_bytes(h, p, n);
}

static void kh_final(const struct keyhash *h, uint8_t key[WAF_HSDB_KEY_LEN])
{
	uint64_t a = h->a ^ (h->b >> 29), b = h->b ^ rotl64(h->a, 31);

	a *= 0xff51afd7ed558ccdull;
	b *= 0xc4ceb9fe1a85ec53ull;
	for (unsigned i = 0; i < 8; i++) {
		key[i] = (uint8_t)(a >> (8 * i));
		key[8 + i] = (uint8_t)(b >> (8 * i));
	}
}

static void key_hex(const uint8_t key[WAF_HSDB_KEY_LEN], char out[2 * WAF_HSDB_KEY_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (unsigned i = 0; i < WAF_HSDB_KEY_LEN; i++) {
		out[2 * i] = hex[key[i] >> 4];
		out[2 * i + 1] = hex[key[i] & 15];
	}
	out[2 * WAF_HSDB_KEY_LEN] = '\0';
}

/* What differs between compilers, so an ext-multi and a literal call over
 * the same strings never share a key. */
enum { KEY_EXT_MULTI = 1, KEY_LIT_MULTI = 2 };

static void key_ext(const char *const *exprs, const unsigned *flags, const unsigned *ids,
		    const hs_expr_ext_t *const *ext, unsigned n, unsigned mode,
		    uint8_t key[WAF_HSDB_KEY_LEN])
{
	struct keyhash h = { 0xcbf29ce484222325ull, 0x6a09e667f3bcc909ull };

	kh_u64(&h, KEY_EXT_MULTI);
	kh_u64(&h, mode);
	kh_u64(&h, n);
	for (unsigned i = 0; i < n; i++) {
		kh_str(&h, exprs[i], strlen(exprs[i]));
		kh_u64(&h, flags ? flags[i] : 0);
		kh_u64(&h, ids ? ids[i] : 0);
		if (ext && ext[i]) {
			const hs_expr_ext_t *x = ext[i];

			/* only the flagged fields mean anything to Hyperscan */
			kh_u64(&h, 1 + x->flags);
			if (x->flags & HS_EXT_FLAG_MIN_OFFSET)
				kh_u64(&h, x->min_offset);
			if (x->flags & HS_EXT_FLAG_MAX_OFFSET)
				kh_u64(&h, x->max_offset);
			if (x->flags & HS_EXT_FLAG_MIN_LENGTH)
				kh_u64(&h, x->min_length);
			if (x->flags & HS_EXT_FLAG_EDIT_DISTANCE)
				kh_u64(&h, x->edit_distance);
			if (x->flags & HS_EXT_FLAG_HAMMING_DISTANCE)
				kh_u64(&h, x->hamming_distance);
		} else {
			kh_u64(&h, 0);
		}
	}
	kh_final(&h, key);
}

static void key_lit(const char *const *lits, const unsigned *flags, const unsigned *ids,
		    const size_t *lens, unsigned n, unsigned mode, uint8_t key[WAF_HSDB_KEY_LEN])
{
	struct keyhash h = { 0xcbf29ce484222325ull, 0x6a09e667f3bcc909ull };

	kh_u64(&h, KEY_LIT_MULTI);
	kh_u64(&h, mode);
	kh_u64(&h, n);
	for (unsigned i = 0; i < n; i++) {
		kh_str(&h, lits[i], lens[i]);
		kh_u64(&h, flags ? flags[i] : 0);
		kh_u64(&h, ids ? ids[i] : 0);
	}
	kh_final(&h, key);
}

/* ---- sorted entry table ---- */

/* Index of @key, or -(insertion point) - 1. */
static long entry_find(const struct waf_hsdb_cache *c, const uint8_t *key)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = memcmp(c->v[mid].key, key, WAF_HSDB_KEY_LEN);

		if (r == 0)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static int entry_insert(struct waf_hsdb_cache *c, size_t at, const uint8_t *key, uint8_t kind,
			char *bytes, size_t len)
{
	if (c->n == WAF_HSDB_MAX_ENTRIES || len > WAF_HSDB_MAX_ENTRY ||
	    (kind == ENTRY_ERROR && len > ERR_MAX))
		return -E2BIG;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct hsdb_entry *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	memmove(&c->v[at + 1], &c->v[at], (c->n - at) * sizeof(*c->v));
	memcpy(c->v[at].key, key, WAF_HSDB_KEY_LEN);
	c->v[at].kind = kind;
	c->v[at].len = (uint32_t)len;
	c->v[at].bytes = bytes;
	c->n++;
	c->bytes += len;
	return 0;
}

struct waf_hsdb_cache *waf_hsdb_create(enum waf_hsdb_kind kind)
{
	struct waf_hsdb_cache *c;

	if (kind != WAF_HSDB_COMPILE && kind != WAF_HSDB_LOAD)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (c)
		c->kind = kind;
	return c;
}

void waf_hsdb_free(struct waf_hsdb_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].bytes);
	free(c->v);
	free(c);
}

size_t waf_hsdb_count(const struct waf_hsdb_cache *c)
{
	return c ? c->n : 0;
}

size_t waf_hsdb_bytes(const struct waf_hsdb_cache *c)
{
	return c ? c->bytes : 0;
}

uint64_t waf_hsdb_loads(const struct waf_hsdb_cache *c)
{
	return c ? c->loads : 0;
}

uint64_t waf_hsdb_compiles(const struct waf_hsdb_cache *c)
{
	return c ? c->compiles : 0;
}

/* ---- get ---- */

static int load_entry(struct waf_hsdb_cache *c, const struct hsdb_entry *e, hs_database_t **out,
		      char *err, size_t errlen)
{
	char hex[2 * WAF_HSDB_KEY_LEN + 1];
	hs_error_t r;

	if (e->kind == ENTRY_ERROR) {
		/* the compile failed where it ran: fail the same way here */
		*out = NULL;
		waf_seterr(err, errlen, "%.*s", (int)e->len, e->bytes);
		return -EINVAL;
	}
	r = hs_deserialize_database(e->bytes, e->len, out);
	if (r != HS_SUCCESS) {
		key_hex(e->key, hex);
		*out = NULL;
		waf_seterr(err, errlen, "hyperscan refused the database bytes of key %s (error %d)",
		       hex, (int)r);
		return r == HS_NOMEM ? -ENOMEM : -EINVAL;
	}
	c->loads++;
	return 0;
}

/* Record @db's serialized bytes under @key at insertion point @at. */
static int record(struct waf_hsdb_cache *c, size_t at, const uint8_t *key, hs_database_t *db,
		  char *err, size_t errlen)
{
	char *bytes = NULL;
	size_t len = 0;
	int rc;

	if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) {
		waf_seterr(err, errlen, "%s", "hyperscan could not serialize a database");
		return -ENOMEM;
	}
	rc = entry_insert(c, at, key, ENTRY_DB, bytes, len);
	if (rc) {
		free(bytes);
		waf_seterr(err, errlen, "cannot record database (%zu bytes, %zu entries): %s", len, c->n,
		       rc == -E2BIG ? "limit reached" : "out of memory");
	}
	return rc;
}

/* Record that compiling under @key failed with @msg. Best effort: without
 * the record the loading side reports the key missing instead. */
static void record_failure(struct waf_hsdb_cache *c, size_t at, const uint8_t *key,
			   const char *msg)
{
	size_t len = strnlen(msg, ERR_MAX);
	char *bytes = malloc(len ? len : 1);

	if (!bytes)
		return;
	memcpy(bytes, msg, len);
	if (entry_insert(c, at, key, ENTRY_ERROR, bytes, len) != 0)
		free(bytes);
}

/* Common path: @compile runs only for NULL and COMPILE caches. */
static int get_common(struct waf_hsdb_cache *c, const uint8_t *key, const char *first,
		      unsigned n, hs_database_t **out, char *err, size_t errlen,
		      int (*compile)(const void *arg, hs_database_t **db, char *err, size_t errlen),
		      const void *arg)
{
	long at = c ? entry_find(c, key) : -1;
	int rc;

	*out = NULL;
	if (c && at >= 0)
		return load_entry(c, &c->v[at], out, err, errlen);
	if (c && c->kind == WAF_HSDB_LOAD) {
		char hex[2 * WAF_HSDB_KEY_LEN + 1];

		key_hex(key, hex);
		waf_seterr(err, errlen,
		       "no shipped database for key %s (%u expressions, first '%.40s'): "
		       "rule model and databases do not match",
		       hex, n, n ? first : "");
		return -EINVAL;
	}
	rc = compile(arg, out, err, errlen);
	if (rc && c && rc == -EINVAL) {
		c->compiles++;
		record_failure(c, (size_t)(-at - 1), key, err ? err : "");
	}
	if (rc)
		return rc;
	if (!c)
		return 0;
	c->compiles++;
	rc = record(c, (size_t)(-at - 1), key, *out, err, errlen);
	if (rc) {
		hs_free_database(*out);
		*out = NULL;
	}
	return rc;
}

struct ext_args {
	const char *const *exprs;
	const unsigned *flags, *ids;
	const hs_expr_ext_t *const *ext;
	unsigned n, mode;
};

static int compile_ext(const void *arg, hs_database_t **db, char *err, size_t errlen)
{
	const struct ext_args *a = arg;
	hs_compile_error_t *ce = NULL;

	if (hs_compile_ext_multi(a->exprs, a->flags, a->ids, a->ext, a->n, a->mode, NULL, db,
				 &ce) != HS_SUCCESS) {
		waf_seterr(err, errlen, "hyperscan: %s (expression %d)", ce ? ce->message : "?",
		       ce ? ce->expression : -1);
		hs_free_compile_error(ce);
		*db = NULL;
		return -EINVAL;
	}
	return 0;
}

int waf_hsdb_get(struct waf_hsdb_cache *c, const char *const *exprs, const unsigned *flags,
		 const unsigned *ids, const hs_expr_ext_t *const *ext, unsigned n,
		 unsigned mode, hs_database_t **out, char *err, size_t errlen)
{
	struct ext_args a = { exprs, flags, ids, ext, n, mode };
	uint8_t key[WAF_HSDB_KEY_LEN];

	if (!out || (n && !exprs)) {
		waf_seterr(err, errlen, "%s", "waf_hsdb_get: bad arguments");
		return -EINVAL;
	}
	key_ext(exprs, flags, ids, ext, n, mode, key);
	return get_common(c, key, n ? exprs[0] : "", n, out, err, errlen, compile_ext, &a);
}

struct lit_args {
	const char *const *lits;
	const unsigned *flags, *ids;
	const size_t *lens;
	unsigned n, mode;
};

static int compile_lit(const void *arg, hs_database_t **db, char *err, size_t errlen)
{
	const struct lit_args *a = arg;
	hs_compile_error_t *ce = NULL;

	if (hs_compile_lit_multi(a->lits, a->flags, a->ids, a->lens, a->n, a->mode, NULL, db,
				 &ce) != HS_SUCCESS) {
		waf_seterr(err, errlen, "hyperscan: %s (literal %d)", ce ? ce->message : "?",
		       ce ? ce->expression : -1);
		hs_free_compile_error(ce);
		*db = NULL;
		return -EINVAL;
	}
	return 0;
}

int waf_hsdb_get_lit(struct waf_hsdb_cache *c, const char *const *lits, const unsigned *flags,
		     const unsigned *ids, const size_t *lens, unsigned n, unsigned mode,
		     hs_database_t **out, char *err, size_t errlen)
{
	struct lit_args a = { lits, flags, ids, lens, n, mode };
	uint8_t key[WAF_HSDB_KEY_LEN];

	if (!out || (n && (!lits || !lens))) {
		waf_seterr(err, errlen, "%s", "waf_hsdb_get_lit: bad arguments");
		return -EINVAL;
	}
	key_lit(lits, flags, ids, lens, n, mode, key);
	return get_common(c, key, n ? lits[0] : "", n, out, err, errlen, compile_lit, &a);
}

/* ---- blob ---- */

static uint64_t fnv1a64(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

int waf_hsdb_serialize(const struct waf_hsdb_cache *c, uint8_t **out, size_t *len)
{
	uint64_t total = BLOB_HDR;
	uint8_t *b, *p;

	*out = NULL;
	*len = 0;
	for (size_t i = 0; i < c->n; i++)
		total += ENTRY_HDR + (uint64_t)c->v[i].len;
	if (total > WAF_HSDB_MAX_BLOB)
		return -E2BIG;
	b = malloc((size_t)total);
	if (!b)
		return -ENOMEM;
	memcpy(b, BLOB_MAGIC, 4);
	put_u32(b + 4, BLOB_VERSION);
	put_u32(b + 8, (uint32_t)c->n);
	p = b + BLOB_HDR;
	for (size_t i = 0; i < c->n; i++) {
		memcpy(p, c->v[i].key, WAF_HSDB_KEY_LEN);
		p[WAF_HSDB_KEY_LEN] = c->v[i].kind;
		put_u32(p + WAF_HSDB_KEY_LEN + 1, c->v[i].len);
		memcpy(p + ENTRY_HDR, c->v[i].bytes, c->v[i].len);
		p += ENTRY_HDR + c->v[i].len;
	}
	put_u64(b + 12, fnv1a64(b + BLOB_HDR, (size_t)total - BLOB_HDR));
	*out = b;
	*len = (size_t)total;
	return 0;
}

struct waf_hsdb_cache *waf_hsdb_load(const void *blob, size_t len, char *err, size_t errlen)
{
	const uint8_t *b = blob, *p, *end;
	struct waf_hsdb_cache *c;
	uint32_t count;

	if (!b || len < BLOB_HDR) {
		waf_seterr(err, errlen, "database blob truncated (%zu bytes < %u header)", len, BLOB_HDR);
		return NULL;
	}
	if (len > WAF_HSDB_MAX_BLOB) {
		waf_seterr(err, errlen, "database blob of %zu bytes exceeds %llu", len,
		       (unsigned long long)WAF_HSDB_MAX_BLOB);
		return NULL;
	}
	if (memcmp(b, BLOB_MAGIC, 4) != 0) {
		waf_seterr(err, errlen, "%s", "database blob: bad magic");
		return NULL;
	}
	if (get_u32(b + 4) != BLOB_VERSION) {
		waf_seterr(err, errlen, "database blob: version %u, expected %u", get_u32(b + 4),
		       BLOB_VERSION);
		return NULL;
	}
	count = get_u32(b + 8);
	if (count > WAF_HSDB_MAX_ENTRIES) {
		waf_seterr(err, errlen, "database blob: %u entries exceeds %u", count,
		       WAF_HSDB_MAX_ENTRIES);
		return NULL;
	}
	if (get_u64(b + 12) != fnv1a64(b + BLOB_HDR, len - BLOB_HDR)) {
		waf_seterr(err, errlen, "%s", "database blob: checksum mismatch");
		return NULL;
	}
	c = waf_hsdb_create(WAF_HSDB_LOAD);
	if (!c)
		goto nomem;
	p = b + BLOB_HDR;
	end = b + len;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t elen;
		uint8_t kind;
		char *bytes;

		if ((size_t)(end - p) < ENTRY_HDR) {
			waf_seterr(err, errlen, "database blob: entry %u truncated", i);
			goto err;
		}
		kind = p[WAF_HSDB_KEY_LEN];
		elen = get_u32(p + WAF_HSDB_KEY_LEN + 1);
		if (kind > ENTRY_ERROR) {
			waf_seterr(err, errlen, "database blob: entry %u of unknown kind %u", i, kind);
			goto err;
		}
		if (elen > (kind == ENTRY_ERROR ? ERR_MAX : WAF_HSDB_MAX_ENTRY) ||
		    (size_t)(end - p - ENTRY_HDR) < elen) {
			waf_seterr(err, errlen, "database blob: entry %u length %u out of bounds", i,
			       elen);
			goto err;
		}
		if (c->n && memcmp(c->v[c->n - 1].key, p, WAF_HSDB_KEY_LEN) >= 0) {
			waf_seterr(err, errlen, "database blob: entry %u key out of order or duplicate",
			       i);
			goto err;
		}
		bytes = malloc(elen ? elen : 1);
		if (!bytes)
			goto nomem;
		memcpy(bytes, p + ENTRY_HDR, elen);
		if (entry_insert(c, c->n, p, kind, bytes, elen) != 0) {
			free(bytes);
			goto nomem;
		}
		p += ENTRY_HDR + elen;
	}
	if (p != end) {
		waf_seterr(err, errlen, "database blob: %zu trailing bytes", (size_t)(end - p));
		goto err;
	}
	return c;
nomem:
	waf_seterr(err, errlen, "%s", "database blob: out of memory");
err:
	waf_hsdb_free(c);
	return NULL;
}
