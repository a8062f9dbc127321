import Foundation

/// The message of one RELION job change: the plain part every job gets (project, job, alias, type,
/// old → new state, how long it ran, the host), plus the report of `JobReports`: the job kind's numbers
/// and pictures, or for failures the last lines of `run.err` and `run.out`.
public enum JobNotice {
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
        // The job type's numbers and pictures, or for a failure the tails of run.err and run.out.
        let ctx = JobContext(projectPath: project.path, jobName: job.name, alias: job.alias, type: job.type,
                             state: new, pictureStyle: style)
        let report = JobReports.report(for: ctx, using: reporters)
        let lines = report.lines + report.problems.map { "⚠️ \($0)" }
        fields += report.fields
        var attachments = report.attachments
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
