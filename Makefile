# kbd — knowledge-base daemon. See README.md.
#
#   make            build bin/kbd and bin/kbctl (installs build deps if missing)
#   make check      unit + integration tests, drills and their negative
#                   controls, then the tests again under ASan+UBSan, then a
#                   short run of each libFuzzer harness; ends with a line
#                   of counts per step (each fails below what the tree holds)
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
PKGS	 = libevent libprotobuf-c sqlite3 libseccomp libcrypto libmd md4c libxml-2.0 \
	   libarchive uchardet icu-uc
# SAN=1 builds an ASan+UBSan copy in build/san; the default build is build/release.
# SANDBOX_DEBUG=1: workers' seccomp filter traps instead of killing and
# names the offending syscall ("sandbox violation: syscall N", exit 111).
ifeq ($(SANDBOX_DEBUG),1)
O	?= build/sbdebug
CPPFLAGS += -DKBD_SANDBOX_DEBUG
endif
# DRILL_BREAK=nodirsync|nobackupsync|early_publish|nosyncfs|nojournalsync|
# update_nobackup|concepts_nojournal|links_nojournal:
# a negative control for the crash drills, deliberately unsafe; only with
# the fail points, and built apart (make drills-negative uses
# O=build/neg-NAME).
ifneq ($(DRILL_BREAK),)
O	?= build/neg-$(DRILL_BREAK)
CPPFLAGS += -DKBD_DRILL_BREAK_$(shell echo '$(DRILL_BREAK)' | tr a-z A-Z)
# Only the files that test a KBD_DRILL_BREAK_ macro differ from the
# release build: a control compiles those and takes every other object
# from build/release (built first: drills-negative needs all), so eight
# controls cost a few compiles each rather than eight builds.
BREAK_SRCS := $(shell grep -l 'KBD_DRILL_BREAK_' */*.c workers/*/*.c)
REUSE_O	 = build/release
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
# KBD_SAN: sandboxed workers send their reports to kbd.log, and the
# workers' oob self-test exists (workers/worker/worker.c).
CPPFLAGS += -DKBD_SAN
# Both runtimes linked in, and only the libraries a binary uses (gcc's
# sanitizer link turns --as-needed off). With libubsan.so loaded beside
# libasan.so, LeakSanitizer's check at every exit scanned libubsan's
# 6 MB of untouched .bss: 53 ms a process rather than 32 (an empty
# main), paid by every kbctl, kbd and worker of the SAN pass.
SANLDFLAGS = -static-libasan -static-libubsan -Wl,--as-needed
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
# A test build (default) compiles the I/O layer's fail points in; the
# release the distributions would ship can drop them with FAILPOINTS=0.
FAILPOINTS ?= 1
ifeq ($(FAILPOINTS),1)
CPPFLAGS += -DKBD_FAILPOINTS
endif
# Fail points compiled out would drop most of test_journal.c and every
# drill: no check runs without them.
ifneq ($(FAILPOINTS),1)
ifneq ($(filter check check-one,$(MAKECMDGOALS)),)
$(error FAILPOINTS=$(FAILPOINTS) compiles the fail points out, and most of \
	test_journal.c with them: make check and check-one need FAILPOINTS=1)
endif
endif
LDFLAGS	+= $(SANFLAGS) $(SANLDFLAGS) -pthread

DEPS_STAMP = build/.deps-ok
# make check builds with $(NPROC) compilers at once and runs the
# integration tests, the drill families, the negative controls and the
# fuzzers as many at a time (run.sh, drill.py --jobs, fuzz-one.sh), so
# that it uses the machine; a plain `make` stays serial unless given -j.
NPROC := $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -le 4 ] || n=4; echo $$n)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# MuPDF (libmupdf-dev) is only shipped as static libraries, and its
# mupdf.pc lists neither harfbuzz nor the right order: the libraries it
# needs follow it, each after what uses it. Only kbd and the tests link it.
MUPDF_LIBS = -lmupdf -lmupdf-third -lharfbuzz -lfreetype -ljbig2dec \
	     -lopenjp2 -ljpeg -lmujs -lgumbo -lz -lm
