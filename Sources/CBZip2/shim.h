// libbzip2, for bzip2-compressed maps (.mrc.bz2) (Debian: libbz2-dev; Debian ships no bzip2.pc).
#include <bzlib.h>
