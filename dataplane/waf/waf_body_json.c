/* Piecewise application/json body processor (waf_body.h): a small
 * resumable tokenizer of our own (Debian's jansson parses only whole
 * documents, so it cannot stream). ModSecurity v3 flattens JSON into ARGS
 * named by the path from the root: "json" first, members joined by '.',
 * array elements by their index ("json.a.b", "json.list.0"); strings are
 * unescaped (\uXXXX to UTF-8, no surrogate pairing), numbers, true, false
 * and null are their literal text. A leaf is emitted when its closing quote
 * (or the byte after a literal) arrives. State: the path (bounded,
 * WAF_JSON_PATH_MAX), one frame per open container (nesting bounded,
 * WAF_RV_JSON_DEPTH) and the open string or literal (waf_body_open). An
 * error is terminal: nothing after it is emitted, REQBODY_ERROR is set. */
#include <string.h>

#include "waf/waf_body.h"
#include "waf/waf_reqview.h"

_Static_assert(WAF_RV_JSON_DEPTH == sizeof(((struct waf_body_json *)0)->stack) /
				     sizeof(struct waf_json_frame), "one frame per nesting level");

enum {
	J_VALUE,   /* a value expected (whitespace first) */
	J_FIRST,   /* after '{' or '[': a close, a member or an element */
	J_KEY,     /* a member name's opening quote expected */
	J_KEYSTR,  /* inside a member name */
	J_COLON,   /* ':' expected */
	J_STR,     /* inside a string value */
	J_LIT,     /* inside a number / true / false / null */
	J_AFTER,   /* after a member or element: ',' or the close */
	J_END,     /* the top value is complete: only whitespace may follow */
};

enum { S_PLAIN, S_ESC, S_HEX };

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_lit(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
	       c == '.' || c == 'E';
}

