/* @detectSQLi: our own SQL-injection detector (see waf_detect.h).
 *
 * How it works
 *  1. Contexts. An injected value lands either as-is (a number or an
 *     identifier: "id=INPUT") or inside a single- or double-quoted string
 *     ("name='INPUT'"). Each context is a separate pass; a quoted context
 *     starts inside the string, so its first token is the string the
 *     attacker closes. A quoted context runs only if the input holds that
 *     quote (without it nothing can break out).
 *  2. Tokens, one type letter each:
 *       s string   1 number or literal (null/true/false)   n bareword
 *       v @variable   k keyword   E statement (select, drop, exec ...)
 *       U union/intersect/except   f function call   T time/blind/error
 *       function call (sleep, benchmark, pg_sleep, waitfor delay, ...)
 *       o operator (= < + like in is ...)   & logic (and or xor && ||)
 *       c comment (-- # or an unterminated block comment)   ( ) , ;
 *       x other punctuation
 *     Inline block comments are whitespace; the content of MySQL's
 *     executable comments (slash-star-bang) is code.
 *  3. Folding, while tokens arrive: "union all" -> U, "order by" -> k,
 *     "and not" -> &, "not like"/"is not" -> o, "waitfor delay" -> T,
 *     a bareword before "(" -> f (T when it is a timing/blind function),
 *     number-arithmetic-number -> number ("1-1" is one value).
 *  4. Decision: the rules in judge_*() below, each named (the name goes to
 *     the security event with the fingerprint, e.g. "'s&sos").
 *
 * Bounds: one linear pass per context that stops after WAF_SQLI_TOKENS_MAX
 * folded or SQLI_RAW_TOKENS_MAX raw tokens, no allocation, no recursion.
 */
#include <string.h>

#include "waf/waf_detect.h"

enum ctx { CTX_NONE, CTX_SQUOTE, CTX_DQUOTE };

/* Raw tokens (before folding) read per context: folding ("1-1-1-...")
 * could otherwise keep the folded list short over the whole input. The
 * rules look at the start of the value; 1024 is far beyond any of them. */
#define SQLI_RAW_TOKENS_MAX 1024

/* Keyword identities the rules and the folding look at. */
enum word {
	W_NONE,
	W_SELECT, W_INSERT, W_UPDATE, W_DELETE, W_DROP, W_CREATE, W_ALTER, W_TRUNCATE,
	W_EXEC, W_DECLARE, W_SHUTDOWN, W_CALL,
	W_UNION, W_ALL, W_DISTINCT, W_NOT, W_IS, W_SOUNDS,
	W_WAITFOR, W_DELAY, W_TIME, W_TIMING,
	W_FROM, W_INTO, W_SET, W_OBJECT, W_ORDER, W_GROUP, W_BY, W_ORDER_BY,
	W_HAVING, W_LIMIT, W_PROCEDURE, W_OUTFILE,
	W_ARITH, /* div, mod */
};

struct kw {
	const char *w;
	char type;
	enum word id;
};

/* Our own table: SQL words an injection is built from, by role. Words not
 * here are barewords. Looked up lowercased, whole word (dots included),
 * then by the part after the last dot (dbms_lock.sleep). */
