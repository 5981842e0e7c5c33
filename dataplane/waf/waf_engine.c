/* WAF rule engine (waf_engine.h): the program built from the rule model and
 * its evaluation over a request view, with ModSecurity v3 semantics where
 * the CRS depends on them:
 *   - phases 1 then 2, rules in file order within a phase;
 *   - a rule's targets are expanded to (name, value) pairs, exclusions
 *     (!VAR:key, !VAR:/re/) removed, &VAR counted; each value goes through
 *     the transformation chain (multiMatch: the operator also runs on the
 *     value before and after every step) and the operator (negation
 *     applied); an empty collection never matches, negated or not;
 *   - a chain matches when every link matched at least one value; the next
 *     link sees the previous link's matches as MATCHED_VAR(S)(_NAMES);
 *   - setvars that name the current match (%{MATCHED_VAR...}, %{tx.N}
 *     captures) run at each match of their link, the others once when the
 *     whole chain matched; the anomaly score is CRS's
 *     tx.anomaly_score_plN and the inbound decision is 949110's (sum of
 *     pl1..plN >= tx.inbound_anomaly_score_threshold).
 * TX starts from CRS 3.3.4's REQUEST-901 defaults (the importer folds those
 * SecActions into settings; they are not rules of the program).
 *
 * Grouping: the first link of most rules is a positive @rx/@pm over request
 * collections. Those patterns are merged into one Hyperscan database per
 * (source, transformation chain), where a source is one stream of request
 * values (ARGS_GET values, header names, REQUEST_URI...). Before the rules
 * run, every value of a source is transformed once per chain (prefixes of
 * chains shared) and scanned once per database; a hit marks the rule and
 * the value. A marked rule then runs the exact path below, its first link
 * looking only at the values that hit; an unmarked grouped rule cannot match
 * (its link's values are a subset of the scanned ones, transformed the same
 * way) and is skipped. Pattern hits do not depend on TX, so scanning first
 * keeps the verdicts of running the rules one by one in program order.
 * A collection's values are scanned joined, one buffer per chain with a
 * separator after each value, and only a report narrows down to single
 * values (scan_joined): per-call cost, not bytes, dominated short values.
 *
 * Transformation results of the exact path are cached per request by
 * (value, chain): CRS runs many rules with the same chain over the same ARGS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "waf/waf_engine.h"
#include "waf/waf_hsdb.h"

#define TX_MAX        512u    /* TX variables per request */
#define TX_NAME_MAX   96u
#define TX_DEFAULTS   64u     /* entries of tx_defaults (checked at compile time) */
#define ARENA_BLOCK   (256u * 1024)
#define CACHE_MIN     1024u
#define MACRO_OUT_MAX 8192u
#define HITS_PER_RULE 32u     /* values remembered per marked rule; past it: all */
/* Value sources of the grouped scan: collection items (values or names),
 * then one per scalar request variable. */
#define SRC_COLLS     (WAF_RC__COUNT * 2u)
#define SRC_COUNT     (SRC_COLLS + WAF_V__COUNT)
#define NO_CHAIN      UINT16_MAX
/* Bytes of member databases per merged scan database (see build_groups). */
#define GROUP_MERGE_MAX_DB ((size_t)256 * 1024)

/* ------------------------------------------------------------ program */

struct prog_target {
	enum waf_var var;
	char *key;            /* lowercased literal key, or NULL */
	size_t klen;
	pcre2_code *key_re;   /* /regex/ key */
	char *key_lit;        /* ... when it is a plain word: lowercased, compared */
	size_t key_lit_len;   /* without PCRE2 (TX:/^header_name_/, !COOKIES:/__utm/) */
	bool key_lit_anchored; /* "^word": a prefix, else anywhere in the key */
	bool count, exclude;
};

struct prog_setvar {
	char *name;           /* "tx.foo" (may hold macros) */
	enum waf_setvar_op op;
	char *value;
	bool per_match;       /* refers to the current match: run at each match */
};

struct prog_link {
	struct prog_target *t;
	size_t n_t;
	enum waf_tfn tfn[WAF_TFN_MAX];
	uint8_t n_tfn;
	uint16_t chain_id;    /* interned tfn sequence */
	bool multi_match;
	enum waf_op op;
	bool negated;
	struct waf_matcher *m; /* NULL: argument expanded at run time (arg) */
	char *arg;
	pcre2_code *cap_re;   /* capture: the @rx again, for TX:0..9 */
	struct prog_setvar *sv;
	size_t n_sv;
	bool has_per_match;
	bool first_match_enough; /* nothing needs the other matches: stop at the first */
	bool scan_decides;    /* grouped exact @rx/@pm: a scan hit is the operator's verdict */
};

struct prog_rule {
	uint32_t id;
	uint8_t phase, paranoia, severity;
	bool grouped;         /* first link decided by the grouped scan ... */
	uint64_t srcs[(SRC_COUNT + 63) / 64]; /* ... over these sources */
	enum waf_disrupt disrupt;
	struct prog_link *links;
	size_t n_links;
};

/* One grouped database: the patterns of every grouped rule that reads
 * source @src through chain @chain; pattern id -> rule index. */
struct scan_group {
	uint16_t chain;
	uint8_t min_pl;       /* paranoia level of its rules */
	bool owns_db;         /* else borrowed from the only rule's matcher */
	hs_database_t *db;
	uint32_t *pat_rule;
	uint32_t n_pat;
	uint8_t join;         /* enum join_kind of its patterns (expr_join) */
	bool joinable;        /* scans a source's values joined (scan_joined) ... */
	uint8_t sep;          /* ... with this byte after each value */
	uint64_t srcs[(SRC_COUNT + 63) / 64]; /* sources its rules read */
};

struct waf_engine {
	struct prog_rule *rules;
	size_t n_rules;
	uint16_t n_chains;    /* interned, including prefixes of the rules' chains */
	uint16_t n_rule_chains;
	enum waf_tfn (*chains)[WAF_TFN_MAX];
	uint8_t *chain_len;
	uint16_t *chain_parent; /* the chain one step shorter, or NO_CHAIN */
	struct scan_group *groups; /* sorted by (src, chain) */
	size_t n_groups, n_grouped;
	uint32_t *src_groups; /* group indices, per source ... */
	uint32_t src_first[SRC_COUNT], src_n[SRC_COUNT]; /* ... from here, this many */
	uint32_t *ids;        /* sorted, for has_rule */
};

/* CRS 3.3.4 REQUEST-901-INITIALIZATION defaults (and crs-setup.conf's
 * commented values where 901 leaves a variable unset on purpose). */
static const char *const tx_defaults[][2] = {
	{ "critical_anomaly_score", "5" }, { "error_anomaly_score", "4" },
	{ "warning_anomaly_score", "3" }, { "notice_anomaly_score", "2" },
	{ "inbound_anomaly_score_threshold", "5" }, { "outbound_anomaly_score_threshold", "4" },
	{ "anomaly_score_pl1", "0" }, { "anomaly_score_pl2", "0" },
	{ "anomaly_score_pl3", "0" }, { "anomaly_score_pl4", "0" },
	{ "sql_injection_score", "0" }, { "xss_score", "0" }, { "rfi_score", "0" },
	{ "lfi_score", "0" }, { "rce_score", "0" }, { "php_injection_score", "0" },
	{ "http_violation_score", "0" }, { "session_fixation_score", "0" },
	{ "inbound_anomaly_score", "0" }, { "anomaly_score", "0" },
	{ "allowed_methods", "GET HEAD POST OPTIONS" },
	{ "allowed_request_content_type",
	  "|application/x-www-form-urlencoded| |multipart/form-data| |multipart/related| |text/xml| "
	  "|application/xml| |application/soap+xml| |application/json| |application/cloudevents+json| "
	  "|application/cloudevents-batch+json|" },
	{ "allowed_request_content_type_charset", "utf-8|iso-8859-1|iso-8859-15|windows-1252" },
	{ "allowed_http_versions", "HTTP/1.0 HTTP/1.1 HTTP/2 HTTP/2.0" },
	{ "restricted_extensions",
	  ".asa/ .asax/ .ascx/ .axd/ .backup/ .bak/ .bat/ .cdx/ .cer/ .cfg/ .cmd/ .com/ .config/ "
	  ".conf/ .cs/ .csproj/ .csr/ .dat/ .db/ .dbf/ .dll/ .dos/ .htr/ .htw/ .ida/ .idc/ .idq/ "
	  ".inc/ .ini/ .key/ .licx/ .lnk/ .log/ .mdb/ .old/ .pass/ .pdb/ .pol/ .printer/ .pwd/ "
	  ".rdb/ .resources/ .resx/ .sql/ .swp/ .sys/ .vb/ .vbs/ .vbproj/ .vsdisco/ .webinfo/ "
	  ".xsd/ .xsx/" },
	{ "restricted_headers", "/accept-charset/ /content-encoding/ /proxy/ /lock-token/ /content-range/ /if/" },
	{ "static_extensions", "/.jpg/ /.jpeg/ /.png/ /.gif/ /.js/ /.css/ /.ico/ /.svg/ /.webp/" },
	{ "enforce_bodyproc_urlencoded", "0" },
	{ "crs_validate_utf8_encoding", NULL }, /* off unless configured (920250 gate) */
};
_Static_assert(sizeof(tx_defaults) / sizeof(tx_defaults[0]) <= TX_DEFAULTS, "tx0 holds the defaults");

/* ------------------------------------------------------------ evaluation state */

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	uint8_t data[];
};

struct tx_var {
	char name[TX_NAME_MAX]; /* lowercase, without "tx." */
	uint32_t nlen;
	const uint8_t *val;
	uint32_t len;
};

struct cache_ent {
	const uint8_t *in;
	uint32_t inlen;
	uint32_t gen;
	uint16_t chain;
	const uint8_t *out;
	uint32_t outlen;
};

/* A value under evaluation, with where it came from. */
struct cand {
	enum waf_var var;
	struct waf_bytes key;   /* item key (empty for scalars) */
	struct waf_bytes value;
};

struct cands {
	struct cand *v;
	size_t n, cap;
};

/* Grouped-scan marks of one rule for the current request. */
struct rule_hits {
	uint32_t head;        /* index+1 into waf_eval.hits of the newest hit, 0 none */
	uint16_t n;
	uint16_t narrowed;    /* joined scans its reports stopped (scan_joined) */
	bool cand;            /* some value hit one of its patterns */
	bool all;             /* too many values hit: check every value */
};

struct hit {
	const uint8_t *p;
	uint32_t len;
	uint32_t next;        /* index+1 of the rule's previous hit, 0 none */
};

struct chain_memo {
	uint32_t gen;
	struct waf_bytes out;
};

/* A (source, value) already scanned in this request: scanning equal bytes
 * of the same source again cannot mark anything new (the exact path
 * compares hit values by content). */
struct seen_ent {
	uint32_t gen;
	uint16_t src;
	uint32_t len, hash;
	const uint8_t *p;
};

/* One chain's results for the values of the source being scanned, joined
 * with '\n' after each (scan_joined). */
struct jchain {
	uint8_t *buf;
	uint32_t len, cap;
	uint32_t *off;        /* value i is buf[off[i] .. off[i + 1] - 1) */
	uint32_t off_cap;
	uint32_t stamp;       /* == waf_eval.jstamp: in use for this source */
};

struct waf_eval {
	const struct waf_engine *e;
	struct waf_scratch scratch;
	pcre2_match_data *md;
	struct arena_block *blocks, *cur;
	struct tx_var tx[TX_MAX];
	struct tx_var tx0[TX_DEFAULTS]; /* tx_defaults as tx_set leaves them, values static */
	uint32_t n_tx0;
	uint32_t n_tx;
	struct cache_ent *cache;
	uint32_t cache_cap, cache_used, gen;
	struct rule_hits *rh; /* per rule */
	struct hit *hits;     /* n_rules * HITS_PER_RULE */
	uint32_t n_hits;
	struct chain_memo *memo; /* per chain, for the value being scanned */
	uint32_t memo_gen;
	struct seen_ent *seen;   /* open addressing, stamped with gen */
	uint32_t seen_cap, seen_used;
	struct waf_bytes *jv;    /* untransformed values of the source being scanned */
	uint32_t n_jv, jv_cap;
	struct jchain *jc;       /* per chain: those values transformed and joined */
	uint16_t *jlist;         /* chains in use for the source */
	uint32_t jstamp;
	uint8_t *jalt;           /* a joined buffer with another separator */
	uint32_t jalt_cap;
	uint8_t pl;
	uint16_t src;            /* the source being scanned */
	const uint8_t *cls_p;    /* tfn_one: byte classes of this value */
	uint32_t cls_len, cls;
	struct cands items, prev, curm; /* collected values; previous / current link matches */
	const struct waf_reqview *v;
	const struct cand *match;       /* current match, for macros */
	struct waf_result *res;
	bool oom;
	char macro[MACRO_OUT_MAX];
};

