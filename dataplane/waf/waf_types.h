/* WAF runtime types: transformations, operators, compiled matchers.
 *
 * Types only (STYLE "Types apart from functions"); prototypes are in waf.h.
 * No DPDK types: the runtime is shared by rampart-dp, the control plane's
 * compiler, the offline tool rampart-waf, unit tests and fuzz targets.
 */
#ifndef RAMPART_WAF_TYPES_H
#define RAMPART_WAF_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Transformations, ModSecurity v3 names (looked up case-insensitively). */
enum waf_tfn {
	WAF_T_NONE,
	WAF_T_LOWERCASE,
	WAF_T_URLDECODE,
	WAF_T_URLDECODEUNI,
	WAF_T_HTMLENTITYDECODE,
	WAF_T_JSDECODE,
	WAF_T_CSSDECODE,
	WAF_T_REMOVENULLS,
	WAF_T_REPLACENULLS,
	WAF_T_REMOVEWHITESPACE,
	WAF_T_COMPRESSWHITESPACE,
	WAF_T_REPLACECOMMENTS,
	WAF_T_CMDLINE,
	WAF_T_NORMALISEPATH,
	WAF_T_NORMALISEPATHWIN,
	WAF_T_UTF8TOUNICODE,
	WAF_T_HEXDECODE,
	WAF_T_HEXENCODE,
	WAF_T_BASE64DECODE,
	WAF_T_LENGTH,
	WAF_T_TRIM,
	WAF_T_SQLHEXDECODE,
	WAF_T__COUNT
};

/* Operators. Those after WAF_OP__RUNTIME_END are recognised by the importer
 * but have no runtime implementation in this slice. */
enum waf_op {
	WAF_OP_RX,
	WAF_OP_PM,
	WAF_OP_PMFROMFILE,
	WAF_OP_CONTAINS,
	WAF_OP_BEGINSWITH,
	WAF_OP_ENDSWITH,
	WAF_OP_STREQ,
	WAF_OP_WITHIN,
	WAF_OP_EQ,
	WAF_OP_GE,
	WAF_OP_GT,
	WAF_OP_LT,
	WAF_OP_LE,
	WAF_OP_VALIDATEBYTERANGE,
	WAF_OP_VALIDATEURLENCODING,
	WAF_OP_VALIDATEUTF8ENCODING,
	WAF_OP_UNCONDITIONAL,
	/* Our own tokenizer-based detectors (waf_detect.h). */
	WAF_OP_DETECTSQLI,
	WAF_OP_DETECTXSS,
	WAF_OP__RUNTIME_END,
	/* Not planned on the request path (see the import report). */
	WAF_OP_RBL = WAF_OP__RUNTIME_END,
	WAF_OP_IPMATCH,
	WAF_OP_IPMATCHFROMFILE,
	WAF_OP_GEOLOOKUP,
	WAF_OP__COUNT
};

/* How a @rx pattern is run (the import report counts each). */
enum waf_rx_mode {
	WAF_RX_HS_EXACT,     /* Hyperscan alone decides */
	WAF_RX_HS_PREFILTER, /* Hyperscan HS_FLAG_PREFILTER, PCRE2 confirms */
	WAF_RX_PCRE2,        /* Hyperscan refused even as prefilter: PCRE2 only */
};

/* A compiled operator. Opaque: see waf_op.c. */
struct waf_matcher;

/* Scratch space for Hyperscan scans and PCRE2 matches; one per thread (per
 * worker), grown to fit every matcher it is used with, so matching does not
 * allocate. All-zero is the valid empty state. */
struct waf_scratch {
	void *hs; /* hs_scratch_t * */
	void *md; /* pcre2_match_data * (one pair; keeps PCRE2's backtrack frames) */
};

/* ------------------------------------------------------------ rule model */

/* Rule variables (SecLang names). The class says where the value comes from:
 * the parsed request (what the engine scans), the engine's own state (TX, IP
 * collections: scoring and control flow), the response, or the connection. */
enum waf_var_class {
	WAF_VC_REQUEST,
	WAF_VC_STATE,
	WAF_VC_MATCH,    /* MATCHED_VAR(S)(_NAMES): the previous chain link's match */
	WAF_VC_RESPONSE,
	WAF_VC_CONN,
};

