/* SPDX-License-Identifier: ISC */
/*
 * Logging (see log.h).  The one place with private statics: the ident,
 * the destination and the verbosity, set once by log_init() before any
 * thread starts.  Each message is written with one write(2) or syslog(3)
 * call, so lines from several threads never interleave.
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static const char *log_ident = "relayfleet";
static bool log_foreground = true;
static int log_verbose;

void
log_init(const char *ident, bool foreground, int verbose)
{
	log_ident = ident;
	log_foreground = foreground;
	log_verbose = verbose;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return (log_verbose);
}

static void
log_vwrite(int pri, const char *fmt, va_list ap, const char *cause)
{
	char msg[2048], line[2200];
	struct timespec ts;
	struct tm tm;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!log_foreground) {
		if (cause != NULL)
			syslog(pri, "%s: %s", msg, cause);
		else
			syslog(pri, "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d]: %s%s%s\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	    tm.tm_sec, ts.tv_nsec / 1000000, log_ident, (int)getpid(), msg,
	    cause != NULL ? ": " : "", cause != NULL ? cause : "");
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	(void)!write(STDERR_FILENO, line, (size_t)n);
}

#define LOG_BODY(pri, cause)                                                   \
	do {                                                                   \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vwrite((pri), fmt, ap, (cause));                           \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, strerror(errno));
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verbose < 1)
		return;
	LOG_BODY(LOG_DEBUG, NULL);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, strerror(errno));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, NULL);
	exit(1);
}
