/* SPDX-License-Identifier: ISC */
/*
 * Noise_IK_25519_ChaChaPoly_SHA256, built from libsodium primitives
 * (crypto_scalarmult, crypto_aead_chacha20poly1305_ietf, SHA-256 and
 * HMAC-SHA256 for HKDF).  Only the IK pattern is implemented: the initiator
 * (agent, fleetctl) knows the responder's (fleetd's) static key in advance.
 *
 * A struct noise_hs holds one handshake.  After the second message both
 * sides call noise_hs_split() and get two transport keys; the transport
 * itself (explicit 64-bit counters, replay window) lives in channel.c, so
 * this module has no notion of message order.  No allocation, no I/O, no
 * logging; all functions are reentrant.  noise_hs_fini() wipes secrets.
 * A read or write that fails on a degenerate DH or a bad message kills the
 * handshake (Noise aborts there): hs is wiped, step becomes -1 and every
 * later call fails.  A call rejected up front (wrong role or step, bad
 * length) only returns -1.
 */
#ifndef FLEET_COMMON_NOISE_H
#define FLEET_COMMON_NOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOISE_KEY_LEN     32 /* X25519 keys, symmetric keys, hashes */
#define NOISE_TAG_LEN     16 /* ChaCha20-Poly1305 tag */
#define NOISE_HASH_LEN    32
#define NOISE_MAX_PAYLOAD 65535 /* Noise message limit: payload + overhead */

/* Overhead of the two handshake messages on top of their payload. */
#define NOISE_MSG1_OVERHEAD (NOISE_KEY_LEN + NOISE_KEY_LEN + 2 * NOISE_TAG_LEN)
#define NOISE_MSG2_OVERHEAD (NOISE_KEY_LEN + NOISE_TAG_LEN)

enum noise_role {
	NOISE_INITIATOR,
	NOISE_RESPONDER,
};

struct noise_cipher {
	uint8_t k[NOISE_KEY_LEN];
	uint64_t n; /* next nonce for noise_cipher_seal/open */
};

struct noise_hs {
	enum noise_role role;
	int step; /* messages processed so far: 0, 1, 2; -1 if failed */
	uint8_t ck[NOISE_HASH_LEN];
	uint8_t h[NOISE_HASH_LEN];
	uint8_t k[NOISE_KEY_LEN];
	bool has_k;
	uint64_t n;
	uint8_t s_priv[NOISE_KEY_LEN], s_pub[NOISE_KEY_LEN];
	uint8_t e_priv[NOISE_KEY_LEN], e_pub[NOISE_KEY_LEN];
	uint8_t rs[NOISE_KEY_LEN]; /* remote static */
	uint8_t re[NOISE_KEY_LEN]; /* remote ephemeral */
	bool has_e;                /* ephemeral preset (test vectors) */
};

/*
 * Derives the public key of a X25519 private key.  Returns 0, or -1 if the
 * result is the all-zero point.
 */
int noise_pubkey(uint8_t pub[NOISE_KEY_LEN], const uint8_t priv[NOISE_KEY_LEN]);

/* Fills priv/pub with a fresh key pair (randombytes). */
void noise_keypair(uint8_t priv[NOISE_KEY_LEN], uint8_t pub[NOISE_KEY_LEN]);

/*
 * Starts a handshake.  s_priv is our static private key.  For the
 * initiator rs is the responder's static public key; the responder passes
 * NULL and learns rs from message 1.  prologue may be NULL when plen is 0.
 */
void noise_hs_init(struct noise_hs *hs, enum noise_role role,
    const uint8_t s_priv[NOISE_KEY_LEN], const uint8_t *rs,
    const uint8_t *prologue, size_t plen);

/*
 * Test hook: use this ephemeral private key instead of a random one.  Call
 * after noise_hs_init() and before this side writes its message.
 */
void noise_hs_set_ephemeral(
    struct noise_hs *hs, const uint8_t e_priv[NOISE_KEY_LEN]);

/*
 * Initiator: writes message 1 (-> e, es, s, ss) carrying payload into out,
 * which must hold plen + NOISE_MSG1_OVERHEAD bytes; *outlen gets the
 * length.  Returns 0, or -1 on a bad state, a payload over
 * NOISE_MAX_PAYLOAD - NOISE_MSG1_OVERHEAD bytes or a degenerate DH.
 */
int noise_hs_write1(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t *outlen);

/*
 * Responder: reads message 1.  On success the initiator's static key is in
 * hs->rs (check it against the allowlist before answering) and the payload
 * (len - NOISE_MSG1_OVERHEAD bytes) is written to payload.  Returns 0, or
 * -1 if the message is short, over NOISE_MAX_PAYLOAD bytes or does not
 * authenticate (payload may then hold zeroes; *plen is left alone).
 */
int noise_hs_read1(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t *plen);

/* Responder: writes message 2 (<- e, ee, se); as noise_hs_write1. */
int noise_hs_write2(struct noise_hs *hs, const uint8_t *payload, size_t plen,
    uint8_t *out, size_t *outlen);

/* Initiator: reads message 2; as noise_hs_read1. */
int noise_hs_read2(struct noise_hs *hs, const uint8_t *msg, size_t len,
    uint8_t *payload, size_t *plen);

/*
 * After message 2: derives the transport keys.  send is the key for our
 * direction, recv for the peer's (Split(): initiator sends with the first).
 * Both nonces start at 0.  Returns 0, or -1 before the handshake is done.
 */
int noise_hs_split(
    struct noise_hs *hs, struct noise_cipher *send, struct noise_cipher *recv);

/* The handshake hash, for channel binding.  Valid after message 2. */
const uint8_t *noise_hs_hash(const struct noise_hs *hs);

/* Wipes all key material. */
void noise_hs_fini(struct noise_hs *hs);

/*
 * Transport encryption with an explicit nonce: ct gets ptlen +
 * NOISE_TAG_LEN bytes.  ad may be NULL when adlen is 0.
 */
void noise_seal(const uint8_t k[NOISE_KEY_LEN], uint64_t nonce,
    const uint8_t *ad, size_t adlen, const uint8_t *pt, size_t ptlen,
    uint8_t *ct);

/* Decrypts; pt gets ctlen - NOISE_TAG_LEN bytes.  Returns 0 or -1. */
int noise_open(const uint8_t k[NOISE_KEY_LEN], uint64_t nonce,
    const uint8_t *ad, size_t adlen, const uint8_t *ct, size_t ctlen,
    uint8_t *pt);

/*
 * Transport with the implicit Noise nonce (c->n, incremented on success),
 * as the test vectors use it.
 */
void noise_cipher_seal(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *pt, size_t ptlen, uint8_t *ct);
int noise_cipher_open(struct noise_cipher *c, const uint8_t *ad, size_t adlen,
    const uint8_t *ct, size_t ctlen, uint8_t *pt);

#endif /* FLEET_COMMON_NOISE_H */