/* ------------------------------------------------------------ small helpers */

static const char *const var_names[WAF_V__COUNT] = {
#define WAF_VAR_NAME(n, c) [WAF_V_##n] = #n,
	WAF_VARS(WAF_VAR_NAME)
#undef WAF_VAR_NAME
};

static const uint8_t var_class[WAF_V__COUNT] = {
#define WAF_VAR_CLASS(n, c) [WAF_V_##n] = WAF_VC_##c,
	WAF_VARS(WAF_VAR_CLASS)
#undef WAF_VAR_CLASS
};

static const uint8_t empty_value[1];

static void seterr(char *err, size_t errlen, const char *fmt, uint32_t id, const char *a)
{
	if (err && errlen)
		snprintf(err, errlen, fmt, id, a);
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		d[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	d[n] = 0;
	return d;
}

static bool eq_ci(const uint8_t *a, size_t al, const char *b, size_t bl)
{
	return al == bl && strncasecmp((const char *)a, b, al) == 0;
}

static void *ev_alloc(struct waf_eval *ev, size_t n)
{
	struct arena_block *b = ev->cur;

	n = (n + 7) & ~(size_t)7;
	while (b && b->used + n > b->size)
		b = b->next;
	if (!b) {
		size_t sz = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		struct arena_block *nb = malloc(sizeof(*nb) + sz), **tail = &ev->blocks;

		if (!nb) {
			ev->oom = true;
			return NULL;
		}
		nb->next = NULL;
		nb->size = sz;
		nb->used = 0;
		while (*tail)
			tail = &(*tail)->next;
		*tail = nb;
		b = nb;
	}
	ev->cur = b;
	b->used += n;
	return b->data + b->used - n;
}

/* Arena position, to give back temporary space. */
struct arena_mark {
	struct arena_block *b;
	size_t used;
};

static struct arena_mark ev_mark(const struct waf_eval *ev)
{
	return (struct arena_mark){ ev->cur, ev->cur ? ev->cur->used : 0 };
}

static void ev_rewind(struct waf_eval *ev, struct arena_mark mk)
{
	ev->cls_p = NULL; /* the space may come back holding other bytes */
	if (!mk.b)
		return; /* nothing was allocated before the mark: keep what exists */
	for (struct arena_block *b = mk.b->next; b; b = b->next)
		b->used = 0;
	mk.b->used = mk.used;
	ev->cur = mk.b;
}

static bool cands_push(struct waf_eval *ev, struct cands *c, enum waf_var var, struct waf_bytes key,
		       struct waf_bytes value)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cand *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			ev->oom = true;
			return false;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = (struct cand){ var, key, value };
	return true;
}

/* ------------------------------------------------------------ TX */

static const struct tx_var *tx_get(const struct waf_eval *ev, const char *name, size_t n)
{
	for (uint32_t i = 0; i < ev->n_tx; i++)
		if (ev->tx[i].nlen == n && strncasecmp(ev->tx[i].name, name, n) == 0)
			return &ev->tx[i];
	return NULL;
}

static struct tx_var *tx_find(struct waf_eval *ev, const char *name, size_t n)
{
	const struct tx_var *t = tx_get(ev, name, n);

	return t ? &ev->tx[t - ev->tx] : NULL;
}

static void tx_set(struct waf_eval *ev, const char *name, size_t n, const uint8_t *val, size_t len)
{
	struct tx_var *t = tx_find(ev, name, n);
	uint8_t *d;

	if (!t) {
		if (ev->n_tx == TX_MAX || n >= TX_NAME_MAX)
			return; /* bounded: extra variables are dropped */
		t = &ev->tx[ev->n_tx++];
		for (size_t i = 0; i < n; i++)
			t->name[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
		t->name[n] = 0;
		t->nlen = (uint32_t)n;
	}
	d = ev_alloc(ev, len + 1);
	if (!d)
		return;
	memcpy(d, val, len);
	d[len] = 0;
	t->val = d;
	t->len = (uint32_t)len;
}

static void tx_unset(struct waf_eval *ev, const char *name, size_t n)
{
	struct tx_var *t = tx_find(ev, name, n);

	if (t)
		*t = ev->tx[--ev->n_tx];
}

static long long num_of(const uint8_t *s, size_t len)
{
	size_t i = 0;
	bool neg = false;
	long long v = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		if (v < 100000000000000000LL)
			v = v * 10 + (s[i] - '0');
	return neg ? -v : v;
}

const char *waf_eval_tx(const struct waf_eval *ev, const char *name)
{
	const struct tx_var *t = tx_get(ev, name, strlen(name));

	return t ? (const char *)t->val : NULL;
}

/* ------------------------------------------------------------ macros */

static const struct waf_item *rv_header(const struct waf_reqview *v, const char *n, size_t nl)
{
	const struct waf_items *h = &v->coll[WAF_RC_HEADERS];

	for (uint32_t i = 0; i < h->n; i++)
		if (eq_ci(h->v[i].name.p, h->v[i].name.len, n, nl))
			return &h->v[i];
	return NULL;
}

/* "VAR:key" into out[0..cap) (NUL-terminated, truncated); returns the
 * length written. Plain copies: this runs for every recorded match. */
static size_t match_name(const struct cand *c, char *out, size_t cap)
{
	const char *vn = var_names[c->var];
	size_t k = 0, vl = strlen(vn);

	if (!cap)
		return 0;
	vl = vl < cap - 1 ? vl : cap - 1;
	memcpy(out, vn, vl);
	k = vl;
	if (c->key.p && (c->var != WAF_V_TX || c->key.len) && k + 1 < cap) {
		size_t kl = c->key.len < cap - 2 - k ? c->key.len : cap - 2 - k;
		out[k++] = ':';
		memcpy(out + k, c->key.p, kl);
		k += kl;
	}
	out[k] = 0;
	return k;
}

/* Expand %{collection.key} in s into ev->macro; returns its length. */
static size_t expand(struct waf_eval *ev, const char *s, char *out, size_t cap)
{
	size_t k = 0;

	while (*s && k + 1 < cap) {
		const char *end;

		if (s[0] != '%' || s[1] != '{' || !(end = strchr(s + 2, '}'))) {
			out[k++] = *s++;
			continue;
		}
		const char *n = s + 2;
		size_t nl = (size_t)(end - n);
		const uint8_t *val = NULL;
		size_t vl = 0;
		char tmp[WAF_TARGET_NAME_MAX];

		s = end + 1;
		if (nl > 3 && strncasecmp(n, "tx.", 3) == 0) {
			struct tx_var *t = tx_find(ev, n + 3, nl - 3);
			if (t) {
				val = t->val;
				vl = t->len;
			}
		} else if (nl == 11 && strncasecmp(n, "matched_var", 11) == 0 && ev->match) {
			val = ev->match->value.p;
			vl = ev->match->value.len;
		} else if (nl == 16 && strncasecmp(n, "matched_var_name", 16) == 0 && ev->match) {
			vl = match_name(ev->match, tmp, sizeof(tmp));
			if (vl >= sizeof(tmp))
				vl = sizeof(tmp) - 1;
			val = (const uint8_t *)tmp;
		} else if (nl > 16 && strncasecmp(n, "request_headers.", 16) == 0) {
			const struct waf_item *h = rv_header(ev->v, n + 16, nl - 16);
			if (h) {
				val = h->value.p;
				vl = h->value.len;
			}
		} else if (nl == 17 && strncasecmp(n, "reqbody_error_msg", 17) == 0 &&
			   ev->v->reqbody_error_msg) {
			val = (const uint8_t *)ev->v->reqbody_error_msg;
			vl = strlen(ev->v->reqbody_error_msg);
		}
		if (vl > cap - 1 - k)
			vl = cap - 1 - k;
		if (vl)
			memcpy(out + k, val, vl);
		k += vl;
	}
	out[k] = 0;
	return k;
}

/* ------------------------------------------------------------ build */

static bool setvar_per_match(const char *s)
{
	for (; s && (s = strstr(s, "%{")); s += 2) {
		if (strncasecmp(s + 2, "matched_var", 11) == 0)
			return true;
		if (strncasecmp(s + 2, "tx.", 3) == 0 && s[5] >= '0' && s[5] <= '9' && s[6] == '}')
			return true;
	}
	return false;
}

static uint16_t intern_chain(struct waf_engine *e, const enum waf_tfn *t, uint8_t n)
{
	for (uint16_t i = 0; i < e->n_chains; i++)
		if (e->chain_len[i] == n && (n == 0 || memcmp(e->chains[i], t, n * sizeof(*t)) == 0))
			return i;
	enum waf_tfn (*nc)[WAF_TFN_MAX] = realloc(e->chains, (e->n_chains + 1u) * sizeof(*nc));
	if (!nc)
		return UINT16_MAX;
	e->chains = nc;
	uint8_t *nl = realloc(e->chain_len, e->n_chains + 1u);
	if (!nl)
		return UINT16_MAX;
	e->chain_len = nl;
	if (n)
		memcpy(e->chains[e->n_chains], t, n * sizeof(*t));
	e->chain_len[e->n_chains] = n;
	return e->n_chains++;
}

/* Expand macros in an argument with the default TX (build time). */
static char *expand_default(const char *arg)
{
	size_t cap = strlen(arg) + 4096, k = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*arg && k + 1 < cap) {
		const char *end;
		if (arg[0] == '%' && arg[1] == '{' && (end = strchr(arg + 2, '}'))) {
			const char *n = arg + 2;
			size_t nl = (size_t)(end - n);
			arg = end + 1;
			if (nl > 3 && strncasecmp(n, "tx.", 3) == 0)
				for (size_t i = 0; i < sizeof(tx_defaults) / sizeof(tx_defaults[0]); i++)
					if (tx_defaults[i][1] && strlen(tx_defaults[i][0]) == nl - 3 &&
					    strncasecmp(tx_defaults[i][0], n + 3, nl - 3) == 0) {
						size_t l = strlen(tx_defaults[i][1]);
						if (l > cap - 1 - k)
							l = cap - 1 - k;
						memcpy(out + k, tx_defaults[i][1], l);
						k += l;
					}
			continue;
		}
		out[k++] = *arg++;
	}
	out[k] = 0;
	return out;
}

static pcre2_code *re_compile(const char *pat, uint32_t flags)
{
	int perr;
	PCRE2_SIZE poff;

	return pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, flags, &perr, &poff, NULL);
}

/* A key regex that is a plain word (letters, digits, '_', '-'), maybe
 * after '^', matches exactly where a caseless substring (prefix) compare
 * does: PCRE2 without UTF folds ASCII only, the word is ASCII. A trailing
 * ".*" (DOTALL) or "c*" (c a word byte) may match nothing, so it changes
 * nothing: CRS's "paramcounter_.*" and "MULTIPART_HEADERS_CONTENT_TYPES_*"
 * TX selectors. */
static bool key_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int key_literal(struct prog_target *p, const char *re)
{
	bool anchored = re[0] == '^';
	const char *w = re + anchored;
	size_t n = strlen(w);

	if (n >= 2 && w[n - 1] == '*' && (w[n - 2] == '.' || key_word_byte((unsigned char)w[n - 2])))
		n -= 2;
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!key_word_byte((unsigned char)w[i]))
			return 0;
	if (!(p->key_lit = lower_dup(w, n)))
		return -ENOMEM;
	p->key_lit_len = n;
	p->key_lit_anchored = anchored;
	return 0;
}

