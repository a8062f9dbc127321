import Dispatch
import FoundationEssentials
import Glibc

/// Several pictures in one PNG: a grid of tiles, each with a label under it (a file name, or a class number
/// and its occupancy), drawn with Cairo in DejaVu Sans.
///
/// ```swift
/// let tiles = try paths.enumerated().map { i, p in
///     Gallery.Tile(image: try MapPicture.projection(of: p, size: 256), label: Gallery.classLabel(i + 1, occupancy: occ[i]))
/// }
/// try Gallery(tiles: tiles).writePNG(to: "classes.png")
/// ```
///
/// Layout: `columns` tiles per row (default: ⌈√n⌉, at most 6), filled row by row from the top-left. A
/// picture larger than `tileSize` is shrunk by area averaging, one at most half of it enlarged by the
/// largest whole factor (pixel replication); the tile square is then as large as the largest picture
/// (so small maps give a compact gallery, never more than `tileSize`). Each cell is that square plus a
/// label band below, and wide enough for its label (up to 256 pixels); pictures are centred in it.
public struct Gallery {
    /// One picture and the text under it.
    public struct Tile {
        public var image: GrayImage
        public var label: String
        public init(image: GrayImage, label: String) { self.image = image; self.label = label }
    }

    /// Pixel geometry of a rendered gallery.
    public struct Layout: Equatable, Codable {
        /// Cells per row.
        public var columns: Int
        /// Rows of cells (the last one may be partly empty).
        public var rows: Int
        /// Edge of the square picture area of each cell, pixels (≤ `Gallery.tileSize`).
        public var tileSide: Int
        /// Cell size in pixels (picture area plus label band; at least `tileSide` wide).
        public var cellWidth: Int
        public var cellHeight: Int
        /// Outer margin and gap between cells, pixels.
        public var margin: Int
        /// Size of the whole picture, pixels.
        public var width: Int
        public var height: Int
        /// Top-left corner of cell `index` (row-major).
        public func tileOrigin(_ index: Int) -> (x: Int, y: Int) {
            let c = index % columns, r = index / columns
            return (margin + c * (cellWidth + margin), margin + r * (cellHeight + margin))
        }
        /// Top-left corner of a `width × height` picture centred in the picture area of cell `index`.
        public func pictureOrigin(_ index: Int, width w: Int, height h: Int) -> (x: Int, y: Int) {
            let o = tileOrigin(index)
            return (o.x + (cellWidth - w) / 2, o.y + (tileSide - h) / 2)
        }
    }

    public var tiles: [Tile]
    /// Tiles per row; nil picks ⌈√n⌉ capped at 6.
    public var columns: Int?
    /// Edge of the square area of each tile, pixels.
    public var tileSize: Int
    /// How each tile's values map to grey.
    public var contrast: Contrast
    /// Use one window computed over all tiles (to compare densities between maps) instead of one per tile.
    public var sharedContrast: Bool
    /// Row order of each tile (default y up, as RELION and Chimera show maps).
    public var rowOrder: RowOrder
    /// Label font size in pixels.
    public var labelSize: Double

    public init(tiles: [Tile], columns: Int? = nil, tileSize: Int = 256, contrast: Contrast = .standard,
                sharedContrast: Bool = false, rowOrder: RowOrder = .yUp, labelSize: Double = 14) {
        self.tiles = tiles; self.columns = columns; self.tileSize = tileSize; self.contrast = contrast
        self.sharedContrast = sharedContrast; self.rowOrder = rowOrder; self.labelSize = labelSize
    }

    /// The grid geometry for the current tiles.
    public var layout: Layout {
        let n = max(1, tiles.count)
        let cols = max(1, min(columns ?? min(6, Int(Double(n).squareRoot().rounded(.up))), n))
        let rows = (n + cols - 1) / cols
        let margin = 8
        let band = Int((labelSize * 1.7).rounded(.up))
        let side = max(1, tiles.map { GrayImage.fittedSide(max($0.image.width, $0.image.height), in: tileSize) }.max() ?? tileSize)
        let ruler = Canvas(width: 1, height: 1)
        let widest = tiles.map { Int(ruler.textWidth($0.label, size: labelSize).rounded(.up)) + 8 }.max() ?? 0
        let cw = max(side, min(widest, max(side, 256))), ch = side + band
        return Layout(columns: cols, rows: rows, tileSide: side, cellWidth: cw, cellHeight: ch, margin: margin,
                      width: margin + cols * (cw + margin), height: margin + rows * (ch + margin))
    }

