# relayfleet: one non-recursive GNU Makefile.
#
#   make            build/fleetd, build/fleet-agent, build/fleetctl
#   make check      bootstrap, build, unit + integration tests, fuzz corpora
#   make sanitize   the same tests on an ASan+UBSan build (build/san)
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (default 60)
#   make demo       the lab on 127.0.0.0/8 (scripts/demo)
#   make bench      benchmarks against named peers (bench/)
#   make install    PREFIX=/usr/local DESTDIR= SYSCONFDIR=/etc/relayfleet

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
V	?= 0
FUZZ_SECONDS ?= 60
PYTHON	?= /usr/bin/python3

ifeq ($(V),0)
Q	:= @
else
Q	:=
endif

CC	?= cc
CFLAGS	?= -O2 -g
WERROR	?= -Werror
CFLAGS	+= -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -MMD -MP -Icommon -I$(BUILD)/gen
CFLAGS	+= -Wall -Wextra $(WERROR) -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	   -Wimplicit-fallthrough -Wvla
CFLAGS	+= -fstack-protector-strong -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2 -fPIE
LDFLAGS	+= -pie -Wl,-z,relro,-z,now
LDLIBS	+= -lnng -lprotobuf-c -lsodium -lsqlite3 -linih -lcjson -lcares -lpthread

ifdef SANITIZE
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
LDFLAGS	+= -fsanitize=address,undefined
endif

GEN_SRCS := $(BUILD)/gen/fleet.pb-c.c
GEN_HDRS := $(BUILD)/gen/fleet.pb-c.h

COMMON_SRCS := common/log.c common/util.c common/reason.c common/cfg.c \
	common/keys.c common/noise.c common/channel.c common/chan_nng.c \
	common/wire.c common/wire_check.c common/wire_ctl.c common/classify.c \
	common/classify_rules.c common/wire_ctl_lb.c
AGENT_SRCS := agent/config.c agent/queue.c agent/spool.c agent/report.c \
	agent/tally.c agent/checks.c agent/logline.c agent/maillog.c \
	agent/watch.c agent/summarize.c
CTRL_SRCS := controller/config.c controller/config_policy.c \
	controller/store.c controller/ingest.c \
	controller/ctl.c controller/store_state.c controller/health.c \
	controller/notify.c controller/policy.c controller/policy_conf.c \
	controller/policy_tick.c controller/policy_window.c \
	controller/policy_json.c controller/core.c controller/core_limits.c \
	controller/core_restore.c controller/store_schema.c controller/config_lb.c \
	controller/lb.c controller/lb_driver.c controller/lb_haproxy.c \
	controller/lb_haproxy_parse.c controller/lb_file.c controller/lb_exec.c \
	controller/lb_track.c
CLI_SRCS := cli/client.c cli/print.c cli/cmd_status.c cli/cmd_keygen.c \
	cli/cmd_classify.c cli/cmd_show.c cli/cmd_drain.c cli/cmd_maint.c \
	cli/cmd_events.c cli/cmd_agents.c cli/cmd_lb.c

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_OBJS := $(call obj,$(COMMON_SRCS)) $(BUILD)/obj/gen/fleet.pb-c.o
AGENT_OBJS := $(call obj,$(AGENT_SRCS))
CTRL_OBJS := $(call obj,$(CTRL_SRCS))
CLI_OBJS := $(call obj,$(CLI_SRCS))

PROGS := $(BUILD)/fleetd $(BUILD)/fleet-agent $(BUILD)/fleetctl

UNIT_TESTS := noise channel wire keys cfg spool queue tally checks logline \
	maillog classify store store_state report health notify policy config cli \
	cli_print cli_lb wire_ctl wire_ctl_decode wire_lb ctl lb lb_haproxy lb_file \
	lb_exec chan_limits ingest_limits text_check
UNIT_BINS := $(patsubst %,$(BUILD)/test/%_test,$(UNIT_TESTS))

FUZZERS := channel wire logline rules queueline policy haproxy pool
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZERS))

.PHONY: all check unit integration fuzz-replay sanitize valgrind fuzz demo bench \
	install clean format format-check lint bootstrap

all: $(PROGS)

# --- generated protobuf ------------------------------------------------------
$(BUILD)/gen/fleet.pb-c.c $(BUILD)/gen/fleet.pb-c.h &: proto/fleet.proto
	@mkdir -p $(BUILD)/gen
	$(Q)protoc-c --c_out=$(BUILD)/gen -Iproto proto/fleet.proto

$(BUILD)/obj/gen/fleet.pb-c.o: $(BUILD)/gen/fleet.pb-c.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -Wno-unused-parameter -Wno-missing-prototypes \
	    -Wno-cast-qual -c -o $@ $<

