// SPDX-License-Identifier: GPL-2.0
/* Change detection for the policy directory (policy_watch.h): inotify on
 * the directory and on its parent, a timerfd for the debounce and the
 * retries, both behind one epoll descriptor the owner's loop waits on. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "policy_internal.h"
#include "policy_watch.h"
#include "text.h"

/* A change is applied DEBOUNCE_MS after the first event of a burst: tools
 * change several files in a row, and a directory rewritten without pause
 * still reloads every DEBOUNCE_MS instead of never */
#define DEBOUNCE_MS 50
#define RETRY_MS    1000 /* while the directory is missing or a file is being written */

/* IN_CREATE: for what no close will follow (a link, a FIFO, a hard link);
 * IN_EXCL_UNLINK: a temporary file removed while open is no longer there */
#define DIR_EVENTS                                                                                 \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB |        \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)
#define PARENT_EVENTS                                                                              \
	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF |     \
	 IN_ONLYDIR)
#define GONE (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)

struct vtap_dir_watch {
	const char *dir;
	char *parent;	  /* NULL when dir has none ("/") */
	const char *base; /* dir's name in parent (points into parent's buffer) */
	int ep, ifd, tfd;
	int dir_wd, parent_wd; /* -1: not watched */
	bool missing;	       /* no directory to watch at dir's path (logged) */
	bool pending;	       /* a change waits to be applied */
	bool held;	       /* ... held back by a file open for writing */
	char writer[256];      /* its name */
};

static void arm(struct vtap_dir_watch *w, uint64_t ms)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000}};

	if (!ms)
		its.it_value.tv_nsec = 1; /* 0 would disarm */
	timerfd_settime(w->tfd, 0, &its, NULL);
}

static void changed(struct vtap_dir_watch *w)
{
	if (w->pending && !w->held)
		return; /* the burst's timer runs */
	/* a first change, or one (the writer's close, say) while held back:
	 * DEBOUNCE_MS from now */
	w->pending = true;
	w->held = false;
	arm(w, DEBOUNCE_MS);
}

static void watch_parent(struct vtap_dir_watch *w)
{
	if (w->parent && w->parent_wd < 0)
		w->parent_wd = inotify_add_watch(w->ifd, w->parent, PARENT_EVENTS);
}

/* Watch whatever directory is at dir's path now. False (errno) when there
 * is none; the watch of a directory that left the path is dropped. */
static bool watch_dir(struct vtap_dir_watch *w)
{
	int wd = inotify_add_watch(w->ifd, w->dir, DIR_EVENTS);

	if (wd < 0)
		return false;
	if (w->dir_wd >= 0 && w->dir_wd != wd) {
		inotify_rm_watch(w->ifd, w->dir_wd); /* follows the old one */
		log_info("policy directory %s was replaced: watching the new one, reloading",
			 w->dir);
		changed(w);
	}
	if (w->missing) {
		log_info("policy directory %s is there again: watching it, reloading", w->dir);
		w->missing = false;
		changed(w);
	}
	w->dir_wd = wd;
	return true;
}

/* The watched directory left dir's path (removed, renamed away). */
static void lost(struct vtap_dir_watch *w, const char *how)
{
	if (w->dir_wd >= 0)
		inotify_rm_watch(w->ifd, w->dir_wd); /* may be gone already */
	w->dir_wd = -1;
	if (!w->missing)
		log_warn("policy directory %s was %s: the running policy set stays; waiting for "
			 "a new %s%s%s",
			 w->dir, how, w->dir, w->parent ? " in " : "", w->parent ? w->parent : "");
	w->missing = true;
	changed(w); /* the reload reports the directory missing */
	watch_parent(w);
	watch_dir(w); /* a new one may be there already (mv new DIR) */
}

/* A new entry: a regular file with one link is being written by whoever
 * created it, and its close is the change; anything else (a link, a FIFO,
 * a device, a hard link of a complete file) is a change now. */
