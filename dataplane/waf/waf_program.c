/* WAF program: compile-and-pack (control plane), check-and-load (dataplane).
 * See waf_program.h. */
#include "waf/waf_program.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waf/waf_err.h"
#include "waf/waf_hsdb.h"

#define PROG_MAGIC   "RWAP"
#define PROG_VERSION 1u
#define PROG_HDR     (4u + 4u + 8u + 4u)


static uint64_t fnv1a64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)v);
	put_u32(p + 4, (uint32_t)(v >> 32));
}

void waf_program_free(struct waf_program *p)
{
	if (!p)
		return;
	waf_engine_free(p->engine);
	waf_model_free(p->model);
	free(p->by_id);
	free(p);
}

static int cmp_rule_id(const void *a, const void *b)
{
	uint32_t x = (*(const struct waf_rule *const *)a)->id;
	uint32_t y = (*(const struct waf_rule *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* Build the engine from the program's model with @cache; @datadir holds
 * the model's data files. */
static int build(struct waf_program *p, const char *datadir, struct waf_hsdb_cache *cache,
		 char *err, size_t errlen)
{
	p->engine = waf_engine_build(p->model->rules, p->model->n_rules, datadir, cache, err,
				     errlen);
	if (!p->engine)
		return -EINVAL;
	p->by_id = calloc(p->model->n_rules ? p->model->n_rules : 1, sizeof(*p->by_id));
	if (!p->by_id) {
		waf_seterr(err, errlen, "%s", "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->model->n_rules; i++)
		p->by_id[i] = p->model->rules[i];
	p->n_by_id = p->model->n_rules;
	qsort(p->by_id, p->n_by_id, sizeof(*p->by_id), cmp_rule_id);
	return 0;
}

/* The model's data files in a private temporary directory for the build. */
static int with_files(struct waf_program *p, struct waf_hsdb_cache *cache, char *err,
		      size_t errlen)
{
	char dir[] = "/tmp/rampart-waf-XXXXXX";
	int rc;

	if (p->model->n_files == 0)
		return build(p, NULL, cache, err, errlen);
	if (!mkdtemp(dir)) {
		waf_seterr(err, errlen, "cannot create a directory for the data files: %s",
		       strerror(errno));
		return -errno;
	}
	rc = waf_model_write_files(p->model, dir, err, errlen);
	if (rc == 0)
		rc = build(p, dir, cache, err, errlen);
	waf_model_remove_files(p->model, dir);
	rmdir(dir);
	return rc;
}

struct waf_program *waf_program_compile(struct waf_rule *const *rules, size_t n,
					const char *const *datadirs, size_t n_dirs,
					uint8_t **blob, size_t *len, char *err, size_t errlen)
{
	struct waf_program *p = calloc(1, sizeof(*p));
	struct waf_hsdb_cache *cache = waf_hsdb_create(WAF_HSDB_COMPILE);
	uint8_t *model = NULL, *dbs = NULL, *b = NULL;
	size_t mlen = 0, dlen = 0, total;

	*blob = NULL;
	*len = 0;
	if (!p || !cache) {
		waf_seterr(err, errlen, "%s", "out of memory");
		goto err;
	}
	if (waf_model_encode(rules, n, datadirs, n_dirs, &model, &mlen, err, errlen) != 0)
		goto err;
	if (mlen > UINT32_MAX) {
		waf_seterr(err, errlen, "rule model of %zu bytes is too large", mlen);
		goto err;
	}
	/* build from the decoded model: exactly what the dataplane will have */
	p->model = waf_model_decode(model, mlen, err, errlen);
	if (!p->model || with_files(p, cache, err, errlen) != 0)
		goto err;
	if (waf_hsdb_serialize(cache, &dbs, &dlen) != 0) {
		waf_seterr(err, errlen, "%s", "cannot serialize the Hyperscan databases");
		goto err;
	}
	total = PROG_HDR + mlen + dlen;
	b = malloc(total);
	if (!b) {
		waf_seterr(err, errlen, "%s", "out of memory");
		goto err;
	}
	memcpy(b, PROG_MAGIC, 4);
	put_u32(b + 4, PROG_VERSION);
	put_u32(b + 16, (uint32_t)mlen);
	memcpy(b + PROG_HDR, model, mlen);
	memcpy(b + PROG_HDR + mlen, dbs, dlen);
	p->hash = fnv1a64(0xcbf29ce484222325ull, b + PROG_HDR, total - PROG_HDR);
	put_u64(b + 8, p->hash);
	p->hsdb_count = waf_hsdb_count(cache);
	p->blob_len = total;
	free(model);
	free(dbs);
	waf_hsdb_free(cache);
	*blob = b;
	*len = total;
	return p;
err:
	free(model);
	free(dbs);
	waf_hsdb_free(cache);
	waf_program_free(p);
	return NULL;
}

uint64_t waf_program_blob_hash(const uint8_t *blob, size_t len)
{
	return blob && len >= PROG_HDR ? get_u64(blob + 8) : 0;
}

struct waf_program *waf_program_load(const uint8_t *blob, size_t len, char *err, size_t errlen)
{
	struct waf_program *p;
	struct waf_hsdb_cache *cache;
	uint32_t mlen;

	if (!blob || len < PROG_HDR || memcmp(blob, PROG_MAGIC, 4) != 0) {
		waf_seterr(err, errlen, "WAF program: bad magic or truncated (%zu bytes)", len);
		return NULL;
	}
	if (get_u32(blob + 4) != PROG_VERSION) {
		waf_seterr(err, errlen, "WAF program: version %u, expected %u", get_u32(blob + 4),
		       PROG_VERSION);
		return NULL;
	}
	mlen = get_u32(blob + 16);
	if (mlen > len - PROG_HDR) {
		waf_seterr(err, errlen, "WAF program: model length %u exceeds the %zu bytes shipped",
		       mlen, len - PROG_HDR);
		return NULL;
	}
	if (fnv1a64(0xcbf29ce484222325ull, blob + PROG_HDR, len - PROG_HDR) != get_u64(blob + 8)) {
		waf_seterr(err, errlen, "%s", "WAF program: hash mismatch (corrupted)");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		waf_seterr(err, errlen, "%s", "out of memory");
		return NULL;
	}
	p->hash = get_u64(blob + 8);
	p->blob_len = len;
	cache = waf_hsdb_load(blob + PROG_HDR + mlen, len - PROG_HDR - mlen, err, errlen);
	if (!cache)
		goto err;
	p->hsdb_count = waf_hsdb_count(cache);
	p->model = waf_model_decode(blob + PROG_HDR, mlen, err, errlen);
	if (!p->model || with_files(p, cache, err, errlen) != 0)
		goto err;
	waf_hsdb_free(cache);
	return p;
err:
	waf_hsdb_free(cache);
	waf_program_free(p);
	return NULL;
}

struct waf_program *waf_program_load_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct waf_program *p = NULL;
	uint8_t *blob = NULL;
	long len;

	if (!f) {
		waf_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (unsigned long long)len > WAF_HSDB_MAX_BLOB) {
		waf_seterr(err, errlen, "%s: not a readable program file", path);
		goto out;
	}
	if (!(blob = malloc(len ? (size_t)len : 1))) {
		waf_seterr(err, errlen, "%s", "out of memory");
		goto out;
	}
	if (fread(blob, 1, (size_t)len, f) != (size_t)len) {
		waf_seterr(err, errlen, "%s: short read", path);
		goto out;
	}
	p = waf_program_load(blob, (size_t)len, err, errlen);
out:
	free(blob);
	fclose(f);
	return p;
}

const struct waf_rule *waf_program_rule(const struct waf_program *p, uint32_t id)
{
	size_t lo = 0, hi = p->n_by_id;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->by_id[mid]->id == id)
			return p->by_id[mid];
		if (p->by_id[mid]->id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool waf_program_rule_has_tag(const struct waf_program *p, uint32_t id, const char *tag)
{
	const struct waf_rule *r = waf_program_rule(p, id);

	if (!r)
		return false;
	for (size_t i = 0; i < r->n_tags; i++)
		if (strcmp(r->tags[i], tag) == 0)
			return true;
	return false;
}
