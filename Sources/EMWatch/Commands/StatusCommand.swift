import ArgumentParser
import Watcher

/// `emwatch status`: what is followed, the last run, waiting messages, the lock.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the settings, the projects, queues, disks and EPU roots followed, the last run, waiting messages and the run lock."
    )

    @OptionGroup var db: DatabaseOption

    func run() throws {
        try reportingErrors {
            let store = try db.open()
            print("state database: \(store.path)")
            print(try StatusReport.gather(store).text)
            print(try store.read { db in try SourcesStatus.lines(db) }.joined(separator: "\n"))
        }
    }
}
