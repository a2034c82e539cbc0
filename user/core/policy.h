/* SPDX-License-Identifier: GPL-2.0 */
/* The policy model: what vtapd and vtapctl read from policy documents (the
 * *.yaml files of the policy directory, files named on a command line, and
 * later a policy store), and the loading path that builds it: documents ->
 * parsed, merged, validated set. Pure user space; the compiler (compile.c)
 * turns the set into BPF map contents. */
#ifndef VTAP_USER_POLICY_H
#define VTAP_USER_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <vtap/limits.h>
#include <vtap/abi.h>

#define VTAP_NAME_MAX 64 /* monitor and policy names, including NUL */
#define VTAP_PATH_MAX 4096

/* Where a thing was written, for FILE:LINE:COLUMN messages (1-based). */
struct vtap_loc {
	const char *file; /* the document's origin; points into vtap_policy_set.files[] */
	unsigned int line;
	unsigned int col;
};

enum vtap_monitor_type {
	VTAP_MONITOR_LOCAL = 0,
	VTAP_MONITOR_VXLAN,
	VTAP_MONITOR_OVS,
	VTAP_MONITOR_CAPTURE,
	VTAP_MONITOR_GROUP, /* members: monitors of the other types (include/vtap/group.h) */
};

/* ovs monitors: how OVS reaches the sink veth (optional; 0 = not said). */
enum vtap_ovs_datapath {
	VTAP_OVS_DP_UNSET = 0,
	VTAP_OVS_DP_AFXDP, /* type=afxdp netdev */
	VTAP_OVS_DP_DPDK,  /* type=dpdk, dpdk-devargs net_af_xdp */
};

struct vtap_monitor {
	char name[VTAP_NAME_MAX];
	enum vtap_monitor_type type;
	char port[IF_NAMESIZE]; /* local/ovs/capture: interface on this host */
	/* vxlan */
	int remote_family;  /* AF_INET or AF_INET6, 0 if unset */
	uint8_t remote[16]; /* AF_INET: bytes 0..3 (network order); AF_INET6: all 16 */
	uint32_t vni;
	struct vtap_loc loc;
	/* ovs (all optional; empty string / UNSET when not given) */
	char bridge[VTAP_NAME_MAX];   /* OVS bridge the sink veth's peer joins */
	char ovs_port[VTAP_NAME_MAX]; /* OVS port name for that peer */
	enum vtap_ovs_datapath datapath;
	/* capture (all optional) */
	char file[VTAP_PATH_MAX]; /* absolute pcapng path; empty = live only */
	uint64_t rotate_size;	  /* bytes; 0 = never rotate */
	uint32_t rotate_count;	  /* files kept; 0 = unlimited */
	struct vtap_loc port_loc; /* where port was written (line 0 if absent) */
	/* group: its members, by name as written, and (once the set is
	 * validated) by index in vtap_policy_set.monitors; hash: only
	 * symmetric (a connection's both directions to one member) */
	char members[VTAP_GROUP_MAX][VTAP_NAME_MAX];
	struct vtap_loc member_locs[VTAP_GROUP_MAX];
	int member_idx[VTAP_GROUP_MAX];
	size_t n_members;
};

/* A CIDR with IPv4 stored as IPv4-mapped IPv6 (::ffff:a.b.c.d), prefixlen
 * counted in that 128-bit space, so one trie serves both families. */
struct vtap_cidr {
	uint8_t addr[16];
	uint8_t prefixlen; /* 0..128 */
	uint8_t family;	   /* AF_INET or AF_INET6: as written */
};

struct vtap_port_range {
	uint16_t lo, hi; /* inclusive */
};

/* enum vtap_direction (VTAP_DIR_IN/OUT/BOTH) comes from <vtap/abi.h> */

/* Which hook taps a policy's frames (source.hook; vtapd --attach). */
enum vtap_hook_mode {
	VTAP_HOOK_MODE_UNSET = 0, /* the policy follows vtapd --attach */
	VTAP_HOOK_MODE_AUTO,	  /* XDP for out where it attaches, TC otherwise */
	VTAP_HOOK_MODE_XDP,	  /* XDP for out (TC still for in: XDP cannot see it) */
	VTAP_HOOK_MODE_TC,	  /* TC both ways */
};

enum vtap_action {
	VTAP_ACTION_MIRROR = 0,
	VTAP_ACTION_SKIP = 1,
};