static int build_link(struct waf_engine *e, struct prog_link *pl, const struct waf_rule *r,
		      uint32_t id, const char *datadir, struct waf_hsdb_cache *hsdb, char *err,
		      size_t errlen)
{
	char merr[256] = "";

	pl->t = calloc(r->n_targets ? r->n_targets : 1, sizeof(*pl->t));
	if (!pl->t)
		return -ENOMEM;
	pl->n_t = r->n_targets;
	for (size_t i = 0; i < r->n_targets; i++) {
		const struct waf_target *t = &r->targets[i];
		struct prog_target *p = &pl->t[i];

		p->var = t->var;
		p->count = t->count;
		p->exclude = t->exclude;
		if (t->key && t->key_regex) {
			p->key_re = re_compile(t->key, PCRE2_CASELESS | PCRE2_DOTALL);
			if (!p->key_re) {
				seterr(err, errlen, "rule %u: key regex /%s/ does not compile", id, t->key);
				return -EINVAL;
			}
			if (key_literal(p, t->key) < 0)
				return -ENOMEM;
		} else if (t->key) {
			p->klen = strlen(t->key);
			if (!(p->key = lower_dup(t->key, p->klen)))
				return -ENOMEM;
		}
	}
	memcpy(pl->tfn, r->tfn, sizeof(pl->tfn));
	pl->n_tfn = r->n_tfn;
	pl->chain_id = intern_chain(e, r->tfn, r->n_tfn);
	if (pl->chain_id == UINT16_MAX)
		return -ENOMEM;
	pl->multi_match = r->multi_match;
	pl->op = r->op;
	pl->negated = r->op_negated;
	const char *arg = r->op_arg ? r->op_arg : "";
	char *exp = NULL;
	if (r->op_arg_macro) {
		if (r->op == WAF_OP_RX || r->op == WAF_OP_PM || r->op == WAF_OP_PMFROMFILE) {
			if (!(exp = expand_default(arg)))
				return -ENOMEM;
			arg = exp;
		} else {
			if (!(pl->arg = strdup(arg)))
				return -ENOMEM;
		}
	}
	if (!pl->arg) {
		pl->m = waf_matcher_create_hsdb(r->op, arg, strlen(arg), datadir, hsdb, merr,
						sizeof(merr));
		if (!pl->m) {
			seterr(err, errlen, "rule %u: %s", id, merr);
			free(exp);
			return -EINVAL;
		}
		if (r->capture && r->op == WAF_OP_RX) {
			pl->cap_re = re_compile(arg, PCRE2_DOTALL | PCRE2_MULTILINE);
			if (!pl->cap_re) {
				seterr(err, errlen, "rule %u: capture pattern %s does not compile", id, arg);
				free(exp);
				return -EINVAL;
			}
		}
	}
	free(exp);
	pl->sv = calloc(r->n_setvars ? r->n_setvars : 1, sizeof(*pl->sv));
	if (!pl->sv)
		return -ENOMEM;
	pl->n_sv = r->n_setvars;
	for (size_t i = 0; i < r->n_setvars; i++) {
		struct prog_setvar *s = &pl->sv[i];
		s->op = r->setvars[i].op;
		if (!(s->name = strdup(r->setvars[i].name)))
			return -ENOMEM;
		if (r->setvars[i].value && !(s->value = strdup(r->setvars[i].value)))
			return -ENOMEM;
		s->per_match = setvar_per_match(s->name) || setvar_per_match(s->value);
		pl->has_per_match |= s->per_match;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ grouping (build) */

static uint16_t src_coll(enum waf_rv_coll c, bool names)
{
	return (uint16_t)(c * 2u + (names ? 1u : 0u));
}

/* The value sources @var reads (a superset: keys and exclusions are left to
 * the exact path). 0 when @var is not a request variable. */
static size_t var_sources(enum waf_var var, uint16_t out[2])
{
	switch (var) {
	case WAF_V_ARGS:
	case WAF_V_ARGS_NAMES:
		out[0] = src_coll(WAF_RC_ARGS_GET, var == WAF_V_ARGS_NAMES);
		out[1] = src_coll(WAF_RC_ARGS_POST, var == WAF_V_ARGS_NAMES);
		return 2;
	case WAF_V_ARGS_GET: out[0] = src_coll(WAF_RC_ARGS_GET, false); return 1;
	case WAF_V_ARGS_GET_NAMES: out[0] = src_coll(WAF_RC_ARGS_GET, true); return 1;
	case WAF_V_ARGS_POST: out[0] = src_coll(WAF_RC_ARGS_POST, false); return 1;
	case WAF_V_ARGS_POST_NAMES: out[0] = src_coll(WAF_RC_ARGS_POST, true); return 1;
	case WAF_V_REQUEST_HEADERS: out[0] = src_coll(WAF_RC_HEADERS, false); return 1;
	case WAF_V_REQUEST_HEADERS_NAMES: out[0] = src_coll(WAF_RC_HEADERS, true); return 1;
	case WAF_V_REQUEST_COOKIES: out[0] = src_coll(WAF_RC_COOKIES, false); return 1;
	case WAF_V_REQUEST_COOKIES_NAMES: out[0] = src_coll(WAF_RC_COOKIES, true); return 1;
	case WAF_V_FILES: out[0] = src_coll(WAF_RC_FILES, false); return 1;
	case WAF_V_FILES_NAMES: out[0] = src_coll(WAF_RC_FILES, true); return 1;
	case WAF_V_MULTIPART_PART_HEADERS: out[0] = src_coll(WAF_RC_PART_HEADERS, false); return 1;
	case WAF_V_XML: out[0] = src_coll(WAF_RC_XML, false); return 1;
	default:
		if ((unsigned)var >= WAF_V__COUNT || var_class[var] != WAF_VC_REQUEST)
			return 0;
		out[0] = (uint16_t)(SRC_COLLS + var);
		return 1;
	}
}

/* A grouped rule while the databases are being planned. */
struct grule {
	uint32_t rule;
	uint16_t chain;
	uint8_t paranoia;
	uint8_t jclass;       /* how its values can be joined (rule_join_class) */
	size_t dbsz;          /* its own database's size: the cost it adds to a merge */
	uint64_t srcs[(SRC_COUNT + 63) / 64];
};

struct gexprs {
	const char **exprs;
	unsigned *flags;
	uint32_t *rule;
	size_t n, cap;
	uint32_t cur;
};

static int gexpr_add(void *ctx, const char *expr, unsigned flags)
{
	struct gexprs *g = ctx;

	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		const char **ne = realloc(g->exprs, cap * sizeof(*ne));
		if (ne)
			g->exprs = ne;
		unsigned *nf = realloc(g->flags, cap * sizeof(*nf));
		if (nf)
			g->flags = nf;
		uint32_t *nr = realloc(g->rule, cap * sizeof(*nr));
		if (nr)
			g->rule = nr;
		if (!ne || !nf || !nr)
			return -ENOMEM;
		g->cap = cap;
	}
	g->exprs[g->n] = expr;
	g->flags[g->n] = flags;
	g->rule[g->n++] = g->cur;
	return 0;
}

static int grule_cmp(const void *a, const void *b)
{
	const struct grule *x = a, *y = b;

	if (x->chain != y->chain)
		return x->chain < y->chain ? -1 : 1;
	if (x->paranoia != y->paranoia)
		return x->paranoia < y->paranoia ? -1 : 1;
	if (x->jclass != y->jclass)
		return x->jclass < y->jclass ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* Can the scan decide the first link @pl? A positive @rx/@pm with a
 * Hyperscan form, no multiMatch, over request variables only (no counts);
 * the sources it reads into @gr. */
static bool head_groupable(const struct prog_link *pl, struct grule *gr)
{
	bool any = false;

	memset(gr->srcs, 0, sizeof(gr->srcs));
	if (!pl->m || pl->arg || pl->negated || pl->multi_match || !waf_matcher_hs_db(pl->m) ||
	    (pl->op != WAF_OP_RX && pl->op != WAF_OP_PM && pl->op != WAF_OP_PMFROMFILE))
		return false;
	for (size_t i = 0; i < pl->n_t; i++) {
		uint16_t s[2];
		size_t ns;

		if (pl->t[i].exclude)
			continue;
		if (pl->t[i].count || !(ns = var_sources(pl->t[i].var, s)))
			return false;
		for (size_t k = 0; k < ns; k++)
			gr->srcs[s[k] / 64] |= 1ull << (s[k] % 64);
		any = true;
	}
	return any;
}

static int on_any_report(unsigned id, unsigned long long from, unsigned long long to,
			 unsigned flags, void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)ctx = true;
	return 1; /* one report answers the question: stop */
}

/* How @expr can be scanned over a source's values joined with a separator
 * byte after each (scan_joined) and still find every match inside each
 * value. Hyperscan's ^ and $ are multiline here (WAF_RX_HS_FLAGS), so with
 * '\n' as the separator they hold at every value's edges; a pattern with no
 * anchor at all takes any separator that is no word byte (\b, \B). \A, \z,
 * \Z, \G hold only at the buffer's edges, and (?-m) or (?x) are not parsed
 * here: such a pattern is scanned value by value. Conservative: a doubtful
 * spelling gives the stricter answer. */
enum join_kind { JOIN_NO, JOIN_NL, JOIN_ANY };

static enum join_kind expr_join(const char *x)
{
	enum join_kind k = JOIN_ANY;
	bool cls = false;

	for (; *x; x++) {
		if (x[0] == '\\') {
			if (x[1] == 'Q' ||
			    (!cls && (x[1] == 'A' || x[1] == 'z' || x[1] == 'Z' || x[1] == 'G')))
				return JOIN_NO;
			if (x[1])
				x++;
			continue;
		}
		if (cls) { /* inside [...]: ^ and $ are literal */
			const char *end;
			if (x[0] == '[' && x[1] == ':' && (end = strstr(x + 2, ":]")))
				x = end + 1;
			else if (x[0] == ']')
				cls = false;
			continue;
		}
		if (x[0] == '[') {
			cls = true;
			if (x[1] == '^')
				x++;
			if (x[1] == ']')
				x++; /* a leading ']' is literal */
			continue;
		}
		if (x[0] == '^' || x[0] == '$') {
			k = JOIN_NL;
			continue;
		}
		if (x[0] == '(' && x[1] == '?') {
			bool off = false;
			for (const char *f = x + 2; *f && *f != ')' && *f != ':'; f++) {
				if (*f == 'x' || (off && *f == 'm'))
					return JOIN_NO;
				off = off || *f == '-';
			}
		}
	}
	return k;
}

/* Does @db report on s[0..n)? 1 yes, 0 no, -ENOMEM (no scratch). */
static int db_reports(const hs_database_t *db, hs_scratch_t **sc, const char *str, size_t n)
{
	bool any = false;

	if (hs_alloc_scratch(db, sc) != HS_SUCCESS)
		return -ENOMEM;
	hs_error_t rc = hs_scan(db, str, (unsigned)n, 0, *sc, on_any_report, &any);
	return any || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED);
}

/* A first link whose pattern matches any value ("^.*$" over header names,
 * "." over ARGS_NAMES, "^[^;\s]+" over one header, each the head of a
 * chain) gains nothing from the scan: every value of the source would be
 * a hit, so it stays on the exact path, which selects its keys first. */
static int matches_anything(const hs_database_t *db, hs_scratch_t **sc)
{
	static const char *const probe[] = { "a", "0", "b c", "Mozilla/5.0 (X11)" };

	for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		int r = db_reports(db, sc, probe[i], strlen(probe[i]));
		if (r <= 0)
			return r;
	}
	return 1;
}

/* One scan database for @gr[0..n) (same chain and paranoia level): the
 * only rule's own database when alone, else a merged one. */
static int make_group(struct waf_engine *e, struct scan_group *sg, const struct grule *gr, size_t n,
		      struct waf_hsdb_cache *hsdb, char *err, size_t errlen)
{
	struct gexprs x = { 0 };
	unsigned *ids = NULL;
	char herr[256] = "";
	int rc = 0;

