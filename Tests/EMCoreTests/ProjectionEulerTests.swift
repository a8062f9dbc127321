@testable import EMCore
import Foundation
import Testing
import TestSupport

/// RELION's Euler convention (ZYZ, rot–tilt–psi, rotating the coordinate system) checked on the asymmetric
/// phantom: quarter-turn orientations must equal axis projections with a known transposition and mirror,
/// so a swapped angle, a sign error or a transposed matrix fails.
@Suite struct ProjectionEulerTests {
    static let n = 40
    static let phantom = Phantom.blobs(n: n)

    /// `image(i, j)` for all i in 1..<n (column 0 is the ray outside the box for even n), j in 0..<n.
    static func expectEqual(_ image: GrayImage, _ expected: (Int, Int) -> Float, _ what: String) {
        let scale = image.pixels.map(abs).max()!
        var worst: Float = 0
        for j in 0 ..< n { for i in 1 ..< n { worst = max(worst, abs(image[i, j] - expected(i, j))) } }
        #expect(worst <= 1e-4 * scale, "\(what): largest difference \(worst) of \(scale)")
    }

    @Test func zeroAnglesGiveTheZProjection() throws {
        let v = Self.phantom
        for kind in ProjectionKind.allCases {
            let oriented = try v.projection(at: EulerAngles(rot: 0, tilt: 0, psi: 0), kind: kind)
            let axis = v.projection(along: .z, kind: kind)
            // Equal up to rounding: the order of the additions (8 SIMD lanes along each ray against one pass
            // over z) and interpolation weights that are zero only to within Float precision.
            let worst = zip(oriented.pixels, axis.pixels).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-6 * axis.pixels.max()!, "\(kind): largest difference \(worst)")
        }
    }

    @Test func tilt90LooksAlongXWithImageXAlongMinusZ() throws {
        // A(0, 90, 0) has rows (0, 0, −1), (0, 1, 0), (1, 0, 0): image x is map −z, image y is map y, rays along x.
        let v = Self.phantom, n = Self.n
        for kind in ProjectionKind.allCases {
            let p = try v.projection(at: EulerAngles(rot: 0, tilt: 90, psi: 0), kind: kind)
            let px = v.projection(along: .x, kind: kind)          // columns y, rows z
            Self.expectEqual(p, { i, j in px[j, n - i] }, "tilt 90 \(kind)")
        }
    }

    @Test func rot90Tilt90LooksAlongYWithImageYAlongMinusX() throws {
        // A(90, 90, 0) has rows (0, 0, −1), (−1, 0, 0), (0, 1, 0): image x is −z, image y is −x, rays along y.
        let v = Self.phantom, n = Self.n
        let p = try v.projection(at: EulerAngles(rot: 90, tilt: 90, psi: 0))
        let py = v.projection(along: .y)                          // columns x, rows z
        let scale = p.pixels.map(abs).max()!
        var worst: Float = 0
        for j in 1 ..< n { for i in 1 ..< n { worst = max(worst, abs(p[i, j] - py[n - j, n - i])) } }
        #expect(worst <= 1e-4 * scale, "rot 90 tilt 90: largest difference \(worst) of \(scale)")
    }

    @Test func psiTurnsTheZProjectionInItsPlane() throws {
        // A(0, 0, 90) has rows (0, 1, 0), (−1, 0, 0), (0, 0, 1): image x is map y, image y is map −x.
        let v = Self.phantom, n = Self.n
        let p = try v.projection(at: EulerAngles(rot: 0, tilt: 0, psi: 90))
        let pz = v.projection(along: .z)
        var worst: Float = 0
        for j in 1 ..< n { for i in 0 ..< n { worst = max(worst, abs(p[i, j] - pz[n - j, i])) } }
        #expect(worst <= 1e-4 * pz.pixels.max()!)
        // rot alone turns the map the other way round: A(90, 0, 0) = A(0, 0, 90) for the z projection.
        let r = try v.projection(at: EulerAngles(rot: 90, tilt: 0, psi: 0))
        #expect(zip(r.pixels, p.pixels).map { abs($0 - $1) }.max()! <= 1e-4 * pz.pixels.max()!)
    }

    @Test func theSmallBlobBelowTheMapAppearsWhereTheConventionPutsIt() throws {
        // The phantom's −z blob (height 1.2, at x = y = c − 0.05 n, z = c − 0.25 n) is its brightest feature.
        // Seen from tilt 90 (image x = map −z, image y = map y) it must be right of centre and slightly low.
        let v = Self.phantom, n = Self.n, c = n / 2
        let p = try v.projection(at: EulerAngles(rot: 0, tilt: 90, psi: 0), kind: .maximum)
        let zBlob = Int((0.25 * Double(n)).rounded())
        let brightest = p.pixels.indices.max { p.pixels[$0] < p.pixels[$1] }!
        let (bi, bj) = (brightest % n, brightest / n)
        #expect(abs(bi - (c + zBlob)) <= 1, "brightest column \(bi), expected \(c + zBlob)")
        #expect(abs(bj - (c - Int(0.05 * Double(n)))) <= 1, "brightest row \(bj)")
    }

    @Test func nonCubicMapsKeepTheirCentreAndClipRaysToTheBox() throws {
        // 30 × 40 × 20 voxels, centre (15, 20, 10). Seen from tilt 90 the image is 30 × 40 and pixel (i, j)
        // sums the row y = j, z = 25 − i along x: inside the box for i = 6…25, empty elsewhere.
        let blobs = [Phantom.Blob(center: SIMD3(12, 25, 7), sigma: 3, height: 1), Phantom.Blob(center: SIMD3(20, 10, 14), sigma: 2, height: 2)]
        let cube = Phantom.blobs(n: 40, blobs: blobs)
        var v = Volume(size: GridSize(30, 40, 20))
        for z in 0 ..< 20 { for y in 0 ..< 40 { for x in 0 ..< 30 { v[x, y, z] = cube[x, y, z] } } }
        let p = try v.projection(at: EulerAngles(rot: 0, tilt: 90, psi: 0))
        #expect(p.width == 30 && p.height == 40)
        let px = v.projection(along: .x)                          // columns y (40), rows z (20)
        var worst: Float = 0, outside: Float = 0
        for j in 0 ..< 40 {
            for i in 0 ..< 30 {
                if (6 ... 25).contains(i) { worst = max(worst, abs(p[i, j] - px[j, 25 - i])) } else { outside = max(outside, abs(p[i, j])) }
            }
        }
        #expect(worst <= 1e-5 * px.pixels.max()!, "largest difference \(worst)")
        #expect(outside == 0)
    }

    @Test func matrixIsRELIONsEulerAngles2MatrixAndARotation() {
        let e = EulerAngles(rot: 30, tilt: 60, psi: -10)
        let a = e.matrix
        let d = Double.pi / 180
        // Rz(psi)·Ry(tilt)·Rz(rot) of coordinate-system rotations, composed independently here.
        func rz(_ t: Double) -> RotationMatrix { RotationMatrix(rows: (SIMD3(cos(t), sin(t), 0), SIMD3(-sin(t), cos(t), 0), SIMD3(0, 0, 1))) }
        func ry(_ t: Double) -> RotationMatrix { RotationMatrix(rows: (SIMD3(cos(t), 0, -sin(t)), SIMD3(0, 1, 0), SIMD3(sin(t), 0, cos(t)))) }
        let composed = rz(-10 * d) * ry(60 * d) * rz(30 * d)
        for r in 0 ..< 3 { for c in 0 ..< 3 { #expect(abs(a[r, c] - composed[r, c]) < 1e-12) } }
        let identity = a * a.transposed
        for r in 0 ..< 3 { for c in 0 ..< 3 { #expect(abs(identity[r, c] - (r == c ? 1 : 0)) < 1e-12) } }
        // The viewing direction (third row) is (sinθ cosφ, sinθ sinφ, cosθ).
        let v = e.viewingDirection
        #expect(abs(v.x - sin(60 * d) * cos(30 * d)) < 1e-12 && abs(v.y - sin(60 * d) * sin(30 * d)) < 1e-12 && abs(v.z - cos(60 * d)) < 1e-12)
    }

    @Test func anglesParseFromTheCommandLineForm() {
        #expect(EulerAngles(argument: "30,60,-10") == EulerAngles(rot: 30, tilt: 60, psi: -10))
        #expect(EulerAngles(argument: " -45.5 , 90, 0 ") == EulerAngles(rot: -45.5, tilt: 90, psi: 0))
        #expect(EulerAngles(argument: "30,60") == nil)
        #expect(EulerAngles(argument: "30,60,x") == nil)
        #expect(EulerAngles(argument: "30,60,nan") == nil)
        #expect(EulerAngles(rot: 30, tilt: 60, psi: -10).fileTag == "r30_t60_p-10")
        #expect(EulerAngles(rot: 1.5, tilt: 0, psi: 0).fileTag == "r1.5_t0_p0")
    }

    @Test func tooThinMapsCannotBeRotated() {
        let flat = Volume(size: GridSize(8, 8, 1))
        #expect(throws: PictureError.tooSmallToRotate(path: "<memory>", size: GridSize(8, 8, 1))) {
            try flat.projection(at: EulerAngles(rot: 0, tilt: 30, psi: 0))
        }
    }
}
