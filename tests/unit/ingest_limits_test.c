/* SPDX-License-Identifier: ISC */
/*
 * What keeps one relay from filling fleetd's disk or stalling it, and a
 * full disk handled honestly:
 *   - the limits' decisions (controller/core_limits.c) on an explicit
 *     clock: the Report and epoch buckets, the size and seq-ahead
 *     refusals, which take no token;
 *   - the store's side: the lookup that tells a resend, each relay's
 *     report counter (kept by inserts, rollbacks and retention; status
 *     reads it), the v2 -> v3 migration on a v2 file built here, and the
 *     file modes (0600, repaired, no link followed);
 *   - end to end, through a real listener, ingest, core and store, with a
 *     real agent connection on 127.0.0.1: Acks, duplicates and the three
 *     kinds of refusal as the agent sees them, and a real full disk (a
 *     2 MiB tmpfs mounted by the test: it fails, not skips, where mount
 *     is not permitted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../controller/config.h"
#include "../../controller/core.h"
#include "../../controller/core_int.h"
#include "../../controller/ingest.h"
#include "../../controller/store.h"
#include "chan_nng.h"
#include "keys.h"
#include "noise.h"
#include "store_fixture.h"
#include "util.h"
#include "wire.h"

#define T0 1000000 /* ms: the limits' clock starts here */

/* ---- the limits' decisions ------------------------------------------------
 */

struct lim {
	struct fleetd_limits l;
	struct core_limits *cl;
	char why[WIRE_DETAIL_MAX + 1];
};

static struct lim *
lim_new(uint64_t rate)
{
	struct lim *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	fleetd_limits_defaults(&x->l);
	x->l.report_rate = rate;
	x->cl = core_limits_new(&x->l, 2, T0);
	return (x);
}

static void
lim_free(struct lim *x)
{
	core_limits_free(x->cl);
	free(x);
}

/* The decision on seq of a known epoch whose highest stored seq is max. */
static enum core_limit
lim_check(struct lim *x, size_t relay, bool known, uint64_t max, uint64_t seq,
    uint64_t now)
{
	struct wire_report r = {.epoch = 7, .seq = seq};
	struct store_seen seen = {
	    .has_epoch = known, .max_seq = known ? max : 0};

	return (core_limits_check(
	    x->cl, relay, &r, &seen, now, x->why, sizeof(x->why)));
}

static void
test_rate_bucket(void **state)
{
	struct lim *x = lim_new(120); /* a token every 500 ms */

	(void)state;
	for (int i = 0; i < 120; i++) /* the burst */
		assert_int_equal(lim_check(x, 0, true, 5, 6, T0), 0);
	assert_int_equal(lim_check(x, 0, true, 5, 6, T0), CORE_LIMIT_RATE);
	assert_false(core_limit_is_final(CORE_LIMIT_RATE));
	assert_non_null(strstr(x->why, "rate limited"));
	assert_non_null(strstr(x->why, "120 reports a minute"));
	assert_non_null(strstr(x->why, "retry later"));
	assert_int_equal(lim_check(x, 1, true, 5, 6, T0), 0); /* per relay */
	assert_int_equal(
	    lim_check(x, 0, true, 5, 6, T0 + 499), CORE_LIMIT_RATE);
	assert_int_equal(lim_check(x, 0, true, 5, 6, T0 + 500), 0);
	assert_int_equal(
	    lim_check(x, 0, true, 5, 6, T0 + 500), CORE_LIMIT_RATE);
	/* a clock that steps back adds nothing (and takes nothing) */
	assert_int_equal(lim_check(x, 0, true, 5, 6, T0), CORE_LIMIT_RATE);
	/* a long silence fills the bucket, no more */
	for (int i = 0; i < 120; i++)
		assert_int_equal(lim_check(x, 0, true, 5, 6, T0 + 3600000), 0);
	assert_int_equal(
	    lim_check(x, 0, true, 5, 6, T0 + 3600000), CORE_LIMIT_RATE);
	lim_free(x);
}

