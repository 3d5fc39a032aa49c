# make install [PREFIX=/usr/local] [DESTDIR=]: programs, workflow tools, man
# pages; libll for filters built outside the tree: headers under include/ll,
# lib/libll.so (soname libll.so.0), lib/libll.a and lib/pkgconfig/libll.pc
# (man 3 libll); and in
# share/lightlane/ the defaults create_default_pipeline.sh copies into a new
# workspace (processing, generation, search) and the sample it onboards.
# The workflow tools, and the files they source (not commands: no x bit).
comma := ,
SH_LIBS := bin/ll_common.sh bin/ll_workspace.sh bin/ll_workspace_lock.sh bin/ll_version.sh
TOOLS := $(filter-out $(SH_LIBS),$(wildcard bin/*.sh))
MANS  := $(wildcard man/*.1)
MAN3  := $(wildcard man/*.3)
MAN7  := $(wildcard man/*.7)
# libll proper: the core modules' headers, not the extension modules'.
LIBLL_HEADERS := $(filter-out $(foreach e,$(LIBLL_EXT),common/$(e)_%.h),$(wildcard common/*.h))

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/ll \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(SH_LIBS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBLL_HEADERS) $(DESTDIR)$(PREFIX)/include/ll
	install -m 644 $(O)/libll.a $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(LIBLL_SO) $(DESTDIR)$(PREFIX)/lib
	ln -sf $(notdir $(LIBLL_SO)) $(DESTDIR)$(PREFIX)/lib/libll.so.$(LIBLL_SOMAJOR)
	ln -sf libll.so.$(LIBLL_SOMAJOR) $(DESTDIR)$(PREFIX)/lib/libll.so
	# Made here, not in the build tree: it names this install's PREFIX.  A
	# prefix outside /usr is not on the dynamic linker's path: the filters
	# built against it find libll.so through their run path.
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(LL_VERSION)|' \
		-e 's|@RPATH@|$(if $(filter /usr,$(PREFIX)),,-Wl$(comma)-rpath$(comma)$${libdir})|' mk/libll.pc.in \
		>$(DESTDIR)$(PREFIX)/lib/pkgconfig/libll.pc
	# The pages' version is this build's LL_VERSION (tests/cli/conventions.sh
	# checks that the pages in man/ already say so).
	for m in $(MANS) $(MAN3) $(MAN7); do \
		sed '/^\.TH /s/"Lightlane Studio [^"]*"/"Lightlane Studio $(LL_VERSION)"/' "$$m" \
			>$(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$${m##*/} && \
		chmod 644 $(DESTDIR)$(PREFIX)/share/man/man$${m##*.}/$${m##*/} || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/lightlane/meta/processing $(DESTDIR)$(PREFIX)/share/lightlane/meta/generation \
		$(DESTDIR)$(PREFIX)/share/lightlane/meta/search $(DESTDIR)$(PREFIX)/share/lightlane/data/sample
	install -m 644 meta/processing/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/processing
	install -m 644 meta/generation/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/generation
	install -m 644 meta/search/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/search
	install -m 644 data/sample/chandra_test.fits $(DESTDIR)$(PREFIX)/share/lightlane/data/sample
