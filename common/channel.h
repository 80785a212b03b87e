/* SPDX-License-Identifier: ISC */
/*
 * The secure channel between agents (or fleetctl) and fleetd: framing,
 * Noise IK handshakes, sessions, counters and the replay window, with no
 * I/O (chan_nng.c carries the frames over nng req0/rep0).  Frames, all
 * integers little endian:
 *
 *   HELLO   u8 type=1, u8 version, u16 0, u32 sender index,
 *           Noise message 1 (its payload: u64 timestamp, ns), mac1[16]
 *   WELCOME u8 type=2, u8 version, u16 0, u32 sender index,
 *           u32 receiver index, Noise message 2 (empty payload)
 *   DATA    u8 type=3, u8 version, u16 0, u32 receiver index, u64 counter,
 *           AEAD(payload, ad = the 16 header bytes)
 *   REPLY   u8 type=4, u8 version, u16 0, u32 receiver index, u64 counter,
 *           u64 answered counter, AEAD(payload, ad = the 24 header bytes)
 *   REJECT  u8 type=5, u8 version, u16 reason (unauthenticated)
 *
 * mac1 = HMAC-SHA256(SHA256("mac1----" || responder static), HELLO without
 * mac1), first 16 bytes: checked before any DH, so only a sender who knows
 * fleetd's public key costs it a scalar multiplication.  The timestamp
 * travels encrypted inside message 1, so only the holder of the static key
 * can make one; the responder accepts a HELLO only if its timestamp is
 * within the skew (CHAN_HELLO_SKEW_MS by default) of its own wall clock and
 * newer than the last one from that key; when the responder starts, the
 * last one is (now - skew) for every key, so a HELLO captured before a
 * restart does not replay after it.  The Noise prologue names the endpoint
 * (agent or control), so a HELLO made for one is refused at the other
 * even though both share fleetd's static key.  Counters start at 1; a 64-entry
 * window rejects replays, updated only after the AEAD verifies.  Initiators
 * start a new handshake CHAN_REKEY_AFTER_MS after the last one; responders
 * refuse sessions older than CHAN_REJECT_AFTER_MS.
 *
 * Not thread-safe: callers serialize access to one client or server, with
 * one exception: chan_server_hello_check() and chan_server_hello_open()
 * read only what chan_server_init() wrote, so they may run on any thread
 * without the caller's lock (the Diffie-Hellman of a HELLO need not hold
 * up DATA); chan_server_hello_accept() then takes the lock's protection.
 */
#ifndef FLEET_COMMON_CHANNEL_H
#define FLEET_COMMON_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "noise.h"

#define CHAN_VERSION 1

#define CHAN_HELLO   1
#define CHAN_WELCOME 2
#define CHAN_DATA    3
#define CHAN_REPLY   4
#define CHAN_REJECT  5

#define CHAN_HELLO_LEN       (8 + NOISE_MSG1_OVERHEAD + 8 + 16)
#define CHAN_WELCOME_LEN     (12 + NOISE_MSG2_OVERHEAD)
#define CHAN_DATA_HDR        16
#define CHAN_REPLY_HDR       24
#define CHAN_REJECT_LEN      4
#define CHAN_MAX_PAYLOAD     (1024 * 1024 + 1024)
#define CHAN_MAX_FRAME       (CHAN_MAX_PAYLOAD + CHAN_REPLY_HDR + NOISE_TAG_LEN)
#define CHAN_REKEY_AFTER_MS  (10 * 60 * 1000)
#define CHAN_REJECT_AFTER_MS (CHAN_REKEY_AFTER_MS + 60 * 1000)
#define CHAN_REPLAY_WINDOW   64
#define CHAN_HELLO_SKEW_MS   (5 * 60 * 1000)

/* Which door of fleetd a channel goes through; part of the prologue. */
enum chan_endpoint {
	CHAN_EP_AGENT = 1,   /* fleet-agent: "relayfleet agent v1" */
	CHAN_EP_CONTROL = 2, /* fleetctl: "relayfleet control v1" */
};

/* Wall clock in nanoseconds since the epoch (tests pass their own). */
typedef uint64_t (*chan_clock_cb)(void *arg);

/* Why a frame was refused; the numbers travel in REJECT frames. */
enum chan_reject {
	CHAN_REJ_NONE = 0,
	CHAN_REJ_VERSION = 1,     /* unknown type or version */
	CHAN_REJ_MALFORMED = 2,   /* wrong length */
	CHAN_REJ_MAC1 = 3,        /* HELLO not made for this responder's key */
	CHAN_REJ_HANDSHAKE = 4,   /* Noise failed */
	CHAN_REJ_DENIED = 5,      /* static key not on the allowlist */
	CHAN_REJ_STALE = 6,       /* HELLO timestamp not newer: a replay */
	CHAN_REJ_SESSION = 7,     /* unknown or expired session: rekey */
	CHAN_REJ_AUTH = 8,        /* AEAD failed */
	CHAN_REJ_REPLAY = 9,      /* counter seen or too old */
	CHAN_REJ_UNEXPECTED = 10, /* frame of the wrong kind here */
	CHAN_REJ_CLOCK = 11,      /* HELLO timestamp beyond the skew */
	CHAN_REJ_BUSY = 12,       /* too many HELLOs: back off, retry later */
};
#define CHAN_REJ_MAX CHAN_REJ_BUSY /* the highest reason */

