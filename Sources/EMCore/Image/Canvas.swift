import CCairo
import Dispatch
import FoundationEssentials
import Glibc

/// An RGB colour with components in 0…1.
public struct Color: Equatable {
    public var r: Double, g: Double, b: Double
    public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }
    public static let white = Color(1, 1, 1)
    public static let black = Color(0, 0, 0)
    public static let gray = Color(0.5, 0.5, 0.5)
    public static let lightGray = Color(0.85, 0.85, 0.85)
    /// A colour-blind-safe palette (Okabe–Ito) for several curves or classes.
    public static let palette: [Color] = [
        Color(0.0, 0.447, 0.698), Color(0.835, 0.369, 0.0), Color(0.0, 0.620, 0.451), Color(0.800, 0.475, 0.655),
        Color(0.337, 0.706, 0.914), Color(0.902, 0.624, 0.0), Color(0.941, 0.894, 0.259), Color(0.0, 0.0, 0.0),
    ]
}

/// Horizontal anchoring of text drawn at a point.
public enum TextAlignment { case left, center, right }

/// A picture drawn with Cairo (lines, text in DejaVu Sans through fontconfig, grey images), saved as PNG
/// through `PNGFile`. Coordinates are in pixels, origin at the top-left corner, y downwards.
public final class Canvas {
    public let width: Int
    public let height: Int
    let surface: OpaquePointer
    let cr: OpaquePointer

    /// A white canvas of `width × height` pixels.
    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))
        cr = cairo_create(surface)
        fillRect(x: 0, y: 0, width: Double(width), height: Double(height), color: background)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    /// Fill an axis-aligned rectangle.
    public func fillRect(x: Double, y: Double, width: Double, height: Double, color: Color) {
        cairo_set_source_rgb(cr, color.r, color.g, color.b)
        cairo_rectangle(cr, x, y, width, height)
        cairo_fill(cr)
    }

    /// Stroke a polyline through `points` with a line `width` in pixels; `dash` gives on/off lengths.
    public func strokeLine(_ points: [(Double, Double)], color: Color, width: Double = 1, dash: [Double] = []) {
        guard let first = points.first else { return }
        cairo_set_source_rgb(cr, color.r, color.g, color.b)
        cairo_set_line_width(cr, width)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(dash.count), 0) }
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_move_to(cr, first.0, first.1)
        for p in points.dropFirst() { cairo_line_to(cr, p.0, p.1) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// Draw `text` with its baseline at `y`, anchored at `x` by `alignment`, in DejaVu Sans of `size` pixels.
    /// Returns the text's width in pixels.
    @discardableResult
    public func drawText(_ text: String, x: Double, y: Double, size: Double, color: Color = .black,
                         alignment: TextAlignment = .left, bold: Bool = false, rotation: Double = 0) -> Double {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var ext = cairo_text_extents_t()
        cairo_text_extents(cr, text, &ext)
        let dx: Double
        switch alignment {
        case .left: dx = 0
        case .center: dx = -ext.x_advance / 2
        case .right: dx = -ext.x_advance
        }
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rotate(cr, rotation)
        cairo_move_to(cr, dx, 0)
        cairo_set_source_rgb(cr, color.r, color.g, color.b)
        cairo_show_text(cr, text)
        cairo_restore(cr)
        return ext.x_advance
    }

    /// Width in pixels `text` would take at `size`.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
        var ext = cairo_text_extents_t()
        cairo_text_extents(cr, text, &ext)
        return ext.x_advance
    }

    /// Paint an 8-bit grey image (row-major, top row first) with its top-left corner at (x, y), 1:1 pixels.
    public func drawGray(_ pixels: [UInt8], width w: Int, height h: Int, x: Int, y: Int) {
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { return }
        for row in 0 ..< h {
            let ty = y + row
            if ty < 0 || ty >= height { continue }
            for col in 0 ..< w {
                let tx = x + col
                if tx < 0 || tx >= width { continue }
                let v = UInt32(pixels[row * w + col])
                let p = UnsafeMutableRawPointer(data + ty * stride + tx * 4).assumingMemoryBound(to: UInt32.self)
                p.pointee = 0xff00_0000 | (v << 16) | (v << 8) | v
            }
        }
        cairo_surface_mark_dirty(surface)
    }

    /// The canvas as 8-bit RGB samples, top row first.
    public func rgbSamples() -> [UInt8] {
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0 ..< height {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0 ..< width {
                let v = row[x]
                let o = (y * width + x) * 3
                out[o] = UInt8((v >> 16) & 0xff); out[o + 1] = UInt8((v >> 8) & 0xff); out[o + 2] = UInt8(v & 0xff)
            }
        }
        return out
    }

    /// Save as an RGB PNG (through libpng, atomically).
    public func writePNG(to path: String) throws {
        try PNGFile.write(rgbSamples(), width: width, height: height, format: .rgb8, to: path)
    }
}