static void
test_epoch_bucket(void **state)
{
	struct lim *x = lim_new(1000);
	uint64_t step = 3600000 / CORE_EPOCHS_PER_HOUR;

	(void)state;
	for (int i = 0; i < CORE_EPOCHS_PER_HOUR; i++) /* huge seq is fine */
		assert_int_equal(lim_check(x, 0, false, 0, UINT64_MAX, T0), 0);
	assert_int_equal(lim_check(x, 0, false, 0, 1, T0), CORE_LIMIT_EPOCHS);
	assert_false(core_limit_is_final(CORE_LIMIT_EPOCHS));
	assert_non_null(strstr(x->why, "new epochs an hour"));
	/* a known epoch goes on; the other relay has its own epochs */
	assert_int_equal(lim_check(x, 0, true, 1, 2, T0), 0);
	assert_int_equal(lim_check(x, 1, false, 0, 1, T0), 0);
	assert_int_equal(
	    lim_check(x, 0, false, 0, 1, T0 + step - 1), CORE_LIMIT_EPOCHS);
	assert_int_equal(lim_check(x, 0, false, 0, 1, T0 + step), 0);
	/* an epoch refused takes no Report token: one token left here */
	x->l.report_rate = 1; /* borrowed: the next refill caps at 1 */
	assert_int_equal(
	    lim_check(x, 0, false, 0, 1, T0 + step), CORE_LIMIT_EPOCHS);
	assert_int_equal(lim_check(x, 0, true, 1, 2, T0 + step), 0);
	assert_int_equal(
	    lim_check(x, 0, true, 1, 2, T0 + step), CORE_LIMIT_RATE);
	lim_free(x);
}

static void
test_final_refusals(void **state)
{
	struct lim *x = lim_new(1);
	char text[3][WIRE_TEXT_MAX + 1];
	struct wire_sample sm[4] = {{.text = text[0]}, {.text = text[1]},
	    {.text = text[2]}, {.text = NULL} /* reads as no text */};
	struct wire_report r = {
	    .epoch = 7, .seq = 1, .n_samples = 4, .samples = sm};
	struct store_seen seen = {0};
	uint64_t max = UINT64_MAX - 10;

	(void)state;
	x->l.max_report_bytes = 4096;
	memset(text, 'x', sizeof(text));
	text[0][2048] = text[1][2048] = '\0';
	text[2][1] = '\0'; /* 4097 bytes: one too many */
	assert_int_equal(
	    core_limits_check(x->cl, 0, &r, &seen, T0, x->why, sizeof(x->why)),
	    CORE_LIMIT_BYTES);
	assert_true(core_limit_is_final(CORE_LIMIT_BYTES));
	assert_string_equal(x->why, "refused: samples hold 4097 bytes of "
	                            "text, over max_report_bytes (4096)");
	text[2][0] = '\0'; /* 4096: at the limit is fine (relay 1 below) */
	x->l.max_seq_ahead = 100;
	assert_int_equal(
	    lim_check(x, 0, true, 10, 111, T0), CORE_LIMIT_SEQ_AHEAD);
	assert_true(core_limit_is_final(CORE_LIMIT_SEQ_AHEAD));
	assert_non_null(strstr(x->why, "seq 111 is more than max_seq_ahead "
	                               "(100) past the last stored seq 10"));
	assert_int_equal(lim_check(x, 0, true, max, UINT64_MAX, T0), 0);
	assert_int_equal(lim_check(x, 0, true, 10, 110, T0), CORE_LIMIT_RATE);
	/* the refusals above took no token: the one token went just now */
	assert_int_equal(
	    core_limits_check(x->cl, 1, &r, &seen, T0, x->why, sizeof(x->why)),
	    0);
	assert_int_equal(lim_check(x, 1, true, 10, 5, T0 + 60000), 0); /* gap */
	lim_free(x);
}

/* ---- the store's side ------------------------------------------------------
 */

