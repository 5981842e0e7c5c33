/* OWASP CRS importer: SecRule / SecAction / SecMarker directives into the
 * rule model (waf_types.h), classification into imported and skipped, and
 * the Hyperscan compile check. See crs_import.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crs_import.h"
#include "seclang_lex.h"
#include "waf/waf_model.h"

static const struct {
	const char *name;
	enum waf_var_class cls;
} var_table[WAF_V__COUNT] = {
#define WAF_VAR_ROW(n, c) [WAF_V_##n] = { #n, WAF_VC_##c },
	WAF_VARS(WAF_VAR_ROW)
#undef WAF_VAR_ROW
};

/* ------------------------------------------------------------ helpers */

static char *xstrndup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int add_error(struct waf_ruleset *rs, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rs->n_errors == rs->cap_errors) {
		size_t cap = rs->cap_errors ? rs->cap_errors * 2 : 8;
		struct crs_error *e = realloc(rs->errors, cap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		rs->errors = e;
		rs->cap_errors = cap;
	}
	struct crs_error *e = &rs->errors[rs->n_errors];
	e->file = strdup(file);
	e->line = line;
	e->msg = strdup(msg);
	if (!e->file || !e->msg) {
		free(e->file);
		free(e->msg);
		return -ENOMEM;
	}
	rs->n_errors++;
	return 0;
}


void waf_ruleset_free(struct waf_ruleset *rs)
{
	for (size_t i = 0; i < rs->n_all; i++)
		waf_rule_free(rs->all[i]);
	free(rs->all);
	free(rs->imported);
	for (size_t i = 0; i < rs->n_skipped; i++)
		free(rs->skipped[i].detail);
	free(rs->skipped);
	for (size_t i = 0; i < rs->n_errors; i++) {
		free(rs->errors[i].file);
		free(rs->errors[i].msg);
	}
	free(rs->errors);
	for (size_t i = 0; i < rs->n_files; i++)
		free(rs->files[i]);
	free(rs->files);
	free(rs->rx_prefilter_ids);
	free(rs->rx_pcre_ids);
	free(rs->rx_failed_ids);
	for (size_t i = 0; i < rs->n_rx_notes; i++)
		free(rs->rx_notes[i]);
	free(rs->rx_notes);
	free(rs->datadir);
	memset(rs, 0, sizeof(*rs));
}

/* ------------------------------------------------------------ variables */

static int var_lookup(const char *s, size_t n)
{
	for (int v = 0; v < WAF_V__COUNT; v++)
		if (strlen(var_table[v].name) == n && strncasecmp(s, var_table[v].name, n) == 0)
			return v;
	return -1;
}

/* "ARGS|!ARGS:foo|REQUEST_HEADERS:/^x-/|&TX:a" */
static const char *parse_targets(struct waf_rule *r, const char *s)
{
	size_t cap = 0;
	while (*s) {
		struct waf_target t = { 0 };
		if (*s == '!') {
			t.exclude = true;
			s++;
		}
		if (*s == '&') {
			t.count = true;
			s++;
		}
		const char *n = s;
		while (*s && *s != ':' && *s != '|')
			s++;
		int v = var_lookup(n, (size_t)(s - n));
		if (v < 0)
			return "unknown variable";
		t.var = (enum waf_var)v;
		if (*s == ':') {
			s++;
			const char *k = s, *ke;
			if (t.var == WAF_V_XML) {
				/* an XPath expression (CRS uses "/ *" and "//@ *"), not a regex */
				while (*s && *s != '|')
					s++;
				ke = s;
			} else if (*s == '/') {
				k = ++s;
				while (*s && *s != '/') {
					if (*s == '\\' && s[1])
						s++;
					s++;
				}
				if (!*s)
					return "unterminated /regex/ selector";
				ke = s++;
				t.key_regex = true;
			} else if (*s == '\'') {
				k = ++s;
				while (*s && *s != '\'')
					s++;
				if (!*s)
					return "unterminated quoted selector";
				ke = s++;
			} else {
				while (*s && *s != '|')
					s++;
				ke = s;
			}
			t.key = xstrndup(k, (size_t)(ke - k));
			if (!t.key)
				return "out of memory";
		}
		if (*s == '|')
			s++;
		else if (*s) {
			free(t.key);
			return "junk after selector";
		}
		if (r->n_targets == cap) {
			cap = cap ? cap * 2 : 4;
			struct waf_target *nt = realloc(r->targets, cap * sizeof(*nt));
			if (!nt) {
				free(t.key);
				return "out of memory";
			}
			r->targets = nt;
		}
		r->targets[r->n_targets++] = t;
	}
	return r->n_targets ? NULL : "no variables";
}

