/* SPDX-License-Identifier: Proprietary
 * Rampart control channel framing: encoder, incremental decoder and the
 * blocking send/receive helpers. The contract is common/ctl/frame.h and
 * docs/CONTROL-CHANNEL.md.
 *
 * The decoder keeps the received bytes in one growable buffer and only cuts
 * a message out once the whole frame (header, JSON, blob) is there. It checks
 * the header as soon as its 16 bytes are held, so a peer that sends garbage
 * is refused before it can make us buffer a large body. A failure leaves the
 * offending bytes in the buffer: every later ctl_decoder_next() fails the same
 * way, which is what "the stream is then unusable" means.
 */
#include "ctl/frame.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* The most bytes one frame can occupy; the decoder never holds more. */
#define CTL_FRAME_MAX ((size_t)CTL_FRAME_HDR_LEN + CTL_JSON_MAX + CTL_BLOB_MAX)

/* A decoder buffer grows by doubling from this size... */
#define DEC_MIN_CAP   4096u
/* ...and is shrunk back to this size once a large frame has been consumed,
 * so one big blob does not pin hundreds of MiB for the connection's life. */
#define DEC_KEEP_CAP  (64u << 10)

/* Bytes read per read() in ctl_recv(). */
#define RECV_CHUNK    (64u << 10)

/* Smallest JSON object text: "{}". */
#define CTL_JSON_MIN  2u

/* Parsing flags for received JSON: a duplicated member is ambiguous (which
 * one wins differs between parsers), so it is refused like any other error.
 * Any value is parsed, so that a scalar is reported as "not an object". */
