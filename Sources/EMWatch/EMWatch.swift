import ArgumentParser
import Foundation
import Watcher

/// `emwatch`: the cron-run RELION and queue watcher. One subcommand per file in Commands/.
@main
struct EMWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emwatch",
        abstract: "Follow RELION projects and cluster queues from cron and report job changes to Slack.",
        discussion: """
            Start: emwatch init --token-file ~/.slack-token --member U012AB3CD; emwatch test-slack;
            emwatch project add /data/myproject; emwatch run --baseline; emwatch cron --install.
            Also: emwatch queue add slurm; emwatch disk add /data --min-free 500G; emwatch epu add /data/frames.
            Exit status: 0 success, 1 a problem (printed as one line), 64 bad usage.
            """,
        version: WatcherInfo.version,
        subcommands: [InitCommand.self, ConfigCommand.self, ProjectCommand.self, RunCommand.self, TestSlackCommand.self,
                      QueueCommand.self, DiskCommand.self, EPUCommand.self, StatusCommand.self, CronCommand.self, UnlockCommand.self, BenchNoChangeCommand.self]
    )

    static func main() {
        umask(0o077)  // every file emwatch creates (database, lock, log) is the user's alone
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
