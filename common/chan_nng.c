/* SPDX-License-Identifier: ISC */
/*
 * nng transport of the channel (see chan_nng.h).
 *
 * Listener: each struct chan_call owns an nng context, an aio and a state.
 * Its callback runs on nng's threads: RECV -> (handshake: SEND) or (DATA:
 * WAIT until the application answers, then SEND) -> RECV.  The chan_server
 * (sessions, replay windows) is shared by all contexts and guarded by the
 * listener's mtx, held for the AEAD of one DATA or to install a session:
 * a HELLO's Diffie-Hellman runs outside it.  Admission (which connection
 * may stay: sources, caps, deadlines, HELLO buckets) lives in hash tables
 * of pipes and sources under gmtx, fed by nng's pipe events; a reaper aio
 * closes the connections past their deadline.  A call never blocks;
 * chan_listener_stop() closes the socket first, so every pending
 * operation completes with NNG_ECLOSED before the aios are freed.
 */
#include "chan_nng.h"

#include <sys/param.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <sodium.h>

#include "util.h"

#define CHAN_NCTX_DEFAULT  16
#define CHAN_RECONN_MIN_MS 100
#define CHAN_RECONN_MAX_MS 4000 /* redial within seconds of fleetd's return */

/* ---- initiator ------------------------------------------------------- */

struct chan_conn {
	nng_socket sock;
	struct chan_client cli;
};

static int
chan_socket_opts(nng_socket s)
{
	int rv;

	if ((rv = nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, CHAN_MAX_FRAME)) ||
	    (rv = nng_socket_set_ms(
	         s, NNG_OPT_RECONNMINT, CHAN_RECONN_MIN_MS)) ||
	    (rv = nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, CHAN_RECONN_MAX_MS)))
		return (rv);
	return (0);
}

