/* SPDX-License-Identifier: ISC */
/*
 * common/channel: handshakes, DATA/REPLY round trips and every refusal of
 * chan_server_recv() and of the client side, each checked for its exact
 * enum chan_reject and, at the server, for the REJECT frame carrying it.
 * The fixture is a server that allows clients 0 and 1 (client 2 is not on
 * its allowlist).  Clocks are synthetic: FX_T0 ms, fx->ns for HELLOs and
 * fx->wall for the server's wall clock (fx_clock_cb).
 * Frames under test are copied into buffers of their exact length, so
 * ASan sees any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "channel.h"

#define FX_T0        UINT64_C(1000000) /* ms, arbitrary monotonic start */
#define FX_NCLIENTS  3
#define FX_NALLOWED  2 /* clients 0 and 1; client 2 is refused */
#define FX_MAC1_LEN  16
#define FX_HELLO_MAC (CHAN_HELLO_LEN - FX_MAC1_LEN)
#define NELEM(a)     (sizeof(a) / sizeof((a)[0]))
#define FX_SEC       INT64_C(1000000000) /* ns */
#define FX_MIN       (60 * FX_SEC)

struct fx {
	uint8_t spriv[NOISE_KEY_LEN], spub[NOISE_KEY_LEN];
	uint8_t cpriv[FX_NCLIENTS][NOISE_KEY_LEN];
	uint8_t cpub[FX_NCLIENTS][NOISE_KEY_LEN];
	struct chan_server srv;
	struct chan_client cli[FX_NCLIENTS];
	uint64_t ns;   /* wall clock of the last HELLO */
	uint64_t wall; /* the server's wall clock */
	struct chan_rx rx;
	uint8_t out[CHAN_WELCOME_LEN];
	size_t outlen;
	enum chan_reject rej;
};

static void
fx_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
fx_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
fx_clock_cb(void *arg)
{
	const struct fx *f = arg;

	return (f->wall);
}

/* (Re)starts the server at f->wall as endpoint ep with skew_ms. */
static void
fx_server_start(struct fx *f, enum chan_endpoint ep, uint64_t skew_ms)
{
	struct chan_server_conf sc = {.priv = f->spriv,
	    .keys = (const uint8_t(*)[NOISE_KEY_LEN])f->cpub,
	    .nkeys = FX_NALLOWED,
	    .endpoint = ep,
	    .hello_skew_ms = skew_ms,
	    .clock = fx_clock_cb,
	    .clock_arg = f};

	chan_server_init(&f->srv, &sc);
}

static int
fx_setup(void **state)
{
	struct fx *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (-1);
	noise_keypair(f->spriv, f->spub);
	for (size_t i = 0; i < FX_NCLIENTS; i++) {
		noise_keypair(f->cpriv[i], f->cpub[i]);
		chan_client_init(
		    &f->cli[i], f->cpriv[i], f->spub, CHAN_EP_AGENT);
	}
	f->ns = UINT64_C(1700000000) * 1000000000;
	f->wall = f->ns;
	fx_server_start(f, CHAN_EP_AGENT, 0);
	*state = f;
	return (0);
}

static int
fx_teardown(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < FX_NCLIENTS; i++)
		chan_client_fini(&f->cli[i]);
	chan_server_fini(&f->srv);
	free(f);
	return (0);
}

/* Returns a malloc'd copy of len bytes (at least 1 allocated). */
static uint8_t *
fx_dup(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len == 0 ? 1 : len);

	assert_non_null(q);
	if (len != 0)
		memcpy(q, p, len);
	return (q);
}

/*
 * Feeds frame to the server and returns its verdict; on success pt gets
 * the payload (pt may be NULL: a scratch buffer is used).
 */
static int
fx_recv(struct fx *f, const uint8_t *frame, size_t len, uint64_t now_ms,
    uint8_t *pt)
{
	uint8_t *copy = fx_dup(frame, len), *scratch = NULL;
	int rv;

	if (pt == NULL)
		pt = scratch = fx_dup(frame, len);
	rv = chan_server_recv(&f->srv, copy, len, now_ms, &f->rx, pt, f->out,
	    &f->outlen, &f->rej);
	free(copy);
	free(scratch);
	return (rv);
}

/* The server refuses frame with want and answers with a REJECT for it. */
static void
fx_expect_reject(struct fx *f, const char *name, const uint8_t *frame,
    size_t len, uint64_t now_ms, enum chan_reject want)
{
	int rv = fx_recv(f, frame, len, now_ms, NULL);

	if (rv != -1 || f->rej != want)
		fail_msg("%s: rv %d rej %d (%s), want %d (%s)", name, rv,
		    f->rej, chan_reject_str(f->rej), want,
		    chan_reject_str(want));
	if (f->outlen != CHAN_REJECT_LEN || f->out[0] != CHAN_REJECT ||
	    f->out[1] != CHAN_VERSION || f->out[2] != (uint8_t)want ||
	    f->out[3] != 0)
		fail_msg("%s: no REJECT frame for %d", name, want);
}

/* The server accepts DATA frame; returns the payload (caller frees). */
static uint8_t *
fx_expect_data(struct fx *f, const char *name, const uint8_t *frame, size_t len,
    uint64_t now_ms)
{
	uint8_t *pt = fx_dup(frame, len);
	int rv = fx_recv(f, frame, len, now_ms, pt);

	if (rv != 0 || f->rej != CHAN_REJ_NONE || f->outlen != 0 ||
	    f->rx.kind != CHAN_DATA)
		fail_msg("%s: DATA refused: rv %d rej %d (%s)", name, rv,
		    f->rej, chan_reject_str(f->rej));
	return (pt);
}

/* Handshake of c (allowlist index peer); returns the server's session. */
static uint32_t
fx_handshake(struct fx *f, struct chan_client *c, size_t peer, uint64_t now_ms)
{
	uint8_t hello[CHAN_HELLO_LEN];
	enum chan_reject rej;
	bool from_peer;

	f->ns += 1000;
	assert_int_equal(chan_client_hello(c, f->ns, hello), 0);
	assert_int_equal(fx_recv(f, hello, sizeof(hello), now_ms, NULL), 0);
	assert_int_equal(f->rej, CHAN_REJ_NONE);
	assert_int_equal(f->outlen, CHAN_WELCOME_LEN);
	assert_int_equal(f->out[0], CHAN_WELCOME);
	assert_int_equal(f->rx.kind, CHAN_HELLO);
	assert_int_equal(f->rx.peer, peer);
	assert_true(f->rx.has_key);
	assert_memory_equal(f->rx.key, c->pub, NOISE_KEY_LEN);
	assert_int_equal(
	    chan_client_welcome(c, f->out, f->outlen, now_ms, &rej, &from_peer),
	    0);
	assert_int_equal(rej, CHAN_REJ_NONE);
	assert_true(chan_client_ready(c, now_ms));
	return (f->rx.session);
}

