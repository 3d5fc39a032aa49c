# make install [PREFIX=/usr/local] [DESTDIR=]: programs, workflow tools, man pages.
TOOLS := $(wildcard bin/*.sh)
MANS  := $(wildcard man/*.1)
MAN7  := $(wildcard man/*.7)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(BINS) $(TOOLS) $(DESTDIR)$(PREFIX)/bin
	$(if $(MANS),install -m 644 $(MANS) $(DESTDIR)$(PREFIX)/share/man/man1)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7)
