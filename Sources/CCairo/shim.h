// Cairo 2-D drawing with FreeType/fontconfig text (Debian: libcairo2-dev, fonts-dejavu-core). Declarations only:
// libcairo.so.2 is opened on first use by the trampolines in CDelayLoad/cairo.c.
#include <cairo/cairo.h>