/* Seals payload with c into a malloc'd DATA frame (caller frees). */
static uint8_t *
fx_seal(struct chan_client *c, const uint8_t *payload, size_t len, size_t *flen)
{
	uint8_t *frame = malloc(len + CHAN_DATA_HDR + NOISE_TAG_LEN);

	assert_non_null(frame);
	assert_int_equal(chan_client_seal(c, payload, len, frame, flen), 0);
	assert_int_equal(*flen, len + CHAN_DATA_HDR + NOISE_TAG_LEN);
	assert_int_equal(frame[0], CHAN_DATA);
	return (frame);
}

/* Seals the server's answer to the last DATA into a malloc'd REPLY. */
static uint8_t *
fx_reply(struct fx *f, const uint8_t *payload, size_t len, size_t *flen)
{
	uint8_t *frame = malloc(len + CHAN_REPLY_HDR + NOISE_TAG_LEN);

	assert_non_null(frame);
	assert_int_equal(chan_server_seal(&f->srv, f->rx.session, f->rx.counter,
	                     payload, len, frame, flen),
	    0);
	assert_int_equal(*flen, len + CHAN_REPLY_HDR + NOISE_TAG_LEN);
	assert_int_equal(frame[0], CHAN_REPLY);
	return (frame);
}

/* chan_client_open() on an exact-size copy; pt gets the payload. */
static int
fx_open(struct chan_client *c, const uint8_t *frame, size_t len, uint8_t *pt,
    size_t *ptlen, enum chan_reject *rej, bool *from_peer)
{
	uint8_t *copy = fx_dup(frame, len), *scratch = NULL;
	int rv;

	if (pt == NULL)
		pt = scratch = fx_dup(frame, len);
	rv = chan_client_open(c, copy, len, pt, ptlen, rej, from_peer);
	free(copy);
	free(scratch);
	return (rv);
}

/* chan_client_open() refuses frame with want, as our own verdict. */
static void
fx_expect_open_reject(struct chan_client *c, const char *name,
    const uint8_t *frame, size_t len, enum chan_reject want)
{
	enum chan_reject rej = CHAN_REJ_NONE;
	bool from_peer = true;
	size_t ptlen;
	int rv = fx_open(c, frame, len, NULL, &ptlen, &rej, &from_peer);

	if (rv != -1 || rej != want || from_peer)
		fail_msg("%s: rv %d rej %d (%s) from_peer %d, want %d (%s)",
		    name, rv, rej, chan_reject_str(rej), from_peer, want,
		    chan_reject_str(want));
}

/* chan_client_welcome() on an exact-size copy. */
static int
fx_welcome(struct chan_client *c, const uint8_t *frame, size_t len,
    uint64_t now_ms, enum chan_reject *rej, bool *from_peer)
{
	uint8_t *copy = fx_dup(frame, len);
	int rv;

	rv = chan_client_welcome(c, copy, len, now_ms, rej, from_peer);
	free(copy);
	return (rv);
}

/* DATA from c, then the REPLY, both checked byte for byte. */
static void
fx_roundtrip(
    struct fx *f, struct chan_client *c, const char *name, uint64_t now_ms)
{
	uint8_t *data, *reply, *pt, answer[64];
	size_t dlen, rlen, ptlen;
	enum chan_reject rej;
	bool from_peer;

	data = fx_seal(c, (const uint8_t *)name, strlen(name), &dlen);
	pt = fx_expect_data(f, name, data, dlen, now_ms);
	assert_int_equal(f->rx.ptlen, strlen(name));
	assert_memory_equal(pt, name, strlen(name));
	free(pt);
	memset(answer, 'r', sizeof(answer));
	reply = fx_reply(f, answer, sizeof(answer), &rlen);
	pt = malloc(rlen);
	assert_non_null(pt);
	if (fx_open(c, reply, rlen, pt, &ptlen, &rej, &from_peer) != 0)
		fail_msg("%s: REPLY refused: %s", name, chan_reject_str(rej));
	assert_int_equal(ptlen, sizeof(answer));
	assert_memory_equal(pt, answer, sizeof(answer));
	free(pt);
	free(reply);
	free(data);
}

/* mac1 as channel.h documents it, computed independently of channel.c. */
static void
fx_mac1(uint8_t hello[CHAN_HELLO_LEN], const uint8_t spub[NOISE_KEY_LEN])
{
	crypto_hash_sha256_state st;
	uint8_t key[NOISE_KEY_LEN], full[crypto_auth_hmacsha256_BYTES];

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)"mac1----", 8);
	crypto_hash_sha256_update(&st, spub, NOISE_KEY_LEN);
	crypto_hash_sha256_final(&st, key);
	crypto_auth_hmacsha256(full, hello, FX_HELLO_MAC, key);
	memcpy(hello + FX_HELLO_MAC, full, FX_MAC1_LEN);
}

/* ---- handshake and round trip ----------------------------------------- */

static void
test_round_trip(void **state)
{
	static const struct {
		const char *name;
		size_t client, len, reply_len;
	} cases[] = {
	    {"empty both ways", 0, 0, 0},
	    {"one byte, empty reply", 0, 1, 0},
	    {"second peer", 1, 300, 1000},
	    {"first peer again", 0, 4096, 17},
	    {"max payload both ways", 1, CHAN_MAX_PAYLOAD, CHAN_MAX_PAYLOAD},
	};
	struct fx *f = *state;
	uint32_t sess[FX_NALLOWED];
	uint64_t counter[FX_NALLOWED] = {0, 0};
	uint8_t hello[CHAN_HELLO_LEN];

	/* the HELLO on the wire carries the documented mac1 */
	assert_int_equal(chan_client_hello(&f->cli[0], f->ns, hello), 0);
	assert_int_equal(hello[0], CHAN_HELLO);
	assert_int_equal(hello[1], CHAN_VERSION);
	memcpy(f->out, hello + FX_HELLO_MAC, FX_MAC1_LEN);
	fx_mac1(hello, f->spub);
	assert_memory_equal(f->out, hello + FX_HELLO_MAC, FX_MAC1_LEN);

	for (size_t i = 0; i < FX_NALLOWED; i++)
		sess[i] = fx_handshake(f, &f->cli[i], i, FX_T0);
	assert_int_not_equal(sess[0], sess[1]);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct chan_client *c = &f->cli[cases[i].client];
		size_t len = cases[i].len, rlen = cases[i].reply_len;
		uint8_t *payload = malloc(len + 1), *answer = malloc(rlen + 1);
		uint8_t *data, *reply, *pt;
		size_t dlen, flen, ptlen;
		enum chan_reject rej;
		bool from_peer;

		assert_non_null(payload);
		assert_non_null(answer);
		for (size_t j = 0; j < len; j++)
			payload[j] = (uint8_t)(j * 7 + i);
		for (size_t j = 0; j < rlen; j++)
			answer[j] = (uint8_t)(j * 13 + i + 1);
		data = fx_seal(c, payload, len, &dlen);
		pt = fx_expect_data(f, cases[i].name, data, dlen, FX_T0 + i);
		if (f->rx.peer != cases[i].client ||
		    f->rx.session != sess[cases[i].client] ||
		    f->rx.counter != ++counter[cases[i].client] ||
		    f->rx.ptlen != len || memcmp(pt, payload, len) != 0)
			fail_msg("%s: wrong DATA at the server", cases[i].name);
		free(pt);
		reply = fx_reply(f, answer, rlen, &flen);
		pt = malloc(flen);
		assert_non_null(pt);
		if (fx_open(c, reply, flen, pt, &ptlen, &rej, &from_peer) !=
		        0 ||
		    rej != CHAN_REJ_NONE || ptlen != rlen ||
		    memcmp(pt, answer, rlen) != 0)
			fail_msg("%s: wrong REPLY at the client: %s",
			    cases[i].name, chan_reject_str(rej));
		free(pt);
		free(reply);
		free(data);
		free(answer);
		free(payload);
	}
}

