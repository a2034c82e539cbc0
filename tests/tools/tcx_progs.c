// SPDX-License-Identifier: GPL-2.0
/* tcx_progs: the programs on a port's TCX egress, one "NAME ID" line each,
 * first to run first, for the namespace tests (iproute2 6.1 and bpftool 7.1 on
 * Debian 12 do not list TCX). Run in the port's namespace.
 *
 *   tcx_progs DEV                 list
 *   tcx_progs DEV --detach NAME   take the programs of that name off (what
 *                                 another tool would do behind vtapd's back)
 * Exit: 0 (nothing printed: none there), 1 no such device or the query or
 * a detach failed (message on stderr), 2 usage. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "kernel/tcx.h"

int main(int argc, char **argv)
{
	__u32 ids[64], n = 64;
	unsigned int ifindex;
	int ret;

	const char *detach = argc == 4 && !strcmp(argv[2], "--detach") ? argv[3] : NULL;

	if (argc != 2 && !detach) {
		fprintf(stderr, "usage: tcx_progs DEV [--detach NAME]\n");
		return 2;
	}
	if (!(ifindex = if_nametoindex(argv[1]))) {
		fprintf(stderr, "tcx_progs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((ret = vtap_tcx_query((int)ifindex, ids, &n))) {
		fprintf(stderr, "tcx_progs: %s: TCX egress query: %s\n", argv[1], strerror(-ret));
		return 1;
	}
	for (__u32 i = 0; i < n && i < 64; i++) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
			if (!detach) {
				printf("%s %u\n", info.name, ids[i]);
			} else if (!strcmp(info.name, detach) &&
				   (ret = vtap_tcx_detach((int)ifindex, fd))) {
				fprintf(stderr, "tcx_progs: %s: detach %s: %s\n", argv[1], detach,
					strerror(-ret));
				close(fd);
				return 1;
			}
		} else if (!detach) {
			printf("? %u\n", ids[i]);
		}
		if (fd >= 0)
			close(fd);
	}
	return 0;
}
