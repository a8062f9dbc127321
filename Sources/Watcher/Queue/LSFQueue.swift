import Foundation

/// IBM Spectrum LSF through `bjobs -a -o "<fields>" -json` (every value a string), for listing and, by job id,
/// for recently finished jobs (LSF keeps them for `CLEAN_PERIOD`, one hour by default).
///
/// `STAT` is `PEND`, `PSUSP` (held while pending), `RUN`, `USUSP`/`SSUSP` (suspended), `DONE`, `EXIT`,
/// `WAIT`, `ZOMBI`, `UNKWN`; `EXIT_REASON` (`TERM_RUNLIMIT: job killed after reaching LSF run time limit`,
/// `TERM_MEMLIMIT`, `TERM_OWNER`, `TERM_ADMIN`, `TERM_PREEMPT`, …) refines `EXIT`. Times look like
/// `Dec 28 19:56` (no year; a trailing `L` or `E` marks actual or estimated), `RUN_TIME` like
/// `16038 second(s)`, `RUNTIMELIMIT` as minutes (`1440.0`) or `HH:MM:SS`. An unknown id comes back as a
/// record with an `ERROR` value ("Job <123> is not found").
public struct LSFQueue: QueueBackend {
    /// Runs `bjobs` with a timeout.
    public var command: SchedulerCommand
    public var scheduler: SchedulerKind { .lsf }
    public init(command: SchedulerCommand = SchedulerCommand()) { self.command = command }

    /// The `bjobs -o` field list, in the order the parser expects none of (it reads by name).
    public static let fields = "jobid stat job_name user queue exit_code exit_reason pend_reason submit_time start_time finish_time run_time runtimelimit exec_cwd exec_host"

    public func listJobs(_ filter: QueueFilter) async throws -> [QueueJob] {
        let users = filter.users.isEmpty ? "all" : (filter.users.count == 1 ? filter.users[0] : "all")
        let out = try await command.output("bjobs", ["-a", "-u", users, "-o", Self.fields, "-json"])
        // "No job found" is an empty queue, not an error.
        if out.exitStatus != 0 && !out.stdout.contains("RECORDS") {
            if out.stderr.contains("No ") && out.stderr.contains("job found") || out.stdout.contains("No job found") { return [] }
            throw QueueError.failed(command: "bjobs -a -o … -json", status: out.exitStatus.map { "exit status \($0)" } ?? "killed",
                                    message: SchedulerCommand.firstLine(out.stderr))
        }
        return try Self.parse(Data(out.stdout.utf8)).filter(filter.admits)
    }

    public func finishedJobs(ids: [String]) async throws -> [QueueJob] {
        guard !ids.isEmpty else { return [] }
        let out = try await command.output("bjobs", ["-a", "-o", Self.fields, "-json"] + ids)
        guard out.stdout.contains("RECORDS") else { return [] }
        return try Self.parse(Data(out.stdout.utf8)).filter { $0.state.isFinal }
    }