static void
test_seal_limits(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = malloc(CHAN_MAX_FRAME + 64);
	size_t len;

	assert_non_null(buf);
	/* no session yet */
	assert_int_equal(chan_client_seal(&f->cli[0], buf, 1, buf, &len), -1);
	fx_handshake(f, &f->cli[0], 0, FX_T0);
	memset(buf, 0, CHAN_MAX_FRAME + 64);
	assert_int_equal(chan_client_seal(&f->cli[0], buf + 32,
	                     CHAN_MAX_PAYLOAD + 1, buf, &len),
	    -1);
	assert_int_equal(chan_server_seal(&f->srv, f->rx.session, 1, buf + 32,
	                     CHAN_MAX_PAYLOAD + 1, buf, &len),
	    -1);
	assert_int_equal(chan_server_seal(&f->srv, f->rx.session ^ 1, 1, buf, 1,
	                     buf + 64, &len),
	    -1);
	assert_int_equal(
	    chan_server_seal(&f->srv, 0xfffff, 1, buf, 1, buf + 64, &len), -1);
	free(buf);
}

/* ---- DATA: tampering, replays, reflection ------------------------------ */

static void
test_tampered_data(void **state)
{
	static const struct {
		const char *name;
		int off; /* negative: from the end */
		uint8_t mask;
		enum chan_reject want;
	} cases[] = {
	    {"type DATA->WELCOME", 0, 0x01, CHAN_REJ_UNEXPECTED},
	    {"type DATA->HELLO (wrong length)", 0, 0x02, CHAN_REJ_MALFORMED},
	    {"type DATA->7", 0, 0x04, CHAN_REJ_VERSION},
	    {"type high bit", 0, 0x80, CHAN_REJ_VERSION},
	    {"version 0", 1, 0x01, CHAN_REJ_VERSION},
	    {"version high bit", 1, 0x80, CHAN_REJ_VERSION},
	    {"reserved low byte", 2, 0x01, CHAN_REJ_VERSION},
	    {"reserved high byte", 3, 0x80, CHAN_REJ_VERSION},
	    {"index slot bit 0", 4, 0x01, CHAN_REJ_SESSION},
	    {"index slot bit 19", 6, 0x08, CHAN_REJ_SESSION},
	    {"index random bit 20", 6, 0x10, CHAN_REJ_SESSION},
	    {"index random bit 31", 7, 0x80, CHAN_REJ_SESSION},
	    {"counter 1 -> 0", 8, 0x01, CHAN_REJ_REPLAY},
	    {"counter 1 -> 3", 8, 0x02, CHAN_REJ_AUTH},
	    {"counter bit 32", 12, 0x01, CHAN_REJ_AUTH},
	    {"counter bit 59", 15, 0x08, CHAN_REJ_AUTH},
	    {"counter bit 60 (>= 2^60)", 15, 0x10, CHAN_REJ_REPLAY},
	    {"counter bit 63", 15, 0x80, CHAN_REJ_REPLAY},
	    {"ciphertext first byte", 16, 0x01, CHAN_REJ_AUTH},
	    {"ciphertext last byte", -17, 0x80, CHAN_REJ_AUTH},
	    {"tag first byte", -16, 0x01, CHAN_REJ_AUTH},
	    {"tag last byte", -1, 0x80, CHAN_REJ_AUTH},
	};
	struct fx *f = *state;
	uint8_t payload[40], *data, *other, *pt;
	size_t dlen, olen;

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	fx_handshake(f, &f->cli[1], 1, FX_T0);
	memset(payload, 'd', sizeof(payload));
	data = fx_seal(&f->cli[0], payload, sizeof(payload), &dlen);
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t off = cases[i].off >= 0 ? (size_t)cases[i].off
		                               : dlen - (size_t)-cases[i].off;

		data[off] ^= cases[i].mask;
		fx_expect_reject(
		    f, cases[i].name, data, dlen, FX_T0, cases[i].want);
		data[off] ^= cases[i].mask;
	}
	/* client 1's DATA sent to client 0's session */
	other = fx_seal(&f->cli[1], payload, 1, &olen);
	memcpy(other + 4, data + 4, 4);
	fx_expect_reject(
	    f, "another peer's session", other, olen, FX_T0, CHAN_REJ_AUTH);
	free(other);
	/* none of the above burnt counter 1 */
	pt = fx_expect_data(f, "untampered", data, dlen, FX_T0);
	assert_int_equal(f->rx.counter, 1);
	assert_int_equal(f->rx.peer, 0);
	assert_memory_equal(pt, payload, sizeof(payload));
	free(pt);
	free(data);
}

static void
test_replayed_data(void **state)
{
	struct fx *f = *state;
	uint8_t *d1, *d2, *pt;
	size_t l1, l2;

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	d1 = fx_seal(&f->cli[0], (const uint8_t *)"one", 3, &l1);
	d2 = fx_seal(&f->cli[0], (const uint8_t *)"two", 3, &l2);
	free(fx_expect_data(f, "first", d1, l1, FX_T0));
	fx_expect_reject(f, "first again", d1, l1, FX_T0, CHAN_REJ_REPLAY);
	pt = fx_expect_data(f, "second", d2, l2, FX_T0);
	assert_memory_equal(pt, "two", 3);
	free(pt);
	fx_expect_reject(
	    f, "first, third time", d1, l1, FX_T0, CHAN_REJ_REPLAY);
	fx_expect_reject(f, "second again", d2, l2, FX_T0, CHAN_REJ_REPLAY);
	free(d1);
	free(d2);
}

