/* SPDX-License-Identifier: ISC */
/*
 * Table tests for common/noise.c.  The cacophony vector for
 * Noise_IK_25519_ChaChaPoly_SHA256 (tests/fixtures) is reproduced byte for
 * byte from both ends: handshake messages 0 and 1, then transport messages
 * 2..5 alternating initiator->responder and back.  Tampered, truncated and
 * misaddressed messages must be rejected, and random keys must interoperate.
 * The fixture carries no handshake hash; VEC_HANDSHAKE_HASH is the one
 * cacophony publishes for this vector ("handshake_hash"), and both ends
 * must reach it after message 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "noise.h"

#define VEC_NMSG     6
#define VEC_MAX      128 /* decoded bytes per payload or ciphertext */
#define VEC_FILE_MAX 65536
#define MSG_MAX      (VEC_MAX + NOISE_MSG1_OVERHEAD)
#define VEC_HANDSHAKE_HASH                                                     \
	"0b0f68fb0c27e03ce9b97565995ed4838cc0581b762ef72b062f6a546419fad7"

struct vec_msg {
	uint8_t pt[VEC_MAX], ct[VEC_MAX];
	size_t ptlen, ctlen;
};

struct vec {
	uint8_t init_static[NOISE_KEY_LEN], init_eph[NOISE_KEY_LEN];
	uint8_t init_rs[NOISE_KEY_LEN];
	uint8_t resp_static[NOISE_KEY_LEN], resp_eph[NOISE_KEY_LEN];
	uint8_t prologue[VEC_MAX];
	size_t prologue_len;
	struct vec_msg msg[VEC_NMSG];
};

/* Both ends of one handshake and, after the split, their ciphers. */
struct pair {
	struct noise_hs i, r;
	struct noise_cipher i_send, i_recv, r_send, r_recv;
};

/* ---- the fixture ------------------------------------------------------- */

static char *
vec_read_file(size_t *len)
{
	const char *src = getenv("FLEET_SRCDIR");
	char path[512], *buf;
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path),
	    "%s/tests/fixtures/noise-ik-25519-chachapoly-sha256.json",
	    src != NULL ? src : ".");
	assert_true(n > 0 && (size_t)n < sizeof(path));
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(buf = malloc(VEC_FILE_MAX));
	*len = fread(buf, 1, VEC_FILE_MAX, f);
	assert_false(ferror(f));
	assert_true(*len < VEC_FILE_MAX);
	fclose(f);
	return (buf);
}

static void
vec_hex(
    const cJSON *obj, const char *key, uint8_t *out, size_t max, size_t *len)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *hex = cJSON_GetStringValue(item);

	if (hex == NULL)
		fail_msg("fixture: %s: missing or not a string", key);
	if (sodium_hex2bin(out, max, hex, strlen(hex), NULL, len, NULL) != 0)
		fail_msg("fixture: %s: bad hex or too long", key);
}

static void
vec_key(const cJSON *obj, const char *key, uint8_t out[NOISE_KEY_LEN])
{
	size_t len;

	vec_hex(obj, key, out, NOISE_KEY_LEN, &len);
	if (len != NOISE_KEY_LEN)
		fail_msg("fixture: %s: not a %d-byte key", key, NOISE_KEY_LEN);
}

static void
vec_messages(const cJSON *root, struct vec *v)
{
	const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	const cJSON *m;
	size_t i = 0;

	assert_true(cJSON_IsArray(msgs));
	assert_int_equal(cJSON_GetArraySize(msgs), VEC_NMSG);
	cJSON_ArrayForEach(m, msgs)
	{
		vec_hex(m, "payload", v->msg[i].pt, VEC_MAX, &v->msg[i].ptlen);
		vec_hex(
		    m, "ciphertext", v->msg[i].ct, VEC_MAX, &v->msg[i].ctlen);
		i++;
	}
}

