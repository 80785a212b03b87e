/* SPDX-License-Identifier: ISC */
/*
 * agent/logline: exact result counts on every fixture, a table of named
 * cases (each stamp format, tags, relay forms, statuses, caps), the year
 * rollover of RFC 3164 stamps, and every prefix of every fixture line.
 * Each line is parsed from a heap copy of exactly its length, so ASan
 * catches a read past len.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../agent/logline.h"

#define NOW_2026 1795900000 /* 2026-11-28T21:06:40Z */

#define SENT_MSG                                                               \
	"90709A721F5: to=<x2@ok.test>, relay=127.0.0.2[127.0.0.2]:2525, "      \
	"delay=0.19, delays=0.07/0.09/0.01/0.01, dsn=2.0.0, status=sent "      \
	"(250 2.0.0 Ok: queued as B2BD0A720B0)"
#define SENT_TEXT "250 2.0.0 Ok: queued as B2BD0A720B0"
#define DEF_TEXT                                                               \
	"host 127.0.0.3[127.0.0.3] said: 451 4.7.650 The mail server "         \
	"[127.0.0.1] has been temporarily rate limited due to IP "             \
	"reputation. For e-mail delivery information, see "                    \
	"https://aka.ms/postmaster (S775) (in reply to RCPT TO command)"
#define DEF_MSG                                                                \
	"DC1BEA72072: to=<g3@sink451.test>, relay=127.0.0.3[127.0.0.3]:2525, " \
	"delay=20, delays=20/0.01/0/0.01, dsn=4.7.650, status=deferred "       \
	"(" DEF_TEXT ")"
#define TAG     "vm postfix-out/smtp[15609]: "
#define T_SENT  1795864977 /* 2026-11-28T11:22:57Z */
#define T_DEF   1795865012 /* 2026-11-28T11:23:32Z */
#define ZERO    (-1)
#define R_LOCAL "relay-out postfix/local[77]: 1A2B3C4D5E: to=<root@relay.test>"

struct ll_count {
	int by[STATUS_LAST + 1]; /* [STATUS_UNSPEC]: lines that are not */
	int errors;
};

struct ll_case {
	const char *name;
	const char *line;
	int rv;
	enum delivery_status status;
	int64_t time; /* 0: not checked, as for every NULL below */
	uint32_t usec;
	const char *qid, *rcpt, *domain, *host, *addr, *dsn, *text;
	const char *sname, *service;
	int port;       /* 0: not checked; ZERO: expect 0 */
	int64_t delay;  /* ms; 0: not checked */
	unsigned flags; /* ctx */
	const char *filter;
};

static struct logline_ctx
ctx_default(void)
{
	struct logline_ctx c = {.year = 2026, .now = NOW_2026};

	return (c);
}

/* Parses a heap copy of exactly len bytes. */
static int
parse(const char *line, size_t len, const struct logline_ctx *ctx,
    struct logline_result *r, const char **errstr)
{
	char *copy = malloc(len > 0 ? len : 1); /* no NUL */
	int rv;

	assert_non_null(copy);
	memcpy(copy, line, len);
	*errstr = NULL;
	rv = logline_parse(copy, len, ctx, r, errstr);
	if (rv == -1)
		assert_non_null(*errstr);
	/* the borrowed pointers point into copy: check them before free */
	if (rv == 1) {
		assert_true(
		    r->text >= copy && r->text + r->textlen <= copy + len);
		assert_true(
		    r->rcptlen == 0 ||
		    (r->rcpt >= copy && r->rcpt + r->rcptlen <= copy + len));
	}
	free(copy);
	return (rv);
}

static FILE *
fixture(const char *name)
{
	const char *src = getenv("FLEET_SRCDIR");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s",
	    src != NULL ? src : ".", name);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	return (f);
}

static void
count_file(const char *name, const struct logline_ctx *ctx, struct ll_count *c)
{
	static char line[16384];
	struct logline_result r;
	const char *errstr;
	FILE *f = fixture(name);
	int rv;

	memset(c, 0, sizeof(*c));
	while (fgets(line, sizeof(line), f) != NULL) {
		rv = parse(line, strcspn(line, "\n"), ctx, &r, &errstr);
		if (rv == -1)
			c->errors++;
		else
			c->by[rv == 1 ? r.status : STATUS_UNSPEC]++;
	}
	fclose(f);
}

