# vtap build. Everything is built into $(OUT): BPF objects, skeletons,
# the user-space library, binaries and tests.
OUT        ?= build
CLANG      ?= clang
CC         ?= gcc
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser -I$(OUT)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -I. -Iinclude -Ibpf
LDLIBS     := -lbpf -lxdp -lelf -lz -lyaml -lmnl
TEST_LDLIBS:= -lcmocka

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
#   sinks:  capture + pcapng, AF_XDP TX, OVS.
#   ctl:    the control server both daemons run, its command table, and
#           the counters' field tables and shared answer layouts.
CORE_SRCS  := user/core/policy.c user/core/policy_parse.c user/core/policy_validate.c \
              user/core/policy_yaml.c user/core/compile.c user/core/image_classify.c \
              user/core/tap.c user/core/log.c user/core/sbuf.c
KERNEL_SRCS:= user/kernel/loader.c user/kernel/loader_maps.c user/kernel/pins.c user/kernel/tc.c user/kernel/xdp.c user/kernel/link.c \
              user/kernel/netlink.c user/kernel/caps.c user/kernel/bpf_log.c
SINKS_SRCS := user/sinks/capture.c user/sinks/pcapng.c user/sinks/ovs.c user/sinks/xsk_tx.c
#   store:  the etcd v3 client (libcurl, jansson); uses core's log only.
STORE_SRCS := user/store/etcd_client.c user/store/etcd_loop.c user/store/etcd_req.c \
              user/store/etcd_kv.c user/store/etcd_watch.c user/store/etcd_lease.c \
              user/store/etcd_body.c user/store/etcd_json.c user/store/etcd_b64.c
# what the store's JSON decoding needs alone (the fuzzer's part)
STORE_JSON_SRCS := user/store/etcd_json.c user/store/etcd_body.c user/store/etcd_b64.c
STORE_LDLIBS:= -lcurl -ljansson
CTL_SRCS   := user/ctl/server.c user/ctl/socket.c user/ctl/command.c user/ctl/fields.c \
              user/ctl/counters.c user/ctl/views.c
VTAPD_SRCS := user/vtapd/main.c user/vtapd/daemon.c user/vtapd/daemon_ring.c \
              user/vtapd/daemon_sinks.c user/vtapd/daemon_xdp.c user/vtapd/views.c
VTAPCTL_SRCS:= user/vtapctl/main.c
DPDK_SRCS  := user/dpdk/main.c user/dpdk/ports.c user/dpdk/fwd.c user/dpdk/rules.c \
              user/dpdk/ctl.c user/dpdk/views.c user/dpdk/vxlan.c
lib_of      = $(OUT)/libvtap-$(1).a
objs_of     = $(patsubst user/%.c,$(OUT)/obj/%.o,$(1))
CORE_LIB   := $(call lib_of,core)
KERNEL_LIB := $(call lib_of,kernel)
SINKS_LIB  := $(call lib_of,sinks)
STORE_LIB  := $(call lib_of,store)
CTL_LIB    := $(call lib_of,ctl)
# link order: users before what they use
VTAPD_LIBS := $(CTL_LIB) $(SINKS_LIB) $(KERNEL_LIB) $(CORE_LIB)
VTAPCTL_LIBS:= $(CTL_LIB) $(KERNEL_LIB) $(CORE_LIB)
DPDK_LIBS  := $(CTL_LIB) $(CORE_LIB)
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
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
# test tools: programs the namespace tests drive (etcd_tool: the store client)
TOOL_SRCS  := $(wildcard tests/tools/*.c)
TOOL_BINS  := $(patsubst tests/tools/%.c,$(OUT)/tools/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
HDRS       := $(wildcard include/vtap/*.h user/*/*.h bpf/*.h tests/unit/*.h tests/fuzz/*.h)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps vmlinux test unit-test ns-test demo bench bench-classify fuzz clean format

all: deps $(BPF_OBJS) $(SKELS) $(ALL_LIBS) $(BINS) $(DPDK_BIN) $(TEST_BINS) $(TOOL_BINS)

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
	$(CC) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(call objs_of,$(CORE_SRCS))
$(KERNEL_LIB): $(call objs_of,$(KERNEL_SRCS))
$(SINKS_LIB): $(call objs_of,$(SINKS_SRCS))
$(STORE_LIB): $(call objs_of,$(STORE_SRCS))
$(CTL_LIB): $(call objs_of,$(CTL_SRCS))
$(ALL_LIBS):
	rm -f $@
	$(AR) rcs $@ $^

$(OUT)/vtapd: $(call objs_of,$(VTAPD_SRCS)) $(VTAPD_LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/vtapctl: $(call objs_of,$(VTAPCTL_SRCS)) $(VTAPCTL_LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# DPDK's headers are -isystem: their own warnings are not ours to fix
$(DPDK_BIN): $(DPDK_SRCS) $(DPDK_LIBS) $(HDRS)
	$(CC) $(CFLAGS) $$(pkg-config --cflags libdpdk | sed 's/-I/-isystem /g') $(LDFLAGS) \
		$(DPDK_SRCS) $(DPDK_LIBS) -lyaml $$(pkg-config --libs libdpdk) -lpthread -o $@

$(OUT)/tests/%.o: tests/unit/%.c $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(TEST_COMMON) $(ALL_LIBS) $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(TEST_COMMON) $(ALL_LIBS) $(LDLIBS) $(STORE_LDLIBS) $(TEST_LDLIBS) -o $@

$(OUT)/tools/%: tests/tools/%.c $(STORE_LIB) $(CORE_LIB) $(HDRS) | $(OUT)/tools
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(STORE_LIB) $(CORE_LIB) $(STORE_LDLIBS) -o $@

$(OUT)/bench/%: tests/bench/%.c $(ALL_LIBS) $(HDRS) $(SKELS) | $(OUT)/bench
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(ALL_LIBS) $(LDLIBS) -o $@

$(OUT)/fuzz/%: tests/fuzz/%.c $(CORE_SRCS) $(HDRS) | $(OUT)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(CORE_SRCS) -lyaml -o $@

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

bench: all $(BENCH_BINS)
	@OUT=$(OUT) scripts/bench.sh

# The classifier's cost alone (BPF_PROG_TEST_RUN), 1, 16, 256 and 4096 rules.
bench-classify: all $(BENCH_BINS)
	@OUT=$(OUT) BENCH_PARTS=classify CLASSIFY_SIZES=1,16,256,4096 scripts/bench.sh

format:
	clang-format -i $(wildcard bpf/*.c bpf/*.h include/vtap/*.h user/*/*.c user/*/*.h tests/unit/*.c tests/unit/*.h tests/tools/*.c)

clean:
	rm -rf $(OUT)
