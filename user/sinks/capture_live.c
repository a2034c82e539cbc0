// SPDX-License-Identifier: GPL-2.0
/* A capture monitor's live streams: `vtapctl capture` clients, each sent
 * pcapng of one policy's copies, never blocking the daemon. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "capture_internal.h"

/* A live client is sent whole pcapng blocks only; what it cannot take at
 * once waits here, and beyond this the record is dropped (counted). */
#define CLIENT_PENDING_MAX (4u << 20)

static void client_drop(struct vtap_capture *c, size_t i)
{
	struct cap_client *cl = &c->clients[i];

	vtap_capture_ep_watch(cl->fd, 0, EPOLL_CTL_DEL);
	close(cl->fd);
	vtap_pcapng_buf_free(&cl->pending);
	c->clients[i] = c->clients[--c->n_clients];
}

/* Send what is pending without blocking; false when the client is gone. */
static bool client_flush(struct cap_client *cl)
{
	while (cl->off < cl->pending.len) {
		ssize_t n = send(cl->fd, cl->pending.p + cl->off, cl->pending.len - cl->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			vtap_capture_ep_watch(cl->fd, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
			return true;
		}
		if (n <= 0)
			return false;
		cl->off += (size_t)n;
	}
	cl->pending.len = cl->off = 0;
	vtap_capture_ep_watch(cl->fd, EPOLLIN, EPOLL_CTL_MOD);
	return !cl->closing;
}

int vtap_capture_add_client(struct vtap_capture *c, int fd, uint32_t policy_id, const char *policy,
			    uint32_t snaplen, uint64_t count)
{
	struct cap_client *cl, *n = realloc(c->clients, (c->n_clients + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	c->clients = n;
	cl = &c->clients[c->n_clients];
	memset(cl, 0, sizeof(*cl));
	cl->fd = fd;
	cl->policy_id = policy_id;
	snprintf(cl->policy, sizeof(cl->policy), "%s", policy);
	cl->left = count;
	vtap_pcapng_shb(&cl->pending);
	vtap_pcapng_idb(&cl->pending, policy, snaplen);
	if (cl->pending.oom) {
		vtap_pcapng_buf_free(&cl->pending);
		return -ENOMEM;
	}
	c->n_clients++;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	vtap_capture_ep_watch(fd, EPOLLIN, EPOLL_CTL_ADD);
	if (!client_flush(cl))
		client_drop(c, c->n_clients - 1);
	return 0;
}

bool vtap_capture_client_event(struct vtap_capture *c, int fd, uint32_t events)
{
	for (size_t i = 0; i < c->n_clients; i++) {
		struct cap_client *cl = &c->clients[i];

		if (cl->fd != fd)
			continue;
		if (events & EPOLLIN) {
			char buf[256];
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

			/* a client says nothing after its request: a read
			 * event is its end */
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				client_drop(c, i);
				return true;
			}
		}
		if ((events & (EPOLLHUP | EPOLLERR)) || !client_flush(cl))
			client_drop(c, i);
		return true;
	}
	return false;
}

void vtap_capture_live_write(struct vtap_capture *c, uint32_t id, const char *name, uint64_t ts,
			     const uint8_t *pkt, uint32_t caplen, uint32_t orig)
{
	for (size_t i = 0; i < c->n_clients; i++) {
		struct cap_client *cl = &c->clients[i];

		if (cl->policy_id != id || cl->closing || strcmp(cl->policy, name))
			continue;
		if (cl->pending.len > CLIENT_PENDING_MAX) {
			c->st.live_dropped++;
			continue;
		}
		vtap_pcapng_epb(&cl->pending, 0, ts, pkt, caplen, orig);
		c->st.live_sent++;
		if (cl->left && !--cl->left)
			cl->closing = true;
	}
}

void vtap_capture_live_flush(struct vtap_capture *c)
{
	for (size_t i = 0; i < c->n_clients;) {
		if (c->clients[i].pending.len && !client_flush(&c->clients[i]))
			client_drop(c, i);
		else
			i++;
	}
}

void vtap_capture_live_close(struct vtap_capture *c)
{
	while (c->n_clients) {
		client_flush(&c->clients[c->n_clients - 1]);
		client_drop(c, c->n_clients - 1);
	}
	free(c->clients);
	c->clients = NULL;
}
