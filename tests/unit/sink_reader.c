// SPDX-License-Identifier: GPL-2.0
/* See sink_reader.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include "sink_reader.h"

int sink_reader_open(const char *name)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	int one = 1, fd;

	sll.sll_ifindex = (int)if_nametoindex(name);
	if (!sll.sll_ifindex)
		return -1;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

void sink_reader_drain(int fd)
{
	uint8_t buf[2048];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
}

int sink_reader_next(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, timeout_ms) == 1) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll from;
		struct iovec iov = {.iov_base = buf + 4, .iov_len = cap - 4};
		struct msghdr mh = {.msg_name = &from,
				    .msg_namelen = sizeof(from),
				    .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = &ctl,
				    .msg_controllen = sizeof(ctl)};
		struct cmsghdr *c;
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return -1;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		/* the frame was read 4 bytes in, room for a tag to go back */
		memmove(buf, buf + 4, (size_t)n);
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;
			uint16_t tag[2];

			if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if (!(aux.tp_status & TP_STATUS_VLAN_VALID) || n < 12 ||
			    (size_t)n + 4 > cap)
				continue;
			tag[0] = htons(aux.tp_vlan_tpid ? aux.tp_vlan_tpid : ETH_P_8021Q);
			tag[1] = htons(aux.tp_vlan_tci);
			memmove(buf + 16, buf + 12, (size_t)n - 12);
			memcpy(buf + 12, tag, 4);
			n += 4;
		}
		return (int)n;
	}
	errno = ETIMEDOUT;
	return -1;
}