/* rate: a cap on a policy's copies, for all CPUs (include/vtap/rate.h).
 * 0 = no such cap; burst 0 = the default (core/rate.c). */
struct vtap_rate_spec {
	uint64_t pps;
	uint64_t bytes_per_sec;
	uint64_t burst; /* packets when pps is given, else bytes */
};

struct vtap_policy {
	char name[VTAP_NAME_MAX];
	int32_t priority; /* lower runs first; default 1000 */
	char **ports;	  /* source.ports: interface names or fnmatch globs */
	size_t n_ports;
	struct vtap_cidr *src_cidrs; /* source.cidr (scalar or list); none = any */
	size_t n_src_cidrs;
	struct vtap_cidr *dst_cidrs; /* destination.cidr; none = any */
	size_t n_dst_cidrs;
	enum vtap_direction direction;	   /* default both */
	enum vtap_hook_mode hook;	   /* source.hook; UNSET = vtapd's --attach */
	int protocol;			   /* IP protocol number, -1 = any */
	struct vtap_port_range *src_ports; /* match.src_ports; none = any */
	size_t n_src_ports;
	struct vtap_port_range *dst_ports; /* match.dst_ports and destination.ports */
	size_t n_dst_ports;
	int *vlans;		     /* match.vlan (scalar or list); 0 = untagged */
	size_t n_vlans;		     /* none = any */
	enum vtap_action action;     /* default mirror */
	uint32_t snaplen;	     /* 0 = whole frame */
	bool snap_headers;	     /* snaplen: headers (snaplen is 0) */
	struct vtap_rate_spec rate;  /* rate: all 0 = none */
	bool dedup;		     /* one copy per frame per monitor (default true) */
	uint32_t sample;	     /* 1 = every frame; >= 1 */
	char monitor[VTAP_NAME_MAX]; /* required for mirror; optional for skip */
	int monitor_idx;	     /* index in set->monitors, -1 if none */
	struct vtap_loc loc;
	/* Positions for later messages (line 0 = not written). */
	struct vtap_loc *port_locs;  /* one per ports[] entry */
	struct vtap_loc monitor_loc; /* the monitor: value */
};

/* receive: tunnelled copies with this VNI, arriving at this host's VXLAN
 * device, are delivered to port (the monitor VM's port on this host). */
struct vtap_receive {
	uint32_t vni;
	char port[IF_NAMESIZE];
	struct vtap_loc loc;
	struct vtap_loc port_loc;
};

struct vtap_policy_set {
	struct vtap_monitor *monitors;
	size_t n_monitors;
	struct vtap_receive *receives;
	size_t n_receives;
	struct vtap_policy *policies;
	size_t n_policies;
	/* the origin of every document loaded (a file's path, or a store key
	 * such as "etcd:/vtap/policies/web.yaml"), owned here; vtap_loc.file
	 * points into it */
	char **files;
	size_t n_files;
};

/* Error list: each entry is one complete "FILE:LINE:COLUMN: message" line
 * (or "FILE: message" when there is no position, e.g. an unreadable file). */
struct vtap_errors {
	char **msgs;
	size_t n;
};

