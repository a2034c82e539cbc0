// SPDX-License-Identifier: GPL-2.0
/* See server.h. A client goes through two states: reading its request (one
 * line, VTAP_CTL_MAX_LINE bytes at most, before its request deadline), then
 * receiving the reply (the "ok"/"error" line and the body the handler
 * wrote, queued whole, sent as the socket takes it, before its reply
 * deadline). Then it is closed. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <unistd.h>
#include "core/log.h"
#include "ctl.h"
#include "server.h"
#include "socket.h"

#define EVENTS_PER_RUN	16 /* a run serves at most this many ready fds ... */
#define ACCEPTS_PER_RUN 16 /* ... and accepts at most this many connections */
#define BACKLOG		128

struct client {
	int fd;
	bool dead;     /* dropped during this run: freed at its end */
	bool replying; /* the request is answered: the reply is being sent */
	bool refused;  /* not root: its answer is the refusal */
	bool quit;     /* its command stops the server once answered */
	int pid, uid;
	long long since, deadline; /* ms, CLOCK_MONOTONIC */
	const char *status;	   /* "ok\n" or "error\n" */
	struct sbuf body;
	size_t off, total; /* bytes of status + body sent, and in all */
	size_t in_len;
	char in[VTAP_CTL_MAX_LINE];
};

struct vtap_ctl_server {
	struct vtap_ctl_server_conf conf;
	struct vtap_ctl_limits lim;
	struct vtap_ctl_sock_id id;
	int lfd, ep, tfd;
	struct client **cl;
	size_t n, live;
	size_t queued; /* reply bytes not yet sent, all clients */
	bool quit;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long vtap_ctl_frame(const char *buf, size_t len, size_t cap)
{
	const char *nl = memchr(buf, '\n', len);
	size_t end = nl ? (size_t)(nl - buf) : len;

	if (memchr(buf, 0, end))
		return VTAP_CTL_FRAME_BINARY;
	if (nl)
		return (long)end;
	return len + 1 >= cap ? VTAP_CTL_FRAME_LONG : VTAP_CTL_FRAME_MORE;
}

static void drop(struct vtap_ctl_server *s, struct client *c)
{
	if (c->dead)
		return;
	c->dead = true;
	s->live--;
	if (c->replying)
		s->queued -= c->total - c->off;
	if (c->quit)
		s->quit = true;
	if (c->fd >= 0) {
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	sbuf_free(&c->body);
}

/* Free the clients dropped during this run */
static void reap(struct vtap_ctl_server *s)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->cl[i]->dead)
			free(s->cl[i]);
		else
			s->cl[k++] = s->cl[i];
	}
	s->n = k;
}

/* A short answer to a connection the server does not keep: its socket
 * buffer is empty, so it fits, or the peer is gone. */
static void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len > 0 && send(fd, msg, (size_t)len < sizeof(msg) ? (size_t)len : sizeof(msg) - 1,
			    MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_debug("control client went away before its answer");
}

static void send_reply(struct vtap_ctl_server *s, struct client *c)
{
	size_t slen = strlen(c->status);

	while (c->off < c->total) {
		struct iovec iov[2];
		struct msghdr m = {.msg_iov = iov};
		size_t boff = c->off > slen ? c->off - slen : 0;
		ssize_t w;

		if (c->off < slen)
			iov[m.msg_iovlen++] =
			    (struct iovec){(void *)(c->status + c->off), slen - c->off};
		if (c->body.len > boff)
			iov[m.msg_iovlen++] = (struct iovec){c->body.s + boff, c->body.len - boff};
		w = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w > 0) {
			c->off += (size_t)w;
			s->queued -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* EPOLLOUT brings the client back */
		log_debug("control client (pid %d) went away before its answer", c->pid);
		break;
	}
	drop(s, c); /* sent (or the peer is gone): one request per connection */
}

