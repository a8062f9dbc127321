import Foundation
import Testing
import TestSupport
@testable import Watcher

/// A real Slurm job submitted as RELION's templates do (`-J Refine3D/job012/`, run in the project folder)
/// fails and RELION's job folder says so: `emwatch run` sends ONE message, RELION's, with Slurm's line first.
/// The job starts and ends between two runs and has left `squeue` before the second (the Watcher never saw
/// it listed): Slurm's part comes from the accounting window since the last run (`sacct -c -S …`).
@Suite(.serialized) struct WireSlurmTests {
    @Test(.timeLimit(.minutes(5))) func realSlurmFailureIsMergedIntoRelionsMessage() async throws {
        let cluster = try await SlurmTestCluster()
        defer { cluster.stop() }
        let slack = try SlackStandIn()
        let f = try RelionProjectFixture(layout: .relion31)
        defer { slack.stop(); f.remove() }
        let refine = RelionProjectFixture.Job(name: "Refine3D/job012/", alias: nil, code31: 10, label: "relion.refine3d")
        try f.addJob(refine, status: 1)
        try f.setUp(slack: slack)
        try f.start(refine.name)
        let add = try f.emwatch(["queue", "add", "slurm", "--env", "SLURM_CONF=\(cluster.conf)", "--accounting", "jobcomp", "--timeout", "30"])
        #expect(add.status == 0, "\(add.stderr)")
        let baseline = try f.emwatch(["run", "--baseline"], slack: slack)
        #expect(baseline.status == 0, "\(baseline.stderr)")

        let id = try await cluster.sbatch(["-J", refine.name, "-D", f.project, "--wrap",
                                           "touch \(refine.name)RELION_JOB_EXIT_FAILURE; exit 3"])
        try await cluster.waitFor("job \(id) to fail and leave squeue", seconds: 180) {
            let s = try await cluster.state(id)
            let done = (try? String(contentsOfFile: cluster.jobCompletionFile, encoding: .utf8))?.contains("JobId=\(id) ") == true
            return s == nil && done
        }
        let r = try f.emwatch(["run"], slack: slack)
        #expect(r.status == 0, "\(r.stderr)\n\(cluster.logs())")
        let texts = slack.postedMessages().map { $0.text.components(separatedBy: " (at ")[0] }
        #expect(texts == ["apof: Refine3D/job012 Running → Failed"])
        let post = try #require(slack.requests().last { $0["method"] as? String == "chat.postMessage" })
        let blocks = String(decoding: try JSONSerialization.data(withJSONObject: (post["args"] as! [String: Any])["blocks"]!,
                                                                 options: .withoutEscapingSlashes), as: UTF8.self)
        #expect(blocks.contains("Refine3D/job012: FAILED (exit code 3)"), "\(blocks)")
        #expect(blocks.contains("*RELION job*\\nRefine3D/job012/"), "\(blocks)")
        #expect(try f.emwatch(["run"], slack: slack).status == 0)
        #expect(slack.postedMessages().count == 1)
    }
}