/* ------------------------------------------------------------ operator */

static const char *parse_operator(struct waf_rule *r, const char *s)
{
	while (*s == ' ')
		s++;
	if (*s == '!') {
		r->op_negated = true;
		s++;
	}
	if (*s != '@') {
		r->op = WAF_OP_RX; /* implicit @rx */
	} else {
		const char *n = ++s;
		while (*s && *s != ' ')
			s++;
		int op = waf_op_lookup(n, (size_t)(s - n));
		if (op < 0)
			return "unknown operator";
		r->op = (enum waf_op)op;
		if (*s == ' ')
			s++;
	}
	r->op_arg = strdup(s);
	if (!r->op_arg)
		return "out of memory";
	r->op_arg_macro = strstr(s, "%{") != NULL;
	return NULL;
}

/* ------------------------------------------------------------ actions */

static int severity_of(const char *v)
{
	static const char *const names[] = { "EMERGENCY", "ALERT", "CRITICAL", "ERROR",
					     "WARNING", "NOTICE", "INFO", "DEBUG" };
	for (int i = 0; i < 8; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	if (v[0] >= '0' && v[0] <= '7' && !v[1])
		return v[0] - '0';
	return -1;
}

static const char *add_setvar(struct waf_rule *r, const char *v)
{
	struct waf_setvar sv = { 0 };
	const char *eq;
	if (*v == '!') {
		sv.op = WAF_SV_UNSET;
		sv.name = strdup(v + 1);
	} else if ((eq = strchr(v, '='))) {
		sv.name = xstrndup(v, (size_t)(eq - v));
		eq++;
		if (*eq == '+') {
			sv.op = WAF_SV_ADD;
			eq++;
		} else if (*eq == '-') {
			sv.op = WAF_SV_SUB;
			eq++;
		}
		sv.value = strdup(eq);
		if (!sv.value) {
			free(sv.name);
			return "out of memory";
		}
	} else {
		sv.name = strdup(v);
		sv.value = strdup("1");
		if (!sv.value) {
			free(sv.name);
			return "out of memory";
		}
	}
	if (!sv.name) {
		free(sv.value);
		return "out of memory";
	}
	for (char *p = sv.name; *p && *p != '.'; p++)
		*p = (char)tolower((unsigned char)*p);
	struct waf_setvar *n = realloc(r->setvars, (r->n_setvars + 1) * sizeof(*n));
	if (!n) {
		free(sv.name);
		free(sv.value);
		return "out of memory";
	}
	r->setvars = n;
	r->setvars[r->n_setvars++] = sv;
	return NULL;
}

/* Transformations ModSecurity has and we do not; the rule is kept but the
 * classifier skips it (name in *unsupported). */
static const char *parse_tfn(struct waf_rule *r, const char *v, const char **unsupported)
{
	int t = waf_tfn_lookup(v, strlen(v));
	if (t < 0) {
		if (!*unsupported)
			*unsupported = v;
		return NULL;
	}
	if (t == WAF_T_NONE) {
		r->n_tfn = 0;
		return NULL;
	}
	if (r->n_tfn == WAF_TFN_MAX)
		return "too many transformations";
	r->tfn[r->n_tfn++] = (enum waf_tfn)t;
	return NULL;
}

struct act_ctx {
	bool chain;
	bool id_seen;
	const char *bad_tfn;
	char bad_tfn_buf[48];
};

static const char *apply_action(struct waf_rule *r, const char *name, const char *v, struct act_ctx *ac)
{
	if (strcasecmp(name, "id") == 0) {
		char *e;
		if (!v)
			return "id without value";
		unsigned long id = strtoul(v, &e, 10);
		if (*e || id == 0 || id > UINT32_MAX)
			return "bad id";
		r->id = (uint32_t)id;
		ac->id_seen = true;
	} else if (strcasecmp(name, "phase") == 0) {
		if (!v)
			return "phase without value";
		if (strcasecmp(v, "request") == 0)
			r->phase = 2;
		else if (strcasecmp(v, "response") == 0)
			r->phase = 4;
		else if (strcasecmp(v, "logging") == 0)
			r->phase = 5;
		else if (v[0] >= '1' && v[0] <= '5' && !v[1])
			r->phase = (uint8_t)(v[0] - '0');
		else
			return "bad phase";
	} else if (strcasecmp(name, "t") == 0) {
		if (!v)
			return "t without value";
		const char *bad = NULL;
		const char *err = parse_tfn(r, v, &bad);
		if (bad && !ac->bad_tfn) {
			snprintf(ac->bad_tfn_buf, sizeof(ac->bad_tfn_buf), "%s", bad);
			ac->bad_tfn = ac->bad_tfn_buf;
		}
		return err;
	} else if (strcasecmp(name, "severity") == 0) {
		int s = v ? severity_of(v) : -1;
		if (s < 0)
			return "bad severity";
		r->severity = (uint8_t)s;
	} else if (strcasecmp(name, "msg") == 0) {
		free(r->msg);
		r->msg = strdup(v ? v : "");
		if (!r->msg)
			return "out of memory";
	} else if (strcasecmp(name, "tag") == 0) {
		char **t = realloc(r->tags, (r->n_tags + 1) * sizeof(*t));
		if (!t)
			return "out of memory";
		r->tags = t;
		if (!(r->tags[r->n_tags] = strdup(v ? v : "")))
			return "out of memory";
		r->n_tags++;
	} else if (strcasecmp(name, "setvar") == 0) {
		if (!v || !*v)
			return "setvar without value";
		return add_setvar(r, v);
	} else if (strcasecmp(name, "chain") == 0) {
		ac->chain = true;
	} else if (strcasecmp(name, "skipAfter") == 0) {
		if (!v)
			return "skipAfter without marker";
		free(r->skip_after);
		if (!(r->skip_after = strdup(v)))
			return "out of memory";
	} else if (strcasecmp(name, "ctl") == 0) {
		/* ctl:auditLogParts only changes what the audit log keeps */
		/* and forceRequestBodyVariable only fills REQUEST_BODY, which our
		 * request view always has */
		if (!v || (strncasecmp(v, "auditLogParts", 13) != 0 &&
			   strncasecmp(v, "forceRequestBodyVariable", 24) != 0))
			r->has_ctl = true;
	} else if (strcasecmp(name, "multiMatch") == 0) {
		r->multi_match = true;
	} else if (strcasecmp(name, "capture") == 0) {
		r->capture = true;
	} else if (strcasecmp(name, "block") == 0) {
		r->disrupt = WAF_D_BLOCK;
	} else if (strcasecmp(name, "deny") == 0) {
		r->disrupt = WAF_D_DENY;
	} else if (strcasecmp(name, "drop") == 0) {
		r->disrupt = WAF_D_DROP;
	} else if (strcasecmp(name, "pass") == 0) {
		r->disrupt = WAF_D_PASS;
	} else if (strcasecmp(name, "allow") == 0) {
		r->disrupt = WAF_D_ALLOW;
	} else {
		/* Metadata and logging actions with no bearing on detection. */
		static const char *const known[] = {
			"rev", "ver", "maturity", "accuracy", "logdata", "log", "nolog",
			"auditlog", "noauditlog", "status", "expirevar", "initcol",
			"setsid", "setuid", "skip", "sanitiseMatched", "sanitiseArg",
			"redirect", "exec", "append", "prepend", "xmlns", "deprecatevar",
			"sanitizeMatched", "sanitizeArg",
		};
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcasecmp(name, known[i]) == 0)
				return NULL;
		return "unknown action";
	}
	return NULL;
}

