import Foundation

/// A failed or aborted job of any type: the last lines of `run.err` and of `run.out` (progress bars
/// dropped), as monospaced blocks, with `<`, `>` and `&` escaped for Slack's mrkdwn.
public struct FailureReport: JobReporter {
    /// Kinds are all of them: the registry calls this reporter by state, not by kind.
    public static let kinds: [JobKind] = JobKind.allCases
    /// Lines kept from the end of `run.err` and `run.out`.
    public var errLines: Int
    public var outLines: Int
    public init(errLines: Int = 20, outLines: Int = 10) { self.errLines = errLines; self.outLines = outLines }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        for (file, count) in [("run.err", errLines), ("run.out", outLines)] {
            let path = job.folder + "/" + file
            guard JobFiles.exists(path) else { continue }
            if let lines = b.attempt("no \(file)", { try FileTail.lines(of: path, count: count) }), !lines.isEmpty {
                let text = SlackMessage.escape(lines.joined(separator: "\n").replacingOccurrences(of: "```", with: "'''"))
                b.line("Last lines of \(file):\n```\n" + text + "\n```")
            }
        }
        if b.report.lines.isEmpty { b.line("run.err and run.out are empty or missing") }
        return b.report
    }
}