int
chan_conn_open(struct chan_conn **cp, const char *url, enum chan_endpoint ep,
    const uint8_t *priv, const uint8_t *server_pub, char *err, size_t errlen)
{
	struct chan_conn *c = xcalloc(1, sizeof(*c));
	int rv;

	if ((rv = nng_req0_open(&c->sock)) != 0) {
		snprintf(err, errlen, "req socket: %s", nng_strerror(rv));
		free(c);
		return (-1);
	}
	if ((rv = chan_socket_opts(c->sock)) != 0 ||
	    (rv = nng_socket_set_ms(c->sock, NNG_OPT_REQ_RESENDTIME,
	         NNG_DURATION_INFINITE)) != 0 ||
	    (rv = nng_dial(c->sock, url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(err, errlen, "%s: %s", url, nng_strerror(rv));
		nng_close(c->sock);
		free(c);
		return (-1);
	}
	chan_client_init(&c->cli, priv, server_pub, ep);
	*cp = c;
	return (0);
}

void
chan_conn_close(struct chan_conn *c)
{
	if (c == NULL)
		return;
	nng_close(c->sock);
	chan_client_fini(&c->cli);
	free(c);
}

/* One request/reply exchange of raw frames within the deadline. */
static int
chan_conn_xfer(struct chan_conn *c, const uint8_t *frame, size_t len,
    nng_msg **reply, uint64_t deadline, char *err, size_t errlen)
{
	uint64_t now = util_now_ms();
	nng_msg *m;
	int rv;

	if (now >= deadline) {
		snprintf(err, errlen, "timed out");
		return (-1);
	}
	if ((rv = nng_msg_alloc(&m, len)) != 0) {
		snprintf(err, errlen, "%s", nng_strerror(rv));
		return (-1);
	}
	memcpy(nng_msg_body(m), frame, len);
	nng_socket_set_ms(
	    c->sock, NNG_OPT_SENDTIMEO, (nng_duration)(deadline - now));
	if ((rv = nng_sendmsg(c->sock, m, 0)) != 0) {
		nng_msg_free(m);
		snprintf(err, errlen, "send: %s", nng_strerror(rv));
		return (-1);
	}
	now = util_now_ms();
	nng_socket_set_ms(c->sock, NNG_OPT_RECVTIMEO,
	    (nng_duration)(deadline > now ? deadline - now : 1));
	if ((rv = nng_recvmsg(c->sock, reply, 0)) != 0) {
		snprintf(err, errlen, "%s",
		    rv == NNG_ETIMEDOUT ? "timed out waiting for fleetd"
		                        : nng_strerror(rv));
		return (-1);
	}
	return (0);
}

static void
chan_conn_refused(enum chan_reject r, bool from_peer, enum chan_reject *rej,
    char *err, size_t errlen)
{
	if (rej != NULL)
		*rej = r;
	snprintf(err, errlen, "%s: %s",
	    from_peer ? "fleetd refused" : "bad answer", chan_reject_str(r));
}

static int
chan_conn_handshake(struct chan_conn *c, uint64_t deadline,
    enum chan_reject *rej, char *err, size_t errlen)
{
	uint8_t hello[CHAN_HELLO_LEN];
	enum chan_reject r;
	nng_msg *m;
	bool from_peer;
	int rv;

	if (chan_client_hello(&c->cli, util_wall_ns(), hello) == -1) {
		snprintf(err, errlen, "cannot build hello");
		return (-1);
	}
	if (chan_conn_xfer(
	        c, hello, sizeof(hello), &m, deadline, err, errlen) == -1)
		return (-1);
	rv = chan_client_welcome(&c->cli, nng_msg_body(m), nng_msg_len(m),
	    util_now_ms(), &r, &from_peer);
	nng_msg_free(m);
	if (rv == -1)
		chan_conn_refused(r, from_peer, rej, err, errlen);
	return (rv);
}

/* Seals, exchanges and opens one DATA; -2 asks the caller to rekey. */
static int
chan_conn_data(struct chan_conn *c, const uint8_t *req, size_t len,
    uint8_t **resp, size_t *resplen, uint64_t deadline, enum chan_reject *rej,
    char *err, size_t errlen)
{
	uint8_t *frame = xmalloc(len + CHAN_DATA_HDR + NOISE_TAG_LEN), *pt;
	enum chan_reject r;
	size_t flen, ptlen;
	nng_msg *m;
	bool from_peer;

	if (chan_client_seal(&c->cli, req, len, frame, &flen) == -1) {
		free(frame);
		snprintf(err, errlen, "request too large");
		return (-1);
	}
	if (chan_conn_xfer(c, frame, flen, &m, deadline, err, errlen) == -1) {
		free(frame);
		return (-1);
	}
	free(frame);
	pt = xmalloc(nng_msg_len(m) + 1);
	if (chan_client_open(&c->cli, nng_msg_body(m), nng_msg_len(m), pt,
	        &ptlen, &r, &from_peer) == -1) {
		nng_msg_free(m);
		free(pt);
		if (from_peer && r == CHAN_REJ_SESSION) {
			chan_client_reset(&c->cli);
			return (-2);
		}
		chan_conn_refused(r, from_peer, rej, err, errlen);
		return (-1);
	}
	nng_msg_free(m);
	*resp = pt;
	*resplen = ptlen;
	return (0);
}

int
chan_conn_call(struct chan_conn *c, const uint8_t *req, size_t len,
    uint8_t **resp, size_t *resplen, unsigned timeout_ms, enum chan_reject *rej,
    char *err, size_t errlen)
{
	uint64_t deadline = util_now_ms() + timeout_ms;
	int rv = -2;

	if (rej != NULL)
		*rej = CHAN_REJ_NONE;
	/* fleetd may have lost the session (restart): rekey once and retry */
	for (int attempt = 0; attempt < 2 && rv == -2; attempt++) {
		if (!chan_client_ready(&c->cli, util_now_ms()) &&
		    chan_conn_handshake(c, deadline, rej, err, errlen) == -1)
			return (-1);
		rv = chan_conn_data(
		    c, req, len, resp, resplen, deadline, rej, err, errlen);
	}
	if (rv == -2) {
		snprintf(err, errlen, "fleetd refused: %s",
		    chan_reject_str(CHAN_REJ_SESSION));
		if (rej != NULL)
			*rej = CHAN_REJ_SESSION;
		return (-1);
	}
	return (rv);
}

/* ---- responder ------------------------------------------------------- */

#define CHAN_TABLE_MIN     64   /* buckets of the pipe and source tables */
#define CHAN_REAP_MIN_MS   10   /* bounds of the reaper's period */
#define CHAN_REAP_MAX_MS   1000 /* (a quarter of the shorter timeout) */
#define CHAN_REAP_GRACE_MS 1000 /* a closed pipe's record awaits REM_POST */
#define CHAN_REAP_BATCH    64
#define CHAN_RATE_MAX      UINT64_C(1000000000) /* HELLOs/s: no overflow */
#define CHAN_REQ_ID_LEN    4 /* rep0's request id, before our frame */

enum chan_call_state {
	CHAN_CALL_RECV,
	CHAN_CALL_WAIT, /* the application holds the call */
	CHAN_CALL_SEND,
};

struct chan_call {
	struct chan_listener *l;
	nng_ctx ctx;
	nng_aio *aio;
	enum chan_call_state state;
	uint32_t session;
	uint64_t counter;
	uint32_t pipe;   /* the connection the frame came on */
	bool holds_pipe; /* counted in its inflight until RECV again */
};

/* An address; IPv4 as ::ffff:a.b.c.d, so both spellings compare equal. */
struct chan_addr {
	uint8_t b[16];
};

/* A token bucket in thousandths of a token: rate per s, burst 2 * rate. */
struct chan_bucket {
	uint64_t milli;
	uint64_t at_ms;
};

/* A source with open connections, or a HELLO bucket not yet full. */
struct chan_src {
	struct chan_src *next;
	struct chan_addr addr;
	uint64_t conns;
	struct chan_bucket hello;
};

/* An admitted connection (nng pipe) and when the reaper closes it. */
struct chan_pipe {
	struct chan_pipe *next;
	uint32_t id;
	struct chan_src *src;
	uint64_t deadline; /* monotonic ms; UINT64_MAX: none */
	unsigned inflight; /* its frames being answered */
	bool is_authed;    /* a good frame came: idle_timeout applies */
	bool is_closing;   /* closed by the reaper; REM_POST not seen yet */
};

struct chan_listener {
	nng_socket sock;
	nng_mtx *mtx; /* srv */
	struct chan_server srv;
	chan_handler_cb handler;
	chan_reject_cb reject;
	chan_refuse_cb refuse;
	void *arg, *reject_arg;
	size_t ncalls;
	struct chan_call *calls;
	nng_mtx *gmtx; /* stats and admission, all below */
	struct chan_stats stats;
	struct chan_listener_conf lim; /* its numbers only */
	struct chan_addr *allowed;     /* sorted; used if restrict_sources */
	size_t nallowed;
	struct chan_pipe **pipes; /* hash tables, mask + 1 buckets each */
	struct chan_src **srcs;
	size_t mask, nsrcs, max_srcs;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct chan_bucket hello_all;
	nng_aio *reaper;
	nng_duration reap_ms;
};

static void chan_call_cb(void *arg);

static uint64_t
chan_bucket_fill(const struct chan_bucket *b, uint64_t rate, uint64_t now)
{
	uint64_t dt = now - b->at_ms, max = 2 * rate * 1000;

	if (dt > 2000) /* a full refill: keeps the product small */
		dt = 2000;
	return (b->milli + dt * rate > max ? max : b->milli + dt * rate);
}

static void
chan_bucket_init(struct chan_bucket *b, uint64_t rate, uint64_t now)
{
	b->milli = 2 * rate * 1000;
	b->at_ms = now;
}

/* Takes one token if there is one; rate 0: no limit. */
static bool
chan_bucket_take(struct chan_bucket *b, uint64_t rate, uint64_t now)
{
	if (rate == 0)
		return (true);
	b->milli = chan_bucket_fill(b, rate, now);
	b->at_ms = now;
	if (b->milli < 1000)
		return (false);
	b->milli -= 1000;
	return (true);
}

static int
chan_addr_parse(struct chan_addr *a, const char *s)
{
	struct in_addr v4;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, s, a->b) == 1)
		return (0);
	if (inet_pton(AF_INET, s, &v4) != 1)
		return (-1);
	a->b[10] = a->b[11] = 0xff;
	memcpy(a->b + 12, &v4, sizeof(v4));
	return (0);
}