/* "id:1,phase:2,msg:'a, b',t:none" — values may be 'quoted' (\' escapes). */
static const char *parse_actions(struct waf_rule *r, const char *s, struct act_ctx *ac, char *scratch)
{
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		char *name = scratch;
		char *o = scratch;
		while (*s && *s != ':' && *s != ',' && *s != ' ')
			*o++ = *s++;
		*o++ = 0;
		while (*s == ' ')
			s++;
		char *val = NULL;
		if (*s == ':') {
			s++;
			while (*s == ' ')
				s++;
			val = o;
			if (*s == '\'') {
				s++;
				for (;;) {
					if (!*s)
						return "unterminated quoted action value";
					if (*s == '\\' && s[1] == '\'') {
						*o++ = '\'';
						s += 2;
						continue;
					}
					if (*s == '\'')
						break;
					*o++ = *s++;
				}
				s++;
			} else {
				while (*s && *s != ',')
					*o++ = *s++;
				while (o > val && o[-1] == ' ')
					o--;
			}
			*o = 0;
		}
		while (*s == ' ')
			s++;
		if (*s && *s != ',')
			return "junk after action";
		if (!*name)
			return "empty action name";
		const char *err = apply_action(r, name, val, ac);
		if (err)
			return err;
	}
	return NULL;
}

/* ------------------------------------------------------------ directives */

