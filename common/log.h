/* SPDX-License-Identifier: ISC */
/*
 * Logging with the OpenBSD API: to stderr in the foreground, to syslog
 * otherwise.  Every function preserves errno.  Messages read
 * "module: subject: what happened[: cause]", lower case, no final period.
 * Only the programs log; the library code in common/ returns errors.
 */
#ifndef FLEET_COMMON_LOG_H
#define FLEET_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* ident names the program for syslog and the stderr prefix. */
void log_init(const char *ident, bool foreground, int verbose);
void log_setverbose(int verbose);
int log_getverbose(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif /* FLEET_COMMON_LOG_H */
