/* SPDX-License-Identifier: ISC */
/*
 * Protobuf <-> our own structs.  The generated protobuf-c types never leave
 * wire.c.  Decoders unpack with a bounded allocator (WIRE_MAX_ALLOC bytes
 * per message) and then check every field: lengths, charsets, counts and
 * enum values.  Code after a successful wire_*_decode() trusts the struct:
 * strings are NUL-terminated, within their limits, free of control
 * characters, enums are known values.
 *
 * Encoders return a heap buffer the caller frees with free().  Decoders
 * fill a caller-provided struct that the caller releases with the matching
 * _fini(); on failure nothing needs releasing.  No logging, no globals;
 * every function is reentrant.
 */
#ifndef FLEET_COMMON_WIRE_H
#define FLEET_COMMON_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reason.h"

#define WIRE_VERSION 1

#define WIRE_MAX_MSG      (1024 * 1024)     /* encoded message, bytes */
#define WIRE_MAX_ALLOC    (8 * 1024 * 1024) /* unpack allocations, bytes */
#define WIRE_PROVIDER_MAX 32                /* [a-z0-9_.-]+ */
#define WIRE_DSN_MAX      15   /* [0-9.]+ ("4.7.650"), may be empty */
#define WIRE_HOST_MAX     255  /* printable, no spaces */
#define WIRE_TEXT_MAX     2048 /* sample text: printable, UTF-8 bytes ok */
#define WIRE_NAME_MAX     63   /* check names, relay names */
#define WIRE_DETAIL_MAX   255
#define WIRE_VERSION_MAX  63
#define WIRE_IP_MAX       45
#define WIRE_COUNTERS_MAX 4096
#define WIRE_SAMPLES_MAX  512
#define WIRE_CHECKS_MAX   64
#define WIRE_QUEUE_BY_MAX 1024
#define WIRE_COMMANDS_MAX 8
#define WIRE_RELAYS_MAX   4096

struct wire_queue_count {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	uint32_t count;
};

struct wire_queue {
	bool valid;
	uint64_t taken_at; /* unix seconds */
	uint32_t incoming, active, deferred, hold, maildrop;
	uint32_t oldest_deferred_age; /* seconds */
	size_t n_by;
	struct wire_queue_count *by; /* n_by entries, owned */
	char error[WIRE_DETAIL_MAX + 1];
};

struct wire_counter {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	enum delivery_status status;
	char dsn[WIRE_DSN_MAX + 1];
	uint32_t count;
};

struct wire_sample {
	char provider[WIRE_PROVIDER_MAX + 1];
	enum reason_class cls;
	enum delivery_status status;
	char dsn[WIRE_DSN_MAX + 1];
	char *text; /* owned, <= WIRE_TEXT_MAX bytes */
	uint64_t first_seen, last_seen;
	char mx_host[WIRE_HOST_MAX + 1];
};

struct wire_check {
	char name[WIRE_NAME_MAX + 1];
	enum check_state state;
	char detail[WIRE_DETAIL_MAX + 1];
	uint64_t checked_at;
};

struct wire_report {
	uint64_t epoch;                        /* != 0 */
	uint64_t seq;                          /* >= 1 */
	uint64_t interval_start, interval_end; /* start <= end */
	bool has_queue;
	struct wire_queue queue;
	size_t n_counters;
	struct wire_counter *counters; /* owned */
	size_t n_samples;
	struct wire_sample *samples; /* owned */
	size_t n_checks;
	struct wire_check *checks; /* owned */
	char agent_version[WIRE_VERSION_MAX + 1];
	char hostname[WIRE_HOST_MAX + 1];
};

enum wire_command_type {
	WIRE_CMD_SET_INTERVALS = 1,
	WIRE_CMD_RUN_CHECKS = 2,
};

struct wire_command {
	enum wire_command_type type;
	uint32_t report_interval_ms; /* 0: unchanged */
	uint32_t queue_interval_ms;
};

struct wire_agent_reply {
	uint64_t acked_epoch, acked_seq;
	bool duplicate;
	size_t n_commands;
	struct wire_command commands[WIRE_COMMANDS_MAX];
	char error[WIRE_DETAIL_MAX + 1]; /* "" unless refused */
};

enum wire_ctl_op {
	WIRE_CTL_STATUS = 1,
};

struct wire_ctl_request {
	enum wire_ctl_op op;
	char relay[WIRE_NAME_MAX + 1]; /* "" for all */
};

struct wire_relay_status {
	char name[WIRE_NAME_MAX + 1];
	char ip[WIRE_IP_MAX + 1];
	char hosting[WIRE_NAME_MAX + 1];
	bool has_report;
	uint64_t last_report_at; /* unix seconds */
	uint64_t last_seq;
	uint64_t reports;
	bool has_queue;
	struct wire_queue queue;
	char worst_provider[WIRE_PROVIDER_MAX + 1]; /* "" if none */
	enum reason_class worst_class;              /* CLASS_UNSPEC if none */
	uint64_t worst_count;
};

struct wire_ctl_reply {
	bool ok;
	char error[WIRE_DETAIL_MAX + 1];
	uint64_t now; /* fleetd's clock, unix seconds */
	size_t n_relays;
	struct wire_relay_status *relays; /* owned */
};

/*
 * Encoders: *buf gets a malloc'd buffer (caller frees), *len its length.
 * Return 0, or -1 with *errstr set if the struct breaks a limit above
 * (nothing is allocated then).
 */
int wire_report_encode(const struct wire_report *r, uint8_t **buf, size_t *len,
    const char **errstr);
int wire_agent_reply_encode(const struct wire_agent_reply *a, uint8_t **buf,
    size_t *len, const char **errstr);
int wire_ctl_request_encode(const struct wire_ctl_request *q, uint8_t **buf,
    size_t *len, const char **errstr);
int wire_ctl_reply_encode(const struct wire_ctl_reply *c, uint8_t **buf,
    size_t *len, const char **errstr);

/*
 * Decoders: buf is untrusted.  Return 0 and fill *out, or -1 with *errstr
 * set to a static string naming the first problem ("report.seq missing",
 * "counter.provider charset", ...); *out is untouched on failure.
 */
int wire_report_decode(struct wire_report *out, const uint8_t *buf, size_t len,
    const char **errstr);
int wire_agent_reply_decode(struct wire_agent_reply *out, const uint8_t *buf,
    size_t len, const char **errstr);
int wire_ctl_request_decode(struct wire_ctl_request *out, const uint8_t *buf,
    size_t len, const char **errstr);
int wire_ctl_reply_decode(struct wire_ctl_reply *out, const uint8_t *buf,
    size_t len, const char **errstr);

/* Release what a decoder (or the caller building a struct) allocated. */
void wire_queue_fini(struct wire_queue *q);
void wire_report_fini(struct wire_report *r);
void wire_ctl_reply_fini(struct wire_ctl_reply *c);

/* Validators shared with the encoders and with config parsing. */
bool wire_provider_ok(const char *s);
bool wire_dsn_ok(const char *s);
bool wire_text_ok(const char *s, size_t max); /* no control chars */
bool wire_word_ok(const char *s, size_t max); /* 0x21-0x7e only */

#endif /* FLEET_COMMON_WIRE_H */
