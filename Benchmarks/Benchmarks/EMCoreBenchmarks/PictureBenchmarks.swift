import Benchmark
import EMCore
import Foundation

/// Axis projections and slices straight from mapped files, and a whole z-projection to PNG.
func pictureBenchmarks() {
    for n in BenchData.sizes {
        for mode in [MRCMode.float32, .int16] {
            Benchmark("Projection z \(mode.name) \(n)³") { benchmark, path in
                let bytes = BenchData.fileSize(path)
                for _ in benchmark.scaledIterations {
                    let image = try Throughput.record(benchmark, bytes: bytes) { try MRCFile.open(path).projection(along: .z) }
                    blackHole(image.pixels.count)
                }
            } setup: {
                BenchData.map(n, mode: mode)
            }
        }

        Benchmark("Projection x float32 \(n)³") { benchmark, path in
            let bytes = BenchData.fileSize(path)
            for _ in benchmark.scaledIterations {
                let image = try Throughput.record(benchmark, bytes: bytes) { try MRCFile.open(path).projection(along: .x) }
                blackHole(image.pixels.count)
            }
        } setup: {
            BenchData.map(n)
        }

        // Central slices across each axis (z touches one section, x touches every row).
        for axis in [VolumeAxis.z, .x] {
            Benchmark("Slice \(axis) float32 \(n)³") { benchmark, path in
                for _ in benchmark.scaledIterations {
                    blackHole(try MRCFile.open(path).slice(across: axis).pixels.count)
                }
            } setup: {
                BenchData.map(n)
            }
        }

        // The whole picture path `emtools project` takes: projection, contrast, down-scaling, PNG.
        Benchmark("Projection z to PNG float32 \(n)³") { benchmark, path in
            let bytes = BenchData.fileSize(path)
            let out = BenchData.folder + "/proj_\(n).png"
            for _ in benchmark.scaledIterations {
                try Throughput.record(benchmark, bytes: bytes) {
                    let image = try MapPicture.projection(of: path, axis: .z, size: nil)
                    blackHole(try image.writePNG(to: out))
                }
            }
        } setup: {
            BenchData.map(n)
        }
    }
}
