#!/usr/bin/env bash
# scenario_dedup (after lib.sh and scenarios.sh, for the engine use_engine
# chose): one copy per frame. One policy taps both VMs' ports in both
# directions, so every frame between vm1 and vm2 is tapped twice: leaving
# one VM and entering the other. With dedup (the default) the monitor's
# capture equals vm2's, frame for frame; with dedup: false it holds each of
# vm2's frames exactly twice. The policy copies the VMs' IPv4 only (their
# IPv6 noise, router solicitations and MLD, is flooded to the host too).
# dedup_policy DEDUP: the policy file, dedup: DEDUP
dedup_policy() {
	cat >"$VT_POL/demo.yaml" <<YAML
monitors:
  - $(eng_monitor)
policies:
  - name: both
    source: { ports: [${VT_PREFIX}-vm1, ${VT_PREFIX}-vm2] }
    destination: { cidr: 10.77.0.0/24 }
    direction: both
    dedup: $1
    monitor: mon
YAML
}

# dedup_round DEDUP: traffic, then the captures of vm2 ($VT_RUN/vm2d.pcap)
# and the monitor ($VT_RUN/mond.pcap), IPv4 only; COPIES and DEDUPED: what
# vtapctl counted meanwhile
dedup_round() {
	local c0=0 d0=0
	dedup_policy "$1"
	eng_apply "with the policy on both ports (dedup: $1)"
	c0=$(stat_of both copies); d0=$(stat_of both deduplicated)
	capture_start vm2 "$VT_RUN/vm2d.pcap" ip
	eng_mon_start "$VT_RUN/mond-all.pcap"
	web_traffic
	capture_stop
	eng_mon_stop "$VT_RUN/mond-all.pcap"
	tcpdump -r "$VT_RUN/mond-all.pcap" -w "$VT_RUN/mond.pcap" ip 2>/dev/null
	sleep 0.2
	COPIES=$(($(stat_of both copies) - c0))
	DEDUPED=$(($(stat_of both deduplicated) - d0))
	diag "[$ENGINE] dedup: $1: vm2 saw $(count "$VT_RUN/vm2d.pcap") IPv4 frames, the monitor $(count "$VT_RUN/mond.pcap") ($(count "$VT_RUN/mond-all.pcap") in all); vtapctl: copies $COPIES, deduplicated $DEDUPED"
}

scenario_dedup() {
	dedup_round true
	check "[$ENGINE] the traffic was there (> 20 frames)" test "$(count "$VT_RUN/vm2d.pcap")" -gt 20
	check "[$ENGINE] dedup on: the monitor's capture equals vm2's, frame for frame" \
		same_frames "$VT_RUN/vm2d.pcap" "$VT_RUN/mond.pcap"
	check "[$ENGINE] dedup on: no frame twice at the monitor" \
		test -z "$(frames "$VT_RUN/mond.pcap" | uniq -d)"
	check "[$ENGINE] dedup on: counters: copies == deduplicated == the monitor's frames, no failure" \
		test "$COPIES" -eq "$(count "$VT_RUN/mond-all.pcap")" -a "$DEDUPED" -eq "$COPIES" \
		-a "$(stat_of both copy_fail)" -eq 0
	dedup_round false
	check "[$ENGINE] dedup off: the monitor holds each of vm2's frames exactly twice" \
		test "$(frames "$VT_RUN/vm2d.pcap" | sed p)" = "$(frames "$VT_RUN/mond.pcap")"
	check "[$ENGINE] dedup off: counters: copies == the monitor's frames, none deduplicated" \
		test "$COPIES" -eq "$(count "$VT_RUN/mond-all.pcap")" -a "$DEDUPED" -eq 0 \
		-a "$(stat_of both copy_fail)" -eq 0
}
