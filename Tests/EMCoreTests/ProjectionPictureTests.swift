@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Pictures: PNGs decoded by Pillow (an independent decoder) and by libpng, contrast windows against numpy,
/// area-averaged down-scaling against a numpy reference, gallery grids.
@Suite(.serialized) struct ProjectionPictureTests {
    /// Decode a PNG with Pillow: prints `mode width height`, the chunk types, then the samples row by row.
    static let decode = #"""
import sys
import numpy as np
from PIL import Image
path = sys.argv[1]
im = Image.open(path)
raw = open(path, 'rb').read()
chunks, i = [], 8
while i < len(raw):
    n = int.from_bytes(raw[i:i + 4], 'big'); chunks.append(raw[i + 4:i + 8].decode()); i += 12 + n
a = np.array(im)
print(im.mode, im.size[0], im.size[1])
print(' '.join(chunks))
print(' '.join(str(int(v)) for v in a.reshape(-1)))
"""#

    struct Decoded { var mode: String; var width: Int; var height: Int; var chunks: [String]; var samples: [Int] }

    static func pillow(_ path: String) throws -> Decoded {
        let lines = try TestEnv.python(decode, [path]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let head = lines[0].split(separator: " ")
        return Decoded(mode: String(head[0]), width: Int(head[1])!, height: Int(head[2])!,
                       chunks: lines[1].split(separator: " ").map(String.init), samples: lines[2].split(separator: " ").map { Int($0)! })
    }

    /// A 5 × 3 ramp: value = x + 10·y, so every pixel is distinct and rows are told apart.
    static let ramp = GrayImage(width: 5, height: 3, pixelSize: 2, pixels: (0 ..< 15).map { Float($0 % 5 + 10 * ($0 / 5)) })

    @Test func eightBitPNGHasTheWindowedLevelsWithYUp() throws {
        let dir = TestEnv.temporaryDirectory("png8")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/ramp.png"
        let w = try Self.ramp.writePNG(to: path, contrast: .window(low: 0, high: 24))
        #expect(w == ContrastWindow(low: 0, high: 24))
        let d = try Self.pillow(path)
        #expect(d.mode == "L" && d.width == 5 && d.height == 3)
        // PNG row 0 is the top of the picture = y = 2 (y up); level = round(v · 255 / 24).
        var expected: [Int] = []
        for r in 0 ..< 3 { for x in 0 ..< 5 { expected.append(Int((Double(x + 10 * (2 - r)) * 255 / 24).rounded())) } }
        #expect(d.samples == expected)
        // y-down keeps the stored order; libpng reads back what Pillow reads.
        try Self.ramp.writePNG(to: path, contrast: .window(low: 0, high: 24), rows: .yDown)
        let down = try Self.pillow(path)
        let lib = try PNGFile.read(path)
        #expect(down.samples.map(UInt8.init) == lib.samples8)
        #expect(Array(down.samples[0 ..< 5]) == Array(expected[10 ..< 15]))
    }

    /// Incompressible pictures larger than libpng's first output buffer (64 KiB) grow it and still decode
    /// to the same samples; the 8-bit encoder writes an sRGB chunk and the "up" filter on every row.
    @Test func encodingGrowsItsBufferAndDecodesBack() throws {
        var g = SplitMix64(seed: 3)
        let noise = (0 ..< 160 * 120 * 3).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let png = try noise.withUnsafeBytes { try PNGFile.encode($0, width: 160, height: 120, format: .rgb8) }
        #expect(png.count > 160 * 120 * 3)   // incompressible noise: larger than the raw samples
        let dir = TestEnv.temporaryDirectory("pngretry")
        defer { TestEnv.removeTemporary(dir) }
        try png.write(to: URL(fileURLWithPath: dir + "/noise.png"))
        #expect(try PNGFile.read(dir + "/noise.png", as: .rgb8).samples8 == noise)
        let d = try Self.pillow(dir + "/noise.png")
        #expect(d.chunks.first == "IHDR" && d.chunks.contains("sRGB") && d.chunks.last == "IEND", "chunks: \(d.chunks)")
        // Every row starts with its filter byte: 2 ("up") for every row.
        let raw = try Self.inflatedRows(dir + "/noise.png")
        let stride = 160 * 3 + 1
        #expect(raw.count == 120 * stride)
        #expect((0 ..< 120).allSatisfy { raw[$0 * stride] == 2 })
    }

    /// A picture large enough to be deflated in slices on several threads decodes to the same samples,
    /// grey and 16-bit alike, and zlib (Python's) accepts the joined stream and its Adler-32.
    @Test func slicedDeflateDecodesToTheSamePixels() throws {
        var g = SplitMix64(seed: 21)
        let (w, h) = (700, 500)
        // Smooth rows plus noise, so that both the run and the literal paths are taken.
        let grey = (0 ..< w * h).map { i in UInt8(truncatingIfNeeded: (i % w) / 3 + Int(g.next() % 7)) }
        let wide = (0 ..< w * h).map { i in UInt16(truncatingIfNeeded: (i % w) * 90 + Int(g.next() % 300)) }
        let dir = TestEnv.temporaryDirectory("pngslices")
        defer { TestEnv.removeTemporary(dir) }
        try PNGFile.write(grey, width: w, height: h, format: .gray8, to: dir + "/grey.png")
        try PNGFile.write(samples16: wide, width: w, height: h, to: dir + "/wide.png")
        #expect(try PNGFile.read(dir + "/grey.png").samples8 == grey)
        #expect(try PNGFile.read(dir + "/wide.png", as: .gray16).samples16 == wide)
        #expect(try Self.inflatedRows(dir + "/grey.png").count == h * (w + 1))
        let d = try Self.pillow(dir + "/wide.png")
        #expect(d.mode == "I;16" && d.samples.map { UInt16($0) } == wide)
    }

    /// The filtered rows of a PNG (its IDAT chunks inflated), through Python's zlib.
    static func inflatedRows(_ path: String) throws -> [UInt8] {
        let hex = try TestEnv.python("""
        import sys, zlib
        raw, i, idat = open(sys.argv[1], 'rb').read(), 8, b''
        while i < len(raw):
            n = int.from_bytes(raw[i:i + 4], 'big')
            if raw[i + 4:i + 8] == b'IDAT': idat += raw[i + 8:i + 8 + n]
            i += 12 + n
        print(zlib.decompress(idat).hex())
        """, [path]).trimmingCharacters(in: .whitespacesAndNewlines)
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String(decoding: [a, b], as: UTF8.self), radix: 16)!) }
        return out
    }

    @Test func encodingRejectsAWrongPixelCount() {
        let few = [UInt8](repeating: 0, count: 10)
        #expect(throws: PNGError.self) { try few.withUnsafeBytes { try PNGFile.encode($0, width: 8, height: 8, format: .gray8) } }
    }

    @Test func sixteenBitPNGKeepsFullLevelsAndHasNoGammaChunk() throws {
        let dir = TestEnv.temporaryDirectory("png16")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/ramp16.png"
        try Self.ramp.writePNG(to: path, contrast: .window(low: 0, high: 24), depth: 16)
        let d = try Self.pillow(path)
        #expect(d.mode == "I;16" && d.width == 5 && d.height == 3)
        #expect(!d.chunks.contains("gAMA") && !d.chunks.contains("cHRM"), "chunks: \(d.chunks)")
        var expected: [Int] = []
        for r in 0 ..< 3 { for x in 0 ..< 5 { expected.append(Int((Double(x + 10 * (2 - r)) * 65535 / 24).rounded())) } }
        #expect(d.samples == expected)
        #expect(try PNGFile.read(path, as: .gray16).samples16 == expected.map { UInt16($0) })
        // Clipping: values beyond the window are black and white; NaN is black.
        var img = Self.ramp
        img.pixels[0] = .nan
        try img.writePNG(to: path, contrast: .window(low: 5, high: 10), depth: 16)
        let clipped = try PNGFile.read(path, as: .gray16).samples16
        #expect(clipped[10] == 0 && clipped[0] == 65535)   // bottom row (y = 0) is PNG row 2; top row is white
    }

    @Test func contrastWindowsMatchNumpy() throws {
        var rng = SplitMix64(seed: 5)
        let values = (0 ..< 20_000).map { _ in Float(rng.nextGaussian() * 3 + 1) }
        let dir = TestEnv.temporaryDirectory("contrast")
        defer { TestEnv.removeTemporary(dir) }
        let raw = dir + "/v.f32"
        try values.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: raw))
        let out = try TestEnv.python("""
        import sys, numpy as np
        v = np.fromfile(sys.argv[1], dtype='<f4').astype(np.float64)
        print(np.percentile(v, 0.5), np.percentile(v, 99.5), np.percentile(v, 2), np.percentile(v, 98), v.mean() - 3 * v.std(), v.mean() + 3 * v.std())
        """, [raw]).split(separator: " ").map { Double($0.trimmingCharacters(in: .whitespacesAndNewlines))! }
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-4 * max(1, abs(b)) }
        let p = Contrast.standard.window(for: values)
        #expect(close(p.low, out[0]) && close(p.high, out[1]), "\(p) vs \(out[0 ..< 2])")
        let p2 = Contrast(argument: "percentile:2,98")!.window(for: values)
        #expect(close(p2.low, out[2]) && close(p2.high, out[3]))
        let s = Contrast(argument: "sigma:3")!.window(for: values)
        #expect(close(s.low, out[4]) && close(s.high, out[5]), "\(s) vs \(out[4 ..< 6])")
        // Parsing: the canonical form round-trips; nonsense is refused.
        for spec in ["percentile:0.5,99.5", "sigma:3", "minmax", "window:-1,2", "sigma:2.5"] {
            #expect(Contrast(argument: spec)?.argument == spec)
        }
        #expect(Contrast(argument: "1,99") == .percentile(low: 1, high: 99))
        for bad in ["percentile:99,1", "percentile:-1,50", "sigma:0", "sigma:x", "window:2,1", "median", ""] {
            #expect(Contrast(argument: bad) == nil, "\(bad)")
        }
        // A flat image maps to mid-grey instead of dividing by zero.
        let flat = Contrast.standard.window(for: [Float](repeating: 7, count: 100))
        #expect(flat == ContrastWindow(low: 6.5, high: 7.5))
    }

    @Test func percentileSelectionEqualsSortingEvenWithManyEqualValues() {
        var rng = SplitMix64(seed: 3)
        for (count, distinct) in [(1, 1), (2, 2), (101, 3), (1000, 1), (5000, 7), (4097, 4097), (3000, 0)] {
            // distinct 0: values spread over every exponent and both signs, so all three radix passes split.
            let values = (0 ..< count).map { _ -> Float in
                distinct > 0 ? Float(rng.next() % UInt64(distinct)) - 2
                    : Float(rng.nextGaussian()) * Float(pow(10, Double(Int(rng.next() % 60)) - 30)) }
            let sorted = values.sorted()
            for q in [0.0, 0.005, 0.25, 0.5, 0.995, 1.0] {
                let pos = q * Double(count - 1), i = Int(pos.rounded(.down)), f = pos - Double(i)
                let expected = i + 1 < count ? Float(Double(sorted[i]) * (1 - f) + Double(sorted[i + 1]) * f) : sorted[i]
                #expect(Contrast.quantile(values, q) == expected, "\(count) values, \(distinct) distinct, q \(q)")
            }
        }
    }

    /// Radix selection gives every rank of a sort of the finite values, whatever the exponents and signs,
    /// with NaN and infinities left out and sampling by a step taking every step-th value.
    @Test func orderStatisticsEqualSortingAtEveryRank() {
        var rng = SplitMix64(seed: 11)
        var values = (0 ..< 2500).map { i -> Float in
            switch i % 5 {
            case 0: return Float(rng.nextGaussian()) * 1e-30
            case 1: return Float(rng.nextGaussian()) * 1e30
            case 2: return Float(Int(rng.next() % 5)) - 2
            default: return Float(rng.nextGaussian())
            }
        }
        values += [.nan, .infinity, -.infinity, 0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        let finite = values.filter(\.isFinite)
        let sorted = finite.sorted()
        let stats = OrderStatistics(values)
        #expect(stats.count == finite.count)
        let all = stats.values(atRanks: Array(0 ..< finite.count))
        #expect(all == sorted)   // -0 == 0, so the two zeros compare equal in either order
        let reversedRanks = Array((0 ..< finite.count).reversed())
        #expect(stats.values(atRanks: reversedRanks) == sorted.reversed())
        let sampled = OrderStatistics(values, step: 7)
        let every7 = stride(from: 0, to: values.count, by: 7).map { values[$0] }.filter(\.isFinite).sorted()
        #expect(sampled.values(atRanks: Array(0 ..< sampled.count)) == every7)
        #expect(Contrast.quantile([Float.nan, .infinity], 0.5).isNaN)
    }

    @Test func areaAveragingMatchesANumpyReference() throws {
        var rng = SplitMix64(seed: 9)
        let w = 100, h = 70
        let img = GrayImage(width: w, height: h, pixelSize: 1.2, pixels: (0 ..< w * h).map { _ in Float(rng.nextGaussian()) })
        let small = img.downscaled(toFit: 30)
        #expect(small.width == 30 && small.height == 21)
        #expect(abs(small.pixelSize - 1.2 * 100 / 30) < 1e-9)
        let dir = TestEnv.temporaryDirectory("downscale")
        defer { TestEnv.removeTemporary(dir) }
        try img.pixels.withUnsafeBytes { Data($0) }.write(to: URL(fileURLWithPath: dir + "/in.f32"))
        // Reference: the exact integral of the piecewise-constant image over each output pixel's footprint,
        // from cumulative sums (np.interp of the running sum at the footprint's edges), one axis at a time.
        try TestEnv.python("""
        import sys, numpy as np
        a = np.fromfile(sys.argv[1] + '/in.f32', dtype='<f4').astype(np.float64).reshape(70, 100)
        def shrink(a, m, axis):
            a = np.moveaxis(a, axis, -1)                 # shrink along the last axis
            n = a.shape[-1]
            c = np.concatenate([np.zeros(a.shape[:-1] + (1,)), np.cumsum(a, axis=-1)], axis=-1)
            edges = np.linspace(0, n, m + 1)
            f = np.stack([np.interp(edges, np.arange(n + 1), row) for row in c.reshape(-1, n + 1)])
            r = np.diff(f.reshape(a.shape[:-1] + (m + 1,)), axis=-1) / np.diff(edges)
            return np.moveaxis(r, -1, axis)
        shrink(shrink(a, 30, 1), 21, 0).astype('<f8').tofile(sys.argv[1] + '/out.f64')
        """, [dir])
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/out.f64"))
        let ref = data.withUnsafeBytes { raw in (0 ..< data.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
        #expect(ref.count == small.pixels.count)
        let worst = zip(small.pixels, ref).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-5, "largest difference from the numpy area average: \(worst)")
        // Whole factors are plain block means; images already small enough are left alone.
        let blocks = GrayImage(width: 4, height: 2, pixels: [1, 3, 5, 7, 2, 4, 6, 8]).downscaled(toFit: 2)
        #expect(blocks.pixels == [2.5, 6.5])
        #expect(img.downscaled(toFit: 200) == img)
    }

    @Test func galleryHasTheExpectedGridAndReadableLabels() throws {
        let dir = TestEnv.temporaryDirectory("gallery")
        defer { TestEnv.removeTemporary(dir) }
        // Five flat 40 × 40 tiles of values 0…4 shown with one shared window 0…4: grey level k · 255 / 4.
        let tiles = (0 ..< 5).map { k in
            Gallery.Tile(image: GrayImage(width: 40, height: 40, repeating: Float(k)), label: Gallery.classLabel(k + 1, occupancy: 0.1 * Double(k + 1)))
        }
        let gallery = Gallery(tiles: tiles, tileSize: 64, contrast: .window(low: 0, high: 4), sharedContrast: true)
        let path = dir + "/g.png"
        let layout = try gallery.writePNG(to: path)
        #expect(layout.columns == 3 && layout.rows == 2)
        #expect(layout.tileSide == 40, "40-pixel pictures are not enlarged to 64 (a whole factor would be needed)")
        #expect(layout.cellWidth >= 40)
        let d = try Self.pillow(path)
        #expect(d.mode == "RGB" && d.width == layout.width && d.height == layout.height)
        func pixel(_ x: Int, _ y: Int) -> Int { d.samples[(y * d.width + x) * 3] }   // red channel (grey)
        for k in 0 ..< 5 {
            let p = layout.pictureOrigin(k, width: 40, height: 40)
            #expect(pixel(p.x + 20, p.y + 20) == Int((Double(k) * 255 / 4).rounded()), "tile \(k)")
            // The label band under the tile has dark text pixels, centred under the picture.
            let o = layout.tileOrigin(k)
            var dark = 0
            for y in (o.y + layout.tileSide) ..< (o.y + layout.cellHeight) {
                for x in o.x ..< (o.x + layout.cellWidth) where pixel(x, y) < 100 { dark += 1 }
            }
            #expect(dark > 30, "label of tile \(k) drawn: \(dark) dark pixels")
        }
        // The sixth cell is empty: all white.
        let o = layout.tileOrigin(5)
        var nonWhite = 0
        for y in o.y ..< (o.y + layout.cellHeight) { for x in o.x ..< (o.x + layout.cellWidth) where pixel(x, y) != 255 { nonWhite += 1 } }
        #expect(nonWhite == 0)
        #expect(Gallery.classLabel(3, occupancy: 0.214) == "class 3 · 21.4 %")
        #expect(Gallery.classNumber(fromFileName: "Class3D/job012/run_it025_class003.mrc") == 3)
        #expect(throws: PictureError.self) { try Gallery(tiles: []).render() }
    }

    @Test func galleryColumnsAndEnlargementByWholeFactors() throws {
        let tiles = (0 ..< 7).map { Gallery.Tile(image: GrayImage(width: 30, height: 20, repeating: Float($0)), label: "m\($0)") }
        let l = Gallery(tiles: tiles, columns: 2, tileSize: 100).layout
        #expect(l.columns == 2 && l.rows == 4)
        #expect(l.tileSide == 90, "30-pixel pictures grow by 3 to fit 100")
        #expect(l.width == l.margin + 2 * (l.cellWidth + l.margin) && l.height == l.margin + 4 * (l.cellHeight + l.margin))
        #expect(GrayImage(width: 30, height: 20).scaled(toFit: 100).width == 90)
        #expect(GrayImage(width: 300, height: 200).scaled(toFit: 100).width == 100)
    }
}
