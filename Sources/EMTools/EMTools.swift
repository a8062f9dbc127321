import ArgumentParser
import EMCore

/// `emtools`: fast inspection of cryo-EM maps, STAR files, FSC and PCA. One subcommand per file in Commands/.
@main
struct EMTools: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emtools",
        abstract: "Fast inspection of cryo-EM maps (MRC), STAR files, FSC curves and PCA summaries.",
        discussion: "Exit status: 0 success, 1 a file could not be processed (or is invalid, for validate), 64 bad usage.",
        version: EMCoreInfo.version,
        subcommands: [
            HeaderCommand.self, StatsCommand.self, ValidateCommand.self, ConvertCommand.self,
            ProjectCommand.self, SliceCommand.self, FSCCommand.self, STARCommand.self, PCACommand.self,
            PhantomCommand.self,
        ]
    )
}
