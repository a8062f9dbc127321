import COpenBLAS

/// OpenBLAS's own thread pool, switched off around work that EMCore already spreads over the cores.
///
/// Covariance runs one `cblas_dsyrk` per cache-sized block of rows on every core at once. Left to itself,
/// OpenBLAS would also split each of those small calls over its threads: on 2 cores the covariance of a
/// 1,000,000 × 12 table took 29 ms that way against 7.8 ms with OpenBLAS kept to one thread per call
/// (Benchmarks/, LinalgBenchmarks). Large single calls (the eigen-decomposition of a big matrix) keep
/// OpenBLAS's threads.
enum BLASThreads {
    /// Run `body` with OpenBLAS limited to one thread per call, then restore the previous count. The
    /// setting is process-wide: BLAS calls made by other threads meanwhile also run on one thread (slower,
    /// never wrong).
    static func serial<T>(_ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        if previous == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
