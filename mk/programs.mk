# Which libll extension modules (and so which outside libraries) a program
# links, besides libll itself.  A program not listed needs only libll.
# Extension module EXT is the sources common/EXT_*.c, built into libll_EXT.a.
LIBLL_EXT := fits plot fft opt

USES_fits2ev      := fits
USES_ev2fits      := fits
USES_psd          := fft
USES_llplot       := plot
USES_lanevideo    := plot
USES_llrefine     := opt
USES_searchplot   := plot
