// SPDX-License-Identifier: GPL-2.0
/* Cluster mode's frame (cluster.h): options, the start (a first read of
 * the store, or the persisted set), the loop's fds and timers, the end. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "cluster_internal.h"
#include "vtapd.h"
#include "core/log.h"
#include "store/store_state.h"

#define DEFAULT_STATE_DIR "/var/lib/vtap"

const char vtapd_cluster_usage[] =
    "             [--etcd URL[,URL...]] [--etcd-prefix /vtap] [--node NAME]\n"
    "             [--state-dir DIR] [--etcd-cacert FILE --etcd-cert FILE --etcd-key FILE]\n"
    "             [--etcd-user NAME --etcd-password-file FILE]\n"
    "--etcd: cluster mode: policies from the etcd cluster at these endpoints, the\n"
    "        documents under PREFIX/policies/ (every node) and\n"
    "        PREFIX/nodes/NODE/policies/ (this node), merged with the files of\n"
    "        --policy-dir when it is given (in cluster mode no directory is read\n"
    "        otherwise); this node's status goes to PREFIX/status/NODE under a lease\n"
    "--etcd-prefix: where vtap's keys are (default " VTAP_STORE_PREFIX_DEFAULT ")\n"
    "--node: this node's name in the store (default: the host name)\n"
    "--state-dir: where the last set applied from the store is kept; a start while\n"
    "        the store does not answer applies it (default " DEFAULT_STATE_DIR ")\n"
    "--etcd-cacert, --etcd-cert, --etcd-key: for https endpoints: the CA bundle, and\n"
    "        the client certificate and its key (PEM)\n"
    "--etcd-user, --etcd-password-file: etcd authentication (RBAC): the node's etcd\n"
    "        user, and a file (mode 0600 or tighter) holding its password\n";

int vtapd_cluster_option(struct vtapd_config *cfg, int opt, const char *arg)
{
	struct vtapd_cluster_cfg *cl = &cfg->cluster;
	char err[256];

	switch (opt) {
	case VTAPD_OPT_ETCD:
		cl->endpoints = arg;
		return 0;
	case VTAPD_OPT_ETCD_PREFIX:
		if (vtap_store_prefix_check(arg, err, sizeof(err)))
			break;
		cl->prefix = arg;
		return 0;
	case VTAPD_OPT_NODE:
		if (vtap_store_name_check("--node", arg, err, sizeof(err)))
			break;
		cl->node = arg;
		return 0;
	case VTAPD_OPT_STATE_DIR:
		cl->state_dir = arg;
		return 0;
	case VTAPD_OPT_ETCD_CACERT:
		cl->cacert = arg;
		return 0;
	case VTAPD_OPT_ETCD_CERT:
		cl->cert = arg;
		return 0;
	case VTAPD_OPT_ETCD_KEY:
		cl->key = arg;
		return 0;
	case VTAPD_OPT_ETCD_USER:
		cl->user = arg;
		return 0;
	case VTAPD_OPT_ETCD_PASSWORD_FILE:
		cl->password_file = arg;
		return 0;
	default:
		snprintf(err, sizeof(err), "unknown option");
	}
	fprintf(stderr, "vtapd: %s\n", err);
	return -1;
}

uint64_t cl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

double cl_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double cl_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void cl_due(uint64_t *slot, uint64_t delay_ms)
{
	uint64_t at = cl_now_ms() + delay_ms;

	if (!*slot || at < *slot)
		*slot = at;
}

bool cl_connected(const struct vtapd_cluster *c)
{
	return c->up_g && c->up_n;
}

const char *cl_source_name(enum cl_source s)
{
	return s == CL_LIVE ? "live" : s == CL_PERSISTED ? "persisted" : "none";
}

void cl_set_free(struct cl_set *s)
{
	vtap_store_docs_free(&s->g);
	vtap_store_docs_free(&s->n);
	*s = (struct cl_set){0};
}

int cl_set_copy(struct cl_set *dst, const struct cl_set *src)
{
	struct cl_set n = {.src = src->src};

	if (vtap_store_docs_copy(&n.g, &src->g) || vtap_store_docs_copy(&n.n, &src->n)) {
		cl_set_free(&n);
		return -ENOMEM;
	}
	cl_set_free(dst);
	*dst = n;
	return 0;
}

uint64_t cl_set_digest(const struct cl_set *s)
{
	return vtap_store_digest(&s->g, &s->n);
}

void cl_store_error(struct vtapd_cluster *c, const char *msg)
{
	/* the client retries by itself: one line per new trouble, not one
	 * per attempt */
	if (strcmp(c->store_error, msg))
		log_warn("%s", msg);
	snprintf(c->store_error, sizeof(c->store_error), "%s", msg);
}

