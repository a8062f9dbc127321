// Cairo 2-D drawing with FreeType/fontconfig text (Debian: libcairo2-dev, fonts-dejavu-core).
#include <cairo.h>
