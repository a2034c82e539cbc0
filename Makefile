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
MAINS      := user/vtapd.c user/vtapctl.c
LIB_SRCS   := $(filter-out $(MAINS),$(wildcard user/*.c))
LIB_OBJS   := $(patsubst user/%.c,$(OUT)/lib/%.o,$(LIB_SRCS))
BINS       := $(patsubst user/%.c,$(OUT)/%,$(filter $(wildcard $(MAINS)),$(MAINS)))
TEST_SRCS  := $(filter-out tests/unit/fixtures.c,$(wildcard tests/unit/test_*.c))
TEST_BINS  := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(TEST_SRCS))
TEST_COMMON:= $(patsubst tests/unit/%.c,$(OUT)/tests/%.o,$(filter-out $(TEST_SRCS),$(wildcard tests/unit/*.c)))
FUZZ_SRCS  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  := $(patsubst tests/fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
# libFuzzer + ASan + UBSan, clang only; the library is compiled in from source
FUZZ_CFLAGS:= -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser -I$(OUT) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))
HDRS       := $(wildcard include/vtap/*.h user/*.h bpf/*.h tests/unit/*.h tests/fuzz/*.h)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps vmlinux test unit-test ns-test demo bench bench-classify fuzz clean format

all: deps $(BPF_OBJS) $(SKELS) $(OUT)/libvtap.a $(BINS) $(TEST_BINS)

# Installs the Debian packages the project needs; fast when all are there.
deps:
	@scripts/deps.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux.h

$(OUT) $(OUT)/lib $(OUT)/tests $(OUT)/bench $(OUT)/fuzz:
	@mkdir -p $@

$(OUT)/%.bpf.o: bpf/%.bpf.c vmlinux.h $(HDRS) | $(OUT)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .bpf,,$(basename $(notdir $<))) > $@

$(OUT)/lib/%.o: user/%.c $(HDRS) $(SKELS) | $(OUT)/lib
	$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/libvtap.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(OUT)/%: user/%.c $(OUT)/libvtap.a $(HDRS) $(SKELS)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(OUT)/libvtap.a $(LDLIBS) -o $@

$(OUT)/tests/%.o: tests/unit/%.c $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit -c $< -o $@

$(OUT)/tests/test_%: tests/unit/test_%.c $(TEST_COMMON) $(OUT)/libvtap.a $(HDRS) $(SKELS) | $(OUT)/tests
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(TEST_COMMON) $(OUT)/libvtap.a $(LDLIBS) $(TEST_LDLIBS) -o $@

$(OUT)/bench/%: tests/bench/%.c $(OUT)/libvtap.a $(HDRS) $(SKELS) | $(OUT)/bench
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) $< $(OUT)/libvtap.a $(LDLIBS) -o $@

$(OUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) $(HDRS) $(SKELS) | $(OUT)/fuzz
	$(CLANG) $(FUZZ_CFLAGS) $< $(LIB_SRCS) $(LDLIBS) -o $@

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
	clang-format -i $(wildcard bpf/*.c bpf/*.h include/vtap/*.h user/*.c user/*.h tests/unit/*.c tests/unit/*.h)

clean:
	rm -rf $(OUT)
