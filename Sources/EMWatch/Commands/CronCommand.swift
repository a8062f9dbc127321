import ArgumentParser
import Foundation
import Watcher

/// `emwatch cron`: print the crontab line; `--install` adds it to the user's crontab.
struct CronCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Print the crontab line that runs emwatch; --install adds it to your crontab.",
        discussion: "Example: emwatch cron --every 5 --install"
    )

    @OptionGroup var db: DatabaseOption
    @Option(help: "Minutes between runs (1–59).") var every: Int = 5
    @Flag(help: "Add the line to your crontab (replacing an earlier emwatch line for the same database).") var install = false

    func validate() throws {
        guard (1 ... 59).contains(every) else { throw ValidationError("--every must be 1 to 59 minutes") }
    }

    /// The marker comment that identifies our line in a crontab.
    var marker: String { "# emwatch \(db.resolved)" }

    /// The crontab line.
    var line: String {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
        let log = (db.resolved as NSString).deletingLastPathComponent + "/emwatch.log"
        return "*/\(every) * * * * \(quote(exe)) run --db \(quote(db.resolved)) >>\(quote(log)) 2>&1 \(marker)"
    }

    func run() throws {
        try reportingErrors {
            guard install else { print(line); return }
            let current = try crontab(["-l"], input: nil)
            // `crontab -l` fails with "no crontab for USER" when there is none: start empty.
            var lines = current.status == 0 ? current.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) : []
            while lines.last == "" { lines.removeLast() }
            lines.removeAll { $0.hasSuffix(marker) }
            lines.append(line)
            let r = try crontab(["-"], input: lines.joined(separator: "\n") + "\n")
            guard r.status == 0 else { throw WatcherError.config("crontab could not be written: \(r.error.trimmingCharacters(in: .whitespacesAndNewlines))") }
            print("installed in your crontab:\n\(line)")
        }
    }

    private func quote(_ s: String) -> String {
        s.allSatisfy({ $0.isLetter || $0.isNumber || "/._-+".contains($0) }) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func crontab(_ args: [String], input: String?) throws -> (status: Int32, output: String, error: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["crontab"] + args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        do { try p.run() } catch { throw WatcherError.config("cannot run crontab: \(error.localizedDescription)") }
        if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
        try? inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }
}
