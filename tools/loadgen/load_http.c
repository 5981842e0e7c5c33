/* SPDX-License-Identifier: Proprietary
 * rampart-load's HTTP/1.1 framing (load.h): collecting a message head
 * across reads and taking from it the few fields a load generator needs
 * (status, Content-Length, chunked, Connection: close), plus the latency
 * histogram of HTTP mode.
 *
 * This is not a validating parser: both peers are ours or the gateway under
 * test, and anything unexpected is counted as a bad reply or request by the
 * caller, not interpreted.
 */
#include <string.h>
#include <strings.h>

#include "load.h"

/* The head ends at the first "\r\n\r\n". */
int
load_head_feed(struct load_head *h, const uint8_t *p, size_t n, bool *done)
{
	size_t from = h->len > 3 ? h->len - 3 : 0, room = LOAD_HEAD_MAX - h->len, take;
	const char *end;

	*done = false;
	take = n < room ? n : room;
	memcpy(h->buf + h->len, p, take);
	h->len += (uint16_t)take;
	end = memmem(h->buf + from, h->len - from, "\r\n\r\n", 4);
	if (end == NULL)
		return take == n ? (int)n : -1;    /* longer than LOAD_HEAD_MAX */
	/* Bytes after the blank line belong to the body: give them back. */
	take -= (size_t)(h->buf + h->len - (end + 4));
	h->len = (uint16_t)(end + 4 - h->buf);
	*done = true;
	return (int)take;
}

/* "name:" at the start of line [l, e), case-insensitively: the value after
 * optional whitespace, else NULL. */
static const char *
field_value(const char *l, const char *e, const char *name)
{
	size_t len = strlen(name);

	if ((size_t)(e - l) <= len || strncasecmp(l, name, len) != 0 || l[len] != ':')
		return NULL;
	l += len + 1;
	while (l < e && (*l == ' ' || *l == '\t'))
		l++;
	return l;
}

/* Does [v, e) hold token tok (comma-separated list, case-insensitive)? */
static bool
has_token(const char *v, const char *e, const char *tok)
{
	size_t len = strlen(tok);

	for (const char *p = v; p + len <= e; p++)
		if (strncasecmp(p, tok, len) == 0)
			return true;
	return false;
}

int
load_head_parse(const struct load_head *h, bool response, struct load_head_info *out)
{
	const char *l = h->buf, *end = h->buf + h->len, *nl;
	bool http10, keep_alive = false;

	*out = (struct load_head_info){ .content_length = -1 };
	nl = memchr(l, '\n', (size_t)(end - l));
	if (nl == NULL || nl - l < 10)
		return -1;
	if (response) {
		/* "HTTP/1.x NNN ..." */
		if (memcmp(l, "HTTP/1.", 7) != 0 || l[8] != ' ' ||
		    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' || l[11] > '9')
			return -1;
		http10 = l[7] == '0';
		out->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	} else {
		http10 = nl - l >= 9 && memcmp(nl - 9, " HTTP/1.0", 9) == 0;
	}
	for (l = nl + 1; l < end && *l != '\r'; l = nl + 1) {
		const char *v, *le;

		nl = memchr(l, '\n', (size_t)(end - l));
		if (nl == NULL)
			return -1;
		le = nl > l && nl[-1] == '\r' ? nl - 1 : nl;
		if ((v = field_value(l, le, "content-length")) != NULL) {
			int64_t cl = 0;

			if (v == le || out->content_length >= 0)
				return -1;
			for (; v < le; v++) {
				if (*v < '0' || *v > '9' || cl > (INT64_MAX - 9) / 10)
					return -1;
				cl = cl * 10 + (*v - '0');
			}
			out->content_length = cl;
		} else if ((v = field_value(l, le, "transfer-encoding")) != NULL) {
			out->chunked = true;    /* only chunked is legal in a message we get */
		} else if ((v = field_value(l, le, "connection")) != NULL) {
			out->close |= has_token(v, le, "close");
			keep_alive |= has_token(v, le, "keep-alive");
		}
	}
	if (http10 && !keep_alive)
		out->close = true;
	return 0;
}

/* Log-linear buckets: exact below 32 ns, then 16 per power of two (at most
 * 6.25 % wide). */
static unsigned
hist_index(uint64_t ns)
{
	unsigned b, shift;

	if (ns < 32)
		return (unsigned)ns;
	b = 63u - (unsigned)__builtin_clzll(ns);      /* >= 5 */
	shift = b - 4;
	return 32 + (b - 5) * 16 + (unsigned)((ns >> shift) - 16);
}

/* The middle of bucket i, in ns. */
static double
hist_value(unsigned i)
{
	unsigned b, shift;

	if (i < 32)
		return i;
	b = (i - 32) / 16 + 5;
	shift = b - 4;
	return (double)(((uint64_t)(16 + (i - 32) % 16)) << shift) + (double)(1ull << shift) / 2;
}

void
load_hist_add(struct load_hist *hs, uint64_t ns)
{
	unsigned i = hist_index(ns);

	hs->b[i < LOAD_HIST_BUCKETS ? i : LOAD_HIST_BUCKETS - 1]++;
	hs->n++;
	hs->sum_ns += ns;
	if (ns > hs->max_ns)
		hs->max_ns = ns;
}

double
load_hist_quantile_us(const struct load_hist *hs, double q)
{
	uint64_t want, seen = 0;

	if (hs->n == 0)
		return 0;
	want = (uint64_t)(q * (double)hs->n);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < LOAD_HIST_BUCKETS; i++) {
		seen += hs->b[i];
		if (seen >= want)
			return hist_value(i) / 1000.0;
	}
	return (double)hs->max_ns / 1000.0;
}
