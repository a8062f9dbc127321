// Cairo (and through it FreeType, fontconfig, pixman and the X11 libraries), opened on first use.
#include <cairo/cairo.h>

#include "CDelayLoad.h"

static struct delay_library cairo = {.soname = "libcairo.so.2", .package = "libcairo2"};

// MARK: surfaces

TRAMPOLINE cairo_surface_t *cairo_image_surface_create(cairo_format_t format, int width, int height) {
    return LAZY(cairo, cairo_image_surface_create)(format, width, height);
}

TRAMPOLINE unsigned char *cairo_image_surface_get_data(cairo_surface_t *surface) {
    return LAZY(cairo, cairo_image_surface_get_data)(surface);
}

TRAMPOLINE int cairo_image_surface_get_stride(cairo_surface_t *surface) {
    return LAZY(cairo, cairo_image_surface_get_stride)(surface);
}

TRAMPOLINE void cairo_surface_flush(cairo_surface_t *surface) { LAZY(cairo, cairo_surface_flush)(surface); }

TRAMPOLINE void cairo_surface_mark_dirty(cairo_surface_t *surface) { LAZY(cairo, cairo_surface_mark_dirty)(surface); }

TRAMPOLINE void cairo_surface_destroy(cairo_surface_t *surface) { LAZY(cairo, cairo_surface_destroy)(surface); }

// MARK: contexts and state

TRAMPOLINE cairo_t *cairo_create(cairo_surface_t *target) { return LAZY(cairo, cairo_create)(target); }

TRAMPOLINE void cairo_destroy(cairo_t *cr) { LAZY(cairo, cairo_destroy)(cr); }

TRAMPOLINE void cairo_save(cairo_t *cr) { LAZY(cairo, cairo_save)(cr); }

TRAMPOLINE void cairo_restore(cairo_t *cr) { LAZY(cairo, cairo_restore)(cr); }

TRAMPOLINE void cairo_translate(cairo_t *cr, double tx, double ty) { LAZY(cairo, cairo_translate)(cr, tx, ty); }

TRAMPOLINE void cairo_rotate(cairo_t *cr, double angle) { LAZY(cairo, cairo_rotate)(cr, angle); }

TRAMPOLINE void cairo_set_source_rgb(cairo_t *cr, double red, double green, double blue) {
    LAZY(cairo, cairo_set_source_rgb)(cr, red, green, blue);
}

TRAMPOLINE void cairo_set_line_width(cairo_t *cr, double width) { LAZY(cairo, cairo_set_line_width)(cr, width); }

TRAMPOLINE void cairo_set_line_join(cairo_t *cr, cairo_line_join_t line_join) {
    LAZY(cairo, cairo_set_line_join)(cr, line_join);
}

TRAMPOLINE void cairo_set_dash(cairo_t *cr, const double *dashes, int num_dashes, double offset) {
    LAZY(cairo, cairo_set_dash)(cr, dashes, num_dashes, offset);
}

// MARK: paths and drawing

TRAMPOLINE void cairo_new_path(cairo_t *cr) { LAZY(cairo, cairo_new_path)(cr); }

TRAMPOLINE void cairo_move_to(cairo_t *cr, double x, double y) { LAZY(cairo, cairo_move_to)(cr, x, y); }

TRAMPOLINE void cairo_line_to(cairo_t *cr, double x, double y) { LAZY(cairo, cairo_line_to)(cr, x, y); }

TRAMPOLINE void cairo_rectangle(cairo_t *cr, double x, double y, double width, double height) {
    LAZY(cairo, cairo_rectangle)(cr, x, y, width, height);
}

TRAMPOLINE void cairo_arc(cairo_t *cr, double xc, double yc, double radius, double angle1, double angle2) {
    LAZY(cairo, cairo_arc)(cr, xc, yc, radius, angle1, angle2);
}

TRAMPOLINE void cairo_stroke(cairo_t *cr) { LAZY(cairo, cairo_stroke)(cr); }

TRAMPOLINE void cairo_fill(cairo_t *cr) { LAZY(cairo, cairo_fill)(cr); }

TRAMPOLINE void cairo_clip(cairo_t *cr) { LAZY(cairo, cairo_clip)(cr); }

// MARK: text

TRAMPOLINE void cairo_select_font_face(cairo_t *cr, const char *family, cairo_font_slant_t slant,
                                       cairo_font_weight_t weight) {
    LAZY(cairo, cairo_select_font_face)(cr, family, slant, weight);
}

TRAMPOLINE void cairo_set_font_size(cairo_t *cr, double size) { LAZY(cairo, cairo_set_font_size)(cr, size); }

TRAMPOLINE void cairo_text_extents(cairo_t *cr, const char *utf8, cairo_text_extents_t *extents) {
    LAZY(cairo, cairo_text_extents)(cr, utf8, extents);
}

TRAMPOLINE void cairo_show_text(cairo_t *cr, const char *utf8) { LAZY(cairo, cairo_show_text)(cr, utf8); }