static bool creation_changes(const struct vtap_dir_watch *w, const char *name)
{
	char path[VTAP_PATH_MAX + 256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	if (lstat(path, &st) < 0)
		return true;
	return !(S_ISREG(st.st_mode) && st.st_nlink == 1);
}

static void on_dir_event(struct vtap_dir_watch *w, const struct inotify_event *ev)
{
	if (ev->mask & GONE) {
		lost(w, ev->mask & IN_MOVE_SELF ? "moved away" : "removed");
		return;
	}
	if (!ev->len) { /* the directory's own mode or owner */
		changed(w);
		return;
	}
	if (!vtap_policy_file_name(ev->name))
		return; /* a temporary file, not read until renamed in */
	if ((ev->mask & IN_CREATE) && !creation_changes(w, ev->name))
		return;
	changed(w);
}

static void on_parent_event(struct vtap_dir_watch *w, const struct inotify_event *ev)
{
	if (ev->mask & GONE) {
		/* the parent itself went: retried by the timer */
		if (!(ev->mask & IN_IGNORED))
			inotify_rm_watch(w->ifd, w->parent_wd);
		w->parent_wd = -1;
		if (!w->pending)
			arm(w, RETRY_MS); /* else the pending change's timer retries */
		return;
	}
	if (!ev->len || strcmp(ev->name, w->base))
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		watch_dir(w);
	else if (!w->missing)
		lost(w, ev->mask & IN_MOVED_FROM ? "moved away" : "removed");
}

static void read_events(struct vtap_dir_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(w->ifd, buf, sizeof(buf))) > 0) {
		const struct inotify_event *ev;

		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* events were lost: the directory may even
				 * have been replaced */
				log_warn("policy directory %s: change events were lost; reloading",
					 w->dir);
				if (!watch_dir(w))
					lost(w, "removed");
				changed(w);
			} else if (ev->wd == w->dir_wd) {
				on_dir_event(w, ev);
			} else if (ev->wd == w->parent_wd) {
				on_parent_event(w, ev);
			}
		}
	}
}

static bool on_timer(struct vtap_dir_watch *w)
{
	bool retry;

	watch_parent(w);
	if (w->missing)
		watch_dir(w);
	retry = w->missing || (w->parent && w->parent_wd < 0);
	if (!w->pending) {
		if (retry)
			arm(w, RETRY_MS);
		return false;
	}
	if (!w->missing) {
		char name[sizeof(w->writer)];

		if (vtap_policy_dir_writer(w->dir, name, sizeof(name))) {
			if (!w->held || strcmp(name, w->writer))
				log_info("%s/%s is open for writing: reloading once it is closed",
					 w->dir, vtap_quote(name).s);
			snprintf(w->writer, sizeof(w->writer), "%s", name);
			w->held = true;
			arm(w, RETRY_MS); /* its close is an event too; this is in case */
			return false;
		}
	}
	w->pending = false;
	w->held = false;
	if (retry)
		arm(w, RETRY_MS);
	return true;
}

bool vtap_dir_watch_event(struct vtap_dir_watch *w)
{
	uint64_t expirations;

	read_events(w);
	/* after the events: one that arms the timer again (a change while
	 * held back) drops an expiry not read yet, and the timer runs anew */
	if (read(w->tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return false;
	return on_timer(w);
}

int vtap_dir_watch_fd(const struct vtap_dir_watch *w)
{
	return w->ep;
}

void vtap_dir_watch_close(struct vtap_dir_watch *w)
{
	if (!w)
		return;
	if (w->ep >= 0)
		close(w->ep);
	if (w->ifd >= 0)
		close(w->ifd);
	if (w->tfd >= 0)
		close(w->tfd);
	free(w->parent);
	free(w);
}

/* "/a/b/" -> parent "/a", base "b"; "b" -> ".", "b"; "/" -> none. */
static int split_path(struct vtap_dir_watch *w)
{
	size_t len = strlen(w->dir);
	char *p, *slash;

	while (len > 1 && w->dir[len - 1] == '/')
		len--;
	p = malloc(len + 3);
	if (!p)
		return -1;
	memcpy(p, w->dir, len);
	p[len] = '\0';
	slash = strrchr(p, '/');
	if (!slash) { /* "b": "." then "b" in one buffer */
		memmove(p + 2, p, len + 1);
		memcpy(p, ".", 2);
		w->base = p + 2;
	} else if (slash == p) { /* "/b" or "/" */
		if (!p[1]) {
			free(p);
			return 0;
		}
		memmove(p + 2, p + 1, len);
		memcpy(p, "/", 2);
		w->base = p + 2;
	} else {
		*slash = '\0';
		w->base = slash + 1;
	}
	w->parent = p;
	return 0;
}

struct vtap_dir_watch *vtap_dir_watch_open(const char *dir)
{
	struct vtap_dir_watch *w = calloc(1, sizeof(*w));
	struct epoll_event ev = {.events = EPOLLIN};
	int err;

	if (!w)
		return NULL;
	w->dir = dir;
	w->dir_wd = w->parent_wd = -1;
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ifd < 0 || w->tfd < 0 || w->ep < 0 || split_path(w) < 0)
		goto fail;
	ev.data.fd = w->ifd;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->ifd, &ev) < 0)
		goto fail;
	ev.data.fd = w->tfd;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &ev) < 0)
		goto fail;
	watch_parent(w);
	if (!watch_dir(w)) {
		log_warn("cannot watch policy directory %s (%s): trying again every second; "
			 "`vtapctl reload` or SIGHUP reload it meanwhile",
			 dir, strerror(errno));
		w->missing = true;
		arm(w, RETRY_MS);
	}
	return w;
fail:
	err = errno;
	vtap_dir_watch_close(w);
	errno = err;
	return NULL;
}
