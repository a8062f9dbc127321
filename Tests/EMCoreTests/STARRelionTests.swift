import EMCore
import Foundation
import Testing
import TestSupport

/// STAR files written by RELION 3.1.3 itself (relion_project, relion_refine, relion_star_handler,
/// relion_mask_create + relion_postprocess), made once per test run in a temporary folder.
enum RelionSTARFiles {
    /// The folder, removed when the test process exits.
    static let folder: String = {
        let dir = TestEnv.temporaryDirectory("relion-star")
        atexit { TestEnv.removeTemporary(RelionSTARFiles.folder) }
        return dir
    }()

    /// Folder and the STAR files in it (relative paths), or the error that stopped making them.
    static let made: Result<(dir: String, files: [String]), Error> = Result {
        let dir = folder
        let map = dir + "/map.mrc", map2 = dir + "/map2.mrc"
        _ = try MRCWriter.write(Phantom.blobs(n: 32, voxelSize: 2, noise: 0, seed: 1), to: map)
        _ = try MRCWriter.write(Phantom.blobs(n: 32, voxelSize: 2, noise: 0.05, seed: 2), to: map2)
        func relion(_ program: String, _ args: [String]) throws {
            let r = try TestEnv.run(TestEnv.relion(program), args, currentDirectory: dir)
            if r.status != 0 { throw TestFailure("\(program) failed (\(r.status)): \(r.stderr.suffix(400))") }
        }
        try relion("relion_project", ["--i", "map.mrc", "--o", "proj", "--nr_uniform", "24", "--angpix", "2"])
        try FileManager.default.createDirectory(atPath: dir + "/C2D", withIntermediateDirectories: true)
        try relion("relion_refine", ["--i", "proj.star", "--o", "C2D/run", "--K", "2", "--iter", "1", "--tau2_fudge", "2",
                                     "--particle_diameter", "50", "--ctf", "false", "--flatten_solvent", "--zero_mask",
                                     "--oversampling", "1", "--psi_step", "30", "--offset_range", "2", "--offset_step", "2",
                                     "--j", "1", "--pad", "1"])
        try relion("relion_star_handler", ["--i", "C2D/run_it001_data.star", "--o", "class1.star",
                                           "--select", "rlnClassNumber", "--minval", "1", "--maxval", "1"])
        try relion("relion_star_handler", ["--i", "proj.star", "--o", "sorted.star", "--sort_on", "rlnAngleTilt"])
        try relion("relion_mask_create", ["--i", "map.mrc", "--o", "mask.mrc", "--ini_threshold", "0.02",
                                          "--extend_inimask", "2", "--width_soft_edge", "3", "--angpix", "2"])
        try FileManager.default.createDirectory(atPath: dir + "/PostProcess", withIntermediateDirectories: true)
        try relion("relion_postprocess", ["--i", "map.mrc", "--i2", "map2.mrc", "--angpix", "2", "--o", "PostProcess/postprocess",
                                          "--mask", "mask.mrc"])
        let files = ["proj.star", "C2D/run_it000_data.star", "C2D/run_it001_data.star", "C2D/run_it000_model.star", "C2D/run_it001_model.star",
                     "C2D/run_it001_optimiser.star", "C2D/run_it001_sampling.star", "class1.star", "sorted.star", "PostProcess/postprocess.star"]
        for f in files where !FileManager.default.fileExists(atPath: dir + "/" + f) { throw TestFailure("RELION did not write \(f)") }
        return (dir, files)
    }

    static func get() throws -> (dir: String, files: [String]) { try made.get() }
}

