# make install [PREFIX=/usr/local] [DESTDIR=]: programs, workflow tools, man
# pages, and libll for filters built outside the tree: headers under
# include/ll, lib/libll.a and lib/pkgconfig/libll.pc (man 3 libll).
TOOLS := $(wildcard bin/*.sh)
MANS  := $(wildcard man/*.1)
MAN3  := $(wildcard man/*.3)
MAN7  := $(wildcard man/*.7)
# libll proper: the core modules' headers, not the extension modules'.
LIBLL_HEADERS := $(filter-out $(foreach e,$(LIBLL_EXT),common/$(e)_%.h),$(wildcard common/*.h))

# PREFIX is written into it: remade on every install, or an earlier
# install's PREFIX would stay in it.
.PHONY: $(O)/libll.pc
$(O)/libll.pc: mk/libll.pc.in mk/config.mk
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LL_VERSION)|' mk/libll.pc.in >$@

install: all $(O)/libll.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/ll \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBLL_HEADERS) $(DESTDIR)$(PREFIX)/include/ll
	install -m 644 $(O)/libll.a $(DESTDIR)$(PREFIX)/lib
	install -m 644 $(O)/libll.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(PREFIX)/share/man/man3)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)
