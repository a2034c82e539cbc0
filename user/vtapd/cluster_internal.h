/* SPDX-License-Identifier: GPL-2.0 */
/* Inside vtapd's cluster mode (cluster.h): the state its files share. */
#ifndef VTAP_VTAPD_CLUSTER_INTERNAL_H
#define VTAP_VTAPD_CLUSTER_INTERNAL_H

#include <limits.h>
#include "cluster.h"
#include "store/etcd.h"
#include "store/store_docs.h"

/* where a set of store documents came from */
enum cl_source {
	CL_NONE = 0,  /* no store documents (nothing read, nothing persisted) */
	CL_PERSISTED, /* the state file: the store did not answer */
	CL_LIVE,      /* read and watched from the store */
};

/* The store's documents for this node, both prefixes at one revision
 * (g.rev == n.rev) */
struct cl_set {
	struct vtap_store_docs g, n;
	enum cl_source src;
};

/* A change waits for the rest of its burst (one reload for a script's
 * consecutive applies) twice as long as the last reload took of this
 * node's CPU, between these bounds (cl_burst_ms): a reload of a few rules
 * goes at once; one of thousands of rules (tens of ms) waits longer, so a
 * stream of edits takes at most a third of the node's CPU, and where nodes
 * share CPUs (the cluster bench's 100 nodes on two) a reload does not take
 * the CPU from nodes whose watch has not delivered the change yet (a fixed
 * 10 ms: p99 of the last node's notification 293 ms at 4096 rules;
 * docs/benchmarks.md, "Cluster"). */
#define CL_BURST_MIN_MS	 10
#define CL_BURST_MAX_MS	 500
#define CL_STATUS_MIN_MS 100  /* at most one status put per this, when things change */
#define CL_STATUS_EVERY	 5000 /* the counters are republished this often (when changed) */
#define CL_LEASE_TTL	 10   /* seconds: a node that dies leaves the view by then */
#define CL_ERRORS_KEPT	 10   /* errors of a rejected set in the status */

struct vtapd_cluster {
	struct vtapd *d;
	const struct vtapd_cluster_cfg *cfg;
	char node[VTAP_STORE_NAME_MAX];
	const char *prefix;
	char key_g[VTAP_STORE_KEY_MAX]; /* PREFIX/policies/ */
	char key_n[VTAP_STORE_KEY_MAX]; /* PREFIX/nodes/NODE/policies/ */
	char key_status[VTAP_STORE_KEY_MAX];
	char state_path[PATH_MAX];
	char sources[VTAP_STORE_KEY_MAX + PATH_MAX + 64]; /* vtapd_sources() */
	struct etcd *e;
	int tfd; /* timerfd at the earliest due_* below */

	/* the store, as the reads and watches deliver it: each view holds its
	 * prefix as of its rev */
	struct vtap_store_docs view_g, view_n;
	struct etcd_watch *w_g, *w_n;
	bool up_g, up_n;     /* each watch's stream is open */
	bool synced;	     /* the views were read and the watches follow them */
	bool reading;	     /* a full read is under way */
	bool confirming;     /* a read bringing one view to the other's revision */
	unsigned sync_gen;   /* bumped by every full read: older answers are void */
	bool confirm_g;	     /* the read under way is for view_g (else view_n) */
	int64_t confirm_rev; /* ... at this revision */
	unsigned confirm_gen;
	int read_fails;		  /* full reads failed in a row (the next one's wait) */
	int64_t read_rev;	  /* a full read: the revision of its first half */
	struct etcd_kv *read_kvs; /* ... and its documents, until the second half */
	size_t read_n;

	/* what a reload takes (vtapd_cluster_docs), and what is in effect */
	struct cl_set offer, applied;
	uint64_t persisted_digest; /* what the state file holds ... */
	int64_t persisted_rev;	   /* ... and at which revision */
	bool persisted;
	/* the last store set this node could not apply (cleared when one is
	 * applied): its errors, and the ports it wanted that are not here */
	char **errors;
	size_t n_errors;
	int64_t rejected_rev; /* the store revision they were for (0: not the store's) */
	char **missing;
	size_t n_missing;

	/* deadlines, CLOCK_MONOTONIC ms; 0 = not set */
	uint64_t due_apply, due_read, due_status, due_counters, due_ports;

	/* for the status */
	int64_t event_rev;    /* the last revision a watch delivered */
	double event_at_ms;   /* when it arrived (CLOCK_REALTIME ms) */
	double applied_at_ms; /* when the set in effect was applied */
	double reload_cpu_ms; /* the last reload of the store's set, this thread's CPU */
	char endpoint[256];
	char store_error[512]; /* the last failure talking to the store */
	bool started;	       /* watches (or reads), lease and status running */

	/* publishing PREFIX/status/NODE */
	struct etcd_lease *lease;
	int64_t lease_id;
	bool put_busy;
	char *pending;	/* the put under way */
	char *last_put; /* what the key holds (NULL: nothing yet) */
	uint64_t last_put_at;
	unsigned long puts, put_fails;
	unsigned long long put_bytes;
};

uint64_t cl_now_ms(void);
double cl_wall_ms(void);
/* this thread's CPU time, ms */
double cl_cpu_ms(void);
/* *slot = now + delay, unless it is due earlier already */
void cl_due(uint64_t *slot, uint64_t delay_ms);
bool cl_connected(const struct vtapd_cluster *c);
const char *cl_source_name(enum cl_source s);
void cl_set_free(struct cl_set *s);
int cl_set_copy(struct cl_set *dst, const struct cl_set *src);
uint64_t cl_set_digest(const struct cl_set *s);
/* a failure talking to the store: kept for the status, logged when new */
void cl_store_error(struct vtapd_cluster *c, const char *msg);
/* outside the loop's cluster events (a reload's hooks): publish, re-arm */
void cl_changed(struct vtapd_cluster *c);

/* cluster_sync.c */
int cl_read_blocking(struct vtapd_cluster *c);
int cl_load_persisted(struct vtapd_cluster *c, struct cl_set *out, char *err, size_t errlen);
/* start following: watches from the views' revision, or a full read */
void cl_follow(struct vtapd_cluster *c);
void cl_read_start(struct vtapd_cluster *c);
void cl_settle(struct vtapd_cluster *c);
void cl_ports_retry(struct vtapd_cluster *c);
void cl_sync_stop(struct vtapd_cluster *c);

/* cluster_publish.c */
void cl_publish_start(struct vtapd_cluster *c);
/* put the status now if it changed (and the rate allows), else later */
void cl_publish(struct vtapd_cluster *c);
void cl_publish_stop(struct vtapd_cluster *c);
void cl_status_json(struct vtapd_cluster *c, struct sbuf *o);

#endif