static int
chan_addr_of_pipe(struct chan_addr *a, nng_pipe p)
{
	nng_sockaddr sa;

	memset(a, 0, sizeof(*a));
	if (nng_pipe_get_addr(p, NNG_OPT_REMADDR, &sa) != 0)
		return (-1);
	switch (sa.s_family) {
	case NNG_AF_INET: /* sa_addr is in network order */
		a->b[10] = a->b[11] = 0xff;
		memcpy(a->b + 12, &sa.s_in.sa_addr, 4);
		return (0);
	case NNG_AF_INET6:
		memcpy(a->b, sa.s_in6.sa_addr, sizeof(a->b));
		return (0);
	}
	return (-1);
}

static void
chan_addr_str(const struct chan_addr *a, char *buf, size_t len)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	if (memcmp(a->b, mapped, sizeof(mapped)) == 0)
		inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
}

static int
chan_addr_cmp(const void *x, const void *y)
{
	return (memcmp(x, y, sizeof(struct chan_addr)));
}

static bool
chan_source_allowed(const struct chan_listener *l, const struct chan_addr *a)
{
	return (
	    !l->lim.restrict_sources || bsearch(a, l->allowed, l->nallowed,
	                                    sizeof(*a), chan_addr_cmp) != NULL);
}

/* The link to pipe id's record, or the NULL link ending its chain. */
static struct chan_pipe **
chan_pipe_slot(struct chan_listener *l, uint32_t id)
{
	struct chan_pipe **pp = &l->pipes[(id * 2654435761u) & l->mask];

	while (*pp != NULL && (*pp)->id != id)
		pp = &(*pp)->next;
	return (pp);
}

