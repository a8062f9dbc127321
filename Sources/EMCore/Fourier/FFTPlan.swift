import CFFTW
import Dispatch
import FoundationEssentials
import Glibc

/// An FFTW single-precision plan for an in-place real ↔ half-complex transform of one grid size. The object
/// owns the `fftwf_plan` and destroys it (under the planner lock) when released.
///
/// Plans are made once per size, direction and thread count and reused (`FFTPlan.shared`); executing them is
/// thread-safe and uses FFTW's threads (`Parallel.threadCount`, i.e. `EMTOOLS_THREADS` or all cores).
///
/// Planning rigour: a plan is taken from wisdom when the cache holds one for this problem
/// (`FFTW_MEASURE | FFTW_WISDOM_ONLY`); otherwise it is made with `FFTW_ESTIMATE` (instant, no trial runs),
/// unless `FFTPlan.Rigor.measure` is asked for (`emtools fsc --fft-measure` or `EMTOOLS_FFTW_MEASURE=1`):
/// then FFTW times candidate algorithms once (seconds to a minute for large boxes) and the result is saved to
/// the wisdom cache so that later runs get the measured plan at no cost.
public final class FFTPlan {
    /// Which way the transform goes.
    public enum Direction: Hashable {
        /// Real grid → half-complex spectrum (`fftwf_plan_dft_r2c`), unnormalised.
        case forward
        /// Half-complex spectrum → real grid (`fftwf_plan_dft_c2r`), unnormalised (a round trip scales by N).
        case inverse
    }

    /// How hard FFTW searches for a fast algorithm when no wisdom is cached.
    public enum Rigor: Hashable {
        /// `FFTW_ESTIMATE`: plan instantly from heuristics.
        case estimate
        /// `FFTW_MEASURE`: time candidates once, then cache the choice as wisdom.
        case measure

        /// `.measure` when `EMTOOLS_FFTW_MEASURE` is set to 1/yes/true, else `.estimate`.
        public static var fromEnvironment: Rigor {
            let v = ProcessInfo.processInfo.environment["EMTOOLS_FFTW_MEASURE"]?.lowercased() ?? ""
            return ["1", "yes", "true"].contains(v) ? .measure : .estimate
        }
    }

    /// Grid size in x, y, z (x fastest).
    public let size: GridSize
    public let direction: Direction
    /// Threads FFTW uses when executing.
    public let threads: Int
    /// True when the plan came from cached wisdom or was measured (not estimated).
    public let isMeasured: Bool
    let plan: OpaquePointer
    let alignment: Int32

    private struct Key: Hashable { let size: GridSize; let direction: Direction; let threads: Int; let rigor: Rigor }
    nonisolated(unsafe) private static var cache: [Key: FFTPlan] = [:]

    /// The reusable plan for `size` and `direction`, made on first use. `buffer` must be an FFTW-allocated
    /// in-place buffer of the grid (see `FourierVolume`); with `.measure` and no wisdom, FFTW's trial runs use a
    /// scratch buffer so `buffer`'s contents survive.
    /// - Throws: `FourierError.planFailed` if FFTW returns no plan.
    static func shared(size: GridSize, direction: Direction, rigor: Rigor, buffer: UnsafeMutablePointer<Float>) throws -> FFTPlan {
        let threads = Parallel.threadCount
        let key = Key(size: size, direction: direction, threads: threads, rigor: rigor)
        FFTWisdom.lock.lock()
        defer { FFTWisdom.lock.unlock() }
        if let p = cache[key], p.alignment == fftwf_alignment_of(buffer) { return p }
        let p = try FFTPlan(size: size, direction: direction, rigor: rigor, threads: threads, buffer: buffer)
        cache[key] = p
        return p
    }

    /// Grid sizes of the plans made in this process with `FFTW_ESTIMATE` (no wisdom cached, no measuring asked
    /// for), largest first: the transforms that `--fft-measure` would make faster on later runs.
    public static var estimatedSizes: [GridSize] {
        FFTWisdom.lock.lock()
        defer { FFTWisdom.lock.unlock() }
        var seen: [GridSize] = []
        for p in cache.values where !p.isMeasured && !seen.contains(p.size) { seen.append(p.size) }
        return seen.sorted { $0.count > $1.count }
    }

    /// Make a plan with the planner lock held.
    private init(size: GridSize, direction: Direction, rigor: Rigor, threads: Int, buffer: UnsafeMutablePointer<Float>) throws {
        FFTWisdom.prepareLocked(threads: threads)
        // FFTW takes dimensions slowest first; a 2-D image (nz == 1) is a rank-2 transform.
        let dims: [Int32] = size.nz == 1 ? [Int32(size.ny), Int32(size.nx)] : [Int32(size.nz), Int32(size.ny), Int32(size.nx)]
        func make(_ flags: UInt32, _ data: UnsafeMutablePointer<Float>) -> OpaquePointer? {
            data.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complex in
                dims.withUnsafeBufferPointer { n in
                    switch direction {
                    case .forward: return fftwf_plan_dft_r2c(Int32(dims.count), n.baseAddress, data, complex, flags)
                    case .inverse: return fftwf_plan_dft_c2r(Int32(dims.count), n.baseAddress, complex, data, flags)
                    }
                }
            }
        }
        // c2r destroys its input anyway; keep FFTW free to choose the fastest algorithm for both directions.
        var measured = true
        var plan = make(UInt32(FFTW_MEASURE) | UInt32(FFTW_WISDOM_ONLY), buffer)
        if plan == nil {
            switch rigor {
            case .estimate:
                plan = make(UInt32(FFTW_ESTIMATE), buffer)
                measured = false
            case .measure:
                // Measuring overwrites the arrays it plans on: use a scratch buffer of the same size and alignment.
                let count = FourierVolume.storageCount(size)
                if let scratch = fftwf_alloc_real(count), fftwf_alignment_of(scratch) == fftwf_alignment_of(buffer) {
                    plan = make(UInt32(FFTW_MEASURE), scratch)
                    fftwf_free(scratch)
                    if plan != nil { FFTWisdom.saveLocked() }
                } else {
                    plan = make(UInt32(FFTW_ESTIMATE), buffer)
                    measured = false
                }
            }
        }
        guard let p = plan else { throw FourierError.planFailed(size: size) }
        self.plan = p
        self.size = size
        self.direction = direction
        self.threads = threads
        self.isMeasured = measured
        self.alignment = fftwf_alignment_of(buffer)
    }

    deinit {
        FFTWisdom.lock.lock()
        fftwf_destroy_plan(plan)
        FFTWisdom.lock.unlock()
    }

    /// Transform `buffer` in place (`fftwf_execute_dft_r2c` / `fftwf_execute_dft_c2r`, the new-array execute
    /// functions, so one plan serves every buffer of this size and alignment).
    /// - Complexity: O(N log N) for N grid points, on `threads` threads.
    func execute(on buffer: UnsafeMutablePointer<Float>) {
        precondition(fftwf_alignment_of(buffer) == alignment, "FFTW buffer alignment differs from the plan's")
        buffer.withMemoryRebound(to: fftwf_complex.self, capacity: 1) { complex in
            switch direction {
            case .forward: fftwf_execute_dft_r2c(plan, buffer, complex)
            case .inverse: fftwf_execute_dft_c2r(plan, complex, buffer)
            }
        }
    }
}
