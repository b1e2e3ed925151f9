# honk: hand-written Makefile; no configure step needed.
#
#   make                 build lib/libhonk.a and the binaries
#   make check           unit tests (cmocka) and end-to-end tests
#   make DEVELOPER=1     -Werror and the full warning set (CI uses this)
#   make SANITIZE=address,undefined check
#   make install PREFIX=/usr/local DESTDIR=/tmp/stage
#   make demo | bench | fuzz | style | clean
#
# Optional: ./configure (from configure.ac) writes config.mak.autogen;
# your own overrides go into config.mak.

prefix ?= /usr/local
PREFIX ?= $(prefix)
bindir = $(PREFIX)/bin
mandir = $(PREFIX)/share/man
datadir = $(PREFIX)/share

CC ?= cc
AR ?= ar
PKG_CONFIG ?= pkg-config
CLANG ?= clang
SCDOC ?= scdoc
CLANG_FORMAT ?= clang-format
INSTALL ?= install

CFLAGS ?= -O2 -g
LDFLAGS ?=

-include config.mak.autogen
-include config.mak

VERSION = 0.1.0

WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wvla -Wwrite-strings -Wformat=2 -Wno-format-nonliteral \
	-Wold-style-definition -Wpointer-arith -Wundef
ifeq ($(DEVELOPER),1)
WARNINGS += -Werror
endif

PKGS = libgit2 yaml-0.1 libpcre2-8 sqlite3 zlib
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEP_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
ifeq ($(DEP_LIBS),)
DEP_LIBS = -lgit2 -lyaml -lpcre2-8 -lsqlite3 -lz
endif
DEP_LIBS += -lpthread -lm
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
ifeq ($(CMOCKA_LIBS),)
CMOCKA_LIBS = -lcmocka
endif

SAN_FLAGS =
ifneq ($(SANITIZE),)
SAN_FLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

ALL_CFLAGS = -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DHONK_VERSION='"$(VERSION)"' -iquote lib $(DEP_CFLAGS) $(WARNINGS) \
	$(SAN_FLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) $(LDFLAGS)

ifneq ($(V),1)
QUIET_CC = @echo '   ' CC $@;
QUIET_AR = @echo '   ' AR $@;
QUIET_LINK = @echo '   ' LINK $@;
QUIET_GEN = @echo '   ' GEN $@;
endif

