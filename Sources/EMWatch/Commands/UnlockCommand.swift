import ArgumentParser
import Watcher

/// `emwatch unlock`: show who holds the run lock and, with `--stop`, stop that run.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Show who holds the run lock; with --stop, stop that run (SIGTERM, then SIGKILL).",
        discussion: "A crashed run never leaves the lock held (the kernel drops it), so this is only for a run that hangs."
    )

    @OptionGroup var db: DatabaseOption
    @Flag(help: "Stop the run holding the lock.") var stop = false

    func run() throws {
        try reportingErrors {
            let lock = RunLock(databasePath: db.resolved)
            guard let holder = lock.liveHolder() else {
                print("the run lock is free: nothing to unlock")
                return
            }
            guard stop else {
                print("the run lock is held by a live run: \(holder)")
                print("it is taken over automatically after the stale-lock time (see `emwatch config`); `emwatch unlock --stop` stops it now")
                return
            }
            let stopped = lock.stopHolder()
            if lock.liveHolder() == nil {
                print("stopped \(stopped.map(\.description) ?? "the holder"); the run lock is free")
            } else {
                throw WatcherError.locked("could not stop the run holding the lock (\(holder))")
            }
        }
    }
}