static void
vec_load(struct vec *v)
{
	uint8_t rprologue[VEC_MAX];
	size_t len, rlen;
	char *buf = vec_read_file(&len);
	cJSON *root = cJSON_ParseWithLength(buf, len);

	assert_non_null(root);
	assert_string_equal(
	    cJSON_GetStringValue(cJSON_GetObjectItem(root, "name")),
	    "Noise_IK_25519_ChaChaPoly_SHA256");
	vec_key(root, "init_static", v->init_static);
	vec_key(root, "init_ephemeral", v->init_eph);
	vec_key(root, "init_remote_static", v->init_rs);
	vec_key(root, "resp_static", v->resp_static);
	vec_key(root, "resp_ephemeral", v->resp_eph);
	vec_hex(root, "init_prologue", v->prologue, VEC_MAX, &v->prologue_len);
	vec_hex(root, "resp_prologue", rprologue, VEC_MAX, &rlen);
	assert_memory_equal(v->prologue, rprologue, rlen);
	assert_int_equal(v->prologue_len, rlen);
	vec_messages(root, v);
	cJSON_Delete(root);
	free(buf);
}

/* ---- handshake steps, each checked byte for byte ----------------------- */

static void
pair_init(struct pair *p, const struct vec *v)
{
	noise_hs_init(&p->i, NOISE_INITIATOR, v->init_static, v->init_rs,
	    v->prologue, v->prologue_len);
	noise_hs_set_ephemeral(&p->i, v->init_eph);
	noise_hs_init(&p->r, NOISE_RESPONDER, v->resp_static, NULL, v->prologue,
	    v->prologue_len);
	noise_hs_set_ephemeral(&p->r, v->resp_eph);
}

/* The writer's message: equal to the vector's ciphertext. */
static void
pair_write(
    struct pair *p, const struct vec *v, int idx, uint8_t *out, size_t *outlen)
{
	const struct vec_msg *m = &v->msg[idx];

	if (idx == 0)
		assert_int_equal(
		    noise_hs_write1(&p->i, m->pt, m->ptlen, out, outlen), 0);
	else
		assert_int_equal(
		    noise_hs_write2(&p->r, m->pt, m->ptlen, out, outlen), 0);
	assert_int_equal(*outlen, m->ctlen);
	assert_memory_equal(out, m->ct, m->ctlen);
}

/* The reader of the vector's ciphertext: recovers the payload. */
static void
pair_read(struct pair *p, const struct vec *v, int idx)
{
	const struct vec_msg *m = &v->msg[idx];
	uint8_t pt[VEC_MAX];
	size_t ptlen;

	if (idx == 0)
		assert_int_equal(
		    noise_hs_read1(&p->r, m->ct, m->ctlen, pt, &ptlen), 0);
	else
		assert_int_equal(
		    noise_hs_read2(&p->i, m->ct, m->ctlen, pt, &ptlen), 0);
	assert_int_equal(ptlen, m->ptlen);
	assert_memory_equal(pt, m->pt, m->ptlen);
}

static void
pair_message(struct pair *p, const struct vec *v, int idx)
{
	uint8_t out[MSG_MAX];
	size_t outlen;

	pair_write(p, v, idx, out, &outlen);
	pair_read(p, v, idx);
}

static void
pair_handshake(struct pair *p, const struct vec *v)
{
	pair_init(p, v);
	pair_message(p, v, 0);
	pair_message(p, v, 1);
	assert_int_equal(noise_hs_split(&p->i, &p->i_send, &p->i_recv), 0);
	assert_int_equal(noise_hs_split(&p->r, &p->r_send, &p->r_recv), 0);
}

static void
pair_fini(struct pair *p)
{
	noise_hs_fini(&p->i);
	noise_hs_fini(&p->r);
}

/* ---- the vector -------------------------------------------------------- */

static void
test_vector_handshake(void **state)
{
	struct pair p;
	struct vec v;

	(void)state;
	vec_load(&v);
	pair_handshake(&p, &v);
	assert_memory_equal(p.i_send.k, p.r_recv.k, NOISE_KEY_LEN);
	assert_memory_equal(p.r_send.k, p.i_recv.k, NOISE_KEY_LEN);
	assert_memory_not_equal(p.i_send.k, p.i_recv.k, NOISE_KEY_LEN);
	assert_true(p.i_send.n == 0 && p.i_recv.n == 0);
	assert_true(p.r_send.n == 0 && p.r_recv.n == 0);
	pair_fini(&p);
}

