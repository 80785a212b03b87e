/* SPDX-License-Identifier: ISC */
/*
 * Noise_IK_25519_ChaChaPoly_SHA256 (Noise revision 34) on libsodium.  The
 * SymmetricState (ck, h, k, n) and the HandshakeState live together in
 * struct noise_hs; the CipherState after Split() is struct noise_cipher.
 * Invariants: hs->step counts processed messages and never goes back to a
 * usable value; a failed read or write wipes hs and leaves step at -1, so a
 * half-mixed transcript can never be reused.  Secrets on the stack are wiped
 * before returning. No allocation, no I/O, no globals: any thread may call any
 * function.
 */
#include "noise.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define NOISE_PROTOCOL  "Noise_IK_25519_ChaChaPoly_SHA256"
#define NOISE_NONCE_LEN crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define NOISE_MAX_MSG   NOISE_MAX_PAYLOAD
#define NOISE_HS_FAILED (-1)
#define NOISE_ENC_S_LEN (NOISE_KEY_LEN + NOISE_TAG_LEN) /* s in message 1 */

/* The name fits HASHLEN exactly, so h starts as the name, unhashed. */
_Static_assert(sizeof(NOISE_PROTOCOL) - 1 == NOISE_HASH_LEN,
    "protocol name must be HASHLEN bytes");
_Static_assert(
    NOISE_KEY_LEN == crypto_scalarmult_BYTES &&
        NOISE_KEY_LEN == crypto_aead_chacha20poly1305_ietf_KEYBYTES &&
        NOISE_TAG_LEN == crypto_aead_chacha20poly1305_ietf_ABYTES &&
        NOISE_HASH_LEN == crypto_hash_sha256_BYTES &&
        NOISE_HASH_LEN == crypto_auth_hmacsha256_KEYBYTES,
    "sizes must match libsodium");

/* sodium_init() is idempotent; failing means no usable RNG. */
static void
noise_sodium_init(void)
{
	if (sodium_init() == -1)
		abort();
}

/* ChaChaPoly nonce: 4 zero bytes, then the counter little-endian. */
static void
noise_nonce(uint8_t nonce[NOISE_NONCE_LEN], uint64_t n)
{
	memset(nonce, 0, 4);
	for (size_t i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t)(n >> (8 * i));
}

void
noise_seal(const uint8_t k[NOISE_KEY_LEN], uint64_t nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *pt, size_t ptlen, uint8_t *ct)
{
	uint8_t nb[NOISE_NONCE_LEN];

	noise_nonce(nb, nonce);
	(void)crypto_aead_chacha20poly1305_ietf_encrypt(
	    ct, NULL, pt, ptlen, ad, adlen, NULL, nb, k);
}

int
noise_open(const uint8_t k[NOISE_KEY_LEN], uint64_t nonce, const uint8_t *ad,
    size_t adlen, const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	uint8_t nb[NOISE_NONCE_LEN];

	if (ctlen < NOISE_TAG_LEN)
		return (-1);
	noise_nonce(nb, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	        pt, NULL, NULL, ct, ctlen, ad, adlen, nb, k) != 0)
		return (-1);
	return (0);
}

/* 2^64-1 is reserved by the spec; reaching it is a caller bug. */
void
noise_cipher_seal(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint8_t *ct)
{
	assert(c->n != UINT64_MAX);
	noise_seal(c->k, c->n, ad, adlen, pt, ptlen, ct);
	c->n++;
}

int
noise_cipher_open(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	if (c->n == UINT64_MAX ||
	    noise_open(c->k, c->n, ad, adlen, ct, ctlen, pt) == -1)
		return (-1);
	c->n++;
	return (0);
}

int
noise_pubkey(uint8_t pub[NOISE_KEY_LEN], const uint8_t priv[NOISE_KEY_LEN])
{
	uint8_t tmp[NOISE_KEY_LEN];

	if (crypto_scalarmult_base(tmp, priv) != 0 ||
	    sodium_is_zero(tmp, sizeof(tmp)))
		return (-1);
	memcpy(pub, tmp, sizeof(tmp));
	return (0);
}

void
noise_keypair(uint8_t priv[NOISE_KEY_LEN], uint8_t pub[NOISE_KEY_LEN])
{
	noise_sodium_init();
	do
		randombytes_buf(priv, NOISE_KEY_LEN);
	while (noise_pubkey(pub, priv) == -1);
}

/* X25519; rejects low-order points (all-zero output), in constant time. */
static int
noise_dh(uint8_t out[NOISE_KEY_LEN], const uint8_t priv[NOISE_KEY_LEN],
    const uint8_t pub[NOISE_KEY_LEN])
{
	if (crypto_scalarmult(out, priv, pub) != 0 ||
	    sodium_is_zero(out, NOISE_KEY_LEN)) {
		sodium_memzero(out, NOISE_KEY_LEN);
		return (-1);
	}
	return (0);
}