@Suite struct STARRelionTests {
    @Test func everyFileRelionWroteIsWrittenBackByteForByte() throws {
        let (dir, files) = try RelionSTARFiles.get()
        for f in files {
            let path = dir + "/" + f
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let doc = try STARDocument.read(path)
            #expect(Data(STARWriter.render(doc).utf8) == original, "\(f)")
            let out = dir + "/rewritten.star"
            try STARWriter.write(doc, to: out)
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == original, "\(f) via write(to:)")
        }
    }

    /// The layout comes from the values, not from copying the file: tables rebuilt from strings (no source
    /// text) are written exactly as RELION wrote them.
    @Test func tablesBuiltFromValuesAreWrittenInRelionsLayout() throws {
        let (dir, _) = try RelionSTARFiles.get()
        for f in ["proj.star", "C2D/run_it001_data.star", "class1.star", "C2D/run_it001_model.star", "PostProcess/postprocess.star"] {
            let path = dir + "/" + f
            let doc = try STARDocument.read(path)
            var rebuilt = STARDocument(path: "<memory>")
            rebuilt.header = doc.header
            for b in doc.blocks {
                let tables = b.tables.map { t in
                    STARTable(columns: t.columns, rows: (0 ..< t.rowCount).map(t.row), blockName: b.name)
                }
                rebuilt.blocks.append(STARBlock(name: b.name, pairs: b.pairs, tables: tables))
            }
            #expect(STARWriter.render(rebuilt) == String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self), "\(f)")
        }
    }

    @Test func relionReadsWhatEmtoolsWrites() throws {
        let (dir, _) = try RelionSTARFiles.get()
        let doc = try STARDocument.read(dir + "/C2D/run_it001_data.star")
        var selected = doc
        let particles = try doc.requireBlock("particles").requireTable()
        let i = doc.blocks.firstIndex { $0.name == "particles" }!
        selected.blocks[i].tables[0] = try particles.filtered([STARCondition(parsing: "rlnAngleTilt>=90")])
        try STARWriter.write(selected, to: dir + "/ours.star")
        let r = try TestEnv.run(TestEnv.relion("relion_star_handler"), ["--i", "ours.star", "--o", "back.star", "--select", "rlnAngleTilt",
                                                                    "--minval", "120", "--maxval", "1000"],
                                currentDirectory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let back = try STARDocument.read(dir + "/back.star").requireBlock("particles").requireTable()
        let ours = selected.blocks[i].tables[0]
        let expected = try ours.filtered([STARCondition(parsing: "rlnAngleTilt>=120")])
        #expect(back.rowCount == expected.rowCount && expected.rowCount > 0 && expected.rowCount < ours.rowCount)
        #expect(try back.strings("rlnImageName") == (try expected.strings("rlnImageName")))
        #expect(try back.doubles("rlnAngleTilt") == (try expected.doubles("rlnAngleTilt")))
    }

    @Test func valuesAgreeWithStarfile() throws {
        let (dir, files) = try RelionSTARFiles.get()
        let paths = files.map { dir + "/" + $0 } + STARFixtures.all.map(STARFixtures.path)
        for path in paths { try STARPeer.compareWithStarfile(path) }
    }
}

/// Comparing emtools' reading with the `starfile` Python package's.
enum STARPeer {
    /// Our number against starfile's: equal within 1e-12 relative (pandas' parser may differ in the last
    /// bit), or the same non-finite value (sent as the text inf, -inf, nan).
    static func same(_ x: Double, _ y: Any) -> Bool {
        if let d = y as? Double { return abs(x - d) <= 1e-12 * max(1, abs(d)) }
        switch "\(y)" {
        case "inf": return x == .infinity
        case "-inf": return x == -.infinity
        case "nan": return x.isNaN
        default: return false
        }
    }

    /// For every loop, starfile's columns (numbers or strings) must equal ours; for pair blocks, its values.
    static func compareWithStarfile(_ path: String) throws {
        let script = """
        import json, sys, math, starfile, pandas as pd, numpy as np
        def num(x):
            x = float(x)
            return x if math.isfinite(x) else str(x)   # inf, -inf, nan as text: JSON has no such numbers
        d = starfile.read(sys.argv[1], always_dict=True)
        out = {}
        for name, v in d.items():
            if isinstance(v, pd.DataFrame):
                out[name] = {"loop": {c: ({"numbers": [num(x) for x in v[c]]} if pd.api.types.is_numeric_dtype(v[c]) else {"strings": [str(x) for x in v[c]]}) for c in v.columns}}
            else:
                out[name] = {"pairs": {k: (num(x) if isinstance(x, (int, float, np.number)) else str(x)) for k, x in v.items()}}
        print(json.dumps(out))
        """
        let json = try TestEnv.python(script, [path])
        let peer = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: [String: Any]]
        let doc = try STARDocument.read(path)
        for b in doc.blocks where !(b.pairs.isEmpty && b.tables.isEmpty) {
            guard let entry = peer[b.name] else { Issue.record("\(path): starfile has no block \(b.name)"); continue }
            if let loop = entry["loop"] as? [String: [String: [Any]]], let t = b.table {
                #expect(Set(loop.keys) == Set(t.columns), "\(path) \(b.name)")
                for (c, column) in loop {
                    if let numbers = column["numbers"] {
                        let ours = try t.doubles(c)
                        #expect(ours.count == numbers.count)
                        for (x, y) in zip(ours, numbers) { #expect(same(x, y), "\(path) \(c): \(x) vs \(y)") }
                    } else {
                        #expect(try t.strings(c) == (column["strings"] ?? []).map { "\($0)" }, "\(path) \(b.name) \(c)")
                    }
                }
            } else if let pairs = entry["pairs"] as? [String: Any] {
                #expect(pairs.count == b.pairs.count, "\(path) \(b.name)")
                for (k, v) in pairs {
                    if b.double(k) != nil && (v is Double || ["inf", "-inf", "nan"].contains("\(v)")) {
                        #expect(same(b.double(k)!, v), "\(path) \(k)")
                    } else {
                        #expect(b.value(k) == "\(v)", "\(path) \(k)")
                    }
                }
            } else {
                Issue.record("\(path): block \(b.name) read differently by starfile")
            }
        }
    }
}
