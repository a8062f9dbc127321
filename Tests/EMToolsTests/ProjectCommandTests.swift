import EMCore
import Foundation
import Testing
import TestSupport

/// Transcripts of `emtools project` and `emtools slice` on generated maps: file names, JSON reports, and
/// PNGs (decoded by libpng) equal to what EMCore computes for the same map in-process.
@Suite(.serialized) struct ProjectCommandTests {
    let emtools = TestEnv.product("emtools")

    /// The `--json` report (see PictureReport in Sources/EMTools/Support/PictureJobs.swift).
    struct Report: Decodable {
        struct Picture: Decodable {
            var source: String, view: String, kind: String, path: String
            var width: Int, height: Int, bits: Int, pixelSizeAngstrom: Double, contrast: String
            var low: Float, high: Float, min: Float, max: Float
        }
        struct Tile: Decodable { var source: String, view: String, label: String, low: Float, high: Float }
        struct GalleryFile: Decodable {
            var path: String, width: Int, height: Int, columns: Int, rows: Int, tileSize: Int, tiles: [Tile]
        }
        var pictures: [Picture]
        var gallery: GalleryFile?
    }

    func phantom(_ path: String, size: Int = 32, seed: Int = 1) throws {
        let r = try TestEnv.run(emtools, ["phantom", path, "--size", "\(size)", "--noise", "0.05", "--seed", "\(seed)", "--angpix", "1.25"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    func project(_ args: [String], env: [String: String]? = nil) throws -> (TestEnv.ProcessResult, Report?) {
        let r = try TestEnv.run(emtools, args, environment: env)
        let report = r.status == 0 && args.contains("--json") ? try JSONDecoder().decode(Report.self, from: r.stdoutData) : nil
        return (r, report)
    }

    /// The PNG at `path` equals `image` through the window the report gave (8-bit, y up).
    func expectPNG(_ path: String, equals image: GrayImage, low: Float, high: Float, _ what: String) throws {
        let png = try PNGFile.read(path)
        #expect(png.width == image.width && png.height == image.height, "\(what): size")
        #expect(png.samples8 == image.quantized8(ContrastWindow(low: low, high: high)), "\(what): pixels")
    }

    @Test func projectWritesMapProjZNextToTheMap() throws {
        let dir = TestEnv.temporaryDirectory("cli-project")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try phantom(map)
        let (r, report) = try project(["project", map, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let p = try #require(report?.pictures.first)
        #expect(report?.pictures.count == 1 && report?.gallery == nil)
        #expect(p.path == dir + "/map_proj_z.png" && p.source == map && p.view == "z" && p.kind == "sum")
        #expect(p.width == 32 && p.height == 32 && p.bits == 8 && abs(p.pixelSizeAngstrom - 1.25) < 1e-6)
        #expect(p.contrast == "percentile:0.5,99.5")
        let image = try MRCFile.open(map).projection(along: .z)
        let window = Contrast.standard.window(for: image.pixels)
        #expect(p.low == window.low && p.high == window.high)
        let s = image.statistics()
        #expect(p.min == s.min && p.max == s.max && p.low > p.min && p.high < p.max)
        try expectPNG(p.path, equals: image, low: p.low, high: p.high, "z projection")
        // Without --json: one line per picture, path first.
        let plain = try TestEnv.run(emtools, ["project", map])
        #expect(plain.status == 0)
        #expect(plain.stdout.hasPrefix(dir + "/map_proj_z.png\t32×32\t8-bit\twindow "))
        #expect(plain.stdout.split(separator: "\n").count == 1)
    }

    @Test func axesAnglesAndMaximumEachGetTheirOwnFile() throws {
        let dir = TestEnv.temporaryDirectory("cli-views")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try phantom(map)
        let (r, report) = try project(["project", map, "--axis", "all", "--angles", "30,60,-10", "--angles", "-45,90,0", "--max", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = report?.pictures.map { ($0.path as NSString).lastPathComponent }
        #expect(names == ["map_max_x.png", "map_max_y.png", "map_max_z.png", "map_max_r30_t60_p-10.png", "map_max_r-45_t90_p0.png"])
        let file = try MRCFile.open(map)
        for p in report?.pictures ?? [] {
            #expect(p.kind == "max")
            let image: GrayImage
            switch p.view {
            case "x", "y", "z": image = try file.projection(along: VolumeAxis(rawValue: p.view)!, kind: .maximum)
            case "r30_t60_p-10": image = try file.projection(at: EulerAngles(rot: 30, tilt: 60, psi: -10), kind: .maximum)
            default: image = try file.projection(at: EulerAngles(rot: -45, tilt: 90, psi: 0), kind: .maximum)
            }
            try expectPNG(p.path, equals: image, low: p.low, high: p.high, p.view)
        }
        // --angles alone: no axis projection.
        let (r2, only) = try project(["project", map, "--angles=0,90,0", "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(only?.pictures.map(\.view) == ["r0_t90_p0"])
    }

    @Test func sizeBitsContrastAndOut() throws {
        let dir = TestEnv.temporaryDirectory("cli-options")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc", out = dir + "/custom.png"
        try phantom(map, size: 40)
        let (r, report) = try project(["project", map, "--size", "16", "--bits", "16", "--contrast", "sigma:3", "--axis", "y", "--out", out, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let p = try #require(report?.pictures.first)
        #expect(p.path == out && p.width == 16 && p.height == 16 && p.bits == 16 && p.contrast == "sigma:3")
        #expect(abs(p.pixelSizeAngstrom - 1.25 * 40 / 16) < 1e-6)
        let image = try MRCFile.open(map).projection(along: .y).downscaled(toFit: 16)
        let s = image.statistics()
        #expect(abs(Double(p.low) - (s.mean - 3 * s.rms)) < 1e-3 * s.rms && abs(Double(p.high) - (s.mean + 3 * s.rms)) < 1e-3 * s.rms)
        let png = try PNGFile.read(out, as: .gray16)
        #expect(png.width == 16 && png.height == 16)
        #expect(png.samples16 == image.quantized16(ContrastWindow(low: p.low, high: p.high)))
        #expect(!FileManager.default.fileExists(atPath: dir + "/map_proj_y.png"))
        // A folder for --out takes any number of pictures under their usual names.
        let second = dir + "/other.mrc", folder = dir + "/pictures"
        try phantom(second, seed: 2)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let (r2, many) = try project(["project", map, second, "--axis", "all", "--out", folder, "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(many?.pictures.count == 6)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            == ["map_proj_x.png", "map_proj_y.png", "map_proj_z.png", "other_proj_x.png", "other_proj_y.png", "other_proj_z.png"])
    }

    @Test func sliceDefaultsToTheCentreAndNamesTheIndex() throws {
        let dir = TestEnv.temporaryDirectory("cli-slice")
        defer { TestEnv.removeTemporary(dir) }
        let map = dir + "/map.mrc"
        try phantom(map)
        let (r, report) = try project(["slice", map, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let p = try #require(report?.pictures.first)
        #expect(p.path == dir + "/map_slice_z16.png" && p.view == "slice_z16")
        let file = try MRCFile.open(map)
        try expectPNG(p.path, equals: try file.slice(across: .z, at: 16), low: p.low, high: p.high, "centre slice")
        let (r2, x3) = try project(["slice", map, "--axis", "x", "--index", "3", "--contrast", "minmax", "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        let q = try #require(x3?.pictures.first)
        #expect(q.path == dir + "/map_slice_x3.png")
        let slice = try file.slice(across: .x, at: 3)
        let s = slice.statistics()
        #expect(q.low == s.min && q.high == s.max)
        try expectPNG(q.path, equals: slice, low: q.low, high: q.high, "slice x 3")
        let (r3, all) = try project(["slice", map, "--axis", "all", "--index", "5", "--json"])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(all?.pictures.map(\.view) == ["slice_x5", "slice_y5", "slice_z5"])
    }

    @Test func galleryOfClassMapsHasOneLabelledTilePerMapInAGrid() throws {
        let dir = TestEnv.temporaryDirectory("cli-gallery")
        defer { TestEnv.removeTemporary(dir) }
        var maps: [String] = []
        for k in 1 ... 7 {
            let m = dir + String(format: "/run_it025_class%03d.mrc", k)
            try phantom(m, size: 24, seed: k)
            maps.append(m)
        }
        let model = dir + "/run_it025_model.star"
        var star = "\ndata_model_general\n\n_rlnNrClasses 7\n\ndata_model_classes\n\nloop_\n_rlnReferenceImage #1\n_rlnClassDistribution #2\n"
        for k in 1 ... 7 { star += String(format: "Class3D/job012/run_it025_class%03d.mrc %.6f\n", k, Double(k) / 28) }
        try star.write(toFile: model, atomically: true, encoding: .utf8)
        let out = dir + "/classes.png"
        let (r, report) = try project(["project", dir + "/run_it025_class*.mrc", "--gallery", out, "--model", model, "--size", "96", "--json"],
                                      env: ["EMTOOLS_THREADS": "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let g = try #require(report?.gallery)
        #expect(report?.pictures.isEmpty == true)
        #expect(g.path == out && g.columns == 3 && g.rows == 3 && g.tileSize == 96 && g.tiles.count == 7)
        #expect(g.tiles.map(\.source) == maps, "tiles in file order")
        #expect(g.tiles.map(\.label) == (1 ... 7).map { Gallery.classLabel($0, occupancy: Double($0) / 28) })
        let png = try PNGFile.read(out, as: .rgb8)
        #expect(png.width == g.width && png.height == g.height)
        // Labels by file name, several views per map: map-major order.
        let (r2, byName) = try project(["project", maps[0], maps[1], "--axis", "all", "--gallery", out, "--json"])
        #expect(r2.status == 0, "\(r2.stderr)")
        #expect(byName?.gallery?.tiles.map(\.label) == ["run_it025_class001 · x", "run_it025_class001 · y", "run_it025_class001 · z",
                                                         "run_it025_class002 · x", "run_it025_class002 · y", "run_it025_class002 · z"])
        #expect(byName?.gallery?.columns == 3 && byName?.gallery?.rows == 2)
        // Slices: the label says which section.
        let (rs, slices) = try project(["slice", maps[0], "--axis", "all", "--gallery", out, "--json"])
        #expect(rs.status == 0, "\(rs.stderr)")
        #expect(slices?.gallery?.tiles.map(\.label) == ["run_it025_class001 · slice x12", "run_it025_class001 · slice y12", "run_it025_class001 · slice z12"])
        #expect(slices?.gallery?.tiles.map(\.view) == ["slice_x12", "slice_y12", "slice_z12"])
        #expect(slices?.gallery?.columns == 3 && slices?.gallery?.rows == 1, "one row per map")
        let (r4, four) = try project(["project", maps[0], maps[1], "--axis", "all", "--angles", "0,90,0", "--gallery", out, "--json"])
        #expect(r4.status == 0, "\(r4.stderr)")
        #expect(four?.gallery?.columns == 4 && four?.gallery?.rows == 2, "one row per map")
        let (r3, custom) = try project(["project", maps[0], maps[1], "--gallery", out, "--label", "apo", "--label", "holo", "--json"])
        #expect(r3.status == 0, "\(r3.stderr)")
        #expect(custom?.gallery?.tiles.map(\.label) == ["apo", "holo"])
    }

    @Test func aTerminalShowsAProgressBarThatClearsItself() throws {
        let dir = TestEnv.temporaryDirectory("cli-progress")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try (1 ... 5).map { k -> String in
            let m = dir + "/m\(k).mrc"
            try phantom(m, size: 16, seed: k)
            return m
        }
        // `script` (util-linux) runs the command on a pseudo-terminal, so both outputs are terminals.
        let command = (["env", "-u", "EMTOOLS_NO_PROGRESS", emtools, "project"] + maps).joined(separator: " ")
        let r = try TestEnv.run("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout.contains("\rproject █"), "bar drawn")
        #expect(r.stdout.contains(" 5/5\r\u{1b}[K"), "bar finished and erased")
        for k in 1 ... 5 { #expect(r.stdout.contains(dir + "/m\(k)_proj_z.png\t16×16")) }
    }

    @Test func manyMapsAtOnceGiveWhatEachGivesAlone() throws {
        let dir = TestEnv.temporaryDirectory("cli-many")
        defer { TestEnv.removeTemporary(dir) }
        let maps = try (1 ... 6).map { k -> String in
            let m = dir + "/m\(k).mrc"
            try phantom(m, size: 20 + 2 * k, seed: k)
            return m
        }
        let (r, together) = try project(["project"] + maps + ["--axis", "all", "--json"], env: ["EMTOOLS_THREADS": "2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "no progress bar when output is not a terminal")
        #expect(together?.pictures.map(\.source) == maps.flatMap { [$0, $0, $0] }, "input order")
        for (k, m) in maps.enumerated() {
            let (_, alone) = try project(["project", m, "--axis", "all", "--json"], env: ["EMTOOLS_THREADS": "1"])
            for (a, b) in zip(alone?.pictures ?? [], together!.pictures[(3 * k) ..< (3 * k + 3)]) {
                #expect(a.path == b.path && a.width == 20 + 2 * (k + 1) && a.low == b.low && a.high == b.high)
            }
        }
    }
}
