// SPDX-License-Identifier: GPL-2.0
/* The control socket's side of the sinks: live captures (`vtapctl
 * capture`), the capture and ovs monitors' state and counters, and the
 * receiving side's counters per VNI. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vtapd.h"
#include "core/log.h"

int vtapd_capture_client(struct vtapd *d, int fd, const char *policy, uint64_t count,
			 struct sbuf *err)
{
	const struct vtap_policy *p = NULL;
	const struct vtap_monitor *m;
	struct vtapd_sink *s;
	size_t i;
	int ret;

	for (i = 0; i < d->run.set.n_policies && !p; i++)
		if (!strcmp(d->run.set.policies[i].name, policy))
			p = &d->run.set.policies[i];
	if (!p) {
		sbuf_printf(err, "no policy named %s\n", policy);
		return -1;
	}
	if (p->monitor_idx < 0) {
		sbuf_printf(err, "policy %s has no monitor (a skip rule)\n", policy);
		return -1;
	}
	m = &d->run.set.monitors[p->monitor_idx];
	if (m->type != VTAP_MONITOR_CAPTURE) {
		sbuf_printf(err,
			    "policy %s sends its copies to monitor %s (type %s); vtapctl capture "
			    "needs a monitor of type capture\n",
			    policy, m->name, vtap_monitor_type_name(m->type));
		return -1;
	}
	s = vtapd_sink_of(&d->sinks, m->name);
	if (!s || !s->cap) {
		sbuf_printf(err, "monitor %s is not capturing: %s\n", m->name,
			    s && s->error[0] ? s->error : "not set up");
		return -1;
	}
	if (write(fd, "ok\n", 3) != 3) {
		sbuf_printf(err, "client went away\n");
		return -1;
	}
	ret = vtap_capture_add_client(s->cap, fd, d->run.ids[i - 1], p->name, p->snaplen, count);
	if (ret) {
		sbuf_printf(err, "cannot stream: %s\n", strerror(-ret));
		return -1;
	}
	log_info("live capture of policy %s started", p->name);
	return 0;
}

void vtapd_sinks_status(struct vtapd *d, struct sbuf *o, bool json)
{
	if (json)
		sbuf_printf(o, "\"monitor_sinks\":[");
	else if (d->sinks.n)
		sbuf_printf(o, "\n%-16s %-8s %-16s %10s %10s %10s %8s %8s %8s %8s  %s\n", "MONITOR",
			    "TYPE", "SINK", "RECEIVED", "WRITTEN", "LIVE", "LDROP", "NOSOCK",
			    "RINGFULL", "BAD", "STATE");
	for (size_t i = 0; i < d->sinks.n; i++) {
		struct vtapd_sink *s = &d->sinks.v[i];
		struct vtap_capture_stats st = {0};
		const char *state = s->error[0] ? s->error : "ok";

		struct vtap_xsk_tx_stats tx = {0};

		if (s->cap)
			vtap_capture_stats(s->cap, &st);
		if (s->tx)
			vtap_xsk_tx_stats(s->tx, &tx);
		if (json) {
			sbuf_printf(o, "%s{\"monitor\":", i ? "," : "");
			sbuf_json_str(o, s->monitor);
			sbuf_printf(o,
				    ",\"type\":\"%s\",\"port\":", vtap_monitor_type_name(s->type));
			sbuf_json_str(o, s->port);
			sbuf_printf(o, ",\"peer\":");
			sbuf_json_str(o, s->peer);
			sbuf_printf(
			    o,
			    ",\"received\":%llu,\"bad\":%llu,\"unknown\":%llu,"
			    "\"written\":%llu,\"file_errors\":%llu,\"rotations\":%llu,"
			    "\"live_sent\":%llu,\"live_dropped\":%llu,\"clients\":%u,"
			    "\"xdp_received\":%llu,\"no_socket\":%llu,\"ring_full\":%llu,"
			    "\"fill_empty\":%llu,\"state\":",
			    (unsigned long long)st.received, (unsigned long long)st.bad,
			    (unsigned long long)st.unknown, (unsigned long long)st.written,
			    (unsigned long long)st.file_errors, (unsigned long long)st.rotations,
			    (unsigned long long)st.live_sent, (unsigned long long)st.live_dropped,
			    st.clients, (unsigned long long)st.xdp_received,
			    (unsigned long long)st.no_socket, (unsigned long long)st.ring_full,
			    (unsigned long long)st.fill_empty);
			sbuf_json_str(o, state);
			sbuf_printf(
			    o,
			    ",\"xdp_tx\":{\"open\":%s,\"sent\":%llu,\"completed\":%llu,"
			    "\"no_frame\":%llu,\"ring_full\":%llu,\"cut\":%llu,\"bad_id\":%llu,"
			    "\"invalid\":%llu}}",
			    s->tx ? "true" : "false", (unsigned long long)tx.sent,
			    (unsigned long long)tx.completed, (unsigned long long)tx.no_frame,
			    (unsigned long long)tx.ring_full, (unsigned long long)tx.cut,
			    (unsigned long long)tx.bad_id, (unsigned long long)tx.invalid);
		} else {
			sbuf_printf(
			    o,
			    "%-16s %-8s %-16s %10llu %10llu %10llu %8llu %8llu %8llu %8llu  %s\n",
			    s->monitor, vtap_monitor_type_name(s->type), s->port,
			    (unsigned long long)st.received, (unsigned long long)st.written,
			    (unsigned long long)st.live_sent, (unsigned long long)st.live_dropped,
			    (unsigned long long)st.no_socket, (unsigned long long)st.ring_full,
			    (unsigned long long)st.bad, state);
			if (s->tx)
				sbuf_printf(
				    o,
				    "%-16s   XDP copies by AF_XDP TX: sent %llu, no frame %llu, "
				    "TX ring full %llu, cut %llu, invalid %llu\n",
				    "", (unsigned long long)tx.sent,
				    (unsigned long long)tx.no_frame,
				    (unsigned long long)tx.ring_full, (unsigned long long)tx.cut,
				    (unsigned long long)tx.invalid);
		}
	}
	if (json)
		sbuf_printf(o, "]");
}

void vtapd_recv_stats(struct vtapd *d, struct sbuf *o, bool json)
{
	size_t n = d->run.set.n_receives;

	if (json)
		sbuf_printf(o, "\"receive\":[");
	else if (n)
		sbuf_printf(o, "\n%-10s %-16s %12s %14s %12s %10s\n", "VNI", "PORT", "RECEIVED",
			    "BYTES", "DELIVERED", "FAILED");
	for (size_t i = 0; i <= n; i++) {
		struct vtap_recv_counters c = {0};
		__u32 vni = i < n ? d->run.set.receives[i].vni : VTAP_RECV_UNKNOWN;
		const char *port = i < n ? d->run.set.receives[i].port : "(unknown vni)";

		if (i == n && !n)
			break; /* nothing received: no unknown line either */
		vtap_loader_read_recv(&d->ld, vni, &c);
		if (json) {
			sbuf_printf(o, "%s{\"vni\":%lld,\"port\":", i ? "," : "",
				    i < n ? (long long)vni : -1LL);
			sbuf_json_str(o, port);
			sbuf_printf(o,
				    ",\"received\":%llu,\"bytes\":%llu,\"delivered\":%llu,"
				    "\"deliver_fail\":%llu}",
				    (unsigned long long)c.received, (unsigned long long)c.bytes,
				    (unsigned long long)c.delivered,
				    (unsigned long long)c.deliver_fail);
		} else {
			char v[16];

			snprintf(v, sizeof(v), i < n ? "%u" : "-", vni);
			sbuf_printf(o, "%-10s %-16s %12llu %14llu %12llu %10llu\n", v, port,
				    (unsigned long long)c.received, (unsigned long long)c.bytes,
				    (unsigned long long)c.delivered,
				    (unsigned long long)c.deliver_fail);
		}
	}
	if (json)
		sbuf_printf(o, "]");
}
