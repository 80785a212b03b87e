/* SPDX-License-Identifier: ISC */
/*
 * The channel of channel.h carried over nng req0/rep0 on tcp://.
 *
 * Initiators (fleet-agent, fleetctl) use a struct chan_conn: a blocking,
 * single-threaded request/reply call with a deadline that handshakes (and
 * rekeys) as needed.  nng's own REQ resend is off: a call that times out is
 * retried by the application, under a new counter.
 *
 * The responder (fleetd) runs a struct chan_listener: a rep0 socket served
 * by a pool of nng contexts, each driven by its aio callback on nng's
 * threads.  Handshakes are answered there; each authenticated DATA payload
 * goes to the application's handler with a struct chan_call, which the
 * application answers exactly once with chan_call_reply(), from any thread
 * and at any later time (fleetd answers after its sqlite commit).
 *
 * The listener also decides who may hold a connection (docs/protocol.md,
 * "Connection limits"): only allowed source addresses, at most max_connections
 * in all and max_per_source from one address; it closes a connection that sends
 * no good frame (a HELLO answered with a WELCOME, or an accepted DATA) within
 * handshake_timeout_ms of connecting, or none for idle_timeout_ms afterwards;
 * and it answers HELLOs beyond hello_rate (all sources) or
 * hello_rate_per_source (per second, bursts of twice that) with CHAN_REJ_BUSY
 * before any Diffie-Hellman.  A zero limit is no limit.
 *
 * Initiators set NNG_OPT_RECVMAXSZ to CHAN_MAX_FRAME, the listener to its
 * recv_max; reconnect backoff is 100 ms .. 4 s; dials are non-blocking.
 * This module does not log: refusals reach the application through its
 * reject and refuse callbacks.
 */
#ifndef FLEET_COMMON_CHAN_NNG_H
#define FLEET_COMMON_CHAN_NNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channel.h"

struct chan_conn;

/*
 * Creates a connection to url (tcp://host:port), fleetd's endpoint ep,
 * with our static private key and fleetd's public key.  The dial happens
 * in the background.  Returns 0 or -1 with a message in err.
 */
int chan_conn_open(struct chan_conn **cp, const char *url,
    enum chan_endpoint ep, const uint8_t *priv, const uint8_t *server_pub,
    char *err, size_t errlen);

/* Closes the socket and wipes the keys; accepts NULL. */
void chan_conn_close(struct chan_conn *c);

/*
 * Sends req (len bytes) and waits up to timeout_ms for the answer, doing a
 * handshake first when there is no fresh session.  On success *resp is a
 * malloc'd buffer (caller frees) of *resplen bytes.  On failure returns -1
 * with err set ("timed out", "fleetd refused: key not allowed", ...) and,
 * if rej is not NULL, *rej to the refusal reason (CHAN_REJ_NONE for
 * transport errors and timeouts).  May block up to timeout_ms.
 */
int chan_conn_call(struct chan_conn *c, const uint8_t *req, size_t len,
    uint8_t **resp, size_t *resplen, unsigned timeout_ms, enum chan_reject *rej,
    char *err, size_t errlen);

struct chan_listener;
struct chan_call;

/*
 * Handler for an authenticated request: peer is the allowlist index of the
 * sender; payload (len bytes) is borrowed for the duration of the call.
 * The handler must eventually call chan_call_reply(call, ...) once.
 * Runs on an nng thread: it must not block.
 */
typedef void (*chan_handler_cb)(void *arg, struct chan_call *call, size_t peer,
    const uint8_t *payload, size_t len);

/*
 * Told of every refused frame; rx->has_key and rx->key identify the sender
 * of a HELLO refused for its key.  Runs on an nng thread; must not block.
 */
typedef void (*chan_reject_cb)(
    void *arg, enum chan_reject rej, const struct chan_rx *rx);

/*
 * Told of every connection refused when it opens: source is the peer's
 * address as text ("-" if unknown), why a short reason.  Runs on an nng
 * thread; must not block.
 */
typedef void (*chan_refuse_cb)(void *arg, const char *source, const char *why);

struct chan_listener_conf {
	const char *url;
	enum chan_endpoint endpoint;          /* which door this is */
	uint64_t hello_skew_ms;               /* 0 for CHAN_HELLO_SKEW_MS */
	const uint8_t *priv;                  /* our static private key */
	const uint8_t (*keys)[NOISE_KEY_LEN]; /* allowlist */
	size_t nkeys;
	unsigned nctx; /* parallel requests, 0 for the default (16) */
	chan_handler_cb handler;
	void *arg;             /* for handler */
	chan_reject_cb reject; /* may be NULL */
	chan_refuse_cb refuse; /* may be NULL */
	void *reject_arg;      /* for reject and refuse */
	size_t recv_max;       /* largest frame, bytes; 0 for CHAN_MAX_FRAME */
	/* admission (see the top of this file); 0 is no limit */
	bool restrict_sources;      /* only sources[] may connect */
	const char *const *sources; /* IPv4 or IPv6 literals, nsources */
	size_t nsources;
	uint64_t max_connections, max_per_source;
	uint64_t handshake_timeout_ms, idle_timeout_ms;
	uint64_t hello_rate, hello_rate_per_source; /* per second */
};

/*
 * Listens and starts serving.  Returns 0 or -1 with a message in err
 * (also for more than CHAN_MAX_PEERS keys or a source that is not an IP
 * address).  conf and what it points to are borrowed for the call only.
 */
int chan_listener_start(struct chan_listener **lp,
    const struct chan_listener_conf *conf, char *err, size_t errlen);

/*
 * Stops serving and frees the listener; calls not yet answered are
 * dropped (the peers time out and retry).  Accepts NULL.  Blocks until
 * every callback has returned; never call it from a handler.
 */
void chan_listener_stop(struct chan_listener *l);

/*
 * Answers a call with payload (len bytes, copied).  After it, call is
 * invalid.  If the session died meanwhile the peer gets a REJECT and
 * retries.  May be called from any thread; does not block.
 */
void chan_call_reply(
    struct chan_call *call, const uint8_t *payload, size_t len);

/* The counter of the DATA a call answers (for logs). */
uint64_t chan_call_counter(const struct chan_call *call);

struct chan_stats {
	uint64_t handshakes; /* WELCOMEs sent */
	uint64_t requests;   /* DATA accepted */
	uint64_t rejected[CHAN_REJ_MAX + 1];
	uint64_t connections;             /* open now */
	uint64_t conn_accepted;           /* admitted since the start */
	uint64_t conn_refused_source;     /* not an allowed source */
	uint64_t conn_refused_cap;        /* max_connections reached */
	uint64_t conn_refused_per_source; /* max_per_source reached */
	uint64_t conn_closed_handshake;   /* no good frame in time */
	uint64_t conn_closed_idle;        /* no good frame for idle_timeout */
	uint64_t hello_rate_limited;      /* HELLOs answered CHAN_REJ_BUSY */
};

void chan_listener_stats(struct chan_listener *l, struct chan_stats *st);

#endif /* FLEET_COMMON_CHAN_NNG_H */