	sg->chain = gr[0].chain;
	sg->min_pl = gr[0].paranoia;
	for (size_t i = 0; i < n; i++)
		for (size_t w = 0; w < sizeof(sg->srcs) / sizeof(sg->srcs[0]); w++)
			sg->srcs[w] |= gr[i].srcs[w];
	for (size_t i = 0; i < n; i++) {
		x.cur = gr[i].rule;
		if (waf_matcher_hs_exprs(e->rules[gr[i].rule].links[0].m, gexpr_add, &x) < 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	sg->n_pat = (uint32_t)x.n;
	sg->join = JOIN_ANY;
	for (size_t k = 0; k < x.n; k++) {
		enum join_kind j = expr_join(x.exprs[k]);
		sg->join = j < sg->join ? j : sg->join;
	}
	sg->pat_rule = x.rule;
	x.rule = NULL;
	if (n == 1) {
		/* the matcher's own database: the same expressions, ids 0..n-1 */
		sg->db = (hs_database_t *)waf_matcher_hs_db(e->rules[gr[0].rule].links[0].m);
		goto out;
	}
	ids = calloc(x.n ? x.n : 1, sizeof(*ids));
	if (!ids) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < x.n; k++)
		ids[k] = (unsigned)k;
	rc = waf_hsdb_get(hsdb, x.exprs, x.flags, ids, NULL, (unsigned)x.n, HS_MODE_BLOCK, &sg->db,
			  herr, sizeof(herr));
	if (rc < 0) {
		sg->db = NULL;
		if (rc != -ENOMEM && err && errlen)
			snprintf(err, errlen, "grouped database (%zu patterns): %s", x.n, herr);
		goto out;
	}
	sg->owns_db = true;
out:
	free(ids);
	free(x.exprs);
	free(x.flags);
	free(x.rule);
	return rc;
}

static int join_min(void *ctx, const char *expr, unsigned flags)
{
	enum join_kind *k = ctx, j = expr_join(expr);

	(void)flags;
	if (j < *k)
		*k = j;
	return 0;
}

/* Which rules may share a database without spoiling its joined scans: a
 * rule whose pattern reports on the '\n' between two values ("[\n\r]" of
 * the header-injection rules) must not sit with anchored ones, which need
 * '\n'. 0: scanned value by value, 1: joined with '\n', 2: joined with
 * '\0' (no anchors, matches '\n'). -ENOMEM. */
static int rule_join_class(const struct waf_matcher *m, hs_scratch_t **sc)
{
	const hs_database_t *db = waf_matcher_hs_db(m);
	enum join_kind k = JOIN_ANY;
	int a, b, nl, z;

	waf_matcher_hs_exprs(m, join_min, &k);
	if (k == JOIN_NO)
		return 0;
	if ((a = db_reports(db, sc, "a", 1)) < 0 || (b = db_reports(db, sc, "b", 1)) < 0 ||
	    (nl = db_reports(db, sc, "a\nb", 3)) < 0 || (z = db_reports(db, sc, "a\0b", 3)) < 0)
		return -ENOMEM;
	if (a || b || !nl)
		return 1;
	return k == JOIN_ANY && !z ? 2 : 0;
}

/* The separator each group's joined scans use: '\n' when its patterns
 * allow (expr_join), else '\0' when they have no anchor. Refused when the
 * database reports on "a" SEP "b" but on neither value alone: a pattern
 * that matches the separator ([\r\n] of the header-injection rules) would
 * report on every joined buffer. */
static int plan_joins(struct waf_engine *e, hs_scratch_t **sc)
{
	static const char seps[] = { '\n', '\0' };

	for (size_t g = 0; g < e->n_groups; g++) {
		struct scan_group *sg = &e->groups[g];
		int ra, rb, rj = 1;

		sg->joinable = false;
		if (sg->join == JOIN_NO)
			continue;
		if ((ra = db_reports(sg->db, sc, "a", 1)) < 0 || (rb = db_reports(sg->db, sc, "b", 1)) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < sizeof(seps) && !sg->joinable; k++) {
			char probe[3] = { 'a', seps[k], 'b' };
			if (seps[k] != '\n' && sg->join != JOIN_ANY)
				break;
			if (!ra && !rb && (rj = db_reports(sg->db, sc, probe, 3)) < 0)
				return -ENOMEM;
			if (ra || rb || !rj) {
				sg->joinable = true;
				sg->sep = (uint8_t)seps[k];
			}
		}
	}
	return 0;
}

/* Plan and build the scan databases: grouped rules sorted by (chain,
 * paranoia level, program order), cut into merges whose members' own
 * databases add up to at most GROUP_MERGE_MAX_DB (merged compiles of large
 * automata grow fast); the cut is deterministic, so a LOAD cache sees the
 * keys the control plane recorded. Then the per-source index. */
static int build_groups(struct waf_engine *e, struct waf_hsdb_cache *hsdb, char *err, size_t errlen)
{
	struct grule *gr = calloc(e->n_rules ? e->n_rules : 1, sizeof(*gr));
	hs_scratch_t *sc = NULL;
	size_t ng = 0;
	int rc = 0;

	if (!gr)
		return -ENOMEM;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct prog_rule *pr = &e->rules[i];
		struct grule *g = &gr[ng];

		if (!head_groupable(&pr->links[0], g))
			continue;
		if ((rc = matches_anything(waf_matcher_hs_db(pr->links[0].m), &sc)) != 0) {
			if (rc < 0)
				goto out;
			rc = 0;
			continue;
		}
		if ((rc = rule_join_class(pr->links[0].m, &sc)) < 0)
			goto out;
		g->jclass = (uint8_t)rc;
		rc = 0;
		g->rule = (uint32_t)i;
		g->chain = pr->links[0].chain_id;
		g->paranoia = pr->paranoia;
		if (hs_database_size(waf_matcher_hs_db(pr->links[0].m), &g->dbsz) != HS_SUCCESS)
			g->dbsz = SIZE_MAX;
		pr->grouped = true;
		memcpy(pr->srcs, g->srcs, sizeof(pr->srcs));
		pr->links[0].scan_decides = waf_matcher_rx_mode(pr->links[0].m) != WAF_RX_HS_PREFILTER;
		ng++;
	}
	e->n_grouped = ng;
	qsort(gr, ng, sizeof(*gr), grule_cmp);
	e->groups = calloc(ng ? ng : 1, sizeof(*e->groups));
	if (!e->groups) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < ng;) {
		size_t j = i + 1, sum = gr[i].dbsz;
		while (j < ng && gr[j].chain == gr[i].chain && gr[j].paranoia == gr[i].paranoia &&
		       gr[j].jclass == gr[i].jclass && gr[j].dbsz <= GROUP_MERGE_MAX_DB - sum && sum <= GROUP_MERGE_MAX_DB)
			sum += gr[j++].dbsz;
		rc = make_group(e, &e->groups[e->n_groups++], &gr[i], j - i, hsdb, err, errlen);
		if (rc < 0)
			goto out;
		i = j;
	}
	if ((rc = plan_joins(e, &sc)) < 0)
		goto out;
	/* per source, the groups that read it */
	size_t total = 0;
	for (uint32_t s = 0; s < SRC_COUNT; s++)
		for (size_t g = 0; g < e->n_groups; g++)
			if (e->groups[g].srcs[s / 64] >> (s % 64) & 1)
				total++;
	e->src_groups = calloc(total ? total : 1, sizeof(*e->src_groups));
	if (!e->src_groups) {
		rc = -ENOMEM;
		goto out;
	}
	total = 0;
	for (uint32_t s = 0; s < SRC_COUNT; s++) {
		e->src_first[s] = (uint32_t)total;
		for (size_t g = 0; g < e->n_groups; g++)
			if (e->groups[g].srcs[s / 64] >> (s % 64) & 1)
				e->src_groups[total++] = (uint32_t)g;
		e->src_n[s] = (uint32_t)(total - e->src_first[s]);
	}
out:
	hs_free_scratch(sc);
	free(gr);
	return rc;
}

/* Intern every prefix of every rule chain, so a chain's result is built on
 * its parent's (one transformation shorter) and shared prefixes run once. */
static int chain_prefixes(struct waf_engine *e)
{
	e->n_rule_chains = e->n_chains;
	for (uint16_t c = 0; c < e->n_rule_chains; c++)
		for (uint8_t l = 1; l < e->chain_len[c]; l++) {
			enum waf_tfn t[WAF_TFN_MAX];
			memcpy(t, e->chains[c], l * sizeof(*t));
			if (intern_chain(e, t, l) == UINT16_MAX)
				return -ENOMEM;
		}
	e->chain_parent = calloc(e->n_chains ? e->n_chains : 1, sizeof(*e->chain_parent));
	if (!e->chain_parent)
		return -ENOMEM;
	for (uint16_t c = 0; c < e->n_chains; c++) {
		e->chain_parent[c] = NO_CHAIN;
		if (e->chain_len[c] >= 2)
			e->chain_parent[c] = intern_chain(e, e->chains[c], (uint8_t)(e->chain_len[c] - 1));
	}
	return 0;
}

struct waf_engine *waf_engine_build(struct waf_rule *const *rules, size_t n,
				    const char *datadir, struct waf_hsdb_cache *hsdb,
				    char *err, size_t errlen)
{
	struct waf_engine *e = calloc(1, sizeof(*e));
	size_t k = 0;

	if (err && errlen)
		err[0] = 0;
	if (!e || !(e->rules = calloc(n ? n : 1, sizeof(*e->rules))) ||
	    !(e->ids = calloc(n ? n : 1, sizeof(*e->ids))))
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (rules[i]->phase != 1 && rules[i]->phase != 2) {
			seterr(err, errlen, "rule %u: phase %s not evaluated by the request engine",
			       rules[i]->id, rules[i]->phase >= 3 ? ">= 3" : "0");
			waf_engine_free(e);
			return NULL;
		}
	/* phase 1 rules first, then phase 2, file order kept within each */
	for (uint8_t phase = 1; phase <= 2; phase++)
		for (size_t i = 0; i < n; i++) {
			const struct waf_rule *r = rules[i];
			struct prog_rule *pr;
			size_t nl = 0;

			if (r->phase != phase)
				continue;
			pr = &e->rules[k++];
			pr->id = r->id;
			pr->phase = r->phase;
			pr->paranoia = r->paranoia ? r->paranoia : 1;
			pr->severity = r->severity;
			pr->disrupt = r->disrupt;
			for (const struct waf_rule *l = r; l; l = l->chain)
				nl++;
			if (!(pr->links = calloc(nl, sizeof(*pr->links))))
				goto nomem;
			pr->n_links = nl;
			nl = 0;
			for (const struct waf_rule *l = r; l; l = l->chain) {
				int rc = build_link(e, &pr->links[nl++], l, r->id, datadir, hsdb, err,
						    errlen);
				if (rc == -ENOMEM)
					goto nomem;
				if (rc < 0) {
					e->n_rules = k;
					waf_engine_free(e);
					return NULL;
				}
			}
		}
	e->n_rules = k;
	for (size_t i = 0; i < k; i++) {
		struct prog_rule *pr = &e->rules[i];
		for (size_t l = 0; l < pr->n_links; l++) {
			struct prog_link *pl = &pr->links[l];
			bool next_reads = false;
			for (size_t t = 0; l + 1 < pr->n_links && t < pr->links[l + 1].n_t; t++)
				next_reads |= strncmp(var_names[pr->links[l + 1].t[t].var], "MATCHED_", 8) == 0;
			pl->first_match_enough = !pl->has_per_match && !pl->cap_re && !next_reads;
		}
		e->ids[i] = pr->id;
	}
	qsort(e->ids, k, sizeof(*e->ids), cmp_u32);
	if (chain_prefixes(e) < 0)
		goto nomem;
	int grc = build_groups(e, hsdb, err, errlen);
	if (grc == -ENOMEM)
		goto nomem;
	if (grc < 0) {
		waf_engine_free(e);
		return NULL;
	}
	return e;
nomem:
	if (e)
		e->n_rules = k;
	if (err && errlen)
		snprintf(err, errlen, "out of memory");
	waf_engine_free(e);
	return NULL;
}

void waf_engine_free(struct waf_engine *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_rules; i++) {
		struct prog_rule *r = &e->rules[i];
		for (size_t l = 0; r->links && l < r->n_links; l++) {
			struct prog_link *pl = &r->links[l];
			for (size_t t = 0; pl->t && t < pl->n_t; t++) {
				free(pl->t[t].key);
				free(pl->t[t].key_lit);
				pcre2_code_free(pl->t[t].key_re);
			}
			free(pl->t);
			waf_matcher_free(pl->m);
			free(pl->arg);
			pcre2_code_free(pl->cap_re);
			for (size_t s = 0; pl->sv && s < pl->n_sv; s++) {
				free(pl->sv[s].name);
				free(pl->sv[s].value);
			}
			free(pl->sv);
		}
		free(r->links);
	}
	for (size_t g = 0; e->groups && g < e->n_groups; g++) {
		if (e->groups[g].owns_db)
			hs_free_database(e->groups[g].db);
		free(e->groups[g].pat_rule);
	}
	free(e->groups);
	free(e->src_groups);
	free(e->rules);
	free(e->ids);
	free(e->chains);
	free(e->chain_len);
	free(e->chain_parent);
	free(e);
}

