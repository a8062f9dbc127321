import Foundation

/// What a report is asked about: one RELION job that changed state.
public struct JobContext: Sendable {
    /// Absolute path of the RELION project folder (the one holding `default_pipeline.star`).
    public var projectPath: String
    /// The job's name in the pipeline, e.g. `Refine3D/job012/` (with the trailing slash, as RELION writes it).
    public var jobName: String
    /// The job's alias without its type folder (`final_map` of `Refine3D/final_map/`), if it has one.
    public var alias: String?
    /// The job's type.
    public var type: JobType
    /// The state now.
    public var state: JobState
    /// How the user wants maps drawn.
    public var pictureStyle: PictureStyle

    /// Absolute path of the job folder.
    public var jobPath: String { (projectPath as NSString).appendingPathComponent(jobName) }

    public init(projectPath: String, jobName: String, alias: String? = nil, type: JobType, state: JobState,
                pictureStyle: PictureStyle = .projection) {
        self.projectPath = projectPath
        self.jobName = jobName
        self.alias = alias
        self.type = type
        self.state = state
        self.pictureStyle = pictureStyle
    }
}

/// How maps are drawn in reports: a sum projection along z, or the central z slice.
public enum PictureStyle: String, Codable, Sendable, CaseIterable {
    case projection, slice
}

/// The numbers, lines and pictures a job type adds to its state-change message.
public struct JobReport: Equatable, Sendable {
    /// Lines of text (Slack mrkdwn).
    public var lines: [String] = []
    /// Key numbers (`Resolution` = `3.41 Å`).
    public var fields: [NoticeField] = []
    /// Pictures and documents for the message's thread.
    public var attachments: [NoticeAttachment] = []
    /// What could not be made, one line each (`no picture of run_class001.mrc: file is truncated`); the rest
    /// of the report still goes out.
    public var problems: [String] = []

    public init(lines: [String] = [], fields: [NoticeField] = [], attachments: [NoticeAttachment] = [],
                problems: [String] = []) {
        self.lines = lines
        self.fields = fields
        self.attachments = attachments
        self.problems = problems
    }
}

/// Builds the report of one job kind. Reports never throw: what fails becomes a line in `problems`.
public protocol JobReporter: Sendable {
    /// The job kinds this reporter handles.
    static var kinds: [JobKind] { get }
    /// The report of `job` in its current state.
    func report(for job: JobContext) -> JobReport
}
