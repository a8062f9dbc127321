import Dispatch
import FoundationEssentials
import Glibc

/// The files of a RELION multi-body refinement job folder (e.g. `MultiBody/job010`) that
/// `relion_flex_analyse` reads: `--data run_data.star`, `--model run_model.star`, `--bodies bodies.star`.
public struct MultiBodyJob {
    /// The job folder.
    public var directory: String
    /// The project folder (two levels above the job folder), against which RELION's relative paths resolve.
    public var projectDirectory: String
    /// The data STAR file: `run_data.star`, or the latest `run_itNNN_data.star` of an unfinished job.
    public var dataPath: String
    /// The model STAR file: `run_model.star`, or `run_itNNN_half1_model.star` of the same iteration.
    public var modelPath: String
    /// The bodies STAR file (`--multibody_masks`), from the job's `job.star` (`fn_bodies`) or `note.txt`.
    public var bodiesPath: String

    /// Find the files of the job in `directory`; `bodies` overrides the bodies STAR file.
    /// - Throws: `MultiBodyError.missingFile` naming what is missing.
    public static func locate(_ directory: String, bodies: String? = nil) throws -> MultiBodyJob {
        let fm = FileManager.default
        guard Path.exists(directory) else { throw FileError.notFound(path: directory) }
        guard Path.isDirectory(directory) else { throw MultiBodyError.missingFile(job: directory, what: "job folder (this is a file; give the MultiBody/jobNNN folder)") }
        let dir = URL(fileURLWithPath: directory).standardizedFileURL
        let project = dir.deletingLastPathComponent().deletingLastPathComponent().path
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        var data = path("run_data.star"), model = path("run_model.star")
        if !fm.fileExists(atPath: data) {
            let names = (try? fm.contentsOfDirectory(atPath: dir.path)) ?? []
            let its = names.compactMap { n -> Int? in
                guard n.hasPrefix("run_it"), n.hasSuffix("_data.star") else { return nil }
                return Int(n.dropFirst(6).prefix { $0.isNumber })
            }
            guard let last = its.max() else { throw MultiBodyError.missingFile(job: directory, what: "run_data.star (nor any run_itNNN_data.star)") }
            let it = String(cFormat: "%03d", last)
            data = path("run_it\(it)_data.star")
            model = fm.fileExists(atPath: path("run_it\(it)_half1_model.star")) ? path("run_it\(it)_half1_model.star") : path("run_it\(it)_model.star")
        }
        guard fm.fileExists(atPath: model) else { throw MultiBodyError.missingFile(job: directory, what: Path.lastComponent(model)) }
        var bodiesFile = bodies
        if bodiesFile == nil { bodiesFile = bodiesFromJobStar(path("job.star")) ?? bodiesFromNote(path("note.txt")) }
        guard let b = bodiesFile, !b.isEmpty else {
            throw MultiBodyError.missingFile(job: directory, what: "bodies STAR file (fn_bodies in job.star or --multibody_masks in note.txt); give it with --bodies")
        }
        let resolved = ProjectPaths.resolve(b, projectDirectory: project, nextTo: dir.path)
        guard fm.fileExists(atPath: resolved) else { throw MultiBodyError.missingFile(job: directory, what: "bodies STAR file \(b)") }
        return MultiBodyJob(directory: directory, projectDirectory: project, dataPath: data, modelPath: model, bodiesPath: resolved)
    }

    /// `fn_bodies` from a RELION 3.1 `job.star` (block `joboptions_values`).
    static func bodiesFromJobStar(_ path: String) -> String? {
        guard let doc = try? STARDocument.read(path), let t = doc.blocks.lazy.compactMap({ $0.table(with: "rlnJobOptionVariable") }).first,
              let k = t.columnIndex("rlnJobOptionVariable"), let v = t.columnIndex("rlnJobOptionValue") else { return nil }
        for r in 0 ..< t.rowCount where t.string(row: r, column: k) == "fn_bodies" {
            let s = t.string(row: r, column: v)
            return s.isEmpty ? nil : s
        }
        return nil
    }

    /// The argument of `--multibody_masks` in the last command line of `note.txt`.
    static func bodiesFromNote(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        var found: String? = nil
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            if let i = words.firstIndex(of: "--multibody_masks"), i + 1 < words.count { found = words[i + 1] }
        }
        return found
    }
}
