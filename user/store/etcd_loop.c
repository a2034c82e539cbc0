// SPDX-License-Identifier: GPL-2.0
/* The client's loop: curl's multi interface driven by socket and timer
 * callbacks (curl_multi_socket_action), its sockets in a private epoll set
 * together with one timerfd for curl's timeout and the client's own timers
 * (retries, keepalives, reconnects). The caller polls that epoll fd and
 * calls etcd_dispatch(): one fd in the caller's loop, nothing blocks. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "store/etcd_internal.h"

uint64_t etcd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* the timerfd at the earliest deadline, or disarmed */
static void rearm(struct etcd *e)
{
	uint64_t due = e->curl_due;
	struct etcd_list *p;
	struct itimerspec its = {0};

	for (p = e->timers.next; p != &e->timers; p = p->next) {
		struct etcd_timer *t = etcd_of(p, struct etcd_timer, link);

		if (!due || t->due < due)
			due = t->due;
	}
	if (due) {
		its.it_value.tv_sec = (time_t)(due / 1000);
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
	}
	timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void etcd_timer_cancel(struct etcd *e, struct etcd_timer *t)
{
	(void)e;
	etcd_list_del(&t->link);
	t->due = 0;
}

void etcd_timer_arm(struct etcd *e, struct etcd_timer *t, uint64_t delay_ms)
{
	etcd_timer_cancel(e, t);
	t->due = etcd_now_ms() + delay_ms;
	etcd_list_add(&e->timers, &t->link);
	rearm(e);
}

/* fire the timers due now; one armed again meanwhile, even with no delay,
 * waits for the next call */
static void run_timers(struct etcd *e)
{
	uint64_t now = etcd_now_ms();
	struct etcd_list due, *p, *next;

	etcd_list_init(&due);
	for (p = e->timers.next; p != &e->timers; p = next) {
		next = p->next;
		if (etcd_of(p, struct etcd_timer, link)->due <= now) {
			etcd_list_del(p);
			etcd_list_add(&due, p);
		}
	}
	/* a callback may cancel a timer still in due: it leaves the list */
	while (etcd_list_linked(&due)) {
		struct etcd_timer *t = etcd_of(due.next, struct etcd_timer, link);

		etcd_timer_cancel(e, t);
		t->fire(t);
	}
}

uint64_t etcd_backoff(struct etcd *e, int round)
{
	uint64_t base = (uint64_t)e->o.backoff_min_ms, max = (uint64_t)e->o.backoff_max_ms;
	int i;

	for (i = 1; i < round && base < max; i++)
		base *= 2;
	if (base > max)
		base = max;
	/* xorshift64: jitter only, no need for more */
	e->rnd ^= e->rnd << 13;
	e->rnd ^= e->rnd >> 7;
	e->rnd ^= e->rnd << 17;
	return base / 2 + e->rnd % (base / 2 + 1);
}

static int sock_cb(CURL *h, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct etcd *e = userp;
	struct epoll_event ev = {.data.fd = s};

	(void)h;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(e->epfd, EPOLL_CTL_DEL, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(e->epfd, EPOLL_CTL_MOD, s, &ev) && errno == ENOENT)
		epoll_ctl(e->epfd, EPOLL_CTL_ADD, s, &ev);
	return 0;
}

static int timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct etcd *e = userp;

	(void)m;
	e->curl_due = timeout_ms < 0 ? 0 : etcd_now_ms() + (uint64_t)timeout_ms;
	rearm(e);
	return 0;
}

int etcd_loop_init(struct etcd *e)
{
	struct epoll_event ev = {.events = EPOLLIN};

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	e->multi = curl_multi_init();
	if (e->epfd < 0 || e->tfd < 0 || !e->multi)
		return -errno ? -errno : -ENOMEM;
	ev.data.fd = e->tfd;
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->tfd, &ev))
		return -errno;
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
	e->rnd = etcd_now_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)e;
	if (!e->rnd)
		e->rnd = 1;
	return 0;
}

int etcd_fd(const struct etcd *e)
{
	return e->epfd;
}

