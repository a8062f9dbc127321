import CKernels
import Dispatch
import FoundationEssentials
import Glibc

/// How the values of an image are mapped to grey levels: every value at or below `low` is black, at or
/// above `high` white, linear in between.
public enum Contrast: Equatable, CustomStringConvertible {
    /// Clip at the `low` and `high` percentiles of the values (0…100). The default, 0.5–99.5 %, ignores the
    /// few hottest and coldest pixels that would otherwise wash a projection out.
    case percentile(low: Double, high: Double)
    /// Clip at mean − k·σ and mean + k·σ of the values.
    case sigma(k: Double)
    /// Clip at the smallest and largest value.
    case minMax
    /// Clip at fixed values (same units as the image).
    case window(low: Float, high: Float)

    /// 0.5–99.5 % percentile clipping.
    public static let standard = Contrast.percentile(low: 0.5, high: 99.5)

    /// Parse the command-line form: `percentile:LOW,HIGH` (or just `LOW,HIGH`, percent, e.g. `0.5,99.5`),
    /// `sigma:K` (mean ± K·σ, e.g. `sigma:3`), `minmax`, or `window:MIN,MAX` in image units. Returns nil for
    /// anything else or for out-of-range numbers (percentiles must satisfy 0 ≤ LOW < HIGH ≤ 100).
    public init?(argument: String) {
        var s = argument.trimmingBlanks().lowercased()
        if s == "minmax" || s == "min-max" { self = .minMax; return }
        if s.hasPrefix("percentile:") { s = String(s.dropFirst(11)) }
        if s.hasPrefix("sigma:") {
            guard let k = Double(s.dropFirst(6)), k > 0, k.isFinite else { return nil }
            self = .sigma(k: k); return
        }
        if s.hasPrefix("window:") {
            let p = s.dropFirst(7).split(separator: ",").map { Float($0.trimmingBlanks()) }
            guard p.count == 2, let a = p[0], let b = p[1], a.isFinite, b.isFinite, a < b else { return nil }
            self = .window(low: a, high: b); return
        }
        let p = s.split(separator: ",").map { Double($0.trimmingBlanks()) }
        guard p.count == 2, let a = p[0], let b = p[1], a >= 0, b <= 100, a < b else { return nil }
        self = .percentile(low: a, high: b)
    }

    /// The command-line form that `init(argument:)` parses back: `percentile:0.5,99.5`, `sigma:3`,
    /// `minmax`, `window:-1,2`.
    public var argument: String {
        switch self {
        case .percentile(let a, let b): return "percentile:\(Self.short(a)),\(Self.short(b))"
        case .sigma(let k): return "sigma:\(Self.short(k))"
        case .minMax: return "minmax"
        case .window(let a, let b): return "window:\(Self.short(Double(a))),\(Self.short(Double(b)))"
        }
    }

    private static func short(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)" }

    public var description: String {
        switch self {
        case .percentile(let a, let b): return "percentile \(a)–\(b) %"
        case .sigma(let k): return "mean ± \(k)σ"
        case .minMax: return "min–max"
        case .window(let a, let b): return "window \(a)–\(b)"
        }
    }

    /// The value window this contrast gives for `values` (non-finite values are ignored). A window whose
    /// ends coincide (a flat image) is widened by one unit so that the image maps to mid-grey.
    /// - Complexity: O(n): percentiles by radix selection (`OrderStatistics`, not sorting) on up to 4 M
    ///   values (larger images are sampled evenly).
    public func window(for values: [Float]) -> ContrastWindow {
        var lo: Float, hi: Float
        switch self {
        case .window(let a, let b):
            lo = a; hi = b
        case .minMax:
            let s = values.withUnsafeBufferPointer { VolumeStatistics.parallel($0) }
            lo = s.min; hi = s.max
        case .sigma(let k):
            let s = values.withUnsafeBufferPointer { VolumeStatistics.parallel($0) }
            lo = Float(s.mean - k * s.rms); hi = Float(s.mean + k * s.rms)
        case .percentile(let a, let b):
            let q = Contrast.quantiles(OrderStatistics(values, step: max(1, values.count / (1 << 22))), [a / 100, b / 100])
            (lo, hi) = (q[0], q[1])
        }
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        return ContrastWindow(low: lo, high: hi)
    }