# --- objects -----------------------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(GEN_HDRS)
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libcommon.a: $(COMMON_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libagent.a: $(AGENT_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libctrl.a: $(CTRL_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libcli.a: $(CLI_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/fleetd: $(BUILD)/obj/controller/main.o $(BUILD)/libctrl.a $(BUILD)/libcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/fleet-agent: $(BUILD)/obj/agent/main.o $(BUILD)/libagent.a $(BUILD)/libcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BUILD)/fleetctl: $(BUILD)/obj/cli/main.o $(BUILD)/libcli.a $(BUILD)/libcommon.a
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# --- unit tests (cmocka) -----------------------------------------------------
$(UNIT_BINS): $(BUILD)/test/%_test: $(BUILD)/obj/tests/unit/%_test.o $(BUILD)/libctrl.a \
    $(BUILD)/libagent.a $(BUILD)/libcli.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

unit: $(UNIT_BINS)
	$(Q)set -e; for t in $(UNIT_BINS); do \
	    echo "== $$t"; FLEET_SRCDIR=$(CURDIR) $$t; done

integration: $(PROGS) $(BUILD)/bench/loadgen
	$(Q)FLEET_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider \
	    tests/integration

# --- fuzzing (clang libFuzzer) -----------------------------------------------
FUZZ_CFLAGS := -g -O1 -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE -Icommon -I$(BUILD)/gen \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DCLASSIFY_CHECK_PREFILTER
FUZZ_LIB_SRCS := $(COMMON_SRCS) $(GEN_SRCS) agent/logline.c agent/queue.c \
	controller/health.c controller/policy.c controller/policy_conf.c \
	controller/policy_tick.c controller/policy_window.c \
	controller/policy_json.c controller/lb_driver.c \
	controller/lb_haproxy_parse.c controller/lb_file.c

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_SRCS) $(GEN_HDRS) $(wildcard common/*.h) \
    $(wildcard controller/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)clang $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_LIB_SRCS) $(LDLIBS)

fuzz-replay: $(FUZZ_BINS)
	$(Q)set -e; for f in $(FUZZERS); do \
	    echo "== replay fuzz_$$f"; \
	    $(BUILD)/fuzz/fuzz_$$f -runs=0 tests/fuzz/corpus/$$f >/dev/null 2>$(BUILD)/fuzz/$$f.log \
	    || { cat $(BUILD)/fuzz/$$f.log; exit 1; }; \
	    tail -n 1 $(BUILD)/fuzz/$$f.log; done

fuzz: $(FUZZ_BINS)
	$(Q)set -e; for f in $(FUZZERS); do \
	    mkdir -p $(BUILD)/fuzz/corpus-$$f; \
	    $(BUILD)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        $(BUILD)/fuzz/corpus-$$f tests/fuzz/corpus/$$f; done

# --- the commands of README.md -----------------------------------------------
bootstrap:
	$(Q)./scripts/bootstrap

check: bootstrap
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-replay
	$(Q)$(MAKE) --no-print-directory integration

sanitize: bootstrap
	$(Q)$(MAKE) --no-print-directory BUILD=build/san SANITIZE=1 all unit integration

# The integration tests with every daemon under valgrind (slow: not in check).
valgrind: bootstrap all
	$(Q)FLEET_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite" \
	    FLEET_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q \
	    -p no:cacheprovider tests/integration

demo: bootstrap all
	$(Q)./scripts/demo

bench: bootstrap all
	$(Q)set -e; for b in bench/*/run; do [ -x "$$b" ] && "$$b"; done; true

# bench/ingest: the load generator (simulated agents) that its run drives.
LOADGEN_SRCS := bench/ingest/loadgen.c bench/ingest/mix.c
$(call obj,$(LOADGEN_SRCS)): CFLAGS += -Iagent
$(BUILD)/bench/loadgen: $(call obj,$(LOADGEN_SRCS)) $(BUILD)/libagent.a \
    $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench: $(BUILD)/bench/loadgen

.PHONY: bench-ingest
bench-ingest: bootstrap all $(BUILD)/bench/loadgen
	$(Q)FLEET_BUILD=$(abspath $(BUILD)) bench/ingest/run

SYSCONFDIR ?= /etc/relayfleet

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
	    $(DESTDIR)$(SYSCONFDIR)
	install -m 755 $(BUILD)/fleetd $(BUILD)/fleet-agent $(DESTDIR)$(PREFIX)/sbin/
	install -m 755 $(BUILD)/fleetctl $(DESTDIR)$(PREFIX)/bin/
	install -m 644 etc/rules.conf $(DESTDIR)$(SYSCONFDIR)/rules.conf

format:
	clang-format -i $(FORMAT_SRCS)

# The tracked sources (a work tree may hold files not added yet).
FORMAT_SRCS = $(shell git ls-files -- '*.c' '*.h' 2>/dev/null | grep -v '^build/')

format-check:
	@echo "== clang-format"
	$(Q)clang-format --dry-run --Werror $(FORMAT_SRCS)

lint:
	clang-tidy $(COMMON_SRCS) -- $(CFLAGS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
