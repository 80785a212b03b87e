/* SPDX-License-Identifier: ISC */
/*
 * fleetctl's shared state and helpers.  Each subcommand is one
 * cmd_<name>.c with a cmd_<name>() entry; cli/main.c holds the table.
 * Commands return the exit status: 0 success, 1 refused or failed,
 * 2 usage error.
 *
 * A command that sends something parses its argv with a pure
 * cmd_<name>_parse() (no I/O, the clock passed in) so that the tests
 * drive it without a fleetd.  Human output goes through cli_line() and
 * struct cli_table, which replace every control or hidden format
 * character and every byte that is not UTF-8 with '?' (cli_clean()):
 * texts from fleetd reach the terminal as they are, but never as terminal
 * commands or reordered.  fleetctl is single-threaded.
 */
#ifndef FLEET_CLI_CLI_H
#define FLEET_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "keys.h"
#include "wire.h"

#define CLI_DEFAULT_CONFIG "/etc/relayfleet/fleetctl.conf"
#define CLI_EXIT_OK        0
#define CLI_EXIT_FAIL      1
#define CLI_EXIT_USAGE     2

#define CLI_TIME_MAX    253402300799ULL  /* 9999-12-31T23:59:59Z */
#define CLI_DRAIN_MAX_S (366ULL * 86400) /* drain --for, seconds */
#define CLI_KEY_SHORT   10               /* agents: base64 chars shown */

struct cli_config {
	char controller[180];
	uint8_t controller_key[KEY_LEN];
	char key_file[180];
	uint64_t timeout_ms;
};

struct cli {
	const char *config_path; /* -c, $FLEETCTL_CONFIG or the default */
	bool json;               /* --json */
	const char *usage;       /* the command's usage lines ('\n' apart) */
};

/* ---- client.c: configuration, round trip, reporting --------------------- */

/* Loads cli->config_path.  Returns 0, or -1 with err set. */
int cli_config_load(
    const struct cli *cli, struct cli_config *conf, char *err, size_t errlen);

/*
 * Sends a control request to fleetd and decodes the answer into *rep
 * (caller frees with wire_ctl_reply_fini()).  Returns 0, or -1 with err
 * set (connection, refusal, or a malformed answer).  Blocks up to the
 * configured timeout.
 */
int cli_ctl_call(const struct cli *cli, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep, char *err, size_t errlen);

/*
 * cli_ctl_call() for command cmd, with the failure reported: returns
 * CLI_EXIT_OK with *rep filled (caller frees with wire_ctl_reply_fini()),
 * or CLI_EXIT_FAIL after cli_fail() when the call failed or fleetd
 * refused (then nothing needs freeing).
 */
int cli_call(const struct cli *cli, const char *cmd,
    const struct wire_ctl_request *req, struct wire_ctl_reply *rep);

/*
 * Reports why cmd failed: "fleetctl: cmd: msg" on stderr and, with
 * --json, {"error": msg} on stdout.  Returns CLI_EXIT_FAIL.
 */
int cli_fail(const struct cli *cli, const char *cmd, const char *msg);

/*
 * Reports a usage error of cmd: errstr (NULL: none) and cli->usage on
 * stderr.  Returns CLI_EXIT_USAGE.
 */
int cli_usage(const struct cli *cli, const char *cmd, const char *errstr);

/* ---- client.c: parsing what fleetctl sends (pure) ----------------------- */

/* One option of cli_getopt(): "--name VALUE", "--name=VALUE" or a flag. */
struct cli_opt {
	const char *name; /* "--reason" */
	bool has_arg;
	bool is_set;     /* out */
	const char *val; /* out: the value (borrowed from argv); NULL if flag */
};

/*
 * Parses argv[1..argc-1] (argv[0] is the command) into opts and the
 * positional arguments pos[0..maxpos-1] (*npos of them; "--" ends the
 * options).  Returns 0, or -1 with *errstr set: "unknown option",
 * "option given twice", "option needs a value", "too many arguments".
 * Strings are borrowed from argv.
 */
int cli_getopt(int argc, char **argv, struct cli_opt *opts, size_t nopts,
    const char **pos, size_t maxpos, size_t *npos, const char **errstr);

/* Copies s into dst (WIRE_NAME_MAX + 1 bytes) if it is a cfg name. */
bool cli_name_copy(char *dst, const char *s);

/*
 * Copies an operator's --reason into dst (WIRE_REASON_MAX + 1 bytes):
 * 1..WIRE_REASON_MAX bytes, no control character.  Returns 0, or -1 with
 * *errstr set.
 */
int cli_reason_copy(char *dst, const char *s, const char **errstr);

/*
 * Parses a time T of the command line into unix seconds: RFC 3339
 * ("2026-12-02T10:00:00Z", "2026-12-02T11:00:00+01:00"; a fraction is
 * dropped; second 60 only for a leap second at the end of a UTC day),
 * "now" (*out = 0: fleetd's clock decides), or "+DUR" (a duration of
 * util_parse_duration() after now, the local clock in unix seconds).
 * Times before 1970-01-01T00:00:01Z or after CLI_TIME_MAX are refused.
 * Returns 0, or -1 with *errstr set; s is untrusted.
 */
int cli_parse_time(
    const char *s, uint64_t now, uint64_t *out, const char **errstr);

/*
 * The argv parsers (argv[0] is the command, "maint" for cmd_maint_parse).
 * Each zeroes and fills *req and returns 0 (the caller releases *req with
 * wire_ctl_request_fini()), or returns -1 with *errstr set to the usage
 * error, with nothing to release.  now: the local clock, unix seconds,
 * for "+DUR" times and events --since.  No I/O.
 */
