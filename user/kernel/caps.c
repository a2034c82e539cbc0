// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "caps.h"
#include "core/log.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

int vtap_drop_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	int last = last_cap(), keep[6], n_keep = 0;

	/* AF_XDP memory of capture monitors made later is locked memory:
	 * lift the limit while CAP_SYS_RESOURCE may be there, and keep
	 * CAP_IPC_LOCK, which exempts it, where it is not */
	if (setrlimit(RLIMIT_MEMLOCK, &inf))
		log_debug("cannot lift the locked-memory limit: %s", strerror(errno));
	keep[n_keep++] = CAP_NET_ADMIN;
	keep[n_keep++] = CAP_NET_RAW;  /* AF_XDP sockets of capture monitors */
	keep[n_keep++] = CAP_IPC_LOCK; /* their UMEM */
	/* the XDP program of a capture monitor added by a later reload: without
	 * CAP_PERFMON the verifier takes its packet-pointer arithmetic for an
	 * unprivileged program's and refuses it (EACCES) */
	if (last >= CAP_PERFMON)
		keep[n_keep++] = CAP_PERFMON;
	if (last >= CAP_BPF)
		keep[n_keep++] = CAP_BPF;
	else
		keep[n_keep++] = CAP_SYS_ADMIN; /* kernels before CAP_BPF */

	/* the bounding set first: dropping it needs CAP_SETPCAP, dropped below */
	for (int c = 0; c <= last; c++) {
		int k = 0;

		for (int i = 0; i < n_keep; i++)
			k |= keep[i] == c;
		/* under a service manager's CapabilityBoundingSet most are gone
		 * already, and dropping them again would need CAP_SETPCAP */
		if (k || prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
			log_warn("cannot drop capability %d from the bounding set: %s", c,
				 strerror(errno));
			return -errno;
		}
	}
	memset(data, 0, sizeof(data));
	for (int i = 0; i < n_keep; i++) {
		data[keep[i] / 32].effective |= 1u << (keep[i] % 32);
		data[keep[i] / 32].permitted |= 1u << (keep[i] % 32);
	}
	if (syscall(SYS_capset, &hdr, data)) {
		log_warn("cannot drop capabilities: %s (running with all of them)", strerror(errno));
		return -errno;
	}
	log_info("dropped every capability but CAP_NET_ADMIN, CAP_NET_RAW, CAP_IPC_LOCK, "
		 "CAP_PERFMON and %s",
		 last >= CAP_BPF ? "CAP_BPF" : "CAP_SYS_ADMIN");
	return 0;
}
