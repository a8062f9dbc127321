import EMCore
import Foundation

/// MotionCorr, CtfFind, AutoPick, CtfRefine and Polish: the job's own `logfile.pdf` attached, plus the
/// key numbers its output STAR file holds:
/// - MotionCorr: micrographs in `corrected_micrographs.star`, mean total motion (`_rlnAccumMotionTotal`, Å).
/// - CtfFind: micrographs in `micrographs_ctf.star`, median CTF fit resolution (`_rlnCtfMaxResolution`, Å),
///   defocus range (`_rlnDefocusU`, µm).
/// - AutoPick: micrographs and particles picked (`autopick.star` of RELION 4/5, or the `*_autopick.star`
///   coordinate files of RELION 3.1).
/// - CtfRefine: particles in `particles_ctf_refine.star`, their mean defocus (`_rlnDefocusU`/`V`, µm) and,
///   when beam tilt was fitted, each optics group's beam tilt (`_rlnBeamTiltX`/`Y`, mrad).
/// - Polish: particles in `shiny.star`; the per-frame B-factor range and frame count of `bfactors.star`
///   (block `perframe_bfactors`, `_rlnBfactorUsedForSharpening`, Å²); a training run's optimal
///   σ values of `opt_params_all_groups.txt` (velocity Å/dose, divergence Å, acceleration Å/dose).
public struct LogfileReport: JobReporter {
    public static let kinds: [JobKind] = [.motioncorr, .ctffind, .autopick, .ctfrefine, .polish]
    /// The largest logfile.pdf attached (bytes); a bigger one is named in the problems instead.
    public var maxAttachmentBytes: Int
    /// At most this many coordinate files are read to count picked particles.
    public var maxCoordinateFiles: Int
    public init(maxAttachmentBytes: Int = 20 << 20, maxCoordinateFiles: Int = 20_000) {
        self.maxAttachmentBytes = maxAttachmentBytes; self.maxCoordinateFiles = maxCoordinateFiles
    }

    public func report(for job: JobContext) -> JobReport {
        var b = ReportBuilder()
        guard job.state == .finished else { return b.report }
        switch job.type.kind {
        case .motioncorr: motion(job, &b)
        case .ctffind: ctf(job, &b)
        case .autopick: picks(job, &b)
        case .ctfrefine: ctfRefine(job, &b)
        case .polish:
            // A parameter-training run writes opt_params_all_groups.txt and no logfile.pdf.
            if !polish(job, &b) { return b.report }
        default: break
        }
        attachLogfile(job, &b)
        return b.report
    }

