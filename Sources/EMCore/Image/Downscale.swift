import Dispatch
import FoundationEssentials
import Glibc

extension GrayImage {
    /// The image shrunk so that neither side exceeds `maxSide` pixels, keeping its aspect ratio, by area
    /// averaging: each output pixel is the mean of the input area it covers (fractional pixels weighted by
    /// their covered fraction), so no value is skipped and the mean is preserved. An image already small
    /// enough is returned unchanged (never enlarged). `pixelSize` grows by the scale factor.
    /// - Complexity: O(width·height), SIMD along rows, rows spread over all cores.
    public func downscaled(toFit maxSide: Int) -> GrayImage {
        precondition(maxSide > 0, "maxSide must be positive")
        let longest = max(width, height)
        guard longest > maxSide else { return self }
        let factor = Double(longest) / Double(maxSide)
        let ow = max(1, Int((Double(width) / factor).rounded())), oh = max(1, Int((Double(height) / factor).rounded()))
        return resampled(width: ow, height: oh)
    }

    /// Area-average resampling to exactly `ow × oh` pixels (each ≤ the current size). Columns are shrunk
    /// first, whole rows at a time (`out += weight · row`, 8 lanes of SIMD along x), which is where nearly
    /// all the work is; the rows of the already shorter image are shrunk second.
    func resampled(width ow: Int, height oh: Int) -> GrayImage {
        let xw = GrayImage.areaWeights(from: width, to: ow), yw = GrayImage.areaWeights(from: height, to: oh)
        let w = width
        // Pass 1: shrink columns (y), width unchanged.
        var tmp = [Float](repeating: 0, count: w * oh)
        pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                let d = dst
                Parallel.forEachChunk(count: oh, minChunk: max(1, 8192 / w)) { rows in
                    for i in rows {
                        let o = UnsafeMutableRawPointer(d.baseAddress! + i * w)
                        for t in yw[i] {
                            let s = UnsafeRawPointer(src.baseAddress! + t.index * w)
                            let weight = SIMD8<Float>(repeating: t.weight)
                            var x = 0
                            while x + 8 <= w {
                                let v = o.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self)
                                    + weight * s.loadUnaligned(fromByteOffset: x * 4, as: SIMD8<Float>.self)
                                o.storeBytes(of: v, toByteOffset: x * 4, as: SIMD8<Float>.self)
                                x += 8
                            }
                            while x < w {
                                let v = o.load(fromByteOffset: x * 4, as: Float.self) + t.weight * s.load(fromByteOffset: x * 4, as: Float.self)
                                o.storeBytes(of: v, toByteOffset: x * 4, as: Float.self)
                                x += 1
                            }
                        }
                    }
                }
            }
        }
        // Pass 2: shrink rows (x) of the oh-row image.
        var out = [Float](repeating: 0, count: ow * oh)
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst
                Parallel.forEachChunk(count: oh, minChunk: 16) { rows in
                    for y in rows {
                        let s = src.baseAddress! + y * w, o = d.baseAddress! + y * ow
                        for (j, taps) in xw.enumerated() {
                            var acc: Float = 0
                            for t in taps { acc += s[t.index] * t.weight }
                            o[j] = acc
                        }
                    }
                }
            }
        }
        let scale = Double(width) / Double(ow)
        return GrayImage(width: ow, height: oh, pixelSize: pixelSize * scale, pixels: out)
    }

    /// One input pixel's contribution to an output pixel.
    struct Tap { var index: Int; var weight: Float }

    /// For each of `m` output pixels spanning `n` input pixels, the input pixels it covers and their weights
    /// (covered fraction / output footprint), summing to 1.
    static func areaWeights(from n: Int, to m: Int) -> [[Tap]] {
        let step = Double(n) / Double(m)
        return (0 ..< m).map { j in
            let a = Double(j) * step, b = min(Double(n), Double(j + 1) * step)
            var taps: [Tap] = []
            var i = Int(a.rounded(.down))
            while Double(i) < b && i < n {
                let cover = min(b, Double(i + 1)) - max(a, Double(i))
                if cover > 1e-9 { taps.append(Tap(index: i, weight: Float(cover / (b - a)))) }
                i += 1
            }
            return taps
        }
    }
}
