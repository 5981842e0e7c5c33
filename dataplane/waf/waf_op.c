/* Operators: compiled once (control plane), run by any thread with its own
 * scratch. @rx runs on Hyperscan when it takes the pattern exactly, on
 * Hyperscan-prefilter + PCRE2 confirmation when only the prefilter form
 * compiles, and on PCRE2 alone otherwise. @pm/@pmFromFile are Hyperscan
 * caseless literal sets.
 *
 * Flags follow ModSecurity v3's PCRE options for @rx: DOTALL and MULTILINE
 * (PCRE2_DOTALL | PCRE2_MULTILINE); inline (?i) and friends come from the
 * pattern itself.
 *
 * @detectSQLi and @detectXSS take no argument (ModSecurity ignores one) and
 * run our own detectors (waf_sqli.c, waf_xss.c); they need no scratch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "waf/waf.h"
#include "waf/waf_detect.h"
#include "waf/waf_hsdb.h"

#define WAF_PM_FILE_MAX (1u << 20) /* bytes of a @pmFromFile file */
/* ModSecurity's @rx options; SINGLEMATCH: a verdict needs one report. */
#define WAF_RX_HS_FLAGS (HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY)
#define WAF_PM_HS_FLAGS (HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH)

struct waf_matcher {
	enum waf_op op;
	enum waf_rx_mode rx_mode;
	hs_database_t *hs;
	pcre2_code *re;
	uint8_t *arg; /* literal argument, NUL-terminated copy */
	size_t arglen;
	long long num; /* numeric operators */
	uint8_t byte_ok[256]; /* @validateByteRange */
	char hs_note[96];     /* why Hyperscan did not take a @rx exactly */
	char **pm_exprs;      /* @pm phrases as escaped expressions (grouping) */
	size_t n_pm;
};

static const char *const op_names[WAF_OP__COUNT] = {
	[WAF_OP_RX] = "rx",
	[WAF_OP_PM] = "pm",
	[WAF_OP_PMFROMFILE] = "pmFromFile",
	[WAF_OP_CONTAINS] = "contains",
	[WAF_OP_BEGINSWITH] = "beginsWith",
	[WAF_OP_ENDSWITH] = "endsWith",
	[WAF_OP_STREQ] = "streq",
	[WAF_OP_WITHIN] = "within",
	[WAF_OP_EQ] = "eq",
	[WAF_OP_GE] = "ge",
	[WAF_OP_GT] = "gt",
	[WAF_OP_LT] = "lt",
	[WAF_OP_LE] = "le",
	[WAF_OP_VALIDATEBYTERANGE] = "validateByteRange",
	[WAF_OP_VALIDATEURLENCODING] = "validateUrlEncoding",
	[WAF_OP_VALIDATEUTF8ENCODING] = "validateUtf8Encoding",
	[WAF_OP_UNCONDITIONAL] = "unconditionalMatch",
	[WAF_OP_DETECTSQLI] = "detectSQLi",
	[WAF_OP_DETECTXSS] = "detectXSS",
	[WAF_OP_RBL] = "rbl",
	[WAF_OP_IPMATCH] = "ipMatch",
	[WAF_OP_IPMATCHFROMFILE] = "ipMatchFromFile",
	[WAF_OP_GEOLOOKUP] = "geoLookup",
};

int waf_op_lookup(const char *name, size_t len)
{
	for (int i = 0; i < WAF_OP__COUNT; i++) {
		if (op_names[i] && strlen(op_names[i]) == len && strncasecmp(name, op_names[i], len) == 0)
			return i;
	}
	/* ModSecurity's alias */
	if (len == 3 && strncasecmp(name, "pmf", 3) == 0)
		return WAF_OP_PMFROMFILE;
	return -1;
}

const char *waf_op_name(enum waf_op op)
{
	return (unsigned)op < WAF_OP__COUNT && op_names[op] ? op_names[op] : "?";
}

static void seterr(char *err, size_t errlen, const char *fmt, const char *a)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, a);
}

void waf_matcher_free(struct waf_matcher *m)
{
	if (!m)
		return;
	hs_free_database(m->hs);
	pcre2_code_free(m->re);
	free(m->arg);
	for (size_t i = 0; i < m->n_pm; i++)
		free(m->pm_exprs[i]);
	free(m->pm_exprs);
	free(m);
}

const char *waf_matcher_rx_note(const struct waf_matcher *m)
{
	return m->hs_note;
}

const void *waf_matcher_hs_db(const struct waf_matcher *m)
{
	return m->hs;
}

