# Lightlane Studio.  `make demo` and `make check` do everything on a fresh
# Debian machine; see README.md.
# `make` alone builds every program: the included fragments define targets
# of their own, and the first of those would otherwise be the default goal.
.DEFAULT_GOAL := all

include mk/config.mk
include mk/programs.mk
include mk/rules.mk

.PHONY: all deps demo check check-plain check-asan asan unit fuzz bench install clean

# The shared libll is for users (make install); the sanitizer build skips it.
all: $(BINS) $(UNIT_BINS) bin/ll_version.sh $(if $(SANFLAGS),,$(LIBLL_SO))

# The workflow tools' version, sourced by bin/ll_common.sh: LL_VERSION of
# mk/config.mk, the one place it is written.
bin/ll_version.sh: mk/config.mk
	printf '# shellcheck shell=sh disable=SC2034\n# Written by make from mk/config.mk (LL_VERSION): do not edit.\nll_version=%s\n' '$(LL_VERSION)' >$@

deps:
	@sh mk/deps.sh $(DEB_PACKAGES)

# The sanitizer build lives in build/asan so it never clobbers bin/.
asan:
	@$(MAKE) --no-print-directory O=build/asan BINOUT=build/asan/bin \
		SANFLAGS='$(SAN_CFLAGS)' OPTFLAGS='-O1 -g' all

demo: deps
	@$(MAKE) --no-print-directory all
	@sh mk/demo.sh

# One test run over both builds, ending in one "N passed, N failed" line.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory asan
	@$(MAKE) --no-print-directory fuzz-build
	@bash tests/run --plain --asan --fuzz

check-plain: all
	@bash tests/run --plain

check-asan: asan
	@bash tests/run --asan

include mk/fuzz.mk
include mk/install.mk

bench: deps all
	@bash bench/run

clean:
	rm -rf build $(addprefix bin/,$(PROGRAMS)) bin/ll_version.sh

print-deps:
	@echo $(DEB_PACKAGES)