/* Replace the reply's body by one line (an error of the server's own) */
static void body_error(struct client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void body_error(struct client *c, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sbuf_free(&c->body);
	c->body.oom = 0;
	sbuf_printf(&c->body, "%s\n", msg);
}

/* The answer is in c->body (ret: the command's result): queue it within
 * the bounds and start sending */
static void start_reply(struct vtap_ctl_server *s, struct client *c, int ret)
{
	const char *who = s->conf.name;
	size_t len = c->body.len;

	if (c->body.oom) {
		body_error(c, "%s: out of memory for the reply", who);
		ret = -1;
	} else if (len > s->lim.reply_max) {
		body_error(c,
			   "%s: the reply (%zu bytes) is over the control socket's bound of %zu "
			   "bytes; ask for less (stats NAME)",
			   who, len, s->lim.reply_max);
		ret = -1;
	} else if (s->queued + len > s->lim.queued_max) {
		body_error(c,
			   "%s: busy: %zu bytes of replies wait for clients that do not read them "
			   "(bound %zu); try again",
			   who, s->queued, s->lim.queued_max);
		ret = -1;
	}
	c->status = ret ? "error\n" : "ok\n";
	c->total = strlen(c->status) + c->body.len;
	c->off = 0;
	c->replying = true;
	c->deadline = now_ms() + s->lim.reply_ms;
	s->queued += c->total;
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	send_reply(s, c);
}

static void answer(struct vtap_ctl_server *s, struct client *c)
{
	const struct vtap_ctl_command *cmd = NULL;
	struct vtap_ctl_req r;
	int ret;

	if (c->refused) {
		sbuf_printf(&c->body, "%s: only root may control %s\n", s->conf.name, s->conf.name);
		start_reply(s, c, -1);
		return;
	}
	ret = vtap_ctl_dispatch(s->conf.table, s->conf.srv, c->in, c->fd, &r, &c->body, &cmd);
	if (r.taken) { /* the handler answered on the connection and keeps it */
		epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
		c->fd = -1;
		drop(s, c);
		return;
	}
	c->quit = !ret && cmd && (cmd->flags & VTAP_CTL_QUIT);
	start_reply(s, c, ret);
}

static void read_request(struct vtap_ctl_server *s, struct client *c)
{
	for (;;) {
		long end = vtap_ctl_frame(c->in, c->in_len, sizeof(c->in));
		ssize_t n;

		if (end >= 0) {
			c->in[end] = 0;
			answer(s, c);
			return;
		}
		if (end != VTAP_CTL_FRAME_MORE) {
			if (end == VTAP_CTL_FRAME_LONG)
				sbuf_printf(&c->body, "request longer than %zu bytes\n",
					    sizeof(c->in) - 1);
			else
				sbuf_printf(&c->body, "request is not a line of text (NUL byte)\n");
			start_reply(s, c, -1);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n == 0 && c->in_len) {
			/* the client shut its side without a newline: that ends the line */
			c->in[c->in_len] = 0;
			answer(s, c);
			return;
		}
		drop(s, c); /* gone without a word (a probe), or an error */
		return;
	}
}

/* All slots taken: drop the oldest client that has not sent its request */
static bool make_room(struct vtap_ctl_server *s)
{
	struct client *old = NULL;

	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->cl[i];

		if (!c->dead && !c->replying && (!old || c->since < old->since))
			old = c;
	}
	if (!old)
		return false;
	log_info("control clients at the bound (%u): dropped the oldest one still silent (pid %d)",
		 s->lim.clients, old->pid);
	say(old->fd, "error\n%s: too many control clients; dropped for a newer one\n",
	    s->conf.name);
	drop(s, old);
	return true;
}

static void add_client(struct vtap_ctl_server *s, int fd)
{
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t len = sizeof(cred);
	struct client *c = calloc(1, sizeof(*c));
	struct client **cl = realloc(s->cl, (s->n + 1) * sizeof(*cl));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

	if (cl)
		s->cl = cl;
	if (!c || !cl)
		errno = ENOMEM;
	if (!c || !cl || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev)) {
		log_warn("control socket %s: cannot take a client: %s", s->conf.path,
			 strerror(errno));
		say(fd, "error\n%s: cannot take the request (out of resources)\n", s->conf.name);
		free(c);
		close(fd);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		cred.uid = (uid_t)-1;
	c->fd = fd;
	c->pid = (int)cred.pid;
	c->uid = (int)cred.uid;
	c->since = now_ms();
	c->deadline = c->since + s->lim.request_ms;
	/* the request is read all the same, so a refused client gets its
	 * answer instead of a broken pipe */
	c->refused = cred.uid != 0;
	if (c->refused)
		log_warn("refused a control connection from uid %d (pid %d)", c->uid, c->pid);
	s->cl[s->n++] = c;
	s->live++;
}