static void
seen_of(struct store *s, const char *relay, uint64_t epoch, uint64_t seq,
    struct store_seen *out)
{
	memset(out, 0xa5, sizeof(*out));
	if (store_report_seen(s, relay, epoch, seq, out) == -1)
		fail_msg("store_report_seen: %s", store_errmsg(s));
}

static void
test_report_seen(void **state)
{
	struct fixture *f = *state;
	struct store *s = open_synced(f);
	struct test_report t;
	struct store_seen v;
	bool is_dup;

	seen_of(s, "relay1", 9, 1, &v);
	assert_false(v.is_stored);
	assert_false(v.has_epoch);
	assert_int_equal(v.max_seq, 0);
	report_init(&t, 9, 3);
	assert_false(add_one(s, "relay1", &t.r, 100));
	t.r.seq = 5;
	assert_false(add_one(s, "relay1", &t.r, 101));
	seen_of(s, "relay1", 9, 3, &v);
	assert_true(v.is_stored);
	assert_true(v.has_epoch);
	assert_int_equal(v.max_seq, 5);
	seen_of(s, "relay1", 9, 4, &v); /* a gap */
	assert_false(v.is_stored);
	assert_int_equal(v.max_seq, 5);
	seen_of(s, "relay2", 9, 3, &v); /* another relay's */
	assert_false(v.is_stored || v.has_epoch);
	/* seqs past INT64_MAX are stored negative: still the highest */
	t.r.seq = UINT64_MAX - 1;
	assert_false(add_one(s, "relay1", &t.r, 102));
	t.r.seq = (uint64_t)INT64_MAX + 1;
	assert_false(add_one(s, "relay1", &t.r, 103));
	seen_of(s, "relay1", 9, 6, &v);
	assert_int_equal(v.max_seq, UINT64_MAX - 1);
	/* inside a transaction it sees the transaction's own insert */
	report_init(&t, 10, 1);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_report(s, "relay2", &t.r, 104, &is_dup), 0);
	seen_of(s, "relay2", 10, 1, &v);
	assert_true(v.is_stored);
	store_rollback(s);
	seen_of(s, "relay2", 10, 1, &v);
	assert_false(v.is_stored);
	store_close(s);
}

static uint64_t
status_reports(struct store *s, size_t i)
{
	struct wire_ctl_reply c = {0};
	uint64_t n;

	assert_int_equal(store_relay_status(s, &c), 0);
	assert_true(i < c.n_relays);
	n = c.relays[i].reports;
	wire_ctl_reply_fini(&c);
	return (n);
}

static void
test_report_counter(void **state)
{
	struct fixture *f = *state;
	struct store *s = open_synced(f);
	struct test_report t;
	uint64_t deleted;
	bool is_dup, more;

	for (uint64_t i = 1; i <= 4; i++) {
		report_init(&t, 3, i);
		assert_false(add_one(s, "relay1", &t.r, 100 * i));
	}
	assert_true(
	    add_one(s, "relay1", &t.r, 500)); /* a resend: not counted */
	assert_false(add_one(s, "relay2", &t.r, 500));
	assert_int_equal(status_reports(s, 0), 4);
	assert_int_equal(status_reports(s, 1), 1);
	assert_int_equal(count_of(s, "relay1", NULL), 4);
	/* a rollback takes the increment back with the row */
	report_init(&t, 3, 9);
	assert_int_equal(store_begin(s), 0);
	assert_int_equal(store_add_report(s, "relay1", &t.r, 600, &is_dup), 0);
	store_rollback(s);
	assert_int_equal(status_reports(s, 0), 4);
	/* retention: 100, 200, 300 go, the newest (400) stays */
	assert_int_equal(store_prune(s, 350, 1000, &deleted, &more), 0);
	assert_int_equal(deleted, 3);
	assert_int_equal(status_reports(s, 0), 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM reports WHERE "
	                            "relay = 'relay1'"),
	    1);
	/* status reads the counter, not a count(*) of the rows */
	raw_exec(f, "UPDATE relays SET report_count = 999 "
	            "WHERE name = 'relay2'");
	assert_int_equal(status_reports(s, 1), 999);
	store_close(s);
}