static const struct kw keywords[] = {
	/* statements */
	{ "select", 'E', W_SELECT }, { "insert", 'E', W_INSERT }, { "update", 'E', W_UPDATE },
	{ "delete", 'E', W_DELETE }, { "drop", 'E', W_DROP }, { "create", 'E', W_CREATE },
	{ "alter", 'E', W_ALTER }, { "truncate", 'E', W_TRUNCATE }, { "exec", 'E', W_EXEC },
	{ "execute", 'E', W_EXEC }, { "declare", 'E', W_DECLARE }, { "shutdown", 'E', W_SHUTDOWN },
	{ "call", 'E', W_CALL },
	/* set operators */
	{ "union", 'U', W_UNION }, { "intersect", 'U', W_UNION }, { "except", 'U', W_UNION },
	/* logic */
	{ "and", '&', W_NONE }, { "or", '&', W_NONE }, { "xor", '&', W_NONE },
	/* word operators */
	{ "not", 'o', W_NOT }, { "is", 'o', W_IS }, { "like", 'o', W_NONE }, { "rlike", 'o', W_NONE },
	{ "regexp", 'o', W_NONE }, { "in", 'o', W_NONE }, { "between", 'o', W_NONE },
	{ "sounds", 'o', W_SOUNDS }, { "div", 'o', W_ARITH }, { "mod", 'o', W_ARITH },
	{ "collate", 'o', W_NONE },
	/* literals */
	{ "null", '1', W_NONE }, { "true", '1', W_NONE }, { "false", '1', W_NONE },
	/* clauses and objects */
	{ "from", 'k', W_FROM }, { "into", 'k', W_INTO }, { "set", 'k', W_SET },
	{ "where", 'k', W_NONE }, { "values", 'k', W_NONE }, { "as", 'k', W_NONE },
	{ "join", 'k', W_NONE }, { "on", 'k', W_NONE }, { "case", 'k', W_NONE },
	{ "when", 'k', W_NONE }, { "then", 'k', W_NONE }, { "else", 'k', W_NONE },
	{ "end", 'k', W_NONE }, { "top", 'k', W_NONE }, { "offset", 'k', W_NONE },
	{ "all", 'k', W_ALL }, { "distinct", 'k', W_DISTINCT },
	{ "order", 'k', W_ORDER }, { "group", 'k', W_GROUP }, { "by", 'k', W_BY },
	{ "having", 'k', W_HAVING }, { "limit", 'k', W_LIMIT }, { "procedure", 'k', W_PROCEDURE },
	{ "outfile", 'k', W_OUTFILE }, { "dumpfile", 'k', W_OUTFILE },
	{ "table", 'k', W_OBJECT }, { "database", 'k', W_OBJECT }, { "schema", 'k', W_OBJECT },
	{ "view", 'k', W_OBJECT }, { "trigger", 'k', W_OBJECT }, { "index", 'k', W_OBJECT },
	{ "function", 'k', W_OBJECT }, { "user", 'k', W_OBJECT }, { "login", 'k', W_OBJECT },
	{ "waitfor", 'k', W_WAITFOR }, { "delay", 'k', W_DELAY }, { "time", 'k', W_TIME },
	/* time-based, blind and error-based probes: T when called */
	{ "sleep", 'n', W_TIMING }, { "benchmark", 'n', W_TIMING }, { "pg_sleep", 'n', W_TIMING },
	{ "receive_message", 'n', W_TIMING }, { "extractvalue", 'n', W_TIMING },
	{ "updatexml", 'n', W_TIMING }, { "load_file", 'n', W_TIMING },
	{ "xp_cmdshell", 'n', W_TIMING }, { "get_host_address", 'n', W_TIMING },
	{ "sys_eval", 'n', W_TIMING }, { "sys_exec", 'n', W_TIMING },
	{ "randomblob", 'n', W_TIMING },
};

struct tok {
	char type;
	enum word word;
	bool adj;     /* no whitespace or comment before it */
	bool closed;  /* strings: the closing quote was seen */
	bool arith;   /* operators: arithmetic (folds number-op-number) */
	char quote;   /* strings: delimiter; comments: '#' or '-' or '/' */
	size_t off, len;
};

struct lexer {
	const uint8_t *in;
	size_t len, pos;
	struct tok t[WAF_SQLI_TOKENS_MAX];
	int n;
	bool complete; /* the whole input was tokenized */
};