static void
test_vector_identity(void **state)
{
	uint8_t pub[NOISE_KEY_LEN], hash[NOISE_HASH_LEN];
	size_t hlen;
	struct pair p;
	struct vec v;

	(void)state;
	vec_load(&v);
	pair_init(&p, &v);
	pair_message(&p, &v, 0);
	/* read1 proved the initiator's static key */
	assert_int_equal(noise_pubkey(pub, v.init_static), 0);
	assert_memory_equal(p.r.rs, pub, NOISE_KEY_LEN);
	assert_int_equal(noise_pubkey(pub, v.resp_static), 0);
	assert_memory_equal(v.init_rs, pub, NOISE_KEY_LEN);
	pair_message(&p, &v, 1);
	assert_int_equal(p.i.step, 2);
	assert_int_equal(p.r.step, 2);
	assert_int_equal(sodium_hex2bin(hash, sizeof(hash), VEC_HANDSHAKE_HASH,
	                     strlen(VEC_HANDSHAKE_HASH), NULL, &hlen, NULL),
	    0);
	assert_int_equal(hlen, NOISE_HASH_LEN);
	assert_memory_equal(noise_hs_hash(&p.i), hash, NOISE_HASH_LEN);
	assert_memory_equal(noise_hs_hash(&p.r), hash, NOISE_HASH_LEN);
	pair_fini(&p);
}

static void
test_vector_transport(void **state)
{
	static const struct {
		const char *name;
		int idx;
		bool from_init;
	} cases[] = {
	    {"msg 2 initiator->responder", 2, true},
	    {"msg 3 responder->initiator", 3, false},
	    {"msg 4 initiator->responder", 4, true},
	    {"msg 5 responder->initiator", 5, false},
	};
	uint8_t ct[VEC_MAX + NOISE_TAG_LEN], pt[VEC_MAX];
	struct noise_cipher *tx, *rx;
	const struct vec_msg *m;
	struct pair p;
	struct vec v;

	(void)state;
	vec_load(&v);
	pair_handshake(&p, &v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = &v.msg[cases[i].idx];
		tx = cases[i].from_init ? &p.i_send : &p.r_send;
		rx = cases[i].from_init ? &p.r_recv : &p.i_recv;
		noise_cipher_seal(tx, NULL, 0, m->pt, m->ptlen, ct);
		if (m->ctlen != m->ptlen + NOISE_TAG_LEN ||
		    memcmp(ct, m->ct, m->ctlen) != 0)
			fail_msg("case %s: ciphertext", cases[i].name);
		if (noise_cipher_open(rx, NULL, 0, m->ct, m->ctlen, pt) != 0 ||
		    memcmp(pt, m->pt, m->ptlen) != 0)
			fail_msg("case %s: decrypt", cases[i].name);
	}
	assert_true(p.i_send.n == 2 && p.r_recv.n == 2);
	assert_true(p.r_send.n == 2 && p.i_recv.n == 2);
	pair_fini(&p);
}

/* ---- rejection --------------------------------------------------------- */

enum tamper_at { AT_MSG1, AT_MSG2, AT_TRANSPORT };

#define FLIP_NONE SIZE_MAX
#define FLIP_LAST (SIZE_MAX - 1)
#define CUT_ALL   SIZE_MAX

struct tamper_case {
	const char *name;
	enum tamper_at at;
	size_t flip; /* byte whose low bit flips */
	size_t cut;  /* bytes dropped from the end */
};

static size_t
tamper(uint8_t *msg, size_t len, const struct tamper_case *c)
{
	if (c->flip != FLIP_NONE)
		msg[c->flip == FLIP_LAST ? len - 1 : c->flip] ^= 0x01;
	return (c->cut == CUT_ALL ? 0 : len - c->cut);
}

/* A bad message 1: rejected, and the responder cannot go on. */
static bool
tamper_msg1(const struct vec *v, const struct tamper_case *c)
{
	uint8_t msg[MSG_MAX], pt[VEC_MAX];
	size_t len = v->msg[0].ctlen, plen = 12345;
	struct pair p;
	bool ok;

	pair_init(&p, v);
	memcpy(msg, v->msg[0].ct, len);
	len = tamper(msg, len, c);
	ok = noise_hs_read1(&p.r, msg, len, pt, &plen) == -1 && plen == 12345 &&
	     noise_hs_write2(&p.r, NULL, 0, msg, &len) == -1;
	pair_fini(&p);
	return (ok);
}

