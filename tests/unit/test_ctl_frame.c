/* SPDX-License-Identifier: Proprietary
 * Unit tests of the control channel framing (common/ctl/frame.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl/frame.h"

/* ---- helpers ----------------------------------------------------------- */

static json_t *msg_new(const char *type, int id)
{
	json_t *j = json_pack("{s:s, s:i, s:{s:[s, s]}}", "type", type, "id", id,
			      "config", "addresses", "10.10.1.1/24", "fd00:10:1::1/64");

	assert_non_null(j);
	return j;
}

static void encode(const json_t *j, const void *blob, size_t blob_len,
		   uint8_t **out, size_t *out_len)
{
	assert_int_equal(ctl_frame_encode(j, blob, blob_len, out, out_len), 0);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A frame with the given header fields and body text (no blob). */
static uint8_t *raw_frame(uint32_t magic, uint16_t version, uint16_t flags,
			  const char *json, uint32_t blob_len, size_t *len)
{
	size_t jl = strlen(json);
	uint8_t *f = calloc(1, CTL_FRAME_HDR_LEN + jl + blob_len);

	assert_non_null(f);
	put_be32(f, magic);
	put_be16(f + 4, version);
	put_be16(f + 6, flags);
	put_be32(f + 8, (uint32_t)jl);
	put_be32(f + 12, blob_len);
	memcpy(f + CTL_FRAME_HDR_LEN, json, jl);
	*len = CTL_FRAME_HDR_LEN + jl + blob_len;
	return f;
}

/* Feed a whole buffer and expect decoder_next to return want. */
static int decode_all(const uint8_t *buf, size_t len, struct ctl_msg *msg,
		      struct ctl_decoder *d)
{
	ctl_decoder_init(d);
	assert_int_equal(ctl_decoder_feed(d, buf, len), 0);
	return ctl_decoder_next(d, msg);
}

static void expect_refused(const uint8_t *buf, size_t len, int want,
			   const char *reason)
{
	struct ctl_decoder d;
	struct ctl_msg msg;

	assert_int_equal(decode_all(buf, len, &msg, &d), want);
	assert_null(msg.json);
	if (!strstr(d.err, reason))
		fail_msg("reason \"%s\" does not mention \"%s\"", d.err, reason);
	/* The stream stays unusable: the same failure again. */
	assert_int_equal(ctl_decoder_next(&d, &msg), want);
	ctl_decoder_fini(&d);
}

static void assert_msg_equal(const struct ctl_msg *m, const json_t *j,
			     const void *blob, size_t blob_len)
{
	assert_non_null(m->json);
	assert_true(json_equal(m->json, (json_t *)j));
	assert_int_equal(m->blob_len, blob_len);
	if (blob_len) {
		assert_non_null(m->blob);
		assert_memory_equal(m->blob, blob, blob_len);
	} else {
		assert_null(m->blob);
	}
}

/* ---- encode / decode --------------------------------------------------- */

static void test_header_layout(void **state)
{
	json_t *j = json_pack("{s:s}", "type", "hello");
	uint8_t *f;
	size_t len;

	(void)state;
	encode(j, "ab", 2, &f, &len);
	assert_int_equal(len, CTL_FRAME_HDR_LEN + strlen("{\"type\":\"hello\"}") + 2);
	assert_memory_equal(f, "RMPC", 4);
	assert_memory_equal(f + 4, "\x00\x01\x00\x00", 4);        /* version, flags */
	assert_memory_equal(f + 8, "\x00\x00\x00\x10", 4);        /* json_len 16 */
	assert_memory_equal(f + 12, "\x00\x00\x00\x02", 4);       /* blob_len 2 */
	assert_memory_equal(f + 16, "{\"type\":\"hello\"}ab", 18);
	free(f);
	json_decref(j);
}

static void roundtrip(const void *blob, size_t blob_len)
{
	json_t *j = msg_new("config-push", 7);
	struct ctl_decoder d;
	struct ctl_msg msg;
	uint8_t *f;
	size_t len;

	encode(j, blob, blob_len, &f, &len);
	assert_int_equal(decode_all(f, len, &msg, &d), 1);
	assert_msg_equal(&msg, j, blob, blob_len);
	ctl_msg_free(&msg);
	assert_int_equal(d.len, 0);
	assert_int_equal(ctl_decoder_next(&d, &msg), 0);
	ctl_decoder_fini(&d);
	free(f);
	json_decref(j);
}

static void test_roundtrip_no_blob(void **state)
{
	(void)state;
	roundtrip(NULL, 0);
}

static void test_roundtrip_blob(void **state)
{
	uint8_t blob[300];

	(void)state;
	for (size_t i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7); /* includes NUL bytes */
	roundtrip(blob, sizeof(blob));
}

static void test_roundtrip_large_blob(void **state)
{
	size_t n = 3u << 20;
	uint8_t *blob = malloc(n);

	(void)state;
	assert_non_null(blob);
	for (size_t i = 0; i < n; i++)
		blob[i] = (uint8_t)(i ^ (i >> 8));
	roundtrip(blob, n);
	free(blob);
}

static void test_byte_at_a_time(void **state)
{
	uint8_t blob[] = { 0, 1, 2, 0xff };
	json_t *j = msg_new("hello", 1);
	struct ctl_decoder d;
	struct ctl_msg msg;
	uint8_t *f;
	size_t len;

	(void)state;
	encode(j, blob, sizeof(blob), &f, &len);
	ctl_decoder_init(&d);
	for (size_t i = 0; i < len; i++) {
		assert_int_equal(ctl_decoder_next(&d, &msg), 0);
		assert_null(msg.json);
		assert_int_equal(ctl_decoder_feed(&d, f + i, 1), 0);
	}
	assert_int_equal(ctl_decoder_next(&d, &msg), 1);
	assert_msg_equal(&msg, j, blob, sizeof(blob));
	ctl_msg_free(&msg);
	ctl_decoder_fini(&d);
	free(f);
	json_decref(j);
}

/* Two frames back to back, split in two at every offset: each message comes
 * out whole and in order, never early. */
static void test_every_split(void **state)
{
	uint8_t blob[] = "opaque\0bytes";
	json_t *a = msg_new("config-push", 1), *b = msg_new("stats-get", 2);
	uint8_t *fa, *fb, *both;
	size_t la, lb, len;

	(void)state;
	encode(a, blob, sizeof(blob), &fa, &la);
	encode(b, NULL, 0, &fb, &lb);
	len = la + lb;
	both = malloc(len);
	assert_non_null(both);
	memcpy(both, fa, la);
	memcpy(both + la, fb, lb);

	for (size_t split = 0; split <= len; split++) {
		struct ctl_decoder d;
		struct ctl_msg msg;
		int got = 0;

		ctl_decoder_init(&d);
		assert_int_equal(ctl_decoder_feed(&d, both, split), 0);
		while (ctl_decoder_next(&d, &msg) == 1) {
			assert_msg_equal(&msg, got ? b : a, got ? NULL : blob,
					 got ? 0 : sizeof(blob));
			ctl_msg_free(&msg);
			got++;
		}
		assert_int_equal(got, split >= la + lb ? 2 : split >= la ? 1 : 0);
		assert_int_equal(ctl_decoder_feed(&d, both + split, len - split), 0);
		while (ctl_decoder_next(&d, &msg) == 1) {
			assert_msg_equal(&msg, got ? b : a, got ? NULL : blob,
					 got ? 0 : sizeof(blob));
			ctl_msg_free(&msg);
			got++;
		}
		assert_int_equal(got, 2);
		assert_int_equal(d.len, 0);
		ctl_decoder_fini(&d);
	}
	free(both);
	free(fa);
	free(fb);
	json_decref(a);
	json_decref(b);
}

static void test_two_frames_one_feed(void **state)
{
	json_t *a = msg_new("hello", 1), *b = msg_new("config-get", 2);
	struct ctl_decoder d;
	struct ctl_msg msg;
	uint8_t *fa, *fb, *both;
	size_t la, lb;

	(void)state;
	encode(a, NULL, 0, &fa, &la);
	encode(b, "x", 1, &fb, &lb);
	both = malloc(la + lb);
	assert_non_null(both);
	memcpy(both, fa, la);
	memcpy(both + la, fb, lb);

	assert_int_equal(decode_all(both, la + lb, &msg, &d), 1);
	assert_msg_equal(&msg, a, NULL, 0);
	ctl_msg_free(&msg);
	assert_int_equal(ctl_decoder_next(&d, &msg), 1);
	assert_msg_equal(&msg, b, "x", 1);
	ctl_msg_free(&msg);
	assert_int_equal(ctl_decoder_next(&d, &msg), 0);
	ctl_decoder_fini(&d);
	free(both);
	free(fa);
	free(fb);
	json_decref(a);
	json_decref(b);
}

static void test_truncated_needs_more(void **state)
{
	json_t *j = msg_new("hello", 1);
	struct ctl_decoder d;
	struct ctl_msg msg;
	uint8_t *f;
	size_t len;

	(void)state;
	encode(j, "blob", 4, &f, &len);
	/* empty, partial header, header only, header + part of JSON, all but
	 * the last blob byte */
	size_t cuts[] = { 0, 5, CTL_FRAME_HDR_LEN, CTL_FRAME_HDR_LEN + 3, len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		assert_int_equal(decode_all(f, cuts[i], &msg, &d), 0);
		assert_null(msg.json);
		assert_int_equal(d.len, cuts[i]);
		ctl_decoder_fini(&d);
	}
	free(f);
	json_decref(j);
}

/* ---- refusals ---------------------------------------------------------- */

static void test_bad_magic(void **state)
{
	size_t len;
	uint8_t *f = raw_frame(0x524d5044, 1, 0, "{\"type\":\"x\"}", 0, &len);

	(void)state;
	expect_refused(f, len, -EPROTO, "bad magic");
	/* Refused from the header alone, before the body arrives. */
	expect_refused(f, CTL_FRAME_HDR_LEN, -EPROTO, "bad magic");
	free(f);
}

static void test_bad_version(void **state)
{
	size_t len;
	uint8_t *f;

	(void)state;
	f = raw_frame(CTL_FRAME_MAGIC, 2, 0, "{\"type\":\"x\"}", 0, &len);
	expect_refused(f, len, -EPROTO, "version");
	free(f);
	f = raw_frame(CTL_FRAME_MAGIC, 0, 0, "{\"type\":\"x\"}", 0, &len);
	expect_refused(f, len, -EPROTO, "version");
	free(f);
}

static void test_unknown_flags(void **state)
{
	size_t len;
	uint8_t *f;

	(void)state;
	f = raw_frame(CTL_FRAME_MAGIC, 1, 0x0001, "{\"type\":\"x\"}", 0, &len);
	expect_refused(f, len, -EPROTO, "flag");
	free(f);
	f = raw_frame(CTL_FRAME_MAGIC, 1, 0x8000, "{\"type\":\"x\"}", 0, &len);
	expect_refused(f, len, -EPROTO, "flag");
	free(f);
}

static void test_oversize_lengths(void **state)
{
	uint8_t h[CTL_FRAME_HDR_LEN];

	(void)state;
	put_be32(h, CTL_FRAME_MAGIC);
	put_be16(h + 4, CTL_FRAME_VERSION);
	put_be16(h + 6, 0);

	put_be32(h + 8, CTL_JSON_MAX + 1);
	put_be32(h + 12, 0);
	expect_refused(h, sizeof(h), -EMSGSIZE, "json_len");

	put_be32(h + 8, 0xffffffffu);
	expect_refused(h, sizeof(h), -EMSGSIZE, "json_len");

	put_be32(h + 8, 2);
	put_be32(h + 12, CTL_BLOB_MAX + 1);
	expect_refused(h, sizeof(h), -EMSGSIZE, "blob_len");

	put_be32(h + 12, 0xffffffffu);
	expect_refused(h, sizeof(h), -EMSGSIZE, "blob_len");
}

static void test_json_len_too_small(void **state)
{
	size_t len;
	uint8_t *f;

	(void)state;
	f = raw_frame(CTL_FRAME_MAGIC, 1, 0, "", 0, &len);
	expect_refused(f, len, -EPROTO, "json_len");
	free(f);
	f = raw_frame(CTL_FRAME_MAGIC, 1, 0, "{", 0, &len);
	expect_refused(f, len, -EPROTO, "json_len");
	free(f);
}

static void test_bad_json(void **state)
{
	static const struct {
		const char *json;
		const char *reason;
	} cases[] = {
		{ "[]", "not an object" },
		{ "[{\"type\":\"x\"}]", "not an object" },
		{ "\"type\"", "not an object" },
		{ "42", "not an object" },
		{ "{}", "type" },
		{ "{\"id\":1}", "type" },
		{ "{\"type\":1}", "type" },
		{ "{\"type\":null}", "type" },
		{ "{\"type\":\"x\"", "invalid JSON" },
		{ "{\"type\":\"x\"} {}", "invalid JSON" },
		{ "{\"type\":\"a\",\"type\":\"b\"}", "invalid JSON" }, /* duplicate */
		{ "{\"type\":\"\xff\"}", "invalid JSON" },               /* not UTF-8 */
		{ "{\"type\":\"a\\u0000b\"}", "invalid JSON" },          /* NUL */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *f = raw_frame(CTL_FRAME_MAGIC, 1, 0, cases[i].json, 0, &len);

		expect_refused(f, len, -EPROTO, cases[i].reason);
		free(f);
	}
}

static void test_json_trailing_whitespace_ok(void **state)
{
	struct ctl_decoder d;
	struct ctl_msg msg;
	size_t len;
	uint8_t *f = raw_frame(CTL_FRAME_MAGIC, 1, 0, " {\"type\":\"x\"}\n", 0, &len);

	(void)state;
	assert_int_equal(decode_all(f, len, &msg, &d), 1);
	assert_string_equal(json_string_value(json_object_get(msg.json, "type")), "x");
	ctl_msg_free(&msg);
	ctl_decoder_fini(&d);
	free(f);
}

/* The decoder holds at most one maximal frame. */
static void test_feed_limit(void **state)
{
	size_t max = CTL_FRAME_HDR_LEN + CTL_JSON_MAX + CTL_BLOB_MAX;
	static const uint8_t byte;
	struct ctl_decoder d;

	(void)state;
	ctl_decoder_init(&d);
	assert_int_equal(ctl_decoder_feed(&d, &byte, max + 1), -EMSGSIZE);
	assert_int_equal(ctl_decoder_feed(&d, &byte, SIZE_MAX), -EMSGSIZE);
	assert_int_equal(d.len, 0);
	assert_int_equal(ctl_decoder_feed(&d, &byte, 0), 0);
	ctl_decoder_fini(&d);
	ctl_decoder_fini(&d); /* twice is fine */
}

static void test_encode_refusals(void **state)
{
	json_t *arr = json_array(), *notype = json_pack("{s:i}", "id", 1);
	json_t *inttype = json_pack("{s:i}", "type", 1), *ok = msg_new("x", 1);
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(ctl_frame_encode(NULL, NULL, 0, &out, &len), -EINVAL);
	assert_int_equal(ctl_frame_encode(arr, NULL, 0, &out, &len), -EINVAL);
	assert_int_equal(ctl_frame_encode(notype, NULL, 0, &out, &len), -EINVAL);
	assert_int_equal(ctl_frame_encode(inttype, NULL, 0, &out, &len), -EINVAL);
	assert_int_equal(ctl_frame_encode(ok, NULL, 5, &out, &len), -EINVAL);
	/* The blob is never read when its length is refused. */
	assert_int_equal(ctl_frame_encode(ok, "x", (size_t)CTL_BLOB_MAX + 1, &out, &len),
			 -EMSGSIZE);
	assert_null(out);

	/* JSON text beyond CTL_JSON_MAX */
	{
		size_t n = CTL_JSON_MAX;
		char *big = malloc(n + 1);
		json_t *j;

		assert_non_null(big);
		memset(big, 'a', n);
		big[n] = '\0';
		j = json_pack("{s:s, s:s}", "type", "x", "pad", big);
		assert_non_null(j);
		assert_int_equal(ctl_frame_encode(j, NULL, 0, &out, &len), -EMSGSIZE);
		assert_int_equal(ctl_send(-1, j, NULL, 0), -EMSGSIZE);
		json_decref(j);
		free(big);
	}
	assert_null(out);
	json_decref(arr);
	json_decref(notype);
	json_decref(inttype);
	json_decref(ok);
}

/* ---- ctl_send / ctl_recv ----------------------------------------------- */

static void socket_pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void test_send_recv(void **state)
{
	json_t *a = msg_new("hello", 1), *b = msg_new("reply", 1);
	struct ctl_decoder d;
	struct ctl_msg msg;
	int sv[2];

	(void)state;
	socket_pair(sv);
	/* Two frames before the first read: the second must be returned from
	 * the decoder's buffer, without waiting. */
	assert_int_equal(ctl_send(sv[0], a, NULL, 0), 0);
	assert_int_equal(ctl_send(sv[0], b, "zz", 2), 0);
	ctl_decoder_init(&d);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 1000), 0);
	assert_msg_equal(&msg, a, NULL, 0);
	ctl_msg_free(&msg);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 1000), 0);
	assert_msg_equal(&msg, b, "zz", 2);
	ctl_msg_free(&msg);

	/* Nothing more: timeout, then EOF. */
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 0), -ETIMEDOUT);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 50), -ETIMEDOUT);
	close(sv[0]);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 1000), -ECONNRESET);
	ctl_decoder_fini(&d);
	close(sv[1]);
	json_decref(a);
	json_decref(b);
}

