import Benchmark
import EMCore
import Foundation

/// package-benchmark entry point: every suite of EMCore's hot paths. Data is generated outside the timed
/// blocks (see `BenchData`); every result goes to `blackHole` so the optimiser cannot drop the work.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .mallocCountTotal, Throughput.megabytes, Throughput.rows],
        warmupIterations: 1,
        maxDuration: .seconds(5),
        maxIterations: 20
    )
    mrcBenchmarks()
    pictureBenchmarks()
    fourierBenchmarks()
    starBenchmarks()
    linalgBenchmarks()
}

/// Custom throughput metrics, reported per iteration.
enum Throughput {
    /// Input bytes processed per second, in MB/s (10⁶ bytes).
    static let megabytes = BenchmarkMetric.custom("throughput MB/s", polarity: .prefersLarger, useScalingFactor: false)
    /// Table rows processed per second, in thousands.
    static let rows = BenchmarkMetric.custom("throughput k rows/s", polarity: .prefersLarger, useScalingFactor: false)

    /// Time `body` (already inside the benchmark's measurement) and record the bytes or rows it handled per second.
    static func record<T>(_ benchmark: Benchmark, bytes: Int = 0, rows: Int = 0, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if bytes > 0 { benchmark.measurement(megabytes, Int(Double(bytes) / 1e6 / seconds)) }
        if rows > 0 { benchmark.measurement(Throughput.rows, Int(Double(rows) / 1e3 / seconds)) }
        return result
    }
}
