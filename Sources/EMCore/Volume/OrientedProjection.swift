import Dispatch
import FoundationEssentials
import Glibc

extension Volume {
    /// The projection of the map seen from the RELION orientation `angles` (ZYZ, degrees; see `EulerAngles`).
    ///
    /// Pixel (i, j) is the line integral (or maximum) of the map along the ray r = c + Aᵀ·(i − w/2, j − h/2, t),
    /// where A is `angles.matrix`, c = (nx/2, ny/2, nz/2) is RELION's map origin (integer division) and
    /// w × h = nx × ny the image size. The ray is sampled once per section it crosses, perpendicular to the
    /// map axis closest to the viewing direction, bilinearly within the section, each sample weighted by the
    /// ray length between sections (so a sum keeps the units of an axis sum; see `OrientedProjector`). Rays
    /// are clipped to the box; nothing wraps around. This is what `relion_project --rot --tilt --psi`
    /// computes, up to its Fourier-space interpolation error. Layout as `projection(along: .z)`: columns x,
    /// rows y, row 0 at y = 0; pixel size = voxel size along x. All angles zero give exactly the z projection.
    ///
    /// **Method: real-space ray summation, not the Fourier-slice theorem**, chosen on three counts:
    /// * *Memory.* The ray sum reads the map where it is (for a float32 file, in the mapped file itself). A
    ///   Fourier-slice projector needs the map's 3-D FFT: another full complex copy, and RELION pads twice per
    ///   axis, 8× the map — far past the budget of one extra copy for a 4 GB map.
    /// * *Speed.* The FFT costs O(n³ log n) before the first view, then O(n²) per view; the ray sum costs
    ///   O(n³) per view with no set-up. emtools makes a handful of views per map, where the ray sum wins:
    ///   one view of a 256³ map takes 0.13 s of CPU (0.2 s on two busy cores, 1.5 s of CPU at 512³), where
    ///   `relion_project` (pad 2) took 24–35 s (3.8 s of CPU) for the same view on the same machine.
    /// * *Accuracy.* For maps sampled finer than their resolution (every cryo-EM map) the ray sum of the
    ///   interpolated map agrees with RELION's Fourier-slice projection to a correlation above 0.999 at
    ///   any angle (0.9997–0.9999 for the eight orientations the tests check against `relion_project`;
    ///   wrong conventions give 0.1–0.8). It has
    ///   no wrap-around or gridding artefacts, and it also gives maximum-intensity projections at any angle,
    ///   which a Fourier method cannot.
    ///
    /// - Throws: `PictureError.tooSmallToRotate` when an axis has fewer than 2 voxels.
    /// - Complexity: O(nx·ny·(sections crossed)) ≤ O(n³) per view, bands of image rows spread over all
    ///   cores; no copy of the map.
    public func projection(at angles: EulerAngles, kind: ProjectionKind = .sum) throws -> GrayImage {
        guard size.nx >= 2, size.ny >= 2, size.nz >= 2 else { throw PictureError.tooSmallToRotate(path: "<memory>", size: size) }
        return data.withUnsafeBufferPointer { vol in
            OrientedProjector.project(vol.baseAddress!, size: size, pixelSize: voxelSize.x, angles: angles, kind: kind)
        }
    }
}

extension MRCFile {
    /// True when the data can be projected where it lies: float32 in this machine's byte order, axis order
    /// x, y, z, and 4-byte aligned in memory (always so for NSYMBT a multiple of 4).
    public var isFloat32InPlace: Bool {
        mode == .float32 && header.byteOrder == .native && header.axisOrder == .xyz
            && Int(bitPattern: dataBytes.baseAddress) % MemoryLayout<Float>.alignment == 0
    }

