@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Oriented projections of a generated asymmetric map against `relion_project` (RELION 3.1, Fourier-slice
/// projection, padding 2) at the same Euler angles: the pictures must correlate above 0.99, and a wrong
/// convention (angles swapped, psi negated) must correlate clearly worse (0.1–0.8 here), so the check can fail.
@Suite(.serialized) struct ProjectionRelionTests {
    static let n = 64

    /// Angle sets (rot, tilt, psi) in degrees: the identity, quarter turns, and general orientations with
    /// non-trivial tilt and psi, including tilt past 90°.
    static let angleSets: [(Double, Double, Double)] = [
        (0, 0, 0), (0, 90, 0), (90, 90, 0), (30, 60, -10), (-45, 90, 30), (120, 35, 75), (200, 150, -120), (10, 170, 40),
    ]

    /// Pearson correlation of two equally long arrays.
    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for (x, y) in zip(a, b) {
            let dx = Double(x) - ma, dy = Double(y) - mb
            sab += dx * dy; saa += dx * dx; sbb += dy * dy
        }
        return sab / (saa * sbb).squareRoot()
    }

    /// RELION's projection of `map` at `angles`, read back through EMCore.
    static func relionProjection(of map: String, _ a: (Double, Double, Double), in dir: String) throws -> GrayImage {
        let out = dir + "/relion_\(a.0)_\(a.1)_\(a.2).mrc"
        let r = try TestEnv.run(TestEnv.relion("relion_project"),
                                ["--i", map, "--o", out, "--rot", "\(a.0)", "--tilt", "\(a.1)", "--psi", "\(a.2)", "--angpix", "1"])
        guard r.status == 0 else { throw TestFailure("relion_project failed (\(r.status)): \(r.stderr)") }
        let file = try MRCFile.open(out)
        #expect(file.gridSize == GridSize(n, n, 1))
        return try file.slice(across: .z, at: 0)
    }

    @Test func orientedProjectionsCorrelateWithRelionProject() throws {
        let dir = TestEnv.temporaryDirectory("proj-relion")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/phantom.mrc"
        // Four blobs of equal weight far from the centre and from each other (and within 0.3·n of it, so
        // that no view pushes one out of the box): a wrong rotation moves them, which correlation sees.
        let c = Double(Self.n) / 2, s = Double(Self.n)
        let blobs = [
            Phantom.Blob(center: SIMD3(c + 0.25 * s, c, c), sigma: 0.05 * s, height: 1),
            Phantom.Blob(center: SIMD3(c, c + 0.15 * s, c - 0.12 * s), sigma: 0.04 * s, height: 1.5),
            Phantom.Blob(center: SIMD3(c - 0.1 * s, c - 0.2 * s, c + 0.18 * s), sigma: 0.035 * s, height: 2),
            Phantom.Blob(center: SIMD3(c - 0.15 * s, c + 0.05 * s, c - 0.05 * s), sigma: 0.06 * s, height: 0.6),
        ]
        let volume = Phantom.blobs(n: Self.n, blobs: blobs)
        try MRCWriter.write(volume, to: map)
        let file = try MRCFile.open(map)
        for a in Self.angleSets {
            let angles = EulerAngles(rot: a.0, tilt: a.1, psi: a.2)
            let ours = try file.projection(at: angles)
            let theirs = try Self.relionProjection(of: map, a, in: dir)
            let r = Self.correlation(ours.pixels, theirs.pixels)
            #expect(r > 0.99, "angles \(angles): correlation with relion_project \(r)")
            // The in-memory Volume path gives the same picture as the in-place file path.
            #expect(try volume.projection(at: angles).pixels == ours.pixels)
            if a.1 != 0 && a.1 != 90 {
                // Wrong conventions: rot and psi swapped, or psi negated, must not pass.
                let swapped = try file.projection(at: EulerAngles(rot: a.2, tilt: a.1, psi: a.0))
                let negated = try file.projection(at: EulerAngles(rot: a.0, tilt: a.1, psi: -a.2))
                #expect(Self.correlation(swapped.pixels, theirs.pixels) < 0.9, "angles \(angles) swapped")
                #expect(Self.correlation(negated.pixels, theirs.pixels) < 0.9, "angles \(angles) psi negated")
            }
        }
    }

    @Test func int16MapsAreProjectedFromOneFloatCopyWithTheSameResult() throws {
        let dir = TestEnv.temporaryDirectory("proj-relion-int16")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/phantom16.mrc"
        try MRCWriter.write(Phantom.blobs(n: 32), to: map, options: MRCWriteOptions(mode: .int16, scaling: .fit))
        let file = try MRCFile.open(map)
        #expect(!file.isFloat32InPlace)
        let angles = EulerAngles(rot: 30, tilt: 60, psi: -10)
        #expect(try file.projection(at: angles) == file.readVolume().projection(at: angles))
        let pics = try MapPicture.pictures(of: file, views: [.angles(angles), .angles(EulerAngles(rot: 0, tilt: 90, psi: 0))], size: nil)
        #expect(pics[0] == (try file.readVolume().projection(at: angles)))
        #expect(pics.count == 2)
    }
}
