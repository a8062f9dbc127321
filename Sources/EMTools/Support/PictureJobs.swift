import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// Options shared by `emtools project` and `emtools slice`: how pictures look and where they go.
struct PictureOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Shrink so that neither side exceeds N pixels, by area averaging (never enlarged). "
                               + "With --gallery: the edge of each tile (default 256).", valueName: "N"))
    var size: Int?

    @Option(help: ArgumentHelp("Grey-level mapping: percentile:LOW,HIGH (percent), sigma:K "
                               + "(mean ± K·σ), minmax, or window:MIN,MAX in map units.", valueName: "SPEC"))
    var contrast: String = Contrast.standard.argument

    @Option(help: ArgumentHelp("PNG depth: 8 or 16 bits of grey.", valueName: "8|16"))
    var bits: Int = 8

    @Option(help: ArgumentHelp("Row order: y-up (as RELION, Chimera and IMOD show maps) or y-down (as stored).", valueName: "ORDER"))
    var rows: String = RowOrder.yUp.rawValue

    @Option(help: ArgumentHelp("Output PNG (one picture) or an existing folder (any number); default: next to each map.", valueName: "PATH"))
    var out: String?

    @Option(help: ArgumentHelp("Put every picture into one PNG grid with a label under each, instead of one file each.", valueName: "PNG"))
    var gallery: String?

    @Option(help: ArgumentHelp("Gallery labels: name (the file name), path, or class (RELION class number, with its occupancy from --model).", valueName: "KIND"))
    var labels: String = "name"

    @Option(name: .customLong("label"), help: ArgumentHelp("Gallery label text, one per tile in order (repeatable; overrides --labels).", valueName: "TEXT"))
    var labelTexts: [String] = []

    @Option(help: ArgumentHelp("RELION model.star whose model_classes table gives each class's occupancy (implies --labels class).", valueName: "STAR"))
    var model: String?

    @Option(help: ArgumentHelp("Gallery tiles per row (default: one row per map when there are several views, else about the square root of their number, at most 6).", valueName: "N"))
    var columns: Int?

    @Flag(help: "Gallery: one grey-level window over all tiles (to compare densities) instead of one per tile.")
    var sharedContrast = false

    @Flag(help: "Print what was written (paths, sizes, value window) as JSON.")
    var json = false

    /// Refuse a `--out` file or `--gallery` that is one of the maps (or the `--model` file) read.
    func refuseOutputsOverInputs(_ files: [String]) throws {
        let outFile = out.flatMap { Path.isDirectory($0) ? nil : $0 }
        try refuseOverwritingInputs(outputs: [outFile, gallery], inputs: expandPaths(files) + (model.map { [$0] } ?? []))
    }

    var parsedContrast: Contrast { Contrast(argument: contrast)! }
    var rowOrder: RowOrder { RowOrder(rawValue: rows)! }

    func validate() throws {
        if let s = size, s <= 0 || s > 65536 { throw ValidationError("--size must be between 1 and 65536 pixels, got \(s)") }
        guard Contrast(argument: contrast) != nil else {
            throw ValidationError("--contrast '\(contrast)': use percentile:LOW,HIGH (0 ≤ LOW < HIGH ≤ 100), sigma:K (K > 0), minmax or window:MIN,MAX")
        }
        guard bits == 8 || bits == 16 else { throw ValidationError("--bits must be 8 or 16, got \(bits)") }
        guard RowOrder(rawValue: rows) != nil else { throw ValidationError("--rows must be y-up or y-down, got '\(rows)'") }
        guard ["name", "path", "class"].contains(labels) else { throw ValidationError("--labels must be name, path or class, got '\(labels)'") }
        if let c = columns, c <= 0 { throw ValidationError("--columns must be positive, got \(c)") }
        if gallery != nil {
            if out != nil { throw ValidationError("--out and --gallery both name the output: give one of them") }
            if bits != 8 { throw ValidationError("--bits 16 is for single pictures; a gallery is an 8-bit RGB PNG") }
        } else if !labelTexts.isEmpty || model != nil || columns != nil || sharedContrast {
            throw ValidationError("--label, --model, --columns and --shared-contrast only apply with --gallery")
        }
    }
}

/// What was written, for `--json`: one record per picture, or the gallery.
struct PictureReport: Encodable {
    /// One PNG written for one view of one map.
    struct Picture: Encodable {
        var source: String
        var view: String
        var kind: String
        var path: String
        var width: Int
        var height: Int
        var bits: Int
        var pixelSizeAngstrom: Double
        var contrast: String
        /// Value (map units) shown black and white.
        var low: Float
        var high: Float
        /// Smallest and largest value of the (down-scaled) image.
        var min: Float
        var max: Float
    }
    /// One tile of a gallery.
    struct Tile: Encodable {
        var source: String
        var view: String
        var label: String
        var low: Float
        var high: Float
    }
    struct GalleryFile: Encodable {
        var path: String
        var width: Int
        var height: Int
        var columns: Int
        var rows: Int
        var tileSize: Int
        var contrast: String
        var sharedContrast: Bool
        var tiles: [Tile]
    }
    var pictures: [Picture] = []
    var gallery: GalleryFile? = nil
}

