/* Hyperscan database cache: compile-and-record, serialize, load-only
 * lookups, key sensitivity to every input, and refusal of bad blobs. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "waf/waf_hsdb.h"

static const char *const exprs[] = { "union\\s+select", "<script", "a{2,}b" };
static const unsigned flags[] = { HS_FLAG_CASELESS, HS_FLAG_CASELESS, HS_FLAG_SINGLEMATCH };
static const unsigned ids[] = { 10, 20, 30 };

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned fl, void *ctx)
{
	unsigned *seen = ctx;

	(void)from;
	(void)to;
	(void)fl;
	*seen |= 1u << (id / 10);
	return 0;
}

/* Bitmask of ids/10 matched by @db over @s. */
static unsigned scan(const hs_database_t *db, const char *s)
{
	hs_scratch_t *scr = NULL;
	unsigned seen = 0;

	assert_int_equal(hs_alloc_scratch(db, &scr), HS_SUCCESS);
	assert_int_equal(hs_scan(db, s, (unsigned)strlen(s), 0, scr, on_match, &seen),
			 HS_SUCCESS);
	hs_free_scratch(scr);
	return seen;
}

static hs_database_t *get(struct waf_hsdb_cache *c, const unsigned *fl, const unsigned *id,
			  unsigned mode, int want_rc)
{
	hs_database_t *db = (hs_database_t *)1;
	char err[256] = "";
	int rc = waf_hsdb_get(c, exprs, fl, id, NULL, 3, mode, &db, err, sizeof(err));

	if (rc != want_rc)
		print_error("rc %d: %s\n", rc, err);
	assert_int_equal(rc, want_rc);
	if (rc)
		assert_null(db);
	return db;
}

static void test_null_cache_compiles(void **state)
{
	hs_database_t *db;

	(void)state;
	db = get(NULL, flags, ids, HS_MODE_BLOCK, 0);
	assert_int_equal(scan(db, "x UNION  SELECT 1 <SCRIPT> aaab"), (1u << 1) | (1u << 2) | (1u << 3));
	assert_int_equal(scan(db, "benign"), 0);
	hs_free_database(db);
}

/* Build a COMPILE cache with two databases, ship it, load it. */
static struct waf_hsdb_cache *shipped(uint8_t **blob, size_t *len)
{
	struct waf_hsdb_cache *cp = waf_hsdb_create(WAF_HSDB_COMPILE), *dp;
	const char *lits[] = { "$where", "$ne" };
	const size_t lens[] = { 6, 3 };
	const unsigned lflags[] = { 0, 0 };
	const unsigned lids[] = { 10, 20 };
	hs_database_t *db;
	char err[256] = "";

	assert_non_null(cp);
	hs_free_database(get(cp, flags, ids, HS_MODE_BLOCK, 0));
	/* the same request again is served from the recorded bytes */
	hs_free_database(get(cp, flags, ids, HS_MODE_BLOCK, 0));
	assert_int_equal(waf_hsdb_compiles(cp), 1);
	assert_int_equal(waf_hsdb_loads(cp), 1);
	assert_int_equal(waf_hsdb_get_lit(cp, lits, lflags, lids, lens, 2, HS_MODE_BLOCK, &db, err,
					  sizeof(err)), 0);
	hs_free_database(db);
	assert_int_equal(waf_hsdb_count(cp), 2);
	assert_true(waf_hsdb_bytes(cp) > 0);
	assert_int_equal(waf_hsdb_serialize(cp, blob, len), 0);
	waf_hsdb_free(cp);
	dp = waf_hsdb_load(*blob, *len, err, sizeof(err));
	if (!dp)
		print_error("%s\n", err);
	assert_non_null(dp);
	assert_int_equal(waf_hsdb_count(dp), 2);
	return dp;
}

