#include "CPNGEncode.h"

#include <png.h>
#include <pthread.h>
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

/* One slice of the filtered rows, deflated on its own thread into raw deflate blocks. */
struct part {
    const unsigned char *in;
    size_t in_size;
    unsigned char *out;
    size_t out_size;
    int strategy, last, failed;
};

static void *deflate_part(void *arg) {
    struct part *p = arg;
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, p->strategy) != Z_OK) { p->failed = 1; return NULL; }
    size_t cap = deflateBound(&z, (uLong)p->in_size) + 64;
    p->out = malloc(cap);
    if (!p->out) { deflateEnd(&z); p->failed = 1; return NULL; }
    z.next_in = (Bytef *)p->in;
    z.avail_in = (uInt)p->in_size;
    z.next_out = p->out;
    z.avail_out = (uInt)cap;
    /* Every slice but the last ends byte-aligned with an empty stored block (a sync flush), so that the
       slices can be laid end to end as one deflate stream; the last one ends the stream. */
    int rc = deflate(&z, p->last ? Z_FINISH : Z_SYNC_FLUSH);
    if ((p->last && rc != Z_STREAM_END) || (!p->last && rc != Z_OK) || z.avail_in != 0) p->failed = 1;
    p->out_size = cap - z.avail_out;
    deflateEnd(&z);
    return NULL;
}

/* The zlib stream of the filtered rows: header, the slices deflated in parallel, Adler-32 of everything
   (the pigz layout). Returns a malloc'ed buffer, or NULL. */
static unsigned char *compress_rows(const unsigned char *raw, size_t rows, size_t stride, int strategy,
                                    int threads, size_t *size) {
    enum { most = 16 };
    size_t raw_size = rows * stride;
    /* Slices of at least 64 KiB: below that a thread costs more than it saves. */
    size_t parts = (size_t)(threads < 1 ? 1 : threads > most ? most : threads);
    while (parts > 1 && raw_size / parts < (64u << 10)) parts--;
    struct part slice[most];
    pthread_t tid[most];
    int started[most];
    memset(slice, 0, sizeof slice);
    for (size_t i = 0; i < parts; i++) {
        size_t r0 = rows * i / parts, r1 = rows * (i + 1) / parts;
        slice[i].in = raw + r0 * stride;
        slice[i].in_size = (r1 - r0) * stride;
        slice[i].strategy = strategy;
        slice[i].last = i + 1 == parts;
        started[i] = i > 0 && pthread_create(&tid[i], NULL, deflate_part, &slice[i]) == 0;
    }
    for (size_t i = 0; i < parts; i++) {
        if (i == 0 || !started[i]) deflate_part(&slice[i]);   /* the caller's share, or a thread that did not start */
    }
    for (size_t i = 1; i < parts; i++) if (started[i]) pthread_join(tid[i], NULL);
    size_t total = 2 + 4;
    int failed = 0;
    for (size_t i = 0; i < parts; i++) { total += slice[i].out_size; failed |= slice[i].failed; }
    unsigned char *out = failed ? NULL : malloc(total);
    if (out) {
        size_t at = 0;
        out[at++] = 0x78;   /* deflate, 32 KiB window */
        out[at++] = 0x01;   /* fastest level; (0x78·256 + 0x01) is a multiple of 31 */
        for (size_t i = 0; i < parts; i++) { memcpy(out + at, slice[i].out, slice[i].out_size); at += slice[i].out_size; }
        uLong adler = adler32(0L, Z_NULL, 0);
        adler = adler32_z(adler, raw, raw_size);
        out[at++] = (unsigned char)(adler >> 24);
        out[at++] = (unsigned char)(adler >> 16);
        out[at++] = (unsigned char)(adler >> 8);
        out[at++] = (unsigned char)adler;
        *size = at;
    }
    for (size_t i = 0; i < parts; i++) free(slice[i].out);
    return out;
}

int emt_png_encode(const void *pixels, int width, int height, int layout, int bit_depth, int threads,
                   unsigned char **out, size_t *out_size, char *message, size_t message_capacity) {
    unsigned char *volatile filtered = NULL, *volatile stream = NULL;
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
        free(filtered);
        free(stream);
        free(sink->data);
        free(sink);
        return -1;
    }
    png_set_write_fn(png, sink, on_write, on_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, layout, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (bit_depth == 8) png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    png_write_info(png, info);
    /* The "up" filter (each byte minus the byte above it), done here so that the rows can be deflated in
       slices on several cores; libpng frames the result as IDAT and writes IEND. Samples of 16-bit pictures
       are stored big-endian. Deflate at level 1: grey pictures of maps are noisy, and after the filter their
       bytes have no long repeats, so Huffman coding alone compresses them as well as a match search, in
       three quarters of the time; colour pictures (plots, galleries) have flat areas, whose filtered rows are
       runs of zeros: run-length matching. */
    size_t stride = row_bytes + 1;
    filtered = malloc((size_t)height * stride);
    if (!filtered) png_error(png, "out of memory for the filtered rows");
    const unsigned char *src = pixels;
    const uint16_t probe = 1;
    int swap = bit_depth == 16 && *(const unsigned char *)&probe == 1;
    for (size_t y = 0; y < (size_t)height; y++) {
        unsigned char *dst = filtered + y * stride;
        const unsigned char *cur = src + y * row_bytes, *above = y ? src + (y - 1) * row_bytes : NULL;
        dst[0] = PNG_FILTER_VALUE_UP;
        if (!swap) {
            if (above) for (size_t i = 0; i < row_bytes; i++) dst[1 + i] = (unsigned char)(cur[i] - above[i]);
            else memcpy(dst + 1, cur, row_bytes);
        } else {
            for (size_t i = 0; i < row_bytes; i += 2) {
                unsigned char hi = cur[i + 1], lo = cur[i];
                unsigned char ahi = above ? above[i + 1] : 0, alo = above ? above[i] : 0;
                dst[1 + i] = (unsigned char)(hi - ahi);
                dst[2 + i] = (unsigned char)(lo - alo);
            }
        }
    }
    size_t stream_size = 0;
    stream = compress_rows(filtered, (size_t)height, stride, layout == EMT_PNG_GRAY ? Z_HUFFMAN_ONLY : Z_RLE,
                           threads, &stream_size);
    free(filtered);
    filtered = NULL;
    if (!stream) png_error(png, "deflate failed");
    png_write_chunk(png, (png_const_bytep)"IDAT", stream, stream_size);
    png_write_chunk(png, (png_const_bytep)"IEND", NULL, 0);
    free(stream);
    stream = NULL;
    png_destroy_write_struct(&png, &info);
    *out = sink->data;
    *out_size = sink->size;
    free(sink);
    return 0;
}

void emt_png_free(unsigned char *buffer) { free(buffer); }
