/* SPDX-License-Identifier: ISC */
/* Names of the shared enums (see reason.h).  Pure tables, no state. */
#include "reason.h"

#include <string.h>

static const char *const reason_status_names[] = {
    [STATUS_UNSPEC] = "unspec",
    [STATUS_SENT] = "sent",
    [STATUS_DEFERRED] = "deferred",
    [STATUS_BOUNCED] = "bounced",
    [STATUS_EXPIRED] = "expired",
};

static const char *const reason_class_names[] = {
    [CLASS_UNSPEC] = "unspec",
    [CLASS_DELIVERED] = "delivered",
    [CLASS_IP_BLOCKED] = "ip_blocked",
    [CLASS_IP_THROTTLED] = "ip_throttled",
    [CLASS_PTR] = "ptr",
    [CLASS_BUSY] = "busy",
    [CLASS_NETWORK] = "network",
    [CLASS_TLS] = "tls",
    [CLASS_AUTH] = "auth",
    [CLASS_DOMAIN_REPUTATION] = "domain_reputation",
    [CLASS_CONTENT] = "content",
    [CLASS_GREYLISTED] = "greylisted",
    [CLASS_RECIPIENT_LIMIT] = "recipient_limit",
    [CLASS_MAILBOX_FULL] = "mailbox_full",
    [CLASS_UNKNOWN_USER] = "unknown_user",
    [CLASS_DNS] = "dns",
    [CLASS_OTHER] = "other",
};

static const char *const reason_check_names[] = {
    [CHECK_UNSPEC] = "unspec",
    [CHECK_OK] = "ok",
    [CHECK_FAIL] = "fail",
    [CHECK_ERROR] = "error",
};

const char *
reason_status_name(enum delivery_status s)
{
	if ((unsigned)s > STATUS_LAST)
		return ("invalid");
	return (reason_status_names[s]);
}

const char *
reason_class_name(enum reason_class c)
{
	if ((unsigned)c > CLASS_LAST)
		return ("invalid");
	return (reason_class_names[c]);
}

const char *
reason_check_name(enum check_state s)
{
	if ((unsigned)s > CHECK_LAST)
		return ("invalid");
	return (reason_check_names[s]);
}

bool
reason_status_parse(const char *name, enum delivery_status *s)
{
	for (unsigned i = STATUS_SENT; i <= STATUS_LAST; i++) {
		if (strcmp(name, reason_status_names[i]) == 0) {
			*s = (enum delivery_status)i;
			return (true);
		}
	}
	return (false);
}

bool
reason_class_parse(const char *name, enum reason_class *c)
{
	for (unsigned i = CLASS_DELIVERED; i <= CLASS_LAST; i++) {
		if (strcmp(name, reason_class_names[i]) == 0) {
			*c = (enum reason_class)i;
			return (true);
		}
	}
	return (false);
}

bool
reason_class_is_ip(enum reason_class c)
{
	return (
	    c == CLASS_IP_BLOCKED || c == CLASS_IP_THROTTLED || c == CLASS_PTR);
}
