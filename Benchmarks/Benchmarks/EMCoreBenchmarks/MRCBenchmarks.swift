import Benchmark
import EMCore
import Foundation

/// MRC reading, statistics and conversion per mode, at every size in `BenchData.sizes`.
func mrcBenchmarks() {
    let modes: [MRCMode] = [.float32, .int16, .float16]
    for n in BenchData.sizes {
        for mode in modes {
            // Open + statistics without a Float32 copy: what `emtools stats` does.
            Benchmark("MRC stats \(mode.name) \(n)³") { benchmark, path in
                let bytes = BenchData.fileSize(path)
                for _ in benchmark.scaledIterations {
                    let s = try Throughput.record(benchmark, bytes: bytes) { try MRCFile.open(path).statistics() }
                    blackHole(s)
                }
            } setup: {
                BenchData.map(n, mode: mode)
            }

            // Open + decode to a Float32 Volume + statistics in the same pass.
            Benchmark("MRC read \(mode.name) \(n)³") { benchmark, path in
                let bytes = BenchData.fileSize(path)
                for _ in benchmark.scaledIterations {
                    let r = try Throughput.record(benchmark, bytes: bytes) { try MRCFile.open(path).readVolumeAndStatistics() }
                    blackHole(r.statistics)
                    blackHole(r.volume.data.count)
                }
            } setup: {
                BenchData.map(n, mode: mode)
            }
        }

        // Writing: the float32 volume encoded as each writable mode (atomic write, statistics in the header).
        for mode in [MRCMode.float32, .int16, .float16] {
            Benchmark("MRC write \(mode.name) \(n)³") { benchmark, volume in
                let out = BenchData.folder + "/write_\(n)_\(mode.name).mrc"
                let options = MRCWriteOptions(mode: mode, scaling: mode == .float32 ? .none : .fit)
                for _ in benchmark.scaledIterations {
                    let h = try Throughput.record(benchmark, bytes: volume.data.count * 4) {
                        try MRCWriter.write(volume, to: out, options: options)
                    }
                    blackHole(h)
                }
            } setup: {
                BenchData.volume(n)
            }
        }

        // Statistics of a Volume already in memory (the kernel alone, no file).
        Benchmark("Volume statistics \(n)³") { benchmark, volume in
            for _ in benchmark.scaledIterations {
                blackHole(Throughput.record(benchmark, bytes: volume.data.count * 4) { volume.statistics() })
            }
        } setup: {
            BenchData.volume(n)
        }
    }
}
