import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Sun/Son of/Univa Grid Engine through `qstat -xml` (pending and running jobs) and `qacct -j ID` (finished).
///
/// `qstat -xml` lists `<job_list state="running|pending">` elements with `JB_job_number`, `JB_name`,
/// `JB_owner`, `state` (letters: `qw` pending, `hqw` held, `Eqw` error, `r`/`t`/`Rr` running, `s`/`S`/`T`
/// suspended, `dr` being deleted), `JB_submission_time` or `JAT_start_time`, `queue_name` (`queue@host`) and
/// `tasks` for array tasks. `qacct -j` prints `key value` lines; `failed` and `exit_status` tell the ending.
public struct SGEQueue: QueueBackend {
    /// Runs `qstat` and `qacct` with a timeout.
    public var command: SchedulerCommand
    public var scheduler: SchedulerKind { .sge }
    public init(command: SchedulerCommand = SchedulerCommand()) { self.command = command }

    public func listJobs(_ filter: QueueFilter) async throws -> [QueueJob] {
        let users = filter.users.isEmpty ? "*" : filter.users.joined(separator: ",")
        let out = try await command.run("qstat", ["-xml", "-u", users])
        return try Self.parseQstatXML(Data(out.utf8)).filter(filter.admits)
    }

    public func finishedJobs(ids: [String]) async throws -> [QueueJob] {
        var jobs: [QueueJob] = []
        for id in ids {
            let base = id.split(separator: ".").first.map(String.init) ?? id
            let out = try await command.output("qacct", ["-j", base])
            // "error: job id 12 not found": no record.
            if out.exitStatus != 0 {
                if out.stderr.contains("not found") || out.stdout.contains("not found") { continue }
                throw QueueError.failed(command: "qacct -j \(base)", status: out.exitStatus.map { "exit status \($0)" } ?? "killed",
                                        message: SchedulerCommand.firstLine(out.stderr))
            }
            jobs += Self.parseQacct(out.stdout).filter { $0.id == id || $0.id.hasPrefix(base + ".") || $0.id == base }
        }
        return jobs
    }

    /// The state of SGE state letters.
    public static func state(_ letters: String) -> (QueueJobState, reason: String?) {
        if letters.contains("E") { return (.pending, "error state (\(letters))") }
        if letters.contains("d") { return (.completing, "being deleted") }
        if letters.contains("s") || letters.contains("S") || letters.contains("T") { return (.suspended, nil) }
        if letters.contains("r") || letters.contains("t") || letters.contains("R") { return (.running, nil) }
        if letters.contains("h") { return (.pending, "held") }
        if letters.contains("q") || letters.contains("w") { return (.pending, nil) }
        return (.unknown, nil)
    }

    /// Jobs of `qstat -xml` output.
    /// - Throws: `QueueError.unreadableOutput` for malformed XML.
    public static func parseQstatXML(_ data: Data) throws -> [QueueJob] {
        if String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        let reader = QstatXMLReader()
        let parser = XMLParser(data: data)
        parser.delegate = reader
        // A truncated document (a qstat killed mid-output) leaves elements open.
        guard parser.parse(), reader.depth == 0, reader.sawRoot else {
            throw QueueError.unreadableOutput(command: "qstat -xml", problem: "malformed XML at line \(parser.lineNumber)")
        }
        return reader.jobs.map { e in
            var id = e["JB_job_number"] ?? ""
            // A single task (`4`) is a job of its own; a range (`1-3:1`, `2,5-7`) is the array's pending tasks.
            if let t = e["tasks"], !t.isEmpty { id += t.allSatisfy(\.isNumber) ? ".\(t)" : ".[pending]" }
            let (state, reason) = Self.state(e["state"] ?? "")
            let queue = (e["queue_name"] ?? "").split(separator: "@").first.map(String.init) ?? ""
            let host = (e["queue_name"] ?? "").split(separator: "@").dropFirst().first.map(String.init)
            return QueueJob(id: id, name: e["JB_name"] ?? "", user: e["JB_owner"] ?? "", partition: queue, state: state,
                            rawState: e["state"] ?? "", reason: reason,
                            submitTime: e["JB_submission_time"].flatMap(SchedulerTime.isoLocal),
                            startTime: state == .pending ? nil : e["JAT_start_time"].flatMap(SchedulerTime.isoLocal),
                            nodes: host)
        }
    }

    /// Jobs of `qacct -j` output (one block per run, separated by `====` lines).
    public static func parseQacct(_ text: String) -> [QueueJob] {
        var blocks: [[String: String]] = [[:]]
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("====") { blocks.append([:]); continue }
            let parts = line.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            blocks[blocks.count - 1][String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return blocks.compactMap { b -> QueueJob? in
            guard let number = b["jobnumber"] else { return nil }
            var id = number
            if let t = b["taskid"], t != "undefined", !t.isEmpty { id += ".\(t)" }
            let failedText = b["failed"] ?? "0"
            let failed = Int(failedText.split(separator: " ").first ?? "0") ?? 0
            let exit = Int(b["exit_status"]?.split(separator: " ").first ?? "") ?? 0
            var state: QueueJobState = .completed
            var signal: Int? = nil
            let lower = failedText.lowercased()
            if failed == 37 || lower.contains("h_rt") || lower.contains("wallclock") { state = .timeout }
            else if lower.contains("h_vmem") || lower.contains("mem") && failed != 0 { state = .outOfMemory }
            else if failed != 0 || exit != 0 { state = .failed }
            if exit > 128 { signal = exit - 128 }
            let wall = b["ru_wallclock"].flatMap { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "s"))) }
            return QueueJob(id: id, name: b["jobname"] ?? "", user: b["owner"] ?? "", partition: b["qname"] ?? "",
                            state: state, rawState: failed == 0 ? "exit_status \(exit)" : "failed \(failedText)",
                            reason: failed == 0 ? nil : failedText, exitCode: exit, signal: signal,
                            submitTime: b["qsub_time"].flatMap(Self.qacctTime), startTime: b["start_time"].flatMap(Self.qacctTime),
                            endTime: b["end_time"].flatMap(Self.qacctTime), elapsed: wall,
                            workDir: b["cwd"], nodes: b["hostname"])
        }
    }

    /// `Fri Mar  1 10:00:05 2024` (classic) or `03/01/2024 10:00:05.123` (Son of Grid Engine 8.1.9+).
    static func qacctTime(_ text: String) -> Date? {
        if let d = SchedulerTime.ctime(text) { return d }
        let f = SchedulerTime.localFormatter()
        for format in ["MM/dd/yyyy HH:mm:ss.SSS", "MM/dd/yyyy HH:mm:ss"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }
}

/// Collects the text children of each `<job_list>` element.
final class QstatXMLReader: NSObject, XMLParserDelegate {
    var jobs: [[String: String]] = []
    var depth = 0
    var sawRoot = false
    private var current: [String: String]?
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if name == "job_list" { current = ["@state": attributes["state"] ?? ""] }
        depth += 1
        sawRoot = true
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        if name == "job_list", let c = current { jobs.append(c); current = nil }
        else if current != nil { current![name] = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        text = ""
    }
}