static void test_recv_eof_mid_frame(void **state)
{
	json_t *j = msg_new("hello", 1);
	struct ctl_decoder d;
	struct ctl_msg msg;
	uint8_t *f;
	size_t len;
	int sv[2];

	(void)state;
	encode(j, NULL, 0, &f, &len);
	socket_pair(sv);
	assert_int_equal(write(sv[0], f, len - 1), (ssize_t)(len - 1));
	close(sv[0]);
	ctl_decoder_init(&d);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 1000), -ECONNRESET);
	ctl_decoder_fini(&d);
	close(sv[1]);
	free(f);
	json_decref(j);
}

static void test_recv_protocol_error(void **state)
{
	struct ctl_decoder d;
	struct ctl_msg msg;
	size_t len;
	uint8_t *f = raw_frame(0x47455420, 1, 0, "{\"type\":\"x\"}", 0, &len);
	int sv[2];

	(void)state;
	socket_pair(sv);
	assert_int_equal(write(sv[0], f, len), (ssize_t)len);
	ctl_decoder_init(&d);
	assert_int_equal(ctl_recv(sv[1], &d, &msg, 1000), -EPROTO);
	assert_non_null(strstr(d.err, "magic"));
	ctl_decoder_fini(&d);
	close(sv[0]);
	close(sv[1]);
	free(f);
}