size_t waf_engine_rule_count(const struct waf_engine *e)
{
	return e->n_rules;
}

size_t waf_engine_chain_count(const struct waf_engine *e)
{
	return e->n_rule_chains;
}

size_t waf_engine_group_count(const struct waf_engine *e)
{
	return e->n_groups;
}

size_t waf_engine_grouped_rules(const struct waf_engine *e)
{
	return e->n_grouped;
}

bool waf_engine_has_rule(const struct waf_engine *e, uint32_t id)
{
	return bsearch(&id, e->ids, e->n_rules, sizeof(id), cmp_u32) != NULL;
}

void waf_engine_conf_default(struct waf_engine_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->paranoia = 1;
	c->inbound_threshold = 5;
}

/* ------------------------------------------------------------ eval state */

struct waf_eval *waf_eval_create(const struct waf_engine *e)
{
	struct waf_eval *ev = calloc(1, sizeof(*ev));

	if (!ev)
		return NULL;
	ev->e = e;
	ev->md = pcre2_match_data_create(10, NULL);
	if (!ev->md)
		goto fail;
	for (size_t i = 0; i < e->n_rules; i++)
		for (size_t l = 0; l < e->rules[i].n_links; l++)
			if (e->rules[i].links[l].m &&
			    waf_scratch_fit(&ev->scratch, e->rules[i].links[l].m) < 0)
				goto fail;
	for (size_t g = 0; g < e->n_groups; g++) {
		hs_scratch_t *sc = ev->scratch.hs;
		if (hs_alloc_scratch(e->groups[g].db, &sc) != HS_SUCCESS)
			goto fail;
		ev->scratch.hs = sc;
	}
	ev->cache_cap = CACHE_MIN;
	ev->cache = calloc(ev->cache_cap, sizeof(*ev->cache));
	ev->rh = calloc(e->n_rules ? e->n_rules : 1, sizeof(*ev->rh));
	ev->hits = calloc(e->n_rules ? e->n_rules * HITS_PER_RULE : 1, sizeof(*ev->hits));
	ev->memo = calloc(e->n_chains ? e->n_chains : 1, sizeof(*ev->memo));
	ev->jc = calloc(e->n_chains ? e->n_chains : 1, sizeof(*ev->jc));
	ev->jlist = calloc(e->n_chains ? e->n_chains : 1, sizeof(*ev->jlist));
	if (!ev->cache || !ev->rh || !ev->hits || !ev->memo || !ev->jc || !ev->jlist)
		goto fail;
	/* the defaults in the order tx_set would append them (names distinct),
	 * values pointing at the table's strings (TX values are only replaced,
	 * never written through): tx_init copies this instead of ~30 tx_sets */
	for (size_t i = 0; i < sizeof(tx_defaults) / sizeof(tx_defaults[0]); i++) {
		struct tx_var *t = &ev->tx0[ev->n_tx0];
		const char *n = tx_defaults[i][0];
		size_t nl = strlen(n);

		if (!tx_defaults[i][1])
			continue;
		for (size_t k = 0; k <= nl; k++)
			t->name[k] = (char)(n[k] >= 'A' && n[k] <= 'Z' ? n[k] + 32 : n[k]);
		t->nlen = (uint32_t)nl;
		t->val = (const uint8_t *)tx_defaults[i][1];
		t->len = (uint32_t)strlen(tx_defaults[i][1]);
		ev->n_tx0++;
	}
	return ev;
fail:
	waf_eval_free(ev);
	return NULL;
}