/* HKDF with two outputs; out1 may alias ck. */
static void
noise_hkdf(const uint8_t ck[NOISE_HASH_LEN], const uint8_t *ikm, size_t ikmlen,
    uint8_t out1[NOISE_HASH_LEN], uint8_t out2[NOISE_HASH_LEN])
{
	static const uint8_t one = 0x01;
	uint8_t temp[NOISE_HASH_LEN], buf[NOISE_HASH_LEN + 1];

	crypto_auth_hmacsha256(temp, ikm, ikmlen, ck);
	crypto_auth_hmacsha256(buf, &one, 1, temp);
	buf[NOISE_HASH_LEN] = 0x02;
	crypto_auth_hmacsha256(out2, buf, sizeof(buf), temp);
	memcpy(out1, buf, NOISE_HASH_LEN);
	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(buf, sizeof(buf));
}

/* h = SHA256(h || data) */
static void
noise_mix_hash(struct noise_hs *hs, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, hs->h, sizeof(hs->h));
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, hs->h);
}

/* MixKey(DH(priv, pub)): ck, k = HKDF(ck, dh); n = 0. */
static int
noise_mix_dh(struct noise_hs *hs, const uint8_t priv[NOISE_KEY_LEN],
    const uint8_t pub[NOISE_KEY_LEN])
{
	uint8_t dh[NOISE_KEY_LEN];

	if (noise_dh(dh, priv, pub) == -1)
		return (-1);
	noise_hkdf(hs->ck, dh, sizeof(dh), hs->ck, hs->k);
	sodium_memzero(dh, sizeof(dh));
	hs->has_k = true;
	hs->n = 0;
	return (0);
}

/* EncryptAndHash: out gets len (+ NOISE_TAG_LEN once a key is set). */
static void
noise_encrypt_hash(
    struct noise_hs *hs, const uint8_t *pt, size_t len, uint8_t *out)
{
	if (hs->has_k) {
		noise_seal(hs->k, hs->n++, hs->h, sizeof(hs->h), pt, len, out);
		len += NOISE_TAG_LEN;
	} else if (len > 0)
		memcpy(out, pt, len);
	noise_mix_hash(hs, out, len);
}

/* DecryptAndHash: the ciphertext is hashed only after it authenticated. */
static int
noise_decrypt_hash(
    struct noise_hs *hs, const uint8_t *ct, size_t len, uint8_t *out)
{
	if (hs->has_k) {
		if (noise_open(
		        hs->k, hs->n, hs->h, sizeof(hs->h), ct, len, out) == -1)
			return (-1);
		hs->n++;
	} else if (len > 0)
		memcpy(out, ct, len);
	noise_mix_hash(hs, ct, len);
	return (0);
}

/* A failed handshake is dead: wipe it so nothing half-mixed is reused. */
static int
noise_hs_fail(struct noise_hs *hs)
{
	noise_hs_fini(hs);
	hs->step = NOISE_HS_FAILED;
	return (-1);
}

static bool
noise_hs_ready(const struct noise_hs *hs, enum noise_role role, int step)
{
	return (hs->role == role && hs->step == step);
}

/* Writes e: a fresh ephemeral unless the test hook preset one. */
static void
noise_hs_write_e(struct noise_hs *hs, uint8_t *out)
{
	if (!hs->has_e) {
		noise_keypair(hs->e_priv, hs->e_pub);
		hs->has_e = true;
	}
	memcpy(out, hs->e_pub, NOISE_KEY_LEN);
	noise_mix_hash(hs, hs->e_pub, NOISE_KEY_LEN);
}

static void
noise_hs_read_e(struct noise_hs *hs, const uint8_t *msg)
{
	memcpy(hs->re, msg, NOISE_KEY_LEN);
	noise_mix_hash(hs, hs->re, NOISE_KEY_LEN);
}

void
noise_hs_init(struct noise_hs *hs, enum noise_role role,
    const uint8_t s_priv[NOISE_KEY_LEN], const uint8_t *rs,
    const uint8_t *prologue, size_t plen)
{
	int rv;

	assert(role == NOISE_RESPONDER || rs != NULL);
	noise_sodium_init();
	memset(hs, 0, sizeof(*hs));
	hs->role = role;
	memcpy(hs->s_priv, s_priv, NOISE_KEY_LEN);
	rv = noise_pubkey(hs->s_pub, s_priv);
	assert(rv == 0); /* a clamped scalar never maps to the identity */
	(void)rv;
	memcpy(hs->h, NOISE_PROTOCOL, NOISE_HASH_LEN);
	memcpy(hs->ck, hs->h, NOISE_HASH_LEN);
	noise_mix_hash(hs, prologue, plen);
	if (role == NOISE_INITIATOR) {
		memcpy(hs->rs, rs, NOISE_KEY_LEN);
		noise_mix_hash(hs, hs->rs, NOISE_KEY_LEN);
	} else
		noise_mix_hash(hs, hs->s_pub, NOISE_KEY_LEN);
}