static void
test_out_of_order(void **state)
{
	static const struct {
		const char *name;
		uint64_t counter;
		enum chan_reject want; /* NONE: accepted */
	} steps[] = {
	    {"5 first", 5, CHAN_REJ_NONE},
	    {"3 behind", 3, CHAN_REJ_NONE},
	    {"4 behind", 4, CHAN_REJ_NONE},
	    {"1 behind", 1, CHAN_REJ_NONE},
	    {"2 behind", 2, CHAN_REJ_NONE},
	    {"5 again", 5, CHAN_REJ_REPLAY},
	    {"3 again", 3, CHAN_REJ_REPLAY},
	    {"70 jumps ahead", 70, CHAN_REJ_NONE},
	    {"6 is 64 behind", 6, CHAN_REJ_REPLAY},
	    {"7 is 63 behind", 7, CHAN_REJ_NONE},
	    {"7 again", 7, CHAN_REJ_REPLAY},
	    {"1 is far behind and seen", 1, CHAN_REJ_REPLAY},
	    {"69 just behind", 69, CHAN_REJ_NONE},
	    {"71 next", 71, CHAN_REJ_NONE},
	    {"7 now 64 behind", 7, CHAN_REJ_REPLAY},
	    {"8 now 63 behind", 8, CHAN_REJ_NONE},
	};
	struct fx *f = *state;
	uint8_t *frames[72];
	size_t lens[72];

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	for (size_t i = 1; i < NELEM(frames); i++) {
		uint8_t b = (uint8_t)i;

		frames[i] = fx_seal(&f->cli[0], &b, 1, &lens[i]);
	}
	for (size_t i = 0; i < NELEM(steps); i++) {
		uint64_t n = steps[i].counter;
		uint8_t *pt;

		if (steps[i].want != CHAN_REJ_NONE) {
			fx_expect_reject(f, steps[i].name, frames[n], lens[n],
			    FX_T0, steps[i].want);
			continue;
		}
		pt =
		    fx_expect_data(f, steps[i].name, frames[n], lens[n], FX_T0);
		if (f->rx.counter != n || pt[0] != (uint8_t)n)
			fail_msg("%s: wrong frame", steps[i].name);
		free(pt);
	}
	for (size_t i = 1; i < NELEM(frames); i++)
		free(frames[i]);
}

static void
test_reflection(void **state)
{
	/* the client's DATA, turned around into a REPLY */
	static const struct {
		const char *name;
		bool type, index, answer;
		enum chan_reject want;
	} to_client[] = {
	    {"DATA as is", false, false, false, CHAN_REJ_UNEXPECTED},
	    {"type -> REPLY", true, false, false, CHAN_REJ_SESSION},
	    {"type and index", true, true, false, CHAN_REJ_REPLAY},
	    {"type, index and answer", true, true, true, CHAN_REJ_AUTH},
	};
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t *data, *reply, *copy, pt[64];
	size_t dlen, rlen, ptlen;
	enum chan_reject rej;
	uint32_t sess;
	bool from_peer;

	sess = fx_handshake(f, c, 0, FX_T0);
	/* long enough to pass for a REPLY (CHAN_REPLY_HDR + NOISE_TAG_LEN) */
	data = fx_seal(c, (const uint8_t *)"ping ping ping!!", 16, &dlen);
	free(fx_expect_data(f, "ping", data, dlen, FX_T0));
	reply = fx_reply(f, (const uint8_t *)"pong", 4, &rlen);

	/* the server's REPLY back to the server as DATA */
	copy = fx_dup(reply, rlen);
	copy[0] = CHAN_DATA;
	fx_expect_reject(
	    f, "REPLY as DATA", copy, rlen, FX_T0, CHAN_REJ_SESSION);
	fx_put32(copy + 4, sess);
	fx_expect_reject(f, "REPLY as DATA to the server's index", copy, rlen,
	    FX_T0, CHAN_REJ_AUTH);
	free(copy);
	fx_expect_reject(
	    f, "REPLY as is", reply, rlen, FX_T0, CHAN_REJ_UNEXPECTED);

	for (size_t i = 0; i < NELEM(to_client); i++) {
		copy = fx_dup(data, dlen);
		if (to_client[i].type)
			copy[0] = CHAN_REPLY;
		if (to_client[i].index)
			fx_put32(copy + 4, c->sess.local_index);
		if (to_client[i].answer)
			fx_put64(copy + 16, 1);
		fx_expect_open_reject(
		    c, to_client[i].name, copy, dlen, to_client[i].want);
		free(copy);
	}
	/* the genuine REPLY still opens */
	assert_int_equal(
	    fx_open(c, reply, rlen, pt, &ptlen, &rej, &from_peer), 0);
	assert_int_equal(ptlen, 4);
	assert_memory_equal(pt, "pong", 4);
	free(reply);
	free(data);
}

static void
test_reply_answer(void **state)
{
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t *d1, *d2, *r1, *r2, *r2b, pt[64];
	size_t l1, l2, rl1, rl2, ptlen;
	enum chan_reject rej;
	bool from_peer;

	fx_handshake(f, c, 0, FX_T0);
	d1 = fx_seal(c, (const uint8_t *)"a", 1, &l1);
	d2 = fx_seal(c, (const uint8_t *)"b", 1, &l2); /* awaits answer 2 */
	free(fx_expect_data(f, "DATA 1", d1, l1, FX_T0));
	r1 = fx_reply(f, (const uint8_t *)"A", 1, &rl1);
	free(fx_expect_data(f, "DATA 2", d2, l2, FX_T0));
	r2 = fx_reply(f, (const uint8_t *)"B", 1, &rl2);
	r2b = fx_reply(f, (const uint8_t *)"C", 1, &rl2);
	fx_expect_open_reject(c, "answers counter 1", r1, rl1, CHAN_REJ_REPLAY);
	assert_int_equal(fx_open(c, r2, rl2, pt, &ptlen, &rej, &from_peer), 0);
	assert_int_equal(ptlen, 1);
	assert_int_equal(pt[0], 'B');
	fx_expect_open_reject(c, "same REPLY again", r2, rl2, CHAN_REJ_REPLAY);
	fx_expect_open_reject(
	    c, "second answer to 2", r2b, rl2, CHAN_REJ_REPLAY);
	free(r2b);
	free(r2);
	free(r1);
	free(d2);
	free(d1);
}

/* ---- HELLO ------------------------------------------------------------- */