static struct chan_src **
chan_src_slot(struct chan_listener *l, const struct chan_addr *a)
{
	uint8_t h[crypto_shorthash_BYTES];
	struct chan_src **sp;
	uint64_t v;

	crypto_shorthash(h, a->b, sizeof(a->b), l->hkey);
	memcpy(&v, h, sizeof(v));
	sp = &l->srcs[(size_t)v & l->mask];
	while (*sp != NULL && memcmp(&(*sp)->addr, a, sizeof(*a)) != 0)
		sp = &(*sp)->next;
	return (sp);
}

/* Forgets pipe id (REM_POST, or the reaper found it gone); idempotent. */
static void
chan_pipe_forget(struct chan_listener *l, uint32_t id)
{
	struct chan_pipe **pp = chan_pipe_slot(l, id), *p = *pp;

	if (p == NULL)
		return;
	*pp = p->next;
	p->src->conns--;
	l->stats.connections--;
	free(p);
}

/* Drops sources without connections whose bucket is full: as new ones. */
static void
chan_src_sweep(struct chan_listener *l, uint64_t now)
{
	uint64_t rate = l->lim.hello_rate_per_source;
	struct chan_src **sp, *s;

	for (size_t i = 0; i <= l->mask; i++) {
		sp = &l->srcs[i];
		while ((s = *sp) != NULL) {
			if (s->conns == 0 && chan_bucket_fill(&s->hello, rate,
			                         now) == 2 * rate * 1000) {
				*sp = s->next;
				free(s);
				l->nsrcs--;
			} else
				sp = &s->next;
		}
	}
}

static uint64_t
chan_deadline(uint64_t now, uint64_t ms)
{
	return (ms == 0 ? UINT64_MAX : now + ms);
}

/* The source entry of a, created if there is room; NULL if not. */
static struct chan_src *
chan_src_get(struct chan_listener *l, const struct chan_addr *a, uint64_t now)
{
	struct chan_src **sp = chan_src_slot(l, a);

	if (*sp != NULL)
		return (*sp);
	if (l->nsrcs >= l->max_srcs) {
		chan_src_sweep(l, now);
		if (l->nsrcs >= l->max_srcs)
			return (NULL);
		sp = chan_src_slot(l, a); /* the sweep may have moved it */
	}
	*sp = xcalloc(1, sizeof(**sp));
	(*sp)->addr = *a;
	chan_bucket_init(&(*sp)->hello, l->lim.hello_rate_per_source, now);
	l->nsrcs++;
	return (*sp);
}

/* Admits pipe id from a (under gmtx): NULL, or why it is refused. */
static const char *
chan_admit(struct chan_listener *l, uint32_t id, const struct chan_addr *a)
{
	uint64_t now = util_now_ms();
	struct chan_pipe **pp, *p;
	struct chan_src *s;

	if (!chan_source_allowed(l, a)) {
		l->stats.conn_refused_source++;
		return ("source address not allowed");
	}
	if ((l->lim.max_connections != 0 &&
	        l->stats.connections >= l->lim.max_connections) ||
	    (s = chan_src_get(l, a, now)) == NULL) {
		l->stats.conn_refused_cap++;
		return ("too many connections");
	}
	if (l->lim.max_per_source != 0 && s->conns >= l->lim.max_per_source) {
		l->stats.conn_refused_per_source++;
		return ("too many connections from this address");
	}
	if (*(pp = chan_pipe_slot(l, id)) != NULL)
		return (NULL); /* known already: nng ids are unique */
	p = *pp = xcalloc(1, sizeof(*p));
	p->id = id;
	p->src = s;
	p->deadline = chan_deadline(now, l->lim.handshake_timeout_ms);
	s->conns++;
	l->stats.connections++;
	l->stats.conn_accepted++;
	return (NULL);
}

/*
 * nng tells of each new connection before the socket uses it (ADD_PRE:
 * closing it there refuses it) and of each closed one (REM_POST, also
 * for those refused).  Runs on nng's threads.
 */