int waf_matcher_rx_mode(const struct waf_matcher *m)
{
	return m->op == WAF_OP_RX ? (int)m->rx_mode : -1;
}

/* One @rx pattern through the database cache (compiles on the control plane,
 * loads on the dataplane; a key the control plane could not compile is
 * missing in a LOAD cache, so both sides take the same path). */
static int rx_db(struct waf_hsdb_cache *hsdb, const char *pat, unsigned flags, hs_database_t **db,
		 char *note, size_t notelen)
{
	const char *exprs[1] = { pat };
	unsigned fl[1] = { flags }, ids[1] = { 0 };

	return waf_hsdb_get(hsdb, exprs, fl, ids, NULL, 1, HS_MODE_BLOCK, db, note, notelen);
}

static int compile_rx(struct waf_matcher *m, struct waf_hsdb_cache *hsdb, char *err, size_t errlen)
{
	int perr;
	PCRE2_SIZE poff;
	int rc;

	rc = rx_db(hsdb, (const char *)m->arg, WAF_RX_HS_FLAGS, &m->hs, m->hs_note, sizeof(m->hs_note));
	if (rc == 0) {
		m->hs_note[0] = 0;
		m->rx_mode = WAF_RX_HS_EXACT;
		return 0;
	}
	if (rc == -ENOMEM) {
		seterr(err, errlen, "%s", "out of memory");
		return rc;
	}
	m->hs = NULL;
	m->re = pcre2_compile(m->arg, m->arglen, PCRE2_DOTALL | PCRE2_MULTILINE, &perr, &poff, NULL);
	if (!m->re) {
		char msg[128];
		pcre2_get_error_message(perr, (PCRE2_UCHAR *)msg, sizeof(msg));
		seterr(err, errlen, "pcre2: %s", msg);
		return -EINVAL;
	}
	/* ALLOWEMPTY is kept so "a*"-like prefilters compile. */
	char pnote[8];
	if (rx_db(hsdb, (const char *)m->arg, WAF_RX_HS_FLAGS | HS_FLAG_PREFILTER, &m->hs, pnote,
		  sizeof(pnote)) == 0) {
		m->rx_mode = WAF_RX_HS_PREFILTER;
		return 0;
	}
	m->hs = NULL;
	m->rx_mode = WAF_RX_PCRE2;
	return 0;
}

/* Each phrase as a Hyperscan expression matching it literally (every byte
 * \xHH), so @pm sets can join the grouped regex databases. */
static int pm_keep_exprs(struct waf_matcher *m, const char *const *phrases, const size_t *lens,
			 size_t n)
{
	static const char hex[] = "0123456789abcdef";

	m->pm_exprs = calloc(n ? n : 1, sizeof(*m->pm_exprs));
	if (!m->pm_exprs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *x = malloc(lens[i] * 4 + 1);
		if (!x)
			return -ENOMEM;
		for (size_t k = 0; k < lens[i]; k++) {
			uint8_t c = (uint8_t)phrases[i][k];
			x[4 * k] = '\\';
			x[4 * k + 1] = 'x';
			x[4 * k + 2] = hex[c >> 4];
			x[4 * k + 3] = hex[c & 15];
		}
		x[lens[i] * 4] = 0;
		m->pm_exprs[m->n_pm++] = x;
	}
	return 0;
}

int waf_matcher_hs_exprs(const struct waf_matcher *m,
			 int (*fn)(void *ctx, const char *expr, unsigned flags), void *ctx)
{
	int rc;

	if (m->op == WAF_OP_RX) {
		if (m->rx_mode == WAF_RX_PCRE2 || !m->hs)
			return -1;
		rc = fn(ctx, (const char *)m->arg,
			WAF_RX_HS_FLAGS | (m->rx_mode == WAF_RX_HS_PREFILTER ? HS_FLAG_PREFILTER : 0u));
		return rc < 0 ? rc : 1;
	}
	if (m->op != WAF_OP_PM && m->op != WAF_OP_PMFROMFILE)
		return -1;
	for (size_t i = 0; i < m->n_pm; i++)
		if ((rc = fn(ctx, m->pm_exprs[i], WAF_PM_HS_FLAGS)) < 0)
			return rc;
	return (int)m->n_pm;
}

struct waf_matcher *waf_matcher_create_pm(const char *const *phrases, const size_t *lens,
					  size_t n, char *err, size_t errlen)
{
	return waf_matcher_create_pm_hsdb(phrases, lens, n, NULL, err, errlen);
}

