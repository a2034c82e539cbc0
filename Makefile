# vtap build. Everything is built into $(OUT): BPF objects, skeletons,
# the user-space library, binaries and tests.
OUT        ?= build
CLANG      ?= clang
CC         ?= gcc
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
VERSION    := $(shell cat VERSION)
# the commit too, when built from a git checkout
GIT_REV    := $(shell git rev-parse --short HEAD 2>/dev/null)
VERSION_STR:= $(VERSION)$(if $(GIT_REV), (git $(GIT_REV)))

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser -I$(OUT)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I. -Iinclude -Ibpf
LDLIBS     := -lbpf -lxdp -lelf -lz -lyaml -lmnl
TEST_LDLIBS:= -lcmocka
# the daemons: systemd's notify protocol, the /metrics HTTP server
DAEMON_LDLIBS := -lsystemd -lmicrohttpd

ifeq ($(SANITIZE),1)
CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
endif

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# User space, one library per layer (docs/architecture.md, "Layers"); a
# layer may use the layers listed after it, never one before it.
#   core:   policy sources -> validated set -> compiled image, the native
#           classifier and tap step, logging, buffers. No libbpf, no DPDK:
#           the fuzzers and vtap-dpdk's datapath link this alone.
#   kernel: everything that talks to the kernel: loader, tc, xdp, links,
#           rtnetlink, capabilities.
#   sinks:  capture + pcapng, AF_XDP TX, OVS, the VXLAN device and the
#           receiving side.
#   ctl:    the control server both daemons run, its command table, and
#           the counters' field tables and shared answer layouts.
CORE_SRCS  := user/core/policy_docs.c user/core/policy_dir.c user/core/policy_watch.c \
              user/core/policy_read.c user/core/policy_yaml.c user/core/policy_parse.c \
              user/core/policy_fields.c user/core/policy_values.c user/core/policy_monitor.c \
              user/core/policy_rule.c user/core/policy_copy.c user/core/policy_group.c \
              user/core/policy_validate.c \
              user/core/policy_model.c user/core/rate_cfg.c \
              user/core/policy_errors.c user/core/text.c \
              user/core/compile.c user/core/compile_bitmap.c user/core/compile_groups.c \
              user/core/compile_dedup.c \
              user/core/compile_fields.c user/core/compile_pfx.c user/core/image_classify.c \
              user/core/tap.c user/core/policy_ids.c user/core/log.c user/core/sbuf.c user/core/run.c \
              user/core/version.c user/core/sink_name.c
KERNEL_SRCS:= user/kernel/loader.c user/kernel/loader_maps.c user/kernel/pins.c user/kernel/tc.c \
              user/kernel/xdp.c user/kernel/tcx.c user/kernel/attach.c user/kernel/link.c \
              user/kernel/netlink.c user/kernel/caps.c user/kernel/bpf_log.c \
              user/kernel/host_use.c user/kernel/host_watch.c user/kernel/xsk_pins.c \
              user/kernel/sink_queue.c user/kernel/kfile.c user/kernel/nft_guard.c
SINKS_SRCS := user/sinks/capture.c user/sinks/capture_live.c user/sinks/pcapng.c \
              user/sinks/pcapng_file.c user/sinks/pcapng_scan.c user/sinks/ovs.c user/sinks/xsk_tx.c \
              user/sinks/vxlan.c user/sinks/receive.c user/sinks/pace.c \
              user/sinks/segment.c user/sinks/csum_partial.c user/sinks/inet.c
#   store:  the etcd v3 client (libcurl, jansson; uses core's log only), and
#           cluster mode's side of the store: key layout, policy documents
#           under a prefix, the persisted set (store_*.c, over core's policy
#           documents).
STORE_SRCS := user/store/etcd_client.c user/store/etcd_loop.c user/store/etcd_req.c \
              user/store/etcd_kv.c user/store/etcd_watch.c user/store/etcd_lease.c \
              user/store/etcd_body.c user/store/etcd_json.c user/store/etcd_b64.c \
              user/store/etcd_auth.c user/store/store_docs.c user/store/store_state.c
# what the store's JSON decoding needs alone (the fuzzer's part)
STORE_JSON_SRCS := user/store/etcd_json.c user/store/etcd_body.c user/store/etcd_b64.c
STORE_LDLIBS:= -lcurl -ljansson
CTL_SRCS   := user/ctl/server.c user/ctl/socket.c user/ctl/command.c user/ctl/fields.c \
              user/ctl/counters.c user/ctl/views.c user/ctl/metrics.c user/ctl/metrics_http.c