static bool
tamper_msg2(const struct vec *v, const struct tamper_case *c)
{
	uint8_t msg[MSG_MAX], pt[VEC_MAX];
	size_t len = v->msg[1].ctlen, plen;
	struct noise_cipher tx, rx;
	struct pair p;
	bool ok;

	pair_init(&p, v);
	pair_message(&p, v, 0);
	memcpy(msg, v->msg[1].ct, len);
	len = tamper(msg, len, c);
	ok = noise_hs_read2(&p.i, msg, len, pt, &plen) == -1 &&
	     noise_hs_split(&p.i, &tx, &rx) == -1;
	pair_fini(&p);
	return (ok);
}

/* A bad transport message: rejected without using up the nonce. */
static bool
tamper_transport(const struct vec *v, const struct tamper_case *c)
{
	const struct vec_msg *m = &v->msg[2];
	uint8_t msg[VEC_MAX], pt[VEC_MAX];
	size_t len = m->ctlen;
	struct pair p;
	bool ok;

	pair_handshake(&p, v);
	memcpy(msg, m->ct, len);
	len = tamper(msg, len, c);
	ok = noise_cipher_open(&p.r_recv, NULL, 0, msg, len, pt) == -1 &&
	     p.r_recv.n == 0 &&
	     noise_cipher_open(&p.r_recv, NULL, 0, m->ct, m->ctlen, pt) == 0;
	pair_fini(&p);
	return (ok);
}

static void
test_tamper(void **state)
{
	static const struct tamper_case cases[] = {
	    {"msg1: flip in e", AT_MSG1, 0, 0},
	    {"msg1: flip in encrypted s", AT_MSG1, 40, 0},
	    {"msg1: flip in tag of s", AT_MSG1, 70, 0},
	    {"msg1: flip in payload", AT_MSG1, 82, 0},
	    {"msg1: flip in last tag byte", AT_MSG1, FLIP_LAST, 0},
	    {"msg1: truncated by 1", AT_MSG1, FLIP_NONE, 1},
	    {"msg1: payload cut off", AT_MSG1, FLIP_NONE, 16},
	    {"msg1: shorter than overhead", AT_MSG1, FLIP_NONE, 17},
	    {"msg1: empty", AT_MSG1, FLIP_NONE, CUT_ALL},
	    {"msg2: flip in e", AT_MSG2, 31, 0},
	    {"msg2: flip in payload", AT_MSG2, 33, 0},
	    {"msg2: flip in last tag byte", AT_MSG2, FLIP_LAST, 0},
	    {"msg2: truncated by 1", AT_MSG2, FLIP_NONE, 1},
	    {"msg2: empty", AT_MSG2, FLIP_NONE, CUT_ALL},
	    {"transport: flip in ciphertext", AT_TRANSPORT, 0, 0},
	    {"transport: flip in tag", AT_TRANSPORT, FLIP_LAST, 0},
	    {"transport: truncated by 1", AT_TRANSPORT, FLIP_NONE, 1},
	    {"transport: empty", AT_TRANSPORT, FLIP_NONE, CUT_ALL},
	};
	const struct tamper_case *c;
	struct vec v;
	bool ok = false;

	(void)state;
	vec_load(&v);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		switch (c->at) {
		case AT_MSG1:
			ok = tamper_msg1(&v, c);
			break;
		case AT_MSG2:
			ok = tamper_msg2(&v, c);
			break;
		case AT_TRANSPORT:
			ok = tamper_transport(&v, c);
			break;
		}
		if (!ok)
			fail_msg("case %s: accepted", c->name);
	}
}