struct waf_matcher *waf_matcher_create_pm_hsdb(const char *const *phrases, const size_t *lens,
					       size_t n, struct waf_hsdb_cache *hsdb, char *err,
					       size_t errlen)
{
	struct waf_matcher *m = calloc(1, sizeof(*m));
	unsigned *flags = calloc(n ? n : 1, sizeof(*flags));
	unsigned *ids = calloc(n ? n : 1, sizeof(*ids));
	char herr[160];
	int rc;

	if (!m || !flags || !ids) {
		seterr(err, errlen, "%s", "out of memory");
		goto err;
	}
	m->op = WAF_OP_PM;
	for (size_t i = 0; i < n; i++) {
		flags[i] = WAF_PM_HS_FLAGS;
		ids[i] = (unsigned)i;
	}
	if (pm_keep_exprs(m, phrases, lens, n) < 0) {
		seterr(err, errlen, "%s", "out of memory");
		goto err;
	}
	if (n == 0) {
		/* an empty set never matches: leave m->hs NULL */
		free(flags);
		free(ids);
		return m;
	}
	rc = waf_hsdb_get_lit(hsdb, phrases, flags, ids, lens, (unsigned)n, HS_MODE_BLOCK, &m->hs,
			      herr, sizeof(herr));
	if (rc < 0) {
		m->hs = NULL;
		seterr(err, errlen, "hyperscan: %s", rc == -ENOMEM ? "out of memory" : herr);
		goto err;
	}
	free(flags);
	free(ids);
	return m;
err:
	free(flags);
	free(ids);
	waf_matcher_free(m);
	return NULL;
}

/* Space-separated phrases of @pm. */
static struct waf_matcher *create_pm_words(const char *arg, size_t arglen,
					   struct waf_hsdb_cache *hsdb, char *err, size_t errlen)
{
	const char **ph = calloc(arglen / 2 + 1, sizeof(*ph));
	size_t *lens = calloc(arglen / 2 + 1, sizeof(*lens));
	size_t n = 0, i = 0;
	struct waf_matcher *m = NULL;
	if (!ph || !lens) {
		seterr(err, errlen, "%s", "out of memory");
		goto out;
	}
	while (i < arglen) {
		while (i < arglen && arg[i] == ' ')
			i++;
		size_t s = i;
		while (i < arglen && arg[i] != ' ')
			i++;
		if (i > s) {
			ph[n] = arg + s;
			lens[n++] = i - s;
		}
	}
	m = waf_matcher_create_pm_hsdb(ph, lens, n, hsdb, err, errlen);
out:
	free(ph);
	free(lens);
	return m;
}

/* One phrase per line; '#' lines and blank lines skipped; CR and trailing
 * whitespace trimmed. */
static struct waf_matcher *create_pm_file(const char *arg, size_t arglen, const char *datadir,
					  struct waf_hsdb_cache *hsdb, char *err, size_t errlen)
{
	char path[4096];
	char *buf = NULL;
	const char **ph = NULL;
	size_t *lens = NULL, n = 0, len = 0;
	struct waf_matcher *m = NULL;
	FILE *f;

	if (arglen == 0 || memchr(arg, '/', arglen) || arglen > 255) {
		seterr(err, errlen, "%s", "pmFromFile: bad file name");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%.*s", datadir ? datadir : ".", (int)arglen, arg);
	f = fopen(path, "rb");
	if (!f) {
		seterr(err, errlen, "pmFromFile: cannot open %s", path);
		return NULL;
	}
	buf = malloc(WAF_PM_FILE_MAX + 1);
	if (buf)
		len = fread(buf, 1, WAF_PM_FILE_MAX + 1, f);
	fclose(f);
	if (!buf || len > WAF_PM_FILE_MAX) {
		seterr(err, errlen, "pmFromFile: %s too large", path);
		goto out;
	}
	ph = calloc(len / 2 + 1, sizeof(*ph));
	lens = calloc(len / 2 + 1, sizeof(*lens));
	if (!ph || !lens)
		goto out;
	for (size_t i = 0; i < len;) {
		size_t s = i;
		while (i < len && buf[i] != '\n')
			i++;
		size_t e = i;
		i++;
		while (s < e && (buf[s] == ' ' || buf[s] == '\t'))
			s++;
		while (e > s && (buf[e - 1] == '\r' || buf[e - 1] == ' ' || buf[e - 1] == '\t'))
			e--;
		if (e == s || buf[s] == '#')
			continue;
		ph[n] = buf + s;
		lens[n++] = e - s;
	}
	m = waf_matcher_create_pm_hsdb(ph, lens, n, hsdb, err, errlen);
	if (m)
		m->op = WAF_OP_PMFROMFILE;
out:
	free(ph);
	free(lens);
	free(buf);
	return m;
}

/* "a-b,c,d-e" with 0 <= a <= b <= 255. */
static int parse_ranges(struct waf_matcher *m, const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		while (i < len && (s[i] == ' ' || s[i] == ','))
			i++;
		if (i >= len)
			break;
		unsigned a = 0, b;
		size_t d = i;
		while (i < len && s[i] >= '0' && s[i] <= '9' && a <= 255)
			a = a * 10 + (unsigned)(s[i++] - '0');
		if (i == d || a > 255)
			return -EINVAL;
		b = a;
		if (i < len && s[i] == '-') {
			i++;
			b = 0;
			d = i;
			while (i < len && s[i] >= '0' && s[i] <= '9' && b <= 255)
				b = b * 10 + (unsigned)(s[i++] - '0');
			if (i == d || b > 255 || b < a)
				return -EINVAL;
		}
		if (i < len && s[i] != ',' && s[i] != ' ')
			return -EINVAL;
		for (unsigned c = a; c <= b; c++)
			m->byte_ok[c] = 1;
	}
	return 0;
}