static void
test_hello_replay(void **state)
{
	struct fx *f = *state;
	struct chan_client restarted;
	uint8_t hello[CHAN_HELLO_LEN], pt[CHAN_HELLO_LEN];

	assert_int_equal(chan_client_hello(&f->cli[0], f->ns, hello), 0);
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, pt), 0);
	fx_expect_reject(
	    f, "same HELLO twice", hello, sizeof(hello), FX_T0, CHAN_REJ_STALE);
	assert_true(f->rx.has_key);
	assert_memory_equal(f->rx.key, f->cpub[0], NOISE_KEY_LEN);

	/* a restarted client whose clock went back is refused too */
	chan_client_init(&restarted, f->cpriv[0], f->spub, CHAN_EP_AGENT);
	assert_int_equal(chan_client_hello(&restarted, f->ns, hello), 0);
	fx_expect_reject(
	    f, "same timestamp", hello, sizeof(hello), FX_T0, CHAN_REJ_STALE);
	chan_client_fini(&restarted);
	chan_client_init(&restarted, f->cpriv[0], f->spub, CHAN_EP_AGENT);
	assert_int_equal(chan_client_hello(&restarted, f->ns - 1, hello), 0);
	fx_expect_reject(
	    f, "older timestamp", hello, sizeof(hello), FX_T0, CHAN_REJ_STALE);
	/* ... until its clock passes the last accepted timestamp */
	assert_int_equal(chan_client_hello(&restarted, f->ns + 1, hello), 0);
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, pt), 0);
	chan_client_fini(&restarted);
}

/* A fresh client of key 0 for endpoint ep sends a HELLO stamped ts. */
static int
fx_hello_at(struct fx *f, enum chan_endpoint ep, uint64_t ts)
{
	struct chan_client c;
	uint8_t hello[CHAN_HELLO_LEN];
	int rv;

	chan_client_init(&c, f->cpriv[0], f->spub, ep);
	assert_int_equal(chan_client_hello(&c, ts, hello), 0);
	rv = fx_recv(f, hello, sizeof(hello), FX_T0, NULL);
	chan_client_fini(&c);
	return (rv);
}

static void
test_hello_clock(void **state)
{
	static const struct {
		const char *name;
		enum chan_endpoint server, client;
		uint64_t skew_ms; /* 0: the default, 5 min */
		int64_t accepted; /* a HELLO at now + this is accepted first */
		int64_t restart;  /* then the server restarts this much later */
		int64_t off;      /* the HELLO under test: now + off */
		enum chan_reject want; /* NONE: accepted */
	} cases[] = {
	    {"within skew, 4 min past", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, -1, 0,
	        -4 * FX_MIN, CHAN_REJ_NONE},
	    {"within skew, 4 min ahead", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, -1, 0,
	        4 * FX_MIN, CHAN_REJ_NONE},
	    {"exactly 5 min ahead", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, -1, 0,
	        5 * FX_MIN, CHAN_REJ_NONE},
	    {"5 min ahead + 1 ns", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, -1, 0,
	        5 * FX_MIN + 1, CHAN_REJ_CLOCK},
	    {"6 min ahead", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, -1, 0, 6 * FX_MIN,
	        CHAN_REJ_CLOCK},
	    {"6 min past, after a restart", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, 0,
	        6 * FX_MIN, -6 * FX_MIN, CHAN_REJ_CLOCK},
	    {"5 min past after a restart: the floor", CHAN_EP_AGENT,
	        CHAN_EP_AGENT, 0, -1, 0, -5 * FX_MIN, CHAN_REJ_STALE},
	    {"4 min past, after a restart", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, 0,
	        4 * FX_MIN, -4 * FX_MIN + 1, CHAN_REJ_NONE},
	    {"replayed older HELLO", CHAN_EP_AGENT, CHAN_EP_AGENT, 0, 0, 0,
	        -FX_SEC, CHAN_REJ_STALE},
	    {"skew 1 min: 2 min ahead", CHAN_EP_AGENT, CHAN_EP_AGENT, 60000, -1,
	        0, 2 * FX_MIN, CHAN_REJ_CLOCK},
	    {"skew 1 min: 2 min past", CHAN_EP_AGENT, CHAN_EP_AGENT, 60000, -1,
	        0, -2 * FX_MIN, CHAN_REJ_CLOCK},
	    {"skew 1 min: 30 s ahead", CHAN_EP_AGENT, CHAN_EP_AGENT, 60000, -1,
	        0, 30 * FX_SEC, CHAN_REJ_NONE},
	    {"control HELLO at the agent endpoint", CHAN_EP_AGENT,
	        CHAN_EP_CONTROL, 0, -1, 0, 0, CHAN_REJ_HANDSHAKE},
	    {"agent HELLO at the control endpoint", CHAN_EP_CONTROL,
	        CHAN_EP_AGENT, 0, -1, 0, 0, CHAN_REJ_HANDSHAKE},
	    {"control HELLO at the control endpoint", CHAN_EP_CONTROL,
	        CHAN_EP_CONTROL, 0, -1, 0, 0, CHAN_REJ_NONE},
	};
	struct fx *f = *state;
	const uint64_t base = f->wall;

	for (size_t i = 0; i < NELEM(cases); i++) {
		int rv;

		chan_server_fini(&f->srv);
		f->wall = base;
		fx_server_start(f, cases[i].server, cases[i].skew_ms);
		if (cases[i].accepted >= 0 &&
		    fx_hello_at(f, cases[i].client,
		        f->wall + (uint64_t)cases[i].accepted) != 0)
			fail_msg("%s: first HELLO refused: %s", cases[i].name,
			    chan_reject_str(f->rej));
		if (cases[i].restart != 0) {
			chan_server_fini(&f->srv);
			f->wall += (uint64_t)cases[i].restart;
			fx_server_start(f, cases[i].server, cases[i].skew_ms);
		}
		rv = fx_hello_at(
		    f, cases[i].client, f->wall + (uint64_t)cases[i].off);
		if ((rv == 0) != (cases[i].want == CHAN_REJ_NONE) ||
		    f->rej != cases[i].want)
			fail_msg("%s: rv %d rej %d (%s), want %d (%s)",
			    cases[i].name, rv, f->rej, chan_reject_str(f->rej),
			    cases[i].want, chan_reject_str(cases[i].want));
		if (rv == -1 && (f->outlen != CHAN_REJECT_LEN ||
		                    f->out[2] != (uint8_t)cases[i].want))
			fail_msg("%s: no REJECT frame", cases[i].name);
		/* a refused timestamp locks nobody out */
		if (cases[i].want == CHAN_REJ_CLOCK &&
		    fx_hello_at(f, cases[i].client, f->wall + 1) != 0)
			fail_msg("%s: a HELLO at now refused after it: %s",
			    cases[i].name, chan_reject_str(f->rej));
	}
}

