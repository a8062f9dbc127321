import ArgumentParser
import Foundation
import Watcher

/// `emwatch project add|list|remove`.
struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Add, list or remove the RELION projects followed.",
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a RELION project (a folder holding default_pipeline.star).",
            discussion: "Example: emwatch project add /data/apoferritin --name apof\nThe first run reports every job already there; `emwatch run --baseline --project NAME` records them silently."
        )
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The project folder.") var path: String
        @Option(help: "Short unique name (default: the folder's name).") var name: String?

        func run() throws {
            try reportingErrors {
                let (p, jobs) = try Projects.add(try db.open(), path: path, name: name)
                print("following \(p.name): \(p.path) (\(jobs) jobs in the pipeline)")
                if jobs > 0 { print("to skip reporting the jobs already there: emwatch run --baseline --project \(p.name)") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the projects followed.")
        @OptionGroup var db: DatabaseOption
        func run() throws {
            try reportingErrors {
                let rows = try Projects.list(try db.open())
                if rows.isEmpty { print("no projects followed; add one with `emwatch project add PATH`"); return }
                for r in rows {
                    print("\(r.name)\t\(r.path)\t\(r.jobs) jobs\(r.lastError.map { "\tproblem: \($0)" } ?? "")")
                }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop following a project (its job history is dropped; queued messages still go out).")
        @OptionGroup var db: DatabaseOption
        @Argument(help: "The project's name (see `emwatch project list`).") var name: String
        func run() throws {
            try reportingErrors {
                try Projects.remove(try db.open(), name: name)
                print("no longer following \(name)")
            }
        }
    }
}
