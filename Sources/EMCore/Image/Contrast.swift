import Foundation

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
        var s = argument.trimmingCharacters(in: .whitespaces).lowercased()
        if s == "minmax" || s == "min-max" { self = .minMax; return }
        if s.hasPrefix("percentile:") { s = String(s.dropFirst(11)) }
        if s.hasPrefix("sigma:") {
            guard let k = Double(s.dropFirst(6)), k > 0, k.isFinite else { return nil }
            self = .sigma(k: k); return
        }
        if s.hasPrefix("window:") {
            let p = s.dropFirst(7).split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard p.count == 2, let a = p[0], let b = p[1], a.isFinite, b.isFinite, a < b else { return nil }
            self = .window(low: a, high: b); return
        }
        let p = s.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
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
    /// - Complexity: O(n): percentiles by selection (not sorting) on up to 4 M values (larger images are
    ///   sampled evenly).
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
            let limit = 1 << 22
            let step = max(1, values.count / limit)
            var sample: [Float] = []
            sample.reserveCapacity(values.count / step + 1)
            var i = 0
            while i < values.count { let v = values[i]; if v.isFinite { sample.append(v) }; i += step }
            lo = Contrast.select(&sample, a / 100); hi = Contrast.select(&sample, b / 100)
        }
        if !lo.isFinite || !hi.isFinite { lo = 0; hi = 1 }
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        return ContrastWindow(low: lo, high: hi)
    }

    /// Linear-interpolated quantile `q` (0…1) of `values` (numpy's default "linear" method), found by
    /// selection in expected O(n): `values` is reordered in place.
    static func select(_ values: inout [Float], _ q: Double) -> Float {
        guard !values.isEmpty else { return .nan }
        let pos = q * Double(values.count - 1)
        let i = Int(pos.rounded(.down)), f = pos - Double(i)
        let below = values.withUnsafeMutableBufferPointer { nthElement($0, i) }
        guard f > 0, i + 1 < values.count else { return below }
        // The next order statistic is the smallest value after position i (nthElement partitions there).
        let above = values[(i + 1)...].min()!
        return Float(Double(below) * (1 - f) + Double(above) * f)
    }

    /// Reorder `v` so that `v[k]` is the value a sort would put there, everything before it ≤ and
    /// everything after it ≥ (quickselect with three-way partitions, so flat images with many equal
    /// values stay linear; pivots from a fixed-seed generator, so the result is deterministic).
    static func nthElement(_ v: UnsafeMutableBufferPointer<Float>, _ k: Int) -> Float {
        var lo = 0, hi = v.count - 1
        var rng = SplitMix64(seed: 0x5EED)
        while lo < hi {
            let pivot = v[lo + Int(rng.next() % UInt64(hi - lo + 1))]
            // [lo, lt) < pivot, [lt, i) == pivot, (gt, hi] > pivot.
            var lt = lo, i = lo, gt = hi
            while i <= gt {
                let x = v[i]
                if x < pivot { v.swapAt(lt, i); lt += 1; i += 1 } else if x > pivot { v.swapAt(i, gt); gt -= 1 } else { i += 1 }
            }
            if k < lt { hi = lt - 1 } else if k > gt { lo = gt + 1 } else { return pivot }
        }
        return v[k]
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
        quantized(window, rows: rows, levels: 255) { UInt8($0) }
    }

    /// Grey levels 0…65535 for a 16-bit PNG, rows in PNG order (top first), through `window`.
    public func quantized16(_ window: ContrastWindow, rows: RowOrder = .yUp) -> [UInt16] {
        quantized(window, rows: rows, levels: 65535) { UInt16($0) }
    }

    private func quantized<T>(_ window: ContrastWindow, rows: RowOrder, levels: Float, _ make: (Float) -> T) -> [T] {
        let scale = levels / (window.high - window.low)
        let lo = SIMD8<Float>(repeating: window.low), s = SIMD8<Float>(repeating: scale)
        let zero = SIMD8<Float>(repeating: 0), top = SIMD8<Float>(repeating: levels), half = SIMD8<Float>(repeating: 0.5)
        var out = [T]()
        out.reserveCapacity(pixels.count)
        var level = [Float](repeating: 0, count: width)
        pixels.withUnsafeBufferPointer { src in
            for r in 0 ..< height {
                let y = rows == .yUp ? height - 1 - r : r
                let row = src.baseAddress! + y * width
                var x = 0
                level.withUnsafeMutableBufferPointer { l in
                    while x + 8 <= width {
                        let v = UnsafeRawPointer(row + x).loadUnaligned(as: SIMD8<Float>.self)
                        var q = ((v - lo) * s + half).rounded(.down)
                        q = q.replacing(with: zero, where: .!(v .== v))   // NaN → black
                        q = pointwiseMin(pointwiseMax(q, zero), top)
                        UnsafeMutableRawPointer(l.baseAddress! + x).storeBytes(of: q, as: SIMD8<Float>.self)
                        x += 8
                    }
                    while x < width {
                        let v = row[x]
                        l[x] = v.isNaN ? 0 : min(max(((v - window.low) * scale + 0.5).rounded(.down), 0), levels)
                        x += 1
                    }
                }
                for x in 0 ..< width { out.append(make(level[x])) }
            }
        }
        return out
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