static void
chan_pipe_cb(nng_pipe np, nng_pipe_ev ev, void *arg)
{
	struct chan_listener *l = arg;
	char src[INET6_ADDRSTRLEN] = "-";
	const char *why;
	struct chan_addr a;
	int rv;

	if (ev != NNG_PIPE_EV_ADD_PRE && ev != NNG_PIPE_EV_REM_POST)
		return;
	rv = ev == NNG_PIPE_EV_ADD_PRE ? chan_addr_of_pipe(&a, np) : 0;
	nng_mtx_lock(l->gmtx);
	if (ev == NNG_PIPE_EV_REM_POST) {
		chan_pipe_forget(l, nng_pipe_id(np));
		why = NULL;
	} else if (rv == -1) {
		l->stats.conn_refused_source++;
		why = "no peer address";
	} else
		why = chan_admit(l, nng_pipe_id(np), &a);
	nng_mtx_unlock(l->gmtx);
	if (why == NULL)
		return;
	nng_pipe_close(np);
	if (l->refuse != NULL) {
		if (rv == 0)
			chan_addr_str(&a, src, sizeof(src));
		l->refuse(l->reject_arg, src, why);
	}
}

/* Takes a HELLO token of pipe's source and a global one: false if none. */
static bool
chan_hello_admit(struct chan_listener *l, uint32_t pipe)
{
	uint64_t now = util_now_ms();
	struct chan_pipe *p;
	bool ok;

	nng_mtx_lock(l->gmtx);
	p = *chan_pipe_slot(l, pipe);
	ok = (p == NULL || chan_bucket_take(&p->src->hello,
	                       l->lim.hello_rate_per_source, now)) &&
	     chan_bucket_take(&l->hello_all, l->lim.hello_rate, now);
	nng_mtx_unlock(l->gmtx);
	return (ok);
}

/*
 * Collects up to max pipes past their deadline (under gmtx), counting
 * each the first time; those closed before are retried until nng has
 * forgotten them, in case their REM_POST came before their record.  A
 * pipe with an answer in flight waits: nng 1.5.2 can hang for good when
 * a pipe is closed while a send on it starts (nng issue 1543), and
 * chan_call_hold() lets no new frame of an expired pipe in.
 */
static size_t
chan_reap_collect(struct chan_listener *l, uint32_t *ids, size_t max)
{
	uint64_t now = util_now_ms();
	struct chan_pipe *p;
	size_t n = 0;

	nng_mtx_lock(l->gmtx);
	for (size_t i = 0; i <= l->mask && n < max; i++) {
		for (p = l->pipes[i]; p != NULL && n < max; p = p->next) {
			if (p->deadline > now ||
			    (!p->is_closing && p->inflight > 0))
				continue;
			if (!p->is_closing && p->is_authed)
				l->stats.conn_closed_idle++;
			else if (!p->is_closing)
				l->stats.conn_closed_handshake++;
			p->is_closing = true;
			p->deadline = now + CHAN_REAP_GRACE_MS;
			ids[n++] = p->id;
		}
	}
	nng_mtx_unlock(l->gmtx);
	return (n);
}

/* Closes connections past their deadline; runs every reap_ms. */
static void
chan_reap_cb(void *arg)
{
	struct chan_listener *l = arg;
	uint32_t ids[CHAN_REAP_BATCH];
	nng_pipe np;
	size_t n;

	if (nng_aio_result(l->reaper) != 0)
		return; /* stopped */
	nng_mtx_lock(l->gmtx);
	chan_src_sweep(l, util_now_ms());
	nng_mtx_unlock(l->gmtx);
	do {
		n = chan_reap_collect(l, ids, CHAN_REAP_BATCH);
		for (size_t i = 0; i < n; i++) {
			np.id = ids[i];
			if (nng_pipe_close(np) != NNG_ENOENT)
				continue;
			nng_mtx_lock(l->gmtx);
			chan_pipe_forget(l, ids[i]);
			nng_mtx_unlock(l->gmtx);
		}
	} while (n == CHAN_REAP_BATCH);
	nng_sleep_aio(l->reap_ms, l->reaper);
}

/*
 * Counts the frame call received in its pipe's inflight; false (drop it,
 * answer nothing) if that pipe is past its deadline.
 */
static bool
chan_call_hold(struct chan_call *call, uint32_t pipe)
{
	struct chan_listener *l = call->l;
	struct chan_pipe *p;
	bool ok = true;

	nng_mtx_lock(l->gmtx);
	if ((p = *chan_pipe_slot(l, pipe)) != NULL) {
		if ((ok = !p->is_closing && p->deadline > util_now_ms())) {
			p->inflight++;
			call->pipe = pipe;
			call->holds_pipe = true;
		}
	}
	nng_mtx_unlock(l->gmtx);
	return (ok);
}

