/* SPDX-License-Identifier: ISC */
/* fleetd's configuration (docs/config.md, section fleetd). */
#ifndef FLEET_CONTROLLER_CONFIG_H
#define FLEET_CONTROLLER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "keys.h"
#include "policy.h"

#define FLEETD_STR_MAX 180

struct fleetd_relay {
	char name[CFG_NAME_MAX + 1];
	char ip[46];
	char hosting[CFG_NAME_MAX + 1];
	uint8_t agent_key[KEY_LEN];
	char lb_server[FLEETD_STR_MAX];
	uint32_t seen;
};

enum fleetd_role {
	ROLE_READ,
	ROLE_ADMIN,
};

struct fleetd_operator {
	char name[CFG_NAME_MAX + 1];
	uint8_t key[KEY_LEN];
	char role_text[8];
	enum fleetd_role role;
	uint32_t seen;
};

enum fleetd_lb_driver {
	LB_DRIVER_HAPROXY,
	LB_DRIVER_FILE,
	LB_DRIVER_EXEC,
};

#define FLEETD_LB_MAX     16    /* [lb NAME] sections */
#define FLEETD_LB_PAIRS   8     /* backend/server pairs in one lb_server */
#define FLEETD_LB_TIMEOUT 2000  /* ms; haproxy */
#define FLEETD_LB_EXEC_MS 5000  /* ms; exec */
#define FLEETD_LB_RESYNC  30000 /* ms */

/* [lb NAME] (docs/lb.md). */
struct fleetd_lb {
	char name[CFG_NAME_MAX + 1];
	enum fleetd_lb_driver driver;
	char target[FLEETD_STR_MAX]; /* socket, path or command: absolute */
	uint64_t timeout_ms;         /* one exchange or one run */
	uint64_t resync_ms;          /* everything again this often */
	/* as written; target is the one of them the driver uses */
	char driver_text[16];
	char socket[FLEETD_STR_MAX], path[FLEETD_STR_MAX];
	char command[FLEETD_STR_MAX];
	uint32_t seen;
};

/* [fleetd] limits (docs/security.md); defaults in fleetd_config_load() */
struct fleetd_limits {
	char agent_sources[16];         /* "relays" (default) or "any" */
	bool any_source;                /* agent_sources = any */
	uint64_t max_connections;       /* agent endpoint, all sources */
	uint64_t max_per_source;        /* agent endpoint, one source IP */
	uint64_t handshake_timeout_ms;  /* connect -> first good frame */
	uint64_t idle_timeout_ms;       /* no good frame for this long */
	uint64_t hello_rate;            /* HELLOs per second, all sources */
	uint64_t hello_rate_per_source; /* HELLOs per second, one source */
	uint64_t hello_skew_ms;         /* HELLO timestamp vs our clock */
	uint64_t report_rate;           /* Reports per minute, one relay */
	uint64_t max_report_bytes;      /* samples' text bytes in one Report */
	uint64_t max_seq_ahead; /* a seq this far past the last stored */
	uint64_t nofile;        /* RLIMIT_NOFILE to raise to */
};

struct fleetd_config {
	char agent_listen[FLEETD_STR_MAX];
	char control_listen[FLEETD_STR_MAX];
	char key_file[FLEETD_STR_MAX];
	char database[FLEETD_STR_MAX];
	struct fleetd_limits limits;
	uint32_t seen;
	size_t nrelays;
	struct fleetd_relay *relays; /* in file order */
	size_t nops;
	struct fleetd_operator *ops;
	size_t nlbs;
	struct fleetd_lb *lbs;     /* [lb NAME], in file order */
	struct policy_conf policy; /* [policy] and [rule NAME] */
};

/*
 * Loads and validates the file at path: every section, the policy with
 * its rules (policy_conf_finish() included), and that no key belongs to
 * two parties.  Returns 0, or -1 with err set ("file:line: message", or
 * "file: [section]: message" for what only the whole file shows);
 * *conf needs fleetd_config_free() either way.  Reads the file system:
 * notify_command must be an executable file.
 */
int fleetd_config_load(
    struct fleetd_config *conf, const char *path, char *err, size_t errlen);

void fleetd_config_free(struct fleetd_config *conf);

/* The defaults of [fleetd]'s limits (docs/config.md). */
void fleetd_limits_defaults(struct fleetd_limits *l);

const char *fleetd_lb_driver_name(enum fleetd_lb_driver d);

/*
 * Splits a relay's lb_server ("be/srv be2/srv2", checked at load) into
 * pairs; returns how many (at most FLEETD_LB_PAIRS) were written to
 * pairs[].
 */
size_t fleetd_lb_pairs(
    const char *lb_server, char pairs[][CFG_NAME_MAX * 2 + 2], size_t max);

#endif /* FLEET_CONTROLLER_CONFIG_H */
