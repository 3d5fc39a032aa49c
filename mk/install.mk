# make install [PREFIX=/usr/local] [DESTDIR=]: programs, workflow tools, man pages,
# and in share/lightlane/ the defaults create_default_pipeline.sh copies into a
# new workspace (processing, generation, search) and the sample it onboards.
TOOLS := $(wildcard bin/*.sh)
MANS  := $(wildcard man/*.1)
MAN7  := $(wildcard man/*.7)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)
	install -d $(DESTDIR)$(PREFIX)/share/lightlane/meta/processing $(DESTDIR)$(PREFIX)/share/lightlane/meta/generation \
		$(DESTDIR)$(PREFIX)/share/lightlane/meta/search $(DESTDIR)$(PREFIX)/share/lightlane/data/sample
	install -m 644 meta/processing/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/processing
	install -m 644 meta/generation/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/generation
	install -m 644 meta/search/default.json $(DESTDIR)$(PREFIX)/share/lightlane/meta/search
	install -m 644 data/sample/chandra_test.fits $(DESTDIR)$(PREFIX)/share/lightlane/data/sample
