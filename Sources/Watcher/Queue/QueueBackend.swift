import Foundation

/// The batch schedulers the Watcher can follow.
public enum SchedulerKind: String, Codable, Sendable, CaseIterable {
    case slurm, sge, pbs, lsf

    /// Name shown in messages ("Slurm", "SGE", "PBS", "LSF").
    public var displayName: String {
        switch self {
        case .slurm: "Slurm"
        case .sge: "SGE"
        case .pbs: "PBS"
        case .lsf: "LSF"
        }
    }
}

/// Which jobs to list: by owner and by partition (queue). Empty `users` means every user the command shows
/// (the caller fills in the current user by default, see `QueueSourceConfig.effectiveUsers`); empty
/// `partitions` means all.
public struct QueueFilter: Codable, Equatable, Sendable {
    /// User names to list; empty for all.
    public var users: [String]
    /// Partitions (queues) to list; empty for all.
    public var partitions: [String]
    public init(users: [String] = [], partitions: [String] = []) { self.users = users; self.partitions = partitions }

    /// Whether `job` passes the filter (schedulers whose commands cannot filter are filtered here).
    public func admits(_ job: QueueJob) -> Bool {
        (users.isEmpty || job.user.isEmpty || users.contains(job.user))
            && (partitions.isEmpty || job.partition.isEmpty || partitions.contains(job.partition))
    }
}

/// One batch scheduler, reached through its command-line clients. Implementations: `SlurmQueue`, `SGEQueue`,
/// `PBSQueue`, `LSFQueue`. Each call runs commands with a timeout and throws `QueueError` (one line) when a
/// command is missing, hangs, fails or prints something unreadable.
public protocol QueueBackend: Sendable {
    var scheduler: SchedulerKind { get }
    /// The jobs the scheduler lists now (pending, running, and finished ones it still holds).
    func listJobs(_ filter: QueueFilter) async throws -> [QueueJob]
    /// Completion records (accounting) of the jobs `ids`; ids without a record are absent from the result.
    func finishedJobs(ids: [String]) async throws -> [QueueJob]
    /// Completion records of the jobs `filter` admits that ended at or after `since`, so that a job that
    /// started and ended between two runs and has already left the listing is still reported. The default
    /// returns none: LSF's `bjobs -a` lists finished jobs for an hour anyway (CLEAN_PERIOD), and PBS and SGE
    /// jobs that start and end between two runs are seen only through RELION's job folder.
    func finishedJobs(since: Date, filter: QueueFilter) async throws -> [QueueJob]
}

extension QueueBackend {
    public func finishedJobs(since: Date, filter: QueueFilter) async throws -> [QueueJob] { [] }
}

/// Date parsing shared by the scheduler parsers.
enum SchedulerTime {
    /// A formatter for `format` in the local time zone, with fixed (POSIX) English names, as schedulers print.
    static func localFormatter(_ format: String = "yyyy-MM-dd'T'HH:mm:ss") -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        f.dateFormat = format
        return f
    }

    /// `date` as `isoLocal` reads it, `2026-12-01T19:49:32` in the local time zone (what `sacct -S` takes).
    static func isoLocalString(_ date: Date) -> String { localFormatter().string(from: date) }

    /// `2026-12-01T19:49:32` in the local time zone (Slurm, SGE `qstat -xml`); `N/A`, `NONE`, `Unknown` → nil.
    static func isoLocal(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count >= 19, t.first?.isNumber == true else { return nil }
        let f = localFormatter(t.count > 19 && t.dropFirst(19).first == "." ? "yyyy-MM-dd'T'HH:mm:ss.SSS" : "yyyy-MM-dd'T'HH:mm:ss")
        return f.date(from: String(t.prefix(t.count > 19 && t.dropFirst(19).first == "." ? 23 : 19)))
    }

    /// `Fri Mar  1 10:00:05 2024` (ctime style, SGE `qacct`, PBS), local time.
    static func ctime(_ text: String) -> Date? {
        let t = text.split(separator: " ").joined(separator: " ")
        guard !t.isEmpty else { return nil }
        return localFormatter("EEE MMM d HH:mm:ss yyyy").date(from: t)
    }

    /// Seconds since 1970 as an integer or text; 0 and negative are "not set".
    static func epoch(_ value: Any?) -> Date? {
        let n: Double?
        switch value {
        case let i as Int: n = Double(i)
        case let d as Double: n = d
        case let s as String: n = Double(s)
        case let num as NSNumber: n = num.doubleValue
        default: n = nil
        }
        guard let v = n, v > 0 else { return nil }
        return Date(timeIntervalSince1970: v)
    }
}