static void
test_hello_mac1(void **state)
{
	struct fx *f = *state;
	uint8_t hello[CHAN_HELLO_LEN], bad[CHAN_HELLO_LEN];
	char name[64];

	assert_int_equal(chan_client_hello(&f->cli[0], f->ns, hello), 0);
	/* every bit mac1 covers, and mac1 itself; no DH was done */
	for (size_t off = 4; off < CHAN_HELLO_LEN; off++) {
		memcpy(bad, hello, sizeof(bad));
		bad[off] ^= (uint8_t)(1u << (off % 8));
		snprintf(name, sizeof(name), "bit flipped at %zu", off);
		fx_expect_reject(
		    f, name, bad, sizeof(bad), FX_T0, CHAN_REJ_MAC1);
		assert_false(f->rx.has_key);
	}
	/* a valid mac1 over a broken Noise message gets to the DH */
	memcpy(bad, hello, sizeof(bad));
	bad[8 + NOISE_KEY_LEN + 3] ^= 0x40; /* encrypted static key */
	fx_mac1(bad, f->spub);
	fx_expect_reject(f, "encrypted static key", bad, sizeof(bad), FX_T0,
	    CHAN_REJ_HANDSHAKE);
	memcpy(bad, hello, sizeof(bad));
	bad[8 + 5] ^= 0x01; /* ephemeral key */
	fx_mac1(bad, f->spub);
	fx_expect_reject(
	    f, "ephemeral key", bad, sizeof(bad), FX_T0, CHAN_REJ_HANDSHAKE);
	memcpy(bad, hello, sizeof(bad));
	memset(bad + 8, 0, NOISE_KEY_LEN); /* low-order point */
	fx_mac1(bad, f->spub);
	fx_expect_reject(f, "all-zero ephemeral", bad, sizeof(bad), FX_T0,
	    CHAN_REJ_HANDSHAKE);
	memcpy(bad, hello, sizeof(bad));
	bad[FX_HELLO_MAC - 1] ^= 0x01; /* timestamp tag */
	fx_mac1(bad, f->spub);
	fx_expect_reject(
	    f, "payload tag", bad, sizeof(bad), FX_T0, CHAN_REJ_HANDSHAKE);
	assert_false(f->rx.has_key);
	/* the untouched HELLO was not spoilt by any of these */
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
}

static void
test_hello_denied(void **state)
{
	struct fx *f = *state;
	uint8_t hello[CHAN_HELLO_LEN];
	enum chan_reject rej;
	bool from_peer;

	assert_int_equal(chan_client_hello(&f->cli[2], f->ns, hello), 0);
	fx_expect_reject(
	    f, "key not allowed", hello, sizeof(hello), FX_T0, CHAN_REJ_DENIED);
	assert_true(f->rx.has_key);
	assert_memory_equal(f->rx.key, f->cpub[2], NOISE_KEY_LEN);
	/* the client learns why, from the peer */
	assert_int_equal(
	    fx_welcome(&f->cli[2], f->out, f->outlen, FX_T0, &rej, &from_peer),
	    -1);
	assert_int_equal(rej, CHAN_REJ_DENIED);
	assert_true(from_peer);
	assert_false(chan_client_ready(&f->cli[2], FX_T0));
}

static void
test_hello_wrong_server_key(void **state)
{
	struct fx *f = *state;
	struct chan_client c;
	uint8_t hello[CHAN_HELLO_LEN], priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];

	noise_keypair(priv, pub);
	chan_client_init(&c, f->cpriv[0], pub, CHAN_EP_AGENT);
	assert_int_equal(chan_client_hello(&c, f->ns, hello), 0);
	fx_expect_reject(f, "HELLO for another controller", hello,
	    sizeof(hello), FX_T0, CHAN_REJ_MAC1);
	assert_false(f->rx.has_key);
	chan_client_fini(&c);
}

