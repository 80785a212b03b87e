/* SPDX-License-Identifier: ISC */
/*
 * The text rules of common/wire_check.h and the three places that apply
 * them: fleetd's decoders (a Report or control message with a bad text is
 * refused, naming the field: the seeds of tests/fuzz/corpus/wire), the
 * agent (a receiver's text from the mail log is sanitized, so an honest
 * agent never cuts a Report fleetd refuses) and fleetctl (what it prints
 * on a terminal and in JSON).  One table of texts drives them all: what a
 * receiver writes in French, German, Russian, Japanese, Chinese, ... and
 * emoji passes untouched; each class of bad text is refused or replaced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../agent/logline.h"
#include "../../agent/tally.h"
#include "../../cli/cli.h"
#include "classify.h"
#include "util.h"
#include "wire.h"
#include "wire_check.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

enum { OK = WIRE_TEXT_OK, U8 = WIRE_TEXT_UTF8, CTL = WIRE_TEXT_CONTROL };

static const struct text_case {
	const char *name, *s;
	int fault;
} text_cases[] = {
    /* what receivers write, and the edges of the code space */
    {"empty", "", OK},
    {"ascii", " !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~", OK},
    {"french", "550 5.1.1 Adresse inconnue : réessayez « boîte pleine » ç", OK},
    {"german", "452 4.2.2 Postfach voll: Empfänger überschreitet Größe", OK},
    {"russian", "550 5.7.1 Сообщение отклонено: адрес заблокирован", OK},
    {"japanese", "550 宛先のメールボックスが見つかりません", OK},
    {"chinese", "550 邮件被拒绝：发件人IP已被列入黑名单", OK},
    {"korean", "550 수신자를 찾을 수 없습니다", OK},
    {"greek", "550 Ο παραλήπτης δεν υπάρχει", OK},
    {"arabic letters", "550 تم رفض الرسالة", OK},
    {"hebrew letters", "550 ההודעה נדחתה", OK},
    {"persian zwnj",
        "می\xe2\x80\x8c"
        "خواهم",
        OK},
    {"devanagari zwj",
        "क्\xe2\x80\x8d"
        "ष",
        OK},
    {"emoji", "450 try later 😀 🚫📧 🇫🇷 ❤️", OK},
    {"emoji zwj sequence",
        "👩\xe2\x80\x8d"
        "💻",
        OK},
    {"nbsp U+00A0",
        "a\xc2\xa0"
        "b",
        OK},
    {"U+07FF", "\xdf\xbf", OK},
    {"U+0800", "\xe0\xa0\x80", OK},
    {"U+2027 beside the separators", "\xe2\x80\xa7", OK},
    {"U+202F beside the overrides", "\xe2\x80\xaf", OK},
    {"U+FFFD", "\xef\xbf\xbd", OK},
    {"U+10000", "\xf0\x90\x80\x80", OK},
    {"U+E0100 variation selector", "\xf3\xa0\x84\x80", OK},
    {"U+10FFFF", "\xf4\x8f\xbf\xbf", OK},
    /* not well-formed UTF-8 */
    {"latin-1",
        "r\xe9"
        "essayez",
        U8},
    {"lone continuation", "a\x80", U8},
    {"overlong slash", "\xc0\xaf", U8},
    {"overlong 2 bytes", "\xc1\xbf", U8},
    {"overlong 3 bytes", "\xe0\x9f\xbf", U8},
    {"overlong 4 bytes", "\xf0\x8f\xbf\xbf", U8},
    {"surrogate D800", "\xed\xa0\x80", U8},
    {"surrogate DFFF", "\xed\xbf\xbf", U8},
    {"surrogate pair (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80", U8},
    {"past U+10FFFF", "\xf4\x90\x80\x80", U8},
    {"lead F5", "\xf5\x80\x80\x80", U8},
    {"5-byte form", "\xf8\x88\x80\x80\x80", U8},
    {"FE FF", "\xfe\xff", U8},
    {"cut at the end", "ok \xf0\x9f\x98", U8},
    {"cut before ascii", "\xe2\x82x", U8},
    /* controls and hidden format characters */
    {"tab", "450\tgreylisted", CTL},
    {"newline", "450 greylisted\n", CTL},
    {"carriage return", "450\rfake", CTL},
    {"escape", "\x1b[2J", CTL},
    {"bell", "a\a", CTL},
    {"del", "a\x7f", CTL},
    {"C1 U+0080", "\xc2\x80", CTL},
    {"C1 NEL", "a\xc2\x85", CTL},
    {"C1 CSI",
        "\xc2\x9b"
        "31m",
        CTL},
    {"C1 U+009F", "\xc2\x9f", CTL},
    {"arabic letter mark", "\xd8\x9c", CTL},
    {"zero width space",
        "pay\xe2\x80\x8b"
        "pal",
        CTL},
    {"LRM", "\xe2\x80\x8e", CTL},
    {"RLM", "\xe2\x80\x8f", CTL},
    {"line separator", "\xe2\x80\xa8", CTL},
    {"paragraph separator", "\xe2\x80\xa9", CTL},
    {"LRE", "\xe2\x80\xaa", CTL},
    {"RLE", "\xe2\x80\xab", CTL},
    {"PDF", "\xe2\x80\xac", CTL},
    {"LRO", "\xe2\x80\xad", CTL},
    {"RLO",
        "invoice\xe2\x80\xae"
        "fdp.exe",
        CTL},
    {"word joiner", "\xe2\x81\xa0", CTL},
    {"invisible times", "\xe2\x81\xa2", CTL},
    {"LRI", "\xe2\x81\xa6", CTL},
    {"RLI", "\xe2\x81\xa7", CTL},
    {"FSI", "\xe2\x81\xa8", CTL},
    {"PDI", "\xe2\x81\xa9", CTL},
    {"deprecated U+206F", "\xe2\x81\xaf", CTL},
    {"BOM",
        "\xef\xbb\xbf"
        "550",
        CTL},
    {"interlinear anchor", "\xef\xbf\xb9", CTL},
    {"interlinear terminator", "\xef\xbf\xbb", CTL},
    {"tag U+E0001", "\xf3\xa0\x80\x81", CTL},
    {"tag U+E007F", "\xf3\xa0\x81\xbf", CTL},
};