/* A short lower-case text for logs ("key not allowed"); never NULL. */
const char *chan_reject_str(enum chan_reject r);

struct chan_replay {
	uint64_t top;    /* highest counter accepted, 0 = none yet */
	uint64_t bitmap; /* bit i: counter top - i was accepted */
};

struct chan_session {
	bool in_use;
	uint32_t local_index, peer_index;
	uint8_t send_key[NOISE_KEY_LEN], recv_key[NOISE_KEY_LEN];
	uint64_t send_counter; /* last counter sent */
	struct chan_replay replay;
	uint64_t created_ms; /* monotonic */
	size_t peer;         /* responder: index into the allowlist */
	uint32_t gen;        /* responder: reuses of this slot */
};

/* ---- initiator (fleet-agent, fleetctl) ------------------------------- */

struct chan_client {
	enum chan_endpoint endpoint;
	uint8_t priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	uint8_t server_pub[NOISE_KEY_LEN], mac1_key[NOISE_KEY_LEN];
	struct noise_hs hs;
	bool hs_pending;
	uint32_t hs_index;
	uint64_t last_ts;
	struct chan_session sess;
	uint64_t expect_answer; /* counter of the DATA awaiting its REPLY */
};

/*
 * priv: our static private key; server_pub: fleetd's public key; ep: the
 * endpoint we talk to.
 */
void chan_client_init(struct chan_client *c, const uint8_t *priv,
    const uint8_t *server_pub, enum chan_endpoint ep);
void chan_client_fini(struct chan_client *c);

/* True if a session exists and is younger than CHAN_REKEY_AFTER_MS. */
bool chan_client_ready(const struct chan_client *c, uint64_t now_ms);

/* Drops the session (after a REJECT saying fleetd lost it). */
void chan_client_reset(struct chan_client *c);

/*
 * Writes a HELLO (CHAN_HELLO_LEN bytes) for a new handshake.  now_ns is
 * the wall clock; the timestamp sent is max(now_ns, last + 1).
 */
int chan_client_hello(
    struct chan_client *c, uint64_t now_ns, uint8_t out[CHAN_HELLO_LEN]);

/*
 * Takes the answer to our HELLO: a WELCOME completes the session; a REJECT
 * sets *rej.  Returns 0 or -1 with *rej set (CHAN_REJ_* for the reason,
 * ours or fleetd's; *from_peer tells which).
 */
int chan_client_welcome(struct chan_client *c, const uint8_t *frame, size_t len,
    uint64_t now_ms, enum chan_reject *rej, bool *from_peer);

/*
 * Seals payload into a DATA frame: out must hold len + CHAN_DATA_HDR +
 * NOISE_TAG_LEN bytes.  Needs a session (chan_client_ready or not: a
 * session past rekey time still works until fleetd refuses it).
 */
int chan_client_seal(struct chan_client *c, const uint8_t *payload, size_t len,
    uint8_t *out, size_t *outlen);

/*
 * Opens the answer to the last DATA: a REPLY answering exactly that
 * counter.  pt must hold len bytes.  Returns 0, or -1 with *rej set as
 * chan_client_welcome.
 */
int chan_client_open(struct chan_client *c, const uint8_t *frame, size_t len,
    uint8_t *pt, size_t *ptlen, enum chan_reject *rej, bool *from_peer);

/* ---- responder (fleetd) ---------------------------------------------- */

struct chan_peer {
	uint8_t pub[NOISE_KEY_LEN];
	uint64_t last_ts; /* newest HELLO timestamp accepted */
	unsigned cur;     /* which of its two slots holds the newest session */
};

struct chan_server_conf {
	const uint8_t *priv;                  /* our static private key */
	const uint8_t (*keys)[NOISE_KEY_LEN]; /* allowlist, copied */
	size_t nkeys;
	enum chan_endpoint endpoint;
	uint64_t hello_skew_ms; /* 0 for CHAN_HELLO_SKEW_MS */
	chan_clock_cb clock;    /* NULL for the system's wall clock */
	void *clock_arg;
};

#define CHAN_MAX_PEERS (1u << 19) /* allowlist size: session index bits */

