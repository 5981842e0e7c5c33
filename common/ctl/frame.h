/* SPDX-License-Identifier: Proprietary
 * Rampart control channel framing, shared by rampart-cp and rampart-dp.
 *
 * The channel is a SOCK_STREAM unix socket: rampart-dp listens, rampart-cp
 * connects (and reconnects with backoff). Every message is one frame:
 *
 *   offset size  field
 *   0      4     magic     "RMPC" (0x524d5043, network order)
 *   4      2     version   CTL_FRAME_VERSION (network order)
 *   6      2     flags     0 for now; a receiver refuses unknown bits
 *   8      4     json_len  bytes of UTF-8 JSON object that follow (>= 2)
 *   12     4     blob_len  bytes of opaque binary after the JSON (may be 0)
 *   16     ...   json, then blob
 *
 * The JSON object always has a string member "type"; requests carry an
 * integer "id" that the reply echoes. Blobs carry compiled artefacts
 * (Hyperscan databases later) that JSON would only inflate.
 *
 * Both ends treat the peer as untrusted: sizes are bounded (CTL_JSON_MAX,
 * CTL_BLOB_MAX), a bad magic/version/flag or an unparseable JSON object makes
 * the decoder fail with a reason, and the connection is closed and counted.
 */
#ifndef RAMPART_CTL_FRAME_H
#define RAMPART_CTL_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#define CTL_FRAME_MAGIC    0x524d5043u /* "RMPC" */
#define CTL_FRAME_VERSION  1
#define CTL_FRAME_HDR_LEN  16
#define CTL_JSON_MAX       (4u << 20)
#define CTL_BLOB_MAX       (256u << 20)

/* One decoded message. Owned by the caller after ctl_decoder_next(). */
struct ctl_msg {
	json_t *json;     /* object with at least "type" (string) */
	uint8_t *blob;    /* malloc'd, NULL when blob_len == 0 */
	size_t blob_len;
};

/* Incremental decoder: feed it whatever read() returned, pull whole messages.
 * All-zero is not valid; use ctl_decoder_init(). */
struct ctl_decoder {
	uint8_t *buf;
	size_t len;      /* bytes held */
	size_t cap;
	char err[128];   /* reason of the last failure */
};

void ctl_decoder_init(struct ctl_decoder *d);
void ctl_decoder_fini(struct ctl_decoder *d);

/* Append received bytes. Returns 0, or -ENOMEM / -EMSGSIZE when the bytes
 * held would exceed one maximal frame (the peer is misbehaving), or -EINVAL
 * when data is NULL and len is not 0. */
int ctl_decoder_feed(struct ctl_decoder *d, const void *data, size_t len);

/* Take the next whole message out of the buffer.
 * Returns 1 and fills *msg, 0 when more bytes are needed, or -EPROTO /
 * -EMSGSIZE / -ENOMEM with d->err saying why (the stream is then unusable).
 * *msg is overwritten (zeroed unless 1 is returned): free a previous message
 * first. The header is checked as soon as its 16 bytes are held. */
int ctl_decoder_next(struct ctl_decoder *d, struct ctl_msg *msg);

void ctl_msg_free(struct ctl_msg *msg);

/* Serialize one frame into a malloc'd buffer (*out, *out_len).
 * Returns 0, -EINVAL (json not an object or no "type"), -EMSGSIZE, -ENOMEM. */
int ctl_frame_encode(const json_t *json, const void *blob, size_t blob_len,
		     uint8_t **out, size_t *out_len);

/* Blocking helpers for simple peers (rampart-cp, tests): write a whole frame /
 * read until one whole message arrives or timeout_ms passes (-1 = forever).
 * Return 0 or -errno (-ETIMEDOUT, -ECONNRESET on EOF, -EPROTO ...). */
int ctl_send(int fd, const json_t *json, const void *blob, size_t blob_len);
int ctl_recv(int fd, struct ctl_decoder *d, struct ctl_msg *msg, int timeout_ms);

#endif
