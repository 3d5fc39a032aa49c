# Pattern rules: filters/NAME.c or pipelines/NAME.c -> $(BINOUT)/NAME, with
# libll and the extension modules mk/programs.mk lists for NAME.

PROGRAMS := $(sort $(basename $(notdir $(wildcard filters/*.c pipelines/*.c))))
BINS     := $(addprefix $(BINOUT)/,$(PROGRAMS))

EXT_SRC   = $(wildcard common/$(1)_*.c)
CORE_SRC := $(filter-out $(foreach e,$(LIBLL_EXT),$(call EXT_SRC,$(e))),$(wildcard common/*.c))
CORE_OBJ := $(patsubst %.c,$(O)/%.o,$(CORE_SRC))

$(O)/libll.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# libll as a shared library too, for users' filters (man 3 libll): the core
# sources again, position-independent, in $(O)/pic.  The suite's own
# programs link libll.a, so bin/ runs from the checkout without it.
LIBLL_SOMAJOR := 0
LIBLL_SO  := $(O)/libll.so.$(LL_VERSION)
PIC_OBJ   := $(patsubst %.c,$(O)/pic/%.o,$(CORE_SRC))

$(LIBLL_SO): $(PIC_OBJ)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,libll.so.$(LIBLL_SOMAJOR) -Wl,--no-undefined \
		-o $@ $^ $(LIBS_core)

define ext_lib
$(O)/libll_$(1).a: $(patsubst %.c,$(O)/%.o,$(call EXT_SRC,$(1)))
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach e,$(LIBLL_EXT),$(eval $(call ext_lib,$(e))))

# Loops written for the vectoriser: psd's per-bin loops around the FFT, all
# element by element (no reordered sums: the same results), and the plain-C
# record checks of common/ev.c (used where there is no SSE2); -O2 alone
# leaves them scalar on gcc 12.
$(O)/common/ev.o $(O)/pic/common/ev.o $(O)/filters/psd.o: ALL_CFLAGS += -ftree-vectorize

# The objects that embed LL_VERSION follow mk/config.mk.
$(O)/common/cli.o $(O)/pic/common/cli.o $(O)/common/fits_events.o $(O)/filters/llplot.o $(O)/filters/searchplot.o \
	$(O)/pipelines/llpipe.o: mk/config.mk

$(O)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

ext_libs = $(foreach u,$(USES_$(1)),$(O)/libll_$(u).a)
ext_ldlibs = $(foreach u,$(USES_$(1)),$(LIBS_$(u)))

# Keep objects: they are not intermediates to throw away.
.SECONDARY:
.SECONDEXPANSION:
$(BINOUT)/%: $(O)/filters/%.o $$(call ext_libs,$$*) $(O)/libll.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(call ext_libs,$*) $(O)/libll.a $(call ext_ldlibs,$*) $(LIBS_core)

$(BINOUT)/%: $(O)/pipelines/%.o $$(call ext_libs,$$*) $(O)/libll.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(call ext_libs,$*) $(O)/libll.a $(call ext_ldlibs,$*) $(LIBS_core)

# C unit tests: tests/unit/NAME.c -> $(O)/tests/NAME, linked with everything.
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))
ALL_EXT_LIBS := $(foreach e,$(LIBLL_EXT),$(if $(call EXT_SRC,$(e)),$(O)/libll_$(e).a))

$(O)/tests/%: $(O)/tests/unit/%.o $(ALL_EXT_LIBS) $(O)/libll.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(ALL_EXT_LIBS) $(O)/libll.a \
		$(foreach e,$(LIBLL_EXT),$(LIBS_$(e))) $(LIBS_core)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
