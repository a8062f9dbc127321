import Foundation

/// The RELION job a queue job runs, found in the queue job's name or working directory.
///
/// RELION's submission templates set the job name to `XXXnameXXX`, the job's output folder
/// (`Refine3D/job012/`), and run in the project folder; custom scripts sometimes run inside the job folder
/// (`/data/p1/Refine3D/job012`). Both are recognised. A queue Notice about a linked job carries two fields,
/// `RELION job` (`Refine3D/job012/`) and, when known, `RELION project` (the project folder), which
/// `QueueLink.merge` uses to fold it into the RELION job's own Notice of the same run.
public struct QueueLink: Equatable, Sendable {
    /// The job folder relative to the project, with a trailing slash: `Refine3D/job012/`.
    public var jobPath: String
    /// The project folder (absolute, no trailing slash), when the working directory tells it.
    public var projectDirectory: String?

    /// Name of the Notice field holding `jobPath`.
    public static let jobField = "RELION job"
    /// Name of the Notice field holding `projectDirectory`.
    public static let projectField = "RELION project"

    public init(jobPath: String, projectDirectory: String?) {
        self.jobPath = jobPath.hasSuffix("/") ? jobPath : jobPath + "/"
        self.projectDirectory = projectDirectory.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// `Refine3D/job012` without the trailing slash, as messages show it.
    public var jobName: String { String(jobPath.dropLast()) }

    /// The link named by a queue job's name or working directory, or nil.
    public init?(job: QueueJob) {
        if let wd = job.workDir, let (prefix, path) = Self.jobFolder(in: wd, anchoredAtEnd: true) {
            self.init(jobPath: path, projectDirectory: prefix.isEmpty ? nil : prefix)
            return
        }
        if let (_, path) = Self.jobFolder(in: job.name, anchoredAtEnd: true) ?? Self.jobFolder(in: Self.slashed(job.name), anchoredAtEnd: true) {
            self.init(jobPath: path, projectDirectory: job.workDir)
            return
        }
        return nil
    }

    /// The link a Notice carries in its fields, or nil.
    public init?(notice: Notice) {
        guard let job = notice.fields.first(where: { $0.name == Self.jobField })?.value else { return nil }
        self.init(jobPath: job, projectDirectory: notice.fields.first { $0.name == Self.projectField }?.value)
    }

    /// `Refine3D_job012` → `Refine3D/job012`: SGE refuses `/` in job names, so submission scripts there
    /// replace it; only a name made of exactly a type and a job number is read this way.
    static func slashed(_ name: String) -> String {
        guard let r = name.range(of: "_job", options: .backwards), !name.contains("/") else { return name }
        return name.replacingCharacters(in: r, with: "/job")
    }

    /// The last `<Type>/jobNNN` (a capitalised folder, then `job` and three or more digits) in `text`, with
    /// what comes before it; the text may end with `/` and, unless `anchoredAtEnd`, go on.
    static func jobFolder(in text: String, anchoredAtEnd: Bool) -> (prefix: String, jobPath: String)? {
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while parts.last == "" { parts.removeLast() }
        guard parts.count >= 2 else { return nil }
        let last = parts[parts.count - 1], type = parts[parts.count - 2]
        guard last.count >= 6, last.hasPrefix("job"), last.dropFirst(3).allSatisfy(\.isASCII),
              last.dropFirst(3).allSatisfy(\.isNumber),
              let first = type.first, first.isUppercase, type.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        let prefix = parts.dropLast(2).joined(separator: "/")
        return (prefix, "\(type)/\(last)/")
    }

    /// Fold each queue Notice that names a RELION job into that job's RELION Notice in `notices` (same job
    /// folder, and same project when both say), so that one message tells both: the RELION Notice keeps its
    /// key and title, gains the queue Notice's title as its first line, its lines, and its fields not already
    /// present. `relionLink` tells which RELION job (and project folder) a RELION Notice is about. Queue Notices
    /// with no matching RELION Notice stay as they are (their titles already name the RELION job).
    /// Order is kept; merged queue Notices are removed.
    public static func merge(_ notices: [Notice], relionLink: (Notice) -> QueueLink?) -> [Notice] {
        var out = notices
        var removed = Set<Int>()
        for (qi, q) in notices.enumerated() where q.source == .queue {
            guard let link = QueueLink(notice: q) else { continue }
            guard let ri = out.indices.first(where: { i in
                guard out[i].source == .relion, !removed.contains(i), let r = relionLink(out[i]) else { return false }
                let sameProject = r.projectDirectory == nil || link.projectDirectory == nil
                    || URL(fileURLWithPath: r.projectDirectory!).standardizedFileURL.path
                        == URL(fileURLWithPath: link.projectDirectory!).standardizedFileURL.path
                return r.jobPath == link.jobPath && sameProject
            }) else { continue }
            var r = out[ri]
            r.lines = [q.title] + q.lines + r.lines
            for f in q.fields where !r.fields.contains(where: { $0.name == f.name }) { r.fields.append(f) }
            r.attachments += q.attachments
            out[ri] = r
            removed.insert(qi)
        }
        return out.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
    }
}