    /// The projection at RELION Euler angles `angles`, as `Volume.projection(at:kind:)`. A float32 file in
    /// native byte order is projected straight from the mapped data (no copy); other files are read into
    /// one Float32 `Volume` first.
    /// - Throws: `PictureError.tooSmallToRotate` naming the file, or the errors of `readVolume()`.
    public func projection(at angles: EulerAngles, kind: ProjectionKind = .sum) throws -> GrayImage {
        let g = gridSize
        guard g.nx >= 2, g.ny >= 2, g.nz >= 2 else { throw PictureError.tooSmallToRotate(path: path, size: g) }
        guard isFloat32InPlace else { return try readVolume().projection(at: angles, kind: kind) }
        let base = dataBytes.baseAddress!.assumingMemoryBound(to: Float.self)
        return OrientedProjector.project(base, size: g, pixelSize: header.voxelSize.x, angles: angles, kind: kind)
    }
}

/// The oriented projector. Every ray is sampled where it crosses the sections perpendicular to the map
/// axis closest to the viewing direction (the "major" axis): one sample per section, bilinear within it,
/// each weighted by the ray length between sections, 1/|direction·axis| (≤ √3). Along an axis this is
/// exactly the axis projection (every sample falls on a voxel), and it takes half the loads of trilinear
/// samples at equal steps (measured on a 256³ view: 0.73 s of CPU for trilinear samples at unit steps
/// along each ray, 0.13 s for this).
///
/// The work is ordered by section rather than by ray: for one section, the sample positions of a row of
/// the image lie on a straight line through it, so each worker reads the sections one after the other
/// while its band of image rows accumulates, and the range of pixels whose rays cross a section is found
/// in closed form, with no test per sample.
enum OrientedProjector {
    /// See `Volume.projection(at:kind:)`; `data` holds `size.count` Float32 values, x fastest.
    static func project(_ data: UnsafePointer<Float>, size: GridSize, pixelSize: Double, angles: EulerAngles, kind: ProjectionKind) -> GrayImage {
        let plan = SectionPlan(size: size, matrix: angles.matrix)
        let (nx, ny) = (size.nx, size.ny)
        var out = [Float](repeating: kind == .sum ? 0 : -.infinity, count: nx * ny)
        out.withUnsafeMutableBufferPointer { o in
            let image = o.baseAddress!
            Parallel.forEachChunk(count: ny, minChunk: 1) { rows in
                for k in 0 ..< plan.nMajor {
                    for j in rows { plan.accumulate(row: j, section: k, data: data, into: image + j * nx, kind: kind) }
                }
            }
        }
        if kind == .sum {
            let w = plan.weight
            for k in out.indices { out[k] *= w }
        } else {
            // Rays that miss the box have no maximum; show them at the lowest value seen.
            let low = out.lazy.filter { $0 > -.infinity }.min() ?? 0
            for k in out.indices where out[k] == -.infinity { out[k] = low }
        }
        return GrayImage(width: nx, height: ny, pixelSize: pixelSize, pixels: out)
    }
}

/// Where image pixel (i, j) samples section k: with the major axis m and the other two axes u, v,
/// u(i, j, k) = u0 + k·gu + i·au + j·bu (and the same for v) — the ray c + Aᵀ·(i − w/2, j − h/2, t) at the t
/// where its m coordinate is k.
struct SectionPlan {
    let major: Int, u: Int, v: Int
    let nx: Int, nMajor: Int, nu: Int, nv: Int
    let sMajor: Int, su: Int, sv: Int
    let u0: Double, gu: Double, au: Double, bu: Double
    let v0: Double, gv: Double, av: Double, bv: Double
    /// Ray length between two sections: the weight of each sample of a sum.
    let weight: Float

