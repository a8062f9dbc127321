/// The Watcher: a one-shot program run from cron that follows RELION projects and HPC queues, keeps its state
/// in SQLite and reports job state changes to Slack. See docs/watcher.md.
///
/// Layout: `Store/` (SQLite records and migrations), `RELION/` (pipeline and job-folder state), `Queue/` (one
/// file per scheduler), `Notify/` (Slack client and outbox), `Reports/` (one file per RELION job type).
public enum WatcherInfo {
    /// Version of the Watcher's state database layout and program, reported by `emwatch --version`.
    public static let version = "0.1.0"
}
