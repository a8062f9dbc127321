@testable import EMCore
import Foundation
import Testing
import TestSupport

/// FSC on data whose answer is known on paper: plane waves, hand-made curves, the shell geometry counted by
/// brute force, RELION's correction formula, and the errors for inputs that do not fit.
@Suite struct FSCKnownAnswerTests {
    /// A map of plane waves cos/sin(2π·k·x/n) along one axis; `terms` are (amplitude, axis 0/1/2, k, sine?).
    static func waves(n: Int, mean: Float, _ terms: [(Float, Int, Int, Bool)], angpix: Double = 2) -> Volume {
        var v = Volume(size: GridSize(n, n, n), voxelSize: VoxelSize(isotropic: angpix), repeating: mean)
        for z in 0 ..< n {
            for y in 0 ..< n {
                for x in 0 ..< n {
                    var s = mean
                    for (a, axis, k, sine) in terms {
                        let t = 2 * Double.pi * Double(k * [x, y, z][axis]) / Double(n)
                        s += a * Float(sine ? sin(t) : cos(t))
                    }
                    v.data[x + n * (y + n * z)] = s
                }
            }
        }
        return v
    }

    /// half1 = m + 2·cos(5z) + cos(5y) − 3·cos(3x) + cos(9z) + 2·cos(7x) + cos(7y);
    /// half2 = m + 2·cos(5z) − cos(5y) + 3·cos(3x) + sin(9z) + 2·cos(7x) − cos(7y).
    /// Shell 0 (the mean): +1. Shell 3: one wave with opposite signs: −1. Shell 5: a shared wave of amplitude 2
    /// and one of amplitude 1 with flipped sign: (2² − 1²)/(2² + 1²) = 0.6. Shell 9: cosine against sine: 0.
    /// Shell 7 shows the half-complex counting RELION uses: the x wave has one stored coefficient (kx = +7),
    /// the y wave two (ky = ±7 at kx = 0), so FSC = (2² − 2·1²)/(2² + 2·1²) = 1/3 (numpy's rfftn gives the same).
    @Test(arguments: [32, 33])
    func planeWavesGiveTheirAnalyticCorrelations(n: Int) throws {
        let dir = TestEnv.temporaryDirectory("fsc-waves")
        defer { TestEnv.removeTemporary(dir) }
        let h1 = FSCKnownAnswerTests.waves(n: n, mean: 0.5, [(2, 2, 5, false), (1, 1, 5, false), (-3, 0, 3, false), (1, 2, 9, false),
                                                              (2, 0, 7, false), (1, 1, 7, false)])
        let h2 = FSCKnownAnswerTests.waves(n: n, mean: 0.5, [(2, 2, 5, false), (-1, 1, 5, false), (3, 0, 3, false), (1, 2, 9, true),
                                                              (2, 0, 7, false), (-1, 1, 7, false)])
        try MRCWriter.write(h1, to: dir + "/h1.mrc")
        try MRCWriter.write(h2, to: dir + "/h2.mrc")
        let c = try FSCReport.compute(half1: dir + "/h1.mrc", half2: dir + "/h2.mrc").unmasked
        #expect(c.shellCount == n / 2 + 1)
        #expect(abs(c.correlation[0] - 1) < 1e-6)
        #expect(abs(c.correlation[3] + 1) < 1e-5)
        #expect(abs(c.correlation[5] - 0.6) < 1e-5)
        #expect(abs(c.correlation[9]) < 1e-4)
        #expect(abs(c.correlation[7] - 1.0 / 3) < 1e-5)
        #expect(c.pixelSize == 2 && c.boxSize == n)
        #expect(abs(c.resolution(5) - Double(n) * 2 / 5) < 1e-12)
        #expect(abs(c.spatialFrequency(8) - 8 / (Double(n) * 2)) < 1e-15)
    }

