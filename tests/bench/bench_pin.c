// SPDX-License-Identifier: GPL-2.0
/* bench_pin: for scripts/bench.sh's "vtap classifier + mirred" variant (design
 * §5: cls_bpf as classifier, tc mirred as the copy). Loads vtap's BPF object
 * with its maps pinned under PIN_ROOT, compiles the policy file against the
 * host's interfaces, applies it and pins program vtap_tc_out at PROG_PIN, so
 * that tc can attach the same program in non-direct-action mode:
 *
 *   tc filter add dev PORT ingress bpf object-pinned PROG_PIN \
 *           action mirred egress mirror dev MON
 *
 * With a matching `action: skip` rule the program classifies and counts, makes
 * no copy and returns TC_ACT_UNSPEC (-1), which cls_bpf without direct-action
 * reads as "match, default classid": the filter's mirred action runs.
 * Nothing is attached here, no sink program is installed.
 *
 * Usage: bench_pin PIN_ROOT PROG_PIN POLICY.yaml
 * Exits leaving the pins; the caller removes PIN_ROOT (rm -r). Needs root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include "core/policy.h"
#include "core/image.h"
#include "kernel/loader.h"

#define MAX_MONITORS 8

int main(int argc, char **argv)
{
	struct vtap_policy_set set = { 0 };
	struct vtap_errors errs = { 0 };
	struct vtap_compile_env env = { 0 };
	struct vtap_host_port *hp = NULL;
	struct if_nameindex *ifs, *i;
	__u32 sinks[MAX_MONITORS] = { 0 };
	struct vtap_loader ld;
	struct vtap_image img;
	const char *paths[1];
	size_t n = 0;
	int ret = 1, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_pin PIN_ROOT PROG_PIN POLICY.yaml\n");
		return 2;
	}
	paths[0] = argv[3];
	if (vtap_policy_load_files(paths, 1, &set, &errs)) {
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "bench_pin: %s\n", errs.msgs[e]);
		vtap_errors_free(&errs);
		return 1;
	}
	/* every interface of this namespace is a candidate for the globs */
	ifs = if_nameindex();
	for (i = ifs; i && i->if_index; i++)
		n++;
	hp = calloc(n ? n : 1, sizeof(*hp));
	if (!hp)
		goto out_set;
	n = 0;
	for (i = ifs; i && i->if_index; i++, n++) {
		snprintf(hp[n].name, IF_NAMESIZE, "%s", i->if_name);
		hp[n].ifindex = i->if_index;
	}
	if (ifs)
		if_freenameindex(ifs);
	for (size_t m = 0; m < set.n_monitors && m < MAX_MONITORS; m++)
		sinks[m] = if_nametoindex(set.monitors[m].port);
	env.ports = hp;
	env.n_ports = n;
	env.sink_ifindex = sinks;
	if (vtap_compile(&set, &env, &img, &errs)) {
		for (size_t e = 0; e < errs.n; e++)
			fprintf(stderr, "bench_pin: %s\n", errs.msgs[e]);
		vtap_errors_free(&errs);
		goto out_hp;
	}
	if (vtap_loader_open(&ld, argv[1])) {
		fprintf(stderr, "bench_pin: cannot load the BPF object under %s\n", argv[1]);
		goto out_img;
	}
	if (vtap_loader_apply(&ld, &img)) {
		fprintf(stderr, "bench_pin: cannot apply %s\n", argv[3]);
		goto out_ld;
	}
	fd = vtap_loader_prog(&ld, VTAP_PROG_TC_OUT);
	if (fd < 0 || bpf_obj_pin(fd, argv[2])) {
		fprintf(stderr, "bench_pin: cannot pin %s at %s: %s\n",
			vtap_prog_name(VTAP_PROG_TC_OUT), argv[2], strerror(errno));
		goto out_ld;
	}
	ret = 0;
out_ld:
	vtap_loader_close(&ld, 0);
out_img:
	vtap_image_free(&img);
out_hp:
	free(hp);
out_set:
	vtap_policy_set_free(&set);
	return ret;
}