/* A frame much larger than the socket buffer: ctl_send must loop over
 * partial writes while a child process reads. Both blocking and
 * non-blocking senders. */
static void send_large(int nonblock)
{
	size_t n = 2u << 20;
	uint8_t *blob = malloc(n);
	json_t *j = msg_new("config-push", 9);
	struct ctl_decoder d;
	struct ctl_msg msg;
	int sv[2], status;
	pid_t pid;

	assert_non_null(blob);
	for (size_t i = 0; i < n; i++)
		blob[i] = (uint8_t)(i * 31 + 7);
	socket_pair(sv);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int ok;

		close(sv[0]);
		ctl_decoder_init(&d);
		ok = ctl_recv(sv[1], &d, &msg, 10000) == 0 &&
		     json_equal(msg.json, j) && msg.blob_len == n &&
		     memcmp(msg.blob, blob, n) == 0;
		_exit(ok ? 0 : 1);
	}
	close(sv[1]);
	if (nonblock) {
		int fl = fcntl(sv[0], F_GETFL);

		assert_int_equal(fcntl(sv[0], F_SETFL, fl | O_NONBLOCK), 0);
	}
	assert_int_equal(ctl_send(sv[0], j, blob, n), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sv[0]);
	free(blob);
	json_decref(j);
}

