# kbd — knowledge-base daemon. See README.md.
#
#   make            build bin/kbd and bin/kbctl (installs build deps if missing)
#   make check      unit + integration tests, drills and their negative
#                   controls, then the tests again under ASan+UBSan, then a
#                   short run of each libFuzzer harness
#   make drills     crash-recovery drills (docs/crash-safety.md); also
#                   drills-full (SEED=), drills-negative
#   make fuzz       each libFuzzer harness for FUZZ_TIME (60) seconds
#   make demo       build a KB from python3.11-doc's reST sources
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX	?= /usr/local
BINDIR	?= $(PREFIX)/bin
MANDIR	?= $(PREFIX)/share/man
DESTDIR	?=

CC	?= cc
PKGS	 = libevent libprotobuf-c sqlite3 libseccomp libcrypto md4c libxml-2.0 \
	   libarchive
# SAN=1 builds an ASan+UBSan copy in build/san; the default build is build/release.
# SANDBOX_DEBUG=1: workers' seccomp filter traps instead of killing and
# names the offending syscall ("sandbox violation: syscall N", exit 111).
ifeq ($(SANDBOX_DEBUG),1)
O	?= build/sbdebug
CPPFLAGS += -DKBD_SANDBOX_DEBUG
endif
# DRILL_BREAK=nodirsync|nobackupsync|early_publish|nosyncfs|nojournalsync:
# a negative control for the crash drills, deliberately unsafe; only with
# the fail points, and built apart (make drills-negative uses
# O=build/neg-NAME).
ifneq ($(DRILL_BREAK),)
O	?= build/neg-$(DRILL_BREAK)
CPPFLAGS += -DKBD_DRILL_BREAK_$(shell echo '$(DRILL_BREAK)' | tr a-z A-Z)
endif
# FUZZ=1: clang with libFuzzer's coverage and ASan+UBSan, in build/fuzz.
ifeq ($(FUZZ),1)
O	?= build/fuzz
CC	 = clang
SANFLAGS = -fsanitize=address,undefined,fuzzer-no-link \
	   -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else ifeq ($(SAN),1)
O	?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	   -fno-omit-frame-pointer
else
O	?= build/release
SANFLAGS =
endif
BIN	 = $(O)/bin

CFLAGS	?= -O2 -g
CFLAGS	+= -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wno-missing-field-initializers -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wpointer-arith -fstack-protector-strong \
	   $(SANFLAGS)
CPPFLAGS += -Iproto -I$(O)/gen -Isupervisor -Iworkers -Icli
# A test build (default) compiles the I/O layer's fail points in; the
# release the distributions would ship can drop them with FAILPOINTS=0.
FAILPOINTS ?= 1
ifeq ($(FAILPOINTS),1)
CPPFLAGS += -DKBD_FAILPOINTS
endif
LDFLAGS	+= $(SANFLAGS)

DEPS_STAMP = build/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# MuPDF (libmupdf-dev) is only shipped as static libraries, and its
# mupdf.pc lists neither harfbuzz nor the right order: the libraries it
# needs follow it, each after what uses it. Only kbd and the tests link it.
MUPDF_LIBS = -lmupdf -lmupdf-third -lharfbuzz -lfreetype -ljbig2dec \
	     -lopenjp2 -ljpeg -lmujs -lgumbo -lz -lm

GEN_C	= $(O)/gen/kbd.pb-c.c
GEN_H	= $(O)/gen/kbd.pb-c.h

