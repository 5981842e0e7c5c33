/* Tokenizer-based injection detectors behind @detectSQLi and @detectXSS.
 *
 * Both are our own (modelled on the published design of libinjection, no
 * code or tables taken from it): the input is tokenized as if it had been
 * pasted into each context an injection can start in, and a small
 * documented rule set decides from the token sequence (SQL, waf_sqli.c) or
 * from the tags and attributes seen (HTML, waf_xss.c).
 *
 * Bounds: time linear in len (each context is one pass; SQL stops after
 * WAF_SQLI_TOKENS_MAX folded tokens), no allocation, fixed stack, never
 * reads past in+len, NUL bytes are data. Pure functions: any thread.
 */
#ifndef RAMPART_WAF_DETECT_H
#define RAMPART_WAF_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Folded SQL tokens kept per context (the fingerprint shows all of them). */
#define WAF_SQLI_TOKENS_MAX 16

/* What fired, for the security event. */
struct waf_detect_result {
	/* SQL: context mark + one type letter per token, e.g. "'s&sos"
	 * ('\'' single-quoted, '"' double-quoted, '-' as-is). HTML: the
	 * context mark and the offending tag or attribute, e.g. "\"attr:onerror". */
	char fingerprint[WAF_SQLI_TOKENS_MAX + 2];
	const char *rule;   /* name of the rule that fired (static string) */
	size_t offset;      /* input offset of the offending token */
};

/* SQL injection: 1 if in[0..len) reads as an injection in any context,
 * else 0. @res (may be NULL) describes the first rule that fired. */
int waf_detect_sqli(const uint8_t *in, size_t len, struct waf_detect_result *res);

/* HTML/JS injection (XSS): 1 if in[0..len) introduces script-capable markup
 * in any context, else 0. @res as above. */
int waf_detect_xss(const uint8_t *in, size_t len, struct waf_detect_result *res);

#endif
