/* SecLang lexer (see seclang_lex.h). Apache-style configuration lines: a
 * trailing backslash continues the directive on the next line; '#' starts a
 * comment only at the beginning of a line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crs_import.h"
#include "seclang_lex.h"

static int append(struct seclang_lexer *lx, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > lx->cap) {
		size_t cap = lx->cap ? lx->cap : 256;
		while (cap < *len + n + 1)
			cap *= 2;
		char *b = realloc(lx->buf, cap);
		if (!b)
			return -ENOMEM;
		lx->buf = b;
		lx->cap = cap;
	}
	memcpy(lx->buf + *len, s, n);
	*len += n;
	lx->buf[*len] = 0;
	return 0;
}

long seclang_next_line(struct seclang_lexer *lx, unsigned *line)
{
	for (;;) {
		size_t len = 0;
		bool too_long = false, started = false;
		if (lx->p >= lx->end)
			return 0;
		*line = lx->line;
		for (;;) {
			if (lx->p >= lx->end)
				break;
			const char *nl = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
			const char *e = nl ? nl : lx->end;
			const char *s = lx->p;
			lx->p = nl ? nl + 1 : lx->end;
			lx->line++;
			if (e > s && e[-1] == '\r')
				e--;
			if (!started) {
				const char *t = s;
				while (t < e && (*t == ' ' || *t == '\t'))
					t++;
				if (t == e || *t == '#') {
					*line = lx->line;
					continue; /* blank or comment line */
				}
				s = t;
				started = true;
			}
			bool cont = e > s && e[-1] == '\\';
			if (cont)
				e--;
			if (!too_long) {
				if (len + (size_t)(e - s) > SECLANG_LINE_MAX)
					too_long = true;
				else if (append(lx, &len, s, (size_t)(e - s)) < 0)
					return -ENOMEM;
			}
			if (!cont)
				break;
		}
		if (too_long)
			return -E2BIG;
		if (len == 0)
			continue;
		return (long)len;
	}
}

int seclang_split(char *s, char **words, const char **err)
{
	int n = 0;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == SECLANG_WORDS_MAX) {
			*err = "too many arguments";
			return -1;
		}
		if (*s == '"') {
			char *w = ++s, *o = s;
			for (;;) {
				if (!*s) {
					*err = "unterminated quoted argument";
					return -1;
				}
				/* Apache's ap_getword_conf, which ModSecurity's
				 * configuration goes through: \" and \\ unescape
				 * (CRS writes a literal backslash in a regex as \\\\) */
				if (*s == '\\' && (s[1] == '"' || s[1] == '\\')) {
					*o++ = s[1];
					s += 2;
					continue;
				}
				if (*s == '"')
					break;
				*o++ = *s++;
			}
			s++;
			if (*s && *s != ' ' && *s != '\t') {
				*err = "text after closing quote";
				return -1;
			}
			*o = 0;
			words[n++] = w;
			if (*s)
				s++;
		} else {
			words[n++] = s;
			while (*s && *s != ' ' && *s != '\t')
				s++;
			if (*s)
				*s++ = 0;
		}
	}
}

void seclang_lexer_free(struct seclang_lexer *lx)
{
	free(lx->buf);
	lx->buf = NULL;
	lx->cap = 0;
}