/* Schema version 2 as it was released (v1 + the decisions); never edit. */
static const char test_schema_v2[] =
    TEST_SCHEMA_HEAD(2) TEST_SCHEMA_V1 TEST_SCHEMA_V2
    "INSERT INTO relays (name, ip, agent_key) VALUES"
    "  ('relay1', '192.0.2.1', 'a2V5MQ=='),"
    "  ('relay2', '192.0.2.2', 'a2V5Mg=='),"
    "  ('old', '192.0.2.9', 'b2xk');"
    "INSERT INTO reports (relay, epoch, seq, received_at) VALUES"
    "  ('relay1', 8, 1, 100), ('relay1', 8, 2, 200), ('relay1', 8, 3, 300),"
    "  ('relay2', 4, 1, 100);";

static void
test_migrate_from_v2(void **state)
{
	struct fixture *f = *state;
	struct test_report t;
	struct store *s;
	uint64_t deleted;
	bool more;

	raw_exec(f, test_schema_v2);
	s = open_synced(f);
	assert_int_equal(raw_int(f, "SELECT version FROM schema_version"), 3);
	assert_int_equal(STORE_SCHEMA_VERSION, 3);
	assert_int_equal(raw_int(f, "SELECT report_count FROM relays WHERE "
	                            "name = 'relay1'"),
	    3);
	assert_int_equal(status_reports(s, 0), 3);
	assert_int_equal(status_reports(s, 1), 1);
	assert_int_equal(raw_int(f, "SELECT report_count FROM relays WHERE "
	                            "name = 'old'"),
	    0);
	/* the triggers came with it: inserts, dedup and retention */
	report_init(&t, 8, 3);
	assert_true(add_one(s, "relay1", &t.r, 400));
	t.r.seq = 4;
	assert_false(add_one(s, "relay1", &t.r, 400));
	assert_int_equal(status_reports(s, 0), 4);
	/* 'old' has no report at all: retention still runs */
	assert_int_equal(store_prune(s, 250, 1000, &deleted, &more), 0);
	assert_int_equal(deleted, 2);
	assert_int_equal(status_reports(s, 0), 2);
	store_close(s);
	s = open_ok(f); /* the migrated file reopens as it is */
	assert_int_equal(status_reports(s, 0), 2);
	store_close(s);
}

static mode_t
mode_of(const struct fixture *f, const char *suffix)
{
	char p[192];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", f->path, suffix);
	if (lstat(p, &sb) == -1)
		fail_msg("%s: %s", p, strerror(errno));
	return (sb.st_mode & 07777);
}

