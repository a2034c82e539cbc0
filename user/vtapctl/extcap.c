// SPDX-License-Identifier: GPL-2.0
/* vtapctl extcap: Wireshark's extcap interface (extcap(4)). Wireshark and
 * tshark run the program in their extcap folder (a wrapper that calls
 * `vtapctl extcap "$@"`, installed by make install and the package):
 *   --extcap-interfaces   one interface vtap-POLICY per capture policy of
 *                         the vtapd on the control socket (none when no
 *                         vtapd answers: tshark -D must still work)
 *   --extcap-dlts         Ethernet
 *   --extcap-config       the one option: --socket (which vtapd)
 *   --capture --fifo F    `vtapctl capture POLICY -w F`: the pcapng stream
 * Wireshark stops a capture with SIGTERM, tshark -a by closing the fifo:
 * both end vtapctl capture cleanly. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/version.h"
#include "client.h"

#define IFACE_PREFIX "vtap-"

/* The capture policies of the daemon on path: fn(arg, name, monitor) each.
 * -1 when it does not answer or its answer is not the expected JSON. */
static int capture_policies(const char *path,
			    void (*fn)(void *arg, const char *name, const char *monitor), void *arg)
{
	char *argv[] = {"policies", "--json"}, *reply = NULL;
	size_t len;
	json_t *all, *p;
	size_t i;

	if (vtapctl_request(path, 2, argv, &reply, &len) || strncmp(reply, "ok\n", 3)) {
		free(reply);
		return -1;
	}
	all = json_loads(reply + 3, 0, NULL);
	free(reply);
	if (!json_is_array(all)) {
		json_decref(all);
		return -1;
	}
	json_array_foreach(all, i, p)
	{
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *type = json_string_value(json_object_get(p, "monitor_type"));
		const char *mon = json_string_value(json_object_get(p, "monitor"));

		if (name && type && !strcmp(type, "capture"))
			fn(arg, name, mon ? mon : "");
	}
	json_decref(all);
	return 0;
}

static void print_interface(void *arg, const char *name, const char *monitor)
{
	(void)arg;
	printf("interface {value=" IFACE_PREFIX "%s}{display=vtap: copies of policy %s (monitor "
	       "%s)}\n",
	       name, name, monitor);
}

static void find_policy(void *arg, const char *name, const char *monitor)
{
	const char **want = arg;

	(void)monitor;
	if (*want && !strcmp(*want, name))
		*want = NULL; /* found */
}

int vtapctl_extcap(const char *path, int argc, char **argv)
{
	enum { INTERFACES = 1, DLTS, CONFIG, CAPTURE, IFACE, FIFO, FILTER, SOCKET, VERSION };
	static const struct option opts[] = {
	    {"extcap-interfaces", no_argument, NULL, INTERFACES},
	    {"extcap-dlts", no_argument, NULL, DLTS},
	    {"extcap-config", no_argument, NULL, CONFIG},
	    {"capture", no_argument, NULL, CAPTURE},
	    {"extcap-interface", required_argument, NULL, IFACE},
	    {"fifo", required_argument, NULL, FIFO},
	    {"extcap-capture-filter", required_argument, NULL, FILTER},
	    {"socket", required_argument, NULL, SOCKET},
	    {"extcap-version", optional_argument, NULL, VERSION},
	    {0},
	};
	const char *iface = NULL, *fifo = NULL, *policy;
	int c, what = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case INTERFACES:
		case DLTS:
		case CONFIG:
		case CAPTURE:
			what = c;
			break;
		case IFACE:
			iface = optarg;
			break;
		case FIFO:
			fifo = optarg;
			break;
		case SOCKET:
			path = optarg;
			break;
		case FILTER: /* vtap's policies are its filter: no capture filter */
		case VERSION:
			break;
		default:
			fprintf(stderr, "vtapctl extcap: see vtapctl(8), EXTCAP\n");
			return 2;
		}
	}
	if (what == INTERFACES) {
		printf("extcap {version=%s}{help=man:vtapctl(8)}{display=vtap capture "
		       "policies}\n",
		       vtap_version);
		capture_policies(path, print_interface, NULL); /* no vtapd: no interface */
		return 0;
	}
	if (!iface || strncmp(iface, IFACE_PREFIX, strlen(IFACE_PREFIX)) ||
	    !iface[strlen(IFACE_PREFIX)]) {
		fprintf(stderr, "vtapctl extcap: --extcap-interface vtap-POLICY is needed%s%s\n",
			iface ? ", not " : "", iface ? iface : "");
		return 2;
	}
	policy = iface + strlen(IFACE_PREFIX);
	switch (what) {
	case DLTS:
		printf("dlt {number=1}{name=EN10MB}{display=Ethernet (copies of %s)}\n", policy);
		return 0;
	case CONFIG:
		printf("arg {number=0}{call=--socket}{display=vtapd control socket}{type=string}"
		       "{default=%s}{tooltip=The control socket of the vtapd whose policy this "
		       "is}\n",
		       path);
		return 0;
	case CAPTURE: {
		const char *want = policy;
		char *cap[] = {"capture", (char *)policy, "-w", (char *)fifo};

		if (!fifo) {
			fprintf(stderr, "vtapctl extcap: --capture needs --fifo PATH\n");
			return 2;
		}
		if (capture_policies(path, find_policy, &want)) {
			fprintf(stderr, "vtapctl extcap: no vtapd answers on %s\n", path);
			return 1;
		}
		if (want) {
			fprintf(stderr,
				"vtapctl extcap: %s is not a capture policy of the vtapd on %s\n",
				policy, path);
			return 1;
		}
		return vtapctl_capture(path, 4, cap);
	}
	default:
		fprintf(stderr, "vtapctl extcap: give --extcap-interfaces, --extcap-dlts, "
				"--extcap-config or --capture\n");
		return 2;
	}
}
