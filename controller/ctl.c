/* SPDX-License-Identifier: ISC */
/* Control requests (see ctl.h).  Runs on fleetd's store thread. */
#include "ctl.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "util.h"

static void
ctl_status(struct store *st, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep)
{
	if (store_relay_status(st, rep) == -1) {
		log_warnx("ctl: status: %s", store_errmsg(st));
		snprintf(rep->error, sizeof(rep->error), "store error");
		return;
	}
	if (req->relay[0] != '\0') {
		size_t j = 0;

		for (size_t i = 0; i < rep->n_relays; i++) {
			if (strcmp(rep->relays[i].name, req->relay) != 0) {
				wire_queue_fini(&rep->relays[i].queue);
				continue;
			}
			rep->relays[j++] = rep->relays[i];
		}
		rep->n_relays = j;
		if (j == 0) {
			snprintf(rep->error, sizeof(rep->error),
			    "no relay named %s", req->relay);
			return;
		}
	}
	rep->ok = true;
}

void
ctl_execute(struct store *st, const struct fleetd_config *conf,
    const struct fleetd_operator *op, const struct wire_ctl_request *req,
    struct wire_ctl_reply *rep)
{
	(void)conf;
	memset(rep, 0, sizeof(*rep));
	rep->now = util_wall_s();
	switch (req->op) {
	case WIRE_CTL_STATUS:
		ctl_status(st, req, rep);
		break;
	case WIRE_CTL_SHOW:
	case WIRE_CTL_DRAIN:
	case WIRE_CTL_ENABLE:
	case WIRE_CTL_MAINT_ADD:
	case WIRE_CTL_MAINT_LIST:
	case WIRE_CTL_MAINT_CANCEL:
	case WIRE_CTL_EVENTS:
	case WIRE_CTL_AGENTS:
		snprintf(rep->error, sizeof(rep->error), "not supported yet");
		break;
	}
	log_debug("ctl: operator=%s op=%d %s", op->name, (int)req->op,
	    rep->ok ? "ok" : rep->error);
}