/* ModSecurity's numeric conversion: leading optional sign and digits, else 0. */
static long long to_num(const uint8_t *s, size_t len)
{
	size_t i = 0;
	bool neg = false;
	long long v = 0;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		if (v < 100000000000000000LL)
			v = v * 10 + (s[i] - '0');
		i++;
	}
	return neg ? -v : v;
}

struct waf_matcher *waf_matcher_create(enum waf_op op, const char *arg, size_t arglen,
				       const char *datadir, char *err, size_t errlen)
{
	return waf_matcher_create_hsdb(op, arg, arglen, datadir, NULL, err, errlen);
}

struct waf_matcher *waf_matcher_create_hsdb(enum waf_op op, const char *arg, size_t arglen,
					    const char *datadir, struct waf_hsdb_cache *hsdb,
					    char *err, size_t errlen)
{
	struct waf_matcher *m;

	if ((unsigned)op >= WAF_OP__RUNTIME_END) {
		seterr(err, errlen, "operator @%s has no runtime in this build", waf_op_name(op));
		return NULL;
	}
	if (op == WAF_OP_PM)
		return create_pm_words(arg, arglen, hsdb, err, errlen);
	if (op == WAF_OP_PMFROMFILE)
		return create_pm_file(arg, arglen, datadir, hsdb, err, errlen);

	m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	m->op = op;
	m->arg = malloc(arglen + 1);
	if (!m->arg)
		goto nomem;
	if (arglen)
		memcpy(m->arg, arg, arglen);
	m->arg[arglen] = 0;
	m->arglen = arglen;

	switch (op) {
	case WAF_OP_RX:
		if (compile_rx(m, hsdb, err, errlen) < 0)
			goto err;
		break;
	case WAF_OP_EQ: case WAF_OP_GE: case WAF_OP_GT: case WAF_OP_LT: case WAF_OP_LE:
		m->num = to_num(m->arg, arglen);
		break;
	case WAF_OP_VALIDATEBYTERANGE:
		if (parse_ranges(m, arg, arglen) < 0) {
			seterr(err, errlen, "validateByteRange: bad range list '%s'", (char *)m->arg);
			goto err;
		}
		break;
	default:
		break;
	}
	return m;
nomem:
	seterr(err, errlen, "%s", "out of memory");
err:
	waf_matcher_free(m);
	return NULL;
}

int waf_scratch_fit(struct waf_scratch *s, const struct waf_matcher *m)
{
	/* Match data is created once, reused by every pattern: pcre_run()
	 * needs only the overall match, and PCRE2 10.41+ keeps its backtrack
	 * frames in it, so steady-state matching allocates nothing. */
	if (m->re && !s->md && !(s->md = pcre2_match_data_create(1, NULL)))
		return -ENOMEM;
	if (!m->hs)
		return 0;
	hs_scratch_t *sc = s->hs;
	if (hs_alloc_scratch(m->hs, &sc) != HS_SUCCESS)
		return -ENOMEM;
	s->hs = sc;
	return 0;
}

void waf_scratch_free(struct waf_scratch *s)
{
	if (s->hs)
		hs_free_scratch(s->hs);
	s->hs = NULL;
	pcre2_match_data_free(s->md); /* accepts NULL */
	s->md = NULL;
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to,
		    unsigned flags, void *ctx)
{
	(void)id; (void)from; (void)to; (void)flags;
	*(int *)ctx = 1;
	return 1; /* stop */
}