PROTO_SRCS = proto/chan.c proto/log.c proto/names.c proto/sockpath.c
SUP_SRCS   = $(filter-out supervisor/kbd.c,$(wildcard supervisor/*.c))
WRK_SRCS   = $(wildcard workers/*.c)
CLI_SRCS   = $(wildcard cli/*.c)

LIB_OBJS   = $(O)/gen/kbd.pb-c.o $(PROTO_SRCS:%.c=$(O)/%.o) \
	     $(SUP_SRCS:%.c=$(O)/%.o) $(WRK_SRCS:%.c=$(O)/%.o)
KBD_OBJS   = $(O)/supervisor/kbd.o $(O)/libkbd.a
CLI_OBJS   = $(CLI_SRCS:%.c=$(O)/%.o) $(O)/gen/kbd.pb-c.o \
	     $(O)/proto/chan.o $(O)/proto/names.o $(O)/proto/sockpath.o

FUZZ_SRCS  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  = $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_TIME ?= 60

UNIT_SRCS  = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)

.PHONY: all deps check check-one unit integration demo install clean bench \
	lint-man tidy fuzz fuzz-run drills drills-full drills-negative
.SUFFIXES:

all: $(BIN)/kbd $(BIN)/kbctl bin/kbd bin/kbctl

# The user-facing binaries are the release build's, linked into bin/.
bin/kbd bin/kbctl: | $(BIN)/kbd $(BIN)/kbctl
	@mkdir -p bin
	@if [ "$(SAN)" != 1 ]; then ln -sf ../$(BIN)/kbd bin/kbd; \
	    ln -sf ../$(BIN)/kbctl bin/kbctl; fi

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	./scripts/deps.sh
	@mkdir -p build && touch $@

# One protoc-c run makes both (a grouped target: -j must not run it twice).
$(GEN_C) $(GEN_H) &: proto/kbd.proto | $(DEPS_STAMP)
	@mkdir -p $(O)/gen
	protoc-c --proto_path=proto --c_out=$(O)/gen proto/kbd.proto

$(O)/gen/kbd.pb-c.o: $(GEN_C)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -O2 -g $(SANFLAGS) -c -o $@ $<

$(O)/%.o: %.c $(GEN_H) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(O)/libkbd.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BIN)/kbd: $(KBD_OBJS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $(O)/supervisor/kbd.o $(O)/libkbd.a $(PKG_LIBS) \
	    $(MUPDF_LIBS)

$(BIN)/kbctl: $(CLI_OBJS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/tests/%: tests/unit/%.c $(O)/libkbd.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(O)/libkbd.a \
	    $(PKG_LIBS) $(MUPDF_LIBS) -lcmocka

$(O)/fuzz/%: tests/fuzz/%.c $(O)/libkbd.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(O)/libkbd.a $(PKG_LIBS) $(MUPDF_LIBS)

# Each harness for FUZZ_TIME seconds, from its seeds (tests/fuzz/seeds/NAME,
# if any) and the corpus it grew before (build/fuzz/corpus/NAME).
fuzz:
	$(MAKE) FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
	    n=$$(basename $$f); mkdir -p $(O)/corpus/$$n; \
	    seeds=; [ -d tests/fuzz/seeds/$$n ] && seeds=tests/fuzz/seeds/$$n; \
	    echo "== $$n ($(FUZZ_TIME) s)"; \
	    $$f -max_total_time=$(FUZZ_TIME) -rss_limit_mb=2048 \
	        -max_len=1048576 -print_final_stats=0 \
	        -artifact_prefix=$(O)/$$n- $(O)/corpus/$$n $$seeds \
	        2>$(O)/$$n.log || { tail -n 40 $(O)/$$n.log; exit 1; }; \
	    grep -E "^#[0-9]+.*DONE" $(O)/$$n.log || tail -n 1 $(O)/$$n.log; \
	done

# One pass of every suite against the build in $(O).
check-one: $(BIN)/kbd $(BIN)/kbctl $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done
	KBD_BIN=$(BIN) ./tests/integration/run.sh

check: all
	$(MAKE) check-one
	$(MAKE) drills
	$(MAKE) drills-negative
	$(MAKE) SAN=1 check-one
	$(MAKE) FUZZ=1 FUZZ_TIME=10 fuzz-run
	$(MAKE) lint-man

# Crash-recovery drills against the release build (never under SAN: they
# SIGKILL and SIGSTOP processes by design, and time matters). A fixed seed
# keeps make check reproducible; drills-full prints a fresh one, or SEED=.
DRILLS_SEED ?= 20261126
drills: all
	./tests/drills/drill.py --bin build/release/bin --seed $(DRILLS_SEED)

drills-full: all
	./tests/drills/drill.py --bin build/release/bin --full \
	    $(if $(SEED),--seed $(SEED))

# Each deliberately broken build must make the drills fail; this target
# succeeds only if every one of them is caught. The crash images of the
# batch and remove workloads are enough to catch each (no real crashes or
# resumed images: they cost time and catch nothing more here).
DRILL_BREAKS = nodirsync nobackupsync early_publish nosyncfs nojournalsync
drills-negative:
	@for b in $(DRILL_BREAKS); do \
	    $(MAKE) --no-print-directory DRILL_BREAK=$$b O=build/neg-$$b \
		build/neg-$$b/bin/kbd build/neg-$$b/bin/kbctl >/dev/null || exit 1; \
	    echo "== negative control $$b"; \
	    if ./tests/drills/drill.py --bin build/neg-$$b/bin \
		--seed $(DRILLS_SEED) --family crash --family dirloss \
		--family powerloss --workload batch --workload remove \
		--real 0 --resume 0 2>build/neg-$$b/drills.err; then \
		echo "NOT CAUGHT: the drills pass on the $$b build"; exit 1; \
	    fi; \
	    echo "caught: $$(grep -c '^VIOLATION' build/neg-$$b/drills.err)" \
		"violations (first: $$(grep -m1 '^VIOLATION' \
		build/neg-$$b/drills.err | cut -c1-160))"; \
	done; echo "drills-negative: all $(words $(DRILL_BREAKS)) broken builds caught"

unit: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; done

integration: all
	KBD_BIN=$(BIN) ./tests/integration/run.sh

lint-man:
	mandoc -Tlint -Wwarning man/kbd.8 man/kbctl.1

demo: all
	./scripts/demo.sh

bench: all $(O)/bench/convert_bench $(O)/bench/pdf_raw
	./scripts/bench.sh

$(O)/bench/%: tests/bench/%.c $(O)/libkbd.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(O)/libkbd.a \
	    $(PKG_LIBS) $(MUPDF_LIBS)

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BIN)/kbd $(BIN)/kbctl $(DESTDIR)$(BINDIR)/
	install -m 644 man/kbctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/kbd.8 $(DESTDIR)$(MANDIR)/man8/

tidy:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr -Iproto -Isupervisor -Iworkers -Icli \
	    proto supervisor workers cli

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
