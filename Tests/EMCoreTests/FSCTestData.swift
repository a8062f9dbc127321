import EMCore
import Foundation
import TestSupport

/// Half-maps for FSC tests: one signal (the asymmetric `Phantom`), plus independent Gaussian noise per half
/// (different seeds), written as MRC files with the given pixel size.
struct FSCHalfMaps {
    let dir: String
    let half1: String
    let half2: String
    /// The noise-free signal, for making masks.
    let clean: String
    let n: Int
    let angpix: Double

    init(dir: String, n: Int, angpix: Double = 1.5, noise: Double = 0.05, names: (String, String) = ("run_half1.mrc", "run_half2.mrc")) throws {
        self.dir = dir; self.n = n; self.angpix = angpix
        half1 = dir + "/" + names.0
        half2 = dir + "/" + names.1
        clean = dir + "/clean.mrc"
        let signal = Phantom.blobs(n: n, voxelSize: angpix)
        try MRCWriter.write(signal, to: clean)
        for (path, seed) in [(half1, UInt64(11)), (half2, UInt64(29))] {
            var v = Phantom.blobs(n: n, voxelSize: angpix, blobs: [], noise: noise, seed: seed)
            for i in v.data.indices { v.data[i] += signal.data[i] }
            try MRCWriter.write(v, to: path)
        }
    }

    /// A soft mask around the signal made by RELION itself (`relion_mask_create`).
    func relionMask() throws -> String {
        let path = dir + "/mask.mrc"
        let r = try TestEnv.run(TestEnv.relion("relion_mask_create"), ["--i", clean, "--o", path, "--ini_threshold", "0.1",
                                                                        "--extend_inimask", "2", "--width_soft_edge", "5", "--angpix", "\(angpix)"])
        if r.status != 0 { throw TestFailure("relion_mask_create failed: \(r.stderr)") }
        return path
    }
}

/// A RELION STAR table read by column name: only what the tests need from RELION's own output (a table whose
/// rows are whitespace-separated numbers), so that the comparison does not depend on our own STAR reader.
struct RelionTable {
    var columns: [String] = []
    var rows: [[String]] = []

    /// The loop of block `data_<block>` in `text`.
    init(_ text: String, block: String) {
        var inBlock = false, inLoop = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("data_") { inBlock = line == "data_" + block; inLoop = false; continue }
            guard inBlock else { continue }
            if line == "loop_" { inLoop = true; continue }
            if line.hasPrefix("_") { columns.append(String(line.split(separator: " ")[0].dropFirst())); continue }
            if inLoop && !line.isEmpty && !line.hasPrefix("#") { rows.append(line.split(separator: " ").map(String.init)) }
        }
    }

    /// A numeric column by name (without the leading underscore).
    func column(_ name: String) -> [Double] {
        guard let i = columns.firstIndex(of: name) else { return [] }
        return rows.map { Double($0[i]) ?? .nan }
    }

    /// A value of a `data_<block>` key–value block.
    static func value(_ text: String, block: String, key: String) -> String? {
        var inBlock = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("data_") { inBlock = line == "data_" + block; continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if inBlock, parts.count >= 2, parts[0] == "_" + key { return String(parts[1]) }
        }
        return nil
    }
}

/// Run `relion_postprocess` on two half-maps (optionally masked) and return its STAR file's text. RELION 3.1.3
/// aborts while drawing its unmasked EPS plot after writing the STAR file, so the exit status is not checked;
/// the STAR file must exist.
func relionPostprocess(_ maps: FSCHalfMaps, mask: String?) throws -> String {
    let out = maps.dir + "/pp-\(mask == nil ? "unmasked" : "masked")"
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    var args = ["--i", maps.half1, "--i2", maps.half2, "--angpix", "\(maps.angpix)", "--o", out + "/postprocess"]
    if let m = mask { args += ["--mask", m] }
    let r = try TestEnv.run(TestEnv.relion("relion_postprocess"), args, currentDirectory: maps.dir)
    guard let text = try? String(contentsOfFile: out + "/postprocess.star", encoding: .utf8) else {
        throw TestFailure("relion_postprocess wrote no STAR file: \(r.stderr)")
    }
    return text
}