void waf_eval_free(struct waf_eval *ev)
{
	if (!ev)
		return;
	waf_scratch_free(&ev->scratch);
	pcre2_match_data_free(ev->md);
	for (struct arena_block *b = ev->blocks, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(ev->cache);
	free(ev->rh);
	free(ev->hits);
	free(ev->memo);
	for (size_t c = 0; ev->jc && c < ev->e->n_chains; c++) {
		free(ev->jc[c].buf);
		free(ev->jc[c].off);
	}
	free(ev->jc);
	free(ev->jlist);
	free(ev->jv);
	free(ev->jalt);
	free(ev->seen);
	free(ev->items.v);
	free(ev->prev.v);
	free(ev->curm.v);
	free(ev);
}

/* ------------------------------------------------------------ transformations */

static uint32_t cache_hash(const uint8_t *p, uint32_t len, uint16_t chain)
{
	uint64_t h = (uint64_t)(uintptr_t)p * 0x9e3779b97f4a7c15ull ^ (uint64_t)len * 0xc2b2ae3d27d4eb4full ^
		     chain;
	return (uint32_t)(h ^ (h >> 29));
}

static void cache_grow(struct waf_eval *ev)
{
	uint32_t cap = ev->cache_cap * 2;
	struct cache_ent *nc = calloc(cap, sizeof(*nc));

	if (!nc)
		return; /* keep the small table: slower, still correct */
	for (uint32_t i = 0; i < ev->cache_cap; i++) {
		struct cache_ent *c = &ev->cache[i];
		if (c->gen != ev->gen)
			continue;
		uint32_t h = cache_hash(c->in, c->inlen, c->chain) & (cap - 1);
		while (nc[h].gen == ev->gen)
			h = (h + 1) & (cap - 1);
		nc[h] = *c;
	}
	free(ev->cache);
	ev->cache = nc;
	ev->cache_cap = cap;
}

/* Byte classes (waf_tfn_classes) of the value a chain is working on, kept
 * while steps leave it unchanged (they keep the pointer). */
static uint32_t value_classes(struct waf_eval *ev, struct waf_bytes in)
{
	if (in.p != ev->cls_p || in.len != ev->cls_len) {
		ev->cls = waf_tfn_classes(in.p, in.len);
		ev->cls_p = in.p;
		ev->cls_len = in.len;
	}
	return ev->cls;
}

/* Does every step of @chain leave @in as it is? Then the chain's result is
 * @in and needs neither the cache nor the arena. */
static bool chain_identity(struct waf_eval *ev, uint16_t chain, struct waf_bytes in)
{
	const struct waf_engine *e = ev->e;
	uint32_t cls = value_classes(ev, in);

	for (uint8_t i = 0; i < e->chain_len[chain]; i++)
		if (!waf_tfn_identity_cls(e->chains[chain][i], cls, in.p, in.len))
			return false;
	return true;
}

/* One transformation into the arena. */
static struct waf_bytes tfn_one(struct waf_eval *ev, enum waf_tfn t, struct waf_bytes in)
{
	if (waf_tfn_identity_cls(t, value_classes(ev, in), in.p, in.len))
		return in; /* no byte it could change: as if applied and compared */

	size_t cap = waf_tfn_bound(t, in.len);
	struct arena_mark mk = ev_mark(ev);
	uint8_t *o = ev_alloc(ev, cap + 1);
	ssize_t n;

	if (!o)
		return in;
	n = waf_tfn_apply(t, in.p, in.len, o, cap + 1);
	if (n < 0) {
		ev->res->errors++;
		return in;
	}
	if ((size_t)n == in.len && memcmp(o, in.p, in.len) == 0) {
		/* unchanged (the common case for clean values): keep the input,
		 * so equal results share a pointer, and give the space back
		 * (only o's: the classes of @in stay valid) */
		uint32_t cls = ev->cls;
		ev_rewind(ev, mk);
		ev->cls_p = in.p;
		ev->cls = cls;
		return in;
	}
	return (struct waf_bytes){ o, (uint32_t)n };
}

/* Chain @chain over @in, cached per request by (value, chain); a chain
 * starts from its parent's (one step shorter) result, itself cached. */
static struct waf_bytes transform_chain(struct waf_eval *ev, uint16_t chain, struct waf_bytes in)
{
	const struct waf_engine *e = ev->e;
	uint8_t n = e->chain_len[chain], from = 0;

	if (!n || chain_identity(ev, chain, in))
		return in; /* a clean value: no probe of the (large) cache table */
	uint32_t h = cache_hash(in.p, in.len, chain) & (ev->cache_cap - 1);
	for (;;) {
		struct cache_ent *c = &ev->cache[h];
		if (c->gen != ev->gen)
			break;
		if (c->in == in.p && c->inlen == in.len && c->chain == chain)
			return (struct waf_bytes){ c->out, c->outlen };
		h = (h + 1) & (ev->cache_cap - 1);
	}
	struct waf_bytes v = in;
	if (e->chain_parent[chain] != NO_CHAIN) {
		v = transform_chain(ev, e->chain_parent[chain], in);
		from = e->chain_len[e->chain_parent[chain]];
	}
	for (uint8_t i = from; i < n; i++)
		v = tfn_one(ev, e->chains[chain][i], v);
	if (ev->cache_used * 2 >= ev->cache_cap) {
		cache_grow(ev);
		if (ev->cache_used * 2 >= ev->cache_cap)
			return v; /* table full (no memory): not cached */
	}
	h = cache_hash(in.p, in.len, chain) & (ev->cache_cap - 1);
	while (ev->cache[h].gen == ev->gen)
		h = (h + 1) & (ev->cache_cap - 1);
	ev->cache[h] = (struct cache_ent){ in.p, in.len, ev->gen, chain, v.p, v.len };
	ev->cache_used++;
	return v;
}

static struct waf_bytes transform(struct waf_eval *ev, const struct prog_link *pl, struct waf_bytes in)
{
	return transform_chain(ev, pl->chain_id, in);
}

/* Chain @chain over the value being prescanned: memo per chain for this
 * value only, so chains sharing a prefix transform it once and nothing is
 * kept past the value (the arena is rewound after it). */
static struct waf_bytes memo_chain(struct waf_eval *ev, uint16_t chain, struct waf_bytes in)
{
	const struct waf_engine *e = ev->e;
	struct chain_memo *m = &ev->memo[chain];
	uint8_t n = e->chain_len[chain], from = 0;
	struct waf_bytes v = in;

	if (!n)
		return in;
	if (m->gen == ev->memo_gen)
		return m->out;
	if (e->chain_parent[chain] != NO_CHAIN) {
		v = memo_chain(ev, e->chain_parent[chain], in);
		from = e->chain_len[e->chain_parent[chain]];
	}
	for (uint8_t i = from; i < n; i++)
		v = tfn_one(ev, e->chains[chain][i], v);
	m->gen = ev->memo_gen;
	m->out = v;
	return v;
}

/* ------------------------------------------------------------ operators */

static bool bytes_in(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
	if (!nl)
		return true;
	return hl >= nl && memmem(h, hl, n, nl) != NULL;
}

/* An operator whose argument was expanded from macros at run time (only
 * literal and numeric operators take this path). */
static int lit_op(enum waf_op op, const uint8_t *a, size_t al, const uint8_t *in, size_t len)
{
	switch (op) {
	case WAF_OP_CONTAINS: return bytes_in(in, len, a, al);
	case WAF_OP_BEGINSWITH: return len >= al && memcmp(in, a, al) == 0;
	case WAF_OP_ENDSWITH: return len >= al && memcmp(in + len - al, a, al) == 0;
	case WAF_OP_STREQ: return len == al && memcmp(in, a, len) == 0;
	case WAF_OP_WITHIN: return len > 0 && bytes_in(a, al, in, len);
	case WAF_OP_EQ: return num_of(in, len) == num_of(a, al);
	case WAF_OP_GE: return num_of(in, len) >= num_of(a, al);
	case WAF_OP_GT: return num_of(in, len) > num_of(a, al);
	case WAF_OP_LT: return num_of(in, len) < num_of(a, al);
	case WAF_OP_LE: return num_of(in, len) <= num_of(a, al);
	default: return -EINVAL;
	}
}

static int run_op(struct waf_eval *ev, const struct prog_link *pl, struct waf_bytes in)
{
	int r;

	if (pl->m) {
		r = waf_matcher_match(pl->m, &ev->scratch, in.p, in.len);
	} else {
		size_t al = expand(ev, pl->arg, ev->macro, sizeof(ev->macro));
		r = lit_op(pl->op, (const uint8_t *)ev->macro, al, in.p, in.len);
	}
	if (r < 0) {
		ev->res->errors++;
		return 0;
	}
	return pl->negated ? !r : r;
}

/* ------------------------------------------------------------ targets */

static struct waf_bytes num_str(struct waf_eval *ev, unsigned long long n)
{
	char *d = ev_alloc(ev, 24);

	if (!d)
		return (struct waf_bytes){ (const uint8_t *)"0", 1 };
	int l = snprintf(d, 24, "%llu", n);
	return (struct waf_bytes){ (const uint8_t *)d, (uint32_t)l };
}

static struct waf_bytes cstr(const char *s)
{
	return (struct waf_bytes){ (const uint8_t *)s, (uint32_t)strlen(s) };
}

static void add_coll(struct waf_eval *ev, struct cands *out, enum waf_var var,
		     const struct waf_items *it, uint32_t from, uint32_t to, bool names)
{
	for (uint32_t i = from; i < to && i < it->n; i++)
		cands_push(ev, out, var, it->v[i].name, names ? it->v[i].name : it->v[i].value);
}

static void scalar(struct waf_eval *ev, struct cands *out, enum waf_var var, struct waf_bytes b)
{
	if (b.p)
		cands_push(ev, out, var, (struct waf_bytes){ NULL, 0 }, b);
}

/* FULL_REQUEST as ModSecurity v3 builds it: request line, header lines,
 * empty line, body (what the view kept of it). Built only when a rule reads
 * it (the XXE rules of rules/rampart-api, behind a REQBODY_PROCESSOR check):
 * it is the one variable that shows an XML body's DOCTYPE. */
static void full_request(struct waf_eval *ev, struct cands *out, enum waf_var var)
{
	const struct waf_reqview *v = ev->v;
	const struct waf_items *h = &v->coll[WAF_RC_HEADERS];
	size_t n = (size_t)v->line.len + 4 + v->body.len, k = 0;
	uint8_t *d;

	if (!v->line.p)
		return;
	for (uint32_t i = 0; i < h->n; i++)
		n += (size_t)h->v[i].name.len + 4 + h->v[i].value.len;
	if (!(d = ev_alloc(ev, n)))
		return;
	memcpy(d, v->line.p, v->line.len);
	k = v->line.len;
	d[k++] = '\r';
	d[k++] = '\n';
	for (uint32_t i = 0; i < h->n; i++) {
		if (h->v[i].name.len)
			memcpy(d + k, h->v[i].name.p, h->v[i].name.len);
		k += h->v[i].name.len;
		d[k++] = ':';
		d[k++] = ' ';
		if (h->v[i].value.len)
			memcpy(d + k, h->v[i].value.p, h->v[i].value.len);
		k += h->v[i].value.len;
		d[k++] = '\r';
		d[k++] = '\n';
	}
	d[k++] = '\r';
	d[k++] = '\n';
	if (v->body.len)
		memcpy(d + k, v->body.p, v->body.len);
	k += v->body.len;
	cands_push(ev, out, var, (struct waf_bytes){ NULL, 0 }, (struct waf_bytes){ d, (uint32_t)k });
}

/* Every (key, value) of @var, before key selection. */
static void collect(struct waf_eval *ev, enum waf_var var, struct cands *out)
{
	const struct waf_reqview *v = ev->v;
	const struct waf_items *c = v->coll;
	struct waf_bytes none = { NULL, 0 };

	switch (var) {
	case WAF_V_ARGS:
	case WAF_V_ARGS_NAMES: {
		bool names = var == WAF_V_ARGS_NAMES;
		add_coll(ev, out, var, &c[WAF_RC_ARGS_GET], 0, UINT32_MAX, names);
		add_coll(ev, out, var, &c[WAF_RC_ARGS_POST], 0, UINT32_MAX, names);
		break;
	}
	case WAF_V_ARGS_GET: add_coll(ev, out, var, &c[WAF_RC_ARGS_GET], 0, UINT32_MAX, false); break;
	case WAF_V_ARGS_GET_NAMES: add_coll(ev, out, var, &c[WAF_RC_ARGS_GET], 0, UINT32_MAX, true); break;
	case WAF_V_ARGS_POST: add_coll(ev, out, var, &c[WAF_RC_ARGS_POST], 0, UINT32_MAX, false); break;
	case WAF_V_ARGS_POST_NAMES: add_coll(ev, out, var, &c[WAF_RC_ARGS_POST], 0, UINT32_MAX, true); break;
	case WAF_V_REQUEST_HEADERS: add_coll(ev, out, var, &c[WAF_RC_HEADERS], 0, UINT32_MAX, false); break;
	case WAF_V_REQUEST_HEADERS_NAMES: add_coll(ev, out, var, &c[WAF_RC_HEADERS], 0, UINT32_MAX, true); break;
	case WAF_V_REQUEST_COOKIES: add_coll(ev, out, var, &c[WAF_RC_COOKIES], 0, UINT32_MAX, false); break;
	case WAF_V_REQUEST_COOKIES_NAMES: add_coll(ev, out, var, &c[WAF_RC_COOKIES], 0, UINT32_MAX, true); break;
	case WAF_V_FILES: add_coll(ev, out, var, &c[WAF_RC_FILES], 0, UINT32_MAX, false); break;
	case WAF_V_FILES_NAMES: add_coll(ev, out, var, &c[WAF_RC_FILES], 0, UINT32_MAX, true); break;
	case WAF_V_MULTIPART_PART_HEADERS:
		add_coll(ev, out, var, &c[WAF_RC_PART_HEADERS], 0, UINT32_MAX, false);
		break;
	case WAF_V_XML:
		add_coll(ev, out, var, &c[WAF_RC_XML], 0, UINT32_MAX, false);
		break;
	case WAF_V_ARGS_COMBINED_SIZE: cands_push(ev, out, var, none, num_str(ev, v->args_combined_size)); break;
	case WAF_V_FILES_COMBINED_SIZE: cands_push(ev, out, var, none, num_str(ev, v->files_combined_size)); break;
	case WAF_V_REQUEST_BODY_LENGTH: cands_push(ev, out, var, none, num_str(ev, v->body_len)); break;
	/* absent (p NULL: a refused request's unread parts) is not empty */
	case WAF_V_QUERY_STRING: scalar(ev, out, var, v->query); break;
	case WAF_V_REQUEST_URI: scalar(ev, out, var, v->uri); break;
	case WAF_V_REQUEST_URI_RAW: scalar(ev, out, var, v->uri_raw); break;
	case WAF_V_REQUEST_FILENAME: scalar(ev, out, var, v->filename); break;
	case WAF_V_REQUEST_BASENAME: scalar(ev, out, var, v->basename); break;
	case WAF_V_REQUEST_LINE: scalar(ev, out, var, v->line); break;
	case WAF_V_REQUEST_METHOD: scalar(ev, out, var, v->method); break;
	case WAF_V_REQUEST_PROTOCOL: scalar(ev, out, var, v->protocol); break;
	case WAF_V_REQUEST_BODY:
		/* ModSecurity fills REQUEST_BODY for URLENCODED, and CRS's 901340
		 * forces it when no processor ran; XML, JSON and MULTIPART bodies
		 * are seen through their parsed collections only */
		if (v->body.len && (v->bodyproc == WAF_BP_NONE || v->bodyproc == WAF_BP_URLENCODED))
			cands_push(ev, out, var, none, v->body);
		break;
	case WAF_V_MULTIPART_STRICT_ERROR:
		if (v->bodyproc == WAF_BP_MULTIPART)
			cands_push(ev, out, var, none, cstr(v->multipart_strict_error ? "1" : "0"));
		break;
	case WAF_V_MULTIPART_UNMATCHED_BOUNDARY:
		if (v->bodyproc == WAF_BP_MULTIPART)
			cands_push(ev, out, var, none, cstr(v->multipart_unmatched_boundary ? "1" : "0"));
		break;
	case WAF_V_REQBODY_ERROR:
	case WAF_V_REQBODY_PROCESSOR_ERROR:
		cands_push(ev, out, var, none, cstr(v->reqbody_error ? "1" : "0"));
		break;
	case WAF_V_REQBODY_PROCESSOR:
		if (v->bodyproc != WAF_BP_NONE)
			cands_push(ev, out, var, none, cstr(waf_bodyproc_name(v->bodyproc)));
		break;
	case WAF_V_FULL_REQUEST: full_request(ev, out, var); break;
	case WAF_V_TX:
		for (uint32_t i = 0; i < ev->n_tx; i++)
			cands_push(ev, out, var, (struct waf_bytes){ (const uint8_t *)ev->tx[i].name, ev->tx[i].nlen },
				   (struct waf_bytes){ ev->tx[i].val, ev->tx[i].len });
		break;
	case WAF_V_MATCHED_VAR:
		if (ev->prev.n) {
			struct cand m = ev->prev.v[ev->prev.n - 1];
			cands_push(ev, out, var, none, m.value);
		}
		break;
	case WAF_V_MATCHED_VARS:
		for (size_t i = 0; i < ev->prev.n; i++)
			cands_push(ev, out, var, none, ev->prev.v[i].value);
		break;
	case WAF_V_MATCHED_VAR_NAME:
	case WAF_V_MATCHED_VARS_NAMES:
		for (size_t i = var == WAF_V_MATCHED_VAR_NAME && ev->prev.n ? ev->prev.n - 1 : 0;
		     i < ev->prev.n; i++) {
			char tmp[WAF_TARGET_NAME_MAX];
			size_t l = match_name(&ev->prev.v[i], tmp, sizeof(tmp));
			if (l >= sizeof(tmp))
				l = sizeof(tmp) - 1;
			uint8_t *d = ev_alloc(ev, l + 1);
			if (!d)
				break;
			memcpy(d, tmp, l + 1);
			cands_push(ev, out, var, none, (struct waf_bytes){ d, (uint32_t)l });
		}
		break;
	default:
		break; /* response, connection and persistent collections: empty here */
	}
}

static bool key_matches(struct waf_eval *ev, const struct prog_target *t, struct waf_bytes key)
{
	if (t->key_lit) {
		const uint8_t *k = key.p ? key.p : (const uint8_t *)"";
		if (t->key_lit_anchored)
			return key.len >= t->key_lit_len && eq_ci(k, t->key_lit_len, t->key_lit, t->key_lit_len);
		for (size_t i = 0; i + t->key_lit_len <= key.len; i++) {
			uint8_t c = k[i] >= 'A' && k[i] <= 'Z' ? k[i] + 32 : k[i];
			if (c == (uint8_t)t->key_lit[0] &&
			    eq_ci(k + i, t->key_lit_len, t->key_lit, t->key_lit_len))
				return true;
		}
		return false;
	}
	if (t->key_re) {
		int rc = pcre2_match(t->key_re, key.p ? key.p : (const uint8_t *)"", key.len, 0, 0,
				     ev->md, NULL);
		return rc >= 0;
	}
	if (t->var == WAF_V_XML) /* "/ *" text, "//@ *" attributes */
		return true;
	return eq_ci(key.p ? key.p : (const uint8_t *)"", key.len, t->key, t->klen);
}

static bool xml_selected(const struct waf_eval *ev, const struct prog_target *t, size_t idx)
{
	bool attr = t->key && strstr(t->key, "@");
	return attr ? idx >= ev->v->xml_text_items : idx < ev->v->xml_text_items;
}

/* The values of link @pl: targets expanded, keys selected, exclusions
 * removed, counts computed. Into ev->items. */
static void link_values(struct waf_eval *ev, const struct prog_link *pl)
{
	ev->items.n = 0;
	for (size_t i = 0; i < pl->n_t; i++) {
		const struct prog_target *t = &pl->t[i];
		size_t start = ev->items.n, w = start;

		if (t->exclude)
			continue;
		collect(ev, t->var, &ev->items);
		for (size_t k = start; k < ev->items.n; k++) {
			struct cand c = ev->items.v[k];
			bool keep = true;

			if (t->var == WAF_V_XML && t->key)
				keep = xml_selected(ev, t, k - start);
			else if (t->key || t->key_re)
				keep = key_matches(ev, t, c.key);
			for (size_t x = 0; keep && x < pl->n_t; x++) {
				const struct prog_target *ex = &pl->t[x];
				if (ex->exclude && ex->var == t->var &&
				    (!ex->key && !ex->key_re ? true : key_matches(ev, ex, c.key)))
					keep = false;
			}
			if (keep)
				ev->items.v[w++] = c;
		}
		if (t->count && ev->v->head_absent &&
		    (t->var == WAF_V_REQUEST_HEADERS || t->var == WAF_V_REQUEST_HEADERS_NAMES ||
		     t->var == WAF_V_REQUEST_COOKIES || t->var == WAF_V_REQUEST_COOKIES_NAMES)) {
			w = start; /* unread headers are absent, not counted as none */
		} else if (t->count) {
			size_t cnt = w - start;
			char *d = ev_alloc(ev, 2 + (t->key ? strlen(t->key) : 0));
			struct waf_bytes key = { NULL, 0 };
			if (d && t->key) {
				strcpy(d, t->key);
				key = cstr(d);
			}
			ev->items.v[start] = (struct cand){ t->var, key, num_str(ev, cnt) };
			w = start + 1;
		}
		ev->items.n = w;
	}
}

/* ------------------------------------------------------------ actions */

static void run_setvar(struct waf_eval *ev, const struct prog_setvar *s)
{
	char name[TX_NAME_MAX + 8];
	size_t nl = expand(ev, s->name, name, sizeof(name));

	if (nl < 4 || strncasecmp(name, "tx.", 3) != 0)
		return; /* only TX lives on the request path */
	const char *n = name + 3;
	nl -= 3;
	if (s->op == WAF_SV_UNSET) {
		tx_unset(ev, n, nl);
		return;
	}
	size_t vl = expand(ev, s->value ? s->value : "", ev->macro, sizeof(ev->macro));
	if (s->op == WAF_SV_SET) {
		tx_set(ev, n, nl, (const uint8_t *)ev->macro, vl);
		return;
	}
	struct tx_var *t = tx_find(ev, n, nl);
	long long cur = t ? num_of(t->val, t->len) : 0;
	long long d = num_of((const uint8_t *)ev->macro, vl);
	char num[24];
	int l = snprintf(num, sizeof(num), "%lld", s->op == WAF_SV_ADD ? cur + d : cur - d);
	tx_set(ev, n, nl, (const uint8_t *)num, (size_t)l);
}

static void set_captures(struct waf_eval *ev, const struct prog_link *pl, struct waf_bytes in)
{
	int rc = pcre2_match(pl->cap_re, in.p ? in.p : (const uint8_t *)"", in.len, 0, 0, ev->md, NULL);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(ev->md);

	for (int i = 0; i < rc && i < 10; i++) {
		char n[2] = { (char)('0' + i), 0 };
		if (ov[2 * i] == PCRE2_UNSET)
			tx_set(ev, n, 1, (const uint8_t *)"", 0);
		else
			tx_set(ev, n, 1, in.p + ov[2 * i], ov[2 * i + 1] - ov[2 * i]);
	}
}

static void record(struct waf_eval *ev, const struct prog_rule *r, const struct cand *m)
{
	struct waf_result *res = ev->res;

	if (res->n_matches < WAF_MATCH_MAX) {
		struct waf_match *o = &res->matches[res->n_matches];
		o->id = r->id;
		o->severity = r->severity;
		o->target[0] = 0;
		o->excerpt[0] = 0;
		if (m) {
			match_name(m, o->target, sizeof(o->target));
			size_t n = m->value.len < WAF_EXCERPT_MAX ? m->value.len : WAF_EXCERPT_MAX;
			for (size_t i = 0; i < n; i++) {
				uint8_t c = m->value.p[i];
				o->excerpt[i] = (char)(c >= 0x20 && c < 0x7f ? c : '.');
			}
			o->excerpt[n] = 0;
		}
	}
	res->n_matches++;
	if (r->disrupt == WAF_D_DENY || r->disrupt == WAF_D_DROP)
		res->block = true;
}

/* ------------------------------------------------------------ evaluation */

/* Did the grouped scan report this (untransformed) value for the rule? */
static bool hit_has(const struct waf_eval *ev, const struct rule_hits *rh, struct waf_bytes val)
{
	for (uint32_t h = rh->head; h; h = ev->hits[h - 1].next) {
		const struct hit *x = &ev->hits[h - 1];
		if (x->len == val.len && (x->p == val.p || memcmp(x->p, val.p, val.len) == 0))
			return true;
	}
	return false;
}

/* Evaluate one link over its values; matches go to ev->curm. @rh: only the
 * values the grouped scan reported can match (NULL: all values). */
static void eval_link(struct waf_eval *ev, const struct prog_link *pl, const struct rule_hits *rh)
{
	link_values(ev, pl);
	ev->curm.n = 0;
	for (size_t i = 0; i < ev->items.n; i++) {
		struct cand c = ev->items.v[i];
		struct waf_bytes val = c.value;
		bool hit = false;

		if (!val.p)
			val.p = empty_value;
		if (rh && !hit_has(ev, rh, val))
			continue; /* the grouped scan found nothing in this value */
		if (pl->multi_match) {
			/* the operator on the value and after every step; the steps
			 * are the chain's cached prefixes, and a step that left the
			 * value unchanged (tfn_one keeps the pointer) cannot change
			 * the operator's answer */
			const struct waf_engine *e = ev->e;
			uint16_t pre[WAF_TFN_MAX], c = pl->chain_id;
			struct waf_bytes x = val;
			for (uint8_t k = pl->n_tfn; k > 0; k--, c = e->chain_parent[c])
				pre[k - 1] = c;
			hit = run_op(ev, pl, x);
			for (uint8_t k = 0; k < pl->n_tfn && !hit; k++) {
				struct waf_bytes nx = transform_chain(ev, pre[k], val);
				if (nx.p == x.p && nx.len == x.len)
					continue;
				x = nx;
				hit = run_op(ev, pl, x);
			}
			val = x;
		} else {
			val = transform(ev, pl, val);
			/* a remembered hit of an exact pattern on this value is the
			 * operator's answer: no second scan */
			hit = rh && pl->scan_decides ? true : run_op(ev, pl, val);
		}
		if (!hit)
			continue;
		c.value = val;
		if (!cands_push(ev, &ev->curm, c.var, c.key, c.value))
			return;
		if (pl->cap_re)
			set_captures(ev, pl, val);
		if (pl->has_per_match) {
			ev->match = &ev->curm.v[ev->curm.n - 1];
			for (size_t s = 0; s < pl->n_sv; s++)
				if (pl->sv[s].per_match)
					run_setvar(ev, &pl->sv[s]);
		}
		if (pl->first_match_enough)
			break;
	}
}

static void eval_rule(struct waf_eval *ev, const struct prog_rule *r, const struct rule_hits *rh)
{
	struct cand last = { 0 };
	bool have_last = false;

	ev->prev.n = 0;
	for (size_t l = 0; l < r->n_links; l++) {
		eval_link(ev, &r->links[l], l == 0 ? rh : NULL);
		if (!ev->curm.n)
			return;
		last = ev->curm.v[ev->curm.n - 1];
		have_last = true;
		struct cands t = ev->prev;
		ev->prev = ev->curm;
		ev->curm = t;
	}
	ev->match = have_last ? &last : NULL;
	for (size_t l = 0; l < r->n_links; l++)
		for (size_t s = 0; s < r->links[l].n_sv; s++)
			if (!r->links[l].sv[s].per_match)
				run_setvar(ev, &r->links[l].sv[s]);
	record(ev, r, have_last ? &last : NULL);
	ev->match = NULL;
}

/* ------------------------------------------------------------ grouped scan */

struct scan_ctx {
	struct waf_eval *ev;
	const struct scan_group *g;
	struct waf_bytes val; /* untransformed: what the exact path compares */
};

static void mark_hit(struct waf_eval *ev, uint32_t rule, struct waf_bytes val)
{
	struct rule_hits *rh = &ev->rh[rule];

	rh->cand = true;
	if (rh->all)
		return;
	if (rh->head) {
		const struct hit *last = &ev->hits[rh->head - 1];
		if (last->p == val.p && last->len == val.len)
			return; /* another pattern of the rule on the same value */
	}
	if (rh->n == HITS_PER_RULE || ev->n_hits == ev->e->n_rules * HITS_PER_RULE) {
		rh->all = true;
		return;
	}
	ev->hits[ev->n_hits] = (struct hit){ val.p, val.len, rh->head };
	rh->head = ++ev->n_hits;
	rh->n++;
}

/* Does grouped rule @rule run at this level and read the source being
 * scanned? A database serves the union of its rules' sources; a hit of a
 * rule on a source it does not read is no hit (the exact path would only
 * compare it with the rule's own values, and those are scanned as their
 * own source). */
static bool rule_reads(const struct waf_eval *ev, uint32_t rule)
{
	const struct prog_rule *r = &ev->e->rules[rule];

	return r->paranoia <= ev->pl && (r->srcs[ev->src / 64] >> (ev->src % 64) & 1);
}

static int on_group_hit(unsigned id, unsigned long long from, unsigned long long to,
			unsigned flags, void *ctx)
{
	struct scan_ctx *sc = ctx;
	uint32_t rule = sc->g->pat_rule[id];

	(void)from;
	(void)to;
	(void)flags;
	if (rule_reads(sc->ev, rule))
		mark_hit(sc->ev, rule, sc->val);
	return 0; /* other patterns may hit too */
}

/* @x (the chain's result for @val) through group @g's database. */
static void scan_group_value(struct waf_eval *ev, const struct scan_group *g, struct waf_bytes x,
			     struct waf_bytes val)
{
	struct scan_ctx sc = { ev, g, val };
	hs_error_t rc = hs_scan(g->db, (const char *)x.p, x.len, 0, ev->scratch.hs, on_group_hit, &sc);

	if (rc != HS_SUCCESS) {
		/* cannot tell: every rule of the group checks every value */
		ev->res->errors++;
		for (uint32_t k = 0; k < g->n_pat; k++) {
			ev->rh[g->pat_rule[k]].cand = true;
			ev->rh[g->pat_rule[k]].all = true;
		}
	}
}

static void memo_next(struct waf_eval *ev)
{
	if (++ev->memo_gen == 0) {
		memset(ev->memo, 0, ev->e->n_chains * sizeof(*ev->memo));
		ev->memo_gen = 1;
	}
}

/* One value of a source through every group of that source. */
static void scan_value(struct waf_eval *ev, uint32_t g0, uint32_t ng, struct waf_bytes val)
{
	const struct waf_engine *e = ev->e;
	struct arena_mark mk = ev_mark(ev);

	if (!val.p)
		val.p = empty_value;
	memo_next(ev);
	for (uint32_t i = g0; i < g0 + ng; i++) {
		const struct scan_group *g = &e->groups[e->src_groups[i]];
		if (g->min_pl > ev->pl)
			continue;
		scan_group_value(ev, g, memo_chain(ev, g->chain, val), val);
	}
	ev_rewind(ev, mk); /* only the hits' untransformed pointers stay */
}

/* ---- joined scan: per-call cost dominates short values (~20-byte JSON
 * and query values, one hs_scan per value per database), so a source's
 * values are joined per chain with '\n' after each and scanned once per
 * database. A database only reports on the joined buffer if some match
 * exists in it (each value's matches are matches of the buffer: see
 * expr_joinable); nothing reported, nothing to mark. A report (maybe a
 * match across two values) halves the range until single values are
 * scanned on their own, exactly as one by one: the same rules are marked
 * with the same values in the same order.
 *
 * Narrowing costs log2(values) rescans per report (Hyperscan scans a
 * block whole even when the callback stops it early), so a rule that is
 * already checked on every value (rule_hits.all) stops no scan, and one
 * whose reports stopped JOIN_NARROW_MAX scans in this request is set to
 * be checked on every value: its exact path then decides, which is the
 * one-by-one verdict by definition. Values of a 64 KiB benign JSON body
 * (1,600 of them) gave CRS 932100 thousands of reports across the '\n'
 * separator and 932150 thousands of real ones; each sent the scan down
 * the halving again. */

#define JOIN_LEAF 2u          /* ranges this short are scanned value by value */
#define JOIN_NARROW_MAX 64u   /* joined scans one rule may stop per request */

static struct waf_bytes jc_value(const struct jchain *j, uint32_t i)
{
	return (struct waf_bytes){ j->buf + j->off[i], j->off[i + 1] - j->off[i] - 1 };
}

static bool jc_append(struct jchain *j, uint32_t i, struct waf_bytes x)
{
	if (i + 2 > j->off_cap) {
		uint32_t cap = j->off_cap ? j->off_cap * 2 : 256;
		while (cap < i + 2)
			cap *= 2;
		uint32_t *no = realloc(j->off, (size_t)cap * sizeof(*no));
		if (!no)
			return false;
		j->off = no;
		j->off_cap = cap;
	}
	if ((uint64_t)j->len + x.len + 1 > UINT32_MAX / 2)
		return false;
	if (j->len + x.len + 1 > j->cap) {
		uint64_t cap = j->cap ? (uint64_t)j->cap * 2 : 4096;
		while (cap < (uint64_t)j->len + x.len + 1)
			cap *= 2;
		uint8_t *nb = realloc(j->buf, cap);
		if (!nb)
			return false;
		j->buf = nb;
		j->cap = (uint32_t)cap;
	}
	j->off[i] = j->len;
	if (x.len)
		memcpy(j->buf + j->len, x.p, x.len);
	j->len += x.len;
	j->buf[j->len++] = '\n';
	j->off[i + 1] = j->len;
	return true;
}

static int on_joined_hit(unsigned id, unsigned long long from, unsigned long long to,
			 unsigned flags, void *ctx)
{
	const struct scan_ctx *sc = ctx;
	uint32_t rule = sc->g->pat_rule[id];
	struct rule_hits *rh = &sc->ev->rh[rule];

	(void)from;
	(void)to;
	(void)flags;
	if (!rule_reads(sc->ev, rule) || rh->all)
		return 0; /* all: its exact path checks every value anyway */
	if (++rh->narrowed > JOIN_NARROW_MAX) {
		rh->cand = rh->all = true;
		return 0;
	}
	return 1; /* stop, look closer */
}

static void scan_joined(struct waf_eval *ev, const struct scan_group *g, const struct jchain *j,
			uint32_t lo, uint32_t hi)
{
	if (hi - lo <= JOIN_LEAF) {
		for (uint32_t i = lo; i < hi; i++)
			scan_group_value(ev, g, jc_value(j, i), ev->jv[i]);
		return;
	}
	struct scan_ctx sc = { ev, g, { NULL, 0 } };
	/* the last value keeps its separator too: "^$" on an empty last value
	 * needs the line end after it (^ does not match after a final '\n') */
	hs_error_t rc = hs_scan(g->db, (const char *)j->buf + j->off[lo], j->off[hi] - j->off[lo],
				0, ev->scratch.hs, on_joined_hit, &sc);
	if (rc == HS_SUCCESS)
		return; /* no report of a rule that reads this source and needs one */
	uint32_t mid = lo + (hi - lo) / 2;
	scan_joined(ev, g, j, lo, mid);
	scan_joined(ev, g, j, mid, hi);
}

/* @j's buffer with @sep after each value (in ev->jalt), described by
 * @alt; NULL when there is no memory for it. */
static const struct jchain *with_sep(struct waf_eval *ev, const struct jchain *j, uint8_t sep,
				     struct jchain *alt)
{
	if (j->len > ev->jalt_cap) {
		uint8_t *nb = realloc(ev->jalt, j->len);
		if (!nb)
			return NULL;
		ev->jalt = nb;
		ev->jalt_cap = j->len;
	}
	memcpy(ev->jalt, j->buf, j->len);
	for (uint32_t i = 0; i < ev->n_jv; i++)
		ev->jalt[j->off[i + 1] - 1] = sep;
	*alt = *j;
	alt->buf = ev->jalt;
	return alt;
}

/* The values in ev->jv (one source, deduplicated) through the groups
 * g0..g0+ng: each value transformed once per chain (prefixes shared),
 * joined per chain; joinable groups scan the joined buffer, the others
 * each value's slice of it. */
static void scan_values(struct waf_eval *ev, uint32_t g0, uint32_t ng)
{
	const struct waf_engine *e = ev->e;
	struct jchain alt;
	uint32_t nl = 0;
	bool ok = true;

	if (ev->n_jv < 2) {
		for (uint32_t v = 0; v < ev->n_jv; v++)
			scan_value(ev, g0, ng, ev->jv[v]);
		return;
	}
	if (++ev->jstamp == 0) {
		for (uint32_t c = 0; c < e->n_chains; c++)
			ev->jc[c].stamp = 0;
		ev->jstamp = 1;
	}
	for (uint32_t i = g0; i < g0 + ng; i++) {
		const struct scan_group *g = &e->groups[e->src_groups[i]];
		struct jchain *j = &ev->jc[g->chain];
		if (g->min_pl > ev->pl || j->stamp == ev->jstamp)
			continue;
		j->stamp = ev->jstamp;
		j->len = 0;
		ev->jlist[nl++] = g->chain;
	}
	for (uint32_t v = 0; v < ev->n_jv && ok; v++) {
		struct arena_mark mk = ev_mark(ev);
		memo_next(ev);
		for (uint32_t c = 0; c < nl && ok; c++)
			ok = jc_append(&ev->jc[ev->jlist[c]], v, memo_chain(ev, ev->jlist[c], ev->jv[v]));
		ev_rewind(ev, mk);
	}
	if (!ok) { /* no memory for the joined buffers: one by one */
		for (uint32_t v = 0; v < ev->n_jv; v++)
			scan_value(ev, g0, ng, ev->jv[v]);
		return;
	}
	for (uint32_t i = g0; i < g0 + ng; i++) {
		const struct scan_group *g = &e->groups[e->src_groups[i]];
		const struct jchain *j = &ev->jc[g->chain];
		if (g->min_pl > ev->pl)
			continue;
		if (g->joinable && g->sep != '\n')
			j = with_sep(ev, j, g->sep, &alt);
		if (g->joinable && j) {
			scan_joined(ev, g, j, 0, ev->n_jv);
			continue;
		}
		j = &ev->jc[g->chain];
		for (uint32_t v = 0; v < ev->n_jv; v++)
			scan_group_value(ev, g, jc_value(j, v), ev->jv[v]);
	}
}

static bool jv_push(struct waf_eval *ev, struct waf_bytes val)
{
	if (ev->n_jv == ev->jv_cap) {
		uint32_t cap = ev->jv_cap ? ev->jv_cap * 2 : 256;
		struct waf_bytes *n = realloc(ev->jv, (size_t)cap * sizeof(*n));
		if (!n)
			return false;
		ev->jv = n;
		ev->jv_cap = cap;
	}
	ev->jv[ev->n_jv++] = val;
	return true;
}

static uint32_t bytes_hash(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void seen_grow(struct waf_eval *ev)
{
	uint32_t cap = ev->seen_cap ? ev->seen_cap * 2 : 1024;
	struct seen_ent *n = calloc(cap, sizeof(*n));

	if (!n)
		return; /* keep the small table: values past it are scanned again */
	for (uint32_t i = 0; i < ev->seen_cap; i++) {
		const struct seen_ent *o = &ev->seen[i];
		if (o->gen != ev->gen)
			continue;
		uint32_t h = o->hash & (cap - 1);
		while (n[h].gen == ev->gen)
			h = (h + 1) & (cap - 1);
		n[h] = *o;
	}
	free(ev->seen);
	ev->seen = n;
	ev->seen_cap = cap;
}

/* Was this value of @src scanned already? Remembers it if not. */
static bool seen_before(struct waf_eval *ev, uint16_t src, struct waf_bytes val)
{
	uint32_t hash = bytes_hash(val.p, val.len) ^ src * 0x9e3779b1u;

	if (ev->seen_used * 2 >= ev->seen_cap) {
		seen_grow(ev);
		if (ev->seen_used * 2 >= ev->seen_cap)
			return false;
	}
	uint32_t h = hash & (ev->seen_cap - 1);
	for (; ev->seen[h].gen == ev->gen; h = (h + 1) & (ev->seen_cap - 1)) {
		const struct seen_ent *x = &ev->seen[h];
		if (x->hash == hash && x->src == src && x->len == val.len &&
		    (x->p == val.p || memcmp(x->p, val.p, val.len) == 0))
			return true;
	}
	ev->seen[h] = (struct seen_ent){ ev->gen, src, val.len, hash, val.p };
	ev->seen_used++;
	return false;
}

static void prescan(struct waf_eval *ev, uint8_t pl)
{
	const struct waf_engine *e = ev->e;
	const struct waf_reqview *v = ev->v;

	ev->pl = pl;
	ev->n_hits = 0;
	ev->seen_used = 0; /* entries of older requests carry older stamps */
	memset(ev->rh, 0, e->n_rules * sizeof(*ev->rh));
	for (uint32_t src = 0; src < SRC_COUNT; src++) {
		uint32_t g0 = e->src_first[src], ng = e->src_n[src];

		if (!ng)
			continue;
		ev->src = (uint16_t)src;
		if (src < SRC_COLLS) {
			const struct waf_items *it = &v->coll[src / 2];
			bool names = src & 1;
			ev->n_jv = 0;
			for (uint32_t i = 0; i < it->n; i++) {
				struct waf_bytes val = names ? it->v[i].name : it->v[i].value;
				if (!val.p)
					val.p = empty_value;
				if (seen_before(ev, (uint16_t)src, val))
					continue;
				if (!jv_push(ev, val)) { /* no room to join: flush, go on */
					scan_values(ev, g0, ng);
					ev->n_jv = 0;
					scan_value(ev, g0, ng, val);
				}
			}
			scan_values(ev, g0, ng);
			continue;
		}
		ev->items.n = 0;
		collect(ev, (enum waf_var)(src - SRC_COLLS), &ev->items);
		for (size_t i = 0; i < ev->items.n; i++)
			scan_value(ev, g0, ng, ev->items.v[i].value);
	}
}

static void tx_init(struct waf_eval *ev, const struct waf_engine_conf *conf)
{
	char num[16];
	int l;

	memcpy(ev->tx, ev->tx0, ev->n_tx0 * sizeof(ev->tx[0]));
	ev->n_tx = ev->n_tx0;
	l = snprintf(num, sizeof(num), "%u", conf->paranoia);
	tx_set(ev, "paranoia_level", 14, (const uint8_t *)num, (size_t)l);
	tx_set(ev, "executing_paranoia_level", 24, (const uint8_t *)num, (size_t)l);
	l = snprintf(num, sizeof(num), "%u", conf->inbound_threshold);
	tx_set(ev, "inbound_anomaly_score_threshold", 31, (const uint8_t *)num, (size_t)l);
}

int waf_eval_run(struct waf_eval *ev, const struct waf_engine_conf *conf,
		 const struct waf_reqview *v, struct waf_result *res)
{
	const struct waf_engine *e = ev->e;

	memset(res, 0, sizeof(*res));
	for (struct arena_block *b = ev->blocks; b; b = b->next)
		b->used = 0;
	ev->cur = ev->blocks;
	ev->cls_p = NULL;
	ev->oom = false;
	if (++ev->gen == 0) { /* wrapped: old stamps could look current */
		memset(ev->cache, 0, ev->cache_cap * sizeof(*ev->cache));
		if (ev->seen)
			memset(ev->seen, 0, ev->seen_cap * sizeof(*ev->seen));
		ev->gen = 1;
	}
	ev->cache_used = 0;
	ev->v = v;
	ev->res = res;
	ev->match = NULL;
	tx_init(ev, conf);
	if (!conf->per_rule)
		prescan(ev, conf->paranoia);
	for (size_t i = 0; i < e->n_rules; i++) {
		const struct prog_rule *r = &e->rules[i];
		const struct rule_hits *rh = &ev->rh[i];

		if (r->paranoia > conf->paranoia)
			continue;
		res->rules_run++;
		if (conf->per_rule) {
			eval_rule(ev, r, NULL);
			continue;
		}
		if (r->grouped && !rh->cand)
			continue; /* no pattern of its first link hit any value */
		eval_rule(ev, r, r->grouped && !rh->all ? rh : NULL);
	}
	for (int p = 0; p < 4; p++) {
		char n[20];
		int l = snprintf(n, sizeof(n), "anomaly_score_pl%d", p + 1);
		struct tx_var *t = tx_find(ev, n, (size_t)l);
		long long s = t ? num_of(t->val, t->len) : 0;
		res->score_pl[p] = s > 0 ? (uint32_t)s : 0;
		if (p < conf->paranoia)
			res->score += res->score_pl[p];
	}
	if (res->score >= conf->inbound_threshold)
		res->block = true;
	ev->v = NULL;
	ev->res = NULL;
	return ev->oom ? -ENOMEM : 0;
}