void
noise_hs_set_ephemeral(struct noise_hs *hs, const uint8_t e_priv[NOISE_KEY_LEN])
{
	int rv;

	memcpy(hs->e_priv, e_priv, NOISE_KEY_LEN);
	rv = noise_pubkey(hs->e_pub, e_priv);
	assert(rv == 0);
	(void)rv;
	hs->has_e = true;
}

/* -> e, es, s, ss, payload */
int
noise_hs_write1(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t *outlen)
{
	if (!noise_hs_ready(hs, NOISE_INITIATOR, 0) ||
	    plen > NOISE_MAX_MSG - NOISE_MSG1_OVERHEAD)
		return (-1);
	noise_hs_write_e(hs, out);
	if (noise_mix_dh(hs, hs->e_priv, hs->rs) == -1)
		return (noise_hs_fail(hs));
	noise_encrypt_hash(hs, hs->s_pub, NOISE_KEY_LEN, out + NOISE_KEY_LEN);
	if (noise_mix_dh(hs, hs->s_priv, hs->rs) == -1)
		return (noise_hs_fail(hs));
	out += NOISE_KEY_LEN + NOISE_ENC_S_LEN;
	noise_encrypt_hash(hs, payload, plen, out);
	hs->step = 1;
	*outlen = plen + NOISE_MSG1_OVERHEAD;
	return (0);
}

int
noise_hs_read1(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t *plen)
{
	const uint8_t *s, *p;

	if (!noise_hs_ready(hs, NOISE_RESPONDER, 0) ||
	    len < NOISE_MSG1_OVERHEAD || len > NOISE_MAX_MSG)
		return (-1);
	s = msg + NOISE_KEY_LEN;
	p = s + NOISE_ENC_S_LEN;
	noise_hs_read_e(hs, msg);
	if (noise_mix_dh(hs, hs->s_priv, hs->re) == -1 ||
	    noise_decrypt_hash(hs, s, NOISE_ENC_S_LEN, hs->rs) == -1)
		return (noise_hs_fail(hs));
	len -= NOISE_KEY_LEN + NOISE_ENC_S_LEN;
	if (noise_mix_dh(hs, hs->s_priv, hs->rs) == -1 ||
	    noise_decrypt_hash(hs, p, len, payload) == -1)
		return (noise_hs_fail(hs));
	hs->step = 1;
	*plen = len - NOISE_TAG_LEN;
	return (0);
}

/* <- e, ee, se, payload */
int
noise_hs_write2(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t *outlen)
{
	if (!noise_hs_ready(hs, NOISE_RESPONDER, 1) ||
	    plen > NOISE_MAX_MSG - NOISE_MSG2_OVERHEAD)
		return (-1);
	noise_hs_write_e(hs, out);
	if (noise_mix_dh(hs, hs->e_priv, hs->re) == -1 ||
	    noise_mix_dh(hs, hs->e_priv, hs->rs) == -1)
		return (noise_hs_fail(hs));
	noise_encrypt_hash(hs, payload, plen, out + NOISE_KEY_LEN);
	hs->step = 2;
	*outlen = plen + NOISE_MSG2_OVERHEAD;
	return (0);
}

int
noise_hs_read2(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t *plen)
{
	if (!noise_hs_ready(hs, NOISE_INITIATOR, 1) ||
	    len < NOISE_MSG2_OVERHEAD || len > NOISE_MAX_MSG)
		return (-1);
	noise_hs_read_e(hs, msg);
	if (noise_mix_dh(hs, hs->e_priv, hs->re) == -1 ||
	    noise_mix_dh(hs, hs->s_priv, hs->re) == -1 ||
	    noise_decrypt_hash(
	        hs, msg + NOISE_KEY_LEN, len - NOISE_KEY_LEN, payload) == -1)
		return (noise_hs_fail(hs));
	hs->step = 2;
	*plen = len - NOISE_MSG2_OVERHEAD;
	return (0);
}

int
noise_hs_split(
    struct noise_hs *hs, struct noise_cipher *send, struct noise_cipher *recv)
{
	uint8_t k1[NOISE_KEY_LEN], k2[NOISE_KEY_LEN];
	bool is_init = hs->role == NOISE_INITIATOR;

	if (hs->step != 2)
		return (-1);
	noise_hkdf(hs->ck, (const uint8_t *)"", 0, k1, k2);
	memcpy(send->k, is_init ? k1 : k2, NOISE_KEY_LEN);
	memcpy(recv->k, is_init ? k2 : k1, NOISE_KEY_LEN);
	send->n = recv->n = 0;
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	return (0);
}

const uint8_t *
noise_hs_hash(const struct noise_hs *hs)
{
	return (hs->h);
}

void
noise_hs_fini(struct noise_hs *hs)
{
	sodium_memzero(hs, sizeof(*hs));
}