/* Message 2 only authenticates for the responder the initiator named. */
static void
test_wrong_responder(void **state)
{
	uint8_t other_priv[NOISE_KEY_LEN], other_pub[NOISE_KEY_LEN];
	uint8_t msg[MSG_MAX], pt[VEC_MAX];
	struct noise_hs wrong;
	struct pair p;
	struct vec v;
	size_t len, plen;

	(void)state;
	vec_load(&v);
	pair_init(&p, &v);
	pair_message(&p, &v, 0);
	pair_message(&p, &v, 1);
	noise_keypair(other_priv, other_pub);
	noise_hs_init(&wrong, NOISE_INITIATOR, v.init_static, other_pub,
	    v.prologue, v.prologue_len);
	noise_hs_set_ephemeral(&wrong, v.init_eph);
	assert_int_equal(noise_hs_write1(&wrong, NULL, 0, msg, &len), 0);
	assert_int_equal(
	    noise_hs_read2(&wrong, v.msg[1].ct, v.msg[1].ctlen, pt, &plen), -1);
	assert_int_equal(wrong.step, -1);
	/* and the real responder cannot read what it wrote */
	noise_hs_fini(&p.r);
	noise_hs_init(&p.r, NOISE_RESPONDER, v.resp_static, NULL, v.prologue,
	    v.prologue_len);
	assert_int_equal(noise_hs_read1(&p.r, msg, len, pt, &plen), -1);
	noise_hs_fini(&wrong);
	pair_fini(&p);
}

/* Calls in the wrong role or step, and degenerate keys. */
static void
test_bad_state(void **state)
{
	static const uint8_t zero[NOISE_KEY_LEN];
	uint8_t priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	uint8_t msg[MSG_MAX] = {0}, pt[MSG_MAX];
	struct noise_cipher tx, rx;
	struct noise_hs i, r;
	size_t len, plen;

	(void)state;
	noise_keypair(priv, pub);
	noise_hs_init(&i, NOISE_INITIATOR, priv, pub, NULL, 0);
	noise_hs_init(&r, NOISE_RESPONDER, priv, NULL, NULL, 0);
	assert_int_equal(noise_hs_write2(&i, NULL, 0, msg, &len), -1);
	assert_int_equal(noise_hs_read1(&i, msg, sizeof(msg), pt, &plen), -1);
	assert_int_equal(noise_hs_write1(&r, NULL, 0, msg, &len), -1);
	assert_int_equal(noise_hs_split(&i, &tx, &rx), -1);
	assert_int_equal(
	    noise_hs_write1(&i, NULL,
	        NOISE_MAX_PAYLOAD - NOISE_MSG1_OVERHEAD + 1, msg, &len),
	    -1);
	assert_int_equal(i.step, 0); /* rejected up front: still usable */
	assert_int_equal(noise_hs_write1(&i, NULL, 0, msg, &len), 0);
	assert_int_equal(noise_hs_write1(&i, NULL, 0, msg, &len), -1);
	assert_int_equal(noise_hs_split(&i, &tx, &rx), -1);
	memcpy(msg, zero, NOISE_KEY_LEN); /* low-order e: DH gives zero */
	assert_int_equal(noise_hs_read1(&r, msg, len, pt, &plen), -1);
	assert_int_equal(r.step, -1);
	noise_hs_fini(&i);
	noise_hs_init(&i, NOISE_INITIATOR, priv, zero, NULL, 0);
	assert_int_equal(noise_hs_write1(&i, NULL, 0, msg, &len), -1);
	assert_int_equal(i.step, -1);
	noise_hs_fini(&i);
	noise_hs_fini(&r);
}

/* ---- random keys ------------------------------------------------------- */