static void
touch(const struct fixture *f, const char *suffix, mode_t mode)
{
	char p[192];
	int fd;

	snprintf(p, sizeof(p), "%s%s", f->path, suffix);
	assert_true((fd = open(p, O_WRONLY | O_CREAT, mode)) != -1);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_file_modes(void **state)
{
	struct fixture *f = *state;
	mode_t old = umask(022); /* what a careless service manager gives */
	const char *errstr;
	struct store *s;
	char p[192];

	s = open_synced(f); /* a new file, with -wal and -shm while open */
	assert_int_equal(mode_of(f, ""), 0600);
	assert_int_equal(mode_of(f, "-wal"), 0600);
	assert_int_equal(mode_of(f, "-shm"), 0600);
	assert_string_equal(store_notice(s), "");
	store_close(s);
	/* an older fleetd's file, and companions a crash left behind */
	assert_int_equal(chmod(f->path, 0644), 0);
	touch(f, "-wal", 0666);
	touch(f, "-shm", 0640);
	s = open_synced(f);
	assert_int_equal(mode_of(f, ""), 0600);
	assert_int_equal(mode_of(f, "-wal"), 0600);
	assert_int_equal(mode_of(f, "-shm"), 0600);
	assert_non_null(strstr(store_notice(s), "mode was 0644, set to 0600"));
	assert_non_null(strstr(store_notice(s), "-wal: mode was 0666"));
	assert_non_null(strstr(store_notice(s), "-shm: mode was 0640"));
	store_close(s);
	/* a -wal planted as a link is not followed */
	snprintf(p, sizeof(p), "%s-wal", f->path);
	(void)unlink(p);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(store_open(&s, f->path, &errstr), -1);
	assert_non_null(strstr(errstr, "open-wal"));
	umask(old);
}

/* ---- end to end: agent -> listener -> ingest -> core -> store ---------------
 */

#define E2E_SAMPLES 100 /* x 2048 bytes: 200 KiB of text per big Report */

struct e2e {
	struct fixture f;
	bool is_mounted;
	struct fleetd_config conf;
	struct store *st;
	struct core *core;
	struct ingest *in;
	struct chan_listener *l;
	struct chan_conn *conn;
	uint8_t spriv[KEY_LEN], spub[KEY_LEN], apriv[KEY_LEN], apub[KEY_LEN];
	char url[64];
	char text[WIRE_TEXT_MAX + 1];
	struct wire_sample samples[E2E_SAMPLES];
};

static int
e2e_setup(void **state)
{
	struct e2e *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	snprintf(x->f.dir, sizeof(x->f.dir), "/tmp/ingest_limits.XXXXXX");
	assert_non_null(mkdtemp(x->f.dir));
	snprintf(x->f.path, sizeof(x->f.path), "%s/fleetd.db", x->f.dir);
	noise_keypair(x->spriv, x->spub);
	noise_keypair(x->apriv, x->apub);
	memset(x->text, 'x', WIRE_TEXT_MAX);
	for (size_t i = 0; i < E2E_SAMPLES; i++)
		x->samples[i] = (struct wire_sample){"outlook",
		    CLASS_IP_BLOCKED, STATUS_DEFERRED, "5.7.1", x->text, 1, 2,
		    "mx.example.net"};
	*state = x;
	return (0);
}

/* A port the kernel just handed out (fleetd's listener retries if taken). */
static int
e2e_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int s, port;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(s);
	return (port);
}

/* Loads a fleetd.conf with one relay and extra [fleetd] lines. */
static void
e2e_config(struct e2e *x, const char *extra)
{
	char path[192], key[KEY_B64_LEN + 1], err[512];
	FILE *fp;

	key_encode(key, x->apub);
	snprintf(path, sizeof(path), "%s/fleetd.conf", x->f.dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp,
	    "[fleetd]\nkey_file = /nonexistent\ndatabase = %s\n%s\n"
	    "[relay relay1]\nip = 192.0.2.1\nagent_key = %s\n",
	    x->f.path, extra, key);
	assert_int_equal(fclose(fp), 0);
	if (fleetd_config_load(&x->conf, path, err, sizeof(err)) == -1)
		fail_msg("config: %s", err);
}

/* Starts fleetd's pieces as main.c does, and an agent's connection. */
static void
e2e_start(struct e2e *x, const char *extra)
{
	struct store_relay r = {"relay1", "192.0.2.1", "", "a2V5"};
	struct chan_listener_conf lc = {.endpoint = CHAN_EP_AGENT,
	    .priv = x->spriv,
	    .keys = (const uint8_t(*)[KEY_LEN])x->apub,
	    .nkeys = 1,
	    .handler = ingest_agent_cb};
	const char *errstr;
	char err[512];
	int rv = -1;

	e2e_config(x, extra);
	if (store_open(&x->st, x->f.path, &errstr) == -1)
		fail_msg("store_open: %s", errstr);
	assert_int_equal(store_sync_relays(x->st, &r, 1), 0);
	if (core_start(&x->core, &x->conf, x->st, err, sizeof(err)) == -1)
		fail_msg("core_start: %s", err);
	x->in = ingest_new(&x->conf, x->core);
	lc.arg = x->in;
	lc.url = x->url;
	for (int i = 0; i < 5 && rv == -1; i++) {
		snprintf(
		    x->url, sizeof(x->url), "tcp://127.0.0.1:%d", e2e_port());
		rv = chan_listener_start(&x->l, &lc, err, sizeof(err));
	}
	if (rv == -1)
		fail_msg("listen: %s", err);
	if (chan_conn_open(&x->conn, x->url, CHAN_EP_AGENT, x->apriv, x->spub,
	        err, sizeof(err)) == -1)
		fail_msg("connect: %s", err);
}