    init(size: GridSize, matrix a: RotationMatrix) {
        let ex = a.rows.0, ey = a.rows.1, d = a.rows.2
        let n = [size.nx, size.ny, size.nz], stride = [1, size.nx, size.nx * size.ny]
        let m = abs(d.x) >= abs(d.y) && abs(d.x) >= abs(d.z) ? 0 : (abs(d.y) >= abs(d.z) ? 1 : 2)
        let others = [0, 1, 2].filter { $0 != m }
        major = m; u = others[0]; v = others[1]
        nx = size.nx; nMajor = n[m]; nu = n[u]; nv = n[v]
        sMajor = stride[m]; su = stride[u]; sv = stride[v]
        let c = SIMD3<Double>(Double(size.nx / 2), Double(size.ny / 2), Double(size.nz / 2))
        // Pixel (i, j): p(t) = q + i·ex + j·ey + t·d with q = c − (w/2)·ex − (h/2)·ey; at section k,
        // t = (k − q_m − i·ex_m − j·ey_m) / d_m.
        let q = c - Double(size.nx / 2) * ex - Double(size.ny / 2) * ey
        func coefficients(_ x: Int) -> (Double, Double, Double, Double) {
            let g = d[x] / d[m]
            return (q[x] - q[m] * g, g, ex[x] - ex[m] * g, ey[x] - ey[m] * g)
        }
        (u0, gu, au, bu) = coefficients(u)
        (v0, gv, av, bv) = coefficients(v)
        weight = Float(1 / abs(d[m]))
    }

    /// The range of i in 0..<nx for which `start + i·step` lies in [0, n − 1] (within 1e-6), or nil.
    @inline(__always)
    static func inside(_ start: Double, _ step: Double, _ n: Int, _ width: Int) -> (Int, Int)? {
        let eps = 1e-6, top = Double(n - 1)
        if abs(step) < 1e-12 { return start >= -eps && start <= top + eps ? (0, width - 1) : nil }
        let a = (-eps - start) / step, b = (top + eps - start) / step
        let lo = max(0, Int(min(a, b).rounded(.up))), hi = min(width - 1, Int(max(a, b).rounded(.down)))
        return lo <= hi ? (lo, hi) : nil
    }

    /// Add (or take the maximum of) section `k`'s bilinear samples for image row `j` into `row` (nx values).
    ///
    /// The loop is scalar on purpose: each sample needs 4 loads from computed addresses, and Swift's SIMD
    /// types have no gather. Two 8-lane versions were measured on a 512³ view — gathering into SIMD lanes,
    /// and Int32 SIMD offsets with gathers through a stack buffer — and took 2–4× as long as this loop
    /// (3.3–7.3 s against 1.5–1.8 s of CPU).
    @inline(__always)
    func accumulate(row j: Int, section k: Int, data: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>, kind: ProjectionKind) {
        let uStart = u0 + Double(k) * gu + Double(j) * bu, vStart = v0 + Double(k) * gv + Double(j) * bv
        guard let (ua, ub) = SectionPlan.inside(uStart, au, nu, nx), let (va, vb) = SectionPlan.inside(vStart, av, nv, nx) else { return }
        let first = max(ua, va), last = min(ub, vb)
        guard first <= last else { return }
        let maxU = Float(nu - 2), maxV = Float(nv - 2)
        let uFirst = uStart + Double(first) * au, vFirst = vStart + Double(first) * av
        let section = data + k * sMajor
        let su = self.su, sv = self.sv
        for i in first ... last {
            // Positions in Double from the row start (no accumulated error), the rest in Float.
            let pu = Float(uFirst + Double(i - first) * au), pv = Float(vFirst + Double(i - first) * av)
            let iu = min(max(pu.rounded(.down), 0), maxU), iv = min(max(pv.rounded(.down), 0), maxV)
            let fu = min(max(pu - iu, 0), 1), fv = min(max(pv - iv, 0), 1)
            let b = section + (Int(iu) * su + Int(iv) * sv)
            let c00 = b[0], c10 = b[su], c01 = b[sv], c11 = b[su + sv]
            let x0 = c00 + fu * (c10 - c00), x1 = c01 + fu * (c11 - c01)
            let value = x0 + fv * (x1 - x0)
            row[i] = kind == .sum ? row[i] + value : max(row[i], value)
        }
    }
}
