import EMCore
import Foundation

/// Data the suites run on, generated once per benchmark process into a scratch folder (outside every timed
/// block) and removed at exit.
///
/// Sizes come from `EMTOOLS_BENCH_SIZES` (comma-separated cube edges, default `256,512`) and
/// `EMTOOLS_BENCH_ROWS` (STAR rows, default `100000,1000000`).
enum BenchData {
    /// Scratch folder for this process.
    static let folder: String = {
        let dir = NSTemporaryDirectory() + "emtools-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: BenchData.folder) }
        return dir
    }()

    /// Cube edges to benchmark maps at.
    static let sizes: [Int] = list("EMTOOLS_BENCH_SIZES", default: [256, 512])
    /// Row counts to benchmark STAR files at.
    static let rowCounts: [Int] = list("EMTOOLS_BENCH_ROWS", default: [100_000, 1_000_000])

    private static func list(_ name: String, default d: [Int]) -> [Int] {
        guard let s = ProcessInfo.processInfo.environment[name] else { return d }
        let v = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 }
        return v.isEmpty ? d : v
    }

    /// A cheap n³ test volume (smooth ramps plus seeded noise; the content does not change the cost of any
    /// kernel measured here). Values lie in about −2…3, so int16/float16 conversions need `--rescale`-style fitting.
    static func volume(_ n: Int, seed: UInt64 = 1) -> Volume {
        var v = Volume(size: GridSize(n, n, n), voxelSize: VoxelSize(isotropic: 1.1))
        v.data.withUnsafeMutableBufferPointer { buf in
            let out = buf
            Parallel.forEachChunk(count: n, minChunk: 1) { zs in
                for z in zs {
                    var rng = SplitMix64(seed: seed &+ UInt64(z) &* 0x9E37_79B9)   // per plane: any thread count
                    for y in 0 ..< n {
                        let row = (z * n + y) * n
                        for x in 0 ..< n {
                            let noise = Float(Double(rng.next() >> 11) / Double(1 << 53)) - 0.5
                            out[row + x] = Float(x + y + z) / Float(3 * n) + noise
                        }
                    }
                }
            }
        }
        return v
    }

    static var cache: [String: String] = [:]
    static let lock = NSLock()

    /// Path of an n³ map in `mode` (written on first use). Non-float32 modes are scaled to fit.
    static func map(_ n: Int, mode: MRCMode = .float32, seed: UInt64 = 1) -> String {
        let key = "map_\(n)_\(mode.name)_\(seed)"
        lock.lock(); defer { lock.unlock() }
        if let p = cache[key] { return p }
        let path = folder + "/\(key).mrc"
        let options = MRCWriteOptions(mode: mode, scaling: mode == .float32 ? .none : .fit)
        try! MRCWriter.write(volume(n, seed: seed), to: path, options: options)
        cache[key] = path
        return path
    }

    /// Path of a RELION 3.1 particles file with `rows` rows and 25 columns (written on first use).
    static func particles(_ rows: Int) -> String {
        let key = "particles_\(rows)"
        lock.lock(); defer { lock.unlock() }
        if let p = cache[key] { return p }
        let path = folder + "/\(key).star"
        try! particleText(rows).write(toFile: path, atomically: true, encoding: .utf8)
        cache[key] = path
        return path
    }

    /// Column names of the generated particles table, as RELION 3.1 writes them.
    static let particleColumns = [
        "rlnCoordinateX", "rlnCoordinateY", "rlnAnglePsi", "rlnClassNumber", "rlnAutopickFigureOfMerit",
        "rlnImageName", "rlnMicrographName", "rlnOpticsGroup", "rlnCtfMaxResolution", "rlnCtfFigureOfMerit",
        "rlnDefocusU", "rlnDefocusV", "rlnDefocusAngle", "rlnCtfBfactor", "rlnCtfScalefactor", "rlnPhaseShift",
        "rlnGroupNumber", "rlnAngleRot", "rlnAngleTilt", "rlnOriginXAngst", "rlnOriginYAngst",
        "rlnNormCorrection", "rlnLogLikeliContribution", "rlnMaxValueProbDistribution", "rlnNrOfSignificantSamples",
    ]

    /// The text of a particles file: a `data_optics` block and a `data_particles` loop.
    static func particleText(_ rows: Int) -> String {
        var rng = SplitMix64(seed: 7)
        func u() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var s = """

        # version 30001

        data_optics

        loop_
        _rlnOpticsGroupName #1
        _rlnOpticsGroup #2
        _rlnMicrographOriginalPixelSize #3
        _rlnVoltage #4
        _rlnSphericalAberration #5
        _rlnAmplitudeContrast #6
        _rlnImagePixelSize #7
        _rlnImageSize #8
        _rlnImageDimensionality #9
        opticsGroup1 1 0.885000 300.000000 2.700000 0.100000 1.770000 256 2


        # version 30001

        data_particles

        loop_

        """
        for (i, c) in particleColumns.enumerated() { s += "_\(c) #\(i + 1) \n" }
        s.reserveCapacity(rows * 330)
        for r in 0 ..< rows {
            let mic = r / 500
            s += String(format: "%.6f %.6f %.6f %d %.6f ", 4096 * u(), 4096 * u(), 360 * u() - 180, 1 + r % 5, u())
            s += String(format: "%06d@Extract/job007/Movies/mic_%05d.mrcs MotionCorr/job002/Movies/mic_%05d.mrc 1 ", r % 500 + 1, mic, mic)
            s += String(format: "%.6f %.6f %.6f %.6f %.6f 0.000000 1.000000 0.000000 ", 3 + 2 * u(), 0.1 * u(),
                        15000 + 10000 * u(), 15000 + 10000 * u(), 180 * u())
            s += String(format: "%d %.6f %.6f %.6f %.6f %.6f %.6f %.6f %d \n", 1 + mic % 50, 360 * u() - 180, 180 * u(),
                        10 * u() - 5, 10 * u() - 5, 0.8 + 0.4 * u(), 1e5 * u(), u(), 1 + r % 30)
        }
        return s + " \n"
    }

    /// Bytes of a file.
    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }
}

extension BenchData {
    /// Path of an n³ soft spherical mask (1 inside radius n/4, cosine edge of n/8 voxels, 0 outside).
    static func mask(_ n: Int) -> String {
        let key = "mask_\(n)"
        lock.lock(); defer { lock.unlock() }
        if let p = cache[key] { return p }
        let path = folder + "/\(key).mrc"
        var v = Volume(size: GridSize(n, n, n), voxelSize: VoxelSize(isotropic: 1.1))
        let c = Double(n) / 2, r0 = Double(n) / 4, edge = Double(n) / 8
        for z in 0 ..< n {
            for y in 0 ..< n {
                for x in 0 ..< n {
                    let r = ((Double(x) - c) * (Double(x) - c) + (Double(y) - c) * (Double(y) - c) + (Double(z) - c) * (Double(z) - c)).squareRoot()
                    let m = r <= r0 ? 1 : r >= r0 + edge ? 0 : 0.5 + 0.5 * cos(Double.pi * (r - r0) / edge)
                    v.data[v.index(x, y, z)] = Float(m)
                }
            }
        }
        try! MRCWriter.write(v, to: path)
        cache[key] = path
        return path
    }
}
