// zlib, for gzip-compressed maps (.mrc.gz) (Debian: zlib1g-dev).
#include <zlib.h>
