// libpng's simplified API (png_image_*), which reports errors through return values instead of longjmp.
#include <png.h>

/// PNG_IMAGE_VERSION is a macro Swift cannot see.
static inline png_uint_32 cpng_image_version(void) { return PNG_IMAGE_VERSION; }
/// PNG_IMAGE_FORMAT_LINEAR / PNG_FORMAT_GRAY constants as functions.
static inline png_uint_32 cpng_format_gray(void) { return PNG_FORMAT_GRAY; }
static inline png_uint_32 cpng_format_linear_y(void) { return PNG_FORMAT_LINEAR_Y; }
static inline png_uint_32 cpng_format_rgba(void) { return PNG_FORMAT_RGBA; }
static inline png_uint_32 cpng_format_rgb(void) { return PNG_FORMAT_RGB; }
static inline int cpng_image_failed(png_imagep image) { return PNG_IMAGE_FAILED(*image); }