static void
expect_counts(const char *name, const char *filter, int sent, int deferred,
    int bounced, int expired, int other, int errors)
{
	struct logline_ctx ctx = ctx_default();
	struct ll_count c;

	ctx.syslog_name = filter;
	count_file(name, &ctx, &c);
	print_message("%s: sent=%d deferred=%d bounced=%d expired=%d "
	              "other=%d errors=%d\n",
	    name, c.by[STATUS_SENT], c.by[STATUS_DEFERRED],
	    c.by[STATUS_BOUNCED], c.by[STATUS_EXPIRED], c.by[STATUS_UNSPEC],
	    c.errors);
	assert_int_equal(c.by[STATUS_SENT], sent);
	assert_int_equal(c.by[STATUS_DEFERRED], deferred);
	assert_int_equal(c.by[STATUS_BOUNCED], bounced);
	assert_int_equal(c.by[STATUS_EXPIRED], expired);
	assert_int_equal(c.by[STATUS_UNSPEC], other);
	assert_int_equal(c.errors, errors);
}

/*
 * Counted by hand and by grep ", status=WORD": the -1 lines are the
 * journalctl -o json and -o cat ones, which have no syslog header.
 */
static void
test_fixtures(void **state)
{
	(void)state;
	expect_counts("postfix-samples.log", NULL, 6, 32, 4, 2, 145, 2);
	/* minus postfix-in/discard and the 3 synthetic "postfix/" lines */
	expect_counts(
	    "postfix-samples.log", "postfix-out", 5, 30, 3, 2, 149, 2);
	expect_counts("syslog-traditional.log", NULL, 1, 4, 0, 0, 13, 0);
	expect_counts("syslog-rfc3339.log", NULL, 1, 4, 0, 0, 13, 0);
	expect_counts("syslog-rfc5424.log", NULL, 1, 1, 0, 0, 8, 0);
	expect_counts("syslog-rfc5424-slash.log", NULL, 0, 3, 0, 0, 5, 0);
	expect_counts("journal_formats.txt", NULL, 0, 10, 0, 0, 7, 2);
	expect_counts("journal_formats.txt", "postfix-out", 0, 10, 0, 0, 7, 2);
	expect_counts("journal_formats.txt", "postfix-in", 0, 0, 0, 0, 17, 2);
}