/* A full handshake as channel.c runs it: 8-byte hello, empty reply. */
static void
random_handshake(struct pair *p, const uint8_t ipub[NOISE_KEY_LEN])
{
	static const uint8_t hello[8] = "hello!!";
	uint8_t msg1[MSG_MAX], msg2[MSG_MAX], pt[VEC_MAX];
	size_t len, plen;

	assert_int_equal(
	    noise_hs_write1(&p->i, hello, sizeof(hello), msg1, &len), 0);
	assert_int_equal(len, sizeof(hello) + NOISE_MSG1_OVERHEAD);
	assert_memory_equal(msg1, p->i.e_pub, NOISE_KEY_LEN);
	assert_int_equal(noise_hs_read1(&p->r, msg1, len, pt, &plen), 0);
	assert_int_equal(plen, sizeof(hello));
	assert_memory_equal(pt, hello, sizeof(hello));
	assert_memory_equal(p->r.rs, ipub, NOISE_KEY_LEN);
	assert_int_equal(noise_hs_write2(&p->r, NULL, 0, msg2, &len), 0);
	assert_int_equal(len, NOISE_MSG2_OVERHEAD);
	assert_memory_equal(msg2, p->r.e_pub, NOISE_KEY_LEN);
	assert_int_equal(noise_hs_read2(&p->i, msg2, len, pt, &plen), 0);
	assert_int_equal(plen, 0);
	assert_memory_equal(
	    noise_hs_hash(&p->i), noise_hs_hash(&p->r), NOISE_HASH_LEN);
	assert_int_equal(noise_hs_split(&p->i, &p->i_send, &p->i_recv), 0);
	assert_int_equal(noise_hs_split(&p->r, &p->r_send, &p->r_recv), 0);
}

/* Explicit nonces, both directions; wrong nonce, direction or AD fail. */
static void
random_transport(const struct pair *p)
{
	static const uint8_t ad[4] = "hdr", pt[] = "queue deferred=3";
	static const uint64_t nonces[] = {0, 1, 7, UINT64_MAX - 1};
	uint8_t ct[sizeof(pt) + NOISE_TAG_LEN], out[sizeof(pt)];
	const uint8_t *tx, *rx, *other;

	for (size_t i = 0; i < 2 * sizeof(nonces) / sizeof(nonces[0]); i++) {
		uint64_t n = nonces[i / 2];

		tx = i % 2 == 0 ? p->i_send.k : p->r_send.k;
		rx = i % 2 == 0 ? p->r_recv.k : p->i_recv.k;
		other = i % 2 == 0 ? p->r_send.k : p->i_send.k;
		noise_seal(tx, n, ad, sizeof(ad), pt, sizeof(pt), ct);
		assert_int_equal(
		    noise_open(rx, n, ad, sizeof(ad), ct, sizeof(ct), out), 0);
		assert_memory_equal(out, pt, sizeof(pt));
		assert_int_equal(
		    noise_open(rx, n + 1, ad, sizeof(ad), ct, sizeof(ct), out),
		    -1);
		assert_int_equal(
		    noise_open(other, n, ad, sizeof(ad), ct, sizeof(ct), out),
		    -1);
		assert_int_equal(
		    noise_open(rx, n, NULL, 0, ct, sizeof(ct), out), -1);
	}
}

static void
test_random_keys(void **state)
{
	uint8_t ipriv[NOISE_KEY_LEN], ipub[NOISE_KEY_LEN];
	uint8_t rpriv[NOISE_KEY_LEN], rpub[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	uint8_t e[2][NOISE_KEY_LEN];
	struct pair p;

	(void)state;
	noise_keypair(ipriv, ipub);
	noise_keypair(rpriv, rpub);
	assert_memory_not_equal(ipriv, rpriv, NOISE_KEY_LEN);
	assert_int_equal(noise_pubkey(pub, ipriv), 0);
	assert_memory_equal(pub, ipub, NOISE_KEY_LEN);
	for (int run = 0; run < 2; run++) {
		noise_hs_init(&p.i, NOISE_INITIATOR, ipriv, rpub, NULL, 0);
		noise_hs_init(&p.r, NOISE_RESPONDER, rpriv, NULL, NULL, 0);
		random_handshake(&p, ipub);
		random_transport(&p);
		memcpy(e[run], p.i.e_pub, NOISE_KEY_LEN);
		pair_fini(&p);
	}
	/* fresh ephemerals each time */
	assert_memory_not_equal(e[0], e[1], NOISE_KEY_LEN);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vector_handshake),
	    cmocka_unit_test(test_vector_identity),
	    cmocka_unit_test(test_vector_transport),
	    cmocka_unit_test(test_tamper),
	    cmocka_unit_test(test_wrong_responder),
	    cmocka_unit_test(test_bad_state),
	    cmocka_unit_test(test_random_keys),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
