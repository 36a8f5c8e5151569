# minyi build. Sources are found by wildcard: a new src/<layer>/<module>.c or
# tests/<layer>/<module>_test.c needs no edit here.
#
#   make            ./minyi (optimised)
#   make run        install deps, build, seed demo data, serve on 127.0.0.1:8080
#                   (LISTEN=ADDR:PORT to serve elsewhere)
#   make test       install deps, build with ASan/UBSan, run every test
#   make bench      benchmarks (bench/), figures and checksums (SCALE=full for
#                   bench/national.sh at the campaign's full 8.542M messages)
#   make eval       accuracy evaluations against ../shared/data
#   make fuzz       libFuzzer targets (clang)
#   make test-crash 20 rounds of SIGKILL during concurrent intake (tests/crash/)

CC      ?= gcc
PKGS    := libmicrohttpd sqlite3 jansson libutf8proc libsodium zlib xlsxwriter libzip expat
CPPFLAGS += -Isrc -D_GNU_SOURCE $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Wno-unused-parameter -pthread
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lxxhash -llinear -lm -pthread
SANFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# BUILD: the object directory; helpers working side by side use their own.
BUILD   ?= build

SRC      := $(sort $(wildcard src/*/*.c))
LIBSRC   := $(filter-out src/app/main.c,$(SRC))
TESTSRC  := $(sort $(wildcard tests/*/*_test.c))
BENCHSRC := $(sort $(wildcard bench/*.c))

REL_OBJ  := $(LIBSRC:%.c=$(BUILD)/rel/%.o)
ASAN_OBJ := $(LIBSRC:%.c=$(BUILD)/asan/%.o)
TESTBIN  := $(TESTSRC:%.c=$(BUILD)/asan/%)
BENCHBIN := $(BENCHSRC:%.c=$(BUILD)/rel/%)

# Data built from Debian packages at build time (see scripts/build-dict).
DATA := build/jieba.dict

.PHONY: all deps run test unit bench eval fuzz clean test-crash test-abuse
.SECONDARY:
all: minyi $(DATA)

deps:
	@bash scripts/setup

$(BUILD)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) -Itests -MMD -MP -c $< -o $@

$(BUILD)/rel/libminyi.a: $(REL_OBJ)
	@rm -f $@; ar rcs $@ $^

$(BUILD)/asan/libminyi.a: $(ASAN_OBJ)
	@rm -f $@; ar rcs $@ $^

minyi: $(BUILD)/rel/src/app/main.o $(BUILD)/rel/libminyi.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/minyi: $(BUILD)/asan/src/app/main.o $(BUILD)/asan/libminyi.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/asan/tests/%_test: $(BUILD)/asan/tests/%_test.o $(BUILD)/asan/tests/test.o $(BUILD)/asan/libminyi.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/rel/bench/%: $(BUILD)/rel/bench/%.o $(BUILD)/rel/libminyi.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# The dictionary format is defined in segdict.c; minyi is order-only so that
# relinking it does not recompile the dictionary.
build/jieba.dict: src/text/segdict.c src/text/segdict.h scripts/build-dict | minyi
	bash scripts/build-dict $@

# libFuzzer targets: fuzz/<name>.c is built with clang together with the
# core and text sources (the pure layers) and run for FUZZ_SECONDS on its
# corpus fuzz/corpus/<name>.
FUZZSRC := $(sort $(wildcard fuzz/*.c))
FUZZLIB := $(filter src/core/% src/text/% src/app/datafile.c src/app/xlsx.c src/app/validate.c,$(LIBSRC))
FUZZBIN := $(FUZZSRC:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60

# fuzz/http.c drives the API handlers on a real store: it links every layer.
$(BUILD)/fuzz/http: fuzz/http.c $(LIBSRC)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(LIBSRC) $(LDLIBS)

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZLIB)
	@mkdir -p $(dir $@)
	clang $(CPPFLAGS) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ $< $(FUZZLIB) $(LDLIBS)

fuzz: $(FUZZBIN) $(DATA)
	@for f in $(FUZZBIN); do n=$${f##*/}; mkdir -p fuzz/corpus-run/$$n fuzz/corpus/$$n; \
	  echo "== fuzz $$n ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 fuzz/corpus-run/$$n fuzz/corpus/$$n || exit 1; done

# run, test, bench and eval first install what is missing (scripts/setup) and
# then build in a sub-make: the flags above come from pkg-config when the
# Makefile is read, which on a new machine is before the -dev packages exist.
LISTEN ?= 127.0.0.1:8080
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p var
	./minyi demo --db sqlite:var/minyi.db --generate 3000
	./minyi serve --db sqlite:var/minyi.db --web web --listen $(LISTEN)

unit: $(BUILD)/asan/minyi $(TESTBIN) $(DATA)

test: deps
	@$(MAKE) --no-print-directory all unit
	@bash scripts/run-tests

# The long form of tests/crash/kill9.test.mjs (3 rounds in make test).
test-crash: deps
	@$(MAKE) --no-print-directory all unit
	@MINYI_BIN=$(BUILD)/asan/minyi CRASH_ROUNDS=$${CRASH_ROUNDS:-20} node tests/crash/kill9.test.mjs

# The long form of tests/api/abuse.test.mjs on the release build: 500
# slowloris connections and 10,000 flood posts for 30 s; prints the normal
# client's p99 and fails above 100 ms.
test-abuse: deps
	@$(MAKE) --no-print-directory all
	MINYI_BIN=$(CURDIR)/minyi ABUSE_LONG=1 ABUSE_SLOW=500 ABUSE_FLOOD=10000 ABUSE_SECONDS=30 node tests/api/abuse.test.mjs

bench: deps
	@bash scripts/setup --bench
	@$(MAKE) --no-print-directory all $(BENCHBIN)
	@bash scripts/run-bench

eval: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/run-eval

clean:
	rm -rf $(BUILD) minyi

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