static void
chan_call_recv(struct chan_call *call)
{
	struct chan_listener *l = call->l;
	struct chan_pipe *p;

	if (call->holds_pipe) {
		nng_mtx_lock(l->gmtx);
		if ((p = *chan_pipe_slot(l, call->pipe)) != NULL)
			p->inflight--;
		nng_mtx_unlock(l->gmtx);
		call->holds_pipe = false;
	}
	call->state = CHAN_CALL_RECV;
	nng_ctx_recv(call->ctx, call->aio);
}

/* Sends a raw frame (copied); on allocation failure goes back to RECV. */
static void
chan_call_send(struct chan_call *call, const uint8_t *frame, size_t len)
{
	nng_msg *m;

	if (nng_msg_alloc(&m, len) != 0) {
		chan_call_recv(call);
		return;
	}
	memcpy(nng_msg_body(m), frame, len);
	call->state = CHAN_CALL_SEND;
	nng_aio_set_msg(call->aio, m);
	nng_ctx_send(call->ctx, call->aio);
}

/*
 * A HELLO: mac1, then the rate limits, then the Diffie-Hellman outside
 * the lock that DATA needs, which is taken only to install the session.
 */
static int
chan_call_hello(struct chan_listener *l, uint32_t pipe, const uint8_t *f,
    size_t len, struct chan_rx *rx, uint8_t *out, enum chan_reject *rej)
{
	struct chan_hello h;
	int rv = -1;

	memset(rx, 0, sizeof(*rx));
	if (chan_server_hello_check(&l->srv, f, len, rej) == -1)
		goto out;
	if (!chan_hello_admit(l, pipe)) {
		*rej = CHAN_REJ_BUSY;
		goto out;
	}
	if (chan_server_hello_open(&l->srv, f, len, &h, rx, rej) == -1)
		goto out;
	nng_mtx_lock(l->mtx);
	rv = chan_server_hello_accept(&l->srv, &h, util_now_ms(), rx, out, rej);
	nng_mtx_unlock(l->mtx);
out:
	if (rv == -1)
		chan_reject_frame(*rej, out);
	return (rv);
}

/* Counts a frame's fate; a good one moves its pipe's deadline. */
static void
chan_call_count(struct chan_listener *l, uint32_t pipe, int rv,
    enum chan_reject rej, const struct chan_rx *rx)
{
	struct chan_pipe *p;

	nng_mtx_lock(l->gmtx);
	if (rv == -1) {
		l->stats.rejected[rej]++;
		if (rej == CHAN_REJ_BUSY)
			l->stats.hello_rate_limited++;
	} else {
		if (rx->kind == CHAN_HELLO)
			l->stats.handshakes++;
		else
			l->stats.requests++;
		if ((p = *chan_pipe_slot(l, pipe)) != NULL && !p->is_closing) {
			p->is_authed = true;
			p->deadline = chan_deadline(
			    util_now_ms(), l->lim.idle_timeout_ms);
		}
	}
	nng_mtx_unlock(l->gmtx);
}

static void
chan_call_frame(struct chan_call *call, nng_msg *m)
{
	struct chan_listener *l = call->l;
	uint8_t out[CHAN_WELCOME_LEN], *pt = NULL;
	const uint8_t *f = nng_msg_body(m);
	size_t len = nng_msg_len(m), outlen = CHAN_REJECT_LEN;
	uint32_t pipe = nng_pipe_id(nng_msg_get_pipe(m));
	enum chan_reject rej;
	struct chan_rx rx;
	int rv;

	if (!chan_call_hold(call, pipe)) {
		nng_msg_free(m);
		chan_call_recv(call);
		return;
	}
	if (len >= 1 && f[0] == CHAN_HELLO) {
		rv = chan_call_hello(l, pipe, f, len, &rx, out, &rej);
		if (rv == 0)
			outlen = CHAN_WELCOME_LEN;
	} else {
		pt = xmalloc(len + 1);
		nng_mtx_lock(l->mtx);
		rv = chan_server_recv(&l->srv, f, len, util_now_ms(), &rx, pt,
		    out, &outlen, &rej);
		nng_mtx_unlock(l->mtx);
	}
	chan_call_count(l, pipe, rv, rej, &rx);
	nng_msg_free(m);
	if (rv == -1 && l->reject != NULL)
		l->reject(l->reject_arg, rej, &rx);
	if (rv == -1 || rx.kind == CHAN_HELLO) {
		free(pt);
		chan_call_send(call, out, outlen);
		return;
	}
	call->state = CHAN_CALL_WAIT;
	call->session = rx.session;
	call->counter = rx.counter;
	l->handler(l->arg, call, rx.peer, pt, rx.ptlen);
	free(pt);
}

