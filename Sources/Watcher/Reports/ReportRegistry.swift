import Foundation

/// The per-job-type reporters a run asks when a RELION job changes state, and the report of any job.
///
/// A finished or running job gets the report of the first reporter whose `kinds` holds the job's kind; a failed
/// or aborted job of any kind gets the tails of `run.err` and `run.out` (`FailureReport`); unknown and external
/// kinds get an empty report, so their message is the plain one. Nothing here throws or traps.
///
/// ```swift
/// let report = JobReports.report(for: job)       // pictures cached in $XDG_CACHE_HOME/emtools/pictures
/// notice.lines += report.lines + report.problems
/// ```
public enum JobReports {
    /// The reporters a run uses (default: `standardReporters` drawing into the user's picture cache).
    /// Tests and embedders may replace the list.
    nonisolated(unsafe) public static var reporters: [any JobReporter] =
        standardReporters(pictures: ReportPictures(cache: standardCache))

    /// One reporter per job type (Reports/), drawing map pictures with `pictures`.
    public static func standardReporters(pictures: ReportPictures) -> [any JobReporter] {
        [
            ExtractReport(), Class2DReport(pictures: pictures), InitialModelReport(pictures: pictures),
            Class3DReport(pictures: pictures), Refine3DReport(pictures: pictures), PostProcessReport(pictures: pictures),
            MaskCreateReport(pictures: pictures), LogfileReport(), MultiBodyReport(pictures: pictures),
        ]
    }

    /// The cache in the user's cache folder, pruned (entries unused for 30 days) when first used.
    static let standardCache: PictureCache = {
        let cache = PictureCache(directory: PictureCache.standardDirectory())
        cache.prune(olderThan: 30 * 86_400)
        return cache
    }()

    /// The reporter for `kind` among `list` (default: the registered ones), or nil for kinds without one
    /// (import, select, external, unknown, …).
    public static func reporter(for kind: JobKind, in list: [any JobReporter] = reporters) -> (any JobReporter)? {
        list.first { type(of: $0).kinds.contains(kind) }
    }

    /// The report of `job` by the reporters in `list`: failures and aborts get the log tails, finished and
    /// running jobs their kind's report, other states nothing.
    public static func report(for job: JobContext, using list: [any JobReporter] = reporters) -> JobReport {
        if job.state == .failed || job.state == .aborted { return FailureReport().report(for: job) }
        guard job.state == .finished || job.state == .running else { return JobReport() }
        return reporter(for: job.type.kind, in: list)?.report(for: job) ?? JobReport()
    }

    /// The report of `job` with the standard reporters drawing with `pictures` (its cache, sizes and page limits).
    public static func report(for job: JobContext, pictures: ReportPictures) -> JobReport {
        report(for: job, using: standardReporters(pictures: pictures))
    }
}
