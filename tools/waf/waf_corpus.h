/* Offline evaluation of a JSONL corpus of wire-exact requests (format:
 * ../shared/corpora/README.md) through our HTTP parser, the WAF request view
 * and the rule engine; shared by `rampart-waf eval` and the waf_corpus unit
 * test.
 *
 * Agreement for one test (README): expect "block" and rule `rule` matched, or
 * expect "pass" and it did not. Only tests whose rule is in the engine's
 * program are counted. A request our parser refuses is evaluated on what the
 * parser filled before refusing; in addition, since the gateway answers it
 * 4xx/505 before the WAF, the refusal itself stands for the protocol rules:
 * a "block" test of a REQUEST-920/921 (protocol) rule counts as agreeing
 * when the parser refused the request.
 */
#ifndef RAMPART_WAF_CORPUS_H
#define RAMPART_WAF_CORPUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define WAF_CORPUS_CATS 48

struct waf_corpus_opts {
	const char *rules_dir;
	const char *program;    /* a compiled program file (rampart-waf compile): used instead
				 * of rules_dir, as compiled (no_detectors is then ignored) */
	const char *corpus;     /* .jsonl or .jsonl.gz */
	int pl;                 /* 0: each line's own `pl`; else this level for all */
	FILE *out;              /* per-request lines, or NULL */
	FILE *disagree;         /* one line per disagreement, or NULL */
	unsigned repeat;        /* evaluation passes for timing (>= 1) */
	bool no_detectors;      /* leave rules using @detectSQLi/@detectXSS out of the program */
};

struct waf_corpus_cat {
	char name[96];
	unsigned tests, counted, agree, refused;
};

struct waf_corpus_stats {
	unsigned lines, bad_lines, refused, counted, agree, refused_agree;
	unsigned blocked;             /* requests the engine would block */
	size_t rules_imported, rules_in_program, chains, rules_left_out;
	struct waf_corpus_cat cats[WAF_CORPUS_CATS];
	unsigned n_cats;
	double seconds;               /* parse + view + engine, all passes */
	unsigned long long bytes;     /* wire bytes evaluated, all passes */
	unsigned long long evaluated; /* requests evaluated, all passes */
};

/* Returns 0, or -1 with a one-line reason in err (rules or corpus unreadable,
 * engine build failure). */
int waf_corpus_eval(const struct waf_corpus_opts *o, struct waf_corpus_stats *st,
		    char *err, size_t errlen);
void waf_corpus_summary(const struct waf_corpus_stats *st, FILE *out);
/* Overall agreement in percent (100 when nothing is counted). */
double waf_corpus_agreement(const struct waf_corpus_stats *st);

#endif
