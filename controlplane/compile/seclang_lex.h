/* SecLang lexer: logical lines (continuations joined, comments dropped) and
 * the words of a directive (bare or "double-quoted"). Private to compile/. */
#ifndef RAMPART_SECLANG_LEX_H
#define RAMPART_SECLANG_LEX_H

#include <stddef.h>

struct seclang_lexer {
	const char *p, *end;
	unsigned line;     /* next physical line number (1-based) */
	char *buf;         /* current logical line, NUL-terminated */
	size_t cap;
};

#define SECLANG_WORDS_MAX 8

/* Next logical line into lx->buf. Returns its length (>0) and its first
 * physical line number in *line, 0 at end of input, -E2BIG if longer than
 * SECLANG_LINE_MAX (the line is skipped), -ENOMEM. */
long seclang_next_line(struct seclang_lexer *lx, unsigned *line);

/* Split @s in place into at most SECLANG_WORDS_MAX words. In a quoted word
 * \" becomes " and every other backslash stays (regexes keep theirs).
 * Returns the word count, or -1 with *err set (unterminated quote, too many
 * words). */
int seclang_split(char *s, char **words, const char **err);

void seclang_lexer_free(struct seclang_lexer *lx);

#endif
