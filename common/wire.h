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

#define WIRE_MAX_MSG           (1024 * 1024)     /* encoded message, bytes */
#define WIRE_MAX_ALLOC         (8 * 1024 * 1024) /* unpack allocations, bytes */
#define WIRE_PROVIDER_MAX      32                /* [a-z0-9_.-]+ */
#define WIRE_DSN_MAX           15   /* [0-9.]+ ("4.7.650"), may be empty */
#define WIRE_HOST_MAX          255  /* printable, no spaces */
#define WIRE_TEXT_MAX          2048 /* sample text: text (wire_text_ok) */
#define WIRE_NAME_MAX          63   /* check names, relay names */
#define WIRE_DETAIL_MAX        255
#define WIRE_VERSION_MAX       63
#define WIRE_IP_MAX            45
#define WIRE_COUNTERS_MAX      4096
#define WIRE_SAMPLES_MAX       512
#define WIRE_CHECKS_MAX        64
#define WIRE_QUEUE_BY_MAX      1024
#define WIRE_COMMANDS_MAX      8
#define WIRE_RELAYS_MAX        4096
#define WIRE_STATE_MAX         15   /* "maintenance", "probation": [a-z_] */
#define WIRE_REASON_MAX        255  /* operator reasons, event reasons */
#define WIRE_EVENTS_MAX        1000 /* per reply */
#define WIRE_WINDOWS_MAX       256
#define WIRE_HEALTH_MAX        256 /* providers in a show reply */
#define WIRE_EVENT_SAMPLES_MAX 3
#define WIRE_HEALTH_WINDOWS    3 /* 5 min, 1 h, 24 h */
#define WIRE_KEY_B64_MAX       44
#define WIRE_LBS_MAX           16  /* load balancers ([lb NAME]) */
#define WIRE_TARGET_MAX        129 /* "backend/server" */
#define WIRE_PATH_MAX          179 /* an lb's socket, path or command */

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
	uint32_t spool_bad; /* spool files set aside since the last Report */
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
	bool is_refused; /* with error: refused for good, never resend */
};

enum wire_ctl_op {
	WIRE_CTL_STATUS = 1,
	WIRE_CTL_SHOW = 2,
	WIRE_CTL_DRAIN = 3,
	WIRE_CTL_ENABLE = 4,
	WIRE_CTL_MAINT_ADD = 5,
	WIRE_CTL_MAINT_LIST = 6,
	WIRE_CTL_MAINT_CANCEL = 7,
	WIRE_CTL_EVENTS = 8,
	WIRE_CTL_AGENTS = 9,
	WIRE_CTL_LB = 10,
};
#define WIRE_CTL_LAST WIRE_CTL_LB

/*
 * Formats of the control messages, checked by encoders and decoders:
 * a name (relay, window, hosting, operator) is [A-Za-z0-9_.-], at most
 * WIRE_NAME_MAX bytes, as cfg_name_ok(); a rule is a name that may also
 * hold ':' ("ip-blocked", "operator:alice", "window:rack-move"); a state,
 * intent or event kind is [a-z_], at most WIRE_STATE_MAX; reasons and
 * counts are text (wire_text_ok: valid UTF-8 without control, bidi or
 * hidden format characters); an agent
 * key is base64 ([A-Za-z0-9+/=]).  Each may be "" unless said otherwise.
 */

/*
 * A control request.  Which fields an op uses is in proto/fleet.proto;
 * the decoder checks formats (names, charsets, lengths), not whether an
 * op got the fields it needs: fleetd answers that with an error reply.
 * relays[] entries are non-empty names.  A decoded request owns relays:
 * release it with wire_ctl_request_fini().
 */
struct wire_ctl_request {
	enum wire_ctl_op op;
	char relay[WIRE_NAME_MAX + 1];    /* "" for all */
	char reason[WIRE_REASON_MAX + 1]; /* text (wire_text_ok) */
	uint64_t duration_s;              /* drain --for; 0: open-ended */
	bool force;
	bool now;                     /* enable --now */
	char name[WIRE_NAME_MAX + 1]; /* window name: a cfg name or "" */
	size_t n_relays;
	char (*relays)[WIRE_NAME_MAX + 1]; /* owned; <= WIRE_RELAYS_MAX */
	char hosting[WIRE_NAME_MAX + 1];
	uint64_t start, end; /* unix seconds; start 0: fleetd's now */
	uint64_t since;      /* events: unix seconds, 0: all */
	uint32_t limit;      /* events: newest N, 0: fleetd's default */
};

/* What one load balancer has for a relay, where it is not the intent. */
struct wire_lb_applied {
	char lb[WIRE_NAME_MAX + 1];       /* a name, never "" */
	bool known;                       /* intent and weight read back */
	char intent[WIRE_STATE_MAX + 1];  /* "" unless known */
	uint32_t weight;                  /* percent, <= 100 */
	char target[WIRE_TARGET_MAX + 1]; /* text */
	char error[WIRE_DETAIL_MAX + 1];  /* text; "" none */
	bool held;
};