static bool is_space(uint8_t c)
{
	return c <= 0x20; /* SQL whitespace, control bytes and NUL alike */
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_word_start(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' || c >= 0x80;
}

static bool is_word(uint8_t c)
{
	return is_word_start(c) || is_digit(c) || c == '.';
}

/* Keywords by first letter (all start with a-z), in table order so the
 * first entry of a word still wins; built before main(), read-only after. */
#define KW_N (sizeof(keywords) / sizeof(keywords[0]))
static uint8_t kw_len[KW_N];
static uint8_t kw_bucket[26][24];
static uint8_t kw_bucket_n[26];
static bool kw_indexed;

__attribute__((constructor)) static void kw_index(void)
{
	for (size_t i = 0; i < KW_N; i++)
		kw_len[i] = (uint8_t)strlen(keywords[i].w);
	for (size_t i = 0; i < KW_N; i++) {
		unsigned b = (unsigned)(keywords[i].w[0] - 'a');
		if (b >= 26 || kw_bucket_n[b] == sizeof(kw_bucket[0]))
			return; /* not indexable: lookup() scans the table */
		kw_bucket[b][kw_bucket_n[b]++] = (uint8_t)i;
	}
	kw_indexed = true;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool kw_equal(const uint8_t *w, size_t len, size_t i)
{
	if (kw_len[i] != len)
		return false;
	for (size_t k = 0; k < len; k++)
		if (lower(w[k]) != (uint8_t)keywords[i].w[k])
			return false;
	return true;
}

static const struct kw *lookup(const uint8_t *w, size_t len)
{
	unsigned b;

	if (len == 0 || len >= 24)
		return NULL;
	if (!kw_indexed) {
		for (size_t i = 0; i < KW_N; i++)
			if (kw_equal(w, len, i))
				return &keywords[i];
		return NULL;
	}
	b = (unsigned)(lower(w[0]) - 'a');
	if (b >= 26)
		return NULL; /* '_', '$', digits, bytes >= 0x80: no keyword starts so */
	for (unsigned k = 0; k < kw_bucket_n[b]; k++)
		if (kw_equal(w, len, kw_bucket[b][k]))
			return &keywords[kw_bucket[b][k]];
	return NULL;
}

static bool value_type(char t)
{
	return t == '1' || t == 's' || t == 'n' || t == 'v' || t == ')';
}

/* Add a token, folding it into the previous ones where the grammar says
 * they are one unit (see the file comment). */
static void push(struct lexer *lx, struct tok tk)
{
	struct tok *prev = lx->n ? &lx->t[lx->n - 1] : NULL;

	if (prev) {
		if (prev->type == 'U' && (tk.word == W_ALL || tk.word == W_DISTINCT))
			return;
		if (prev->type == 'k' && (prev->word == W_ORDER || prev->word == W_GROUP) &&
		    tk.word == W_BY) {
			prev->word = W_ORDER_BY;
			return;
		}
		if (prev->type == '&' && tk.word == W_NOT)
			return;
		if (prev->type == 'o' && (prev->word == W_NOT || prev->word == W_IS ||
					  prev->word == W_SOUNDS) && tk.type == 'o') {
			prev->word = W_NONE;
			return;
		}
		if (prev->word == W_WAITFOR && (tk.word == W_DELAY || tk.word == W_TIME)) {
			prev->type = 'T';
			return;
		}
		if (tk.type == '(' && prev->type == 'n')
			prev->type = prev->word == W_TIMING ? 'T' : 'f';
		if (tk.type == '1' && lx->n >= 2 && prev->type == 'o' && prev->arith &&
		    lx->t[lx->n - 2].type == '1') {
			lx->n--; /* "1-1": the earlier number stands for the result */
			return;
		}
	}
	if (lx->n < WAF_SQLI_TOKENS_MAX)
		lx->t[lx->n++] = tk;
}

/* A quoted string from lx->pos, which is just after the opening quote q.
 * Doubled quotes and backslash escapes stay inside. */
static struct tok lex_string(struct lexer *lx, uint8_t q, size_t start)
{
	struct tok tk = { .type = 's', .quote = (char)q, .off = start };
	size_t i = lx->pos;
	while (i < lx->len) {
		if (lx->in[i] == '\\' && i + 1 < lx->len) {
			i += 2;
			continue;
		}
		if (lx->in[i] == q) {
			if (i + 1 < lx->len && lx->in[i + 1] == q) {
				i += 2;
				continue;
			}
			tk.closed = true;
			break;
		}
		i++;
	}
	tk.len = (i < lx->len ? i + 1 : i) - start;
	lx->pos = i < lx->len ? i + 1 : i;
	return tk;
}

static void skip_to_eol(struct lexer *lx)
{
	while (lx->pos < lx->len && lx->in[lx->pos] != '\n')
		lx->pos++;
}

/* Operators: longest first. */
static size_t op_len(const uint8_t *p, size_t avail, char *type, bool *arith)
{
	static const char *const ops3[] = { "<=>", "->>" };
	static const char *const ops2[] = { "<=", ">=", "<>", "!=", ":=", "<<", ">>", "->", "::",
					     "||", "&&" };
	*arith = false;
	for (size_t i = 0; i < 2; i++)
		if (avail >= 3 && memcmp(p, ops3[i], 3) == 0) {
			*type = 'o';
			return 3;
		}
	for (size_t i = 0; i < sizeof(ops2) / sizeof(ops2[0]); i++)
		if (avail >= 2 && memcmp(p, ops2[i], 2) == 0) {
			*type = (p[0] == '|' || p[0] == '&') ? '&' : 'o';
			return 2;
		}
	switch (p[0]) {
	case '+': case '-': case '*': case '/': case '%': case '^': case '|': case '&':
		*arith = true;
		/* fall through */
	case '=': case '<': case '>': case '~': case '!':
		*type = 'o';
		return 1;
	default:
		*type = 'x';
		return 1;
	}
}

static size_t number_end(const uint8_t *in, size_t len, size_t i)
{
	if (i + 1 < len && in[i] == '0' && (in[i + 1] | 0x20) == 'x') {
		i += 2;
		while (i < len && (is_digit(in[i]) || ((in[i] | 0x20) >= 'a' && (in[i] | 0x20) <= 'f')))
			i++;
		return i;
	}
	while (i < len && is_digit(in[i]))
		i++;
	if (i < len && in[i] == '.') {
		i++;
		while (i < len && is_digit(in[i]))
			i++;
	}
	if (i + 1 < len && (in[i] | 0x20) == 'e' &&
	    (is_digit(in[i + 1]) || ((in[i + 1] == '+' || in[i + 1] == '-') && i + 2 < len &&
				     is_digit(in[i + 2])))) {
		i += 2;
		while (i < len && is_digit(in[i]))
			i++;
	}
	return i;
}

/* Tokenize from the context until the input ends or the token array is
 * full. */
static void lex(struct lexer *lx, enum ctx ctx)
{
	const uint8_t *in = lx->in;
	bool gap = false;

	if (ctx != CTX_NONE) {
		struct tok tk = lex_string(lx, ctx == CTX_SQUOTE ? '\'' : '"', 0);
		tk.adj = true;
		push(lx, tk);
	}
	for (unsigned raw = 0; lx->pos < lx->len && lx->n < WAF_SQLI_TOKENS_MAX &&
			       raw < SQLI_RAW_TOKENS_MAX; raw++) {
		size_t s = lx->pos;
		uint8_t c = in[s];
		struct tok tk = { .off = s, .adj = !gap };

		if (is_space(c)) {
			while (lx->pos < lx->len && is_space(in[lx->pos]))
				lx->pos++;
			gap = true;
			continue;
		}
		gap = false;
		if (c == '/' && s + 1 < lx->len && in[s + 1] == '*') {
			if (s + 2 < lx->len && in[s + 2] == '!') {
				/* MySQL executable comment: the content is code */
				lx->pos = s + 3;
				while (lx->pos < lx->len && lx->pos < s + 8 && is_digit(in[lx->pos]))
					lx->pos++;
				gap = true;
				continue;
			}
			const uint8_t *e = NULL;
			if (s + 2 < lx->len)
				e = memmem(in + s + 2, lx->len - s - 2, "*/", 2);
			if (e) {
				lx->pos = (size_t)(e - in) + 2;
				gap = true;
				continue;
			}
			tk.type = 'c';
			tk.quote = '/';
			lx->pos = lx->len;
		} else if (c == '*' && s + 1 < lx->len && in[s + 1] == '/') {
			lx->pos += 2; /* end of an executable comment */
			gap = true;
			continue;
		} else if ((c == '-' && s + 1 < lx->len && in[s + 1] == '-') || c == '#') {
			tk.type = 'c';
			tk.quote = (char)c;
			skip_to_eol(lx);
		} else if (c == '\'' || c == '"') {
			lx->pos = s + 1;
			tk = lex_string(lx, c, s);
			tk.adj = !gap;
		} else if (c == '`') {
			/* quoted identifier */
			const uint8_t *e = s + 1 < lx->len ? memchr(in + s + 1, '`', lx->len - s - 1) : NULL;
			tk.type = 'n';
			lx->pos = e ? (size_t)(e - in) + 1 : lx->len;
		} else if (is_digit(c) || (c == '.' && s + 1 < lx->len && is_digit(in[s + 1])) ||
			   ((c == '-' || c == '+') && s + 1 < lx->len && is_digit(in[s + 1]) &&
			    !(lx->n && value_type(lx->t[lx->n - 1].type)))) {
			tk.type = '1';
			lx->pos = number_end(in, lx->len, (c == '-' || c == '+') ? s + 1 : s);
		} else if (c == '@') {
			size_t i = s + 1;
			if (i < lx->len && in[i] == '@')
				i++;
			while (i < lx->len && is_word(in[i]))
				i++;
			tk.type = 'v';
			lx->pos = i;
		} else if (is_word_start(c)) {
			size_t i = s;
			while (i < lx->len && is_word(in[i]))
				i++;
			const struct kw *k = lookup(in + s, i - s);
			if (!k) {
				const uint8_t *dot = memrchr(in + s, '.', i - s);
				if (dot)
					k = lookup(dot + 1, (size_t)(in + i - dot - 1));
				if (k && k->id != W_TIMING)
					k = NULL;
			}
			tk.type = k ? k->type : 'n';
			tk.word = k ? k->id : W_NONE;
			tk.arith = k && k->id == W_ARITH;
			lx->pos = i;
		} else if (c == '(' || c == ')' || c == ',' || c == ';') {
			tk.type = (char)c;
			lx->pos = s + 1;
		} else {
			lx->pos = s + op_len(in + s, lx->len - s, &tk.type, &tk.arith);
		}
		tk.len = lx->pos - s;
		push(lx, tk);
	}
	lx->complete = lx->pos >= lx->len;
}

/* ------------------------------------------------------------ rules */

static char type_at(const struct lexer *lx, int i)
{
	return i >= 0 && i < lx->n ? lx->t[i].type : 0; /* 0: past the end */
}

static int skip(const struct lexer *lx, int i, char type)
{
	while (type_at(lx, i) == type)
		i++;
	return i;
}

static bool in_set(char c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

/* "select" followed by what a query selects: values, *, functions, or a
 * column list ("select a, b" / "select a from"), not an English object
 * ("select your seat"). */
static bool select_follows(const struct lexer *lx, int j)
{
	int k = j + 1;
	if (lx->t[j].type != 'E' || lx->t[j].word != W_SELECT)
		return false;
	if (in_set(type_at(lx, k), "1vfTs("))
		return true;
	if (type_at(lx, k) == 'o' && lx->in[lx->t[k].off] == '*')
		return true;
	if (type_at(lx, k) == 'n')
		return type_at(lx, k + 1) == ',' ||
		       (type_at(lx, k + 1) == 'k' && lx->t[k + 1].word == W_FROM);
	return false;
}

/* A statement starts at token j, with the shape its keyword requires
 * ("drop table", "insert into", "exec xp_...", "declare @x", ...). */
static bool statement_follows(const struct lexer *lx, int j)
{
	const struct tok *n1 = j + 1 < lx->n ? &lx->t[j + 1] : NULL;
	if (type_at(lx, j) != 'E')
		return false;
	switch (lx->t[j].word) {
	case W_SELECT:
		return select_follows(lx, j);
	case W_INSERT:
		return n1 && n1->word == W_INTO;
	case W_UPDATE:
		return n1 && n1->type == 'n' && type_at(lx, j + 2) == 'k' && lx->t[j + 2].word == W_SET;
	case W_DELETE:
		return n1 && n1->word == W_FROM;
	case W_DROP: case W_CREATE: case W_ALTER: case W_TRUNCATE:
		return n1 && n1->word == W_OBJECT;
	case W_EXEC:
		if (!n1)
			return false;
		if (in_set(n1->type, "Tfvs") || n1->word == W_TIMING) /* master..xp_cmdshell */
			return true;
		return n1->type == 'n' && n1->len > 3 &&
		       ((lx->in[n1->off] | 0x20) == 'x' || (lx->in[n1->off] | 0x20) == 's') &&
		       (lx->in[n1->off + 1] | 0x20) == 'p' && lx->in[n1->off + 2] == '_';
	case W_DECLARE:
		return n1 && n1->type == 'v';
	case W_SHUTDOWN:
		return !n1 || n1->type == 'c' || n1->type == ';';
	case W_CALL:
		return n1 && n1->type == 'f';
	default:
		return false;
	}
}

struct verdict {
	const char *rule;
	int at; /* token index */
};

/* Rules for every context. */
static bool judge_any(const struct lexer *lx, struct verdict *v)
{
	for (int i = 0; i < lx->n; i++) {
		const struct tok *t = &lx->t[i];
		v->at = i;
		/* union [all] [(] select */
		if (t->type == 'U' && type_at(lx, skip(lx, i + 1, '(')) == 'E' &&
		    lx->t[skip(lx, i + 1, '(')].word == W_SELECT) {
			v->rule = "union-select";
			return true;
		}
		/* ; drop table ... (stacked query) */
		if (t->type == ';' && statement_follows(lx, i + 1)) {
			v->rule = "stacked-query";
			return true;
		}
		/* sleep(5), benchmark(...), waitfor delay '0:0:5': a call written
		 * as code (no space before "(" or a numeric argument) */
		if (t->type == 'T') {
			bool call = type_at(lx, i + 1) == '(' &&
				    (lx->t[i + 1].adj || type_at(lx, i + 2) == ')' ||
				     (in_set(type_at(lx, i + 2), "1sv") && in_set(type_at(lx, i + 3), "),")));
			if (t->word == W_WAITFOR ? type_at(lx, i + 1) == 's' : call) {
				v->rule = "timing-function";
				return true;
			}
		}
		/* into outfile / dumpfile: writing files is never text */
		if (t->type == 'k' && t->word == W_INTO && type_at(lx, i + 1) == 'k' &&
		    lx->t[i + 1].word == W_OUTFILE) {
			v->rule = "into-outfile";
			return true;
		}
		/* and (select 1 ...) / = (select ...) sub-query in an expression */
		if ((t->type == '&' || t->type == 'o') && type_at(lx, i + 1) == '(' &&
		    type_at(lx, i + 2) == 'E' && select_follows(lx, i + 2)) {
			v->rule = "subquery";
			return true;
		}
	}
	return false;
}

/* String token a starts with a digit ('1). */
static bool quoted_number(const struct lexer *lx, int a)
{
	const struct tok *t = &lx->t[a];
	return t->len >= 2 && is_digit(lx->in[t->off + 1]);
}

/* The value after a logic or comparison operator reads as a condition:
 * "1=1", "'a'='a", "1--", "sleep(", "(select". a is the operand index. */
static bool condition_at(const struct lexer *lx, int a, bool bareword_ok, bool lone_string_ok)
{
	char A = type_at(lx, a), B = type_at(lx, a + 1);
	if (A == 'E' || A == 'f' || A == 'T')
		return true;
	if (in_set(A, "1sv")) /* after a logic word, a lone quoted word is text
			       * ("the 'and' operator") but a lone quoted number
			       * is x' or '1; after '=' any string is x'='x */
		return (B == 0 && (A != 's' || lone_string_ok || quoted_number(lx, a))) ||
		       in_set(B, "c;o&)U");
	if (A == 'n' && bareword_ok)
		return B == 'c' || (B == 'o' && in_set(type_at(lx, a + 2), "1svnf("));
	return false;
}

/* The closed string holds what a form field holds (a name, an e-mail, a
 * number, a path), not code or markup: the weaker quote rules (comment,
 * operator, balanced) need it, so that source code and HTML quoting
 * ('<a href="#x">', "fill('!')", "path: '/'") does not read as a breakout. */
static bool plain_value(const struct lexer *lx, const struct tok *t0, bool allow_blank)
{
	bool blank = true;
	for (size_t i = 0; i + 1 < t0->len; i++) {
		uint8_t c = lx->in[t0->off + i];
		if (!(is_word(c) || c == ' ' || c == '@' || c == '-' || c == '+' || c == '/'))
			return false;
		blank &= c == ' ';
	}
	return allow_blank || !blank;
}

/* Quoted contexts: token 0 is the string the input closes. */
static bool judge_quoted(const struct lexer *lx, char quote, struct verdict *v)
{
	const struct tok *t0 = &lx->t[0];
	int p = skip(lx, 1, ')');
	char P = type_at(lx, p);

	if (!t0->closed)
		return false; /* never left the string */
	v->at = p;
	/* admin'--  admin')#  x';--  : the rest of the query commented away
	 * (an empty value only with "--": "'#tag" is common text) */
	if (P == ';' && type_at(lx, p + 1) == 'c')
		p++;
	if (type_at(lx, p) == 'c' && p + 1 == lx->n && lx->complete &&
	    plain_value(lx, t0, lx->t[p].quote == '-')) {
		v->at = p;
		v->rule = "quote-comment";
		return true;
	}
	/* x' or '1'='1  x' and 1=1--  x' or sleep(  x') or ('a'='a */
	if (P == '&' && condition_at(lx, skip(lx, p + 1, '('), true, false)) {
		v->rule = "quote-logic";
		return true;
	}
	/* x'='x  x'+sleep(  x'-(select */
	if (P == 'o' && condition_at(lx, skip(lx, p + 1, '('), false, true) && plain_value(lx, t0, true)) {
		v->rule = "quote-operator";
		return true;
	}
	/* x' order by 3--  x' into outfile '/tmp/x'  x' limit 1-- */
	if (P == 'k') {
		enum word w = lx->t[p].word;
		char A = type_at(lx, p + 1), B = type_at(lx, p + 2);
		if (w == W_INTO && type_at(lx, p + 1) == 'k' && lx->t[p + 1].word == W_OUTFILE) {
			v->rule = "quote-outfile";
			return true;
		}
		if (((w == W_ORDER_BY || w == W_HAVING || w == W_LIMIT || w == W_PROCEDURE) &&
		     in_set(A, "1nf") && (B == 0 || in_set(B, "c,;)"))) ||
		    (w == W_HAVING && condition_at(lx, p + 1, true, false))) {
			v->rule = "quote-clause";
			return true;
		}
	}
	/* x' || version() || '  x" | cmd | "  : breaks out and re-opens the
	 * same quote so the query stays balanced */
	if (lx->complete && lx->n >= 4 && (P == 'o' || P == '&') && plain_value(lx, t0, true)) {
		const struct tok *last = &lx->t[lx->n - 1];
		char before = type_at(lx, lx->n - 2);
		if (last->type == 's' && !last->closed && last->quote == quote &&
		    (before == 'o' || before == '&')) {
			v->rule = "quote-balanced";
			return true;
		}
	}
	return false;
}

/* A call whose argument list starts like SQL: f(0x71, f('a'), f(*), f() ...
 * ("Select Date(s)" is text: a bareword argument). */
static bool sql_call(const struct lexer *lx, int f)
{
	char a = type_at(lx, f + 2);
	if (type_at(lx, f + 1) != '(')
		return false;
	return in_set(a, "1svfTE)") || (a == 'o' && lx->in[lx->t[f + 2].off] == '*');
}

/* As-is context (numeric or identifier injection point). */
static bool judge_bare(const struct lexer *lx, struct verdict *v)
{
	char first = type_at(lx, 0);
	int p = skip(lx, 1, ')');
	v->at = p;
	/* 1 or 1=1  1) and (select ...  1 and sleep(  x or 'a'='a */
	if (in_set(first, "1nvs") && type_at(lx, p) == '&') {
		int a = skip(lx, p + 1, '(');
		char A = type_at(lx, a), B = type_at(lx, a + 1), C = type_at(lx, a + 2);
		if ((A == 'E' && (first != 'n' || statement_follows(lx, a))) ||
		    (in_set(A, "fT") && first != 'n' && first != 's')) {
			v->rule = "bare-logic-call";
			return true;
		}
		if (in_set(A, "1sv") && B == 'o' && in_set(C, "1svnf")) {
			v->rule = "bare-tautology";
			return true;
		}
		if (first == '1' && ((A == 'n' && B == 'o' && in_set(C, "1s")) ||
				     (in_set(A, "1sv") && B == 'c'))) {
			v->rule = "bare-tautology";
			return true;
		}
	}
	/* 1 order by 5--  1 group by concat(...) */
	if (first == '1' && type_at(lx, p) == 'k' && lx->t[p].word == W_ORDER_BY &&
	    ((type_at(lx, p + 1) == '1' && (type_at(lx, p + 2) == 0 || type_at(lx, p + 2) == 'c')) ||
	     (in_set(type_at(lx, p + 1), "fT") && sql_call(lx, p + 1)))) {
		v->rule = "bare-order-by";
		return true;
	}
	/* select concat(0x71,...)  select * from  select @@version */
	if (first == 'E' && lx->t[0].word == W_SELECT &&
	    ((in_set(type_at(lx, 1), "fT") && sql_call(lx, 1)) || type_at(lx, 1) == 'v' ||
	     (type_at(lx, 1) == 'o' && lx->in[lx->t[1].off] == '*' && type_at(lx, 2) == 'k' &&
	      lx->t[2].word == W_FROM))) {
		v->at = 0;
		v->rule = "bare-select";
		return true;
	}
	/* the whole value is a destructive statement: drop table x; exec xp_... */
	if (first == 'E' && lx->t[0].word != W_SELECT && lx->t[0].word != W_INSERT &&
	    lx->t[0].word != W_UPDATE && lx->t[0].word != W_DELETE && lx->t[0].word != W_CREATE &&
	    statement_follows(lx, 0)) {
		v->at = 0;
		v->rule = "bare-statement";
		return true;
	}
	return false;
}

static void fill(struct waf_detect_result *res, const struct lexer *lx, char mark,
		 const struct verdict *v)
{
	if (!res)
		return;
	int k = 0;
	res->fingerprint[k++] = mark;
	for (int i = 0; i < lx->n && k < (int)sizeof(res->fingerprint) - 1; i++)
		res->fingerprint[k++] = lx->t[i].type;
	res->fingerprint[k] = 0;
	res->rule = v->rule;
	res->offset = v->at >= 0 && v->at < lx->n ? lx->t[v->at].off : 0;
}

int waf_detect_sqli(const uint8_t *in, size_t len, struct waf_detect_result *res)
{
	static const struct { enum ctx ctx; char quote; } order[] = {
		{ CTX_NONE, '-' }, { CTX_SQUOTE, '\'' }, { CTX_DQUOTE, '"' },
	};

	if (!in || len == 0)
		return 0;
	for (size_t c = 0; c < sizeof(order) / sizeof(order[0]); c++) {
		struct lexer lx = { .in = in, .len = len };
		struct verdict v = { NULL, 0 };
		if (order[c].ctx != CTX_NONE && !memchr(in, order[c].quote, len))
			continue; /* nothing to break out with */
		lex(&lx, order[c].ctx);
		if (lx.n == 0)
			continue;
		bool hit = judge_any(&lx, &v) ||
			   (order[c].ctx == CTX_NONE ? judge_bare(&lx, &v) :
			    judge_quoted(&lx, order[c].quote, &v));
		if (hit) {
			fill(res, &lx, order[c].quote, &v);
			return 1;
		}
	}
	return 0;
}
