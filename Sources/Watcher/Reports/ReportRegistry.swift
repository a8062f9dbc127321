/// The per-job-type reporters a run asks when a RELION job changes state. A job whose kind no reporter
/// handles gets the plain message (project, job, alias, type, old → new state, run time, host, and for
/// failures the last lines of `run.err`); a reporter's lines, fields and pictures are added to it.
public enum JobReports {
    /// Registered reporters; the first whose `kinds` contains the job's kind is used.
    /// Reporters are added to this list (one file per job type in Reports/).
    nonisolated(unsafe) public static var reporters: [any JobReporter] = []

    /// The reporter for `kind` among `list` (default: the registered ones), if any.
    public static func reporter(for kind: JobKind, in list: [any JobReporter] = reporters) -> (any JobReporter)? {
        list.first { type(of: $0).kinds.contains(kind) }
    }
}
