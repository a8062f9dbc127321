import Foundation

/// The state of a batch job as a scheduler reports it, in Slurm's vocabulary (the other schedulers' states are
/// mapped onto it: SGE `qw` and PBS `Q` become `pending`, LSF `EXIT` with `TERM_RUNLIMIT` becomes `timeout`, …).
public enum QueueJobState: String, Codable, Sendable, CaseIterable {
    case pending, running, completing, suspended, requeued
    case completed, failed, cancelled, timeout, outOfMemory, nodeFail, preempted, bootFail, deadline
    /// Was pending or running, is gone from the queue, and no completion record exists (paraschut's "missing").
    case vanished
    /// A state word this program does not know; kept verbatim in `QueueJob.rawState`.
    case unknown

    /// Slurm's spelling, used in messages: `PENDING`, `TIMEOUT`, `OUT_OF_MEMORY`, `VANISHED`.
    public var slurmName: String {
        switch self {
        case .outOfMemory: "OUT_OF_MEMORY"
        case .nodeFail: "NODE_FAIL"
        case .bootFail: "BOOT_FAIL"
        default: rawValue.uppercased()
        }
    }

    /// True for the states a job does not leave (it has ended, one way or another).
    public var isFinal: Bool {
        switch self {
        case .pending, .running, .completing, .suspended, .requeued, .unknown: false
        default: true
        }
    }

    /// True for an ending that is not a success.
    public var isProblem: Bool { isFinal && self != .completed }

    /// The state of a Slurm state word, long (`RUNNING`, `CANCELLED by 1000`) or compact (`PD`, `R`, `CG`,
    /// `TO`, `OOM`); unknown words give `.unknown`.
    public static func slurm(_ word: String) -> QueueJobState {
        let w = word.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)?.uppercased() ?? ""
        switch w {
        case "PENDING", "PD": return .pending
        case "RUNNING", "R", "CONFIGURING", "CF", "SIGNALING", "SI", "STAGE_OUT", "SO", "RESIZING", "RS": return .running
        case "COMPLETING", "CG": return .completing
        case "SUSPENDED", "S", "STOPPED", "ST": return .suspended
        case "REQUEUED", "RQ", "REQUEUE_FED", "RF", "REQUEUE_HOLD", "RH": return .requeued
        case "COMPLETED", "CD": return .completed
        case "FAILED", "F": return .failed
        case "CANCELLED", "CA", "REVOKED", "RV", "SPECIAL_EXIT", "SE": return .cancelled
        case "TIMEOUT", "TO": return .timeout
        case "OUT_OF_MEMORY", "OOM": return .outOfMemory
        case "NODE_FAIL", "NF": return .nodeFail
        case "PREEMPTED", "PR": return .preempted
        case "BOOT_FAIL", "BF": return .bootFail
        case "DEADLINE", "DL": return .deadline
        default: return .unknown
        }
    }
}

/// One batch job as a scheduler lists it (or as its accounting remembers it). Times are absolute; durations
/// are in seconds. Fields a scheduler does not report are nil.
public struct QueueJob: Codable, Equatable, Sendable {
    /// The scheduler's job id as text (`12345`, `12345_7` for an array task, `1234.pbs01` for PBS).
    public var id: String
    /// Job name (`-J` / `-N`); RELION's templates set it to the job folder, e.g. `Refine3D/job012/`.
    public var name: String
    /// Owner's user name.
    public var user: String
    /// Partition (Slurm), queue (SGE, PBS, LSF).
    public var partition: String
    /// The state in Slurm's vocabulary.
    public var state: QueueJobState
    /// The scheduler's own state word (`PENDING`, `qw`, `EXIT`), for messages and for `.unknown`.
    public var rawState: String
    /// Why a job is pending (`Resources`, `Priority`, `JobHeldUser`) or how it ended (`TERM_RUNLIMIT`), if given.
    public var reason: String?
    /// Exit code of the job's script, if it ended and the scheduler says.
    public var exitCode: Int?
    /// Signal that killed the job, if any.
    public var signal: Int?
    /// When the job was submitted, started, and ended (only for ended jobs: a running job's "end" is a forecast).
    public var submitTime: Date?
    public var startTime: Date?
    public var endTime: Date?
    /// Time limit in seconds; nil for none or unknown.
    public var timeLimit: TimeInterval?
    /// Run time so far (or in total, once ended) in seconds.
    public var elapsed: TimeInterval?
    /// Working directory of the job, if the scheduler reports it.
    public var workDir: String?
    /// Nodes or hosts the job runs on (scheduler's compact notation).
    public var nodes: String?