/* Code points in s (well-formed UTF-8): the bytes that do not continue. */
static size_t
count_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return (n);
}

/* A Report with one sample carrying text; nothing to release. */
static void
report_with(struct wire_report *r, struct wire_sample *s, char *text)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->epoch = 1;
	r->seq = 1;
	util_strlcpy(
	    r->agent_version, "relayfleet/0.1", sizeof(r->agent_version));
	util_strlcpy(r->hostname, "relay1", sizeof(r->hostname));
	util_strlcpy(s->provider, "outlook", sizeof(s->provider));
	s->cls = CLASS_IP_BLOCKED;
	s->status = STATUS_DEFERRED;
	s->text = text;
	r->n_samples = 1;
	r->samples = s;
}

/* The rules, and the encoder that applies them to a sample's text. */
static void
test_wire_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		struct wire_report r, back;
		struct wire_sample s;
		const char *errstr = NULL, *want;
		uint8_t *buf;
		size_t len;
		int rv, fault = (int)wire_text_scan(c->s, strlen(c->s));

		if (fault != c->fault)
			fail_msg(
			    "%s: scan %d, want %d", c->name, fault, c->fault);
		if (wire_text_ok(c->s, WIRE_TEXT_MAX) != (c->fault == OK))
			fail_msg("%s: wire_text_ok", c->name);
		report_with(&r, &s, (char *)(uintptr_t)c->s);
		rv = wire_report_encode(&r, &buf, &len, &errstr);
		want = c->fault == U8    ? "sample.text utf-8"
		       : c->fault == CTL ? "sample.text charset"
		                         : NULL;
		if (want != NULL) {
			if (rv != -1 || strcmp(errstr, want) != 0)
				fail_msg("%s: encoded (%s)", c->name,
				    rv == 0 ? "ok" : errstr);
			continue;
		}
		if (rv != 0)
			fail_msg("%s: refused: %s", c->name, errstr);
		if (wire_report_decode(&back, buf, len, &errstr) != 0)
			fail_msg("%s: decode: %s", c->name, errstr);
		assert_string_equal(back.samples[0].text, c->s);
		wire_report_fini(&back);
		free(buf);
	}
}