/* hand each finished transfer to its owner */
static void finish_transfers(struct etcd *e)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(e->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		CURL *h = msg->easy_handle;
		CURLcode rc = msg->data.result;
		void *p = NULL;

		curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&p);
		if (!p)
			continue;
		if (*(enum etcd_xfer_kind *)p == ETCD_XFER_REQ)
			etcd_req_finished(p, rc);
		else
			etcd_watch_finished(p, rc);
	}
}

void etcd_dispatch(struct etcd *e)
{
	struct epoll_event ev[32];
	int n, i, running;

	e->depth++;
	n = epoll_wait(e->epfd, ev, 32, 0);
	for (i = 0; i < n; i++) {
		int fd = ev[i].data.fd, mask = 0;

		if (fd == e->tfd) {
			uint64_t ticks;

			if (read(e->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				break;
			continue;
		}
		if (ev[i].events & EPOLLIN)
			mask |= CURL_CSELECT_IN;
		if (ev[i].events & EPOLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (ev[i].events & (EPOLLERR | EPOLLHUP))
			mask |= CURL_CSELECT_ERR;
		curl_multi_socket_action(e->multi, fd, mask, &running);
	}
	if (e->curl_due && etcd_now_ms() >= e->curl_due) {
		e->curl_due = 0;
		curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	}
	/* stream data first: a stream's last messages precede its end */
	etcd_watches_drain(e);
	finish_transfers(e);
	run_timers(e);
	e->depth--;
	if (!e->depth && e->dirty) {
		e->dirty = false;
		etcd_watches_sweep(e, false);
		etcd_leases_sweep(e, false);
	}
	rearm(e);
}

void etcd_wait(struct etcd *e, int timeout_ms)
{
	struct pollfd p = {.fd = e->epfd, .events = POLLIN};

	poll(&p, 1, timeout_ms);
	etcd_dispatch(e);
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct etcd_buf *b = userp;
	size_t n = size * nmemb;

	if (n > b->max - b->len) {
		b->over = true;
		return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);

		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

void etcd_buf_free(struct etcd_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->over = false;
}

CURL *etcd_easy(struct etcd *e, size_t ep, const char *path, const char *body, long timeout_ms,
		void *private, struct etcd_buf *sink, char *errbuf)
{
	size_t len = strlen(e->ep[ep]) + strlen(path) + 1;
	char *url = malloc(len);
	CURL *h = curl_easy_init();

	if (!url || !h)
		goto fail;
	strcpy(url, e->ep[ep]);
	strcat(url, path);
	errbuf[0] = '\0';
	sink->max = e->o.max_response;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, etcd_auth_headers(e));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_PRIVATE, private);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)e->o.connect_timeout_ms);
	if (timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (e->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, e->cacert);
	if (e->cert)
		curl_easy_setopt(h, CURLOPT_SSLCERT, e->cert);
	if (e->key)
		curl_easy_setopt(h, CURLOPT_SSLKEY, e->key);
	if (curl_multi_add_handle(e->multi, h) != CURLM_OK)
		goto fail;
	free(url);
	return h;
fail:
	free(url);
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

void etcd_easy_drop(struct etcd *e, CURL **h)
{
	if (!*h)
		return;
	curl_multi_remove_handle(e->multi, *h);
	curl_easy_cleanup(*h);
	*h = NULL;
}

bool etcd_curl_tls_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return true;
	default:
		return false;
	}
}

void etcd_curl_why(const struct etcd *e, size_t ep, CURLcode rc, const char *curl_err, char *out,
		   size_t len)
{
	bool dropped = rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
		       rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_GOT_NOTHING;

	etcd_fmt(out, len, "%s%s", curl_err && curl_err[0] ? curl_err : curl_easy_strerror(rc),
		 dropped && !e->cert && !strncmp(e->ep[ep], "https:", 6)
		     ? " (no client certificate given)"
		     : "");
}

int etcd_curl_errno(CURLcode rc)
{
	if (etcd_curl_tls_error(rc))
		return -EACCES;
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_WRITE_ERROR:
		return -EFBIG;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -ECONNRESET;
	}
}
