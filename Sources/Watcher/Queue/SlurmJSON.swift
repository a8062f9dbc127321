import Foundation

/// `squeue --json` in both shapes Slurm has printed:
/// - 22.05–23.02 (OpenAPI v0.0.37–v0.0.39): `job_state` a string (`"RUNNING"`), times as integers (seconds since
///   1970, 0 for unset), `time_limit` in minutes or null, `exit_code` the raw wait status (exit code × 256 + signal).
/// - 23.11+ (data_parser v0.0.40 and later): `job_state` a list (`["RUNNING", "COMPLETING"]`), numbers as
///   `{"set": true, "infinite": false, "number": 123}`, `exit_code` as `{"status": [...], "return_code": {…},
///   "signal": {"id": {…}, "name": "…"}}`.
public enum SlurmJSON {
    /// The jobs of `squeue --json` output.
    /// - Throws: `QueueError.unreadableOutput` when it is not JSON or has no `jobs` list.
    public static func parse(_ data: Data) throws -> [QueueJob] {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw QueueError.unreadableOutput(command: "squeue --json", problem: "not JSON (\(data.count) bytes)")
        }
        guard let top = root as? [String: Any], let list = top["jobs"] as? [[String: Any]] else {
            throw QueueError.unreadableOutput(command: "squeue --json", problem: "no \"jobs\" list")
        }
        return try list.map(job)
    }

    static func job(_ j: [String: Any]) throws -> QueueJob {
        guard let rawID = number(j["job_id"]) else {
            throw QueueError.unreadableOutput(command: "squeue --json", problem: "a job without job_id")
        }
        var id = String(Int(rawID))
        if let parent = number(j["array_job_id"]), parent > 0 {
            if let task = number(j["array_task_id"]) {
                id = "\(Int(parent))_\(Int(task))"
            } else if let range = j["array_task_string"] as? String, !range.isEmpty {
                id = "\(Int(parent))_[pending]"  // the pending tasks, shown as one line
            }
        }
        let (stateWord, state) = jobState(j["job_state"])
        let reason = (j["state_reason"] as? String).flatMap { $0 == "None" || $0.isEmpty ? nil : $0 }
        let (exit, signal) = exitCode(j["exit_code"])
        let limitMinutes = number(j["time_limit"])
        let nodes = (j["nodes"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        // A job cancelled while pending gets start_time = its end; without nodes it never ran.
        let start = nodes == nil ? nil : number(j["start_time"]).flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil }
        let end = number(j["end_time"]).flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil }
        return QueueJob(id: id, name: j["name"] as? String ?? "", user: j["user_name"] as? String ?? "",
                        partition: j["partition"] as? String ?? "", state: state, rawState: stateWord, reason: reason,
                        exitCode: state.isFinal ? exit : nil, signal: state.isFinal ? signal : nil,
                        submitTime: number(j["submit_time"]).flatMap { $0 > 0 ? Date(timeIntervalSince1970: $0) : nil },
                        startTime: state == .pending ? nil : start, endTime: state.isFinal ? end : nil,
                        timeLimit: limitMinutes.map { $0 * 60 },
                        workDir: (j["current_working_directory"] as? String).flatMap { $0.isEmpty ? nil : $0 },
                        nodes: nodes)
    }

    /// The base state of `job_state`: a string, or the first word of a list (later words are flags such as
    /// `COMPLETING` or `REQUEUED`, which win over RUNNING/PENDING when present).
    static func jobState(_ value: Any?) -> (String, QueueJobState) {
        if let s = value as? String { return (s, QueueJobState.slurm(s)) }
        if let list = value as? [String], let first = list.first {
            var state = QueueJobState.slurm(first)
            if !state.isFinal, list.contains("COMPLETING") { state = .completing }
            return (list.joined(separator: ","), state)
        }
        return ("", .unknown)
    }

    /// A number, or the `number` of a `{set, infinite, number}` object when `set` and not `infinite`.
    static func number(_ value: Any?) -> Double? {
        switch value {
        case let i as Int: return Double(i)
        case let d as Double: return d
        case let n as NSNumber: return n.doubleValue
        case let o as [String: Any]:
            if (o["set"] as? Bool) == false || (o["infinite"] as? Bool) == true { return nil }
            return number(o["number"])
        default: return nil
        }
    }

    /// Exit code and signal: raw wait status (old shape) or `{return_code, signal: {id}}` (new shape).
    static func exitCode(_ value: Any?) -> (Int?, Int?) {
        if let o = value as? [String: Any] {
            let code = number(o["return_code"]).map { Int($0) }
            let sig = (o["signal"] as? [String: Any]).flatMap { number($0["id"]) ?? number($0["signal_id"]) }.map { Int($0) }
            return (code, sig == 0 ? nil : sig)
        }
        guard let raw = number(value).map({ Int($0) }) else { return (nil, nil) }
        let sig = raw & 0x7f
        return (raw >> 8, sig == 0 ? nil : sig)
    }
}