struct chan_server {
	enum chan_endpoint endpoint;
	uint8_t priv[NOISE_KEY_LEN], pub[NOISE_KEY_LEN];
	uint8_t mac1_key[NOISE_KEY_LEN];
	uint64_t skew_ns;
	chan_clock_cb clock;
	void *clock_arg;
	size_t npeers;
	struct chan_peer *peers;       /* npeers, owned */
	struct chan_session *sessions; /* 2 per peer: current, previous */
	uint32_t *table; /* key -> 1 + peer index, 0 empty; mask + 1 slots */
	size_t mask;
	uint8_t table_key[16]; /* SipHash key: no chosen collisions */
};

/*
 * Sets up a responder with conf's static key and allowlist (nkeys keys of
 * 32 bytes).  Peer i is reported as i; if a key is listed twice, its
 * first index.  nkeys may be 0.  Reads the clock once: every key's last
 * HELLO timestamp starts at (now - skew).  Returns 0, or -1 if nkeys is
 * above CHAN_MAX_PEERS (then s needs no chan_server_fini()).
 */
int chan_server_init(
    struct chan_server *s, const struct chan_server_conf *conf);
void chan_server_fini(struct chan_server *s);

struct chan_rx {
	int kind;         /* CHAN_HELLO or CHAN_DATA */
	size_t peer;      /* allowlist index */
	uint32_t session; /* local index, for chan_server_seal */
	uint64_t counter; /* DATA: its counter */
	size_t ptlen;     /* DATA: payload length in pt */
	bool has_key;     /* HELLO: the initiator's static key is known */
	uint8_t key[NOISE_KEY_LEN]; /* (also when refused: to enroll it) */
};

/* Finds pub on the allowlist (a hash table lookup): true and *peer. */
bool chan_server_lookup(
    const struct chan_server *s, const uint8_t *pub, size_t *peer);

/*
 * Handles one incoming frame.  HELLO: answers with a WELCOME in out; its
 * timestamp is checked against conf->clock (CHAN_REJ_CLOCK, CHAN_REJ_STALE).
 * DATA: the payload is written to pt (which must hold len bytes); answer
 * it with chan_server_seal().  On refusal returns -1 with *rej set and a
 * REJECT frame in out.  In all cases *outlen is the frame to send (0 for
 * DATA: the application replies).  out must hold CHAN_WELCOME_LEN bytes.
 */
int chan_server_recv(struct chan_server *s, const uint8_t *frame, size_t len,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *pt, uint8_t *out,
    size_t *outlen, enum chan_reject *rej);

/*
 * A HELLO in three steps, for a caller that does the Diffie-Hellman
 * outside the lock that guards s (chan_server_recv() runs all three):
 * _check (length, version, mac1: one HMAC, no DH) and _open (Noise
 * message 1 and 2, the allowlist, the clock skew) only read what
 * chan_server_init() wrote; _accept, under the caller's lock, refuses a
 * timestamp not newer than the last one of that key (CHAN_REJ_STALE: of
 * two copies of one HELLO opened at once, only the first is accepted),
 * installs the session and writes the WELCOME (CHAN_WELCOME_LEN bytes) to
 * out.  Each returns 0 or -1 with *rej set; _open fills rx as
 * chan_server_recv() does (the key even when refused).  h is wiped by a
 * failed _open and by _accept.
 */
struct chan_hello {
	size_t peer;
	uint64_t ts; /* the HELLO's timestamp, ns */
	uint32_t peer_index;
	uint8_t send_key[NOISE_KEY_LEN], recv_key[NOISE_KEY_LEN];
	uint8_t welcome[CHAN_WELCOME_LEN]; /* Noise message 2 at offset 12 */
};

int chan_server_hello_check(const struct chan_server *s, const uint8_t *frame,
    size_t len, enum chan_reject *rej);
int chan_server_hello_open(const struct chan_server *s, const uint8_t *frame,
    size_t len, struct chan_hello *h, struct chan_rx *rx,
    enum chan_reject *rej);
int chan_server_hello_accept(struct chan_server *s, struct chan_hello *h,
    uint64_t now_ms, struct chan_rx *rx, uint8_t *out, enum chan_reject *rej);

/*
 * Seals the answer to DATA counter `answers` on session index into a
 * REPLY: out must hold len + CHAN_REPLY_HDR + NOISE_TAG_LEN bytes.
 * Returns -1 if the session is gone (replaced by newer handshakes, or
 * found expired and wiped by chan_server_recv).
 */
int chan_server_seal(struct chan_server *s, uint32_t session, uint64_t answers,
    const uint8_t *payload, size_t len, uint8_t *out, size_t *outlen);

/* Writes a REJECT frame (CHAN_REJECT_LEN bytes). */
void chan_reject_frame(enum chan_reject r, uint8_t out[CHAN_REJECT_LEN]);

/* Replay window (exposed for tests): true if counter is fresh, and marks it. */
bool chan_replay_check(struct chan_replay *r, uint64_t counter);

#endif /* FLEET_COMMON_CHANNEL_H */
