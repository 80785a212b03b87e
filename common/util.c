/* SPDX-License-Identifier: ISC */
/* Helpers shared by the three programs (see util.h).  No state. */
#include "util.h"

#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		fatal("xmalloc: %zu bytes", n);
	return (p);
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if ((p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size)) == NULL)
		fatal("xcalloc: %zu x %zu bytes", nmemb, size);
	return (p);
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	void *q;

	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("xreallocarray: %zu x %zu overflows", nmemb, size);
	if ((q = realloc(p, nmemb * size == 0 ? 1 : nmemb * size)) == NULL)
		fatal("xreallocarray: %zu x %zu bytes", nmemb, size);
	return (q);
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return (p);
}

size_t
util_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t n = strlen(src);

	if (dstsize != 0) {
		size_t c = n < dstsize - 1 ? n : dstsize - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return (n);
}

uint64_t
util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

int
util_poll_timeout(uint64_t deadline, const atomic_bool *cancel)
{
	uint64_t now = util_now_ms(), left;

	if (now >= deadline || (cancel != NULL && atomic_load(cancel)))
		return (-1);
	left = deadline - now;
	if (cancel != NULL && left > UTIL_CANCEL_MS)
		left = UTIL_CANCEL_MS;
	return (left > INT_MAX ? INT_MAX : (int)left);
}

uint64_t
util_wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec);
}

uint64_t
util_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
}

int
util_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    const char **errstr)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9') {
		*errstr = "invalid";
		return (-1);
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0') {
		*errstr = "invalid";
		return (-1);
	}
	if (errno == ERANGE || v > max) {
		*errstr = "too large";
		return (-1);
	}
	if (v < min) {
		*errstr = "too small";
		return (-1);
	}
	*out = v;
	return (0);
}

int
util_parse_duration(const char *s, uint64_t min_ms, uint64_t max_ms,
    uint64_t *ms, const char **errstr)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} units[] = {
	    {"ms", 1},
	    {"s", 1000},
	    {"", 1000},
	    {"m", 60000},
	    {"h", 3600000},
	    {"d", 86400000},
	};
	char num[32];
	size_t n = strspn(s, "0123456789");
	uint64_t v;

	if (n == 0 || n >= sizeof(num)) {
		*errstr = "invalid duration";
		return (-1);
	}
	memcpy(num, s, n);
	num[n] = '\0';
	if (util_parse_uint(num, 0, UINT64_MAX / 86400000, &v, errstr) == -1)
		return (-1);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].unit) != 0)
			continue;
		v *= units[i].mult;
		if (v < min_ms) {
			*errstr = "duration too short";
			return (-1);
		}
		if (v > max_ms) {
			*errstr = "duration too long";
			return (-1);
		}
		*ms = v;
		return (0);
	}
	*errstr = "unknown duration unit";
	return (-1);
}

/* The directory path is in (".", "/", or up to its last slash). */
static void
util_dirname(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		util_strlcpy(dir, ".", len);
	else if (slash == path)
		util_strlcpy(dir, "/", len);
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int
util_write_file_atomic(
    const char *path, const void *buf, size_t len, unsigned mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	ssize_t w;
	size_t off = 0;
	int fd, dfd, saved;

	/* a new name each time, created O_EXCL (never through a link
	 * planted in the directory, never a file another writer has open) */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1)
		return (-1);
	while (off < len) {
		if ((w = write(fd, (const char *)buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, (mode_t)mode) == -1 || fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	/* the rename is durable only once the directory is: say if not */
	util_dirname(path, dir, sizeof(dir));
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	if (fsync(dfd) == -1) {
		saved = errno;
		close(dfd);
		errno = saved;
		return (-1);
	}
	close(dfd);
	return (0);
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return (-1);
}

int
util_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t off = 0, cap;
	ssize_t r;
	int fd, saved;

	/* O_NONBLOCK: a FIFO planted at path must not hang the reader */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return (-1);
	if (fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto fail;
	}
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		goto fail;
	}
	/* sized by the file, grown if it grows: not max bytes up front */
	cap = (size_t)st.st_size < 4096 ? 4096 : (size_t)st.st_size + 1;
	if (cap > max + 1)
		cap = max + 1;
	p = xmalloc(cap + 1);
	for (;;) {
		if (off == cap && cap < max + 1) {
			cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			p = xreallocarray(p, cap + 1, 1);
		}
		r = read(fd, p + off, cap - off);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (r == 0)
			break;
		off += (size_t)r;
		if (off > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	p[off] = '\0';
	*buf = p;
	*len = off;
	return (0);
fail:
	saved = errno;
	free(p);
	close(fd);
	errno = saved;
	return (-1);
}

/* Sleeps ms milliseconds, resumed across signals. */
static void
util_sleep_ms(int ms)
{
	struct timespec ts = {
	    .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
util_wait_child(pid_t pid, uint64_t deadline, int *status)
{
	struct pollfd pfd = {.fd = pidfd_open(pid, 0), .events = POLLIN};
	int t, rv = 1, saved;
	pid_t r;

	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid) {
			rv = 0;
			break;
		}
		if (r == -1 && errno != EINTR) {
			rv = -1;
			break;
		}
		if ((t = util_poll_timeout(deadline, NULL)) == -1)
			break;
		if (pfd.fd != -1) /* no pidfd (old kernels, valgrind): poll */
			(void)poll(&pfd, 1, t);
		else
			util_sleep_ms(t < 10 ? t : 10);
	}
	saved = errno;
	if (rv == 1) {
		(void)kill(-pid, SIGKILL);
		while (waitpid(pid, status, 0) == -1 && errno == EINTR)
			;
	}
	if (pfd.fd != -1)
		close(pfd.fd);
	errno = saved;
	return (rv);
}

void
util_block_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
}

int
util_wait_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	while (sigwait(&set, &sig) != 0)
		;
	return (sig);
}

/* util_spawn and util_spawn_env: envp in full; own_group for a hook. */
static int
util_spawn_with(const char *path, const char *const argv[],
    const char *const envp[], int out, int err, bool own_group)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, all;
	short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
	pid_t pid;
	int rv;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &all);
	if (own_group) {
		posix_spawnattr_setpgroup(&sa, 0);
		flags |= POSIX_SPAWN_SETPGROUP;
	}
	posix_spawnattr_setflags(&sa, flags);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err, STDERR_FILENO);
	posix_spawn_file_actions_addopen(
	    &fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* posix_spawn takes char *const[] but writes to neither array */
	rv = posix_spawn(&pid, path, &fa, &sa, (char *const *)(uintptr_t)argv,
	    (char *const *)(uintptr_t)envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	if (rv != 0) {
		errno = rv;
		return (-1);
	}
	return ((int)pid);
}

#define UTIL_SPAWN_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

int
util_spawn(const char *path, const char *const argv[], int out, int err)
{
	static const char *const env[] = {UTIL_SPAWN_PATH, "LC_ALL=C", NULL};

	return (util_spawn_with(path, argv, env, out, err, false));
}

int
util_spawn_env(const char *path, const char *const argv[],
    const char *const env[], int out, int err)
{
	const char **envp;
	size_t n = 0;
	int rv;

	while (env[n] != NULL)
		n++;
	envp = xcalloc(n + 3, sizeof(*envp));
	envp[0] = UTIL_SPAWN_PATH;
	envp[1] = "LC_ALL=C";
	memcpy(&envp[2], env, n * sizeof(*envp));
	rv = util_spawn_with(path, argv, envp, out, err, true);
	free(envp);
	return (rv);
}
