import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools phantom OUT`: write a synthetic asymmetric test map.
struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Write a synthetic asymmetric map of Gaussian blobs (for trying emtools out and for tests).",
        discussion: "Example: emtools phantom demo.mrc --size 128 --angpix 1.5 --noise 0.05"
    )

    @Argument(help: "Output MRC file.")
    var output: String

    @Option(help: "Edge length of the cube in voxels.")
    var size: Int = 128

    @Option(help: "Voxel size in Å.")
    var angpix: Double = 1.0

    @Option(help: "Standard deviation of added Gaussian noise (0 = none).")
    var noise: Double = 0

    @Option(help: "Random seed for the noise.")
    var seed: UInt64 = 1

    @Option(help: "Mode: float32, float16 or int16 (int16 is rescaled to fill its range).")
    var mode: String = "float32"

    func validate() throws {
        guard size >= 4 && size <= 2048 else { throw ValidationError("--size must be between 4 and 2048") }
        guard angpix > 0 else { throw ValidationError("--angpix must be positive") }
        guard let m = MRCMode(name: mode), m.isWritable else { throw ValidationError("unknown mode '\(mode)'") }
    }

    func run() throws {
        let v = Phantom.blobs(n: size, voxelSize: angpix, noise: noise, seed: seed)
        let m = MRCMode(name: mode)!
        do {
            try MRCWriter.write(v, to: output, options: MRCWriteOptions(mode: m, scaling: m == .float32 ? .none : .fit,
                                                                        labels: ["emtools phantom: \(size)^3, \(angpix) A/px"]))
        } catch {
            report(error)
            throw ExitCode(1)
        }
    }
}
