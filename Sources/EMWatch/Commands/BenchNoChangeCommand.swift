import ArgumentParser
import Foundation
import Watcher

/// `emwatch bench-nochange` (hidden): time a run over many projects where nothing changed.
struct BenchNoChangeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-nochange",
        abstract: "Time a run over generated projects in which nothing changed (for the benchmark note).",
        shouldDisplay: false
    )

    @Option(help: "Number of projects.") var projects = 100
    @Option(help: "Jobs per project.") var jobs = 200
    @Option(help: "Timed runs.") var repeats = 5
    @Option(help: "Folder for the generated projects and database (default: a new temporary folder, removed after).") var dir: String?

    func run() throws {
        try reportingErrors {
            let root = dir ?? (NSTemporaryDirectory() + "emwatch-bench-\(getpid())")
            defer { if dir == nil { try? FileManager.default.removeItem(atPath: root) } }
            let fm = FileManager.default
            try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
            let dbPath = root + "/bench.sqlite"
            try? fm.removeItem(atPath: dbPath)
            let store = try StateStore(path: dbPath)
            let types = ["Import", "MotionCorr", "CtfFind", "AutoPick", "Extract", "Class2D", "Select", "InitialModel",
                         "Class3D", "Refine3D", "MaskCreate", "PostProcess", "CtfRefine", "Polish"]
            for p in 0 ..< projects {
                let proj = root + "/project\(p)"
                var rows: [String] = []
                for j in 1 ... jobs {
                    let t = types[j % types.count]
                    let name = String(format: "%@/job%03d/", t, j)
                    try fm.createDirectory(atPath: proj + "/" + name, withIntermediateDirectories: true)
                    _ = fm.createFile(atPath: proj + "/" + name + "run.out", contents: Data("done\n".utf8))
                    _ = fm.createFile(atPath: proj + "/" + name + "RELION_JOB_EXIT_SUCCESS", contents: Data())
                    rows.append("\(name) None relion.\(t.lowercased()) Succeeded")
                }
                let text = """
                    # version 30001

                    data_pipeline_general

                    _rlnPipeLineJobCounter \(jobs + 1)

                    # version 30001

                    data_pipeline_processes

                    loop_
                    _rlnPipeLineProcessName #1
                    _rlnPipeLineProcessAlias #2
                    _rlnPipeLineProcessTypeLabel #3
                    _rlnPipeLineProcessStatusLabel #4
                    \(rows.joined(separator: "\n"))

                    """
                try text.write(toFile: proj + "/default_pipeline.star", atomically: true, encoding: .utf8)
                _ = try Projects.add(store, path: proj, name: "project\(p)")
            }
            var options = WatcherRun.Options()
            options.mode = .baseline
            _ = try WatcherRun(store: store, options: options).execute()
            sleep(3)  // let every folder settle past the clock-granularity guard
            _ = try WatcherRun(store: store, options: options).execute()
            options.mode = .normal
            var times: [Double] = []
            for _ in 0 ..< repeats {
                let t0 = Date()
                let s = try WatcherRun(store: store, options: options).execute()
                times.append(Date().timeIntervalSince(t0) * 1000)
                if !s.detected.isEmpty { throw WatcherError.other("bench: a run found \(s.detected.count) changes where none were made") }
            }
            times.sort()
            print(String(format: "no-change run over %d projects × %d jobs: median %.1f ms, best %.1f ms, worst %.1f ms (%d runs)",
                         projects, jobs, times[times.count / 2], times[0], times[times.count - 1], repeats))
        }
    }
}
