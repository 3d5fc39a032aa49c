# libFuzzer harnesses (clang): tests/fuzz/NAME.c -> build/fuzz/NAME, linked with the
# core libll sources built for fuzzing.  `make fuzz` runs each for FUZZ_TIME
# seconds; `make check` runs a short smoke pass through tests/run.
FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_SRC  := $(wildcard tests/fuzz/*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
              -D_POSIX_C_SOURCE=200809L -DLL_VERSION='"$(LL_VERSION)"' -Icommon \
              $(call pc_cflags,jansson cfitsio)

# Harnesses that need a libll extension module name it, as mk/programs.mk
# does for programs: its sources are built in, its libraries linked.
FUZZ_USES_fits_events := fits
fuzz_ext_src = $(foreach u,$(FUZZ_USES_$(1)),$(call EXT_SRC,$(u)))
fuzz_ext_libs = $(foreach u,$(FUZZ_USES_$(1)),$(LIBS_$(u)))

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

build/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $$(call fuzz_ext_src,$$*) $(wildcard common/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC) $(call fuzz_ext_src,$*) \
		$(call fuzz_ext_libs,$*) $(LIBS_core)

fuzz: $(FUZZ_BINS)
	@for f in $(FUZZ_BINS); do \
		name=$$(basename $$f); mkdir -p build/fuzz/corpus-$$name; \
		echo "fuzz: $$name for $(FUZZ_TIME) s"; \
		$$f -max_total_time=$(FUZZ_TIME) build/fuzz/corpus-$$name tests/fuzz/seeds/$$name || exit 1; \
	done