static int push_rule(struct waf_ruleset *rs, struct waf_rule *r)
{
	if (rs->n_all == rs->cap_all) {
		size_t cap = rs->cap_all ? rs->cap_all * 2 : 64;
		struct waf_rule **a = realloc(rs->all, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		rs->all = a;
		rs->cap_all = cap;
	}
	rs->all[rs->n_all++] = r;
	return 0;
}

static bool is_pl_gate(const struct waf_rule *r)
{
	return r->n_targets == 1 && r->targets[0].var == WAF_V_TX && r->targets[0].key &&
	       (strcasecmp(r->targets[0].key, "EXECUTING_PARANOIA_LEVEL") == 0 ||
		strcasecmp(r->targets[0].key, "DETECTION_PARANOIA_LEVEL") == 0) &&
	       r->op == WAF_OP_LT && !r->op_negated && r->skip_after;
}

static int tag_paranoia(const struct waf_rule *r)
{
	for (size_t i = 0; i < r->n_tags; i++)
		if (strncmp(r->tags[i], "paranoia-level/", 15) == 0 && r->tags[i][15] >= '1' &&
		    r->tags[i][15] <= '4' && !r->tags[i][16])
			return r->tags[i][15] - '0';
	return 0;
}

/* words[0] is SecRule or SecAction. */
static int parse_rule(struct waf_ruleset *rs, char **w, int nw, const char *file, unsigned line,
		      char *scratch)
{
	bool is_action = strcasecmp(w[0], "SecAction") == 0;
	const char *err = NULL;
	struct act_ctx ac = { 0 };
	struct waf_rule *r;

	if (is_action ? nw != 2 : (nw != 3 && nw != 4))
		return add_error(rs, file, line, "%s: wrong number of arguments (%d)", w[0], nw - 1);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->phase = 2; /* ModSecurity's default phase */
	r->severity = 255;
	r->file = file;
	r->line = line;
	if (is_action) {
		r->op = WAF_OP_UNCONDITIONAL;
		err = parse_actions(r, w[1], &ac, scratch);
	} else {
		err = parse_targets(r, w[1]);
		if (!err)
			err = parse_operator(r, w[2]);
		if (!err && nw == 4)
			err = parse_actions(r, w[3], &ac, scratch);
	}
	if (err) {
		waf_rule_free(r);
		if (strcmp(err, "out of memory") == 0)
			return -ENOMEM;
		return add_error(rs, file, line, "%s: %s", w[0], err);
	}
	if (ac.bad_tfn && !(r->unsupported_tfn = strdup(ac.bad_tfn))) {
		waf_rule_free(r);
		return -ENOMEM;
	}

	if (rs->chain_tail) {
		/* a chained link: id/phase belong to the head */
		if (ac.id_seen) {
			add_error(rs, file, line, "chained rule carries its own id %u", r->id);
		}
		rs->chain_tail->chain = r;
		rs->chain_tail = ac.chain ? r : NULL;
		return 0;
	}
	if (!ac.id_seen) {
		waf_rule_free(r);
		return add_error(rs, file, line, "%s without id", w[0]);
	}
	if (is_pl_gate(r)) {
		long n = strtol(r->op_arg, NULL, 10);
		if (n >= 1 && n <= 4)
			rs->gate_pl = (uint8_t)n;
	}
	r->paranoia = rs->gate_pl ? rs->gate_pl : 1;
	int tp = tag_paranoia(r);
	if (tp && rs->gate_pl && tp != rs->gate_pl)
		rs->n_pl_tag_mismatch++;
	else if (tp && !rs->gate_pl)
		r->paranoia = (uint8_t)tp;
	if (push_rule(rs, r) < 0) {
		waf_rule_free(r);
		return -ENOMEM;
	}
	rs->chain_tail = ac.chain ? r : NULL;
	return 0;
}

int seclang_parse(struct waf_ruleset *rs, const char *text, size_t len, const char *file)
{
	struct seclang_lexer lx = { .p = text, .end = text + len, .line = 1 };
	char *scratch = NULL, *fname = NULL;
	char **files;
	unsigned line;
	long n;
	int rc = 0;

	fname = strdup(file);
	files = realloc(rs->files, (rs->n_files + 1) * sizeof(*files));
	if (!fname || !files) {
		free(fname);
		if (files)
			rs->files = files;
		return -ENOMEM;
	}
	rs->files = files;
	rs->files[rs->n_files++] = fname;
	rs->chain_tail = NULL;
	rs->gate_pl = 0;

	while ((n = seclang_next_line(&lx, &line)) != 0) {
		char *w[SECLANG_WORDS_MAX];
		const char *err = NULL;
		if (n == -ENOMEM) {
			rc = -ENOMEM;
			break;
		}
		if (n == -E2BIG) {
			if ((rc = add_error(rs, fname, line, "directive longer than %u bytes", SECLANG_LINE_MAX)) < 0)
				break;
			continue;
		}
		free(scratch);
		scratch = malloc((size_t)n + 1);
		if (!scratch) {
			rc = -ENOMEM;
			break;
		}
		int nw = seclang_split(lx.buf, w, &err);
		if (nw < 0) {
			if ((rc = add_error(rs, fname, line, "%s", err)) < 0)
				break;
			continue;
		}
		if (nw == 0)
			continue;
		if (strcasecmp(w[0], "SecRule") == 0 || strcasecmp(w[0], "SecAction") == 0) {
			if (strcasecmp(w[0], "SecRule") == 0)
				rs->n_secrule++;
			else
				rs->n_secaction++;
			rc = parse_rule(rs, w, nw, fname, line, scratch);
		} else if (rs->chain_tail) {
			rc = add_error(rs, fname, line, "%s where a chained SecRule was expected", w[0]);
			rs->chain_tail = NULL;
		} else if (strcasecmp(w[0], "SecMarker") == 0) {
			rs->n_secmarker++;
			rs->gate_pl = 0; /* CRS markers end a paranoia-gated section */
		} else {
			rs->n_other_directives++;
		}
		if (rc < 0)
			break;
	}
	if (rc == 0 && rs->chain_tail)
		rc = add_error(rs, fname, lx.line, "chain without a following SecRule");
	rs->chain_tail = NULL;
	free(scratch);
	seclang_lexer_free(&lx);
	return rc;
}

/* ------------------------------------------------------------ classification */

static const char *const R_RESPONSE = "response phase: response inspection is the response filter's (later slice)";
static const char *const R_LOGGING = "logging phase (correlation/statistics only)";
static const char *const R_CONFIG = "configuration SecAction (TX defaults): folded into the compiled settings";
static const char *const R_PLGATE = "paranoia-level gate: expressed as each rule's paranoia level";
static const char *const R_CTL = "application exclusion package (ctl: rule/target removal, skipAfter flow): becomes route exclusions (later slice)";
static const char *const R_PERSIST = "persistent collection (IP/GLOBAL/GEO): no per-client state on the request path";
static const char *const R_SCORING = "scoring/control over TX: done by the decision stage (later slice)";
static const char *const R_OPERATOR = "operator not supported (DNS/GeoIP/IP reputation)";
static const char *const R_TFN = "transformation not supported";
static const char *const R_NOEFFECT = "no detection effect (no score, no block): engine or exclusion-package setting";
static const char *const R_NOCOMPILE = "pattern compiles neither in Hyperscan nor PCRE2";

static bool only_class(const struct waf_rule *r, enum waf_var_class c)
{
	for (size_t i = 0; i < r->n_targets; i++)
		if (!r->targets[i].exclude && var_table[r->targets[i].var].cls != c)
			return false;
	return true;
}

static bool has_var(const struct waf_rule *r, enum waf_var v)
{
	for (const struct waf_rule *l = r; l; l = l->chain)
		for (size_t i = 0; i < l->n_targets; i++)
			if (l->targets[i].var == v)
				return true;
	return false;
}

/* Does the chain add to an anomaly score (setvar:tx.*anomaly_score*=+N)? */
static bool adds_score(const struct waf_rule *r)
{
	for (const struct waf_rule *l = r; l; l = l->chain)
		for (size_t i = 0; i < l->n_setvars; i++)
			if (l->setvars[i].op == WAF_SV_ADD && strstr(l->setvars[i].name, "anomaly_score"))
				return true;
	return false;
}

static const char *classify_one(const struct waf_rule *r, const char **detail)
{
	*detail = NULL;
	if (r->phase >= 3 && r->phase <= 4)
		return R_RESPONSE;
	if (r->phase == 5)
		return R_LOGGING;
	if (r->op == WAF_OP_UNCONDITIONAL && !r->chain)
		return R_CONFIG;
	if (is_pl_gate(r))
		return R_PLGATE;
	for (const struct waf_rule *l = r; l; l = l->chain) {
		/* skipAfter inside a scoring rule (920280 skips 920290) is kept */
		if (l->has_ctl || (l->skip_after && !adds_score(r)))
			return R_CTL;
		if (l->unsupported_tfn) {
			*detail = l->unsupported_tfn;
			return R_TFN;
		}
		if ((unsigned)l->op >= WAF_OP__RUNTIME_END) {
			*detail = waf_op_name(l->op);
			return R_OPERATOR;
		}
	}
	if (has_var(r, WAF_V_IP) || has_var(r, WAF_V_GLOBAL) || has_var(r, WAF_V_GEO))
		return R_PERSIST;
	/* A TX condition in front of request targets (920250: "utf-8 check
	 * enabled?" then ARGS) is a detection rule gated by settings: kept. */
	bool request = false;
	for (const struct waf_rule *l = r; l && !request; l = l->chain)
		request = !only_class(l, WAF_VC_STATE);
	/* TX-only rules that score (922110 over the multipart types 922140
	 * collected) are detections over collected request values: kept. */
	bool tx_regex = false;
	for (const struct waf_rule *l = r; l; l = l->chain)
		for (size_t i = 0; i < l->n_targets; i++)
			tx_regex |= l->targets[i].var == WAF_V_TX && l->targets[i].key_regex;
	if (!request && !(adds_score(r) && tx_regex))
		return R_SCORING;
	/* Helpers that collect TX values for later rules (921170 parameter
	 * counts, 922140 multipart types) are kept; rules whose only effect is
	 * to widen a tx.allowed_* setting are exclusion-package settings. */
	bool effect = r->disrupt == WAF_D_BLOCK || r->disrupt == WAF_D_DENY ||
		      r->disrupt == WAF_D_DROP || adds_score(r);
	bool settings = false, any_setvar = false;
	for (const struct waf_rule *l = r; l; l = l->chain)
		for (size_t i = 0; i < l->n_setvars; i++) {
			settings |= strncmp(l->setvars[i].name, "tx.allowed_", 11) == 0;
			any_setvar = true;
		}
	if (!effect && (settings || !any_setvar))
		return R_NOEFFECT;
	return NULL;
}

static int add_skip(struct waf_ruleset *rs, struct waf_rule *r, const char *reason, const char *detail)
{
	struct crs_skip *s = realloc(rs->skipped, (rs->n_skipped + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	rs->skipped = s;
	s[rs->n_skipped].rule = r;
	s[rs->n_skipped].reason = reason;
	s[rs->n_skipped].detail = detail ? strdup(detail) : NULL;
	rs->n_skipped++;
	return 0;
}

int crs_classify(struct waf_ruleset *rs)
{
	free(rs->imported);
	for (size_t i = 0; i < rs->n_skipped; i++)
		free(rs->skipped[i].detail);
	free(rs->skipped);
	rs->skipped = NULL;
	rs->n_skipped = 0;
	rs->n_imported = 0;
	rs->imported = calloc(rs->n_all ? rs->n_all : 1, sizeof(*rs->imported));
	if (!rs->imported)
		return -ENOMEM;
	for (size_t i = 0; i < rs->n_all; i++) {
		const char *detail;
		const char *why = classify_one(rs->all[i], &detail);
		if (!why)
			rs->imported[rs->n_imported++] = rs->all[i];
		else if (add_skip(rs, rs->all[i], why, detail) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ Hyperscan check */

static int push_id(uint32_t **a, size_t *n, uint32_t id)
{
	uint32_t *na = realloc(*a, (*n + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM;
	*a = na;
	na[(*n)++] = id;
	return 0;
}

int crs_hs_check(struct waf_ruleset *rs)
{
	size_t keep = 0;
	memset(&rs->hs, 0, sizeof(rs->hs));
	/* called again (after crs_classify), it starts over */
	free(rs->rx_prefilter_ids);
	free(rs->rx_pcre_ids);
	free(rs->rx_failed_ids);
	rs->rx_prefilter_ids = rs->rx_pcre_ids = rs->rx_failed_ids = NULL;
	rs->n_rx_prefilter_ids = rs->n_rx_pcre_ids = rs->n_rx_failed_ids = 0;
	for (size_t i = 0; i < rs->n_rx_notes; i++)
		free(rs->rx_notes[i]);
	free(rs->rx_notes);
	rs->rx_notes = NULL;
	rs->n_rx_notes = 0;
	for (size_t i = 0; i < rs->n_imported; i++) {
		struct waf_rule *head = rs->imported[i];
		bool failed = false;
		for (struct waf_rule *l = head; l; l = l->chain) {
			char err[256] = "";
			if (l->op != WAF_OP_RX && l->op != WAF_OP_PM && l->op != WAF_OP_PMFROMFILE)
				continue;
			bool rx = l->op == WAF_OP_RX;
			if (rx)
				rs->hs.rx_total++;
			else
				rs->hs.pm_total++;
			if (l->op_arg_macro) {
				if (rx)
					rs->hs.rx_macro++;
				continue;
			}
			struct waf_matcher *m = waf_matcher_create(l->op, l->op_arg, strlen(l->op_arg),
								   rs->datadir, err, sizeof(err));
			if (!m) {
				if (rx) {
					rs->hs.rx_failed++;
					if (push_id(&rs->rx_failed_ids, &rs->n_rx_failed_ids, head->id) < 0)
						return -ENOMEM;
				} else {
					rs->hs.pm_failed++;
				}
				failed = true;
				continue;
			}
			if (rx && waf_matcher_rx_mode(m) != WAF_RX_HS_EXACT) {
				char **nn = realloc(rs->rx_notes, (rs->n_rx_notes + 1) * sizeof(*nn));
				char *note = malloc(160);
				if (!nn || !note) {
					free(note);
					if (nn)
						rs->rx_notes = nn;
					goto nomem;
				}
				snprintf(note, 160, "%u: %s", head->id, waf_matcher_rx_note(m));
				rs->rx_notes = nn;
				rs->rx_notes[rs->n_rx_notes++] = note;
			}
			if (rx) {
				switch (waf_matcher_rx_mode(m)) {
				case WAF_RX_HS_EXACT:
					rs->hs.rx_exact++;
					break;
				case WAF_RX_HS_PREFILTER:
					rs->hs.rx_prefilter++;
					if (push_id(&rs->rx_prefilter_ids, &rs->n_rx_prefilter_ids, head->id) < 0)
						goto nomem;
					break;
				default:
					rs->hs.rx_pcre_only++;
					if (push_id(&rs->rx_pcre_ids, &rs->n_rx_pcre_ids, head->id) < 0)
						goto nomem;
					break;
				}
			} else {
				rs->hs.pm_ok++;
			}
			waf_matcher_free(m);
			continue;
nomem:
			waf_matcher_free(m);
			return -ENOMEM;
		}
		if (failed) {
			if (add_skip(rs, head, R_NOCOMPILE, NULL) < 0)
				return -ENOMEM;
		} else {
			rs->imported[keep++] = head;
		}
	}
	rs->n_imported = keep;
	return 0;
}

/* ------------------------------------------------------------ directory */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	if (!f)
		return -errno;
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			char *b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = b;
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

int crs_import_dir(struct waf_ruleset *rs, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	struct dirent *de;

	if (!d)
		return -errno;
	/* Several directories into one set (CRS, then rules/rampart-api):
	 * @pmFromFile names resolve in the first one, where CRS keeps its
	 * .data files; later directories must not use @pmFromFile. */
	if (!rs->datadir)
		rs->datadir = strdup(dir);
	if (!rs->datadir) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ? nn : names;
			rc = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (rc == 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char path[4096], *buf = NULL;
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		rc = read_file(path, &buf, &len);
		if (rc < 0) {
			rc = add_error(rs, names[i], 0, "cannot read: %s", strerror(-rc));
			continue;
		}
		rc = seclang_parse(rs, buf, len, names[i]);
		free(buf);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		rc = crs_classify(rs);
	return rc;
}

/* ------------------------------------------------------------ report */

static void print_ids(FILE *out, uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? ", " : "", ids[i]);
	fprintf(out, "\n");
}

void crs_report_write(const struct waf_ruleset *rs, FILE *out, const char *rules_dir)
{
	unsigned per_pl[5] = { 0 };
	for (size_t i = 0; i < rs->n_imported; i++)
		per_pl[rs->imported[i]->paranoia <= 4 ? rs->imported[i]->paranoia : 0]++;

	fprintf(out, "# WAF import report: OWASP CRS\n\n");
	fprintf(out, "Generated by `rampart-waf import --rules %s`; do not edit by hand.\n\n", rules_dir);
	fprintf(out, "## Summary\n\n");
	fprintf(out, "| | count |\n|---|---|\n");
	fprintf(out, "| files | %zu |\n", rs->n_files);
	fprintf(out, "| SecRule directives (chain links included) | %u |\n", rs->n_secrule);
	fprintf(out, "| SecAction directives | %u |\n", rs->n_secaction);
	fprintf(out, "| SecMarker directives | %u |\n", rs->n_secmarker);
	fprintf(out, "| other directives | %u |\n", rs->n_other_directives);
	fprintf(out, "| rules found (chain heads with an id) | %zu |\n", rs->n_all);
	fprintf(out, "| **rules imported** | **%zu** |\n", rs->n_imported);
	fprintf(out, "| rules skipped | %zu |\n", rs->n_skipped);
	fprintf(out, "| parse errors | %zu |\n", rs->n_errors);
	fprintf(out, "| imported at paranoia level 1 / 2 / 3 / 4 | %u / %u / %u / %u |\n",
		per_pl[1], per_pl[2], per_pl[3], per_pl[4]);
	fprintf(out, "| `paranoia-level/N` tags disagreeing with the PL gate | %u |\n\n", rs->n_pl_tag_mismatch);

	fprintf(out, "## Hyperscan\n\n");
	fprintf(out, "Each pattern compiled on its own, block mode, `HS_FLAG_DOTALL | HS_FLAG_MULTILINE | "
		     "HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY` (ModSecurity v3 compiles @rx with "
		     "`PCRE2_DOTALL | PCRE2_MULTILINE`); @pm sets as caseless literal sets "
		     "(`hs_compile_lit_multi`).\n\n");
	fprintf(out, "| | count |\n|---|---|\n");
	fprintf(out, "| @rx in imported rules (chain links included) | %u |\n", rs->hs.rx_total);
	fprintf(out, "| compile exactly | %u |\n", rs->hs.rx_exact);
	fprintf(out, "| need HS_FLAG_PREFILTER + PCRE2 confirmation | %u |\n", rs->hs.rx_prefilter);
	fprintf(out, "| Hyperscan refuses even as prefilter: PCRE2 only | %u |\n", rs->hs.rx_pcre_only);
	fprintf(out, "| fail everywhere (rule skipped) | %u |\n", rs->hs.rx_failed);
	fprintf(out, "| argument is a %%{macro}, compiled per snapshot | %u |\n", rs->hs.rx_macro);
	fprintf(out, "| @pm / @pmFromFile sets | %u |\n", rs->hs.pm_total);
	fprintf(out, "| sets that compile | %u |\n", rs->hs.pm_ok);
	fprintf(out, "| sets that fail | %u |\n\n", rs->hs.pm_failed);
	if (rs->n_rx_prefilter_ids) {
		fprintf(out, "Prefilter + PCRE2 (rule ids): ");
		print_ids(out, rs->rx_prefilter_ids, rs->n_rx_prefilter_ids);
		fprintf(out, "\n");
	}
	if (rs->n_rx_pcre_ids) {
		fprintf(out, "PCRE2 only (rule ids): ");
		print_ids(out, rs->rx_pcre_ids, rs->n_rx_pcre_ids);
		fprintf(out, "\n");
	}
	if (rs->n_rx_failed_ids) {
		fprintf(out, "Failed (rule ids): ");
		print_ids(out, rs->rx_failed_ids, rs->n_rx_failed_ids);
		fprintf(out, "\n");
	}

	if (rs->n_rx_notes) {
		fprintf(out, "Why Hyperscan did not take them exactly:\n\n");
		for (size_t i = 0; i < rs->n_rx_notes; i++)
			fprintf(out, "- %s\n", rs->rx_notes[i]);
		fprintf(out, "\n");
	}
	fprintf(out, "## Per file\n\n| file | found | imported | skipped |\n|---|---|---|---|\n");
	for (size_t f = 0; f < rs->n_files; f++) {
		size_t found = 0, imp = 0, sk = 0;
		for (size_t i = 0; i < rs->n_all; i++)
			found += rs->all[i]->file == rs->files[f];
		for (size_t i = 0; i < rs->n_imported; i++)
			imp += rs->imported[i]->file == rs->files[f];
		for (size_t i = 0; i < rs->n_skipped; i++)
			sk += rs->skipped[i].rule->file == rs->files[f];
		fprintf(out, "| %s | %zu | %zu | %zu |\n", rs->files[f], found, imp, sk);
	}

	fprintf(out, "\n## Skipped, by reason\n\n");
	/* reasons in first-seen order */
	const char *seen[32];
	size_t nseen = 0;
	for (size_t i = 0; i < rs->n_skipped; i++) {
		size_t k;
		for (k = 0; k < nseen && seen[k] != rs->skipped[i].reason; k++)
			;
		if (k == nseen && nseen < 32)
			seen[nseen++] = rs->skipped[i].reason;
	}
	for (size_t k = 0; k < nseen; k++) {
		size_t cnt = 0;
		for (size_t i = 0; i < rs->n_skipped; i++)
			cnt += rs->skipped[i].reason == seen[k];
		fprintf(out, "### %s (%zu)\n\n", seen[k], cnt);
		for (size_t i = 0; i < rs->n_skipped; i++) {
			const struct crs_skip *s = &rs->skipped[i];
			if (s->reason != seen[k])
				continue;
			fprintf(out, "- %u (%s:%u)%s%s\n", s->rule->id, s->rule->file, s->rule->line,
				s->detail ? ": " : "", s->detail ? s->detail : "");
		}
		fprintf(out, "\n");
	}
	if (rs->n_errors) {
		fprintf(out, "## Parse errors\n\n");
		for (size_t i = 0; i < rs->n_errors; i++)
			fprintf(out, "- %s:%u: %s\n", rs->errors[i].file, rs->errors[i].line, rs->errors[i].msg);
	}
}