static const struct sanitize_case {
	const char *name;
	const char *in;
	size_t inlen, size;
	const char *out;
} sanitize_cases[] = {
    {"clean", "réessayez 😀", 0, 64, "réessayez 😀"},
    {"controls", "a\tb\r\n\x1b[2J\x7f", 0, 64, "a?b???[2J?"},
    {"nul inside", "a\0b", 3, 64, "a?b"},
    {"latin-1", "caf\xe9", 0, 64, "caf?"},
    {"each bad byte", "\xc0\xaf\xff", 0, 64, "???"},
    {"cut sequence", "a\xe2\x82", 0, 64, "a??"},
    {"c1 and bidi",
        "\xc2\x9b\xe2\x80\xae"
        "x\xe2\x80\x8f",
        0, 64, "??x?"},
    {"tag",
        "\xf3\xa0\x80\x81"
        "a",
        0, 64, "?a"},
    {"full: no split", "ab€", 0, 5, "ab"},
    {"full: room", "ab€", 0, 6, "ab€"},
    {"full: a '?' fits", "ab\xff", 0, 4, "ab?"},
    {"full: the '?' does not", "abc\xff", 0, 4, "abc"},
    {"size 1", "abc", 0, 1, ""},
};

static void
test_sanitize(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(sanitize_cases); i++) {
		const struct sanitize_case *c = &sanitize_cases[i];
		size_t n = c->inlen != 0 ? c->inlen : strlen(c->in), got;
		char out[64], inplace[64];

		memset(out, 'Z', sizeof(out));
		got = wire_text_sanitize(out, c->size, c->in, n);
		if (strcmp(out, c->out) != 0 || got != strlen(c->out))
			fail_msg("%s: \"%s\" (%zu)", c->name, out, got);
		memcpy(inplace, c->in, n); /* dst == src */
		wire_text_sanitize(inplace, c->size, inplace, n);
		if (strcmp(inplace, c->out) != 0)
			fail_msg("%s: in place \"%s\"", c->name, inplace);
	}
	/* every case of the table comes out as a text that passes */
	for (size_t i = 0; i < NITEMS(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		char out[256];

		wire_text_sanitize(out, sizeof(out), c->s, strlen(c->s));
		if (!wire_text_ok(out, sizeof(out) - 1) ||
		    (c->fault == OK) != (strcmp(out, c->s) == 0))
			fail_msg("%s: sanitized to \"%s\"", c->name, out);
	}
}

/* ---- fleetd: the seeds with a bad text are refused, naming the field --- */

static uint8_t *
seed_read(const char *name, size_t *len)
{
	const char *src = getenv("FLEET_SRCDIR");
	char path[512];
	uint8_t *buf = malloc(65536);
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/wire/%s",
	    src != NULL ? src : ".", name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: cannot open (FLEET_SRCDIR?)", path);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return (buf);
}

static const struct seed_case {
	const char *seed, *err; /* err NULL: accepted */
} seed_cases[] = {
    {"report-full", NULL},
    {"report-text-tab", "sample.text charset"},
    {"report-text-esc", "sample.text charset"},
    {"report-text-del", "sample.text charset"},
    {"report-text-c1-csi", "sample.text charset"},
    {"report-text-c1-nel", "sample.text charset"},
    {"report-text-bidi-rlo", "sample.text charset"},
    {"report-text-bidi-isolate", "sample.text charset"},
    {"report-text-lrm", "sample.text charset"},
    {"report-text-zwsp", "sample.text charset"},
    {"report-text-bom", "sample.text charset"},
    {"report-text-line-separator", "sample.text charset"},
    {"report-text-tag", "sample.text charset"},
    {"report-text-latin1", "sample.text utf-8"},
    {"report-text-overlong", "sample.text utf-8"},
    {"report-text-surrogate", "sample.text utf-8"},
    {"report-text-past-10ffff", "sample.text utf-8"},
    {"report-text-cut-sequence", "sample.text utf-8"},
    {"report-text-lone-continuation", "sample.text utf-8"},
    {"ctl-request-drain", NULL},
    {"ctl-request-reason-bidi", "ctl_request.reason charset"},
    {"ctl-request-reason-latin1", "ctl_request.reason utf-8"},
    {"ctl-reply-events", NULL},
    {"ctl-reply-events-counts-c1", "event.counts charset"},
    {"ctl-reply-events-reason-overlong", "event.reason utf-8"},
    {"ctl-reply-events-sample-rlo", "sample.text charset"},
};

