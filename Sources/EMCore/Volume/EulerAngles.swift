import Dispatch
import FoundationEssentials
import Glibc

/// An orientation as RELION's three Euler angles in degrees: `rot` (φ, about z), `tilt` (θ, about the new y),
/// `psi` (ψ, about the new z) — the ZYZ convention of RELION's `_rlnAngleRot`, `_rlnAngleTilt`,
/// `_rlnAnglePsi` and of `relion_project --rot --tilt --psi`.
///
/// The matrix `A(rot, tilt, psi)` (see `matrix`) rotates the **coordinate system**: a map point r (relative
/// to the map centre) appears at `A·r` in the rotated frame, and the projection with these angles is the sum
/// of the map along the rotated z axis, P(x, y) = Σ_z V(Aᵀ·(x, y, z)). With all angles zero it is the plain
/// projection along z; (rot, tilt) give the viewing direction and psi turns the image in its plane.
///
/// Quarter turns, as the tests check them on an asymmetric phantom (image x, image y in map axes):
/// `(0, 90, 0)` looks along x with image (−z, y); `(90, 90, 0)` looks along y with image (−z, −x);
/// `(0, 0, 90)` and `(90, 0, 0)` both give the z projection turned to image (y, −x). Projections made with
/// these angles match `relion_project`'s pixel for pixel in orientation (correlation above 0.999).
public struct EulerAngles: Equatable, Codable, CustomStringConvertible {
    /// First rotation about z, in degrees.
    public var rot: Double
    /// Second rotation about the new y, in degrees.
    public var tilt: Double
    /// Third rotation about the new z (in-plane), in degrees.
    public var psi: Double

    public init(rot: Double, tilt: Double, psi: Double) { self.rot = rot; self.tilt = tilt; self.psi = psi }

    /// Parse `ROT,TILT,PSI` in degrees (e.g. `30,60,-10`). Returns nil unless there are three finite numbers.
    public init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingBlanks()) }
        guard parts.count == 3, let r = parts[0], let t = parts[1], let p = parts[2],
              r.isFinite, t.isFinite, p.isFinite else { return nil }
        self.init(rot: r, tilt: t, psi: p)
    }

    /// The rotation matrix `A` of RELION's `Euler_angles2matrix` (rows listed first):
    ///
    ///     ( cψ·cθ·cφ − sψ·sφ    cψ·cθ·sφ + sψ·cφ   −cψ·sθ )
    ///     (−sψ·cθ·cφ − cψ·sφ   −sψ·cθ·sφ + cψ·cφ    sψ·sθ )
    ///     (  sθ·cφ               sθ·sφ               cθ    )
    ///
    /// with φ = rot, θ = tilt, ψ = psi. It equals Rz(ψ)·Ry(θ)·Rz(φ) of coordinate-system rotations.
    public var matrix: RotationMatrix {
        let d = Double.pi / 180
        let (ca, sa) = (cos(rot * d), sin(rot * d))
        let (cb, sb) = (cos(tilt * d), sin(tilt * d))
        let (cg, sg) = (cos(psi * d), sin(psi * d))
        let cc = cb * ca, cs = cb * sa, sc = sb * ca, ss = sb * sa
        return RotationMatrix(rows: (
            SIMD3(cg * cc - sg * sa, cg * cs + sg * ca, -cg * sb),
            SIMD3(-sg * cc - cg * sa, -sg * cs + cg * ca, sg * sb),
            SIMD3(sc, ss, cb)
        ))
    }

    /// The unit vector, in map coordinates, along which the projection looks (the third row of `A`):
    /// (sinθ·cosφ, sinθ·sinφ, cosθ).
    public var viewingDirection: SIMD3<Double> { matrix.rows.2 }

    /// A short tag for file names: `r30_t60_p-10` (integers when whole).
    public var fileTag: String { "r\(Self.short(rot))_t\(Self.short(tilt))_p\(Self.short(psi))" }

    public var description: String { "(rot \(Self.short(rot)), tilt \(Self.short(tilt)), psi \(Self.short(psi)))" }

    static func short(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(cFormat: "%g", v)
    }
}

/// A 3×3 rotation matrix stored by rows, acting on column vectors (x, y, z).
public struct RotationMatrix: Equatable {
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    public init(rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)) { self.rows = rows }

    /// The identity.
    public static let identity = RotationMatrix(rows: (SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1)))

    /// The transpose, which for a rotation is its inverse.
    public var transposed: RotationMatrix {
        let (a, b, c) = rows
        return RotationMatrix(rows: (SIMD3(a.x, b.x, c.x), SIMD3(a.y, b.y, c.y), SIMD3(a.z, b.z, c.z)))
    }

    /// The element in row `r`, column `c` (0-based).
    public subscript(r: Int, c: Int) -> Double {
        let row = r == 0 ? rows.0 : (r == 1 ? rows.1 : rows.2)
        return row[c]
    }

    /// `M·v`.
    public static func * (m: RotationMatrix, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    /// `M·N`.
    public static func * (m: RotationMatrix, n: RotationMatrix) -> RotationMatrix {
        let t = n.transposed
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { SIMD3((r * t.rows.0).sum(), (r * t.rows.1).sum(), (r * t.rows.2).sum()) }
        return RotationMatrix(rows: (row(m.rows.0), row(m.rows.1), row(m.rows.2)))
    }

    public static func == (a: RotationMatrix, b: RotationMatrix) -> Bool {
        a.rows.0 == b.rows.0 && a.rows.1 == b.rows.1 && a.rows.2 == b.rows.2
    }
}
