import CCairo
import Dispatch
import FoundationEssentials
import Glibc

/// Drawing primitives the plots need beyond `Canvas`'s own (clipping, dots, outlined boxes).
extension Canvas {
    /// Run `body` with drawing restricted to the rectangle (x, y, width, height) in pixels
    /// (`cairo_save`, `cairo_rectangle`, `cairo_clip`, `cairo_restore`).
    public func clipped(x: Double, y: Double, width: Double, height: Double, _ body: () -> Void) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }

    /// Fill a disc of `radius` pixels centred at (x, y).
    public func fillCircle(x: Double, y: Double, radius: Double, color: Color) {
        cairo_set_source_rgb(cr, color.r, color.g, color.b)
        cairo_new_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * .pi)
        cairo_fill(cr)
    }

    /// Outline an axis-aligned rectangle with a line `width` pixels wide.
    public func strokeRect(x: Double, y: Double, width: Double, height: Double, color: Color, lineWidth: Double = 1) {
        cairo_set_source_rgb(cr, color.r, color.g, color.b)
        cairo_set_line_width(cr, lineWidth)
        cairo_rectangle(cr, x, y, width, height)
        cairo_stroke(cr)
    }
}
