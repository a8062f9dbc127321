import EMCore
import Foundation

/// Collects a report piece by piece: anything that throws becomes one line in `problems` and the rest of the
/// report still goes out.
struct ReportBuilder {
    var report = JobReport()

    mutating func line(_ text: String) { report.lines.append(text) }
    mutating func field(_ name: String, _ value: String) { report.fields.append(NoticeField(name, value)) }
    mutating func attach(_ attachments: [NoticeAttachment]) { report.attachments += attachments }
    mutating func problem(_ text: String) { report.problems.append(text) }

    /// Run `body`; on error add `"<what>: <error>"` to the problems and return nil.
    mutating func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
        do { return try body() } catch {
            problem("\(what): \(ReportText.describe(error))")
            return nil
        }
    }
}

/// Text conventions shared by the reports.
enum ReportText {
    /// One line for an error: EMCore's errors already name the file and the problem.
    static func describe(_ error: Error) -> String {
        let text = String(describing: error)
        return text.split(separator: "\n").first.map(String.init) ?? text
    }

    /// A resolution in Å with two decimals: `3.41 Å`.
    static func angstrom(_ value: Double) -> String { String(format: "%.2f Å", value) }

    /// A fraction 0…1 as a percentage with one decimal: `21.4 %`.
    static func percent(_ fraction: Double) -> String { String(format: "%.1f %%", fraction * 100) }

    /// An integer with thousands separators: `12 345`.
    static func count(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append("\u{2009}") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// File-name stem of a job: `Refine3D/job012/` → `Refine3D_job012`.
    static func stem(_ job: JobContext) -> String {
        job.jobName.split(separator: "/").joined(separator: "_")
    }

    /// The gallery label of a class: `#3 · 21.4%` (occupancy as a fraction 0…1, or nil).
    static func classLabel(_ number: Int, occupancy: Double?) -> String {
        guard let o = occupancy else { return "#\(number)" }
        return "#\(number) · " + String(format: "%.1f%%", o * 100)
    }
}

/// The files RELION writes into a job folder, found by name.
enum JobFiles {
    /// One iteration's file: `run_it025_model.star`, `run_ct3_it025_model.star`, `run_it025_half1_model.star`.
    struct Iteration: Equatable {
        var number: Int
        var path: String
    }

    /// The files `run[_ctN]_itNNN<suffix>` of `folder` (suffix e.g. `_model.star`, `_half1_model.star`,
    /// `_data.star`, `_classes.mrcs`), one per iteration (the latest continuation wins), sorted by iteration.
    static func iterations(in folder: String, suffix: String, prefix: String = "run") -> [Iteration] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var best: [Int: (ct: Int, name: String)] = [:]
        for name in names where name.hasPrefix(prefix + "_") && name.hasSuffix(suffix) {
            var middle = name.dropFirst(prefix.count + 1).dropLast(suffix.count)
            var ct = -1
            if middle.hasPrefix("ct") {
                let digits = middle.dropFirst(2).prefix { $0.isNumber }
                guard let c = Int(digits) else { continue }
                ct = c
                middle = middle.dropFirst(2 + digits.count)
                guard middle.hasPrefix("_") else { continue }
                middle = middle.dropFirst()
            }
            guard middle.hasPrefix("it") else { continue }
            let digits = middle.dropFirst(2)
            guard !digits.isEmpty, digits.allSatisfy(\.isNumber), let n = Int(digits) else { continue }
            if let b = best[n], b.ct >= ct { continue }
            best[n] = (ct, name)
        }
        return best.keys.sorted().map { Iteration(number: $0, path: folder + "/" + best[$0]!.name) }
    }

    /// The last iteration's file, or nil.
    static func last(in folder: String, suffix: String, prefix: String = "run") -> Iteration? {
        iterations(in: folder, suffix: suffix, prefix: prefix).last
    }

    /// True when `path` is an existing regular file.
    static func exists(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }

    /// The section number (1-based) of a RELION image reference `000003@Class2D/job004/run_it025_classes.mrcs`.
    static func section(ofImageReference ref: String) -> Int? {
        guard let at = ref.firstIndex(of: "@") else { return nil }
        return Int(ref[..<at])
    }

    /// The file name of a RELION image reference, without any `NNN@` section prefix.
    static func fileName(ofImageReference ref: String) -> String {
        let path = ref.firstIndex(of: "@").map { String(ref[ref.index(after: $0)...]) } ?? ref
        return (path as NSString).lastPathComponent
    }
}