# jansson parses kbctl mcp's JSON-RPC; only kbctl links it.
JANSSON_CFLAGS = $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS   = $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)

# The store's own: Snowball's stemmers (libstemmer-dev has no .pc) for the
# full-text index, libm for its ranking. Only what links the store.
STORE_LIBS = -lstemmer -lm

GEN_C	= $(O)/gen/kbd.pb-c.c
GEN_H	= $(O)/gen/kbd.pb-c.h

# The tree shows the processes (docs/architecture.md, "Layout"). Each
# folder below is a static library, and each gets the include paths of
# what it may use and nothing else: a supervisor file that includes a
# converter header does not build.
#
#   common      everything every process shares           (nothing)
#   proto       the wire: messages, channel                (common)
#   analysis    a Markdown text's language, concept terms  (common)
#               and keywords, pure
#   store       the committer's storage; read-only queries (common proto
#                                                           analysis)
#   convert     bytes to Markdown, pure                    (common)
#   worker      the sandboxed prepare/convert child        (convert analysis)
#   committer   the one writer of the KB                   (store)
#   supervisor  kbd's parent process and main()            (store)
#   cli         kbctl                                      (proto)
INC_common	= -Icommon
INC_proto	= $(INC_common) -Iproto -I$(O)/gen
INC_analysis	= $(INC_common) -Iworkers/analysis
INC_store	= $(INC_proto) -Iworkers/analysis -Iworkers/store
INC_convert	= $(INC_common) -Iworkers/convert
INC_worker	= $(INC_proto) -Iworkers/analysis -Iworkers/convert \
		  -Iworkers/worker
INC_committer	= $(INC_proto) -Iworkers/analysis -Iworkers/store \
		  -Iworkers/committer
INC_supervisor	= $(INC_proto) -Iworkers/analysis -Iworkers/store -Isupervisor
INC_cli		= $(INC_proto) -Icli $(JANSSON_CFLAGS)
INC_tests	= $(INC_proto) -Iworkers/analysis -Iworkers/store \
		  -Iworkers/convert \
		  -Iworkers/worker -Iworkers/committer -Isupervisor -Icli

$(O)/common/%.o:		DIRINC = $(INC_common)
$(O)/proto/%.o:			DIRINC = $(INC_proto)
$(O)/workers/analysis/%.o:	DIRINC = $(INC_analysis)
$(O)/workers/store/%.o:		DIRINC = $(INC_store)
$(O)/workers/convert/%.o:	DIRINC = $(INC_convert)
$(O)/workers/worker/%.o:	DIRINC = $(INC_worker)
$(O)/workers/committer/%.o:	DIRINC = $(INC_committer)
$(O)/supervisor/%.o:		DIRINC = $(INC_supervisor)
$(O)/cli/%.o:			DIRINC = $(INC_cli)

LIB_DIRS   = common proto workers/analysis workers/store workers/convert \
	     workers/worker \
	     workers/committer supervisor
libname	   = $(O)/lib$(notdir $(1)).a
# The object of source $(1): in $(O), or the release build's when a
# negative control reuses it (REUSE_O above).
obj_of	   = $(if $(and $(REUSE_O),$(filter-out $(BREAK_SRCS),$(1))),\
	     $(REUSE_O),$(O))/$(1:.c=.o)
