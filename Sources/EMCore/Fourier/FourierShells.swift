import Dispatch
import FoundationEssentials
import Glibc

/// Shell geometry of a cubic (or square) half-complex spectrum: the shell of each squared frequency radius,
/// `round(√r²)`, tabulated once so the hot loops do no square roots.
struct FourierShells {
    /// Box edge n.
    let n: Int
    /// Number of shells kept: n/2 + 1 (shells 0 … n/2).
    let count: Int
    /// `shellOf[r²]` for every r² the grid can hold; values ≥ `count` mark coefficients outside the last shell.
    let shellOf: [Int32]

    init(size: GridSize) {
        n = size.nx
        count = n / 2 + 1
        let h = n / 2
        let maxR2 = h * h * (size.nz == 1 ? 2 : 3)
        shellOf = (0 ... maxR2).map { r2 in Int32(min(Double(r2).squareRoot() + 0.5, Double(h + 1))) }
    }

    /// Visit every coefficient of `v`'s spectrum plane by plane, in parallel: `body(z, planeRange)` is called for
    /// chunks of z planes and returns a partial result; partial results are returned in plane order.
    func mapPlanes<T>(_ v: FourierVolume, _ body: (Range<Int>) -> T) -> [T] {
        Parallel.mapChunks(count: v.size.nz, minChunk: 1, body)
    }
}

extension FSCCurve {
    /// The FSC of two spectra of the same cubic box (both already transformed with `forward()`):
    /// `FSC(i) = Σ Re(F₁·F₂*) / √(Σ|F₁|² · Σ|F₂|²)` over the coefficients of shell i, sums in double precision.
    /// - Complexity: one parallel pass over both spectra (no square roots: shells come from a table).
    public init(_ a: FourierVolume, _ b: FourierVolume, pixelSize: Double) {
        precondition(a.size == b.size && a.domain == .fourier && b.domain == .fourier, "FSC needs two spectra of one size")
        let shells = FourierShells(size: a.size)
        let size = a.size, cw = a.complexWidth, count = shells.count
        let pa = a.storage, pb = b.storage
        struct Sums { var num: [Double]; var d1: [Double]; var d2: [Double]; var n: [Int] }
        // Two slots per shell: even kx add into slot 2·shell, odd kx into 2·shell + 1. Neighbouring coefficients
        // usually share a shell, and one slot each would chain every addition to the previous one through memory.
        // One spare pair collects the coefficients beyond the last shell, so the inner loop has no branch.
        let slots = 2 * (count + 1)
        let parts = shells.shellOf.withUnsafeBufferPointer { table in
            shells.mapPlanes(a) { zs -> Sums in
                var s = Sums(num: .init(repeating: 0, count: slots), d1: .init(repeating: 0, count: slots),
                             d2: .init(repeating: 0, count: slots), n: .init(repeating: 0, count: slots))
                s.num.withUnsafeMutableBufferPointer { num in
                    s.d1.withUnsafeMutableBufferPointer { d1 in
                        s.d2.withUnsafeMutableBufferPointer { d2 in
                            s.n.withUnsafeMutableBufferPointer { nn in
                                for z in zs {
                                    let kz = FourierVolume.frequency(z, size.nz)
                                    for y in 0 ..< size.ny {
                                        let ky = FourierVolume.frequency(y, size.ny)
                                        let base = kz * kz + ky * ky
                                        let o = 2 * cw * (y + size.ny * z)
                                        let ra = pa + o, rb = pb + o
                                        for kx in 0 ..< cw {
                                            let slot = 2 * Int(table[base + kx * kx]) + (kx & 1)
                                            let ar = Double(ra[2 * kx]), ai = Double(ra[2 * kx + 1])
                                            let br = Double(rb[2 * kx]), bi = Double(rb[2 * kx + 1])
                                            num[slot] += ar * br + ai * bi
                                            d1[slot] += ar * ar + ai * ai
                                            d2[slot] += br * br + bi * bi
                                            nn[slot] += 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                return s
            }
        }
        var correlation = [Double](repeating: 0, count: count), counts = [Int](repeating: 0, count: count)
        for i in 0 ..< count {
            var num = 0.0, d1 = 0.0, d2 = 0.0
            for p in parts {
                num += p.num[2 * i] + p.num[2 * i + 1]; d1 += p.d1[2 * i] + p.d1[2 * i + 1]; d2 += p.d2[2 * i] + p.d2[2 * i + 1]
                counts[i] += p.n[2 * i] + p.n[2 * i + 1]
            }
            let den = (d1 * d2).squareRoot()
            // An empty or all-zero shell has no defined correlation; RELION prints 0 for it.
            correlation[i] = den > 0 ? num / den : (num.isNaN ? .nan : 0)
        }
        self.init(boxSize: size.nx, pixelSize: pixelSize, correlation: correlation, counts: counts)
    }
}

extension FourierVolume {
    /// Replace the phase of every coefficient at radius ≥ `shell` (√(kx²+ky²+kz²) ≥ shell, as RELION's
    /// `randomizePhasesBeyond`) by a uniform random phase, keeping its amplitude. Each z plane draws from its own
    /// `SplitMix64` seeded from `seed` and the plane, so the result is the same for any thread count.
    /// - Complexity: one parallel pass; sin/cos only for the randomised coefficients.
    public func randomizePhases(beyond shell: Int, seed: UInt64) {
        precondition(domain == .fourier, "randomizePhases needs the spectrum")
        let size = self.size, cw = complexWidth, p = storage, r2min = shell * shell
        Parallel.forEachChunk(count: size.nz, minChunk: 1) { zs in
            for z in zs {
                var rng = SplitMix64(seed: seed ^ (UInt64(z) &* 0x9E37_79B9_7F4A_7C15) &+ 0x5851_F42D_4C95_7F2D)
                let kz = FourierVolume.frequency(z, size.nz)
                for y in 0 ..< size.ny {
                    let ky = FourierVolume.frequency(y, size.ny)
                    let base = kz * kz + ky * ky
                    let row = p + 2 * cw * (y + size.ny * z)
                    for kx in 0 ..< cw where base + kx * kx >= r2min {
                        let re = row[2 * kx], im = row[2 * kx + 1]
                        let amplitude = (re * re + im * im).squareRoot()
                        let phase = Float(Double(rng.next() >> 11) * (2 * Double.pi / Double(1 << 53)))
                        row[2 * kx] = amplitude * cos(phase)
                        row[2 * kx + 1] = amplitude * sin(phase)
                    }
                }
            }
        }
    }
}
