// PNG encoding through libpng's full write API, with its longjmp error handling kept inside C.
//
// libpng's simplified API (used for reading) cannot choose the row filter or zlib's strategy, nor compress on
// several cores; here the rows are filtered ("up") and deflated in slices on several threads (the pigz
// layout), and libpng writes the chunks. Several times faster than the simplified API's fast setting, with
// smaller files.
#ifndef EMT_PNG_ENCODE_H
#define EMT_PNG_ENCODE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// PNG colour layouts: grey, RGB, RGBA (PNG colour types 0, 2, 6).
enum emt_png_layout { EMT_PNG_GRAY = 0, EMT_PNG_RGB = 2, EMT_PNG_RGBA = 6 };

/// Encode `height` rows of `width` pixels (top row first, tightly packed) into a new malloc'ed buffer.
/// `bit_depth` is 8 or 16; 16-bit samples are native-endian in `pixels` and big-endian in the file.
/// The rows are deflated in up to `threads` slices at once (slices of at least 64 KiB).
/// 8-bit pictures carry an sRGB chunk, 16-bit ones no colour chunk (their levels are stored unchanged).
/// Returns 0 and sets `*out`, `*out_size` (free with `emt_png_free`), or -1 with a message in `message`.
int emt_png_encode(const void *pixels, int width, int height, int layout, int bit_depth, int threads,
                   unsigned char **out, size_t *out_size, char *message, size_t message_capacity);

/// Free a buffer returned by `emt_png_encode`.
void emt_png_free(unsigned char *buffer);

#ifdef __cplusplus
}
#endif

#endif
