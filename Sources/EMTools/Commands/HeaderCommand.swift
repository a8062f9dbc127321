import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools header FILE…`: the MRC header as a readable table or JSON.
struct HeaderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "header",
        abstract: "Print the MRC2014 header of one or more maps.",
        discussion: "Example: emtools header run_class001.mrc 'maps/*.mrc' --json"
    )

    @Argument(help: "MRC files or glob patterns (.mrc, .mrcs, .map, .st, also .gz/.bz2 compressed).")
    var files: [String]

    @Flag(help: "Print JSON (an array, one object per file) instead of a table.")
    var json = false

    func run() throws {
        let paths = expandPaths(files)
        var summaries: [MRCSummary] = []
        // With --json, the files that could be read are printed even when others failed (exit status 1).
        defer { if json { try? printJSON(summaries) } }
        try forEachFile(paths, label: "header") { path in
            let file = try MRCFile.open(path)
            if json { summaries.append(MRCSummary(file)) } else { print(MRCHeaderTable.render(file)) }
        }
    }
}