    /// The value window used for each tile.
    public func windows() -> [ContrastWindow] {
        windows(for: tiles.map { $0.image.scaled(toFit: tileSize) })
    }

    private func windows(for scaled: [GrayImage]) -> [ContrastWindow] {
        if sharedContrast {
            let w = contrast.window(for: scaled.flatMap { $0.pixels })
            return Array(repeating: w, count: scaled.count)
        }
        return scaled.map { contrast.window(for: $0.pixels) }
    }

    /// Draw the gallery on a white canvas.
    /// - Throws: `PictureError.emptyPicture` when there are no tiles or the tile size is not positive.
    public func render(path: String = "<memory>") throws -> Canvas {
        guard !tiles.isEmpty else { throw PictureError.emptyPicture(path: path, reason: "a gallery needs at least one picture") }
        guard tileSize > 0 else { throw PictureError.emptyPicture(path: path, reason: "tile size must be positive, got \(tileSize)") }
        let l = layout
        let canvas = Canvas(width: l.width, height: l.height)
        let scaled = tiles.map { $0.image.scaled(toFit: tileSize) }
        let ws = windows(for: scaled)
        for (k, img) in scaled.enumerated() {
            let o = l.tileOrigin(k), p = l.pictureOrigin(k, width: img.width, height: img.height)
            canvas.drawGray(img.quantized8(ws[k], rows: rowOrder), width: img.width, height: img.height, x: p.x, y: p.y)
            let text = Gallery.fitted(tiles[k].label, width: Double(l.cellWidth - 4), size: labelSize, canvas: canvas)
            canvas.drawText(text, x: Double(o.x) + Double(l.cellWidth) / 2, y: Double(o.y + l.tileSide) + labelSize * 1.25,
                            size: labelSize, color: .black, alignment: .center)
        }
        return canvas
    }

    /// Render and write as an RGB PNG (through libpng, atomically); returns the layout used.
    @discardableResult
    public func writePNG(to path: String) throws -> Layout {
        try render(path: path).writePNG(to: path)
        return layout
    }

    /// The label RELION users read for a class: `class 3 · 21.4 %` (occupancy as a fraction 0…1, or nil).
    public static func classLabel(_ number: Int, occupancy: Double?) -> String {
        guard let o = occupancy else { return "class \(number)" }
        return "class \(number) · " + String(cFormat: "%.1f %%", o * 100)
    }

    /// The class number in a RELION map name such as `run_it025_class003.mrc`, or nil.
    public static func classNumber(fromFileName name: String) -> Int? {
        let base = Path.lastComponent(name)
        guard let r = base.ranges(of: "_class").last else { return nil }
        let digits = base[r.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }

    /// `text` shortened with a middle ellipsis until it fits `width` pixels.
    static func fitted(_ text: String, width: Double, size: Double, canvas: Canvas) -> String {
        if canvas.textWidth(text, size: size) <= width { return text }
        var chars = Array(text)
        while chars.count > 2 {
            chars.remove(at: chars.count / 2)
            let mid = chars.count / 2
            let s = String(chars[..<mid]) + "…" + String(chars[mid...])
            if canvas.textWidth(s, size: size) <= width { return s }
        }
        return "…"
    }
}

extension GrayImage {
    /// The longest side a picture whose longest side is `longest` gets from `scaled(toFit: side)`.
    static func fittedSide(_ longest: Int, in side: Int) -> Int {
        if longest > side { return side }
        return longest * max(1, side / max(1, longest))
    }

    /// The image fitted into a `side × side` square: shrunk by area averaging when larger, enlarged by the
    /// largest whole factor (pixel replication, no invented detail) when at most half the size.
    public func scaled(toFit side: Int) -> GrayImage {
        let longest = max(width, height)
        if longest > side { return downscaled(toFit: side) }
        let f = side / longest
        guard f >= 2 else { return self }
        var out = [Float](repeating: 0, count: width * f * height * f)
        let ow = width * f
        for y in 0 ..< height * f {
            let src = (y / f) * width
            for x in 0 ..< ow { out[y * ow + x] = pixels[src + x / f] }
        }
        return GrayImage(width: ow, height: height * f, pixelSize: pixelSize / Double(f), pixels: out)
    }
}
