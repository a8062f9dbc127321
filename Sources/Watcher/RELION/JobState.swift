/// The state of a RELION job as the Watcher sees it: from the job folder's marker files first (the pipeline
/// file is only rewritten while a RELION GUI runs), then from `default_pipeline.star`.
public enum JobState: String, Codable, Sendable, CaseIterable {
    /// In the pipeline but with no `run.out` yet (waiting in a queue, or not started).
    case pending
    /// Scheduled in the pipeline (RELION's "Scheduled"), not started.
    case scheduled
    /// `run.out` exists and no exit marker yet.
    case running
    /// `RELION_JOB_ABORT_NOW` present: the user asked the job to stop, it has not stopped yet.
    case abortRequested
    /// `RELION_JOB_EXIT_SUCCESS` present.
    case finished
    /// `RELION_JOB_EXIT_FAILURE` present.
    case failed
    /// `RELION_JOB_EXIT_ABORTED` (RELION 3.1: `RELION_JOB_ABORTED`) present.
    case aborted

    /// The word a person reads in a message ("Finished", "Abort requested").
    public var displayName: String {
        switch self {
        case .pending: "Pending"
        case .scheduled: "Scheduled"
        case .running: "Running"
        case .abortRequested: "Abort requested"
        case .finished: "Finished"
        case .failed: "Failed"
        case .aborted: "Aborted"
        }
    }

    /// True for the states a job does not leave by itself (finished, failed, aborted).
    public var isFinal: Bool { self == .finished || self == .failed || self == .aborted }
}
