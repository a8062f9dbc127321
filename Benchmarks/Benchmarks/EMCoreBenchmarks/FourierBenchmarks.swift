import Benchmark
import EMCore
import Foundation

/// FFTW transforms through FourierVolume and whole FSC reports, at every size in `BenchData.sizes`.
func fourierBenchmarks() {
    for n in BenchData.sizes {
        // One in-place r2c transform of an n³ grid (plan made in setup, outside the timed block). The volume
        // is copied into the FFTW buffer inside the timed block (a parallel copy, a few % of the transform).
        Benchmark("FFT load + r2c \(n)³") { benchmark, state in
            let (fv, volume) = state
            for _ in benchmark.scaledIterations {
                fv.load(volume)
                try fv.forward()
                blackHole(fv.coefficient(kx: 1, y: 0, z: 0))
            }
        } setup: { () -> (FourierVolume, Volume) in
            let fv = try FourierVolume(size: GridSize(n, n, n))
            return (fv, BenchData.volume(n))
        }

        // The unmasked FSC of two half-maps (read both files, two r2c transforms, shell sums).
        Benchmark("FSC unmasked \(n)³") { benchmark, paths in
            for _ in benchmark.scaledIterations {
                blackHole(try FSCReport.compute(half1: paths.0, half2: paths.1).resolution0143)
            }
        } setup: {
            (BenchData.map(n, seed: 1), BenchData.map(n, seed: 2))
        }

        // The masked FSC with phase randomisation, as relion_postprocess computes it (eight transforms).
        Benchmark("FSC masked \(n)³") { benchmark, paths in
            for _ in benchmark.scaledIterations {
                blackHole(try FSCReport.compute(half1: paths.0, half2: paths.1, mask: paths.2).resolution0143)
            }
        } setup: { () -> (String, String, String) in
            (BenchData.map(n, seed: 1), BenchData.map(n, seed: 2), BenchData.mask(n))
        }
    }
}