static void
test_client_welcome(void **state)
{
	static const struct {
		const char *name;
		int off;                         /* byte to flip, -1: none */
		uint8_t reject[CHAN_REJECT_LEN]; /* used if type != 0 */
		enum chan_reject want;
		bool from_peer;
	} cases[] = {
	    {"version", 1, {0}, CHAN_REJ_MALFORMED, false},
	    {"type", 0, {0}, CHAN_REJ_MALFORMED, false},
	    {"receiver index", 8, {0}, CHAN_REJ_SESSION, false},
	    {"ephemeral key", 12, {0}, CHAN_REJ_HANDSHAKE, false},
	    {"tag", CHAN_WELCOME_LEN - 1, {0}, CHAN_REJ_HANDSHAKE, false},
	    {"REJECT DENIED", -1, {CHAN_REJECT, CHAN_VERSION, 5, 0},
	        CHAN_REJ_DENIED, true},
	    {"REJECT reason 0", -1, {CHAN_REJECT, CHAN_VERSION, 0, 0},
	        CHAN_REJ_UNEXPECTED, true},
	};
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t hello[CHAN_HELLO_LEN], welcome[CHAN_WELCOME_LEN];
	enum chan_reject rej;
	bool from_peer;

	/* no handshake pending */
	assert_int_equal(chan_client_hello(&f->cli[1], f->ns, hello), 0);
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
	assert_int_equal(
	    fx_welcome(c, f->out, f->outlen, FX_T0, &rej, &from_peer), -1);
	assert_int_equal(rej, CHAN_REJ_MALFORMED);

	for (size_t i = 0; i < NELEM(cases); i++) {
		struct chan_client fresh;
		int rv;

		/* a fresh handshake each time: a failed read2 may spoil it */
		chan_client_init(&fresh, f->cpriv[0], f->spub, CHAN_EP_AGENT);
		f->ns += 1000;
		assert_int_equal(chan_client_hello(&fresh, f->ns, hello), 0);
		assert_int_equal(
		    fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
		memcpy(welcome, f->out, sizeof(welcome));
		if (cases[i].off >= 0) {
			welcome[cases[i].off] ^= 0x01;
			rv = fx_welcome(&fresh, welcome, sizeof(welcome), FX_T0,
			    &rej, &from_peer);
		} else
			rv = fx_welcome(&fresh, cases[i].reject,
			    CHAN_REJECT_LEN, FX_T0, &rej, &from_peer);
		if (rv != -1 || rej != cases[i].want ||
		    from_peer != cases[i].from_peer)
			fail_msg("%s: rv %d rej %d (%s) from_peer %d",
			    cases[i].name, rv, rej, chan_reject_str(rej),
			    from_peer);
		assert_false(chan_client_ready(&fresh, FX_T0));
		chan_client_fini(&fresh);
	}
}

/* A bogus WELCOME caught before the DH leaves the handshake usable. */
static void
test_client_welcome_recovers(void **state)
{
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t hello[CHAN_HELLO_LEN], welcome[CHAN_WELCOME_LEN];
	enum chan_reject rej;
	bool from_peer;

	assert_int_equal(chan_client_hello(c, f->ns, hello), 0);
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
	memcpy(welcome, f->out, sizeof(welcome));
	for (size_t len = 0; len < CHAN_WELCOME_LEN; len++) {
		assert_int_equal(
		    fx_welcome(c, welcome, len, FX_T0, &rej, &from_peer), -1);
		if (rej != CHAN_REJ_MALFORMED || from_peer)
			fail_msg("WELCOME cut to %zu: %s", len,
			    chan_reject_str(rej));
	}
	welcome[8] ^= 0x80;
	assert_int_equal(
	    fx_welcome(c, welcome, sizeof(welcome), FX_T0, &rej, &from_peer),
	    -1);
	assert_int_equal(rej, CHAN_REJ_SESSION);
	welcome[8] ^= 0x80;
	assert_int_equal(
	    fx_welcome(c, welcome, sizeof(welcome), FX_T0, &rej, &from_peer),
	    0);
	fx_roundtrip(f, c, "after bogus WELCOMEs", FX_T0);
	/* a second WELCOME for a finished handshake */
	assert_int_equal(
	    fx_welcome(c, welcome, sizeof(welcome), FX_T0, &rej, &from_peer),
	    -1);
	assert_int_equal(rej, CHAN_REJ_MALFORMED);
}

/* ---- framing ----------------------------------------------------------- */

static void
test_truncated(void **state)
{
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t hello[CHAN_HELLO_LEN], *data, *reply, payload[8];
	size_t dlen, rlen;
	char name[64];

	assert_int_equal(chan_client_hello(c, f->ns, hello), 0);
	for (size_t len = 0; len < CHAN_HELLO_LEN; len++) {
		snprintf(name, sizeof(name), "HELLO cut to %zu", len);
		fx_expect_reject(f, name, hello, len, FX_T0,
		    len < 4 ? CHAN_REJ_VERSION : CHAN_REJ_MALFORMED);
	}
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
	assert_int_equal(chan_client_welcome(c, f->out, f->outlen, FX_T0,
	                     &(enum chan_reject){0}, &(bool){false}),
	    0);

	memset(payload, 'x', sizeof(payload));
	data = fx_seal(c, payload, sizeof(payload), &dlen);
	for (size_t len = 0; len < dlen; len++) {
		enum chan_reject want = CHAN_REJ_AUTH;

		if (len < 4)
			want = CHAN_REJ_VERSION;
		else if (len < CHAN_DATA_HDR + NOISE_TAG_LEN)
			want = CHAN_REJ_MALFORMED;
		snprintf(name, sizeof(name), "DATA cut to %zu", len);
		fx_expect_reject(f, name, data, len, FX_T0, want);
	}
	free(fx_expect_data(f, "DATA whole", data, dlen, FX_T0));

	reply = fx_reply(f, payload, sizeof(payload), &rlen);
	for (size_t len = 0; len < rlen; len++) {
		snprintf(name, sizeof(name), "REPLY cut to %zu", len);
		fx_expect_open_reject(c, name, reply, len,
		    len < CHAN_REPLY_HDR + NOISE_TAG_LEN ? CHAN_REJ_MALFORMED
		                                         : CHAN_REJ_AUTH);
	}
	fx_roundtrip(f, c, "after truncations", FX_T0);
	free(reply);
	free(data);
}

static void
test_oversize(void **state)
{
	static const struct {
		const char *name;
		size_t len;
	} cases[] = {
	    {"one byte over the largest DATA",
	        CHAN_DATA_HDR + CHAN_MAX_PAYLOAD + NOISE_TAG_LEN + 1},
	    {"CHAN_MAX_FRAME", CHAN_MAX_FRAME},
	    {"CHAN_MAX_FRAME + 1", CHAN_MAX_FRAME + 1},
	    {"CHAN_MAX_FRAME * 2", CHAN_MAX_FRAME * 2},
	};
	struct fx *f = *state;

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	for (size_t i = 0; i < NELEM(cases); i++) {
		uint8_t *frame = calloc(1, cases[i].len);

		assert_non_null(frame);
		assert_int_equal(
		    chan_client_seal(&f->cli[0], frame, 0, frame, &(size_t){0}),
		    0); /* a real header: session index, counter */
		fx_expect_reject(f, cases[i].name, frame, cases[i].len, FX_T0,
		    CHAN_REJ_MALFORMED);
		free(frame);
	}
}

static void
test_version_and_type(void **state)
{
	static const struct {
		const char *name;
		bool hello; /* else DATA */
		int off;
		uint8_t value;
		enum chan_reject want;
	} cases[] = {
	    {"HELLO version 0", true, 1, 0, CHAN_REJ_VERSION},
	    {"HELLO version 2", true, 1, 2, CHAN_REJ_VERSION},
	    {"HELLO version 255", true, 1, 255, CHAN_REJ_VERSION},
	    {"HELLO reserved set", true, 2, 1, CHAN_REJ_VERSION},
	    {"DATA version 0", false, 1, 0, CHAN_REJ_VERSION},
	    {"DATA version 2", false, 1, 2, CHAN_REJ_VERSION},
	    {"DATA reserved set", false, 3, 1, CHAN_REJ_VERSION},
	    {"type 0", false, 0, 0, CHAN_REJ_VERSION},
	    {"type 6", false, 0, 6, CHAN_REJ_VERSION},
	    {"type 255", false, 0, 255, CHAN_REJ_VERSION},
	    {"HELLO as type 6", true, 0, 6, CHAN_REJ_VERSION},
	};
	struct fx *f = *state;
	uint8_t hello[CHAN_HELLO_LEN], *data, *frame;
	size_t dlen;

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	data = fx_seal(&f->cli[0], (const uint8_t *)"v", 1, &dlen);
	assert_int_equal(chan_client_hello(&f->cli[1], f->ns + 1, hello), 0);
	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t len = cases[i].hello ? sizeof(hello) : dlen;

		frame = fx_dup(cases[i].hello ? hello : data, len);
		frame[cases[i].off] = cases[i].value;
		fx_expect_reject(
		    f, cases[i].name, frame, len, FX_T0, cases[i].want);
		free(frame);
	}
	free(fx_expect_data(f, "DATA untouched", data, dlen, FX_T0));
	assert_int_equal(fx_recv(f, hello, sizeof(hello), FX_T0, NULL), 0);
	free(data);
}

static void
test_unexpected(void **state)
{
	struct fx *f = *state;
	uint8_t welcome[CHAN_WELCOME_LEN], rejectf[CHAN_REJECT_LEN];
	uint8_t *data, *reply;
	size_t dlen, rlen;

	fx_handshake(f, &f->cli[0], 0, FX_T0);
	memcpy(welcome, f->out, sizeof(welcome));
	data = fx_seal(&f->cli[0], (const uint8_t *)"u", 1, &dlen);
	free(fx_expect_data(f, "DATA", data, dlen, FX_T0));
	reply = fx_reply(f, (const uint8_t *)"U", 1, &rlen);
	chan_reject_frame(CHAN_REJ_NONE, rejectf);

	fx_expect_reject(
	    f, "WELCOME", welcome, sizeof(welcome), FX_T0, CHAN_REJ_UNEXPECTED);
	fx_expect_reject(
	    f, "WELCOME header only", welcome, 4, FX_T0, CHAN_REJ_UNEXPECTED);
	fx_expect_reject(f, "REPLY", reply, rlen, FX_T0, CHAN_REJ_UNEXPECTED);
	fx_expect_reject(
	    f, "REJECT", rejectf, sizeof(rejectf), FX_T0, CHAN_REJ_UNEXPECTED);
	free(reply);
	free(data);
}

