# Toolchain, flags and every pkg-config query, in one place.

LL_VERSION := 0.1.0

CC      ?= cc
PKG_CONFIG ?= pkg-config

# Objects go under $(O), programs under $(BINOUT); the sanitizer build uses
# its own pair so that both builds can coexist (see mk/rules.mk).
O      ?= build
BINOUT ?= bin

# External libraries, grouped by the libll extension module that needs them.
# libll proper needs only jansson and libm.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

LIBS_core := $(call pc_libs,jansson) -lm
LIBS_fits := $(call pc_libs,cfitsio) -pthread
LIBS_plot := $(call pc_libs,cairo libpng)
LIBS_fft  := $(call pc_libs,kissfft-float)
LIBS_opt  := $(call pc_libs,nlopt)

PKG_CFLAGS := $(call pc_cflags,jansson cfitsio cairo libpng kissfft-float nlopt)

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wno-missing-field-initializers
OPTFLAGS ?= -O2 -g
CFLAGS   ?=
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -DLL_VERSION='"$(LL_VERSION)"' -Icommon $(PKG_CFLAGS)
ALL_CFLAGS = -std=c11 $(OPTFLAGS) $(WARN) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

# AddressSanitizer + UndefinedBehaviorSanitizer, for `make check-asan`.
SAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Debian packages the project needs: build, run, test, bench.  mk/deps.sh
# installs without Recommends, so everything a test imports is listed here
# (python3-pil: llplot.sh decodes PNGs with it; python3-scipy: chunktest.sh
# checks its statistics against scipy.stats; slurmctld slurmd slurm-client
# munge: the private one-node cluster of tests/slurm_lib.sh).
DEB_PACKAGES := gcc make pkg-config libjansson-dev libcfitsio-dev libpng-dev libcairo2-dev \
                libkissfft-dev libnlopt-dev fonts-dejavu-core ffmpeg curl \
                python3 python3-numpy python3-astropy python3-pil python3-scipy shellcheck hyperfine \
                clang libclang-rt-14-dev slurmctld slurmd slurm-client munge

PREFIX ?= /usr/local
DESTDIR ?=
