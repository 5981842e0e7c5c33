/* Reader of the OWASP CRS regression corpus (../shared/corpora/crs-*.jsonl.gz,
 * format in its README): one JSON object per line, rebuilt here into the
 * wire-exact request. Shared by the HTTP parser's corpus test and the WAF's
 * corpus evaluation, so both read the same bytes the same way.
 *
 * Not for the dataplane: allocates per line (tests and offline tools only).
 */
#ifndef RAMPART_CRS_CORPUS_H
#define RAMPART_CRS_CORPUS_H

#include <stddef.h>

struct crs_corpus;

/* One test of the corpus. Strings stay valid until the next call to
 * crs_corpus_next() or crs_corpus_close(). Fields the line lacks are NULL
 * (pl: 0). */
struct crs_corpus_case {
	const char *id;        /* e.g. "942100-3" */
	const char *rule;      /* the rule the test is about, e.g. "942100" */
	const char *expect;    /* "block" or "pass" */
	const char *category;  /* rule file, e.g. "REQUEST-942-APPLICATION-ATTACK-SQLI" */
	int pl;                /* paranoia level the test needs (1..4), 0 if absent */
	const char *wire;      /* METHOD SP URI SP VERSION CRLF headers CRLF body */
	size_t wire_len;
	unsigned line;         /* 1-based line number, for messages */
};

/* Open @path (gzip or plain). NULL with errno set when it cannot be read. */
struct crs_corpus *crs_corpus_open(const char *path);

/* Next test: 1 and @out filled; 0 at end of file; -1 for a line that is
 * not a corpus record (bad JSON, method/uri/version/headers malformed):
 * @out->line says which, and the caller counts it and goes on. */
int crs_corpus_next(struct crs_corpus *c, struct crs_corpus_case *out);

void crs_corpus_close(struct crs_corpus *c); /* accepts NULL */

#endif
