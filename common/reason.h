/* SPDX-License-Identifier: ISC */
/*
 * The vocabulary every part shares: delivery status (the status= word of a
 * Postfix log line), reason class (DESIGN.md section 4) and self-check
 * state.  The numeric values equal those of proto/fleet.proto and of the
 * sqlite store, so they never change; new values go at the end.
 */
#ifndef FLEET_COMMON_REASON_H
#define FLEET_COMMON_REASON_H

#include <stdbool.h>

enum delivery_status {
	STATUS_UNSPEC = 0,
	STATUS_SENT = 1,
	STATUS_DEFERRED = 2,
	STATUS_BOUNCED = 3,
	STATUS_EXPIRED = 4,
};
#define STATUS_LAST STATUS_EXPIRED

enum reason_class {
	CLASS_UNSPEC = 0,
	CLASS_DELIVERED = 1,
	CLASS_IP_BLOCKED = 2,
	CLASS_IP_THROTTLED = 3,
	CLASS_PTR = 4,
	CLASS_BUSY = 5,
	CLASS_NETWORK = 6,
	CLASS_TLS = 7,
	CLASS_AUTH = 8,
	CLASS_DOMAIN_REPUTATION = 9,
	CLASS_CONTENT = 10,
	CLASS_GREYLISTED = 11,
	CLASS_RECIPIENT_LIMIT = 12,
	CLASS_MAILBOX_FULL = 13,
	CLASS_UNKNOWN_USER = 14,
	CLASS_DNS = 15,
	CLASS_OTHER = 16,
};
#define CLASS_LAST CLASS_OTHER

enum check_state {
	CHECK_UNSPEC = 0,
	CHECK_OK = 1,
	CHECK_FAIL = 2,
	CHECK_ERROR = 3,
};
#define CHECK_LAST CHECK_ERROR

/* Names as operators read them ("deferred", "ip_blocked", "ok"); never NULL. */
const char *reason_status_name(enum delivery_status s);
const char *reason_class_name(enum reason_class c);
const char *reason_check_name(enum check_state s);

/* Looks a name up; returns false if unknown. */
bool reason_status_parse(const char *name, enum delivery_status *s);
bool reason_class_parse(const char *name, enum reason_class *c);

/* True for the classes that are the relay IP's fault. */
bool reason_class_is_ip(enum reason_class c);

#endif /* FLEET_COMMON_REASON_H */