VTAPD_SRCS := user/vtapd/main.c user/vtapd/views.c user/vtapd/start.c user/vtapd/reload.c \
              user/vtapd/reconcile.c user/vtapd/events.c user/vtapd/ports.c user/vtapd/hooks.c \
              user/vtapd/hook_choice.c user/vtapd/sinks.c user/vtapd/sinks_ctl.c user/vtapd/ring.c \
              user/vtapd/notify.c user/vtapd/metrics.c user/vtapd/groups.c user/vtapd/guard.c \
              user/vtapd/cluster.c \
              user/vtapd/cluster_sync.c user/vtapd/cluster_publish.c user/vtapd/cluster_view.c
VTAPCTL_SRCS:= user/vtapctl/main.c user/vtapctl/client.c user/vtapctl/capture.c user/vtapctl/extcap.c \
              user/vtapctl/cluster.c user/vtapctl/cluster_nodes.c \
              user/vtapctl/cluster_stats.c
DPDK_SRCS  := user/dpdk/main.c user/dpdk/ports.c user/dpdk/fwd.c user/dpdk/rules.c \
              user/dpdk/ctl.c user/dpdk/views.c user/dpdk/vxlan.c user/dpdk/notify.c \
              user/dpdk/metrics.c
lib_of      = $(OUT)/libvtap-$(1).a
objs_of     = $(patsubst user/%.c,$(OUT)/obj/%.o,$(1))
CORE_LIB   := $(call lib_of,core)
KERNEL_LIB := $(call lib_of,kernel)
SINKS_LIB  := $(call lib_of,sinks)
STORE_LIB  := $(call lib_of,store)
CTL_LIB    := $(call lib_of,ctl)
# link order: users before what they use
VTAPD_LIBS := $(CTL_LIB) $(SINKS_LIB) $(KERNEL_LIB) $(STORE_LIB) $(CORE_LIB)
VTAPCTL_LIBS:= $(CTL_LIB) $(KERNEL_LIB) $(STORE_LIB) $(CORE_LIB)
DPDK_LIBS  := $(CTL_LIB) $(KERNEL_LIB) $(CORE_LIB)
ALL_LIBS   := $(CTL_LIB) $(SINKS_LIB) $(KERNEL_LIB) $(STORE_LIB) $(CORE_LIB)
BINS       := $(OUT)/vtapd $(OUT)/vtapctl
# vtap-dpdk: the DPDK fallback datapath (user/dpdk/). pkg-config runs in the
# recipe, after scripts/deps.sh has installed libdpdk-dev.
DPDK_BIN   := $(OUT)/vtap-dpdk
TEST_SRCS  := $(filter-out tests/unit/fixtures.c,$(wildcard tests/unit/test_*.c))
TEST_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_SRCS))
TEST_COMMON:= $(patsubst tests/unit/%.c,$(OUT)/tests/%.o,$(filter-out $(TEST_SRCS),$(wildcard tests/unit/*.c)))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
# libFuzzer + ASan + UBSan, clang only; core is compiled in from source
FUZZ_CFLAGS:= -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser -I$(OUT) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
              -DVTAP_VERSION='"$(VERSION)"'
# test tools: programs the namespace tests drive (etcd_tool: the store client)
TOOL_SRCS  := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(OUT)/tools/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
HDRS       := $(wildcard include/vtap/*.h user/*/*.h bpf/*.h tests/unit/*.h tests/fuzz/*.h)
# man pages from one scdoc source each (man/), systemd units from templates
# (systemd/*.in: @SBINDIR@ is where `make install` puts the programs)
MAN_SRCS   := $(wildcard man/*.scd)
MANS       := $(patsubst man/%.scd,$(OUT)/man/%,$(MAN_SRCS))
UNIT_SRCS  := $(wildcard systemd/*.in)
UNITS      := $(patsubst systemd/%.in,$(OUT)/systemd/%,$(UNIT_SRCS))
# Wireshark's extcap entry: a wrapper that runs `vtapctl extcap`
EXTCAP     := $(OUT)/extcap/vtap-extcap

# make install: PREFIX (default /usr/local) and DESTDIR as usual. The policy
# directory and Wireshark's extcap folder are where those programs look,
# whatever PREFIX is.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/vtap
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
POLICYDIR  ?= /etc/vtap/policies
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null || echo $$(uname -m)-linux-gnu)
EXTCAPDIR  ?= /usr/lib/$(MULTIARCH)/wireshark/extcap
INSTALL    ?= install

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all programs deps vmlinux test unit-test ns-test demo demo-cluster bench bench-classify fuzz clean format \
	install uninstall deb

all: deps programs $(TEST_BINS) $(TOOL_BINS) $(BENCH_BINS)

# The programs, man pages and units, without installing packages or building
# the tests: what `make install` and debian/rules need
programs: $(BPF_OBJS) $(SKELS) $(ALL_LIBS) $(BINS) $(DPDK_BIN) $(MANS) $(UNITS) $(EXTCAP)

# Installs the Debian packages the project needs; fast when all are there.
deps:
	@scripts/deps.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

$(OUT) $(OUT)/tests $(OUT)/bench $(OUT)/fuzz $(OUT)/tools:
	@mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c vmlinux.h $(HDRS) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .bpf,,$(basename $(notdir $<))) > $@

$(OUT)/obj/%.o: user/%.c $(HDRS) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUT)/obj/core/version.o: CFLAGS += -DVTAP_VERSION='"$(VERSION_STR)"'
$(OUT)/obj/core/version.o: VERSION

$(CORE_LIB): $(call objs_of,$(CORE_SRCS))
$(KERNEL_LIB): $(call objs_of,$(KERNEL_SRCS))
$(SINKS_LIB): $(call objs_of,$(SINKS_SRCS))
$(STORE_LIB): $(call objs_of,$(STORE_SRCS))
$(CTL_LIB): $(call objs_of,$(CTL_SRCS))
$(ALL_LIBS):
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/vtapd: $(call objs_of,$(VTAPD_SRCS)) $(VTAPD_LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) $(STORE_LDLIBS) $(DAEMON_LDLIBS) -o $@

$(OUT)/vtapctl: $(call objs_of,$(VTAPCTL_SRCS)) $(VTAPCTL_LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) $(STORE_LDLIBS) -o $@

# DPDK's headers are -isystem: their own warnings are not ours to fix
$(DPDK_BIN): $(DPDK_SRCS) $(DPDK_LIBS) $(HDRS)
	$(CC) $(CPPFLAGS) $(CFLAGS) $$(pkg-config --cflags libdpdk | sed 's/-I/-isystem /g') $(LDFLAGS) \
		$(DPDK_SRCS) $(DPDK_LIBS) -lyaml -lmnl $$(pkg-config --libs libdpdk) $(DAEMON_LDLIBS) -lpthread -o $@

$(OUT)/man/%: man/%.scd
	@mkdir -p $(@D)
	scdoc < $< > $@

$(OUT)/systemd/%: systemd/%.in
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@

$(OUT)/extcap/%: scripts/extcap/%.in
	@mkdir -p $(@D)
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@
	chmod 755 $@

$(OUT)/tests/%.o: tests/unit/%.c $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(TEST_COMMON) $(ALL_LIBS) $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(TEST_COMMON) $(ALL_LIBS) $(LDLIBS) $(STORE_LDLIBS) $(DAEMON_LDLIBS) $(TEST_LDLIBS) -o $@

$(OUT)/tools/%: tests/tools/%.c $(STORE_LIB) $(KERNEL_LIB) $(CORE_LIB) $(HDRS) | $(OUT)/tools
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(STORE_LIB) $(KERNEL_LIB) $(CORE_LIB) $(STORE_LDLIBS) $(LDLIBS) -o $@

$(OUT)/bench/%: tests/bench/%.c $(ALL_LIBS) $(HDRS) $(SKELS) | $(OUT)/bench
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(ALL_LIBS) $(LDLIBS) $(STORE_LDLIBS) -o $@

# the drain benchmark runs vtapd's own drain code (user/vtapd/ring.c)
BENCH_DRAIN_OBJS := $(call objs_of,user/vtapd/ring.c)
$(OUT)/bench/bench_drain: tests/bench/bench_drain.c $(BENCH_DRAIN_OBJS) $(ALL_LIBS) $(HDRS) $(SKELS) | $(OUT)/bench
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(BENCH_DRAIN_OBJS) $(ALL_LIBS) $(LDLIBS) -lpthread -o $@

$(OUT)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) $(HDRS) | $(OUT)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(CORE_SRCS) -lyaml -o $@

# the TCP segmenter alone (what vtapd does to a VM's GSO copies)
FUZZ_SEGMENT_SRCS := user/sinks/segment.c user/sinks/csum_partial.c user/sinks/inet.c
$(OUT)/fuzz/fuzz_segment: tests/fuzz/fuzz_segment.c $(FUZZ_SEGMENT_SRCS) $(HDRS) | $(OUT)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) -Itests/unit $< $(FUZZ_SEGMENT_SRCS) -o $@

# the etcd answers' decoder alone: no core, no network
$(OUT)/fuzz/fuzz_etcd: tests/fuzz/fuzz_etcd.c $(STORE_JSON_SRCS) $(HDRS) | $(OUT)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(STORE_JSON_SRCS) -ljansson -o $@

# Each fuzzer for FUZZ_SECONDS (default 60) from its seed corpus.
fuzz: all $(FUZZ_BINS)
	@OUT=$(OUT) scripts/fuzz.sh

# The README's test command: every suite, one closing line "N passed, N failed".
# The fuzz targets are built too: the suite replays their corpora.
test: all $(FUZZ_BINS)
	@OUT=$(OUT) scripts/run-tests.sh

unit-test: all
	@OUT=$(OUT) SUITES=unit scripts/run-tests.sh

ns-test: all
	@OUT=$(OUT) SUITES=ns scripts/run-tests.sh

demo: all
	@OUT=$(OUT) scripts/demo.sh $(DEMO_ARGS)

# The cluster demo: etcd, two nodes, a monitor host (docs/cluster.md)
demo-cluster: all
	@OUT=$(OUT) scripts/demo-cluster.sh $(DEMO_ARGS)

bench: all $(BENCH_BINS)
	@OUT=$(OUT) scripts/bench.sh

# The classifier's cost alone (BPF_PROG_TEST_RUN), 1, 16, 256 and 4096 rules.
bench-classify: all $(BENCH_BINS)
	@OUT=$(OUT) BENCH_PARTS=classify CLASSIFY_SIZES=1,16,256,4096 scripts/bench.sh

# Example policies go to $(POLICYDIR)/examples/ (the loader reads only the
# directory's own *.yaml: copy one up to use it); a file already there is
# never overwritten, nor is anything the operator wrote.
install: $(BINS) $(DPDK_BIN) $(MANS) $(UNITS) $(EXTCAP)
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(POLICYDIR)/examples $(DESTDIR)$(EXTCAPDIR)
	$(INSTALL) -m 755 $(BINS) $(DPDK_BIN) $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 644 $(filter %.5,$(MANS)) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 644 $(filter %.8,$(MANS)) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 $(UNITS) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 644 scripts/completion/vtapctl.bash $(DESTDIR)$(COMPLETIONDIR)/vtapctl
	$(INSTALL) -m 644 scripts/completion/vtapd.bash $(DESTDIR)$(COMPLETIONDIR)/vtapd
	$(INSTALL) -m 644 scripts/completion/vtapd.bash $(DESTDIR)$(COMPLETIONDIR)/vtap-dpdk
	$(INSTALL) -m 755 $(EXTCAP) $(DESTDIR)$(EXTCAPDIR)/
	$(INSTALL) -m 644 README.md docs/*.md docs/grafana-vtap.json $(DESTDIR)$(DOCDIR)/
	@for f in policies/examples/*.yaml; do \
		t=$(DESTDIR)$(POLICYDIR)/examples/$${f##*/}; \
		if [ -e "$$t" ]; then echo "install: keeping $$t"; \
		else $(INSTALL) -m 644 "$$f" "$$t" && echo "install: $$t"; fi; \
	done

# Removes what `make install` put there; the policies stay, examples included
# unless they are exactly as installed.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,$(notdir $(BINS) $(DPDK_BIN)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(filter %.5,$(MANS))))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(filter %.8,$(MANS))))
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	rm -f $(DESTDIR)$(COMPLETIONDIR)/vtapctl $(DESTDIR)$(COMPLETIONDIR)/vtapd \
		$(DESTDIR)$(COMPLETIONDIR)/vtap-dpdk
	rm -f $(DESTDIR)$(EXTCAPDIR)/$(notdir $(EXTCAP))
	rm -rf $(DESTDIR)$(DOCDIR)
	@for f in policies/examples/*.yaml; do \
		t=$(DESTDIR)$(POLICYDIR)/examples/$${f##*/}; \
		if cmp -s "$$f" "$$t"; then rm -f "$$t"; \
		elif [ -e "$$t" ]; then echo "uninstall: keeping $$t (changed)"; fi; \
	done
	-rmdir $(DESTDIR)$(POLICYDIR)/examples 2>/dev/null

# The Debian package, built from this tree by debian/rules (debhelper) into
# $(OUT)/deb/. Build dependencies: `make deps` installs them.
# A package is built the way Debian builds it, whatever this make was given:
# no SANITIZE=1, CFLAGS or LDFLAGS of the caller (make passes command-line
# variables on through MAKEFLAGS; scripts/sanitize.sh exports LDFLAGS).
DEB_ENV     := env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u CFLAGS -u LDFLAGS -u SANITIZE \
               DEB_OUT=$(OUT)/deb-build DEB_DESTDIR=$(abspath $(OUT))/deb
deb: deps
	dpkg-checkbuilddeps
	$(DEB_ENV) debian/rules build
	$(DEB_ENV) fakeroot debian/rules binary
	@ls $(OUT)/deb/*.deb

format:
	clang-format -i $(wildcard bpf/*.c bpf/*.h include/vtap/*.h user/*/*.c user/*/*.h tests/unit/*.c tests/unit/*.h tests/tools/*.c)

clean:
	rm -rf $(OUT)
