import Foundation

/// The kinds of queue news a source reports.
public enum QueueEvent: String, Codable, Sendable, CaseIterable {
    /// A job has been pending longer than `pendingNoticeMinutes` (once per job, with the reason).
    case pendingLong = "pending"
    /// A job started running (or resumed after a suspension or requeue).
    case started
    /// A job was suspended or requeued.
    case interrupted
    /// A job ended successfully (COMPLETED).
    case completed
    /// A job ended otherwise: FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE.
    case ended
    /// A pending or running job left the queue with no completion record.
    case vanished
}

/// One followed scheduler, as `emwatch queue add slurm [--user U] [--partition P]` stores it.
public struct QueueSourceConfig: Codable, Equatable, Sendable {
    /// Unique name of this source (default: the scheduler's, e.g. `slurm`); it prefixes the Notice keys.
    public var name: String
    /// Which scheduler's commands to run.
    public var scheduler: SchedulerKind
    /// Users whose jobs to follow; empty: the current user; `["*"]`: every user the commands show.
    public var users: [String]
    /// Partitions (queues) to follow; empty: all.
    public var partitions: [String]
    /// Seconds each scheduler command may take.
    public var timeoutSeconds: Double
    /// Extra environment for the commands (e.g. `SLURM_CONF`, `SGE_ROOT`, `LSF_ENVDIR`).
    public var environment: [String: String]
    /// Minutes a job may be pending before a `pending` Notice (once per job).
    public var pendingNoticeMinutes: Double
    /// Which news to report.
    public var events: Set<QueueEvent>
    /// Slurm only: list with `squeue -O` (format) or `squeue --json`.
    public var slurmListing: SlurmQueue.Listing
    /// Slurm only: where completion records come from.
    public var slurmAccounting: SlurmQueue.Accounting

    public init(name: String? = nil, scheduler: SchedulerKind, users: [String] = [], partitions: [String] = [],
                timeoutSeconds: Double = 60, environment: [String: String] = [:], pendingNoticeMinutes: Double = 60,
                events: Set<QueueEvent> = Set(QueueEvent.allCases), slurmListing: SlurmQueue.Listing = .format,
                slurmAccounting: SlurmQueue.Accounting = .auto) {
        self.name = name ?? scheduler.rawValue
        self.scheduler = scheduler; self.users = users; self.partitions = partitions
        self.timeoutSeconds = timeoutSeconds; self.environment = environment
        self.pendingNoticeMinutes = pendingNoticeMinutes; self.events = events
        self.slurmListing = slurmListing; self.slurmAccounting = slurmAccounting
    }

    /// The user filter the commands get: the configured users, the current user when none, nobody for `*`.
    public var filter: QueueFilter {
        let u: [String]
        if users == ["*"] { u = [] } else if users.isEmpty { u = [Self.currentUser] } else { u = users }
        return QueueFilter(users: u, partitions: partitions)
    }

    /// The backend this configuration describes.
    public func backend() -> any QueueBackend {
        let cmd = SchedulerCommand(timeout: timeoutSeconds, environment: environment)
        switch scheduler {
        case .slurm: return SlurmQueue(command: cmd, listing: slurmListing, accounting: slurmAccounting)
        case .sge: return SGEQueue(command: cmd)
        case .pbs: return PBSQueue(command: cmd)
        case .lsf: return LSFQueue(command: cmd)
        }
    }

    /// Login name of this process's user (`getpwuid(getuid())`, else `$USER`).
    public static var currentUser: String {
        if let pw = getpwuid(getuid()), let n = pw.pointee.pw_name { return String(cString: n) }
        return ProcessInfo.processInfo.environment["USER"] ?? ""
    }

    enum CodingKeys: String, CodingKey {
        case name, scheduler, users, partitions, timeoutSeconds, environment, pendingNoticeMinutes, events
        case slurmListing, slurmAccounting
    }

    /// Decoding fills missing keys with the defaults, so older stored configurations keep working.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let scheduler = try c.decode(SchedulerKind.self, forKey: .scheduler)
        self.init(name: try c.decodeIfPresent(String.self, forKey: .name), scheduler: scheduler,
                  users: try c.decodeIfPresent([String].self, forKey: .users) ?? [],
                  partitions: try c.decodeIfPresent([String].self, forKey: .partitions) ?? [],
                  timeoutSeconds: try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds) ?? 60,
                  environment: try c.decodeIfPresent([String: String].self, forKey: .environment) ?? [:],
                  pendingNoticeMinutes: try c.decodeIfPresent(Double.self, forKey: .pendingNoticeMinutes) ?? 60,
                  events: try c.decodeIfPresent(Set<QueueEvent>.self, forKey: .events) ?? Set(QueueEvent.allCases),
                  slurmListing: try c.decodeIfPresent(SlurmQueue.Listing.self, forKey: .slurmListing) ?? .format,
                  slurmAccounting: try c.decodeIfPresent(SlurmQueue.Accounting.self, forKey: .slurmAccounting) ?? .auto)
    }
}