static int hs_run(const struct waf_matcher *m, struct waf_scratch *s, const uint8_t *in, size_t len)
{
	int hit = 0;
	if (!s || !s->hs)
		return -EINVAL;
	if (len > UINT32_MAX)
		len = UINT32_MAX;
	hs_error_t e = hs_scan(m->hs, (const char *)in, (unsigned)len, 0, s->hs, on_match, &hit);
	if (e != HS_SUCCESS && e != HS_SCAN_TERMINATED)
		return e == HS_INVALID ? -EINVAL : -EIO;
	return hit;
}

static int pcre_run(const struct waf_matcher *m, struct waf_scratch *s, const uint8_t *in,
		    size_t len)
{
	if (!s || !s->md)
		return -EINVAL; /* scratch not fitted for this matcher */
	int rc = pcre2_match(m->re, in, len, 0, 0, s->md, NULL);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -EIO;
}

static bool bytes_find(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	if (nl == 0)
		return true;
	return hl >= nl && memmem(h, hl, n, nl) != NULL;
}

/* RFC 3629 with ModSecurity's refusals: truncated, bad continuation,
 * overlong, surrogate, above U+10FFFF, 0xF8..0xFF lead bytes. */
static bool utf8_invalid(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp, min;
		if (c < 0x80) { i++; continue; }
		if (c < 0xc0) return true;
		if (c < 0xe0) { n = 2; cp = c & 0x1f; min = 0x80; }
		else if (c < 0xf0) { n = 3; cp = c & 0x0f; min = 0x800; }
		else if (c < 0xf8) { n = 4; cp = c & 0x07; min = 0x10000; }
		else return true;
		if (i + n > len)
			return true;
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return true;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return true;
		i += n;
	}
	return false;
}

/* '%' must be followed by two hex digits. */
static bool urlenc_invalid(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= len)
			return true;
		for (int k = 1; k <= 2; k++) {
			uint8_t c = s[i + k];
			if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')))
				return true;
		}
		i += 2;
	}
	return false;
}

int waf_matcher_match(const struct waf_matcher *m, struct waf_scratch *s,
		      const uint8_t *in, size_t len)
{
	long long v;

	switch (m->op) {
	case WAF_OP_RX:
		if (m->rx_mode == WAF_RX_PCRE2)
			return pcre_run(m, s, in, len);
		if (m->rx_mode == WAF_RX_HS_PREFILTER) {
			int r = hs_run(m, s, in, len);
			return r == 1 ? pcre_run(m, s, in, len) : r;
		}
		return hs_run(m, s, in, len);
	case WAF_OP_PM:
	case WAF_OP_PMFROMFILE:
		return m->hs ? hs_run(m, s, in, len) : 0;
	case WAF_OP_CONTAINS:
		return bytes_find(in, len, m->arg, m->arglen);
	case WAF_OP_BEGINSWITH:
		return len >= m->arglen && memcmp(in, m->arg, m->arglen) == 0;
	case WAF_OP_ENDSWITH:
		return len >= m->arglen && memcmp(in + len - m->arglen, m->arg, m->arglen) == 0;
	case WAF_OP_STREQ:
		return len == m->arglen && memcmp(in, m->arg, len) == 0;
	case WAF_OP_WITHIN:
		/* the input occurs in the argument; an empty input never does */
		return len > 0 && bytes_find(m->arg, m->arglen, in, len);
	case WAF_OP_EQ:
		return to_num(in, len) == m->num;
	case WAF_OP_GE:
		return to_num(in, len) >= m->num;
	case WAF_OP_GT:
		return to_num(in, len) > m->num;
	case WAF_OP_LT:
		v = to_num(in, len);
		return v < m->num;
	case WAF_OP_LE:
		return to_num(in, len) <= m->num;
	case WAF_OP_VALIDATEBYTERANGE:
		for (size_t i = 0; i < len; i++)
			if (!m->byte_ok[in[i]])
				return 1;
		return 0;
	case WAF_OP_VALIDATEURLENCODING:
		return urlenc_invalid(in, len);
	case WAF_OP_VALIDATEUTF8ENCODING:
		return utf8_invalid(in, len);
	case WAF_OP_UNCONDITIONAL:
		return 1;
	case WAF_OP_DETECTSQLI:
		return waf_detect_sqli(in, len, NULL);
	case WAF_OP_DETECTXSS:
		return waf_detect_xss(in, len, NULL);
	default:
		return -EINVAL;
	}
}