static int hexv(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void fail(struct waf_body_json *j, struct waf_reqview *v)
{
	j->err = true;
	v->reqbody_error = true;
	v->reqbody_error_msg = "JSON parsing error";
}

void waf_body_json_begin(struct waf_body_json *j, struct waf_body_open *o)
{
	j->state = J_VALUE;
	j->str_state = S_PLAIN;
	j->err = false;
	j->depth = 0;
	memcpy(j->path, "json", 4);
	j->plen = 4;
	o->len = 0;
	o->truncated = false;
}

/* Unescaped string bytes: into the member name (the path) or the value. */
static void str_out(struct waf_body_json *j, struct waf_body_open *o, struct waf_reqview *v,
		    const uint8_t *p, size_t n)
{
	if (j->state == J_KEYSTR) {
		if (j->plen + n >= WAF_JSON_PATH_MAX) {
			fail(j, v);
			return;
		}
		memcpy(j->path + j->plen, p, n);
		j->plen += (uint32_t)n;
	} else {
		waf_body_open_put(o, v, p, n);
	}
}

/* The open value is complete: one ARGS_POST item named by the path. */
static void leaf(struct waf_body_open *o, struct waf_body_json *j, struct waf_reqview *v)
{
	uint8_t *name = waf_reqview_alloc(v, j->plen + 1);
	uint8_t *val = waf_reqview_alloc(v, (size_t)o->len + 1);

	if (name != NULL && val != NULL) {
		memcpy(name, j->path, j->plen);
		name[j->plen] = 0;
		if (o->len)
			memcpy(val, o->p, o->len);
		val[o->len] = 0;
		waf_reqview_push_arg(v, name, j->plen, val, o->len);
	}
	if (o->truncated) {
		v->body_value_truncated = true;
		v->reqbody_error = true;
		v->reqbody_error_msg = "body value over the inspection bound";
	}
	o->len = 0;
	o->truncated = false;
}

/* A value (leaf or container) ended: back to its container, or done. */
static void value_done(struct waf_body_json *j)
{
	if (j->depth == 0) {
		j->state = J_END;
		return;
	}
	j->plen = j->stack[j->depth - 1].base;
	j->state = J_AFTER;
}

/* An array element starts: ".N" onto the path. */
static void element(struct waf_body_json *j, struct waf_reqview *v)
{
	struct waf_json_frame *f = &j->stack[j->depth - 1];
	char num[12];
	size_t n = 0;
	uint32_t x = f->idx++;

	do {
		num[sizeof(num) - 1 - n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	if (j->plen + 1 + n >= WAF_JSON_PATH_MAX) {
		fail(j, v);
		return;
	}
	j->path[j->plen++] = '.';
	memcpy(j->path + j->plen, num + sizeof(num) - n, n);
	j->plen += (uint32_t)n;
	j->state = J_VALUE;
}

/* The literal ended: what ModSecurity's parser accepts, as text. */
static void literal_done(struct waf_body_json *j, struct waf_body_open *o, struct waf_reqview *v)
{
	const uint8_t *a = o->p;
	uint32_t n = o->len;
	/* n == 0 only when memory ran out for the literal's first bytes */
	bool ok = n > 0 && ((n == 4 && !memcmp(a, "true", 4)) || (n == 5 && !memcmp(a, "false", 5)) ||
			    (n == 4 && !memcmp(a, "null", 4)) || *a == '-' || (*a >= '0' && *a <= '9'));

	if (!ok) {
		fail(j, v);
		return;
	}
	leaf(o, j, v);
	value_done(j);
}

/* Bytes of a string (state J_KEYSTR or J_STR) from p; returns how many
 * were consumed (up to and including the closing quote). */
static size_t string_bytes(struct waf_body_json *j, struct waf_body_open *o, struct waf_reqview *v,
			   const uint8_t *p, const uint8_t *e)
{
	const uint8_t *s = p;

	while (s < e && !j->err) {
		uint8_t c = *s;

		if (j->str_state == S_PLAIN) {
			const uint8_t *z = s;

			while (z < e && *z != '"' && *z != '\\')
				z++;
			if (z > s)
				str_out(j, o, v, s, (size_t)(z - s));
			s = z;
			if (s == e || j->err)
				break;
			s++;
			if (*z == '\\') {
				j->str_state = S_ESC;
				continue;
			}
			/* closing quote */
			if (j->state == J_KEYSTR) {
				j->state = J_COLON;
			} else {
				leaf(o, j, v);
				value_done(j);
			}
			return (size_t)(s - p);
		}
		s++;
		if (j->str_state == S_ESC) {
			static const uint8_t esc_from[] = "bfnrt", esc_to[] = "\b\f\n\r\t";
			const uint8_t *m = memchr(esc_from, c, 5);
			uint8_t out = m ? esc_to[m - esc_from] : c;

			if (c == 'u') {
				j->str_state = S_HEX;
				j->hex = 0;
				j->hex_n = 0;
				continue;
			}
			str_out(j, o, v, &out, 1);
			j->str_state = S_PLAIN;
			continue;
		}
		/* S_HEX */
		if (hexv(c) < 0) {
			fail(j, v);
			break;
		}
		j->hex = (uint16_t)(j->hex << 4 | hexv(c));
		if (++j->hex_n == 4) {
			uint8_t u[3];
			size_t n;

			if (j->hex < 0x80) {
				u[0] = (uint8_t)j->hex;
				n = 1;
			} else if (j->hex < 0x800) {
				u[0] = (uint8_t)(0xc0 | j->hex >> 6);
				u[1] = (uint8_t)(0x80 | (j->hex & 0x3f));
				n = 2;
			} else {
				u[0] = (uint8_t)(0xe0 | j->hex >> 12);
				u[1] = (uint8_t)(0x80 | ((j->hex >> 6) & 0x3f));
				u[2] = (uint8_t)(0x80 | (j->hex & 0x3f));
				n = 3;
			}
			str_out(j, o, v, u, n);
			j->str_state = S_PLAIN;
		}
	}
	return (size_t)(s - p);
}

void waf_body_json_feed(struct waf_body_json *j, struct waf_body_open *o, struct waf_reqview *v,
			const uint8_t *p, size_t n)
{
	const uint8_t *e = p + n;

	while (p < e && !j->err) {
		uint8_t c = *p;

		switch (j->state) {
		case J_KEYSTR:
		case J_STR:
			p += string_bytes(j, o, v, p, e);
			continue;
		case J_LIT: {
			const uint8_t *z = p;

			while (z < e && is_lit(*z))
				z++;
			waf_body_open_put(o, v, p, (size_t)(z - p));
			p = z;
			if (p < e)
				literal_done(j, o, v);   /* the byte after it is looked at next */
			continue;
		}
		default:
			break;
		}
		if (is_ws(c)) {
			p++;
			continue;
		}
		switch (j->state) {
		case J_VALUE:
			if (c == '{' || c == '[') {
				struct waf_json_frame *f;

				if (j->depth >= WAF_RV_JSON_DEPTH) {
					fail(j, v);
					break;
				}
				f = &j->stack[j->depth++];
				f->obj = c == '{';
				f->idx = 0;
				f->base = (uint16_t)j->plen;
				j->state = J_FIRST;
			} else if (c == '"') {
				j->state = J_STR;
				j->str_state = S_PLAIN;
				o->len = 0;
				o->truncated = false;
			} else if (is_lit(c)) {
				j->state = J_LIT;
				o->len = 0;
				o->truncated = false;
				continue;   /* J_LIT takes the byte */
			} else {
				fail(j, v);
			}
			p++;
			continue;
		case J_FIRST:
			if (c == (j->stack[j->depth - 1].obj ? '}' : ']')) {
				j->depth--;
				value_done(j);
				p++;
			} else if (j->stack[j->depth - 1].obj) {
				j->state = J_KEY;
			} else {
				element(j, v);
			}
			continue;   /* J_KEY / J_VALUE look at the byte again */
		case J_KEY:
			if (c != '"' || j->plen + 1 >= WAF_JSON_PATH_MAX) {
				fail(j, v);
				continue;
			}
			j->path[j->plen++] = '.';
			j->state = J_KEYSTR;
			j->str_state = S_PLAIN;
			p++;
			continue;
		case J_COLON:
			if (c != ':')
				fail(j, v);
			j->state = J_VALUE;
			p++;
			continue;
		case J_AFTER:
			if (c == ',') {
				if (j->stack[j->depth - 1].obj)
					j->state = J_KEY;
				else
					element(j, v);
			} else if (c == (j->stack[j->depth - 1].obj ? '}' : ']')) {
				j->depth--;
				value_done(j);
			} else {
				fail(j, v);
			}
			p++;
			continue;
		default:   /* J_END: only whitespace may follow the top value */
			fail(j, v);
			continue;
		}
	}
}

void waf_body_json_finish(struct waf_body_json *j, struct waf_body_open *o, struct waf_reqview *v)
{
	if (j->err)
		return;
	if (j->state == J_LIT)
		literal_done(j, o, v);
	if (!j->err && j->state != J_END)
		fail(j, v);
}