static const struct ll_case cases[] = {
    {.name = "rfc3164",
        .line = "Nov 28 11:22:57 " TAG SENT_MSG,
        .rv = 1,
        .status = STATUS_SENT,
        .time = T_SENT,
        .qid = "90709A721F5",
        .rcpt = "x2@ok.test",
        .domain = "ok.test",
        .host = "127.0.0.2",
        .addr = "127.0.0.2",
        .port = 2525,
        .dsn = "2.0.0",
        .delay = 190,
        .text = SENT_TEXT,
        .sname = "postfix-out",
        .service = "smtp"},
    {.name = "rfc3164 space-padded day",
        .line = "Nov  8 11:22:57 " TAG SENT_MSG,
        .rv = 1,
        .time = T_SENT - 20 * 86400},
    {.name = "rfc3164 short-precise",
        .line = "Nov 28 11:23:32.390379 " TAG DEF_MSG,
        .rv = 1,
        .status = STATUS_DEFERRED,
        .time = T_DEF,
        .usec = 390379,
        .dsn = "4.7.650",
        .delay = 20000,
        .text = DEF_TEXT},
    {.name = "rfc3164 with <PRI>",
        .line = "<22>Nov 28 11:22:57 " TAG SENT_MSG,
        .rv = 1,
        .time = T_SENT},
    {.name = "rfc3339 micro +00:00",
        .line = "2026-11-28T11:22:57.739602+00:00 " TAG SENT_MSG,
        .rv = 1,
        .time = T_SENT,
        .usec = 739602},
    {.name = "rfc3339 short-iso +0000",
        .line = "2026-11-28T11:23:32+0000 " TAG DEF_MSG,
        .rv = 1,
        .time = T_DEF},
    {.name = "rfc3339 short-iso-precise",
        .line = "2026-11-28T11:23:32.391233+0000 " TAG DEF_MSG,
        .rv = 1,
        .time = T_DEF,
        .usec = 391233},
    {.name = "rfc3339 Z, nanoseconds",
        .line = "2026-11-28T11:23:32.123456789Z " TAG DEF_MSG,
        .rv = 1,
        .time = T_DEF,
        .usec = 123456},
    {.name = "rfc3339 +02:00",
        .line = "2026-11-28T13:23:32+02:00 " TAG DEF_MSG,
        .rv = 1,
        .time = T_DEF},
    {.name = "short-unix",
        .line = "1795865012.390379 " TAG DEF_MSG,
        .rv = 1,
        .time = T_DEF,
        .usec = 390379},
    {.name = "rfc5424 app cut at /",
        .line = "<22>1 2026-11-28T11:22:57.739602+00:00 vm postfix-out 15609 "
                "- -  " SENT_MSG,
        .rv = 1,
        .time = T_SENT,
        .qid = "90709A721F5",
        .sname = "postfix-out",
        .service = ""},
    {.name = "rfc5424 app with /",
        .line = "<22>1 2026-11-28T11:23:32.921962+00:00 vm postfix-out/smtp "
                "15611 - -  " DEF_MSG,
        .rv = 1,
        .time = T_DEF,
        .sname = "postfix-out",
        .service = "smtp"},
    {.name = "rfc5424 structured data, BOM, nil stamp",
        .line =
            "<22>1 - vm postfix/smtp 1 ID47 [ex@1 a=\"x\\\"]\"][b@2 c=\"\"] "
            "\xef\xbb\xbf" SENT_MSG,
        .rv = 1,
        .time = NOW_2026,
        .sname = "postfix",
        .service = "smtp"},
    {.name = "rfc5424 other message",
        .line = "<22>1 2026-11-28T11:22:55.564214+00:00 vm postfix-out 15403 "
                "- -  statistics: start interval Nov 28 11:22:08",
        .rv = 0},
    {.name = "three-part syslog_name",
        .line = "Nov 28 11:17:38 mx-in postfix-in/clientblock/discard[13838]: "
                "3C352A7219C: to=<a@ok.test>, relay=none, delay=0.39, "
                "delays=0.26/0.13/0/0, dsn=2.0.0, status=sent (accepted and "
                "discarded by mx-in.test)",
        .rv = 1,
        .sname = "postfix-in/clientblock",
        .service = "discard",
        .host = "none",
        .addr = "",
        .port = ZERO,
        .text = "accepted and discarded by mx-in.test"},
    {.name = "filter takes instance/sub",
        .line = "Nov 28 11:17:38 mx-in postfix-in/clientblock/discard[13838]: "
                "3C352A7219C: to=<a@ok.test>, relay=none, status=sent (x)",
        .rv = 1,
        .filter = "postfix-in"},
    {.name = "filter drops other instance",
        .line = "Nov 28 11:22:57 " TAG SENT_MSG,
        .rv = 0,
        .filter = "postfix-in"},
    {.name = "filter is not a bare prefix",
        .line = "Nov 28 11:22:57 " TAG SENT_MSG,
        .rv = 0,
        .filter = "postfix"},
    {.name = "tag without pid",
        .line = "Nov 28 11:22:57 vm postfix/smtp: " SENT_MSG,
        .rv = 1,
        .sname = "postfix",
        .service = "smtp"},
    {.name = "relay=none connect refused",
        .line = "Nov 28 11:17:38 relay-out postfix-out/smtp[13795]: "
                "2DE08A7218F: to=<h@refused.test>, relay=none, delay=0.15, "
                "delays=0.04/0.11/0/0, dsn=4.4.1, status=deferred (connect to "
                "127.0.0.4[127.0.0.4]:2525: Connection refused)",
        .rv = 1,
        .status = STATUS_DEFERRED,
        .host = "none",
        .addr = "",
        .port = ZERO,
        .dsn = "4.4.1",
        .delay = 150,
        .text = "connect to 127.0.0.4[127.0.0.4]:2525: Connection refused"},
    {.name = "error(8) delivery temporarily suspended",
        .line = "Nov 28 11:24:04 relay-out postfix-out/error[16116]: "
                "BAE94A724A4: to=<4u@refused.test>, relay=none, delay=1.7, "
                "delays=0.09/1.6/0/0, dsn=4.4.1, status=deferred (delivery "
                "temporarily suspended: connect to 127.0.0.4[127.0.0.4]:2525: "
                "Connection refused)",
        .rv = 1,
        .status = STATUS_DEFERRED,
        .service = "error",
        .delay = 1700,
        .text = "delivery temporarily suspended: connect to "
                "127.0.0.4[127.0.0.4]:2525: Connection refused"},
    {.name = "local with orig_to",
        .line = "Nov 28 11:40:00 " R_LOCAL ", orig_to=<postmaster>, "
                "relay=local, delay=0.01, delays=0/0/0/0, dsn=2.0.0, "
                "status=sent (delivered to mailbox)",
        .rv = 1,
        .rcpt = "root@relay.test",
        .domain = "relay.test",
        .host = "local",
        .port = ZERO,
        .text = "delivered to mailbox"},
    {.name = "lmtp over a unix socket",
        .line =
            "Nov 28 11:40:00 h postfix/lmtp[9]: 4F9D0R3bHNz1Ryr: "
            "to=<u@example.org>, relay=mail.example.org[private/dovecot-lmtp], "
            "delay=0.1, dsn=2.0.0, status=sent (250 2.0.0 <u@example.org> "
            "Saved)",
        .rv = 1,
        .qid = "4F9D0R3bHNz1Ryr",
        .host = "mail.example.org",
        .addr = "private/dovecot-lmtp",
        .port = ZERO},
    {.name = "IPv6 relay",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@gmail.com>, "
                "relay=gmail-smtp-in.l.google.com[2a00:1450:400c:c0b::1b]:25, "
                "conn_use=3, delay=1, dsn=2.0.0, status=sent (250 ok)",
        .rv = 1,
        .host = "gmail-smtp-in.l.google.com",
        .addr = "2a00:1450:400c:c0b::1b",
        .port = 25,
        .delay = 1000},
    {.name = "IPv6 relay with ipv6: prefix",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=mx.x.test[IPv6:2001:db8::25]:25, status=sent (250 ok)",
        .rv = 1,
        .addr = "2001:db8::25",
        .port = 25},
    {.name = "upper case domain and host are lowered",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: "
                "to=<Bob@Example.COM>, relay=MX.Example.COM[192.0.2.1]:25, "
                "status=sent (250 ok)",
        .rv = 1,
        .rcpt = "Bob@Example.COM",
        .domain = "example.com",
        .host = "mx.example.com"},
    {.name = "empty recipient",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<>, "
                "relay=none, status=bounced (no recipient)",
        .rv = 1,
        .status = STATUS_BOUNCED,
        .rcpt = "",
        .domain = ""},
    {.name = "quoted local part with @ and >",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: "
                "to=<\"a>b@c\"@d.test>, relay=none, status=sent (ok)",
        .rv = 1,
        .rcpt = "\"a>b@c\"@d.test",
        .domain = "d.test"},
    {.name = "status=expired from qmgr",
        .line = "Nov 28 11:22:07 relay-out postfix-out/qmgr[13190]: "
                "ACC76A7217E: from=<sender@ok.test>, status=expired, returned "
                "to sender",
        .rv = 1,
        .status = STATUS_EXPIRED,
        .qid = "ACC76A7217E",
        .rcpt = "",
        .domain = "",
        .host = "",
        .dsn = "",
        .text = "returned to sender"},
    {.name = "status=force-expired",
        .line = "Nov 28 11:18:30 relay-out postfix-out/qmgr[13190]: "
                "2DE08A7218F: from=<sender@ok.test>, status=force-expired, "
                "returned to sender",
        .rv = 1,
        .status = STATUS_EXPIRED,
        .text = "returned to sender"},
    {.name = "soft_bounce",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, dsn=5.1.1, status=SOFTBOUNCE (host said: 550 no)",
        .rv = 1,
        .status = STATUS_DEFERRED},
    {.name = "nested and unbalanced parentheses",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, status=bounced (550 :-( no (S1) (in reply to "
                "RCPT TO command))\r",
        .rv = 1,
        .text = "550 :-( no (S1) (in reply to RCPT TO command)"},
    {.name = "dsn that is not one is dropped",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, dsn=32 Th, status=deferred (x)",
        .rv = 1,
        .dsn = ""},
    {.name = "journalctl -o cat with MSG_ONLY",
        .line = DEF_MSG,
        .rv = 1,
        .time = NOW_2026,
        .sname = "",
        .flags = LOGLINE_F_MSG_ONLY},
    {.name = "journalctl -o cat without MSG_ONLY", .line = DEF_MSG, .rv = -1},
    {.name = "address verification probe",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=mx[192.0.2.1]:25, status=deliverable (250 ok)",
        .rv = 0},
    {.name = "qmgr queue active",
        .line = "Nov 28 11:22:57 vm postfix-out/qmgr[15584]: 90709A721F5: "
                "from=<sender@ok.test>, size=258, nrcpt=2 (queue active)",
        .rv = 0},
    {.name = "smtpd NOQUEUE reject",
        .line = "Nov 28 11:17:38 mx-in postfix-in/smtpd[13811]: NOQUEUE: "
                "reject: RCPT from localhost[127.0.0.1]: 451 4.7.650 x; "
                "from=<s@ok.test> to=<b@r.test> proto=ESMTP helo=<r.test>",
        .rv = 0},
    {.name = "other program",
        .line = "Nov 28 11:40:00 h sshd[1]: Accepted publickey for root",
        .rv = 0},
    {.name = "garbage", .line = "\x01\x02\xff garbage ((( <<<", .rv = 0},
    {.name = "empty", .line = "", .rv = 0},
    {.name = "garbage with a status",
        .line = "hello, status=sent (x)",
        .rv = -1},
    {.name = "bad month", .line = "Foo 28 11:22:57 " TAG SENT_MSG, .rv = -1},
    {.name = "bad day", .line = "Nov 31 11:22:57 " TAG SENT_MSG, .rv = -1},
    {.name = "bad hour",
        .line = "2026-11-28T24:22:57Z " TAG SENT_MSG,
        .rv = -1},
    {.name = "no tag colon",
        .line = "Nov 28 11:22:57 vm postfix/smtp " SENT_MSG,
        .rv = -1},
    {.name = "unterminated response",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, status=deferred (host said: 451 (S775) try later",
        .rv = -1},
    {.name = "no response text",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, status=deferred",
        .rv = -1},
    {.name = "text after the response",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, status=sent (250 ok) trailing",
        .rv = -1},
    {.name = "unknown status",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, status=teleported (x)",
        .rv = -1},
    {.name = "unterminated recipient",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test "
                "relay=none, status=sent (x)",
        .rv = -1},
    {.name = "bad port",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=mx[192.0.2.1]:99999, status=sent (x)",
        .rv = -1},
    {.name = "bad relay brackets",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=mx[192.0.2.1:25, status=sent (x)",
        .rv = -1},
    {.name = "bad delay",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x.test>, "
                "relay=none, delay=fast, status=sent (x)",
        .rv = -1},
    {.name = "control byte in domain",
        .line = "Nov 28 11:40:00 h postfix/smtp[9]: 1A2B3C: to=<u@x\x01.test>, "
                "relay=none, status=sent (x)",
        .rv = -1},
};

static void
check_str(const char *name, const char *field, const char *want,
    const char *got, size_t gotlen)
{
	if (want == NULL)
		return;
	if (strlen(want) != gotlen || memcmp(want, got, gotlen) != 0)
		fail_msg("%s: %s: want \"%s\", got \"%.*s\"", name, field, want,
		    (int)gotlen, got);
}

static void
check_int(const char *name, const char *field, int64_t want, int64_t got)
{
	if (want != got)
		fail_msg("%s: %s: want %lld, got %lld", name, field,
		    (long long)want, (long long)got);
}

static void
check_result(const struct ll_case *c, const struct logline_result *r)
{
	if (c->status != STATUS_UNSPEC)
		check_int(c->name, "status", c->status, r->status);
	if (c->time != 0)
		check_int(c->name, "time", c->time, r->time);
	if (c->usec != 0)
		check_int(c->name, "usec", c->usec, r->usec);
	if (c->port != 0)
		check_int(c->name, "port", c->port == ZERO ? 0 : c->port,
		    r->relay_port);
	if (c->delay != 0)
		check_int(c->name, "delay", c->delay, (int64_t)r->delay_ms);
	check_str(c->name, "qid", c->qid, r->queue_id, strlen(r->queue_id));
	check_str(c->name, "rcpt", c->rcpt, r->rcpt, r->rcptlen);
	check_str(c->name, "domain", c->domain, r->domain, strlen(r->domain));
	check_str(
	    c->name, "host", c->host, r->relay_host, strlen(r->relay_host));
	check_str(
	    c->name, "addr", c->addr, r->relay_addr, strlen(r->relay_addr));
	check_str(c->name, "dsn", c->dsn, r->dsn, strlen(r->dsn));
	check_str(c->name, "text", c->text, r->text, r->textlen);
	check_str(c->name, "syslog_name", c->sname, r->syslog_name,
	    r->syslog_namelen);
	check_str(c->name, "service", c->service, r->service, r->servicelen);
}

static void
test_cases(void **state)
{
	struct logline_ctx ctx;
	struct logline_result r;
	const char *errstr;
	size_t i;
	int rv;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ll_case *c = &cases[i];
		size_t len = strlen(c->line);
		char *copy =
		    malloc(len > 0 ? len : 1); /* exactly len, no NUL */

		assert_non_null(copy);
		memcpy(copy, c->line, len);
		ctx = ctx_default();
		ctx.flags = c->flags;
		ctx.syslog_name = c->filter;
		rv = logline_parse(copy, len, &ctx, &r, &errstr);
		if (rv != c->rv)
			fail_msg("%s: want %d, got %d (%s)", c->name, c->rv, rv,
			    rv == -1 ? errstr : "-");
		if (rv == 1)
			check_result(c, &r);
		free(copy);
	}
}

/* A line for test_caps: "<qid>: to=<u@<domain>>, relay=<host>, dsn=.." */
static int
parse_built(const char *qid, const char *domain, const char *host,
    const char *dsn, const char **errstr)
{
	struct logline_ctx ctx = ctx_default();
	struct logline_result r;
	char line[2048];

	snprintf(line, sizeof(line),
	    "Nov 28 11:40:00 h postfix/smtp[9]: %s: to=<u@%s>, relay=%s, "
	    "dsn=%s, status=sent (ok)",
	    qid, domain, host, dsn);
	return (parse(line, strlen(line), &ctx, &r, errstr));
}

static void
test_caps(void **state)
{
	char at[LOGLINE_DOMAIN_MAX + 2], over[LOGLINE_DOMAIN_MAX + 2];
	char qid[LOGLINE_QID_MAX + 2], qover[LOGLINE_QID_MAX + 2];
	char ipv[LOGLINE_HOST_MAX + 16];
	const char *errstr;

	(void)state;
	memset(at, 'a', LOGLINE_DOMAIN_MAX);
	at[LOGLINE_DOMAIN_MAX] = '\0';
	memset(over, 'a', LOGLINE_DOMAIN_MAX + 1);
	over[LOGLINE_DOMAIN_MAX + 1] = '\0';
	memset(qid, 'A', LOGLINE_QID_MAX);
	qid[LOGLINE_QID_MAX] = '\0';
	memset(qover, 'A', LOGLINE_QID_MAX + 1);
	qover[LOGLINE_QID_MAX + 1] = '\0';
	assert_int_equal(parse_built(qid, at, at, "2.0.0", &errstr), 1);
	assert_int_equal(parse_built(qid, over, "none", "2.0.0", &errstr), -1);
	assert_string_equal(errstr, "malformed recipient domain");
	assert_int_equal(parse_built(qid, "x", over, "2.0.0", &errstr), -1);
	assert_string_equal(errstr, "malformed relay");
	assert_int_equal(parse_built(qover, "x", "none", "2.0.0", &errstr), -1);
	assert_string_equal(errstr, "queue id too long");
	assert_int_equal(
	    parse_built(qid, "x", "none", "1.2.34567890123", &errstr), 1);
	assert_int_equal(
	    parse_built(qid, "x", "none", "1.2.345678901234", &errstr), -1);
	assert_string_equal(errstr, "malformed dsn");
	snprintf(ipv, sizeof(ipv), "mx[%s]:25", over);
	assert_int_equal(parse_built(qid, "x", ipv, "2.0.0", &errstr), -1);
}

static int64_t
stamp_at(const char *stamp, int year, int64_t now, long tz)
{
	struct logline_ctx ctx = {.year = year, .now = now, .tz_offset = tz};
	struct logline_result r;
	const char *errstr;
	char line[1024];

	snprintf(line, sizeof(line), "%s " TAG SENT_MSG, stamp);
	assert_int_equal(parse(line, strlen(line), &ctx, &r, &errstr), 1);
	return (r.time);
}

static void
test_year(void **state)
{
	(void)state;
	/* a December line read just after New Year is last year's */
	assert_int_equal(
	    stamp_at("Dec 31 23:59:59", 2027, 1798762200, 0), 1798761599);
	/* a writer clock a little ahead of ours at New Year */
	assert_int_equal(
	    stamp_at("Jan  1 00:00:05", 2026, 1798761598, 0), 1798761605);
	/* year 0: the year of now */
	assert_int_equal(stamp_at("Nov 28 11:22:57", 0, NOW_2026, 0), T_SENT);
	/* now 0: the year as given, no rollover */
	assert_int_equal(stamp_at("Dec 31 23:59:59", 2026, 0, 0), 1798761599);
	/* Feb 29 of a leap year */
	assert_int_equal(
	    stamp_at("Feb 29 12:00:00", 2028, 1835481600, 0), 1835438400);
	/* local time one hour east of UTC */
	assert_int_equal(
	    stamp_at("Nov 28 12:22:57", 2026, NOW_2026, 3600), T_SENT);
	/* a line from the future beyond the slip goes back a year */
	assert_int_equal(
	    stamp_at("Nov 28 11:22:57", 2026, T_SENT - 3 * 86400, 0),
	    T_SENT - 365 * 86400);
}

/* Every prefix of every fixture line: no crash, no read past the end. */
static void
test_prefixes(void **state)
{
	static const char *files[] = {
	    "postfix-samples.log", "journal_formats.txt", "syslog-rfc5424.log"};
	static char line[16384];
	struct logline_ctx ctx = ctx_default();
	struct logline_result r;
	const char *errstr;
	size_t i, n, len;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		f = fixture(files[i]);
		while (fgets(line, sizeof(line), f) != NULL) {
			len = strcspn(line, "\n");
			for (n = 0; n <= len; n++)
				parse(line, n, &ctx, &r, &errstr);
		}
		fclose(f);
	}
}

/* Random bytes around a status= token: only -1, 0 or 1. */
static void
test_noise(void **state)
{
	struct logline_ctx ctx = ctx_default();
	struct logline_result r;
	const char *errstr;
	char line[256];
	uint32_t x = 12345;
	size_t i, j, len;
	int rv;

	(void)state;
	for (i = 0; i < 20000; i++) {
		len = 16 + i % 200;
		for (j = 0; j < len; j++) {
			x = x * 1103515245 + 12345;
			line[j] = " <>[]():,=@0aZ\n\x01\xff"[(x >> 16) % 18];
		}
		memcpy(line + len / 2, ", status=", 9);
		rv = parse(line, len, &ctx, &r, &errstr);
		assert_true(rv >= -1 && rv <= 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixtures),
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_caps),
	    cmocka_unit_test(test_year),
	    cmocka_unit_test(test_prefixes),
	    cmocka_unit_test(test_noise),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