objs_of	   = $(foreach s,$(filter-out supervisor/kbd.c,\
	     $(wildcard $(1)/*.c)),$(call obj_of,$(s)))
LIB_common	= $(call libname,common)
LIB_proto	= $(call libname,proto)
LIB_analysis	= $(call libname,analysis)
LIB_store	= $(call libname,store)
LIB_convert	= $(call libname,convert)
LIB_worker	= $(call libname,worker)
LIB_committer	= $(call libname,committer)
LIB_supervisor	= $(call libname,supervisor)
ALL_LIBS   = $(foreach d,$(LIB_DIRS),$(call libname,$(d)))

# Link order: each library before those it uses.
KBD_LIBS   = $(LIB_supervisor) $(LIB_worker) $(LIB_committer) \
	     $(LIB_convert) $(LIB_store) $(LIB_analysis) $(LIB_proto) \
	     $(LIB_common)
CLI_SRCS   = $(wildcard cli/*.c)
CLI_OBJS   = $(foreach s,$(CLI_SRCS),$(call obj_of,$(s)))
CLI_LIBS   = $(LIB_proto) $(LIB_common)

FUZZ_SRCS  = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  = $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_TIME ?= 60

UNIT_SRCS  = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)

.PHONY: lazyfs all deps check check-one unit integration demo install clean bench \
	lint-man check-layout tidy fuzz fuzz-run drills drills-full drills-fsync \
	drills-negative
.SUFFIXES:

all: $(BIN)/kbd $(BIN)/kbctl bin/kbd bin/kbctl $(BIN)/kbsql $(BIN)/kbecho

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
	$(CC) $(CPPFLAGS) $(INC_proto) $(PKG_CFLAGS) -std=c11 -O2 -g $(SANFLAGS) \
	    -c -o $@ $<

$(O)/%.o: %.c $(GEN_H) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(DIRINC) $(PKG_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB_proto): $(O)/gen/kbd.pb-c.o
$(foreach d,$(LIB_DIRS),$(eval $(call libname,$(d)): $(call objs_of,$(d))))
$(ALL_LIBS):
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/kbd: $(call obj_of,supervisor/kbd.c) $(KBD_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MUPDF_LIBS) $(STORE_LIBS)

$(BIN)/kbctl: $(CLI_OBJS) $(CLI_LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(JANSSON_LIBS)

# The tests' SQL shell with kbd's tokenizer (tests/tools/kbsql.c).
$(BIN)/kbsql: tests/tools/kbsql.c $(LIB_store) $(LIB_analysis) $(LIB_common)
	@mkdir -p $(BIN)
	$(CC) $(CPPFLAGS) $(INC_store) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ \
	    $(PKG_LIBS) $(STORE_LIBS)

# The search benchmark's floor: a server answering at once
# (tests/tools/kbecho.c).
$(BIN)/kbecho: tests/tools/kbecho.c
	@mkdir -p $(BIN)
	$(CC) $(CPPFLAGS) -Iproto $(CFLAGS) $(SANLDFLAGS) -o $@ $<

# What each test, fuzzer and benchmark links: only the libraries it uses
# (converters by default), and MuPDF only with the converters.
LINK_test_committer	= committer store analysis proto common
LINK_test_durability	= store analysis common
LINK_test_journal	= store analysis common
LINK_test_msg		= proto common
LINK_test_naming	= store analysis common
LINK_test_query		= store analysis common
LINK_test_sandbox	= worker analysis common
LINK_test_window	= supervisor proto common
LINK_test_tokenizer	= store analysis proto common
LINK_test_snippet	= store analysis common
LINK_test_rank		= store analysis common
LINK_test_ignore	= supervisor common
LINK_test_wiki		= store analysis common
LINK_test_config	= common
LINK_test_sha256	= common
LINK_test_links		= store analysis common
LINK_test_concepts	= store analysis common
LINK_test_walbuf	= store analysis common
LINK_fuzz_msg		= proto common
LINK_fuzz_analysis	= committer store analysis proto common
LINK_fuzz_query		= store analysis common
LINK_fuzz_tokenize	= store analysis common
LINK_convert_bench	= convert analysis proto common
link_libs  = $(foreach l,$(or $(LINK_$(1)),convert common),$(LIB_$(l)))
link_ext   = $(PKG_LIBS) $(if $(filter convert,$(or $(LINK_$(1)),convert)),\
	     $(MUPDF_LIBS)) $(if $(filter store,$(LINK_$(1))),$(STORE_LIBS))

.SECONDEXPANSION:
$(O)/tests/%: tests/unit/%.c $$(call link_libs,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_tests) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ \
	    $(call link_ext,$*) -lcmocka

$(O)/fuzz/%: tests/fuzz/%.c $$(call link_libs,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_tests) $(PKG_CFLAGS) $(CFLAGS) \
	    -fsanitize=fuzzer -o $@ $^ $(call link_ext,$*)

$(O)/bench/%: tests/bench/%.c $$(call link_libs,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(INC_tests) $(PKG_CFLAGS) $(CFLAGS) -o $@ $^ \
	    $(call link_ext,$*)

# Each harness for FUZZ_TIME seconds, from its seeds (tests/fuzz/seeds/NAME,
# if any) and the corpus it grew before (build/fuzz/corpus/NAME), $(NPROC)
# at a time (scripts/fuzz-one.sh); a crash fails the run.
fuzz:
	$(MAKE) FUZZ=1 fuzz-run

fuzz-run: $(FUZZ_BINS)
	@printf '%s\n' $(FUZZ_BINS) | xargs -P $(NPROC) -I{} \
	    ./scripts/fuzz-one.sh {} $(O) $(FUZZ_TIME) || true; \
	k=0; for f in $(FUZZ_BINS); do \
	    [ -f $(O)/$$(basename $$f).ok ] && k=$$((k + 1)); done; \
	$(call counted,fuzz ($(FUZZ_TIME) s each),$$k,$(words $(FUZZ_SRCS)),harnesses ran)

# Partial runs must not look whole. Each step of make check counts what
# it ran against what the tree holds (test_*.c, t_*.sh, fuzz_*.c, the
# drill's own list of families), prints one line of counts and fails
# below the expected count; make check appends the lines to
# $(CHECK_COUNTS) and prints them last. $(call counted,WHAT,RAN,EXPECTED,NOUN)
CHECK_COUNTS = $(CURDIR)/build/check-counts.txt
counted = line="$(1): $(2) of $(3) $(4)"; echo "$$line"; \
	if [ -n "$$KBD_CHECK_COUNTS" ]; then echo "$$line" >> "$$KBD_CHECK_COUNTS"; fi; \
	if [ $(2) -lt $(3) ] || [ $(3) -eq 0 ]; then \
	    echo "$(1): only $(2) of $(3) ran"; exit 1; fi

# The unit test programs, each to the end (cmocka prints its cases).
run-unit = k=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || exit 1; \
	k=$$((k + 1)); done; \
	$(call counted,unit ($(O)),$$k,$(words $(UNIT_SRCS)),test programs passed)

# One pass of every suite against the build in $(O).
check-one: $(BIN)/kbd $(BIN)/kbctl $(BIN)/kbsql $(UNIT_BINS)
	@$(run-unit)
	KBD_BIN=$(BIN) KBD_CHECK_ALL=1 ./tests/integration/run.sh

# The budget for make check is 25 minutes on two cores: each step's wall
# time is printed at the end, so that a step growing past its share shows.
# $(call timed,STEP,COMMAND)
CHECK_TIMES = $(CURDIR)/build/check-times.txt
timed = @t0=$$(date +%s); $(2) || exit 1; \
	echo "$(1): $$(( $$(date +%s) - t0 )) s" >> $(CHECK_TIMES)

check: export KBD_CHECK_COUNTS = $(CHECK_COUNTS)
check:
	@mkdir -p build && rm -f $(CHECK_COUNTS) $(CHECK_TIMES)
	@date +%s > $(CHECK_TIMES).start
	$(call timed,deps and builds,$(MAKE) -j$(NPROC) all lazyfs)
	$(call timed,unit and integration (release),$(MAKE) -j$(NPROC) check-one)
	$(call timed,drills,$(MAKE) drills)
	$(call timed,drills-negative,$(MAKE) drills-negative)
	$(call timed,build and unit and integration (san),$(MAKE) -j$(NPROC) SAN=1 check-one)
	$(call timed,fuzz,$(MAKE) -j$(NPROC) FUZZ=1 FUZZ_TIME=10 fuzz-run)
	$(call timed,lint-man and check-layout,$(MAKE) lint-man && $(MAKE) check-layout)
	@echo "== make check: what ran"; cat $(CHECK_COUNTS)
	@echo "== make check: wall time per step"; cat $(CHECK_TIMES); \
	echo "all: $$(( $$(date +%s) - $$(cat $(CHECK_TIMES).start) )) s"

# Crash-recovery drills against the release build (never under SAN: they
# SIGKILL and SIGSTOP processes by design, and time matters). A fixed seed
# keeps make check reproducible; drills-full prints a fresh one, or SEED=.
DRILLS_SEED ?= 20261126
drills: all
	./tests/drills/drill.py --bin build/release/bin --seed $(DRILLS_SEED)

# drills-full also runs the lazyfs family, building LazyFS into
# build/lazyfs when its sources are there (scripts/lazyfs.sh), and the
# drills again with the committer's per-file fsync (KBD_DURABILITY).
drills-full: all
	LAZYFS="$${LAZYFS:-$$(./scripts/lazyfs.sh build || true)}" \
	    ./tests/drills/drill.py --bin build/release/bin --full \
	    $(if $(SEED),--seed $(SEED))
	$(MAKE) drills-fsync
	$(MAKE) NEG_FAMILIES="crash dirloss powerloss" NEG_FIRST= \
	    drills-negative

# LazyFS for the lazyfs drill family and t_fuse, built into build/lazyfs
# when missing (about 3 minutes, once, mostly apt and waiting) from
# LazyFS's sources; make check builds it beside the release build, after
# the build deps (both use apt), so that both run. Only a machine without /dev/fuse or
# without the sources goes without, saying so; a failed build is an error.
lazyfs: | $(DEPS_STAMP)
	@if [ ! -c /dev/fuse ]; then \
	    echo "lazyfs: not built: no /dev/fuse on this machine"; \
	    exit 0; fi; \
	lfs=$$(./scripts/lazyfs.sh build); st=$$?; \
	if [ $$st -eq 3 ]; then \
	    echo "lazyfs: not built: no LazyFS sources here"; exit 0; fi; \
	[ $$st -eq 0 ] || exit 1; echo "lazyfs: $$lfs"

# The per-file path on the machine's own disk ($TMPDIR, else /tmp), where
# drill.py otherwise works on /dev/shm (docs/crash-safety.md).
drills-fsync: all
	./tests/drills/drill.py --bin build/release/bin --durability fsync \
	    --tmp "$${TMPDIR:-/tmp}" --seed $(DRILLS_SEED)

# Each deliberately broken build must make the drills fail; this target
# succeeds only if every one of them is caught. The crash images of the
# batch and remove workloads are enough to catch each (no real crashes or
# resumed images: they cost time and catch nothing more here), and the
# powerloss family over them catches every one of them: the crash family
# only takes the images it recovers, and the run ends at the first
# violation (--first); drills-full names more families (NEG_FAMILIES:
# crash dirloss powerloss) and counts every violation (NEG_FIRST
# empty). Caught means exit 1 with a VIOLATION line: a traceback or a
# usage error (exit 2) proves nothing and fails the target. The controls
# run $(NPROC) at a time, each printing its report whole when it ends.
DRILL_BREAKS = nodirsync nobackupsync early_publish nosyncfs nojournalsync \
	update_nobackup concepts_nojournal links_nojournal
NEG_FAMILIES ?= powerloss
NEG_FIRST ?= --first
drills-negative: all
	@rm -f $(DRILL_BREAKS:%=build/neg-%/caught)
	@$(MAKE) --no-print-directory -k -j$(NPROC) \
	    $(DRILL_BREAKS:%=drills-negative-%) || true
	@k=$$(cat $(DRILL_BREAKS:%=build/neg-%/caught) 2>/dev/null | wc -l); \
	$(call counted,drills-negative,$$k,$(words $(DRILL_BREAKS)),broken builds caught)

# One negative control: its build, its drills, its report.
drills-negative-%:
	@b=$*; out=build/neg-$$b; mkdir -p $$out; err=$$out/drills.err; \
	rep=$$out/report; rm -f $$out/caught; \
	$(MAKE) --no-print-directory DRILL_BREAK=$$b O=$$out \
	    $$out/bin/kbd $$out/bin/kbctl >$$out/build.log 2>&1 || \
	    { echo "== negative control $$b: the build failed"; \
	    tail -n 20 $$out/build.log; exit 1; }; \
	KBD_CHECK_COUNTS= ./tests/drills/drill.py --bin $$out/bin --jobs 1 \
	    --seed $(DRILLS_SEED) $(NEG_FAMILIES:%=--family %) \
	    $$(case $$b in concepts_nojournal) echo --workload concepts;; \
	    links_nojournal) echo --workload links --workload unlink;; \
	    *) echo --workload batch --workload remove --workload update;; \
	    esac) \
	    --real 0 --resume 0 $(NEG_FIRST) >$$out/drills.out 2>$$err; st=$$?; \
	n=$$(grep -c '^VIOLATION' $$err); \
	{ echo "== negative control $$b"; cat $$out/drills.out; \
	if [ $$st -eq 0 ]; then \
	    echo "NOT CAUGHT: the drills pass on the $$b build"; \
	elif [ $$st -ne 1 ] || [ $$n -eq 0 ] || \
	    grep -q '^Traceback' $$err; then \
	    echo "NOT CAUGHT: the drills failed on the $$b build" \
		"(exit $$st) without a violation:"; tail -n 20 $$err; \
	else \
	    echo "caught: $$n violation(s) (first: $$(grep -m1 '^VIOLATION' \
		$$err | cut -c1-160))"; echo $$b > $$out/caught; \
	fi; } > $$rep; cat $$rep; [ -f $$out/caught ]

unit: $(UNIT_BINS)
	@$(run-unit)

integration: all
	KBD_BIN=$(BIN) ./tests/integration/run.sh

# The layout's boundaries hold: each pair is a folder's include paths and
# a header of a folder it may not use; every one must fail to compile.
LAYOUT_FORBIDDEN = supervisor:convert.h supervisor:sandbox.h \
	supervisor:committer.h cli:db.h cli:convert.h workers/convert:db.h \
	workers/convert:chan.h workers/worker:db.h workers/committer:convert.h \
	workers/store:convert.h proto:db.h common:chan.h \
	workers/analysis:db.h workers/analysis:chan.h \
	workers/analysis:convert.h workers/convert:terms.h
check-layout: $(GEN_H)
	@for p in $(LAYOUT_FORBIDDEN); do \
	    d=$${p%%:*}; h=$${p#*:}; n=$$(basename $$d); \
	    case $$n in \
	    supervisor) inc="$(INC_supervisor)";; cli) inc="$(INC_cli)";; \
	    convert) inc="$(INC_convert)";; worker) inc="$(INC_worker)";; \
	    committer) inc="$(INC_committer)";; store) inc="$(INC_store)";; \
	    proto) inc="$(INC_proto)";; common) inc="$(INC_common)";; \
	    analysis) inc="$(INC_analysis)";; esac; \
	    if echo "#include \"$$h\"" | $(CC) $(CPPFLAGS) $$inc $(PKG_CFLAGS) \
		-fsyntax-only -x c - 2>&1 | grep -q "$$h: No such file"; \
	    then :; else echo "layout: $$d/ can include $$h"; exit 1; fi; \
	done; echo "layout: $(words $(LAYOUT_FORBIDDEN)) forbidden includes refused"

lint-man:
	mandoc -Tlint -Wwarning man/kbd.8 man/kbctl.1 man/kbd.conf.5

demo: all
	./scripts/demo.sh

bench: all $(O)/bench/convert_bench $(O)/bench/pdf_raw
	./scripts/deps.sh bench
	./scripts/bench.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(BIN)/kbd $(BIN)/kbctl $(DESTDIR)$(BINDIR)/
	install -m 644 man/kbctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/kbd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/kbd.8 $(DESTDIR)$(MANDIR)/man8/

tidy:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr $(INC_tests) \
	    common proto supervisor workers cli

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