static int setup_names(struct vtapd_cluster *c, char *err, size_t errlen)
{
	const struct vtapd_cluster_cfg *cfg = c->cfg;
	const char *dir = cfg->state_dir ? cfg->state_dir : DEFAULT_STATE_DIR;

	c->prefix = cfg->prefix ? cfg->prefix : VTAP_STORE_PREFIX_DEFAULT;
	if (cfg->node) {
		snprintf(c->node, sizeof(c->node), "%s", cfg->node);
	} else if (gethostname(c->node, sizeof(c->node))) {
		snprintf(err, errlen, "cannot read the host name (%s): give --node",
			 strerror(errno));
		return -1;
	}
	c->node[sizeof(c->node) - 1] = '\0';
	if (vtap_store_prefix_check(c->prefix, err, errlen) ||
	    vtap_store_name_check(cfg->node ? "--node" : "the host name (give --node)", c->node,
				  err, errlen))
		return -1;
	if (!vtap_store_key_policies(c->key_g, c->prefix) ||
	    !vtap_store_key_node_policies(c->key_n, c->prefix, c->node) ||
	    !vtap_store_key_status(c->key_status, c->prefix, c->node) ||
	    !vtap_store_state_path(c->state_path, sizeof(c->state_path), dir, c->node)) {
		snprintf(err, errlen, "the store's keys or the state file's path are too long");
		return -1;
	}
	snprintf(c->sources, sizeof(c->sources), "%s%s%setcd %s (node %s)",
		 c->d->cfg.policy_dir ? "policy dir " : "",
		 c->d->cfg.policy_dir ? c->d->cfg.policy_dir : "",
		 c->d->cfg.policy_dir ? " and " : "", c->prefix, c->node);
	return 0;
}

int vtapd_cluster_open(struct vtapd *d)
{
	struct vtapd_cluster *c = calloc(1, sizeof(*c));
	const struct vtapd_cluster_cfg *cfg = &d->cfg.cluster;
	struct etcd_opts o = {.endpoints = cfg->endpoints,
			      .cacert = cfg->cacert,
			      .cert = cfg->cert,
			      .key = cfg->key,
			      .user = cfg->user,
			      /* a start waits this long for the store at most */
			      .request_timeout_ms = 4000};
	char err[1024], *password = NULL;

	if (!c) {
		log_err("cluster mode: out of memory");
		return -1;
	}
	c->d = d;
	c->cfg = cfg;
	c->tfd = -1;
	d->cluster = c;
	d->rec.cluster = true;
	if (setup_names(c, err, sizeof(err))) {
		log_err("cluster mode: %s", err);
		return -1;
	}
	if (cfg->password_file &&
	    !(password = vtap_store_read_password(cfg->password_file, err, sizeof(err)))) {
		log_err("cluster mode: %s", err);
		return -1;
	}
	o.password = password;
	c->e = etcd_new(&o, err, sizeof(err));
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
	if (!c->e) {
		log_err("cluster mode: %s", err);
		return -1;
	}
	if (!cl_read_blocking(c))
		return 0;
	/* the store does not answer: what this node applied last */
	if (!cl_load_persisted(c, &c->offer, err, sizeof(err))) {
		log_warn("etcd does not answer: applying the set persisted in %s (store revision "
			 "%" PRId64 ", %zu + %zu documents) until it does",
			 c->state_path, c->offer.g.rev, c->offer.g.n, c->offer.n.n);
	} else {
		log_warn(
		    "etcd does not answer and there is no persisted set (%s): starting with no "
		    "policies from the store until it answers",
		    err);
	}
	return 0;
}

bool vtapd_cluster_fallback(struct vtapd *d)
{
	struct vtapd_cluster *c = d->cluster;
	char err[1024];

	if (!c)
		return false;
	if (c->offer.src == CL_LIVE) {
		struct cl_set p = {0};

		if (!cl_load_persisted(c, &p, err, sizeof(err))) {
			log_warn(
			    "the store's set cannot be applied here: applying the set persisted "
			    "in %s (store revision %" PRId64 ") instead",
			    c->state_path, p.g.rev);
			cl_set_free(&c->offer);
			c->offer = p;
			return true;
		}
	}
	if (c->offer.src == CL_NONE)
		return false;
	log_warn("starting with no policies from the store");
	cl_set_free(&c->offer);
	return true;
}

