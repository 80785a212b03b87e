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

#include <sys/pidfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LB_EXEC_POLL_MS 10 /* waitpid() polling without a pidfd */

struct lb_exec {
	char env_lb[sizeof("FLEET_LB=") + CFG_NAME_MAX]; /* "FLEET_LB=name" */
	bool no_pidfd; /* pidfd_open() gave ENOSYS (old kernels, valgrind) */
};

enum lb_exec_end {
	LB_EXEC_EXITED,    /* *status is set */
	LB_EXEC_TIMEOUT,   /* killed at the timeout */
	LB_EXEC_CANCELLED, /* killed: fleetd is stopping */
	LB_EXEC_ERROR,     /* waitpid() failed: errno */
};

static void
lb_exec_sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Kills pid's process group and reaps pid, which is then gone. */
static void
lb_exec_kill(pid_t pid)
{
	int status;

	(void)kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
}

/*
 * Waits for pid (a group leader) until deadline (util_now_ms() time) or
 * *cancel (NULL: never), sleeping on a pidfd or polling waitpid() every
 * LB_EXEC_POLL_MS, and at most UTIL_CANCEL_MS between looks at the flag.
 * Whatever the end, pid is reaped when this returns (LB_EXEC_ERROR:
 * waitpid() says it is not our child, errno set).
 */
static enum lb_exec_end
lb_exec_wait(struct lb_exec *x, pid_t pid, uint64_t deadline,
    const atomic_bool *cancel, int *status)
{
	struct pollfd pfd = {.fd = -1, .events = POLLIN};
	enum lb_exec_end end;
	pid_t r;
	int t, saved;

	if (!x->no_pidfd && (pfd.fd = pidfd_open(pid, 0)) == -1)
		x->no_pidfd = errno == ENOSYS;
	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid) {
			end = LB_EXEC_EXITED;
			break;
		}
		if (r == -1 && errno != EINTR) { /* not ours: no kill(-pid) */
			end = LB_EXEC_ERROR;
			break;
		}
		if ((t = util_poll_timeout(deadline, cancel)) == -1) {
			lb_exec_kill(pid);
			end = cancel != NULL && atomic_load(cancel)
			          ? LB_EXEC_CANCELLED
			          : LB_EXEC_TIMEOUT;
			break;
		}
		if (pfd.fd != -1)
			(void)poll(&pfd, 1, t);
		else
			lb_exec_sleep_ms(
			    t < LB_EXEC_POLL_MS ? t : LB_EXEC_POLL_MS);
	}
	saved = errno;
	if (pfd.fd != -1)
		close(pfd.fd);
	errno = saved;
	return (end);
}

/* Turns how the run ended into the apply result. */
static enum lb_apply_rc
lb_exec_result(const struct lb_driver *d, enum lb_exec_end end, int status,
    char *err, size_t errlen)
{
	switch (end) {
	case LB_EXEC_EXITED:
		break;
	case LB_EXEC_TIMEOUT:
		snprintf(err, errlen, "timeout after %" PRIu64 " ms",
		    d->lb->timeout_ms);
		return (LB_APPLY_FAILED);
	case LB_EXEC_CANCELLED:
		snprintf(err, errlen, "cancelled: fleetd is stopping");
		return (LB_APPLY_UNREACHABLE);
	case LB_EXEC_ERROR:
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
	int pid, status = 0;
	enum lb_exec_end end;

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
	end = lb_exec_wait(x, (pid_t)pid, deadline, NULL, &status);
	return (lb_exec_result(d, end, status, err, errlen));
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
