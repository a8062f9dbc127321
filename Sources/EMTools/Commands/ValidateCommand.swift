import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// `emtools validate FILE…`: list every problem with each file; exit 1 if any file is invalid.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check maps against the MRC2014 standard and list every problem found.",
        discussion: "Exit status 0 when every file is valid, 1 when any is not. Example: emtools validate *.mrc"
    )

    @Argument(help: "MRC files or glob patterns.")
    var files: [String]

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Also report warnings (non-standard but readable) as problems for the exit status.")
    var strict = false

    struct Result: Encodable {
        let file: String
        let valid: Bool
        let problems: [MRCProblem]
    }

    func run() throws {
        let paths = expandPaths(files)
        var results: [Result] = []
        var anyInvalid = false
        let bar = ProgressBar(total: paths.count, label: "validate")
        for path in paths {
            let problems = MRCValidator.validate(path)
            let valid = !problems.contains { $0.severity == .error || (strict && $0.severity == .warning) }
            anyInvalid = anyInvalid || !valid
            results.append(Result(file: path, valid: valid, problems: problems))
            if !json {
                bar.clear()
                print("\(path): \(valid ? "valid" : "INVALID")")
                for p in problems { print("  \(p.severity.rawValue): \(p.message)") }
            }
            bar.advance()
        }
        if json { try printJSON(results) }
        if anyInvalid { throw ExitCode(1) }
    }
}