static void
chan_call_cb(void *arg)
{
	struct chan_call *call = arg;
	int rv = nng_aio_result(call->aio);

	if (rv != 0) {
		if (call->state == CHAN_CALL_SEND)
			nng_msg_free(nng_aio_get_msg(call->aio));
		if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
			return;
		chan_call_recv(call);
		return;
	}
	switch (call->state) {
	case CHAN_CALL_RECV:
		chan_call_frame(call, nng_aio_get_msg(call->aio));
		break;
	case CHAN_CALL_SEND:
		chan_call_recv(call);
		break;
	case CHAN_CALL_WAIT:
		break;
	}
}

void
chan_call_reply(struct chan_call *call, const uint8_t *payload, size_t len)
{
	struct chan_listener *l = call->l;
	uint8_t *frame = xmalloc(len + CHAN_REPLY_HDR + NOISE_TAG_LEN);
	size_t flen;
	int rv;

	nng_mtx_lock(l->mtx);
	rv = chan_server_seal(
	    &l->srv, call->session, call->counter, payload, len, frame, &flen);
	nng_mtx_unlock(l->mtx);
	if (rv == -1) {
		nng_mtx_lock(l->gmtx);
		l->stats.rejected[CHAN_REJ_SESSION]++;
		nng_mtx_unlock(l->gmtx);
		chan_reject_frame(CHAN_REJ_SESSION, frame);
		flen = CHAN_REJECT_LEN;
	}
	chan_call_send(call, frame, flen);
	free(frame);
}

uint64_t
chan_call_counter(const struct chan_call *call)
{
	return (call->counter);
}

static int
chan_listener_calls(struct chan_listener *l, unsigned n)
{
	int rv;

	l->calls = xcalloc(n, sizeof(*l->calls));
	for (unsigned i = 0; i < n; i++) {
		struct chan_call *call = &l->calls[i];

		call->l = l;
		if ((rv = nng_aio_alloc(&call->aio, chan_call_cb, call)) != 0)
			return (rv);
		if ((rv = nng_ctx_open(&call->ctx, l->sock)) != 0) {
			nng_aio_free(call->aio);
			call->aio = NULL;
			return (rv);
		}
		l->ncalls++;
	}
	return (0);
}