static int
e2e_teardown(void **state)
{
	struct e2e *x = *state;

	chan_conn_close(x->conn);
	if (x->core != NULL)
		core_detach(x->core);
	chan_listener_stop(x->l);
	core_stop(x->core);
	ingest_free(x->in);
	store_close(x->st);
	fleetd_config_free(&x->conf);
	if (x->is_mounted && umount2(x->f.dir, MNT_DETACH) == -1)
		fprintf(stderr, "umount %s: %s\n", x->f.dir, strerror(errno));
	return (teardown((void **)&x)); /* frees x: f is its first member */
}

/* Sends Report (epoch, seq) with nsamples samples and decodes the answer. */
static void
e2e_send(struct e2e *x, uint64_t epoch, uint64_t seq, size_t nsamples,
    struct wire_agent_reply *a)
{
	struct wire_report r = {.epoch = epoch,
	    .seq = seq,
	    .interval_start = 1700000000,
	    .interval_end = 1700000010,
	    .n_samples = nsamples,
	    .samples = nsamples > 0 ? x->samples : NULL};
	uint8_t *buf, *resp;
	size_t len, resplen;
	const char *errstr;
	char err[256];

	snprintf(r.agent_version, sizeof(r.agent_version), "test");
	snprintf(r.hostname, sizeof(r.hostname), "mx1.example.net");
	if (wire_report_encode(&r, &buf, &len, &errstr) == -1)
		fail_msg("encode: %s", errstr);
	if (chan_conn_call(x->conn, buf, len, &resp, &resplen, 10000, NULL, err,
	        sizeof(err)) == -1)
		fail_msg("call seq=%llu: %s", (unsigned long long)seq, err);
	free(buf);
	if (wire_agent_reply_decode(a, resp, resplen, &errstr) == -1)
		fail_msg("reply: %s", errstr);
	free(resp);
}

static void
assert_acked(const struct wire_agent_reply *a, uint64_t seq, bool is_dup)
{
	if (a->error[0] != '\0')
		fail_msg("seq=%llu: %s", (unsigned long long)seq, a->error);
	assert_int_equal(a->acked_seq, seq);
	assert_int_equal(a->duplicate, is_dup);
}

static uint64_t
e2e_decided(const struct core_stats *cs)
{
	return (cs->reports + cs->duplicates + cs->rate_limited +
	        cs->epoch_limited + cs->too_large + cs->seq_ahead);
}

/* Stats follow the answers: wait (bounded) for n Reports decided. */
static void
e2e_stats(struct e2e *x, struct core_stats *cs, uint64_t n)
{
	uint64_t deadline = util_now_ms() + 5000;

	do
		core_get_stats(x->core, cs);
	while (e2e_decided(cs) < n && util_now_ms() < deadline);
	assert_int_equal(e2e_decided(cs), n);
}

