import ArgumentParser
import Foundation
import Watcher

/// `emwatch run`: one run over every followed project (what cron calls).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Look for job changes once and send them to Slack (what cron runs).",
        discussion: """
            Prints nothing when all went well (so cron sends no mail); problems go to standard error, exit status 1.
            Examples: emwatch run · emwatch run --project apof --dry-run · emwatch run --baseline
            """
    )

    @OptionGroup var db: DatabaseOption
    @Option(name: .customLong("project"), help: "Only this project (repeatable).") var projects: [String] = []
    @Flag(help: "Report every job again, changed or not.") var force = false
    @Flag(help: "Record the current states without sending anything.") var baseline = false
    @Flag(help: "Print what would be sent; change nothing.") var dryRun = false
    @Flag(name: .shortAndLong, help: "Say what was sent.") var verbose = false
    @Option(help: "Slack Web API base URL (default $EMWATCH_SLACK_URL or https://slack.com/api/).") var slackURL: String?
    @Option(help: "Seconds to wait for one Slack request.") var timeout: Int = 30

    func validate() throws {
        if [force, baseline, dryRun].filter({ $0 }).count > 1 {
            throw ValidationError("--force, --baseline and --dry-run exclude each other")
        }
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() throws {
        try reportingErrors {
            let store = try db.open()
            var options = WatcherRun.Options()
            options.mode = force ? .force : baseline ? .baseline : dryRun ? .dryRun : .normal
            options.projects = projects
            options.slackURL = slackURL
            options.httpTimeout = timeout
            let summary = try WatcherRun(store: store, options: options, log: { if verbose { print($0) } }).execute()
            if let holder = summary.skippedBecauseBusy {
                printError("emwatch: another run is working (\(holder)); this run did nothing")
                return
            }
            switch options.mode {
            case .dryRun:
                for n in summary.detected { print(Self.render(n)) }
                print("\(summary.detected.count) new messages would be queued; \(summary.pending) already wait in the outbox")
            case .baseline:
                print("recorded the current state; \(summary.detected.count) changes not reported")
            case .normal, .force:
                if verbose { print("\(summary.detected.count) changes found, \(summary.sent) messages sent, \(summary.pending) waiting") }
            }
            for p in summary.problems { printError("emwatch: \(p)") }
            if !summary.problems.isEmpty, summary.tookOverFrom == nil || summary.problems.count > 1 { throw ExitCode(1) }
        }
    }

    /// A Notice as plain text for `--dry-run`.
    static func render(_ n: Notice) -> String {
        var s = ["• \(n.title)"]
        for f in n.fields { s.append("    \(f.name): \(f.value)") }
        for l in n.lines { s.append(l.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")) }
        for a in n.attachments { s.append("    [attachment \(a.filename), \(a.data.count) bytes]") }
        return s.joined(separator: "\n")
    }
}