    public init(id: String, name: String = "", user: String = "", partition: String = "", state: QueueJobState,
                rawState: String = "", reason: String? = nil, exitCode: Int? = nil, signal: Int? = nil,
                submitTime: Date? = nil, startTime: Date? = nil, endTime: Date? = nil, timeLimit: TimeInterval? = nil,
                elapsed: TimeInterval? = nil, workDir: String? = nil, nodes: String? = nil) {
        self.id = id; self.name = name; self.user = user; self.partition = partition; self.state = state
        self.rawState = rawState.isEmpty ? state.slurmName : rawState; self.reason = reason
        self.exitCode = exitCode; self.signal = signal; self.submitTime = submitTime; self.startTime = startTime
        self.endTime = endTime; self.timeLimit = timeLimit; self.elapsed = elapsed; self.workDir = workDir
        self.nodes = nodes
    }

    /// Whether this is the one line a scheduler shows for the not-yet-started tasks of an array job
    /// (Slurm `4712_[3-10]`, kept as `4712_[pending]`). Its tasks appear as jobs of their own when they start;
    /// the line itself disappears without a completion record, which is not news.
    public var isArrayPlaceholder: Bool { id.contains("[") }

    /// Slurm's id for pending array tasks (`4712_[3-10]`, `4712_[3-10%2]`) made stable as `4712_[pending]`,
    /// so that the shrinking range does not look like a new job each time a task starts.
    public static func stableArrayID(_ id: String) -> String {
        guard let open = id.range(of: "_[") else { return id }
        return String(id[..<open.lowerBound]) + "_[pending]"
    }

    /// Run time: `elapsed` if reported, else end (or `now`) minus start.
    public func runTime(now: Date) -> TimeInterval? {
        if let e = elapsed { return e }
        guard let s = startTime else { return nil }
        return max(0, (endTime ?? now).timeIntervalSince(s))
    }
}

/// Durations as schedulers print them.
public enum QueueDuration {
    /// `seconds` as `[D-]HH:MM:SS` (Slurm's style, e.g. `48:00:00` for two days is printed `2-00:00:00`);
    /// the Watcher prints hours past 24 without days (`48:00:00`), as users write time limits.
    public static func format(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds.rounded()))
        return String(format: "%02d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
    }

    /// Seconds of a scheduler duration: `[D-]HH:MM:SS`, `HH:MM`, `MM:SS`, `MM` (Slurm minutes), `1-02`
    /// (days-hours); `UNLIMITED`, `INFINITE`, `NONE`, empty, `N/A` give nil.
    /// - Parameter bareMinutes: whether a bare number means minutes (Slurm `-t`) or seconds.
    public static func parse(_ text: String, bareMinutes: Bool = true) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty || ["UNLIMITED", "INFINITE", "NONE", "N/A", "INVALID", "PARTITION_LIMIT"].contains(t.uppercased()) { return nil }
        var days = 0.0
        var rest = Substring(t)
        if let dash = t.firstIndex(of: "-") {
            guard let d = Double(t[..<dash]) else { return nil }
            days = d
            rest = t[t.index(after: dash)...]
            // "D-HH" and "D-HH:MM" count from hours.
            let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
            guard !parts.contains(where: { $0 == nil }) else { return nil }
            let p = parts.map { $0! }
            var s = days * 86400
            if p.count >= 1 { s += p[0] * 3600 }
            if p.count >= 2 { s += p[1] * 60 }
            if p.count >= 3 { s += p[2] }
            return s
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Double($0) }
        guard !parts.isEmpty, !parts.contains(where: { $0 == nil }) else { return nil }
        let p = parts.map { $0! }
        switch p.count {
        case 1: return bareMinutes ? p[0] * 60 : p[0]
        case 2: return bareMinutes ? p[0] * 60 + p[1] : p[0] * 60 + p[1]
        default: return p[p.count - 3] * 3600 + p[p.count - 2] * 60 + p[p.count - 1]
        }
    }
}