static void accept_some(struct vtap_ctl_server *s)
{
	for (int i = 0; i < ACCEPTS_PER_RUN; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("control socket %s: accept: %s", s->conf.path,
					 strerror(errno));
			return;
		}
		if (s->live >= s->lim.clients && !make_room(s)) {
			say(fd,
			    "error\n%s: too many control clients (%u) waiting for their replies; "
			    "try again\n",
			    s->conf.name, s->lim.clients);
			close(fd);
			continue;
		}
		add_client(s, fd);
	}
}

static void expire(struct vtap_ctl_server *s)
{
	long long now = now_ms();

	for (size_t i = 0; i < s->n; i++) {
		struct client *c = s->cl[i];

		if (c->dead || now < c->deadline)
			continue;
		if (!c->replying) {
			log_info("control client (pid %d) dropped: no request line within %u ms",
				 c->pid, s->lim.request_ms);
			say(c->fd, "error\n%s: no request line within %u ms\n", s->conf.name,
			    s->lim.request_ms);
		} else {
			log_warn("control client (pid %d) dropped: it read %zu of the %zu bytes of "
				 "its reply within %u ms",
				 c->pid, c->off, c->total, s->lim.reply_ms);
		}
		drop(s, c);
	}
}

/* The timer fires at the earliest deadline */
static void arm(struct vtap_ctl_server *s)
{
	struct itimerspec its = {0};
	long long next = LLONG_MAX;

	for (size_t i = 0; i < s->n; i++)
		if (s->cl[i]->deadline < next)
			next = s->cl[i]->deadline;
	if (next != LLONG_MAX) {
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000 + 1; /* never 0: that disarms */
	}
	timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void vtap_ctl_server_run(struct vtap_ctl_server *s)
{
	struct epoll_event ev[EVENTS_PER_RUN];
	int n = epoll_wait(s->ep, ev, EVENTS_PER_RUN, 0);

	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;

		if (p == &s->lfd) {
			accept_some(s);
		} else if (p == &s->tfd) {
			uint64_t ticks;

			if (read(s->tfd, &ticks, sizeof(ticks)) < 0)
				log_debug("control timer: %s", strerror(errno));
		} else {
			struct client *c = p;

			if (c->dead)
				continue;
			if (!c->replying)
				read_request(s, c);
			else
				send_reply(s, c);
		}
	}
	expire(s);
	reap(s);
	arm(s);
}

struct vtap_ctl_server *vtap_ctl_server_open(const struct vtap_ctl_server_conf *conf)
{
	static const struct vtap_ctl_limits defaults = {
	    .clients = VTAP_CTL_CLIENTS,
	    .request_ms = VTAP_CTL_REQUEST_MS,
	    .reply_ms = VTAP_CTL_REPLY_MS,
	    .reply_max = VTAP_CTL_REPLY_MAX,
	    .queued_max = VTAP_CTL_QUEUED_MAX,
	};
	struct vtap_ctl_server *s = calloc(1, sizeof(*s));
	struct epoll_event lev = {.events = EPOLLIN}, tev = {.events = EPOLLIN};

	if (!s) {
		log_err("control socket %s: out of memory", conf->path);
		return NULL;
	}
	s->conf = *conf;
	s->lim = conf->limits ? *conf->limits : defaults;
	s->ep = s->tfd = -1;
	s->lfd = vtap_ctl_socket_listen(conf->path, BACKLOG, &s->id);
	if (s->lfd < 0) {
		free(s);
		return NULL;
	}
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	lev.data.ptr = &s->lfd;
	tev.data.ptr = &s->tfd;
	if (s->ep < 0 || s->tfd < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->lfd, &lev) ||
	    epoll_ctl(s->ep, EPOLL_CTL_ADD, s->tfd, &tev)) {
		log_err("control socket %s: cannot set up its events: %s", conf->path,
			strerror(errno));
		vtap_ctl_server_close(s);
		return NULL;
	}
	return s;
}

int vtap_ctl_server_fd(const struct vtap_ctl_server *s)
{
	return s->ep;
}

bool vtap_ctl_server_quit(const struct vtap_ctl_server *s)
{
	return s->quit;
}

size_t vtap_ctl_server_clients(const struct vtap_ctl_server *s)
{
	return s->live;
}

void vtap_ctl_server_close(struct vtap_ctl_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		drop(s, s->cl[i]);
	reap(s);
	free(s->cl);
	if (s->ep >= 0)
		close(s->ep);
	if (s->tfd >= 0)
		close(s->tfd);
	close(s->lfd);
	vtap_ctl_socket_remove(s->conf.path, &s->id);
	free(s);
}