    /// Linear-interpolated quantile `q` (0…1) of `values` (numpy's default "linear" method); non-finite
    /// values are ignored (NaN when none is finite).
    static func quantile(_ values: [Float], _ q: Double) -> Float {
        quantile(OrderStatistics(values), q)
    }

    static func quantile(_ stats: OrderStatistics, _ q: Double) -> Float {
        quantiles(stats, [q])[0]
    }

    /// Several quantiles at once: their order statistics are found in one selection.
    static func quantiles(_ stats: OrderStatistics, _ qs: [Double]) -> [Float] {
        guard stats.count > 0 else { return qs.map { _ in .nan } }
        let places = qs.map { q -> (Int, Double) in
            let pos = q * Double(stats.count - 1)
            let i = Int(pos.rounded(.down))
            return (i, pos - Double(i))
        }
        let ranks = places.flatMap { i, _ in [i, min(i + 1, stats.count - 1)] }
        let v = stats.values(atRanks: ranks)
        return places.enumerated().map { n, place in
            let (below, above) = (v[2 * n], v[2 * n + 1])
            return place.1 > 0 ? Float(Double(below) * (1 - place.1) + Double(above) * place.1) : below
        }
    }
}

/// The value range shown: `low` maps to black, `high` to white (image units).
public struct ContrastWindow: Equatable, Codable {
    public var low: Float
    public var high: Float
    public init(low: Float, high: Float) { self.low = low; self.high = high }
}

/// Which picture row comes first in a PNG (PNG row 0 is always the top of the picture).
public enum RowOrder: String, Codable, CaseIterable {
    /// y up, as RELION, Chimera and IMOD display maps: PNG row 0 is y = height − 1. The default.
    case yUp = "y-up"
    /// y down, as the data is stored: PNG row 0 is y = 0.
    case yDown = "y-down"
}

extension GrayImage {
    /// Grey levels 0…255 for PNG, rows in PNG order (top first, see `RowOrder`), through `window`.
    /// NaN maps to black.
    public func quantized8(_ window: ContrastWindow, rows: RowOrder = .yUp) -> [UInt8] {
        quantized(window, rows: rows, levels: 255, emt_quantize_u8)
    }

    /// Grey levels 0…65535 for a 16-bit PNG, rows in PNG order (top first), through `window`.
    public func quantized16(_ window: ContrastWindow, rows: RowOrder = .yUp) -> [UInt16] {
        quantized(window, rows: rows, levels: 65535, emt_quantize_u16)
    }

    /// Level = floor((v − low) · levels / (high − low) + 0.5) clamped to 0…levels (round half up), NaN → 0,
    /// computed row by row by the C kernel `kernel`.
    private func quantized<T: FixedWidthInteger>(
        _ window: ContrastWindow, rows: RowOrder, levels: Float,
        _ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<T>?, Int, Float, Float, Float) -> Void
    ) -> [T] {
        let scale = levels / (window.high - window.low)
        let (w, h) = (width, height)
        return [T](unsafeUninitializedCapacity: w * h) { out, initialized in
            pixels.withUnsafeBufferPointer { src in
                for r in 0 ..< h {
                    let y = rows == .yUp ? h - 1 - r : r
                    kernel(src.baseAddress! + y * w, out.baseAddress! + r * w, w, window.low, scale, levels)
                }
            }
            initialized = w * h
        }
    }

    /// Write the image as a grey PNG (8-bit, or 16-bit with `depth: 16`) through libpng, atomically; returns
    /// the value window used. Rows are written top first in the given `RowOrder` (default y up).
    @discardableResult
    public func writePNG(to path: String, contrast: Contrast = .standard, depth: Int = 8, rows: RowOrder = .yUp) throws -> ContrastWindow {
        let w = contrast.window(for: pixels)
        if depth == 16 {
            try PNGFile.write(samples16: quantized16(w, rows: rows), width: width, height: height, to: path)
        } else {
            try PNGFile.write(quantized8(w, rows: rows), width: width, height: height, format: .gray8, to: path)
        }
        return w
    }
}
