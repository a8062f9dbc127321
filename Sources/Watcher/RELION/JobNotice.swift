import Foundation

/// The message of one RELION job change: the plain part every job gets (project, job, alias, type,
/// old → new state, how long it ran, the host; for failures the last lines of `run.err`), plus the report of
/// the job's kind from `JobReports` when one is registered.
public enum JobNotice {
    /// Lines of `run.err` shown for a failed or aborted job.
    public static let errorLines = 12

    /// The Notice of `job` changing from `old` (nil: first seen) to `new`.
    public static func make(key: String, project: ProjectRecord, job: PipelineJob, folder: JobFolder, old: JobState?,
                            new: JobState, since: Date, context: PollContext, style: PictureStyle,
                            reporters: [any JobReporter] = JobReports.reporters) -> Notice {
        let shortName = job.name.hasSuffix("/") ? String(job.name.dropLast()) : job.name
        let aliasText = job.alias.map { " (\($0))" } ?? ""
        let arrow = old.map { "\($0.displayName) → \(new.displayName)" } ?? new.displayName
        let title = "\(project.name): \(shortName)\(aliasText) \(arrow)"
        var fields = [NoticeField("Project", project.name), NoticeField("Job", shortName)]
        if let a = job.alias { fields.append(NoticeField("Alias", a)) }
        fields.append(NoticeField("Type", job.type.label))
        fields.append(NoticeField("State", arrow))
        if new.isFinal || new == .abortRequested, let start = folder.startedAt, since >= start {
            fields.append(NoticeField(new.isFinal ? "Ran for" : "Running for", Duration.text(since.timeIntervalSince(start))))
        }
        fields.append(NoticeField("Host", context.host))
        var lines: [String] = []
        if new == .failed || new == .aborted {
            if let tail = folder.tail("run.err", lines: errorLines) {
                lines.append("Last lines of `run.err`:\n```\n" + SlackMessage.escape(tail.joined(separator: "\n")) + "\n```")
            } else {
                lines.append("`run.err` is empty or missing.")
            }
        }
        var attachments: [NoticeAttachment] = []
        if let reporter = JobReports.reporter(for: job.type.kind, in: reporters) {
            let ctx = JobContext(projectPath: project.path, jobName: job.name, alias: job.alias, type: job.type,
                                 state: new, pictureStyle: style)
            let report = reporter.report(for: ctx)
            lines += report.lines
            fields += report.fields
            attachments = report.attachments
            lines += report.problems.map { "⚠️ \($0)" }
        }
        // Test hook: EMWATCH_TEST_ATTACH=FILE attaches that file to every job message, so the upload path can be
        // tested end to end (and killed at each of its steps) without a job-type reporter.
        if let p = ProcessInfo.processInfo.environment["EMWATCH_TEST_ATTACH"], let d = FileManager.default.contents(atPath: p) {
            attachments.append(NoticeAttachment(filename: (p as NSString).lastPathComponent, title: "test attachment", data: d))
        }
        return Notice(key: key, source: .relion, title: title, lines: lines, fields: fields, attachments: attachments,
                      occurredAt: since)
    }
}

/// Durations as people read them: `45 s`, `12 min`, `2 h 14 min`, `3 d 4 h`.
public enum Duration {
    /// `seconds` as text.
    public static func text(_ seconds: TimeInterval) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86400) d \(s % 86400 / 3600) h"
    }
}
