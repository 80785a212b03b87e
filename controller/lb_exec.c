/* SPDX-License-Identifier: ISC */
/*
 * The `exec` load balancer driver: every change runs the section's
 * command as `command RELAY ACTION WEIGHT` (ACTION ready, drain or maint;
 * WEIGHT the wanted percent in decimal, passed as is for drain and maint
 * too).  No shell; the environment holds PATH, LC_ALL=C and FLEET_LB (the
 * [lb NAME] section's name, for a command shared by several sections),
 * nothing of fleetd's own; stdin is /dev/null, stdout and stderr are
 * fleetd's stderr.  Exit status 0 is success.
 *
 * The command leads a process group of its own: at the timeout the whole
 * group gets SIGKILL and the command is reaped, so neither it nor what it
 * started outlives the call.  fleetd stopping starts no new run but lets
 * the one in progress finish (within the timeout).  The
 * driver cannot read the load balancer back (can_read false): the
 * reconciler takes an exit status of 0 as the state applied.
 *
 * Runs on its section's lb thread; apply() blocks for one run at most.
 */
#include "lb_driver.h"

#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct lb_exec {
	char env_lb[sizeof("FLEET_LB=") + CFG_NAME_MAX]; /* "FLEET_LB=name" */
};

/* Turns how the run ended (util_wait_child()'s rv) into the result. */
static enum lb_apply_rc
lb_exec_result(
    const struct lb_driver *d, int rv, int status, char *err, size_t errlen)
{
	if (rv == 1) {
		snprintf(err, errlen, "timeout after %" PRIu64 " ms",
		    d->lb->timeout_ms);
		return (LB_APPLY_FAILED);
	}
	if (rv == -1) {
		snprintf(err, errlen, "waitpid: %s", strerror(errno));
		return (LB_APPLY_FAILED);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return (LB_APPLY_OK);
	if (WIFEXITED(status))
		snprintf(err, errlen, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(err, errlen, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(err, errlen, "wait status %#x", (unsigned)status);
	return (LB_APPLY_FAILED);
}

static enum lb_apply_rc
lb_exec_apply(struct lb_driver *d, const struct lb_slot *slot,
    const struct lb_want *want, const struct lb_state *seen, char *err,
    size_t errlen)
{
	struct lb_exec *x = d->priv;
	const char *cmd = d->lb->target;
	char weight[16];
	const char *argv[] = {
	    cmd, slot->target, lb_intent_name(want->intent), weight, NULL};
	const char *env[] = {x->env_lb, NULL};
	uint64_t deadline;
	int pid, status = 0, rv;

	(void)seen;
	if (d->cancel != NULL && atomic_load(d->cancel)) {
		snprintf(err, errlen, "cancelled: fleetd is stopping");
		return (LB_APPLY_UNREACHABLE);
	}
	snprintf(weight, sizeof(weight), "%" PRIu32, want->weight);
	deadline = util_now_ms() + d->lb->timeout_ms;
	pid = util_spawn_env(cmd, argv, env, STDERR_FILENO, STDERR_FILENO);
	if (pid == -1) {
		snprintf(
		    err, errlen, "cannot run %s: %s", cmd, strerror(errno));
		return (LB_APPLY_FAILED);
	}
	/* a run in progress finishes even if fleetd is stopping: killed
	 * half-way, it could leave an external load balancer half changed */
	rv = util_wait_child((pid_t)pid, deadline, &status);
	return (lb_exec_result(d, rv, status, err, errlen));
}

static void
lb_exec_free(struct lb_driver *d)
{
	if (d == NULL)
		return;
	free(d->priv);
	free(d);
}

struct lb_driver *
lb_exec_new(const struct fleetd_config *conf, const struct fleetd_lb *lb,
    struct lb_slot **slots, size_t *nslots, char *err, size_t errlen)
{
	struct lb_driver *d;
	struct lb_exec *x;

	if (lb->target[0] != '/' || lb->timeout_ms == 0) {
		snprintf(err, errlen,
		    "[lb %s]: command %s: needs an absolute path and a timeout",
		    lb->name, lb->target);
		return (NULL);
	}
	x = xcalloc(1, sizeof(*x));
	snprintf(x->env_lb, sizeof(x->env_lb), "FLEET_LB=%s", lb->name);
	d = xcalloc(1, sizeof(*d));
	d->conf = conf;
	d->lb = lb;
	d->can_read = false;
	d->priv = x;
	d->apply = lb_exec_apply;
	d->free = lb_exec_free;
	*slots = xcalloc(conf->nrelays + 1, sizeof(**slots));
	for (size_t i = 0; i < conf->nrelays; i++) {
		(*slots)[i].relay = i;
		util_strlcpy((*slots)[i].target, conf->relays[i].name,
		    sizeof((*slots)[i].target));
	}
	*nslots = conf->nrelays;
	return (d);
}
