# make install [PREFIX=/usr/local] [DESTDIR=]: programs, workflow tools, man pages.
TOOLS := $(wildcard bin/*.sh)
MANS  := $(wildcard man/*.1)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1)