#define WAF_VARS(X) \
	X(ARGS, REQUEST) X(ARGS_NAMES, REQUEST) X(ARGS_GET, REQUEST) \
	X(ARGS_GET_NAMES, REQUEST) X(ARGS_POST, REQUEST) X(ARGS_POST_NAMES, REQUEST) \
	X(ARGS_COMBINED_SIZE, REQUEST) X(QUERY_STRING, REQUEST) \
	X(REQUEST_URI, REQUEST) X(REQUEST_URI_RAW, REQUEST) X(REQUEST_FILENAME, REQUEST) \
	X(REQUEST_BASENAME, REQUEST) X(REQUEST_LINE, REQUEST) X(REQUEST_METHOD, REQUEST) \
	X(REQUEST_PROTOCOL, REQUEST) X(REQUEST_HEADERS, REQUEST) \
	X(REQUEST_HEADERS_NAMES, REQUEST) X(REQUEST_COOKIES, REQUEST) \
	X(REQUEST_COOKIES_NAMES, REQUEST) X(REQUEST_BODY, REQUEST) \
	X(REQUEST_BODY_LENGTH, REQUEST) X(XML, REQUEST) X(FILES, REQUEST) \
	X(FILES_NAMES, REQUEST) X(FILES_COMBINED_SIZE, REQUEST) \
	X(MULTIPART_PART_HEADERS, REQUEST) X(MULTIPART_STRICT_ERROR, REQUEST) \
	X(MULTIPART_UNMATCHED_BOUNDARY, REQUEST) X(REQBODY_ERROR, REQUEST) \
	X(REQBODY_PROCESSOR, REQUEST) X(REQBODY_PROCESSOR_ERROR, REQUEST) \
	X(TX, STATE) X(IP, STATE) X(GLOBAL, STATE) X(SESSION, STATE) X(USER, STATE) \
	X(RESOURCE, STATE) X(GEO, STATE) X(DURATION, STATE) X(UNIQUE_ID, STATE) \
	X(MATCHED_VAR, MATCH) X(MATCHED_VARS, MATCH) X(MATCHED_VAR_NAME, MATCH) \
	X(MATCHED_VARS_NAMES, MATCH) \
	X(RESPONSE_BODY, RESPONSE) X(RESPONSE_STATUS, RESPONSE) \
	X(RESPONSE_HEADERS, RESPONSE) X(RESPONSE_HEADERS_NAMES, RESPONSE) \
	X(RESPONSE_PROTOCOL, RESPONSE) X(RESPONSE_CONTENT_TYPE, RESPONSE) \
	X(RESPONSE_CONTENT_LENGTH, RESPONSE) \
	X(REMOTE_ADDR, CONN) X(REMOTE_PORT, CONN) X(SERVER_NAME, CONN) \
	X(SERVER_PORT, CONN) X(SERVER_ADDR, CONN) \
	X(FULL_REQUEST, REQUEST) /* appended: model encodings keep their numbers */

enum waf_var {
#define WAF_VAR_ENUM(n, c) WAF_V_##n,
	WAF_VARS(WAF_VAR_ENUM)
#undef WAF_VAR_ENUM
	WAF_V__COUNT
};

/* One target of a rule: VAR, VAR:key, VAR:/regex/, &VAR (count), !VAR:key
 * (exclusion from the rule's other targets). */
struct waf_target {
	enum waf_var var;
	char *key;       /* NULL: the whole collection; else literal or regex */
	bool key_regex;  /* key was /.../ */
	bool exclude;    /* '!' */
	bool count;      /* '&' */
};

/* setvar:NAME=VALUE, =+VALUE, =-VALUE, !NAME (unset). VALUE may hold macros
 * (%{tx.critical_anomaly_score}); kept as text, resolved by the scorer. */
enum waf_setvar_op { WAF_SV_SET, WAF_SV_ADD, WAF_SV_SUB, WAF_SV_UNSET };
struct waf_setvar {
	char *name; /* "tx.anomaly_score_pl1" (lowercased) */
	enum waf_setvar_op op;
	char *value;
};

/* Disruptive action of the chain head. */
enum waf_disrupt { WAF_D_NONE, WAF_D_PASS, WAF_D_BLOCK, WAF_D_DENY, WAF_D_DROP, WAF_D_ALLOW };

#define WAF_TFN_MAX 16

/* A rule: a SecRule (or SecAction, with op WAF_OP_UNCONDITIONAL) and, through
 * @chain, the rules chained to it (all must match). Chained rules carry no
 * id/phase/severity of their own; those of the head apply. */
struct waf_rule {
	uint32_t id;           /* 0 in chained rules */
	uint8_t phase;         /* 1 headers, 2 body, 3-4 response, 5 logging */
	uint8_t severity;      /* syslog level 0..7 (CRITICAL = 2); 255 unset */
	uint8_t paranoia;      /* 1..4 */
	enum waf_disrupt disrupt;

	struct waf_target *targets;
	size_t n_targets;

	enum waf_tfn tfn[WAF_TFN_MAX]; /* applied in order; t:none clears */
	uint8_t n_tfn;
	bool multi_match;

	enum waf_op op;
	bool op_negated;
	char *op_arg;
	bool op_arg_macro;     /* argument holds %{...}: resolved at run time */
	bool capture;

	char *msg;
	char **tags;
	size_t n_tags;
	struct waf_setvar *setvars;
	size_t n_setvars;
	char *skip_after;      /* skipAfter:MARKER (control flow) */
	bool has_ctl;          /* ctl:... (per-transaction engine changes) */
	char *unsupported_tfn; /* first t: we do not implement, or NULL */

	struct waf_rule *chain; /* next link, or NULL */

	const char *file;      /* basename, owned by the rule set */
	unsigned line;
};

#endif
