import Dispatch
import FoundationEssentials
import Glibc

/// Synthetic test maps: deterministic, asymmetric, with known structure, for demos, tests and benchmarks.
public enum Phantom {
    /// A Gaussian blob: centre in voxels (x, y, z), width σ in voxels, peak height.
    public struct Blob: Equatable {
        public var center: SIMD3<Double>
        public var sigma: Double
        public var height: Double
        public init(center: SIMD3<Double>, sigma: Double, height: Double) { self.center = center; self.sigma = sigma; self.height = height }
    }

    /// The blobs of the standard asymmetric phantom for a cube of `n` voxels: an elongated body, a large
    /// blob off-centre along +x, a smaller one along +y and a small one along −z, so that no rotation or
    /// mirror maps it onto itself (useful to check axis and Euler-angle conventions).
    public static func asymmetricBlobs(n: Int) -> [Blob] {
        let c = Double(n) / 2, s = Double(n)
        return [
            Blob(center: SIMD3(c, c, c), sigma: 0.10 * s, height: 1.0),
            Blob(center: SIMD3(c + 0.22 * s, c, c), sigma: 0.06 * s, height: 0.8),
            Blob(center: SIMD3(c, c + 0.18 * s, c + 0.05 * s), sigma: 0.04 * s, height: 0.9),
            Blob(center: SIMD3(c - 0.05 * s, c - 0.05 * s, c - 0.25 * s), sigma: 0.03 * s, height: 1.2),
        ]
    }

    /// A cube of `n³` voxels of `voxelSize` Å holding `blobs` (default: `asymmetricBlobs`), plus optional
    /// Gaussian noise of standard deviation `noise` from a seeded generator (same seed, same map).
    /// - Complexity: O(n³ · blobs), spread over all cores.
    public static func blobs(n: Int, voxelSize: Double = 1.0, blobs: [Blob]? = nil, noise: Double = 0, seed: UInt64 = 1) -> Volume {
        let list = blobs ?? asymmetricBlobs(n: n)
        var v = Volume(size: GridSize(n, n, n), voxelSize: VoxelSize(isotropic: voxelSize))
        v.data.withUnsafeMutableBufferPointer { buf in
            let out = buf
            Parallel.forEachChunk(count: n, minChunk: 1) { zs in
                for z in zs {
                    // One generator per plane: the same seed gives the same map whatever the thread count.
                    var rng = SplitMix64(seed: seed &+ UInt64(z) &* 0x9E37_79B9)
                    for y in 0 ..< n {
                        let row = (z * n + y) * n
                        for x in 0 ..< n {
                            var value = 0.0
                            for b in list {
                                let d = SIMD3(Double(x), Double(y), Double(z)) - b.center
                                let r2 = (d * d).sum()
                                value += b.height * exp(-r2 / (2 * b.sigma * b.sigma))
                            }
                            if noise > 0 { value += noise * rng.nextGaussian() }
                            out[row + x] = Float(value)
                        }
                    }
                }
            }
        }
        return v
    }
}

/// A small, fast, seedable random generator (SplitMix64) for reproducible test data.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A standard normal deviate (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}