    func attachLogfile(_ job: JobContext, _ b: inout ReportBuilder) {
        let path = job.folder + "/logfile.pdf"
        guard JobFiles.exists(path) else { b.problem("no logfile.pdf in \(job.jobName)"); return }
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= maxAttachmentBytes else {
            b.problem("\(path): logfile.pdf is \(size >> 20) MB, larger than the \(maxAttachmentBytes >> 20) MB attached")
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else { b.problem("\(path): cannot read"); return }
        b.attach([NoticeAttachment(filename: ReportText.stem(job) + "_logfile.pdf", title: "\(job.jobName) logfile.pdf", data: data)])
    }

    func micrographs(_ job: JobContext, file: String, _ b: inout ReportBuilder) -> STARTable? {
        b.attempt("no micrograph count", {
            try STARDocument.read(job.folder + "/" + file).requireBlock("micrographs").requireTable()
        })
    }

    func motion(_ job: JobContext, _ b: inout ReportBuilder) {
        guard let t = micrographs(job, file: "corrected_micrographs.star", &b) else { return }
        b.field("Micrographs", ReportText.count(t.rowCount))
        if let m = try? t.doubles("rlnAccumMotionTotal"), !m.isEmpty {
            b.field("Mean total motion", ReportText.angstrom(m.reduce(0, +) / Double(m.count)))
        }
    }

    func ctf(_ job: JobContext, _ b: inout ReportBuilder) {
        guard let t = micrographs(job, file: "micrographs_ctf.star", &b) else { return }
        b.field("Micrographs", ReportText.count(t.rowCount))
        if let r = try? t.doubles("rlnCtfMaxResolution"), !r.isEmpty {
            b.field("Median CTF resolution", ReportText.angstrom(r.sorted()[r.count / 2]))
        }
        if let d = try? t.doubles("rlnDefocusU"), let lo = d.min(), let hi = d.max() {
            b.field("Defocus", String(format: "%.2f–%.2f µm", lo / 10_000, hi / 10_000))
        }
    }

    @discardableResult
    func count(_ job: JobContext, file: String, _ b: inout ReportBuilder) -> STARDocument? {
        guard let doc = b.attempt("no particle count", { try STARDocument.read(job.folder + "/" + file) }),
              let t = b.attempt("no particle count", { try doc.requireBlock("particles").requireTable() }) else { return nil }
        b.field("Particles", ReportText.count(t.rowCount))
        return doc
    }

    func ctfRefine(_ job: JobContext, _ b: inout ReportBuilder) {
        guard let doc = count(job, file: "particles_ctf_refine.star", &b),
              let t = doc.block("particles")?.table else { return }
        if let u = try? t.doubles("rlnDefocusU"), let v = try? t.doubles("rlnDefocusV"), !u.isEmpty, u.count == v.count {
            let mean = zip(u, v).map { ($0 + $1) / 2 }.reduce(0, +) / Double(u.count)
            b.field("Mean defocus", String(format: "%.3f µm", mean / 10_000))
        }
        guard let optics = doc.block("optics")?.table, let x = try? optics.doubles("rlnBeamTiltX"),
              let y = try? optics.doubles("rlnBeamTiltY"), x.count == y.count, !x.isEmpty else { return }
        let names = (try? optics.requireColumn("rlnOpticsGroupName")).map { c in (0 ..< optics.rowCount).map { optics.string(row: $0, column: c) } }
        let tilts = x.indices.map { i in (names?[i] ?? "group \(i + 1)") + String(format: " %.3f / %.3f", x[i], y[i]) }
        b.field("Beam tilt X / Y (mrad)", tilts.joined(separator: ", "))
    }

    /// Polish numbers; false for a parameter-training run (which has no shiny.star nor logfile.pdf).
    func polish(_ job: JobContext, _ b: inout ReportBuilder) -> Bool {
        let params = job.folder + "/opt_params_all_groups.txt"
        let training = JobFiles.exists(params) && !JobFiles.exists(job.folder + "/shiny.star")
        if training {
            if let line = b.attempt("no optimal parameters", { try FileTail.lines(of: params, count: 1).first ?? "" }) {
                let v = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
                if v.count == 3 {
                    b.field("Optimal σ velocity / divergence / acceleration", String(format: "%.3f / %.0f / %.3f", v[0], v[1], v[2]))
                } else {
                    b.problem("\(params): expected 3 numbers (σ velocity, divergence, acceleration), found \"\(line)\"")
                }
            }
            return false
        }
        count(job, file: "shiny.star", &b)
        let path = job.folder + "/bfactors.star"
        guard JobFiles.exists(path),
              let t = b.attempt("no B-factors", { try STARDocument.read(path).requireBlock("perframe_bfactors").requireTable() }),
              let bf = b.attempt("no B-factors", { try t.doubles("rlnBfactorUsedForSharpening") }),
              let lo = bf.min(), let hi = bf.max() else { return true }
        b.field("Frames", ReportText.count(bf.count))
        b.field("Per-frame B-factor", String(format: "%.1f to %.1f Å²", lo, hi))
        return true
    }

    func picks(_ job: JobContext, _ b: inout ReportBuilder) {
        var files: [String] = []
        let list = job.folder + "/autopick.star"
        if JobFiles.exists(list) {
            guard let t = b.attempt("no pick count", { try STARDocument.read(list).requireBlock("coordinate_files").requireTable() }),
                  let c = b.attempt("no pick count", { try t.requireColumn("rlnMicrographCoordinates") }) else { return }
            files = (0 ..< t.rowCount).map { job.projectPath + "/" + t.string(row: $0, column: c) }
        } else {
            let e = FileManager.default.enumerator(atPath: job.folder)
            while let name = e?.nextObject() as? String {
                if name.hasSuffix("_autopick.star") && !(name as NSString).lastPathComponent.hasPrefix("coords_suffix") {
                    files.append(job.folder + "/" + name)
                }
            }
        }
        b.field("Micrographs", ReportText.count(files.count))
        guard files.count <= maxCoordinateFiles else {
            b.problem("\(files.count) coordinate files: particles not counted (more than \(maxCoordinateFiles))")
            return
        }
        var total = 0, unreadable = 0
        for f in files {
            if let doc = try? STARDocument.read(f), let t = doc.blocks.first(where: { !$0.tables.isEmpty })?.table { total += t.rowCount } else { unreadable += 1 }
        }
        b.field("Particles picked", ReportText.count(total))
        if unreadable > 0 { b.problem("\(unreadable) of \(files.count) coordinate files could not be read") }
    }
}