static void
test_e2e_limits(void **state)
{
	struct e2e *x = *state;
	struct wire_agent_reply a;
	struct core_stats cs;

	e2e_start(x, "report_rate = 3\nmax_report_bytes = 4096\n"
	             "max_seq_ahead = 100\n");
	for (uint64_t seq = 1; seq <= 3; seq++) {
		e2e_send(x, 77, seq, 0, &a);
		assert_acked(&a, seq, false);
	}
	e2e_send(x, 77, 4, 0, &a); /* over the rate: keep it, retry */
	assert_non_null(strstr(a.error, "rate limited"));
	assert_false(a.is_refused);
	e2e_send(x, 77, 2, 0, &a); /* a resend after a lost Ack: free */
	assert_acked(&a, 2, true);
	e2e_send(x, 77, 4, 3, &a); /* 3 x 2048 bytes of text: never */
	assert_true(a.is_refused);
	assert_non_null(strstr(a.error, "over max_report_bytes (4096)"));
	e2e_send(x, 77, 104, 0, &a); /* 101 past seq 3: never */
	assert_true(a.is_refused);
	assert_non_null(strstr(a.error, "max_seq_ahead"));
	e2e_stats(x, &cs, 7);
	assert_int_equal(cs.reports, 3);
	assert_int_equal(cs.duplicates, 1);
	assert_int_equal(cs.rate_limited, 1);
	assert_int_equal(cs.too_large, 1);
	assert_int_equal(cs.seq_ahead, 1);
	assert_int_equal(cs.store_errors, 0);
	assert_int_equal(raw_int(&x->f, "SELECT count(*) FROM reports"), 3);
	assert_int_equal(raw_int(&x->f, "SELECT report_count FROM relays"), 3);
}

/* Fills the file system of dir; returns the filler's path in p. */
static void
e2e_fill(struct e2e *x, char *p, size_t len)
{
	static char block[65536];
	size_t bs = sizeof(block);
	int fd;

	snprintf(p, len, "%s/filler", x->f.dir);
	assert_true((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	while (bs > 0) /* smaller and smaller writes take the last bytes */
		if (write(fd, block, bs) == -1) {
			assert_int_equal(errno, ENOSPC);
			bs /= 2;
		}
	close(fd);
}

static void
test_e2e_disk_full(void **state)
{
	struct e2e *x = *state;
	struct wire_agent_reply a;
	struct core_stats cs;
	char filler[192];

	if (mount("tmpfs", x->f.dir, "tmpfs", 0, "size=2m,mode=0700") == -1)
		fail_msg("mount tmpfs on %s: %s (the test needs root)",
		    x->f.dir, strerror(errno));
	x->is_mounted = true;
	e2e_start(x, "");
	e2e_send(x, 5, 1, 0, &a);
	assert_acked(&a, 1, false);
	e2e_fill(x, filler, sizeof(filler));
	/* 200 KiB of samples need pages the file system no longer has */
	for (int i = 0; i < 3; i++) { /* the agent resends: same answer */
		e2e_send(x, 5, 2, E2E_SAMPLES, &a);
		assert_non_null(
		    strstr(a.error, "store unavailable (disk full)"));
		assert_false(a.is_refused); /* the agent keeps it */
	}
	core_get_stats(x->core, &cs);
	assert_true(cs.store_full >= 3);
	assert_true(cs.store_errors >= cs.store_full);
	assert_int_equal(cs.reports, 1);
	assert_int_equal(raw_int(&x->f, "SELECT count(*) FROM reports"), 1);
	/* space returns: the very next resend is stored and acked */
	assert_int_equal(unlink(filler), 0);
	e2e_send(x, 5, 2, E2E_SAMPLES, &a);
	assert_acked(&a, 2, false);
	e2e_send(x, 5, 2, E2E_SAMPLES, &a);
	assert_acked(&a, 2, true);
	e2e_stats(x, &cs, 3);
	assert_int_equal(cs.reports, 2);
	assert_int_equal(cs.duplicates, 1);
	assert_int_equal(
	    raw_int(&x->f, "SELECT count(*) FROM samples"), E2E_SAMPLES);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rate_bucket),
	    cmocka_unit_test(test_epoch_bucket),
	    cmocka_unit_test(test_final_refusals),
	    cmocka_unit_test_setup_teardown(test_report_seen, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_report_counter, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_migrate_from_v2, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_e2e_limits, e2e_setup, e2e_teardown),
	    cmocka_unit_test_setup_teardown(
	        test_e2e_disk_full, e2e_setup, e2e_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
