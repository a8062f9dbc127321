import Testing
@testable import Watcher

@Suite struct JobTypeTests {
    @Test func relion31CodesMapToRelion4Labels() {
        #expect(JobType(relion31Code: 10).kind == .refine3d)
        #expect(JobType(relion31Code: 8).kind == .class2d)
        #expect(JobType(relion31Code: 7).kind == .select)
        #expect(JobType(relion31Code: 99).kind == .external)
        #expect(JobType(relion31Code: 42).label == "relion.unknown.42")
        #expect(JobType(relion31Code: 42).kind == .other)
    }

    @Test func labelsMatchByPrefixWhateverTheirSuffix() {
        #expect(JobType(label: "relion.refine3d.helical").kind == .refine3d)
        #expect(JobType(label: "relion.Class2D.EM").kind == .class2d)
        #expect(JobType(label: "relion.importtomo").kind == .other)
        #expect(JobType(label: "mytool.refine3d").kind == .other)
    }

    @Test func onlyExitStatesAreFinal() {
        #expect(JobState.allCases.filter(\.isFinal) == [.finished, .failed, .aborted])
    }
}
