import Dispatch
import FoundationEssentials
import Glibc

/// The rotations RELION's multi-body refinement and `relion_flex_analyse` use to express a body's motion
/// relative to the consensus (ml_model.cpp `initialiseBodies`, flex_analyser.cpp).
///
/// Conventions: matrices act on column vectors (x, y, z) in pixels relative to the box centre
/// (RELION's "Xmipp origin": voxel index − size/2); Euler angles are RELION's ZYZ (`EulerAngles`).
public enum BodyGeometry {
    /// RELION's `rotation3DMatrix(-90, 'Y')`: the residual body orientations are stored relative to
    /// (rot, tilt, psi) = (0, 90, 0), so `rot90Y · A(0, 90, 0)` is the identity.
    public static let rot90Y = RotationMatrix(rows: (SIMD3(0, 0, 1), SIMD3(0, 1, 0), SIMD3(-1, 0, 0)))

    /// RELION's `alignWithZ(axis)`: the rotation taking the unit vector along `axis` onto +z.
    public static func alignWithZ(_ axis: SIMD3<Double>) -> RotationMatrix {
        let len = (axis * axis).sum().squareRoot()
        let a = len > 0 ? axis / len : axis
        let proj = (a.y * a.y + a.z * a.z).squareRoot()
        if proj > 1e-6 {
            return RotationMatrix(rows: (SIMD3(proj, -a.x * a.y / proj, -a.x * a.z / proj),
                                         SIMD3(0, a.z / proj, -a.y / proj),
                                         SIMD3(a.x, a.y, a.z)))
        }
        return RotationMatrix(rows: (SIMD3(0, 0, -1), SIMD3(0, 1, 0), SIMD3(1, 0, 0)))
    }

    /// The body transformation of flex_analyser.cpp, `Oᵀ · rot90Y · A(rot, tilt, psi) · O`, with O the body's
    /// orientation matrix (`BodyDefinition.orientation`) and (rot, tilt, psi) its residual angles.
    public static func bodyRotation(orientation o: RotationMatrix, residual: EulerAngles) -> RotationMatrix {
        o.transposed * rot90Y * residual.matrix * o
    }

    /// `out(r) = map(Mᵀ·(r − t))` by trilinear interpolation, zero outside the box: RELION's
    /// `applyGeometry(map, out, [M | t], IS_NOT_INV, DONT_WRAP)` for a rotation M and shift t (pixels),
    /// with r measured from the box centre (index − size/2).
    /// - Complexity: O(voxels).
    public static func transform(_ map: [Float], size: GridSize, rotation m: RotationMatrix, shift t: SIMD3<Double>) -> [Float] {
        let (nx, ny, nz) = (size.nx, size.ny, size.nz)
        let c = SIMD3(Double(nx / 2), Double(ny / 2), Double(nz / 2))
        let inv = m.transposed
        var out = [Float](repeating: 0, count: map.count)
        map.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                Parallel.forEachChunk(count: nz, minChunk: 1) { slabs in
                  for k in slabs {
                    for j in 0 ..< ny {
                        for i in 0 ..< nx {
                            let r = SIMD3(Double(i), Double(j), Double(k)) - c - t
                            let p = inv * r + c
                            guard p.x >= -1e-6, p.y >= -1e-6, p.z >= -1e-6,
                                  p.x <= Double(nx - 1) + 1e-6, p.y <= Double(ny - 1) + 1e-6, p.z <= Double(nz - 1) + 1e-6 else { continue }
                            let x0 = Int(max(0, p.x.rounded(.down))), y0 = Int(max(0, p.y.rounded(.down))), z0 = Int(max(0, p.z.rounded(.down)))
                            let fx = p.x - Double(x0), fy = p.y - Double(y0), fz = p.z - Double(z0)
                            var v = 0.0
                            for dz in 0 ... 1 {
                                let z = z0 + dz, wz = dz == 0 ? 1 - fz : fz
                                guard z < nz, wz != 0 else { continue }
                                for dy in 0 ... 1 {
                                    let y = y0 + dy, wy = dy == 0 ? 1 - fy : fy
                                    guard y < ny, wy != 0 else { continue }
                                    for dx in 0 ... 1 {
                                        let x = x0 + dx, wx = dx == 0 ? 1 - fx : fx
                                        guard x < nx, wx != 0 else { continue }
                                        v += wx * wy * wz * Double(src[x + nx * (y + ny * z)])
                                    }
                                }
                            }
                            dst[i + nx * (j + ny * k)] = Float(v)
                        }
                    }
                  }
                }
            }
        }
        return out
    }
}
