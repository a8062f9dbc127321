import EMCore
import Foundation
import Testing
import TestSupport

/// Square 2-D images: the same code gives the Fourier ring correlation, shell by shell equal to
/// `relion_image_handler --fsc` on the same images.
@Suite struct FSCImageTests {
    /// A 2-D image of two Gaussian blobs plus noise from a small deterministic generator.
    static func image(n: Int, seed: UInt64) -> Volume {
        var v = Volume(size: GridSize(n, n, 1), voxelSize: VoxelSize(isotropic: 1.5))
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        for y in 0 ..< n {
            for x in 0 ..< n {
                let dx = Double(x - n / 2), dy = Double(y - n / 2)
                let signal = exp(-((dx - 3) * (dx - 3) + dy * dy) / 30) + 0.5 * exp(-((dx + 6) * (dx + 6) + (dy - 5) * (dy - 5)) / 10)
                // Box–Muller Gaussian noise, σ = 0.05.
                let noise = (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
                v.data[x + n * y] = Float(signal + 0.05 * noise)
            }
        }
        return v
    }

    @Test(arguments: [64, 51])
    func ringCorrelationMatchesRelionImageHandler(n: Int) throws {
        let dir = TestEnv.temporaryDirectory("frc")
        defer { TestEnv.removeTemporary(dir) }
        let a = dir + "/a.mrc", b = dir + "/b.mrc"
        try MRCWriter.write(Self.image(n: n, seed: 1), to: a)
        try MRCWriter.write(Self.image(n: n, seed: 2), to: b)
        let r = try TestEnv.run(TestEnv.relion("relion_image_handler"), ["--i", a, "--fsc", b, "--angpix", "1.5"])
        #expect(r.status == 0, "\(r.stderr)")
        let relion = RelionTable(r.stdout, block: "fsc").column("rlnFourierShellCorrelation")
        let ours = try FSCReport.compute(half1: a, half2: b).unmasked
        #expect(ours.shellCount == n / 2 + 1 && relion.count == ours.shellCount)
        let worst = zip(ours.correlation, relion).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-3, "largest difference from RELION: \(worst)")
        #expect(ours.correlation[1] > 0.99 && ours.correlation.suffix(4).allSatisfy { abs($0) < 0.5 })
    }
}