static void test_ship_and_load(void **state)
{
	const char *lits[] = { "$where", "$ne" };
	const size_t lens[] = { 6, 3 };
	const unsigned lflags[] = { 0, 0 };
	const unsigned lids[] = { 10, 20 };
	struct waf_hsdb_cache *dp;
	hs_database_t *db;
	uint8_t *blob, *again;
	size_t len, len2;
	char err[256] = "";

	(void)state;
	dp = shipped(&blob, &len);
	db = get(dp, flags, ids, HS_MODE_BLOCK, 0);
	assert_int_equal(scan(db, "union select <script"), (1u << 1) | (1u << 2));
	hs_free_database(db);
	assert_int_equal(waf_hsdb_get_lit(dp, lits, lflags, lids, lens, 2, HS_MODE_BLOCK, &db, err,
					  sizeof(err)), 0);
	assert_int_equal(scan(db, "{\"$ne\":1}"), 1u << 2);
	hs_free_database(db);
	assert_int_equal(waf_hsdb_compiles(dp), 0);
	assert_int_equal(waf_hsdb_loads(dp), 2);
	/* a LOAD cache re-serializes to the same bytes */
	assert_int_equal(waf_hsdb_serialize(dp, &again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, blob, len);
	free(again);
	free(blob);
	waf_hsdb_free(dp);
}

/* Any difference in the inputs is a different key: a LOAD cache refuses it
 * with an error naming the key, and never compiles. */
static void test_load_never_compiles(void **state)
{
	static const unsigned other_flags[] = { HS_FLAG_CASELESS, 0, HS_FLAG_SINGLEMATCH };
	static const unsigned other_ids[] = { 10, 20, 31 };
	static const char *const other[] = { "union\\s+select", "<script", "a{2,}c" };
	const size_t lens[] = { 6, 3 };
	const char *lits[] = { "$where", "$ne" };
	hs_expr_ext_t x = { .flags = HS_EXT_FLAG_MIN_LENGTH, .min_length = 4 };
	const hs_expr_ext_t *ext[] = { NULL, &x, NULL };
	struct waf_hsdb_cache *dp;
	hs_database_t *db;
	uint8_t *blob;
	size_t len;
	char err[256] = "";

	(void)state;
	dp = shipped(&blob, &len);
	get(dp, other_flags, ids, HS_MODE_BLOCK, -EINVAL);
	get(dp, flags, other_ids, HS_MODE_BLOCK, -EINVAL);
	get(dp, flags, NULL, HS_MODE_BLOCK, -EINVAL);
	get(dp, flags, ids, HS_MODE_STREAM, -EINVAL);
	assert_int_equal(waf_hsdb_get(dp, other, flags, ids, NULL, 3, HS_MODE_BLOCK, &db, err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(waf_hsdb_get(dp, exprs, flags, ids, ext, 3, HS_MODE_BLOCK, &db, err,
				      sizeof(err)), -EINVAL);
	assert_int_equal(waf_hsdb_get(dp, exprs, flags, ids, NULL, 2, HS_MODE_BLOCK, &db, err,
				      sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no shipped database for key "));
	assert_non_null(strstr(err, "union"));
	/* literal and regex calls over the same strings never share a key */
	assert_int_equal(waf_hsdb_get_lit(dp, lits, NULL, NULL, lens, 2, HS_MODE_BLOCK, &db, err,
					  sizeof(err)), -EINVAL);
	assert_int_equal(waf_hsdb_compiles(dp), 0);
	free(blob);
	waf_hsdb_free(dp);
}

static void test_compile_error(void **state)
{
	struct waf_hsdb_cache *cp = waf_hsdb_create(WAF_HSDB_COMPILE);
	const char *bad[] = { "(unclosed" };
	hs_database_t *db;
	char err[256] = "";

	(void)state;
	assert_int_equal(waf_hsdb_get(cp, bad, NULL, NULL, NULL, 1, HS_MODE_BLOCK, &db, err,
				      sizeof(err)), -EINVAL);
	assert_null(db);
	assert_non_null(strstr(err, "hyperscan"));
	/* the refusal is recorded and ships: the loading side fails the same way
	 * (so the engine takes the same fallback path), it does not report a
	 * missing database */
	assert_int_equal(waf_hsdb_count(cp), 1);
	{
		char err2[256] = "";
		struct waf_hsdb_cache *dp;
		uint8_t *blob;
		size_t len;

		assert_int_equal(waf_hsdb_serialize(cp, &blob, &len), 0);
		dp = waf_hsdb_load(blob, len, err2, sizeof(err2));
		assert_non_null(dp);
		assert_int_equal(waf_hsdb_get(dp, bad, NULL, NULL, NULL, 1, HS_MODE_BLOCK, &db, err2,
					      sizeof(err2)), -EINVAL);
		assert_null(db);
		assert_string_equal(err2, err);
		assert_int_equal(waf_hsdb_compiles(dp), 0);
		waf_hsdb_free(dp);
		free(blob);
	}
	assert_null(waf_hsdb_create((enum waf_hsdb_kind)7));
	waf_hsdb_free(cp);
	waf_hsdb_free(NULL);
}

static void put_u64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksum(uint8_t *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 20; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	put_u64(b + 12, h);
}

static void refused(const uint8_t *b, size_t len, const char *why)
{
	char err[256] = "";
	struct waf_hsdb_cache *c = waf_hsdb_load(b, len, err, sizeof(err));

	if (c)
		print_error("accepted: %s\n", why);
	assert_null(c);
	assert_true(err[0] != '\0');
}

static void test_bad_blobs(void **state)
{
	struct waf_hsdb_cache *dp;
	uint8_t *blob, *b;
	size_t len;

	(void)state;
	dp = shipped(&blob, &len);
	waf_hsdb_free(dp);
	b = malloc(len + 1);
	assert_non_null(b);
	/* every truncation */
	for (size_t n = 0; n < len; n++)
		refused(blob, n, "truncated");
	/* a flipped bit anywhere is caught (checksum or header check) */
	for (size_t i = 0; i < len; i += 97) {
		memcpy(b, blob, len);
		b[i] ^= 0x40;
		refused(b, len, "flipped bit");
	}
	/* bad magic / version / count, each with a valid checksum */
	memcpy(b, blob, len);
	b[0] = 'X';
	refused(b, len, "magic");
	memcpy(b, blob, len);
	b[4] = 1;
	refused(b, len, "version");
	memcpy(b, blob, len);
	b[8] = 3;
	refused(b, len, "count too high");
	memcpy(b, blob, len);
	b[8] = 1;
	fix_checksum(b, len);
	refused(b, len, "trailing bytes");
	/* swapped keys: out of order */
	memcpy(b, blob, len);
	{
		uint8_t k[16];
		size_t second = 20 + 21 + (size_t)(b[37] | b[38] << 8 | b[39] << 16 |
						  (uint32_t)b[40] << 24);
		memcpy(k, b + 20, 16);
		memcpy(b + 20, b + second, 16);
		memcpy(b + second, k, 16);
		fix_checksum(b, len);
		refused(b, len, "order");
		memcpy(b + second, b + 20, 16);
		fix_checksum(b, len);
		refused(b, len, "duplicate");
	}
	/* an entry length past the end */
	memcpy(b, blob, len);
	b[40] = 0x7f;
	fix_checksum(b, len);
	refused(b, len, "entry length");
	/* an entry of unknown kind */
	memcpy(b, blob, len);
	b[36] = 7;
	fix_checksum(b, len);
	refused(b, len, "entry kind");
	/* garbage database bytes pass the blob checks but Hyperscan refuses them */
	memcpy(b, blob, len);
	memset(b + 41, 0xa5, 64);
	fix_checksum(b, len);
	{
		char err[256] = "";
		struct waf_hsdb_cache *c = waf_hsdb_load(b, len, err, sizeof(err));
		hs_database_t *db;
		int bad = 0;

		assert_non_null(c);
		if (waf_hsdb_get(c, exprs, flags, ids, NULL, 3, HS_MODE_BLOCK, &db, err,
				 sizeof(err)) != 0)
			bad++;
		else
			hs_free_database(db);
		{
			const char *lits[] = { "$where", "$ne" };
			const size_t lens[] = { 6, 3 };
			const unsigned lflags[] = { 0, 0 };
			const unsigned lids[] = { 10, 20 };
			if (waf_hsdb_get_lit(c, lits, lflags, lids, lens, 2, HS_MODE_BLOCK, &db,
					     err, sizeof(err)) != 0)
				bad++;
			else
				hs_free_database(db);
		}
		assert_int_equal(bad, 1);
		assert_non_null(strstr(err, "refused"));
		waf_hsdb_free(c);
	}
	/* an empty cache ships and loads */
	{
		struct waf_hsdb_cache *e = waf_hsdb_create(WAF_HSDB_COMPILE), *l;
		uint8_t *eb;
		size_t el;
		char err[64];

		assert_int_equal(waf_hsdb_serialize(e, &eb, &el), 0);
		l = waf_hsdb_load(eb, el, err, sizeof(err));
		assert_non_null(l);
		assert_int_equal(waf_hsdb_count(l), 0);
		waf_hsdb_free(l);
		waf_hsdb_free(e);
		free(eb);
	}
	free(b);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_cache_compiles),
		cmocka_unit_test(test_ship_and_load),
		cmocka_unit_test(test_load_never_compiles),
		cmocka_unit_test(test_compile_error),
		cmocka_unit_test(test_bad_blobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