    /// Jobs of `bjobs -o … -json` output; records with `ERROR` are skipped.
    /// - Parameter now: the date whose year completes LSF's year-less times.
    /// - Throws: `QueueError.unreadableOutput` when it is not JSON with `RECORDS`.
    public static func parse(_ data: Data, now: Date = Date()) throws -> [QueueJob] {
        guard let top = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let records = top["RECORDS"] as? [[String: Any]] else {
            throw QueueError.unreadableOutput(command: "bjobs -json", problem: "no RECORDS list")
        }
        return records.compactMap { r in
            let s = { (k: String) -> String in (r[k] as? String ?? "").trimmingCharacters(in: .whitespaces) }
            guard s("ERROR").isEmpty, !s("JOBID").isEmpty else { return nil }
            let stat = s("STAT"), exitReason = s("EXIT_REASON")
            let state = Self.state(stat, exitReason: exitReason)
            let pend = s("PEND_REASON").trimmingCharacters(in: CharacterSet(charactersIn: "; "))
            let reason: String? = state == .pending ? (pend.isEmpty ? (stat == "PSUSP" ? "held" : nil) : pend)
                : (state.isProblem && !exitReason.isEmpty ? exitReason : nil)
            let exit = Int(s("EXIT_CODE"))
            let limit = s("RUNTIMELIMIT")
            return QueueJob(id: s("JOBID"), name: s("JOB_NAME"), user: s("USER"), partition: s("QUEUE"), state: state,
                            rawState: stat, reason: reason,
                            exitCode: state.isFinal ? (exit ?? (state == .completed ? 0 : nil)) : nil,
                            signal: exit.flatMap { $0 > 128 ? $0 - 128 : nil },
                            submitTime: time(s("SUBMIT_TIME"), now: now), startTime: time(s("START_TIME"), now: now),
                            endTime: state.isFinal ? time(s("FINISH_TIME"), now: now) : nil,
                            timeLimit: limit.contains(":") ? QueueDuration.parse(limit, bareMinutes: false) : Double(limit).map { $0 * 60 },
                            elapsed: Double(s("RUN_TIME").split(separator: " ").first ?? ""),
                            workDir: s("EXEC_CWD").isEmpty ? nil : s("EXEC_CWD"),
                            nodes: s("EXEC_HOST").isEmpty ? nil : Array(Set(s("EXEC_HOST").split(separator: ":").map(String.init))).sorted().joined(separator: ","))
        }
    }

    /// The state of an LSF `STAT` word, refined for `EXIT` by the `TERM_…` exit reason.
    public static func state(_ stat: String, exitReason: String) -> QueueJobState {
        switch stat {
        case "PEND", "PSUSP", "WAIT": return .pending
        case "RUN", "PROV": return .running
        case "USUSP", "SSUSP": return .suspended
        case "DONE": return .completed
        case "ZOMBI": return .completing
        case "EXIT":
            let r = exitReason.uppercased()
            if r.hasPrefix("TERM_RUNLIMIT") || r.hasPrefix("TERM_DEADLINE") || r.hasPrefix("TERM_CPULIMIT") { return .timeout }
            if r.hasPrefix("TERM_MEMLIMIT") || r.hasPrefix("TERM_SWAP") { return .outOfMemory }
            if r.hasPrefix("TERM_OWNER") || r.hasPrefix("TERM_ADMIN") || r.hasPrefix("TERM_FORCE") { return .cancelled }
            if r.hasPrefix("TERM_PREEMPT") { return .preempted }
            if r.hasPrefix("TERM_HOST") || r.hasPrefix("TERM_LOAD") || r.hasPrefix("TERM_ZOMBIE") { return .nodeFail }
            return .failed
        default: return .unknown
        }
    }

    /// `Dec 28 19:56`, `Dec 28 19:56:07`, optionally with a year and a trailing `L`/`E`/`X`; the year, when
    /// absent, is `now`'s (or the one before, for a date that would lie in the future).
    static func time(_ text: String, now: Date) -> Date? {
        var t = text.split(separator: " ").joined(separator: " ")
        if let last = t.last, "LEX".contains(last), t.count > 2, t.dropLast().last == " " { t = String(t.dropLast(2)) }
        guard !t.isEmpty, t != "-" else { return nil }
        let f = SchedulerTime.localFormatter()
        for format in ["MMM d HH:mm:ss yyyy", "MMM d HH:mm yyyy"] {
            f.dateFormat = format
            if let d = f.date(from: t) { return d }
        }
        let year = Calendar.current.component(.year, from: now)
        for format in ["MMM d HH:mm:ss yyyy", "MMM d HH:mm yyyy"] {
            f.dateFormat = format
            if let d = f.date(from: "\(t) \(year)") {
                return d > now.addingTimeInterval(86400) ? f.date(from: "\(t) \(year - 1)") : d
            }
        }
        return nil
    }
}