/* ---- session lifetime -------------------------------------------------- */

static void
test_expiry(void **state)
{
	struct fx *f = *state;
	struct chan_client *c = &f->cli[0];
	uint8_t *data, out[64];
	size_t dlen, olen;
	uint32_t sess;

	memset(out, 0, sizeof(out));
	sess = fx_handshake(f, c, 0, FX_T0);
	assert_true(chan_client_ready(c, FX_T0 + CHAN_REKEY_AFTER_MS - 1));
	assert_false(chan_client_ready(c, FX_T0 + CHAN_REKEY_AFTER_MS));
	fx_roundtrip(
	    f, c, "just before expiry", FX_T0 + CHAN_REJECT_AFTER_MS - 1);

	data = fx_seal(c, (const uint8_t *)"late", 4, &dlen);
	fx_expect_reject(f, "at expiry", data, dlen,
	    FX_T0 + CHAN_REJECT_AFTER_MS, CHAN_REJ_SESSION);
	/* gone for good, even if the clock were earlier */
	fx_expect_reject(f, "after expiry, earlier clock", data, dlen, FX_T0,
	    CHAN_REJ_SESSION);
	assert_int_equal(
	    chan_server_seal(&f->srv, sess, 1, out, 1, out + 8, &olen), -1);
	free(data);

	/* a new handshake restores service */
	fx_handshake(f, c, 0, FX_T0 + CHAN_REJECT_AFTER_MS + 1);
	fx_roundtrip(f, c, "after rekey", FX_T0 + CHAN_REJECT_AFTER_MS + 2);
}

/*
 * One rekey cycle.  Returns false, having checked less, if the third
 * session drew the first one's index: indexes keep only 12 random bits
 * above the slot, so this happens once in 4096 runs.
 */
static bool
fx_rekey_cycle(struct fx *f)
{
	struct chan_client *c = &f->cli[0], s1c, s2c;
	uint8_t *data, out[64];
	size_t dlen, olen;
	uint32_t s1, s2, s3;

	memset(out, 0, sizeof(out));
	s1 = fx_handshake(f, c, 0, FX_T0);
	fx_roundtrip(f, c, "session 1", FX_T0);
	s1c = *c; /* a client still on session 1 */

	s2 = fx_handshake(f, c, 0, FX_T0 + 1000);
	assert_int_not_equal(s1, s2);
	fx_roundtrip(f, c, "session 2", FX_T0 + 1001);
	fx_roundtrip(f, &s1c, "session 1 after one rekey", FX_T0 + 1002);
	fx_roundtrip(f, c, "session 2 again", FX_T0 + 1003);
	s2c = *c;

	s3 = fx_handshake(f, c, 0, FX_T0 + 2000);
	if (s3 == s1) {
		chan_client_fini(&s1c);
		chan_client_fini(&s2c);
		return (false);
	}
	fx_roundtrip(f, c, "session 3", FX_T0 + 2001);
	fx_roundtrip(f, &s2c, "session 2 after two rekeys", FX_T0 + 2002);
	data = fx_seal(&s1c, (const uint8_t *)"old", 3, &dlen);
	fx_expect_reject(f, "session 1 replaced", data, dlen, FX_T0 + 2003,
	    CHAN_REJ_SESSION);
	assert_int_equal(
	    chan_server_seal(&f->srv, s1, 1, out, 1, out + 8, &olen), -1);
	free(data);
	chan_client_fini(&s1c);
	chan_client_fini(&s2c);
	return (true);
}

static void
test_rekey(void **state)
{
	struct fx *f = *state;

	for (int attempt = 0; attempt < 4; attempt++) {
		if (fx_rekey_cycle(f))
			return;
		chan_server_fini(&f->srv);
		fx_server_start(f, CHAN_EP_AGENT, 0);
	}
	fail_msg("session index collided four times");
}

/* ---- replay window ----------------------------------------------------- */

static void
test_replay_window(void **state)
{
#define MAXC (UINT64_C(1) << 60)
	static const struct {
		const char *name;
		size_t n;
		struct {
			uint64_t counter;
			bool fresh;
		} steps[8];
	} cases[] = {
	    {"0 rejected", 2, {{0, false}, {0, false}}},
	    {"0 rejected after 1", 2, {{1, true}, {0, false}}},
	    {"increasing", 4, {{1, true}, {2, true}, {3, true}, {10, true}}},
	    {"duplicate", 3, {{1, true}, {1, false}, {2, true}}},
	    {"duplicate below top", 4,
	        {{5, true}, {3, true}, {3, false}, {5, false}}},
	    {"63 behind accepted", 3, {{100, true}, {37, true}, {37, false}}},
	    {"64 behind rejected", 2, {{100, true}, {36, false}}},
	    {"jump of 63 keeps the old top", 3,
	        {{1, true}, {64, true}, {1, false}}},
	    {"jump of 64 forgets the old top", 4,
	        {{1, true}, {65, true}, {1, false}, {2, true}}},
	    {"jump far ahead clears the window", 4,
	        {{10, true}, {1000, true}, {937, true}, {936, false}}},
	    {"limit 2^60", 4,
	        {{MAXC - 1, true}, {MAXC, false}, {UINT64_MAX, false},
	            {MAXC - 2, true}}},
	};
	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct chan_replay r = {0, 0};

		for (size_t j = 0; j < cases[i].n; j++) {
			if (chan_replay_check(&r, cases[i].steps[j].counter) !=
			    cases[i].steps[j].fresh)
				fail_msg("%s: step %zu (counter %llu)",
				    cases[i].name, j,
				    (unsigned long long)cases[i]
				        .steps[j]
				        .counter);
		}
	}
#undef MAXC
}

static void
test_reject_str(void **state)
{
	(void)state;
	for (int r = CHAN_REJ_NONE; r <= CHAN_REJ_MAX; r++) {
		const char *s = chan_reject_str((enum chan_reject)r);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown reason");
	}
	assert_string_equal(
	    chan_reject_str((enum chan_reject)(CHAN_REJ_MAX + 1)),
	    "unknown reason");
	assert_string_equal(
	    chan_reject_str((enum chan_reject)0xffff), "unknown reason");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_round_trip),
	    T(test_seal_limits),
	    T(test_tampered_data),
	    T(test_replayed_data),
	    T(test_out_of_order),
	    T(test_reflection),
	    T(test_reply_answer),
	    T(test_hello_replay),
	    T(test_hello_clock),
	    T(test_hello_mac1),
	    T(test_hello_denied),
	    T(test_hello_wrong_server_key),
	    T(test_client_welcome),
	    T(test_client_welcome_recovers),
	    T(test_truncated),
	    T(test_oversize),
	    T(test_version_and_type),
	    T(test_unexpected),
	    T(test_expiry),
	    T(test_rekey),
	    cmocka_unit_test(test_replay_window),
	    cmocka_unit_test(test_reject_str),
	};
#undef T

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
