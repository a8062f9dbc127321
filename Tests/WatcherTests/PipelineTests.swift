import EMCore
import Foundation
import Testing
import TestSupport
@testable import Watcher

@Suite struct PipelineTests {
    func jobs(_ layout: RelionProjectFixture.Layout, folder: String = "project") throws -> ([PipelineJob], RelionProjectFixture) {
        let f = try RelionProjectFixture(layout: layout, projectFolder: folder)
        try f.addJob(.init(name: "Import/job001/", alias: nil, code31: 0, label: "relion.import.movies"), status: 2)
        try f.addJob(.init(name: "Refine3D/job012/", alias: "final_map", code31: 10, label: "relion.refine3d.helical"), status: 0)
        try f.addJob(.init(name: "Class2D/job1000/", alias: nil, code31: 8, label: "relion.class2d.em"), status: 1)
        try f.addJob(.init(name: "MaskCreate/job1013/", alias: "mask_for_PP", code31: 12, label: "relion.maskcreate"), status: 3)
        try f.addJob(.init(name: "External/job1014/", alias: nil, code31: 99, label: "relion.external"), status: 4)
        return (try Pipeline.read(f.project + "/default_pipeline.star"), f)
    }

    @Test(arguments: [RelionProjectFixture.Layout.relion31, .relion40, .relion50])
    func readsJobsTypesAliasesAndStatuses(layout: RelionProjectFixture.Layout) throws {
        let (list, f) = try jobs(layout)
        defer { f.remove() }
        #expect(list.map(\.name) == ["Import/job001/", "Refine3D/job012/", "Class2D/job1000/", "MaskCreate/job1013/", "External/job1014/"])
        #expect(list.map(\.alias) == [nil, "final_map", nil, "mask_for_PP", nil])
        #expect(list.map(\.type.kind) == [.import, .refine3d, .class2d, .maskcreate, .external])
        #expect(list.map(\.status) == [.succeeded, .running, .scheduled, .failed, .aborted])
        if layout != .relion31 { #expect(list[1].type.label == "relion.refine3d.helical") }
    }

    @Test func jobFolderNamesInTheProjectPathDoNotConfuseIt() throws {
        let (list, f) = try jobs(.relion40, folder: "Refine3D/job005/Class2D/job1000")
        defer { f.remove() }
        #expect(list.count == 5)
        #expect(list[2].name == "Class2D/job1000/")
        #expect(JobFolder(path: f.project + "/" + list[2].name).path.hasSuffix("Refine3D/job005/Class2D/job1000/Class2D/job1000"))
    }

    @Test func hostilePipelineFilesGiveOneLineNamingTheFile() throws {
        let dir = TestEnv.temporaryDirectory("pipeline")
        defer { TestEnv.removeTemporary(dir) }
        let missing = dir + "/none.star"
        #expect(throws: WatcherError.self) { try Pipeline.read(missing) }
        let notPipeline = dir + "/particles.star"
        try "data_particles\nloop_\n_rlnImageName\na.mrcs\n".write(toFile: notPipeline, atomically: true, encoding: .utf8)
        do { _ = try Pipeline.read(notPipeline); Issue.record("no error") } catch {
            #expect("\(error)".contains(notPipeline))
            #expect("\(error)".contains("not a RELION pipeline"))
        }
        let truncated = dir + "/default_pipeline.star"
        try "data_pipeline_processes\nloop_\n_rlnPipeLineProcessName #1\n_rlnPipeLineProcessAlias #2\n_rlnPipeLineProcessType #3\n_rlnPipeLineProcessStatus #4\nRefine3D/job012/ None 10 2\nClass2D/job013/ No".write(toFile: truncated, atomically: true, encoding: .utf8)
        do {
            let list = try Pipeline.read(truncated)
            // A short last row may parse as a partial row; it must never crash, and the full row is intact.
            #expect(list.first?.name == "Refine3D/job012/")
        } catch {
            #expect("\(error)".contains(truncated))
            #expect(!"\(error)".contains("\n"))
        }
        let empty = dir + "/empty.star"
        try "data_pipeline_general\n_rlnPipeLineJobCounter 1\n".write(toFile: empty, atomically: true, encoding: .utf8)
        #expect(try Pipeline.read(empty).isEmpty)
    }

    @Test func pathsEscapingTheProjectAreIgnored() throws {
        let doc = try STARDocument.parse("data_pipeline_processes\nloop_\n_rlnPipeLineProcessName\n_rlnPipeLineProcessType\n../../etc/ 10\n/abs/job1/ 10\nRefine3D/job002 10\n")
        let list = try Pipeline.jobs(in: doc, path: "x")
        #expect(list.map(\.name) == ["Refine3D/job002/"])
    }
}

@Suite struct JobFolderTests {
    @Test func markersDecideTheStateInRelionsOrder() throws {
        let dir = TestEnv.temporaryDirectory("jobfolder")
        defer { TestEnv.removeTemporary(dir) }
        let job = JobFolder(path: dir)
        #expect(job.state(pipeline: .running).state == .pending)
        #expect(job.state(pipeline: .scheduled).state == .scheduled)
        #expect(job.state(pipeline: .succeeded).state == .finished)
        let steps: [(String, JobState)] = [("run.out", .running), ("RELION_JOB_ABORT_NOW", .abortRequested),
                                           ("RELION_JOB_ABORTED", .aborted), ("RELION_JOB_EXIT_ABORTED", .aborted),
                                           ("RELION_JOB_EXIT_FAILURE", .failed), ("RELION_JOB_EXIT_SUCCESS", .finished)]
        for (file, state) in steps {
            #expect(FileManager.default.createFile(atPath: dir + "/" + file, contents: Data()))
            #expect(job.state(pipeline: .scheduled).state == state, "after \(file)")
        }
    }

    @Test func tailReadsOnlyTheLastLinesOfALargeFile() throws {
        let dir = TestEnv.temporaryDirectory("jobfolder")
        defer { TestEnv.removeTemporary(dir) }
        var text = ""
        for i in 0 ..< 100_000 { text += "line \(i)\n" }
        text += "\n\nERROR: out of memory\n"
        try text.write(toFile: dir + "/run.err", atomically: true, encoding: .utf8)
        let tail = JobFolder(path: dir).tail("run.err", lines: 3)
        #expect(tail == ["line 99998", "line 99999", "ERROR: out of memory"])
        #expect(JobFolder(path: dir).tail("missing") == nil)
    }

    @Test func durationsReadLikeAPersonWouldSayThem() {
        #expect(Duration.text(42) == "42 s")
        #expect(Duration.text(12 * 60 + 5) == "12 min")
        #expect(Duration.text(2 * 3600 + 14 * 60) == "2 h 14 min")
        #expect(Duration.text(3 * 86400 + 4 * 3600 + 59) == "3 d 4 h")
    }
}