/// One class of a RELION `data_model_classes` (or `data_model_bodies`) table.
struct ModelClass: Equatable {
    /// Class number, 1-based (the row order of the table).
    var number: Int
    /// `_rlnReferenceImage` as written (`Class3D/job010/run_it025_class001.mrc`, `000003@…classes.mrcs`).
    var referenceImage: String
    /// `_rlnClassDistribution`: fraction of particles (0…1); nil when absent.
    var occupancy: Double?
    /// `_rlnEstimatedResolution` in Å.
    var resolution: Double?
    /// `_rlnAccuracyRotations` in degrees.
    var accuracyRotations: Double?
    /// `_rlnAccuracyTranslationsAngst` (RELION 3.1+) or `_rlnAccuracyTranslations` (pixels, 3.0) — as written.
    var accuracyTranslations: Double?
}

/// The parts of a RELION `_model.star` the reports read.
struct ModelStar {
    var path: String
    var document: STARDocument
    /// `data_model_general`.
    var general: STARBlock
    /// Rows of `data_model_classes` (or `data_model_bodies` for multi-body refinement).
    var classes: [ModelClass]

    init(path: String) throws {
        self.path = path
        document = try STARDocument.read(path)
        general = try document.requireBlock("model_general")
        let block = try document.block("model_classes") ?? document.requireBlock("model_bodies")
        let table = try block.requireTable()
        let refs = try table.strings("rlnReferenceImage")
        func column(_ names: String...) -> [Double?] {
            for n in names {
                if let c = table.columnIndex(n) { return (0 ..< table.rowCount).map { table.double(row: $0, column: c) } }
            }
            return Array(repeating: nil, count: table.rowCount)
        }
        let occ = column("rlnClassDistribution"), res = column("rlnEstimatedResolution")
        let rot = column("rlnAccuracyRotations"), trans = column("rlnAccuracyTranslationsAngst", "rlnAccuracyTranslations")
        classes = refs.indices.map {
            ModelClass(number: $0 + 1, referenceImage: refs[$0], occupancy: occ[$0], resolution: res[$0],
                       accuracyRotations: rot[$0], accuracyTranslations: trans[$0])
        }
    }

    /// `_rlnCurrentResolution` of `data_model_general`, Å.
    var currentResolution: Double? { general.double("rlnCurrentResolution") }
    /// `_rlnPixelSize` of `data_model_general`, Å.
    var pixelSize: Double? { general.double("rlnPixelSize") }
    /// `_rlnOriginalImageSize` of `data_model_general`, pixels.
    var boxSize: Int? { general.value("rlnOriginalImageSize").flatMap { Int($0) } }

    /// The FSC curve of block `data_model_class_N` / `data_model_body_N`: spatial frequency (1/Å, from
    /// `_rlnResolution`) and `_rlnGoldStandardFsc`.
    func fsc(block name: String) throws -> (frequency: [Double], fsc: [Double]) {
        let table = try document.requireBlock(name).requireTable()
        return (try table.doubles("rlnResolution"), try table.doubles("rlnGoldStandardFsc"))
    }
}

/// The last lines of a text file, reading at most its last `maxBytes`, with RELION's progress bars
/// (`~~(,_,">` runs joined by carriage returns) dropped.
enum FileTail {
    static func lines(of path: String, count: Int, maxBytes: Int = 64 << 10) throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if !FileManager.default.fileExists(atPath: path) { throw FileError.notFound(path: path) }
            throw FileError.permissionDenied(path: path)
        }
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        let data = try handle.readToEnd() ?? Data()
        var text = String(decoding: data, as: UTF8.self)
        if size > UInt64(maxBytes), let nl = text.firstIndex(of: "\n") { text = String(text[text.index(after: nl)...]) }
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).compactMap { raw -> String? in
            // A progress bar redraws itself with \r; keep only what follows the last one.
            let last = raw.split(separator: "\r", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            let line = last.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.contains("~~(,_,\">") || line.hasPrefix("000/??? sec") { return nil }
            return line
        }
        return Array(kept.suffix(count))
    }
}

extension JobContext {
    /// The job folder without a trailing slash, for joining file names: `<project>/Refine3D/job012`.
    var folder: String {
        var p = jobPath
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
