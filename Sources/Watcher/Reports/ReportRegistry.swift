import Foundation

/// The report of any job: picks the reporter by job kind (and, for failed or aborted jobs, the tails of
/// `run.err` and `run.out`). Unknown and external kinds get an empty report; nothing here throws or traps.
///
/// ```swift
/// let report = JobReports.report(for: job)       // pictures cached in $XDG_CACHE_HOME/emtools/pictures
/// notice.lines += report.lines + report.problems
/// ```
public enum JobReports {
    /// The report of `job`, with map pictures cached in `PictureCache.standardDirectory()` (entries unused for
    /// 30 days are removed once per process).
    public static func report(for job: JobContext) -> JobReport {
        report(for: job, pictures: ReportPictures(cache: standardCache))
    }

    /// The cache in the user's cache folder, pruned when first used.
    static let standardCache: PictureCache = {
        let cache = PictureCache(directory: PictureCache.standardDirectory())
        cache.prune(olderThan: 30 * 86_400)
        return cache
    }()

    /// The report of `job`, drawing pictures with `pictures` (its cache, sizes and page limits).
    public static func report(for job: JobContext, pictures: ReportPictures) -> JobReport {
        if job.state == .failed || job.state == .aborted { return FailureReport().report(for: job) }
        guard job.state == .finished || job.state == .running else { return JobReport() }
        return reporter(for: job.type.kind, pictures: pictures)?.report(for: job) ?? JobReport()
    }

    /// The reporter of `kind`, or nil for kinds without one (import, select, external, unknown, …).
    public static func reporter(for kind: JobKind, pictures: ReportPictures = ReportPictures()) -> JobReporter? {
        let reporters: [JobReporter] = [
            ExtractReport(), Class2DReport(pictures: pictures), InitialModelReport(pictures: pictures),
            Class3DReport(pictures: pictures), Refine3DReport(pictures: pictures), PostProcessReport(pictures: pictures),
            MaskCreateReport(pictures: pictures), LogfileReport(), MultiBodyReport(pictures: pictures),
        ]
        return reporters.first { type(of: $0).kinds.contains(kind) }
    }
}