/* The admission state: allowed sources, tables, buckets, the reaper. */
static int
chan_listener_guard(struct chan_listener *l,
    const struct chan_listener_conf *conf, char *err, size_t errlen)
{
	uint64_t t = conf->handshake_timeout_ms;
	size_t n = CHAN_TABLE_MIN;

	l->lim = *conf;
	l->lim.hello_rate = MIN(conf->hello_rate, CHAN_RATE_MAX);
	l->lim.hello_rate_per_source =
	    MIN(conf->hello_rate_per_source, CHAN_RATE_MAX);
	l->allowed = xcalloc(conf->nsources, sizeof(*l->allowed));
	for (l->nallowed = 0; l->nallowed < conf->nsources; l->nallowed++) {
		if (chan_addr_parse(&l->allowed[l->nallowed],
		        conf->sources[l->nallowed]) == -1) {
			snprintf(err, errlen, "not an IP address: %s",
			    conf->sources[l->nallowed]);
			return (-1);
		}
	}
	qsort(l->allowed, l->nallowed, sizeof(*l->allowed), chan_addr_cmp);
	while (n < conf->max_connections && n < (1u << 20))
		n *= 2;
	l->mask = n - 1;
	l->pipes = xcalloc(n, sizeof(*l->pipes));
	l->srcs = xcalloc(n, sizeof(*l->srcs));
	l->max_srcs =
	    conf->max_connections != 0 ? 2 * conf->max_connections : SIZE_MAX;
	randombytes_buf(l->hkey, sizeof(l->hkey));
	chan_bucket_init(&l->hello_all, l->lim.hello_rate, util_now_ms());
	if (t == 0 || (conf->idle_timeout_ms != 0 && conf->idle_timeout_ms < t))
		t = conf->idle_timeout_ms;
	l->reap_ms = (nng_duration)MAX(CHAN_REAP_MIN_MS,
	    MIN(t == 0 ? CHAN_REAP_MAX_MS : t / 4, CHAN_REAP_MAX_MS));
	if (nng_aio_alloc(&l->reaper, chan_reap_cb, l) != 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

static int
chan_listener_open(struct chan_listener *l,
    const struct chan_listener_conf *conf, unsigned nctx)
{
	size_t max = conf->recv_max != 0 ? conf->recv_max : CHAN_MAX_FRAME;
	int rv;

	if ((rv = chan_socket_opts(l->sock)) != 0 ||
	    (rv = nng_socket_set_size(
	         l->sock, NNG_OPT_RECVMAXSZ, max + CHAN_REQ_ID_LEN)) != 0 ||
	    (rv = nng_pipe_notify(
	         l->sock, NNG_PIPE_EV_ADD_PRE, chan_pipe_cb, l)) != 0 ||
	    (rv = nng_pipe_notify(
	         l->sock, NNG_PIPE_EV_REM_POST, chan_pipe_cb, l)) != 0 ||
	    (rv = chan_listener_calls(l, nctx)) != 0 ||
	    (rv = nng_listen(l->sock, conf->url, NULL, 0)) != 0)
		return (rv);
	return (0);
}

int
chan_listener_start(struct chan_listener **lp,
    const struct chan_listener_conf *conf, char *err, size_t errlen)
{
	struct chan_listener *l = xcalloc(1, sizeof(*l));
	unsigned n = conf->nctx != 0 ? conf->nctx : CHAN_NCTX_DEFAULT;
	struct chan_server_conf sc = {.priv = conf->priv,
	    .keys = conf->keys,
	    .nkeys = conf->nkeys,
	    .endpoint = conf->endpoint,
	    .hello_skew_ms = conf->hello_skew_ms};
	int rv;

	l->handler = conf->handler;
	l->reject = conf->reject;
	l->refuse = conf->refuse;
	l->arg = conf->arg;
	l->reject_arg = conf->reject_arg;
	if (chan_server_init(&l->srv, &sc) == -1) {
		snprintf(err, errlen, "%zu keys: at most %u are allowed",
		    conf->nkeys, CHAN_MAX_PEERS);
		goto fail;
	}
	if ((rv = nng_mtx_alloc(&l->mtx)) != 0 ||
	    (rv = nng_mtx_alloc(&l->gmtx)) != 0 ||
	    (rv = nng_rep0_open(&l->sock)) != 0) {
		snprintf(err, errlen, "rep socket: %s", nng_strerror(rv));
		goto fail;
	}
	if (chan_listener_guard(l, conf, err, errlen) == -1)
		goto fail;
	if ((rv = chan_listener_open(l, conf, n)) != 0) {
		snprintf(err, errlen, "%s: %s", conf->url, nng_strerror(rv));
		goto fail;
	}
	for (size_t i = 0; i < l->ncalls; i++)
		chan_call_recv(&l->calls[i]);
	nng_sleep_aio(l->reap_ms, l->reaper);
	*lp = l;
	return (0);
fail:
	chan_listener_stop(l);
	return (-1);
}

/* Frees what chan_listener_guard() built; nng has closed every pipe. */
static void
chan_listener_unguard(struct chan_listener *l)
{
	struct chan_pipe *p;
	struct chan_src *s;

	for (size_t i = 0; l->pipes != NULL && i <= l->mask; i++) {
		while ((p = l->pipes[i]) != NULL) {
			l->pipes[i] = p->next;
			free(p);
		}
	}
	for (size_t i = 0; l->srcs != NULL && i <= l->mask; i++) {
		while ((s = l->srcs[i]) != NULL) {
			l->srcs[i] = s->next;
			free(s);
		}
	}
	free(l->pipes);
	free(l->srcs);
	free(l->allowed);
	l->pipes = NULL;
	l->srcs = NULL;
	l->allowed = NULL;
}

void
chan_listener_stop(struct chan_listener *l)
{
	if (l == NULL)
		return;
	/* the reaper first: it must not close pipes while nng_close()
	 * takes the socket down */
	if (l->reaper != NULL)
		nng_aio_stop(l->reaper);
	nng_close(l->sock); /* pending operations end with NNG_ECLOSED */
	for (size_t i = 0; i < l->ncalls; i++)
		nng_aio_stop(l->calls[i].aio);
	for (size_t i = 0; i < l->ncalls; i++)
		nng_aio_free(l->calls[i].aio);
	free(l->calls);
	if (l->reaper != NULL)
		nng_aio_free(l->reaper);
	chan_listener_unguard(l);
	chan_server_fini(&l->srv);
	if (l->mtx != NULL)
		nng_mtx_free(l->mtx);
	if (l->gmtx != NULL)
		nng_mtx_free(l->gmtx);
	free(l);
}

void
chan_listener_stats(struct chan_listener *l, struct chan_stats *st)
{
	nng_mtx_lock(l->gmtx);
	*st = l->stats;
	nng_mtx_unlock(l->gmtx);
}