/* the timerfd at the earliest deadline */
static void arm(struct vtapd_cluster *c)
{
	uint64_t dues[] = {c->due_apply, c->due_read, c->due_status, c->due_counters, c->due_ports};
	uint64_t next = 0;
	struct itimerspec its = {0};

	if (c->tfd < 0)
		return;
	for (size_t i = 0; i < sizeof(dues) / sizeof(dues[0]); i++)
		if (dues[i] && (!next || dues[i] < next))
			next = dues[i];
	if (next) {
		/* an absolute CLOCK_MONOTONIC time; 0 would disarm it */
		its.it_value.tv_sec = (time_t)(next / 1000);
		its.it_value.tv_nsec = (long)(next % 1000) * 1000000 + 1;
	}
	timerfd_settime(c->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* what is due, then the timer again */
static void tick(struct vtapd_cluster *c)
{
	uint64_t now = cl_now_ms();

	if (c->due_read && c->due_read <= now) {
		c->due_read = 0;
		cl_read_start(c);
	}
	if (c->due_apply && c->due_apply <= now) {
		c->due_apply = 0;
		cl_settle(c);
	}
	if (c->due_ports && c->due_ports <= now) {
		c->due_ports = 0;
		cl_ports_retry(c);
	}
	if (c->due_counters && c->due_counters <= now) {
		c->due_counters = now + CL_STATUS_EVERY;
		cl_publish(c);
	}
	if (c->due_status && c->due_status <= now) {
		c->due_status = 0;
		cl_publish(c);
	}
	arm(c);
}

int vtapd_cluster_start(struct vtapd *d, int ep)
{
	struct vtapd_cluster *c = d->cluster;
	struct epoll_event ev = {.events = EPOLLIN};

	if (!c)
		return 0;
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.data.fd = c->tfd;
	if (c->tfd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c->tfd, &ev)) {
		log_err("cluster mode: cannot set up its timer: %s", strerror(errno));
		return -1;
	}
	ev.data.fd = etcd_fd(c->e);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		log_err("cluster mode: cannot watch the store's fd: %s", strerror(errno));
		return -1;
	}
	c->started = true;
	/* watches from the revision read; or a read, again and again, until
	 * the store answers */
	cl_follow(c);
	/* the store's set read at the start did not go in (a port it names
	 * not here yet: a VM not started): offered again now that the loop
	 * runs, so a rejection lists its missing ports and their arrival
	 * applies it (the fallback's own check forgot them) */
	if (c->synced && c->offer.src != CL_LIVE)
		cl_due(&c->due_apply, 0);
	cl_publish_start(c);
	c->due_counters = cl_now_ms() + CL_STATUS_EVERY;
	tick(c);
	log_info("cluster mode: node %s, store %s, prefix %s, state %s", c->node, c->cfg->endpoints,
		 c->prefix, c->state_path);
	return 0;
}

bool vtapd_cluster_event(struct vtapd *d, int fd)
{
	struct vtapd_cluster *c = d->cluster;
	uint64_t x;

	if (!c || !c->started || (fd != c->tfd && fd != etcd_fd(c->e)))
		return false;
	if (fd == c->tfd) {
		if (read(c->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
			log_debug("cluster timer: %s", strerror(errno));
	} else {
		etcd_dispatch(c->e);
	}
	tick(c);
	return true;
}

/* a reload may have changed what the status says: publish (or plan to),
 * and put the timer where the new deadlines want it */
void cl_changed(struct vtapd_cluster *c)
{
	c->d->rec.store_revision = (unsigned long long)vtapd_cluster_revision(c->d);
	cl_publish(c);
	arm(c);
}

void vtapd_cluster_close(struct vtapd *d)
{
	struct vtapd_cluster *c = d->cluster;

	if (!c)
		return;
	cl_publish_stop(c);
	cl_sync_stop(c);
	etcd_free(c->e);
	free(c->last_put);
	free(c->pending);
	cl_set_free(&c->offer);
	cl_set_free(&c->applied);
	vtap_store_docs_free(&c->view_g);
	vtap_store_docs_free(&c->view_n);
	for (size_t i = 0; i < c->n_errors; i++)
		free(c->errors[i]);
	free(c->errors);
	for (size_t i = 0; i < c->n_missing; i++)
		free(c->missing[i]);
	free(c->missing);
	if (c->tfd >= 0)
		close(c->tfd);
	free(c);
	d->cluster = NULL;
}

const char *vtapd_sources(const struct vtapd *d)
{
	return d->cluster ? d->cluster->sources : d->cfg.policy_dir;
}

int64_t vtapd_cluster_revision(const struct vtapd *d)
{
	const struct vtapd_cluster *c = d->cluster;

	return c && c->applied.src != CL_NONE ? c->applied.g.rev : 0;
}