static void test_send_large_blocking(void **state)
{
	(void)state;
	send_large(0);
}

static void test_send_large_nonblocking(void **state)
{
	(void)state;
	send_large(1);
}

/* Writing to a closed peer fails with -EPIPE instead of raising SIGPIPE
 * (which would kill this test). */
static void test_send_no_sigpipe(void **state)
{
	json_t *j = msg_new("hello", 1);
	int sv[2];

	(void)state;
	signal(SIGPIPE, SIG_DFL);
	socket_pair(sv);
	close(sv[1]);
	assert_int_equal(ctl_send(sv[0], j, NULL, 0), -EPIPE);
	close(sv[0]);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_roundtrip_no_blob),
		cmocka_unit_test(test_roundtrip_blob),
		cmocka_unit_test(test_roundtrip_large_blob),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_two_frames_one_feed),
		cmocka_unit_test(test_truncated_needs_more),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_unknown_flags),
		cmocka_unit_test(test_oversize_lengths),
		cmocka_unit_test(test_json_len_too_small),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_json_trailing_whitespace_ok),
		cmocka_unit_test(test_feed_limit),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_send_recv),
		cmocka_unit_test(test_recv_eof_mid_frame),
		cmocka_unit_test(test_recv_protocol_error),
		cmocka_unit_test(test_send_large_blocking),
		cmocka_unit_test(test_send_large_nonblocking),
		cmocka_unit_test(test_send_no_sigpipe),
	};

	return cmocka_run_group_tests_name("ctl_frame", tests, NULL, NULL);
}
