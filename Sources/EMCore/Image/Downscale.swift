import Foundation

extension GrayImage {
    /// The image shrunk so that neither side exceeds `maxSide` pixels, keeping its aspect ratio, by area
    /// averaging: each output pixel is the mean of the input area it covers (fractional pixels weighted by
    /// their covered fraction), so no value is skipped and the mean is preserved. An image already small
    /// enough is returned unchanged (never enlarged). `pixelSize` grows by the scale factor.
    /// - Complexity: O(width·height), rows spread over all cores.
    public func downscaled(toFit maxSide: Int) -> GrayImage {
        precondition(maxSide > 0, "maxSide must be positive")
        let longest = max(width, height)
        guard longest > maxSide else { return self }
        let factor = Double(longest) / Double(maxSide)
        let ow = max(1, Int((Double(width) / factor).rounded())), oh = max(1, Int((Double(height) / factor).rounded()))
        return resampled(width: ow, height: oh)
    }

    /// Area-average resampling to exactly `ow × oh` pixels (each ≤ the current size).
    func resampled(width ow: Int, height oh: Int) -> GrayImage {
        let xw = GrayImage.areaWeights(from: width, to: ow), yw = GrayImage.areaWeights(from: height, to: oh)
        // Pass 1: shrink rows (x), height unchanged.
        var tmp = [Float](repeating: 0, count: ow * height)
        pixels.withUnsafeBufferPointer { src in
            tmp.withUnsafeMutableBufferPointer { dst in
                let d = dst
                Parallel.forEachChunk(count: height, minChunk: 16) { rows in
                    for y in rows {
                        let s = src.baseAddress! + y * width, o = d.baseAddress! + y * ow
                        for (j, taps) in xw.enumerated() {
                            var acc: Float = 0
                            for t in taps { acc += s[t.index] * t.weight }
                            o[j] = acc
                        }
                    }
                }
            }
        }
        // Pass 2: shrink columns (y), whole rows at a time so the inner loop runs along x.
        var out = [Float](repeating: 0, count: ow * oh)
        tmp.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst
                Parallel.forEachChunk(count: oh, minChunk: 4) { rows in
                    for i in rows {
                        let o = d.baseAddress! + i * ow
                        for t in yw[i] {
                            let s = src.baseAddress! + t.index * ow
                            for x in 0 ..< ow { o[x] += s[x] * t.weight }
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
