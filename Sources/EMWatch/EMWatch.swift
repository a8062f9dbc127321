import ArgumentParser
import Watcher

/// `emwatch`: the cron-run RELION and queue watcher. Subcommands are added in Commands/.
@main
struct EMWatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emwatch",
        abstract: "Follow RELION projects and cluster queues from cron and report job changes to Slack.",
        version: WatcherInfo.version,
        subcommands: []
    )
}
