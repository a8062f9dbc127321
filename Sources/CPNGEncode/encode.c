#include "CPNGEncode.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/// The growing output buffer and the first error message.
struct sink {
    unsigned char *data;
    size_t size, capacity;
    int failed;
    char message[200];
};

static void on_error(png_structp png, png_const_charp text) {
    struct sink *s = png_get_error_ptr(png);
    if (s) {
        strncpy(s->message, text ? text : "libpng error", sizeof s->message - 1);
        s->message[sizeof s->message - 1] = 0;
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static void on_write(png_structp png, png_bytep bytes, png_size_t count) {
    struct sink *s = png_get_io_ptr(png);
    if (s->failed) return;
    if (s->size + count > s->capacity) {
        size_t wanted = s->capacity ? s->capacity : 1 << 16;
        while (wanted < s->size + count) wanted *= 2;
        unsigned char *grown = realloc(s->data, wanted);
        if (!grown) {
            s->failed = 1;
            strcpy(s->message, "out of memory for the encoded picture");
            png_error(png, s->message);
        }
        s->data = grown;
        s->capacity = wanted;
    }
    memcpy(s->data + s->size, bytes, count);
    s->size += count;
}

static void on_flush(png_structp png) { (void)png; }

int emt_png_encode(const void *pixels, int width, int height, int layout, int bit_depth,
                   unsigned char **out, size_t *out_size, char *message, size_t message_capacity) {
    /* On the heap, so that its contents are well defined after libpng's longjmp. */
    struct sink *sink = calloc(1, sizeof *sink);
    if (!sink) {
        if (message_capacity) snprintf(message, message_capacity, "out of memory for the encoded picture");
        return -1;
    }
    int channels = layout == EMT_PNG_RGBA ? 4 : layout == EMT_PNG_RGB ? 3 : 1;
    if (width <= 0 || height <= 0 || (bit_depth != 8 && bit_depth != 16) ||
        (layout != EMT_PNG_GRAY && layout != EMT_PNG_RGB && layout != EMT_PNG_RGBA)) {
        if (message_capacity) snprintf(message, message_capacity, "unsupported picture layout");
        free(sink);
        return -1;
    }
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
    if (!png) {
        if (message_capacity) snprintf(message, message_capacity, "libpng could not start");
        free(sink);
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, info ? &info : NULL);
        if (message_capacity) snprintf(message, message_capacity, "%s", sink->message[0] ? sink->message : "libpng failed");
        free(sink->data);
        free(sink);
        return -1;
    }
    png_set_write_fn(png, sink, on_write, on_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, layout, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (bit_depth == 8) png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    /* "Up" filter, deflate at level 1. Grey pictures of maps are noisy: after the filter their bytes have no
       long repeats, so Huffman coding alone compresses them as well as a match search, in three quarters of
       the time. Colour pictures (plots, galleries) have flat areas, whose filtered rows are runs of zeros:
       run-length matching. */
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_compression_level(png, 1);
    png_set_compression_strategy(png, layout == EMT_PNG_GRAY ? Z_HUFFMAN_ONLY : Z_RLE);
    png_write_info(png, info);
    if (bit_depth == 16) {
        const uint16_t probe = 1;
        if (*(const unsigned char *)&probe == 1) png_set_swap(png);
    }
    const unsigned char *row = pixels;
    for (int y = 0; y < height; y++, row += row_bytes) png_write_row(png, (png_const_bytep)row);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = sink->data;
    *out_size = sink->size;
    free(sink);
    return 0;
}

void emt_png_free(unsigned char *buffer) { free(buffer); }