static int
seed_decode(
    const char *seed, const uint8_t *buf, size_t len, const char **errstr)
{
	struct wire_report r;
	struct wire_ctl_request q;
	struct wire_ctl_reply c;

	if (strncmp(seed, "report-", 7) == 0) {
		if (wire_report_decode(&r, buf, len, errstr) == -1)
			return (-1);
		wire_report_fini(&r);
	} else if (strncmp(seed, "ctl-request-", 12) == 0) {
		if (wire_ctl_request_decode(&q, buf, len, errstr) == -1)
			return (-1);
		wire_ctl_request_fini(&q);
	} else {
		if (wire_ctl_reply_decode(&c, buf, len, errstr) == -1)
			return (-1);
		wire_ctl_reply_fini(&c);
	}
	return (0);
}

static void
test_seeds_refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(seed_cases); i++) {
		const struct seed_case *c = &seed_cases[i];
		const char *errstr = NULL;
		size_t len;
		uint8_t *buf = seed_read(c->seed, &len);
		int rv = seed_decode(c->seed, buf, len, &errstr);

		if (c->err == NULL ? rv != 0
		                   : rv != -1 || strcmp(errstr, c->err) != 0)
			fail_msg(
			    "%s: %s", c->seed, rv == 0 ? "accepted" : errstr);
		free(buf);
	}
}

/* ---- the agent: a receiver's text from the log becomes a sendable one -- */

#define LOG_HEAD                                                               \
	"Nov 28 11:23:32 vm postfix-out/smtp[15609]: DC1BEA72072: "            \
	"to=<g3@sink451.test>, relay=127.0.0.3[127.0.0.3]:2525, delay=20, "    \
	"delays=20/0.01/0/0.01, dsn=4.7.650, status=deferred ("

/* Parses line, counts it and cuts a Report; returns its one sample text. */
static char *
agent_sample(const char *line)
{
	struct logline_ctx ctx = {.year = 2026, .now = 1795865012};
	struct logline_result lr;
	struct classify *rules;
	struct tally *t = tally_new();
	struct wire_report r = {.epoch = 1, .seq = 1}, back;
	const char *errstr = NULL;
	char err[256], *text;
	uint8_t *buf;
	size_t len;

	assert_int_equal(classify_load(&rules, NULL, err, sizeof(err)), 0);
	assert_int_equal(
	    logline_parse(line, strlen(line), &ctx, &lr, &errstr), 1);
	tally_add_logline(t, rules, &lr);
	tally_fill_report(t, &r);
	util_strlcpy(r.hostname, "relay1", sizeof(r.hostname));
	if (wire_report_encode(&r, &buf, &len, &errstr) == -1)
		fail_msg("the agent cut a Report it cannot send: %s", errstr);
	if (wire_report_decode(&back, buf, len, &errstr) == -1)
		fail_msg("fleetd refuses the agent's Report: %s", errstr);
	assert_int_equal(back.n_samples, 1);
	text = strdup(back.samples[0].text);
	wire_report_fini(&back);
	wire_report_fini(&r);
	free(buf);
	tally_free(t);
	classify_free(rules);
	return (text);
}

static void
test_agent_log_line(void **state)
{
	char line[4096], *text;
	size_t n;

	(void)state;
	text = agent_sample(
	    LOG_HEAD "host mx[127.0.0.3] said: 451 4.7.650 caf\xe9 "
	             "\xe2\x80\xae"
	             "gnp.exe \x1b[31m\xc2\x9b r\xc3\xa9"
	             "essayez \xe2\x80\x8f\xf0\x9f\x98\x80 \xed\xa0\x80 "
	             "(in reply to RCPT TO command))");
	assert_string_equal(text, "host mx[127.0.0.3] said: 451 4.7.650 caf? "
	                          "?gnp.exe ?[31m? réessayez ?😀 ??? "
	                          "(in reply to RCPT TO command)");
	free(text);

	/* a text over WIRE_TEXT_MAX is cut between characters, not inside */
	n = (size_t)snprintf(line, sizeof(line), "%s451 x", LOG_HEAD);
	while (n + 3 < sizeof(line) - 2) {
		memcpy(line + n, "\xc3\xa9", 2);
		n += 2;
	}
	memcpy(line + n, ")", 2);
	text = agent_sample(line);
	assert_int_equal(strlen(text), WIRE_TEXT_MAX - 1); /* "451 x" + é... */
	assert_true(wire_text_ok(text, WIRE_TEXT_MAX));
	free(text);
}

