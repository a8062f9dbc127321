import Foundation

/// The words of queue Notices: one title line a person reads first, then a field table.
///
/// Titles: `Refine3D/job012: TIMEOUT after 48:00:00 in partition gpu` (linked to a RELION job),
/// `Slurm job 4711 (motioncor): FAILED (exit code 3) after 00:02:10 in partition cpu`,
/// `… : PENDING for 02:00:00 in partition gpu (reason: Resources)`, `… : RUNNING in partition gpu on node01`,
/// `… : VANISHED from the queue (last seen RUNNING), no completion record`.
enum QueueNoticeText {
    static func subject(_ job: QueueJob, scheduler: SchedulerKind) -> String {
        if let link = QueueLink(job: job) { return link.jobName }
        return "\(scheduler.displayName) job \(job.id)" + (job.name.isEmpty ? "" : " (\(job.name))")
    }

    static func partition(_ job: QueueJob, scheduler: SchedulerKind) -> String {
        guard !job.partition.isEmpty else { return "" }
        return scheduler == .slurm ? " in partition \(job.partition)" : " in queue \(job.partition)"
    }

    static func ended(_ job: QueueJob, scheduler: SchedulerKind, now: Date) -> String {
        var what = job.state.slurmName
        if job.state == .failed || job.state == .outOfMemory {
            if let s = job.signal { what += " (signal \(s))" } else if let c = job.exitCode { what += " (exit code \(c))" }
        }
        let ran = job.nodes != nil || (job.elapsed ?? 0) > 0 || (job.startTime != nil && job.elapsed == nil)
        let when = ran ? job.runTime(now: now).map { " after \(QueueDuration.format($0))" } ?? "" : " while pending"
        return "\(subject(job, scheduler: scheduler)): \(what)\(when)\(partition(job, scheduler: scheduler))"
    }

    static func started(_ job: QueueJob, previous: QueueJobState?, scheduler: SchedulerKind) -> String {
        var t = "\(subject(job, scheduler: scheduler)): RUNNING"
        if let p = previous, p == .suspended || p == .requeued { t += " again (was \(p.slurmName))" }
        t += partition(job, scheduler: scheduler)
        if let n = job.nodes { t += " on \(n)" }
        if let s = job.startTime, let q = job.submitTime, s > q { t += " (waited \(QueueDuration.format(s.timeIntervalSince(q))))" }
        return t
    }

    static func interrupted(_ job: QueueJob, scheduler: SchedulerKind) -> String {
        let word = job.state == .pending ? "REQUEUED" : job.state.slurmName
        return "\(subject(job, scheduler: scheduler)): \(word)\(partition(job, scheduler: scheduler))"
            + (job.reason.map { " (reason: \($0))" } ?? "")
    }

    static func pending(_ job: QueueJob, scheduler: SchedulerKind, now: Date) -> String {
        let since = job.submitTime.map { " for \(QueueDuration.format(now.timeIntervalSince($0)))" } ?? ""
        return "\(subject(job, scheduler: scheduler)): PENDING\(since)\(partition(job, scheduler: scheduler))"
            + (job.reason.map { " (reason: \($0))" } ?? "")
    }

    static func vanished(_ job: QueueJob, last: QueueJobState, scheduler: SchedulerKind) -> String {
        "\(subject(job, scheduler: scheduler)): VANISHED from the queue (last seen \(last.slurmName)), no completion record"
    }

    /// The field table of a queue Notice; a linked job also gets the `RELION job` / `RELION project` fields.
    static func fields(_ job: QueueJob, scheduler: SchedulerKind, now: Date) -> [NoticeField] {
        var f = [NoticeField("Scheduler", scheduler.displayName), NoticeField("Job ID", job.id)]
        if !job.name.isEmpty { f.append(NoticeField("Job name", job.name)) }
        if !job.user.isEmpty { f.append(NoticeField("User", job.user)) }
        if !job.partition.isEmpty { f.append(NoticeField(scheduler == .slurm ? "Partition" : "Queue", job.partition)) }
        f.append(NoticeField("State", job.rawState))
        if let r = job.reason { f.append(NoticeField("Reason", r)) }
        if let c = job.exitCode { f.append(NoticeField("Exit code", job.signal.map { "\(c) (signal \($0))" } ?? "\(c)")) }
        if job.startTime != nil, let t = job.runTime(now: now) { f.append(NoticeField("Run time", QueueDuration.format(t))) }
        if let l = job.timeLimit { f.append(NoticeField("Time limit", QueueDuration.format(l))) }
        if let n = job.nodes { f.append(NoticeField("Nodes", n)) }
        if let w = job.workDir { f.append(NoticeField("Working directory", w)) }
        if let link = QueueLink(job: job) {
            f.append(NoticeField(QueueLink.jobField, link.jobPath))
            if let p = link.projectDirectory { f.append(NoticeField(QueueLink.projectField, p)) }
        }
        return f
    }
}
