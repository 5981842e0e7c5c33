/* Rule model wire encoding (waf_model.h). */
#include "waf/waf_model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "waf/waf_err.h"

#define MODEL_MAGIC   "RWRM"
#define MODEL_VERSION 1u
#define NULL_STR      0xffffffffu


/* A data file name: one path component of [A-Za-z0-9._-], not "." / "..". */
static bool valid_file_name(const char *s, size_t n)
{
	if (n == 0 || n > 255 || (n <= 2 && s[0] == '.' && (n == 1 || s[1] == '.')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- encode */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void w_bytes(struct wbuf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void w_u8(struct wbuf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;

	w_bytes(b, &c, 1);
}

static void w_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	w_bytes(b, x, 4);
}

static void w_strn(struct wbuf *b, const char *s, size_t n)
{
	if (!s) {
		w_u32(b, NULL_STR);
		return;
	}
	w_u32(b, (uint32_t)n);
	w_bytes(b, s, n);
}

static void w_str(struct wbuf *b, const char *s)
{
	w_strn(b, s, s ? strlen(s) : 0);
}

static int w_rule(struct wbuf *b, const struct waf_rule *r, unsigned depth, char *err,
		  size_t errlen)
{
	if (depth >= WAF_MODEL_MAX_CHAIN || r->n_targets > WAF_MODEL_MAX_LIST ||
	    r->n_tags > WAF_MODEL_MAX_LIST || r->n_setvars > WAF_MODEL_MAX_LIST ||
	    r->n_tfn > WAF_TFN_MAX) {
		waf_seterr(err, errlen, "rule %u (%s:%u) exceeds a model bound", r->id,
		       r->file ? r->file : "?", r->line);
		return -E2BIG;
	}
	w_u32(b, r->id);
	w_u8(b, r->phase);
	w_u8(b, r->severity);
	w_u8(b, r->paranoia);
	w_u8(b, r->disrupt);
	w_u32(b, (uint32_t)r->n_targets);
	for (size_t i = 0; i < r->n_targets; i++) {
		const struct waf_target *t = &r->targets[i];

		w_u8(b, t->var);
		w_u8(b, (unsigned)t->key_regex | (unsigned)t->exclude << 1 | (unsigned)t->count << 2);
		w_str(b, t->key);
	}
	w_u8(b, r->n_tfn);
	for (unsigned i = 0; i < r->n_tfn; i++)
		w_u8(b, r->tfn[i]);
	w_u8(b, r->op);
	w_u8(b, (unsigned)r->multi_match | (unsigned)r->op_negated << 1 |
		(unsigned)r->op_arg_macro << 2 | (unsigned)r->capture << 3 |
		(unsigned)r->has_ctl << 4);
	w_str(b, r->op_arg);
	w_str(b, r->msg);
	w_u32(b, (uint32_t)r->n_tags);
	for (size_t i = 0; i < r->n_tags; i++)
		w_str(b, r->tags[i]);
	w_u32(b, (uint32_t)r->n_setvars);
	for (size_t i = 0; i < r->n_setvars; i++) {
		w_str(b, r->setvars[i].name);
		w_u8(b, r->setvars[i].op);
		w_str(b, r->setvars[i].value);
	}
	w_str(b, r->skip_after);
	w_str(b, r->unsupported_tfn);
	w_str(b, r->file);
	w_u32(b, r->line);
	w_u8(b, r->chain != NULL);
	return r->chain ? w_rule(b, r->chain, depth + 1, err, errlen) : 0;
}

static int read_file(const char *dir, const char *name, char **out, size_t *len, char *err,
		     size_t errlen)
{
	char path[4096];
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : ".", name);
	f = fopen(path, "rb");
	if (!f) {
		waf_seterr(err, errlen, "cannot read data file %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (long)WAF_MODEL_MAX_STR ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		waf_seterr(err, errlen, "data file %s unreadable or over %u bytes", path,
		       WAF_MODEL_MAX_STR);
		return -EFBIG;
	}
	*out = malloc((size_t)n + 1);
	if (!*out || fread(*out, 1, (size_t)n, f) != (size_t)n) {
		free(*out);
		*out = NULL;
		fclose(f);
		waf_seterr(err, errlen, "cannot read data file %s", path);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Distinct @pmFromFile names over every link of every rule. */
static int collect_files(struct waf_rule *const *rules, size_t n, const char ***names,
			 size_t *count, char *err, size_t errlen)
{
	const char **v = NULL;
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		for (const struct waf_rule *l = rules[i]; l; l = l->chain) {
			bool seen = false;

			if (l->op != WAF_OP_PMFROMFILE || !l->op_arg)
				continue;
			if (!valid_file_name(l->op_arg, strlen(l->op_arg))) {
				waf_seterr(err, errlen, "rule %u: data file name '%.64s' is not one file name",
				       rules[i]->id, l->op_arg);
				free(v);
				return -EINVAL;
			}
			for (size_t j = 0; j < k && !seen; j++)
				seen = strcmp(v[j], l->op_arg) == 0;
			if (seen)
				continue;
			if (k == WAF_MODEL_MAX_FILES) {
				waf_seterr(err, errlen, "more than %u data files", WAF_MODEL_MAX_FILES);
				free(v);
				return -E2BIG;
			}
			if (k % 16 == 0) {
				const char **nv = realloc(v, (k + 16) * sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[k++] = l->op_arg;
		}
	}
	*names = v;
	*count = k;
	return 0;
}

int waf_model_encode(struct waf_rule *const *rules, size_t n, const char *const *datadirs,
		     size_t n_dirs, uint8_t **out, size_t *len, char *err, size_t errlen)
{
	struct wbuf b = { 0 };
	const char **names = NULL;
	size_t nfiles = 0;
	int rc;

	*out = NULL;
	*len = 0;
	if (n > WAF_MODEL_MAX_RULES) {
		waf_seterr(err, errlen, "%zu rules exceed %u", n, WAF_MODEL_MAX_RULES);
		return -E2BIG;
	}
	rc = collect_files(rules, n, &names, &nfiles, err, errlen);
	if (rc)
		return rc;
	w_bytes(&b, MODEL_MAGIC, 4);
	w_u32(&b, MODEL_VERSION);
	w_u32(&b, (uint32_t)nfiles);
	w_u32(&b, (uint32_t)n);
	for (size_t i = 0; i < nfiles && rc == 0; i++) {
		char *content = NULL;
		size_t clen = 0;

		for (size_t d = 0; d < (n_dirs ? n_dirs : 1); d++) {
			rc = read_file(n_dirs ? datadirs[d] : ".", names[i], &content, &clen, err,
				       errlen);
			if (rc == 0)
				break;
		}
		if (rc == 0) {
			w_str(&b, names[i]);
			w_strn(&b, content, clen);
		}
		free(content);
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = w_rule(&b, rules[i], 0, err, errlen);
	free(names);
	if (rc == 0 && b.oom) {
		waf_seterr(err, errlen, "%s", "out of memory encoding the rule model");
		rc = -ENOMEM;
	}
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* ---------------------------------------------------------------- decode */

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	const char *bad; /* first reason, with off where it happened */
};

static bool r_need(struct rbuf *b, size_t n, const char *what)
{
	if (b->bad)
		return false;
	if (b->len - b->off < n) {
		b->bad = what;
		return false;
	}
	return true;
}

static unsigned r_u8(struct rbuf *b, const char *what)
{
	if (!r_need(b, 1, what))
		return 0;
	return b->p[b->off++];
}

static uint32_t r_u32(struct rbuf *b, const char *what)
{
	const uint8_t *q;

	if (!r_need(b, 4, what))
		return 0;
	q = b->p + b->off;
	b->off += 4;
	return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

/* A NUL-terminated copy; *@ok false on a bound/truncation/allocation failure.
 * @nul_free: refuse embedded NULs (names, C strings). */
static char *r_str(struct rbuf *b, const char *what, size_t *lenp, bool *ok)
{
	uint32_t n = r_u32(b, what);
	char *s;

	if (b->bad) {
		*ok = false;
		return NULL;
	}
	if (n == NULL_STR)
		return NULL;
	if (n > WAF_MODEL_MAX_STR || !r_need(b, n, what)) {
		b->bad = b->bad ? b->bad : what;
		*ok = false;
		return NULL;
	}
	s = malloc((size_t)n + 1);
	if (!s) {
		b->bad = "out of memory";
		*ok = false;
		return NULL;
	}
	memcpy(s, b->p + b->off, n);
	s[n] = '\0';
	b->off += n;
	if (lenp)
		*lenp = n;
	else if (memchr(s, '\0', n)) {
		b->bad = what; /* a C string of the model cannot hold NUL */
		free(s);
		*ok = false;
		return NULL;
	}
	return s;
}

void waf_rule_free(struct waf_rule *r)
{
	while (r) {
		struct waf_rule *next = r->chain;

		for (size_t i = 0; i < r->n_targets; i++)
			free(r->targets[i].key);
		free(r->targets);
		free(r->op_arg);
		free(r->msg);
		for (size_t i = 0; i < r->n_tags; i++)
			free(r->tags[i]);
		free(r->tags);
		for (size_t i = 0; i < r->n_setvars; i++) {
			free(r->setvars[i].name);
			free(r->setvars[i].value);
		}
		free(r->setvars);
		free(r->skip_after);
		free(r->unsupported_tfn);
		free(r);
		r = next;
	}
}

/* Decoded rules own their file names (the importer's share the rule set's). */
static void rule_free(struct waf_rule *r)
{
	for (struct waf_rule *l = r; l; l = l->chain)
		free((char *)l->file);
	waf_rule_free(r);
}

static struct waf_rule *r_rule(struct rbuf *b, unsigned depth)
{
	struct waf_rule *r;
	bool ok = true;
	unsigned v, has_chain;
	uint32_t count;

	if (depth >= WAF_MODEL_MAX_CHAIN) {
		b->bad = "chain too long";
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		b->bad = "out of memory";
		return NULL;
	}
	r->id = r_u32(b, "rule id");
	r->phase = (uint8_t)r_u8(b, "phase");
	r->severity = (uint8_t)r_u8(b, "severity");
	r->paranoia = (uint8_t)r_u8(b, "paranoia");
	v = r_u8(b, "disrupt");
	if (v > WAF_D_ALLOW && !b->bad)
		b->bad = "disruptive action out of range";
	r->disrupt = (enum waf_disrupt)v;
	/* counts are kept only once their array exists (rule_free walks them) */
	count = r_u32(b, "target count");
	if (count > WAF_MODEL_MAX_LIST && !b->bad)
		b->bad = "too many targets";
	if (b->bad)
		goto err;
	r->targets = calloc(count ? count : 1, sizeof(*r->targets));
	if (!r->targets) {
		b->bad = "out of memory";
		goto err;
	}
	r->n_targets = count;
	for (size_t i = 0; i < r->n_targets && ok; i++) {
		struct waf_target *t = &r->targets[i];
		unsigned fl;

		v = r_u8(b, "target variable");
		fl = r_u8(b, "target flags");
		if ((v >= WAF_V__COUNT || fl > 7) && !b->bad)
			b->bad = "target out of range";
		t->var = (enum waf_var)v;
		t->key_regex = fl & 1;
		t->exclude = fl & 2;
		t->count = fl & 4;
		t->key = r_str(b, "target key", NULL, &ok);
		ok = ok && !b->bad;
	}
	if (b->bad)
		goto err;
	r->n_tfn = (uint8_t)r_u8(b, "transformation count");
	if (r->n_tfn > WAF_TFN_MAX && !b->bad)
		b->bad = "too many transformations";
	for (unsigned i = 0; i < r->n_tfn && !b->bad; i++) {
		v = r_u8(b, "transformation");
		if (v >= WAF_T__COUNT && !b->bad)
			b->bad = "transformation out of range";
		r->tfn[i] = (enum waf_tfn)v;
	}
	v = r_u8(b, "operator");
	if (v >= WAF_OP__COUNT && !b->bad)
		b->bad = "operator out of range";
	r->op = (enum waf_op)v;
	v = r_u8(b, "rule flags");
	if (v > 31 && !b->bad)
		b->bad = "rule flags out of range";
	r->multi_match = v & 1;
	r->op_negated = v & 2;
	r->op_arg_macro = v & 4;
	r->capture = v & 8;
	r->has_ctl = v & 16;
	if (b->bad)
		goto err;
	r->op_arg = r_str(b, "operator argument", NULL, &ok);
	r->msg = r_str(b, "message", NULL, &ok);
	count = r_u32(b, "tag count");
	if (count > WAF_MODEL_MAX_LIST && !b->bad)
		b->bad = "too many tags";
	if (b->bad || !ok)
		goto err;
	r->tags = calloc(count ? count : 1, sizeof(*r->tags));
	if (!r->tags) {
		b->bad = "out of memory";
		goto err;
	}
	r->n_tags = count;
	for (size_t i = 0; i < r->n_tags && ok; i++) {
		r->tags[i] = r_str(b, "tag", NULL, &ok);
		if (ok && !r->tags[i])
			b->bad = "NULL tag";
		ok = ok && !b->bad;
	}
	count = r_u32(b, "setvar count");
	if (count > WAF_MODEL_MAX_LIST && !b->bad)
		b->bad = "too many setvars";
	if (b->bad || !ok)
		goto err;
	r->setvars = calloc(count ? count : 1, sizeof(*r->setvars));
	if (!r->setvars) {
		b->bad = "out of memory";
		goto err;
	}
	r->n_setvars = count;
	for (size_t i = 0; i < r->n_setvars && ok; i++) {
		struct waf_setvar *sv = &r->setvars[i];

		sv->name = r_str(b, "setvar name", NULL, &ok);
		v = r_u8(b, "setvar op");
		if ((v > WAF_SV_UNSET || (ok && !sv->name)) && !b->bad)
			b->bad = "setvar out of range";
		sv->op = (enum waf_setvar_op)v;
		sv->value = r_str(b, "setvar value", NULL, &ok);
		ok = ok && !b->bad;
	}
	if (b->bad || !ok)
		goto err;
	r->skip_after = r_str(b, "skipAfter", NULL, &ok);
	r->unsupported_tfn = r_str(b, "unsupported transformation", NULL, &ok);
	r->file = r_str(b, "file", NULL, &ok);
	r->line = r_u32(b, "line");
	has_chain = r_u8(b, "chain flag");
	if (has_chain > 1 && !b->bad)
		b->bad = "chain flag out of range";
	if (b->bad || !ok)
		goto err;
	if (has_chain) {
		r->chain = r_rule(b, depth + 1);
		if (!r->chain)
			goto err;
	}
	return r;
err:
	if (!b->bad)
		b->bad = "truncated";
	rule_free(r);
	return NULL;
}

void waf_model_free(struct waf_model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_rules; i++)
		rule_free(m->rules[i]);
	free(m->rules);
	for (size_t i = 0; i < m->n_files; i++) {
		free(m->files[i].name);
		free(m->files[i].content);
	}
	free(m->files);
	free(m);
}

struct waf_model *waf_model_decode(const uint8_t *p, size_t len, char *err, size_t errlen)
{
	struct rbuf b = { .p = p, .len = len };
	struct waf_model *m = calloc(1, sizeof(*m));
	uint32_t nfiles, nrules;

	if (!m) {
		waf_seterr(err, errlen, "%s", "out of memory");
		return NULL;
	}
	if (!p || len < 16 || memcmp(p, MODEL_MAGIC, 4) != 0) {
		waf_seterr(err, errlen, "%s", "rule model: bad magic or truncated header");
		goto fail;
	}
	b.off = 4;
	if (r_u32(&b, "version") != MODEL_VERSION) {
		waf_seterr(err, errlen, "rule model: version %u, expected %u",
		       (unsigned)(p[4] | p[5] << 8), MODEL_VERSION);
		goto fail;
	}
	nfiles = r_u32(&b, "file count");
	nrules = r_u32(&b, "rule count");
	if (nfiles > WAF_MODEL_MAX_FILES || nrules > WAF_MODEL_MAX_RULES) {
		waf_seterr(err, errlen, "rule model: %u files / %u rules exceed %u / %u", nfiles, nrules,
		       WAF_MODEL_MAX_FILES, WAF_MODEL_MAX_RULES);
		goto fail;
	}
	m->files = calloc(nfiles ? nfiles : 1, sizeof(*m->files));
	m->rules = calloc(nrules ? nrules : 1, sizeof(*m->rules));
	if (!m->files || !m->rules) {
		waf_seterr(err, errlen, "%s", "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < nfiles; i++) {
		struct waf_model_file *f = &m->files[m->n_files];
		bool ok = true;

		f->name = r_str(&b, "file name", NULL, &ok);
		m->n_files++;   /* waf_model_free() takes what this entry holds */
		f->content = r_str(&b, "file content", &f->len, &ok);
		if (b.bad || !ok || !f->name || !f->content ||
		    !valid_file_name(f->name, strlen(f->name))) {
			if (!b.bad)
				b.bad = "bad data file name or content";
			goto bad;
		}
		for (size_t j = 0; j + 1 < m->n_files; j++)
			if (strcmp(m->files[j].name, f->name) == 0) {
				b.bad = "duplicate data file";
				goto bad;
			}
	}
	for (uint32_t i = 0; i < nrules; i++) {
		struct waf_rule *r = r_rule(&b, 0);

		if (!r)
			goto bad;
		m->rules[m->n_rules++] = r;
	}
	if (b.off != len) {
		b.bad = "trailing bytes";
		goto bad;
	}
	return m;
bad:
	waf_seterr(err, errlen, "rule model: %s at byte %zu", b.bad ? b.bad : "malformed", b.off);
fail:
	waf_model_free(m);
	return NULL;
}

int waf_model_write_files(const struct waf_model *m, const char *dir, char *err, size_t errlen)
{
	for (size_t i = 0; i < m->n_files; i++) {
		char path[4096];
		int fd;
		ssize_t w;

		snprintf(path, sizeof(path), "%s/%s", dir, m->files[i].name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			waf_seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
			return -errno;
		}
		w = write(fd, m->files[i].content, m->files[i].len);
		close(fd);
		if (w != (ssize_t)m->files[i].len) {
			waf_seterr(err, errlen, "cannot write %s", path);
			return -EIO;
		}
	}
	return 0;
}

void waf_model_remove_files(const struct waf_model *m, const char *dir)
{
	for (size_t i = 0; i < m->n_files; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, m->files[i].name);
		unlink(path);
	}
}