    /// Shell sizes are the number of half-complex coefficients (kx ≥ 0) with round(|k|) = i, counted here by
    /// brute force over the signed frequencies.
    @Test(arguments: [16, 15, 20])
    func shellCountsMatchABruteForceCount(n: Int) throws {
        let dir = TestEnv.temporaryDirectory("fsc-count")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: n, voxelSize: 1, noise: 0.1, seed: 3)
        try MRCWriter.write(v, to: dir + "/a.mrc")
        let c = try FSCReport.compute(half1: dir + "/a.mrc", half2: dir + "/a.mrc").unmasked
        var expected = [Int](repeating: 0, count: n / 2 + 1)
        let freqs = (0 ..< n).map { $0 <= n / 2 ? $0 : $0 - n }
        for kz in freqs {
            for ky in freqs {
                for kx in 0 ... n / 2 {
                    let shell = Int((Double(kx * kx + ky * ky + kz * kz).squareRoot()).rounded())
                    if shell <= n / 2 { expected[shell] += 1 }
                }
            }
        }
        #expect(c.counts == expected)
        // A map against itself correlates perfectly in every shell, with a warning and a Nyquist-limited crossing.
        #expect(c.correlation.allSatisfy { abs($0 - 1) < 1e-6 })
        let same = try FSCReport.compute(half1: dir + "/a.mrc", half2: dir + "/a.mrc")
        #expect(same.warnings.count == 1 && same.warnings[0].contains("both half-maps") && same.resolution0143.reachesLastShell)
    }

    /// RELION's rule on a hand-made curve: the last shell before the first drop below the threshold, later
    /// rises ignored; the interpolated value is linear in spatial frequency between those two shells.
    @Test func crossingsFollowRelionsRule() {
        let c = FSCCurve(boxSize: 100, pixelSize: 1, correlation: [1, 1, 0.9, 0.6, 0.2, 0.1, 0.3, 0, 0],
                         counts: [Int](repeating: 1, count: 9))
        let x = c.crossing(0.143)
        #expect(x.shell == 4 && x.resolution == 25 && !x.reachesLastShell)
        let f = 0.04 + (0.2 - 0.143) / (0.2 - 0.1) * 0.01
        #expect(abs(x.interpolatedResolution! - 1 / f) < 1e-9)
        let h = c.crossing(0.5)
        #expect(h.shell == 3 && abs(h.resolution! - 100.0 / 3) < 1e-12)
        // Never below: Nyquist-limited, flagged.
        let flat = FSCCurve(boxSize: 10, pixelSize: 2, correlation: [1, 0.9, 0.8, 0.7, 0.6, 0.5], counts: [1, 1, 1, 1, 1, 1])
        let n = flat.crossing(0.143)
        #expect(n.reachesLastShell && n.shell == 5 && n.resolution == 4 && n.interpolatedResolution == nil)
        // Below from shell 1 on: no resolution (RELION leaves its 999 Å).
        let none = FSCCurve(boxSize: 10, pixelSize: 2, correlation: [1, 0.1, 0.05, 0, 0, 0], counts: [1, 1, 1, 1, 1, 1])
        #expect(none.crossing(0.143).resolution == nil)
    }

    /// FSC_true = (FSCₜ − FSCₙ)/(1 − FSCₙ) from the randomisation shell + 2 on, FSCₜ below.
    @Test func correctionUsesRelionsFormulaFromTwoShellsBeyondRandomisation() {
        let t = FSCCurve(boxSize: 10, pixelSize: 1, correlation: [1, 0.9, 0.8, 0.7, 0.6, 0.5], counts: [1, 1, 1, 1, 1, 1])
        let r = FSCCurve(boxSize: 10, pixelSize: 1, correlation: [1, 0.9, 0.7, 0.5, 0.2, 0.1], counts: [1, 1, 1, 1, 1, 1])
        let c = FSCReport.correct(masked: t, randomized: r, from: 2)
        #expect(Array(c.correlation[0 ..< 4]) == [1, 0.9, 0.8, 0.7])
        #expect(abs(c.correlation[4] - 0.5) < 1e-12)
        #expect(abs(c.correlation[5] - 0.4 / 0.9) < 1e-12)
    }

    /// Plans are made once per size and reused; a different size gets its own plan.
    @Test func plansAreReusedPerSize() throws {
        let a = try FourierVolume(size: GridSize(24, 24, 24)), b = try FourierVolume(size: GridSize(24, 24, 24))
        let pa = try FFTPlan.shared(size: a.size, direction: .forward, rigor: a.rigor, buffer: a.storage)
        let pb = try FFTPlan.shared(size: b.size, direction: .forward, rigor: b.rigor, buffer: b.storage)
        #expect(pa === pb)
        let c = try FourierVolume(size: GridSize(26, 26, 26))
        #expect(try FFTPlan.shared(size: c.size, direction: .forward, rigor: c.rigor, buffer: c.storage) !== pa)
        #expect(pa.threads == Parallel.threadCount)
    }

    /// A plan made by estimate (no wisdom for this odd size, measuring not asked for) is listed by
    /// `estimatedSizes`, which `emtools fsc` uses for its --fft-measure tip.
    @Test func estimatedPlansAreListed() throws {
        let size = GridSize(27, 25, 23)
        let v = try FourierVolume(size: size, rigor: .estimate)
        let p = try FFTPlan.shared(size: size, direction: .forward, rigor: .estimate, buffer: v.storage)
        #expect(!p.isMeasured)
        #expect(FFTPlan.estimatedSizes.contains(size))
    }

    /// A transform round trip returns the map times the voxel count (FFTW's unnormalised convention).
    @Test func forwardThenInverseScalesByTheVoxelCount() throws {
        let v = Phantom.blobs(n: 12, voxelSize: 1, noise: 0.2, seed: 5)
        let f = try FourierVolume(size: v.size)
        f.load(v)
        try f.forward()
        try f.inverse()
        var worst: Float = 0
        for z in 0 ..< 12 { for y in 0 ..< 12 { for x in 0 ..< 12 {
            worst = max(worst, abs(f.value(x: x, y: y, z: z) / 1728 - v.data[x + 12 * (y + 12 * z)]))
        } } }
        #expect(worst < 1e-5)
    }

    /// Inputs that do not fit are refused with errors naming the files.
    @Test func mismatchedOrUnsuitableInputsAreClearErrors() throws {
        let dir = TestEnv.temporaryDirectory("fsc-errors")
        defer { TestEnv.removeTemporary(dir) }
        func write(_ name: String, _ size: GridSize, _ angpix: Double) throws -> String {
            let p = dir + "/" + name
            try MRCWriter.write(Volume(size: size, voxelSize: VoxelSize(isotropic: angpix), repeating: 1), to: p)
            return p
        }
        let a = try write("a.mrc", GridSize(16, 16, 16), 1.0)
        let b = try write("b.mrc", GridSize(18, 18, 18), 1.0)
        let c = try write("c.mrc", GridSize(16, 16, 16), 1.2)
        let flat = try write("flat.mrc", GridSize(16, 16, 12), 1.0)
        let tiny = try write("tiny.mrc", GridSize(2, 2, 2), 1.0)
        let nopix = try write("nopix.mrc", GridSize(16, 16, 16), 0)
        #expect(throws: FourierError.halfMapSizes(path1: a, size1: GridSize(16, 16, 16), path2: b, size2: GridSize(18, 18, 18))) {
            try FSCReport.compute(half1: a, half2: b)
        }
        // (Pixel sizes come from Float header words: compare the message, not the Double values.)
        #expect(throws: FourierError.self) { try FSCReport.compute(half1: a, half2: c) }
        do { _ = try FSCReport.compute(half1: a, half2: c) } catch {
            #expect("\(error)" == "half-maps differ in pixel size: \(a) has 1.0000 Å but \(c) has 1.2000 Å; fix the headers or give --angpix")
        }
        #expect(throws: FourierError.notCubic(path: flat, size: GridSize(16, 16, 12))) { try FSCReport.compute(half1: flat, half2: flat) }
        #expect(throws: FourierError.tooSmall(path: tiny, size: GridSize(2, 2, 2))) { try FSCReport.compute(half1: tiny, half2: tiny) }
        #expect(throws: FourierError.self) { try FSCReport.compute(half1: nopix, half2: nopix) }
        #expect(throws: FourierError.maskSize(path: b, mask: GridSize(18, 18, 18), maps: GridSize(16, 16, 16))) {
            try FSCReport.compute(half1: a, half2: a, mask: b)
        }
        #expect(throws: FileError.notFound(path: dir + "/missing.mrc")) { try FSCReport.compute(half1: a, half2: dir + "/missing.mrc") }
        // An explicit pixel size settles a disagreement between headers.
        let r = try FSCReport.compute(half1: Self.noisy(dir, "n1.mrc", 1.0, 1), half2: Self.noisy(dir, "n2.mrc", 1.2, 2),
                                      options: FSCOptions(pixelSize: 1.1))
        #expect(r.pixelSize == 1.1 && r.unmasked.pixelSize == 1.1)
        // A mask with values outside 0…1 is refused.
        let hot = dir + "/hot.mrc"
        try MRCWriter.write(Volume(size: GridSize(16, 16, 16), voxelSize: VoxelSize(isotropic: 1), repeating: 2), to: hot)
        #expect(throws: FourierError.maskRange(path: hot, min: 2, max: 2)) { try FSCReport.compute(half1: a, half2: a, mask: hot) }
        let zero = dir + "/zero.mrc"
        try MRCWriter.write(Volume(size: GridSize(16, 16, 16), voxelSize: VoxelSize(isotropic: 1), repeating: 0), to: zero)
        #expect(throws: FourierError.emptyMask(path: zero)) { try FSCReport.compute(half1: a, half2: a, mask: zero) }
        // Every message is one line and names the file.
        #expect(FourierError.notCubic(path: flat, size: GridSize(16, 16, 12)).description.contains(flat))
        #expect(!FourierError.pixelSizes(path1: a, size1: 1, path2: c, size2: 1.2).description.contains("\n"))
    }

    static func noisy(_ dir: String, _ name: String, _ angpix: Double, _ seed: UInt64) throws -> String {
        let p = dir + "/" + name
        try MRCWriter.write(Phantom.blobs(n: 16, voxelSize: angpix, noise: 0.05, seed: seed), to: p)
        return p
    }
}