int cmd_status_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);
int cmd_show_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);
int cmd_drain_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);
int cmd_enable_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);
int cmd_maint_parse(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr);
int cmd_events_parse(int argc, char **argv, uint64_t now,
    struct wire_ctl_request *req, const char **errstr);
int cmd_agents_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);
int cmd_lb_parse(
    int argc, char **argv, struct wire_ctl_request *req, const char **errstr);

/*
 * The human output of `status` and `lb` for a reply of fleetd, to fp
 * (cleaned); cmd_lb_json() is the document of `lb --json` (caller owns).
 */
void cmd_status_print(FILE *fp, const struct wire_ctl_reply *rep);
void cmd_lb_print(FILE *fp, const struct wire_ctl_reply *rep);
cJSON *cmd_lb_json(const struct wire_ctl_reply *rep);

/*
 * True if rep->events[0] of a show reply is the event that put the relay
 * (rep->relays[0]) in its current state: it moved the relay into that
 * state, it is no alert, and no other event in the reply did so later.
 */
bool cmd_show_has_decider(const struct wire_ctl_reply *rep);

/* ---- print.c: human output ---------------------------------------------- */

/* Writes "12s", "5m", "3h", "2d" for an age in seconds. */
void cli_format_age(char *buf, size_t len, uint64_t secs);

/* Writes t as RFC 3339 UTC ("2026-12-02T10:00:00Z"), or "-" if t is 0. */
void cli_format_time(char *buf, size_t len, uint64_t t);

/* Writes a window length: "300" -> "5m", "3600" -> "1h", "86400" -> "24h". */
void cli_format_span(char *buf, size_t len, uint64_t secs);

/*
 * Copies src into dst (len >= 1 bytes, always NUL-terminated), replacing
 * each byte that is not part of well-formed UTF-8 and each code point of
 * wire_cp_hidden() (C0 and C1 controls, DEL, bidirectional marks,
 * overrides and isolates, line and paragraph separators, invisible format
 * characters) with '?'; truncates at a character boundary.  Returns the
 * characters written (the display width for tables; a wide CJK character
 * counts as one).
 */
size_t cli_clean(char *dst, size_t len, const char *src);

/* printf() of one line (the newline is added) to fp, through cli_clean(). */
void cli_line(FILE *fp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * An aligned table: columns two spaces apart, each as wide as its widest
 * cell, no trailing blanks.  Cells are added left to right, row after
 * row; an empty cell shows as "-".
 */
struct cli_table {
	const char *const *heads; /* ncols headings, borrowed */
	size_t ncols;
	size_t ncells, cap;
	char **cells;   /* owned, cleaned */
	size_t *widths; /* display width of each cell */
};

void cli_table_init(
    struct cli_table *t, const char *const *heads, size_t ncols);
void cli_table_add(struct cli_table *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the headings and the rows, each line after indent. */
void cli_table_print(const struct cli_table *t, FILE *fp, const char *indent);
void cli_table_fini(struct cli_table *t);

/*
 * The events table of `events` and `show`: time, relay, kind, change,
 * rule, provider, intent, until, counts, reason; events[] in the order
 * given.
 */
void cli_print_events(
    FILE *fp, const char *indent, const struct wire_event *events, size_t n);

/*
 * One sample: "provider status dsn class via mx, first T, last T", then
 * its text verbatim (cleaned) on a line of its own.
 */
void cli_print_sample(
    FILE *fp, const char *indent, const struct wire_sample *s);

/*
 * What an lb has for a relay (wire_lb_applied): "ready 100%", or
 * "unknown" when it could not be read back.
 */
void cli_format_lb_state(
    char *buf, size_t len, const struct wire_lb_applied *l);

/*
 * The APPLIED cell of `status`: "-" when fleetd sent no lb entry for r
 * (every lb is as wanted), else the first entry as "edge1: ready 100%",
 * "edge1: unknown" or "edge1: held" (the capacity floor held the change
 * back), with " +N" for N more entries.  Not cleaned: for cli_table_add().
 */
void cli_format_applied(
    char *buf, size_t len, const struct wire_relay_status *r);

/* The table of r->lb for `show`: LB, TARGET, APPLIED (", held"), ERROR. */
void cli_print_lb_applied(
    FILE *fp, const char *indent, const struct wire_relay_status *r);

/* ---- print.c: JSON (every builder returns a new cJSON the caller owns) -- */

cJSON *cli_json_relay(const struct wire_relay_status *r, uint64_t now);
cJSON *cli_json_sample(const struct wire_sample *s);
cJSON *cli_json_event(const struct wire_event *e);
cJSON *cli_json_window(const struct wire_window *w);
cJSON *cli_json_check(const struct wire_check *c, uint64_t now);
cJSON *cli_json_health(const struct wire_provider_health *h);
cJSON *cli_json_events(const struct wire_event *events, size_t n);

/* Adds s, cleaned, as key of o; cli_json_opt() adds null for "". */
void cli_json_str(cJSON *o, const char *key, const char *s);
void cli_json_opt(cJSON *o, const char *key, const char *s);

/* Adds unix time t as key of o, or null for 0 (not yet, never). */
void cli_json_time(cJSON *o, const char *key, uint64_t t);

/* Prints doc on one line of stdout and frees it. */
void cli_json_print(cJSON *doc);

int cmd_status(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_classify(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_drain(struct cli *cli, int argc, char **argv);  /* drain */
int cmd_enable(struct cli *cli, int argc, char **argv); /* in cmd_drain.c */
int cmd_maint(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_agents(struct cli *cli, int argc, char **argv);
int cmd_lb(struct cli *cli, int argc, char **argv);

#endif /* FLEET_CLI_CLI_H */