/// Making pictures of many maps at once: maps go over all cores (one at a time when they are large, so
/// that memory stays at one map's worth), with a progress bar on a terminal; every failure is reported in
/// one line naming its file, and the run exits 1 if any map failed.
struct PictureJobs {
    /// What each output file is called after the map's stem: `proj`, `max` or `slice`.
    var nameTag: (MapView) -> String
    var views: [MapView]
    var kind: ProjectionKind
    var options: PictureOptions
    /// Command name for the progress bar.
    var label: String

    /// Maps above this size are done one after the other (their projections still use every core).
    static let concurrentLimitBytes = 512 << 20

    /// Make every picture; a failure that is not about one map (the gallery cannot be written, say) is
    /// reported as one `emtools:` line and exit status 1, like the others.
    func run(_ arguments: [String]) throws {
        do {
            try runAll(expandPaths(arguments))
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            throw e
        } catch {
            report(error)
            throw ExitCode(1)
        }
    }

    private func runAll(_ paths: [String]) throws {
        if let g = options.gallery { return try runGallery(paths, to: g) }
        let place = try outputPlace(pictureCount: paths.count * views.count)
        if case .folder(let dir) = place {
            // One folder for all: two maps with the same name would overwrite each other's pictures.
            var seen: [String: String] = [:]
            for p in paths {
                let stem = PictureJobs.stem(of: p)
                if let other = seen[stem] {
                    throw ValidationError("\(other) and \(p) would both write \(stem)_….png in \(dir): project them into different folders")
                }
                seen[stem] = p
            }
        }
        let (results, failed) = forEachMap(paths) { try writePictures(of: $0, to: place) }
        let written = results.compactMap { $0 }.flatMap { $0 }
        if options.json {
            try printJSON(PictureReport(pictures: written))
        } else {
            for p in written {
                print("\(p.path)\t\(p.width)×\(p.height)\t\(p.bits)-bit\twindow \(fmt(p.low))…\(fmt(p.high))")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }

    /// Where the pictures go.
    enum OutputPlace { case besideMap, folder(String), file(String) }

    /// From `--out`: nothing = next to each map; an existing folder; or one file, for a single picture.
    private func outputPlace(pictureCount: Int) throws -> OutputPlace {
        guard let out = options.out else { return .besideMap }
        if Path.isDirectory(out) { return .folder(out) }
        if out.hasSuffix("/") { throw ValidationError("--out \(out): no such folder") }
        guard pictureCount == 1 else {
            throw ValidationError("--out \(out) names one file but \(pictureCount) pictures would be written: give an existing folder")
        }
        return .file(out)
    }

    private func writePictures(of path: String, to place: OutputPlace) throws -> [PictureReport.Picture] {
        let file = try MRCFile.open(path)
        let resolved = views.map { $0.resolved(for: file.gridSize) }
        let images = try MapPicture.pictures(of: file, views: resolved, kind: kind, size: options.size)
        let contrast = options.parsedContrast
        return try zip(resolved, images).map { view, image in
            let name = PictureJobs.stem(of: path) + "_" + nameTag(view) + ".png"
            let target: String
            switch place {
            case .file(let f): target = f
            case .folder(let dir): target = Path.join(dir, name)
            case .besideMap: target = Path.join(Path.directory(path), name)
            }
            let window = try image.writePNG(to: target, contrast: contrast, depth: options.bits, rows: options.rowOrder)
            let s = image.statistics()
            return PictureReport.Picture(source: path, view: view.tag, kind: kind.rawValue, path: target, width: image.width, height: image.height,
                                         bits: options.bits, pixelSizeAngstrom: image.pixelSize, contrast: contrast.argument,
                                         low: window.low, high: window.high, min: s.min, max: s.max)
        }
    }

    private func runGallery(_ paths: [String], to output: String) throws {
        let tileSize = options.size ?? 256
        // Labels and the model file are checked before any map is read.
        let labels = try galleryLabels(paths)
        let (perMap, failed) = forEachMap(paths) { path -> [(MapView, GrayImage)] in
            let file = try MRCFile.open(path)
            let resolved = views.map { $0.resolved(for: file.gridSize) }
            return zip(resolved, try MapPicture.pictures(of: file, views: resolved, kind: kind, size: tileSize)).map { ($0, $1) }
        }
        if failed > 0 {
            printError("emtools: \(output): not written, \(failed) of \(paths.count) maps could not be read")
            throw ExitCode(1)
        }
        var tiles: [Gallery.Tile] = []
        var records: [PictureReport.Tile] = []
        for (i, path) in paths.enumerated() {
            for (view, image) in perMap[i]! {
                var label = labels[tiles.count]
                if options.labelTexts.isEmpty && views.count > 1 { label += " · " + PictureJobs.shortTag(view) }
                tiles.append(Gallery.Tile(image: image, label: label))
                records.append(PictureReport.Tile(source: path, view: view.tag, label: label, low: 0, high: 0))
            }
        }
        // Several views per map: one row per map unless told otherwise.
        let columns = options.columns ?? (views.count > 1 ? min(views.count, 6) : nil)
        let gallery = Gallery(tiles: tiles, columns: columns, tileSize: tileSize, contrast: options.parsedContrast,
                              sharedContrast: options.sharedContrast, rowOrder: options.rowOrder)
        let layout = try gallery.writePNG(to: output)
        for (k, w) in gallery.windows().enumerated() { records[k].low = w.low; records[k].high = w.high }
        if options.json {
            try printJSON(PictureReport(gallery: .init(path: output, width: layout.width, height: layout.height, columns: layout.columns,
                                                       rows: layout.rows, tileSize: tileSize, contrast: options.parsedContrast.argument,
                                                       sharedContrast: options.sharedContrast, tiles: records)))
        } else {
            print("\(output)\t\(layout.width)×\(layout.height)\t\(tiles.count) pictures in \(layout.columns)×\(layout.rows)")
        }
    }

    /// One label per tile (map-major, then view): the `--label` texts, or per map from `--labels`
    /// name/path/class repeated for each view (the view is appended once it is known).
    private func galleryLabels(_ paths: [String]) throws -> [String] {
        let count = paths.count * views.count
        if !options.labelTexts.isEmpty {
            guard options.labelTexts.count == count else {
                throw ValidationError("--label was given \(options.labelTexts.count) times but the gallery has \(count) pictures")
            }
            return options.labelTexts
        }
        let occupancy = try options.model.map { try ClassOccupancy.read($0) } ?? [:]
        let byClass = options.labels == "class" || options.model != nil
        return paths.flatMap { path -> [String] in
            let base: String
            if byClass, let n = Gallery.classNumber(fromFileName: path) {
                base = Gallery.classLabel(n, occupancy: occupancy[n])
            } else {
                base = options.labels == "path" ? path : PictureJobs.stem(of: path)
            }
            return Array(repeating: base, count: views.count)
        }
    }

    /// Run `body(path)` for each map, concurrently up to the core count when the maps are small, with a
    /// progress bar. Returns each map's result in input order (nil where it failed; each failure is
    /// already reported on standard error) and the number of failures.
    private func forEachMap<T>(_ paths: [String], _ body: (String) throws -> T) -> (results: [T?], failed: Int) {
        let bar = ProgressBar(total: paths.count, label: label)
        let lock = Lock()
        var results = [T?](repeating: nil, count: paths.count)
        var failed = 0, next = 0
        let large = paths.contains { path in
            (Path.fileSize(path) ?? 0) > PictureJobs.concurrentLimitBytes
        }
        let workers = large ? 1 : max(1, min(Parallel.threadCount, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let i = next
                next += 1
                lock.unlock()
                if i >= paths.count { return }
                do {
                    let r = try body(paths[i])
                    lock.lock(); results[i] = r; lock.unlock()
                } catch {
                    lock.lock(); bar.clear(); report(error); failed += 1; lock.unlock()
                }
                bar.advance()
            }
        }
        return (results, failed)
    }

    /// The file name without folder and without `.mrc`/`.map`/`.mrcs`/`.rec` and `.gz`/`.bz2`.
    static func stem(of path: String) -> String {
        var name = Path.lastComponent(path)
        for ext in [".gz", ".bz2"] where name.lowercased().hasSuffix(ext) { name = String(name.dropLast(ext.count)) }
        for ext in [".mrc", ".map", ".mrcs", ".rec", ".ccp4", ".st", ".ali"] where name.lowercased().hasSuffix(ext) {
            name = String(name.dropLast(ext.count)); break
        }
        return name.isEmpty ? "map" : name
    }

    /// A compact view name for labels: `z`, `r30 t60 p-10`, `slice z64`.
    static func shortTag(_ view: MapView) -> String {
        switch view {
        case .axis(let a): return a.rawValue
        case .angles(let e): return e.fileTag.replacing("_", with: " ")
        case .slice(let a, let i): return "slice \(a)" + (i.map(String.init) ?? "")
        }
    }

    private func fmt(_ v: Float) -> String { String(cFormat: "%.6g", v) }
}

/// Occupancy of each class (`_rlnClassDistribution`, 0…1) from the `model_classes` table of a RELION
/// `*_model.star`, keyed by class number (row order, or the `_classNNN` of `_rlnReferenceImage`).
enum ClassOccupancy {
    static func read(_ path: String) throws -> [Int: Double] {
        let doc = try STARDocument.read(path)
        let block = try doc.requireBlock("model_classes")
        let table = try block.requireTable()
        let occupancy = try table.doubles("rlnClassDistribution")
        let refs = table.columnIndex("rlnReferenceImage") != nil ? try table.strings("rlnReferenceImage") : []
        var out: [Int: Double] = [:]
        for (row, o) in occupancy.enumerated() {
            let n = row < refs.count ? (Gallery.classNumber(fromFileName: refs[row]) ?? row + 1) : row + 1
            out[n] = o
        }
        return out
    }
}