#define CTL_JSON_LOAD_FLAGS (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY)

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4)))
static int dec_fail(struct ctl_decoder *d, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- encoding ---------------------------------------------------------- */

/* Check a message and serialize its JSON (compact) into a malloc'd *text,
 * then fill the 16-byte header. Nothing is written anywhere on failure. */
static int frame_prepare(const json_t *json, const void *blob, size_t blob_len,
			 char **text, size_t *text_len,
			 uint8_t hdr[CTL_FRAME_HDR_LEN])
{
	size_t n, m;
	char *buf;

	if (!json_is_object(json) || !json_is_string(json_object_get(json, "type")))
		return -EINVAL;
	if (blob_len > 0 && !blob)
		return -EINVAL;
	if (blob_len > CTL_BLOB_MAX)
		return -EMSGSIZE;

	/* First pass sizes the text, second pass writes it. */
	n = json_dumpb(json, NULL, 0, JSON_COMPACT);
	if (n < CTL_JSON_MIN)
		return -EINVAL; /* 0: jansson could not serialize it */
	if (n > CTL_JSON_MAX)
		return -EMSGSIZE;
	buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	m = json_dumpb(json, buf, n, JSON_COMPACT);
	if (m != n) {
		free(buf);
		return -EINVAL;
	}

	put_be32(hdr + 0, CTL_FRAME_MAGIC);
	put_be16(hdr + 4, CTL_FRAME_VERSION);
	put_be16(hdr + 6, 0);
	put_be32(hdr + 8, (uint32_t)n);
	put_be32(hdr + 12, (uint32_t)blob_len);
	*text = buf;
	*text_len = n;
	return 0;
}

int ctl_frame_encode(const json_t *json, const void *blob, size_t blob_len,
		     uint8_t **out, size_t *out_len)
{
	uint8_t hdr[CTL_FRAME_HDR_LEN];
	size_t text_len, total;
	uint8_t *frame;
	char *text;
	int rc;

	if (!out || !out_len)
		return -EINVAL;
	rc = frame_prepare(json, blob, blob_len, &text, &text_len, hdr);
	if (rc)
		return rc;

	total = CTL_FRAME_HDR_LEN + text_len + blob_len; /* bounded, no overflow */
	frame = malloc(total);
	if (!frame) {
		free(text);
		return -ENOMEM;
	}
	memcpy(frame, hdr, CTL_FRAME_HDR_LEN);
	memcpy(frame + CTL_FRAME_HDR_LEN, text, text_len);
	if (blob_len)
		memcpy(frame + CTL_FRAME_HDR_LEN + text_len, blob, blob_len);
	free(text);

	*out = frame;
	*out_len = total;
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

void ctl_decoder_init(struct ctl_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

void ctl_decoder_fini(struct ctl_decoder *d)
{
	if (!d)
		return;
	free(d->buf);
	ctl_decoder_init(d);
}

int ctl_decoder_feed(struct ctl_decoder *d, const void *data, size_t len)
{
	size_t need, cap;
	uint8_t *nb;

	if (len == 0)
		return 0;
	if (!data)
		return -EINVAL;
	if (len > CTL_FRAME_MAX || d->len > CTL_FRAME_MAX - len)
		return dec_fail(d, -EMSGSIZE,
				"peer sent more than one maximal frame (%zu + %zu bytes held)",
				d->len, len);

	need = d->len + len;
	if (need > d->cap) {
		cap = d->cap ? d->cap : DEC_MIN_CAP;
		while (cap < need)
			cap = cap > CTL_FRAME_MAX / 2 ? CTL_FRAME_MAX : cap * 2;
		nb = realloc(d->buf, cap);
		if (!nb)
			return dec_fail(d, -ENOMEM, "out of memory buffering %zu bytes", cap);
		d->buf = nb;
		d->cap = cap;
	}
	memcpy(d->buf + d->len, data, len);
	d->len = need;
	return 0;
}

/* Drop the first n bytes (one consumed frame) and give back memory that a
 * large frame made us take. */
static void dec_consume(struct ctl_decoder *d, size_t n)
{
	uint8_t *nb;

	d->len -= n;
	if (d->len)
		memmove(d->buf, d->buf + n, d->len);

	if (d->cap > DEC_KEEP_CAP && d->len <= DEC_KEEP_CAP) {
		nb = realloc(d->buf, DEC_KEEP_CAP);
		if (nb) { /* keeping the larger buffer is harmless */
			d->buf = nb;
			d->cap = DEC_KEEP_CAP;
		}
	}
}

int ctl_decoder_next(struct ctl_decoder *d, struct ctl_msg *msg)
{
	uint32_t magic, json_len, blob_len;
	uint16_t version, flags;
	const uint8_t *p;
	json_error_t jerr;
	json_t *json, *type;
	uint8_t *blob = NULL;
	size_t total;

	memset(msg, 0, sizeof(*msg));
	if (d->len < CTL_FRAME_HDR_LEN)
		return 0;

	p = d->buf;
	magic = get_be32(p + 0);
	version = get_be16(p + 4);
	flags = get_be16(p + 6);
	json_len = get_be32(p + 8);
	blob_len = get_be32(p + 12);

	if (magic != CTL_FRAME_MAGIC)
		return dec_fail(d, -EPROTO, "bad magic 0x%08x (want 0x%08x)",
				magic, CTL_FRAME_MAGIC);
	if (version != CTL_FRAME_VERSION)
		return dec_fail(d, -EPROTO, "unsupported version %u (want %u)",
				version, CTL_FRAME_VERSION);
	if (flags != 0)
		return dec_fail(d, -EPROTO, "unknown flag bits 0x%04x", flags);
	if (json_len < CTL_JSON_MIN)
		return dec_fail(d, -EPROTO, "json_len %u is below the minimum %u",
				json_len, CTL_JSON_MIN);
	if (json_len > CTL_JSON_MAX)
		return dec_fail(d, -EMSGSIZE, "json_len %u exceeds the limit %u",
				json_len, CTL_JSON_MAX);
	if (blob_len > CTL_BLOB_MAX)
		return dec_fail(d, -EMSGSIZE, "blob_len %u exceeds the limit %u",
				blob_len, CTL_BLOB_MAX);

	total = (size_t)CTL_FRAME_HDR_LEN + json_len + blob_len;
	if (d->len < total)
		return 0;

	json = json_loadb((const char *)p + CTL_FRAME_HDR_LEN, json_len,
			  CTL_JSON_LOAD_FLAGS, &jerr);
	if (!json)
		return dec_fail(d, -EPROTO, "invalid JSON at byte %d: %s",
				jerr.position, jerr.text);
	if (!json_is_object(json)) {
		json_decref(json);
		return dec_fail(d, -EPROTO, "JSON is not an object");
	}
	type = json_object_get(json, "type");
	if (!json_is_string(type)) {
		json_decref(json);
		return dec_fail(d, -EPROTO, "JSON object has no string member \"type\"");
	}

	if (blob_len) {
		blob = malloc(blob_len);
		if (!blob) {
			json_decref(json);
			return dec_fail(d, -ENOMEM, "out of memory for a %u-byte blob",
					blob_len);
		}
		memcpy(blob, p + CTL_FRAME_HDR_LEN + json_len, blob_len);
	}

	msg->json = json;
	msg->blob = blob;
	msg->blob_len = blob_len;
	dec_consume(d, total);
	d->err[0] = '\0';
	return 1;
}

void ctl_msg_free(struct ctl_msg *msg)
{
	if (!msg)
		return;
	json_decref(msg->json);
	free(msg->blob);
	msg->json = NULL;
	msg->blob = NULL;
	msg->blob_len = 0;
}

/* ---- blocking helpers -------------------------------------------------- */

/* Write all of iov[]. EINTR is retried. On a non-blocking fd EAGAIN waits in
 * poll(); on a blocking fd EAGAIN can only mean SO_SNDTIMEO expired. */
static int send_all(int fd, struct iovec *iov, int iovcnt)
{
	bool nonblock;
	int fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	nonblock = fl & O_NONBLOCK;

	while (iovcnt > 0) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		size_t left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				if (!nonblock)
					return -ETIMEDOUT;
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}

		/* Skip what was written, including empty entries. */
		left = (size_t)n;
		while (iovcnt > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return 0;
}

int ctl_send(int fd, const json_t *json, const void *blob, size_t blob_len)
{
	uint8_t hdr[CTL_FRAME_HDR_LEN];
	struct iovec iov[3];
	size_t text_len;
	char *text;
	int rc;

	rc = frame_prepare(json, blob, blob_len, &text, &text_len, hdr);
	if (rc)
		return rc;

	/* Header, JSON and blob go out without being copied into one buffer. */
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = sizeof(hdr) };
	iov[1] = (struct iovec){ .iov_base = text, .iov_len = text_len };
	iov[2] = (struct iovec){ .iov_base = (void *)blob, .iov_len = blob_len };
	rc = send_all(fd, iov, blob_len ? 3 : 2);
	free(text);
	return rc;
}

int ctl_recv(int fd, struct ctl_decoder *d, struct ctl_msg *msg, int timeout_ms)
{
	int64_t deadline = timeout_ms >= 0 ? mono_ms() + timeout_ms : -1;
	uint8_t buf[RECV_CHUNK];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		size_t room;
		ssize_t n;
		int rc, wait_ms = -1;

		/* A message may already be buffered from an earlier read. */
		rc = ctl_decoder_next(d, msg);
		if (rc > 0)
			return 0;
		if (rc < 0)
			return rc;

		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();

			wait_ms = left > 0 ? (int)left : 0;
		}
		rc = poll(&pfd, 1, wait_ms);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (rc == 0)
			return -ETIMEDOUT;
		if (pfd.revents & POLLNVAL)
			return -EBADF;

		/* Never read past the end of the frame being assembled by more
		 * than the decoder may hold: after next() returned 0 the bytes
		 * held are fewer than one maximal frame, so room is > 0. */
		room = CTL_FRAME_MAX - d->len;
		if (room > sizeof(buf))
			room = sizeof(buf);
		n = read(fd, buf, room);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		rc = ctl_decoder_feed(d, buf, (size_t)n);
		if (rc)
			return rc;
	}
}