/* ---- fleetctl: the terminal and JSON ------------------------------------ */

static void
test_cli_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(text_cases); i++) {
		const struct text_case *c = &text_cases[i];
		char out[256];
		size_t chars = cli_clean(out, sizeof(out), c->s);

		if (!wire_text_ok(out, sizeof(out) - 1))
			fail_msg("%s: prints \"%s\"", c->name, out);
		if (c->fault == OK &&
		    (strcmp(out, c->s) != 0 || chars != count_chars(c->s)))
			fail_msg(
			    "%s: changed to \"%s\" (%zu)", c->name, out, chars);
		if (c->fault != OK && strchr(out, '?') == NULL)
			fail_msg("%s: nothing replaced: \"%s\"", c->name, out);
	}
}

static void
sample_fill(FILE *fp)
{
	static char text[] =
	    "550 \xe2\x80\xae"
	    "exe.pdf \xe2\x81\xa6x\xe2\x81\xa9 \xff \xe2\x80\x8f"
	    "ok";
	struct wire_sample s = {.provider = "outlook",
	    .cls = CLASS_IP_BLOCKED,
	    .status = STATUS_BOUNCED,
	    .dsn = "5.7.1",
	    .text = text,
	    .first_seen = 1796205600,
	    .last_seen = 1796205600};

	cli_print_sample(fp, "", &s);
}

static void
test_cli_print(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);

	(void)state;
	assert_non_null(fp);
	sample_fill(fp);
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(out, "outlook bounced 5.7.1 ip_blocked, first "
	                         "2026-12-02T10:00:00Z, last "
	                         "2026-12-02T10:00:00Z\n"
	                         "  550 ?exe.pdf ?x? ? ?ok\n");
	free(out);
}

/* What cli_json_print() writes on stdout, read back (caller frees). */
static char *
json_stdout(cJSON *doc)
{
	char path[] = "/tmp/text_check_test.XXXXXX", *text;
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO);
	long n;
	FILE *f;

	assert_true(fd != -1 && saved != -1);
	fflush(stdout);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	cli_json_print(doc);
	fflush(stdout);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_non_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	assert_non_null(text = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	unlink(path);
	return (text);
}

static void
test_cli_json(void **state)
{
	static char text[] = "say \"hi\" \\ C:\\dir \xe2\x80\xae"
	                     "x\xe2\x80\x8e"
	                     "y\xff é 😀 \xef\xbb\xbf"
	                     "end";
	struct wire_sample s = {.provider = "gmx",
	    .cls = CLASS_CONTENT,
	    .status = STATUS_BOUNCED,
	    .text = text};
	cJSON *doc = cJSON_CreateObject(), *back;
	char *out;
	size_t n;

	(void)state;
	cJSON_AddItemToObject(doc, "sample", cli_json_sample(&s));
	out = json_stdout(doc);
	n = strlen(out);
	assert_true(n > 1 && out[n - 1] == '\n');
	/* one line of UTF-8 without a control or hidden character */
	if (wire_text_scan(out, n - 1) != WIRE_TEXT_OK)
		fail_msg("not clean: %s", out);
	/* RFC 8259 escapes for the quote and the backslash */
	assert_non_null(strstr(out, "say \\\"hi\\\" \\\\ C:\\\\dir "));
	assert_non_null(back = cJSON_Parse(out));
	assert_string_equal(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(back, "sample"), "text")
	        ->valuestring,
	    "say \"hi\" \\ C:\\dir ?x?y? é 😀 ?end");
	cJSON_Delete(back);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_text),
	    cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_seeds_refused),
	    cmocka_unit_test(test_agent_log_line),
	    cmocka_unit_test(test_cli_clean),
	    cmocka_unit_test(test_cli_print),
	    cmocka_unit_test(test_cli_json),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