LIB_SRCS := $(filter-out %_test.c %_fuzz.c lib/fuzz_main.c,$(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:.c=.o)
LIB = lib/libhonk.a

PROGRAMS = honk-detect honk-gen honk-rollout honk-status
TEST_SRCS := $(wildcard lib/*_test.c)
TEST_PROGS := $(TEST_SRCS:.c=)
FUZZ_SRCS := $(wildcard lib/*_fuzz.c)
FUZZ_REPLAY := $(FUZZ_SRCS:.c=-replay)
FUZZ_PROGS := $(FUZZ_SRCS:.c=-fuzzer)

MAN_SRCS := $(wildcard man/*.scd)
MAN_PAGES := $(MAN_SRCS:.scd=)

all: $(PROGRAMS)

# Rebuild everything when the flags change (e.g. SANITIZE=...).
BUILD-FLAGS: FORCE
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > BUILD-FLAGS+
	@if cmp -s BUILD-FLAGS+ BUILD-FLAGS; then rm -f BUILD-FLAGS+; \
	else mv BUILD-FLAGS+ BUILD-FLAGS; fi

%.o: %.c BUILD-FLAGS
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

lib/%_test.o: lib/%_test.c BUILD-FLAGS
	$(QUIET_CC)$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

honk-%: cmd/honk-%.o $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS)

lib/%_test: lib/%_test.o $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(DEP_LIBS) $(CMOCKA_LIBS)

lib/%_fuzz-replay: lib/%_fuzz.o lib/fuzz_main.o $(LIB)
	$(QUIET_LINK)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

lib/%_fuzz-fuzzer: lib/%_fuzz.c $(LIB_SRCS)
	$(QUIET_LINK)$(CLANG) -std=c99 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
		-DHONK_VERSION='"$(VERSION)"' -iquote lib $(DEP_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -o $@ $^ $(DEP_LIBS)

# The fault injector for cmd/t6000-fault-sweep.sh, preloaded into the
# binaries: never sanitized itself (it is loaded before the runtime), and
# its allocation-failing twin is for plain builds only.
FAULT_SHIMS = testdata/faults/faultinject.so testdata/faults/faultinject-alloc.so

testdata/faults/faultinject.so: testdata/faults/faultinject.c
	$(QUIET_LINK)$(CC) -std=c99 $(WARNINGS) -O2 -g -fPIC -shared -o $@ $< -ldl

testdata/faults/faultinject-alloc.so: testdata/faults/faultinject.c
	$(QUIET_LINK)$(CC) -std=c99 $(WARNINGS) -DFAULT_ALLOC -O2 -g -fPIC -shared -o $@ $< -ldl

tests: $(PROGRAMS) $(TEST_PROGS) $(FUZZ_REPLAY) $(FAULT_SHIMS)

check: tests
	@sh cmd/run-tests.sh

# make check on a --coverage build, then line and branch coverage of lib/
coverage:
	@$(MAKE) --no-print-directory CFLAGS='-O0 -g --coverage' \
		LDFLAGS=--coverage all tests
	@find lib cmd -name '*.gcda' -exec rm -f {} +
	@sh cmd/run-tests.sh >coverage.log 2>&1; tail -n 1 coverage.log
	@sh testdata/coverage/summary.sh | tee coverage.txt | tail -n 1

# make check with every honk process under valgrind: no error, no leak
memcheck: all tests
	@sh testdata/memcheck/run.sh

# every position of the fault sweep, not the sample make check takes
faults: tests
	@HONK_TEST_FAULTS=all sh cmd/t6000-fault-sweep.sh

FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(patsubst lib/%_fuzz.c,%,$(FUZZ_SRCS))
fuzz: $(FUZZ_PROGS)
	@for t in $(FUZZ_TARGETS); do \
		name=$${t}_fuzz; f=lib/$$name-fuzzer; \
		mkdir -p testdata/fuzz/$$name; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s"; \
		./$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=testdata/fuzz/ \
			testdata/fuzz/$$name || exit 1; \
	done

demo: $(PROGRAMS)
	@sh testdata/demo/run.sh

bench: $(PROGRAMS)
	@sh testdata/bench/run.sh && sh testdata/bench/scan.sh && \
		sh testdata/bench/rewrite.sh && sh testdata/bench/rollout.sh && \
		sh testdata/bench/status.sh

# The soak: every binary at once on one repository and on two clones of a
# bare remote for SOAK_SECONDS, SOAK_RUNS times; then the invariants.
SOAK_RUNS ?= 10
soak: $(PROGRAMS)
	@sh testdata/soak/soak.sh $(SOAK_RUNS)

man: $(MAN_PAGES)

man/%: man/%.scd
	$(QUIET_GEN)$(SCDOC) < $< > $@+ && mv $@+ $@

style:
	$(CLANG_FORMAT) -i cmd/*.c lib/*.c lib/*.h

install: all
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man7 \
		$(DESTDIR)$(datadir)/bash-completion/completions \
		$(DESTDIR)$(datadir)/zsh/site-functions \
		$(DESTDIR)$(datadir)/fish/vendor_completions.d
	$(INSTALL) -m 755 $(PROGRAMS) $(DESTDIR)$(bindir)
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; $(INSTALL) -m 644 $$m $(DESTDIR)$(mandir)/man$$s; done
	for p in $(PROGRAMS); do \
		$(INSTALL) -m 644 completions/honk.bash \
			$(DESTDIR)$(datadir)/bash-completion/completions/$$p; done
	$(INSTALL) -m 644 completions/_honk $(DESTDIR)$(datadir)/zsh/site-functions/_honk
	for p in $(PROGRAMS); do \
		$(INSTALL) -m 644 completions/$$p.fish \
			$(DESTDIR)$(datadir)/fish/vendor_completions.d/$$p.fish; done

clean:
	rm -f $(PROGRAMS) $(LIB) lib/*.o lib/*.d cmd/*.o cmd/*.d \
		$(TEST_PROGS) $(FUZZ_REPLAY) $(FUZZ_PROGS) $(FAULT_SHIMS) \
		BUILD-FLAGS BUILD-FLAGS+ lib/*.gcda lib/*.gcno cmd/*.gcda \
		cmd/*.gcno coverage.log coverage.txt
	rm -rf testdata/trash.* demo-catalog bench-out

.PHONY: all check tests coverage memcheck faults fuzz demo bench soak man style install clean FORCE
.PRECIOUS: lib/%.o cmd/%.o

-include $(wildcard lib/*.d cmd/*.d)