void vtap_errors_add(struct vtap_errors *errs, const struct vtap_loc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void vtap_errors_free(struct vtap_errors *errs);

/* ---- Policy sources ----
 * A set is built from documents: YAML texts, each with the origin label its
 * errors carry ("ORIGIN:LINE:COLUMN: message"). A source appends documents
 * to a list:
 *   - the policy directory: vtap_policy_dir_read (policy_dir.c), which also
 *     refuses what must not be read (links, FIFOs, devices, files writable
 *     or owned by others, files still open for writing);
 *   - files named on a command line: vtap_policy_docs_add_file (what
 *     `vtapctl validate` reads);
 *   - a policy store: vtap_policy_docs_add with the value of a key, labelled
 *     like "etcd:/vtap/policies/web.yaml" (no file system involved).
 * vtap_policy_load_docs then parses every document, merges them in list
 * order and checks the merged set: names are unique across all documents,
 * whatever source each came from, and a duplicate names both places. */
struct vtap_policy_doc {
	char *origin; /* owned */
	char *text;   /* owned; NULL: the document could not be read (reported) */
	size_t len;
};

struct vtap_policy_docs {
	struct vtap_policy_doc *v;
	size_t n;
};

/* Append a copy of text (len bytes, not NUL-terminated) labelled origin.
 * Returns 0, or -1 after adding an error. */
int vtap_policy_docs_add(struct vtap_policy_docs *docs, const char *origin, const char *text,
			 size_t len, struct vtap_errors *errs);
/* Append a document that could not be read (its error is already in errs):
 * while one is in the list, references to monitors are not reported as
 * unknown (it may define them). */
int vtap_policy_docs_add_unreadable(struct vtap_policy_docs *docs, const char *origin,
				    struct vtap_errors *errs);
/* Read the file at path and append it: any file type the caller may read
 * (so `vtapctl validate <(cmd)` works), refused when writable or owned by
 * others (vtap_policy_check_perms), at most VTAP_POLICY_FILE_MAX bytes. On
 * error, adds it to errs and appends an unreadable document. */
int vtap_policy_docs_add_file(struct vtap_policy_docs *docs, const char *path,
			      struct vtap_errors *errs);
void vtap_policy_docs_free(struct vtap_policy_docs *docs);

/* Parse every document, merge, validate. Returns 0 when valid (no error
 * added), -1 otherwise, with *set left empty. All errors found are
 * reported, not only the first, as long as each document's YAML is
 * well-formed. */
int vtap_policy_load_docs(const struct vtap_policy_docs *docs, struct vtap_policy_set *set,
			  struct vtap_errors *errs);

/* The files at paths, in that order (vtap_policy_docs_add_file each, then
 * vtap_policy_load_docs): `vtapctl validate FILE...`. */
int vtap_policy_load_files(const char *const *paths, size_t n_paths, struct vtap_policy_set *set,
			   struct vtap_errors *errs);

/* The directory source: every *.yaml in dir that is not hidden, sorted by
 * name, appended to docs. Refused with an error naming the file, before
 * any of its bytes is read: a symbolic link, anything but a regular file
 * (a FIFO is never opened for reading, so it cannot hang the caller), a
 * file writable by group or others or owned by anyone but root or the
 * running user, and a file some process has open for writing (it is being
 * written: it is read once closed). Returns -1 when the directory itself
 * cannot be read or is refused (nothing appended), else 0 (refused files
 * are appended as unreadable). */
int vtap_policy_dir_read(const char *dir, struct vtap_policy_docs *docs, struct vtap_errors *errs);
/* vtap_policy_dir_read + vtap_policy_load_docs. */
int vtap_policy_load_dir(const char *dir, struct vtap_policy_set *set, struct vtap_errors *errs);
/* Whether a policy file of dir is open for writing by some process now;
 * if so its name is put in name (for a message). */
bool vtap_policy_dir_writer(const char *dir, char *name, size_t namesz);
void vtap_policy_set_free(struct vtap_policy_set *set);

const char *vtap_monitor_type_name(enum vtap_monitor_type t);
/* Does m read its port's peer (a capture, an ovs monitor: vtapd makes it a
 * sink, the port its alone) rather than send copies out of it? */
bool vtap_monitor_reads_port(const struct vtap_monitor *m);
const char *vtap_direction_name(enum vtap_direction d);
const char *vtap_action_name(enum vtap_action a);
const char *vtap_ovs_datapath_name(enum vtap_ovs_datapath d);
const char *vtap_hook_mode_name(enum vtap_hook_mode m);
/* "xdp", "tc", "auto" -> mode; -1 for anything else. */
int vtap_hook_mode_parse(const char *s);

/* Limits enforced by the loader. */
#define VTAP_POLICY_FILE_MAX   (16u * 1024 * 1024) /* bytes per file */
#define VTAP_POLICY_DEPTH_MAX  64		   /* YAML nesting */
#define VTAP_POLICY_MAX	       4096		   /* policies, all files */
#define VTAP_POLICY_ERRORS_MAX 1000		   /* messages kept */

/* Does p's copies go to monitor m (its monitor, or a group m is a member
 * of)? Mirror policies only. */
bool vtap_policy_sends_to(const struct vtap_policy_set *set, const struct vtap_policy *p, int m);
/* Is a copy to monitor m ever cut (a policy that sends to it has a
 * snaplen)? Cutting is the sink program's work. */
bool vtap_monitor_cuts(const struct vtap_policy_set *set, int m);
/* A group's member list, names in order: a member's counters are by its
 * place in the list, so a changed list starts them again. */
uint64_t vtap_group_members_hash(const struct vtap_monitor *grp);

/* qsort comparator on struct vtap_policy: (priority, name), the order in
 * which rules are evaluated (first match wins). */
int vtap_policy_order_cmp(const void *a, const void *b);

#endif