/* One load balancer (fleetctl lb). */
struct wire_lb_status {
	char name[WIRE_NAME_MAX + 1];    /* a name, never "" */
	char driver[WIRE_STATE_MAX + 1]; /* haproxy file exec */
	char target[WIRE_PATH_MAX + 1];  /* text */
	uint64_t last_attempt_at, last_success_at, last_error_at;
	uint32_t out_of_sync, held;
	uint64_t rounds, failures, drift, applied;
	char last_error[WIRE_DETAIL_MAX + 1]; /* text */
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
	/* the decision; state "" when fleetd sent none.  provider is "" or
	 * as wire_provider_ok(); agent_version and hostname as a report's */
	char state[WIRE_STATE_MAX + 1];
	uint64_t since, until; /* unix seconds; until 0: open-ended */
	char rule[WIRE_NAME_MAX + 1];
	char provider[WIRE_PROVIDER_MAX + 1];
	char reason[WIRE_REASON_MAX + 1];
	char intent[WIRE_STATE_MAX + 1]; /* ready drain maint */
	uint32_t weight;                 /* percent, <= 100 */
	int32_t score;                   /* 0..100, -1: no data */
	char agent_key[WIRE_KEY_B64_MAX + 1];
	char agent_version[WIRE_VERSION_MAX + 1];
	char hostname[WIRE_HOST_MAX + 1];
	size_t n_lb;                /* <= WIRE_LBS_MAX */
	struct wire_lb_applied *lb; /* owned */
};

struct wire_event {
	uint64_t id, at;
	char relay[WIRE_NAME_MAX + 1];
	char kind[WIRE_STATE_MAX + 1]; /* transition alert refused operator */
	char from_state[WIRE_STATE_MAX + 1], to_state[WIRE_STATE_MAX + 1];
	char rule[WIRE_NAME_MAX + 1];
	char provider[WIRE_PROVIDER_MAX + 1];
	char operator[WIRE_NAME_MAX + 1];
	char counts[WIRE_DETAIL_MAX + 1];
	uint64_t window_s;
	char intent[WIRE_STATE_MAX + 1];
	uint32_t weight;
	uint64_t until;
	char reason[WIRE_REASON_MAX + 1];
	size_t n_samples; /* <= WIRE_EVENT_SAMPLES_MAX */
	struct wire_sample samples[WIRE_EVENT_SAMPLES_MAX]; /* texts owned */
};

struct wire_window {
	char name[WIRE_NAME_MAX + 1]; /* never "" */
	size_t n_relays;
	char (*relays)[WIRE_NAME_MAX + 1]; /* owned */
	char hosting[WIRE_NAME_MAX + 1];
	uint64_t start, end;
	char reason[WIRE_REASON_MAX + 1];
	char created_by[WIRE_NAME_MAX + 1];
	char state[WIRE_STATE_MAX + 1]; /* scheduled running ended cancelled */
};

struct wire_health_window {
	uint64_t span_s;
	uint64_t attempts, delivered, deferred, bounced;
	enum reason_class worst_class; /* CLASS_UNSPEC if no failure */
	uint64_t worst_count;
};

struct wire_provider_health {
	char provider[WIRE_PROVIDER_MAX + 1]; /* never "" */
	int32_t score;                        /* 0..100, -1: no data */
	size_t n_windows;                     /* <= WIRE_HEALTH_WINDOWS */
	struct wire_health_window windows[WIRE_HEALTH_WINDOWS];
};

struct wire_ctl_reply {
	bool ok;
	char error[WIRE_DETAIL_MAX + 1];
	uint64_t now; /* fleetd's clock, unix seconds */
	size_t n_relays;
	struct wire_relay_status *relays; /* owned */
	size_t n_events;
	struct wire_event *events; /* owned, <= WIRE_EVENTS_MAX */
	size_t n_windows;
	struct wire_window *windows; /* owned, <= WIRE_WINDOWS_MAX */
	size_t n_health;
	struct wire_provider_health *health; /* owned, <= WIRE_HEALTH_MAX */
	size_t n_samples;
	struct wire_sample *samples; /* owned, <= WIRE_SAMPLES_MAX */
	size_t n_checks;
	struct wire_check *checks; /* owned, <= WIRE_CHECKS_MAX */
	size_t n_lbs;
	struct wire_lb_status *lbs; /* owned, <= WIRE_LBS_MAX */
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
void wire_ctl_request_fini(struct wire_ctl_request *q);
void wire_ctl_reply_fini(struct wire_ctl_reply *c);
void wire_event_fini(struct wire_event *e);
void wire_window_fini(struct wire_window *w);

/* Validators shared with the encoders and with config parsing. */
bool wire_provider_ok(const char *s);
bool wire_dsn_ok(const char *s);
/* valid UTF-8, no control, bidi or hidden format characters */
bool wire_text_ok(const char *s, size_t max);
bool wire_word_ok(const char *s, size_t max); /* 0x21-0x7e only */

#endif /* FLEET_COMMON_WIRE_H */
