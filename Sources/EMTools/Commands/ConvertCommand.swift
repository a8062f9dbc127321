import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools convert IN OUT --mode …`: rewrite a map in another mode or byte order.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a map to float32, float16, int16, uint16 or int8 (written atomically).",
        discussion: """
        Values that do not fit an integer or float16 mode are an error unless --rescale is given, which maps \
        min…max onto the mode's range (and records the scale in a label).
        Example: emtools convert map.mrc map_f16.mrc --mode float16
        """
    )

    @Argument(help: "Input map (any mode, any byte order, optionally .gz/.bz2).")
    var input: String

    @Argument(help: "Output map.")
    var output: String

    @Option(help: "Output mode: float32, float16, int16, uint16, int8.")
    var mode: String = "float32"

    @Option(help: "Byte order of the output: little or big.")
    var byteOrder: String = "little"

    @Flag(help: "Scale values to fill the output mode's range.")
    var rescale = false

    @Flag(help: "Print what was written as JSON.")
    var json = false

    func validate() throws {
        guard let m = MRCMode(name: mode), m.isWritable else {
            throw ValidationError("unknown or unwritable mode '\(mode)': use float32, float16, int16, uint16 or int8")
        }
        guard ByteOrder(rawValue: byteOrder) != nil else { throw ValidationError("byte order must be 'little' or 'big'") }
        try refuseOverwritingInputs(outputs: [output], inputs: [input])
    }

    func run() throws {
        do {
            let file = try MRCFile.open(input)
            let volume = try file.readVolume()
            var options = MRCWriteOptions(mode: MRCMode(name: mode)!, byteOrder: ByteOrder(rawValue: byteOrder)!,
                                          scaling: rescale ? .fit : .none)
            options.labels = file.header.labels
            options.spaceGroup = file.header.ispg
            options.extendedHeader = file.extendedHeader
            options.extType = file.header.extType
            if case .volumeStack(_, let depth) = file.header.content { options.volumeStackDepth = depth }
            let header = try MRCWriter.write(volume, to: output, options: options)
            if !rescale, [MRCMode.int8, .int16, .uint16].contains(options.mode), volume.data.contains(where: { $0 != $0.rounded() }) {
                printError("emtools: warning: \(input): values were rounded to whole numbers for mode \(mode); give --rescale to keep their detail")
            }
            if json { try printJSON(MRCSummary(path: output, header: header)) }
        } catch {
            report(error)
            throw ExitCode(1)
        }
    }
}
