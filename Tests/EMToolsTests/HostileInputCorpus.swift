import EMCore
import Foundation
import TestSupport

/// A folder of broken inputs for `HostileInputTests`: truncated and lying MRC files, non-MRC files, broken
/// STAR files, a FIFO, unreadable files and folders, and empty output folders (one writable, one read-only).
/// Every file is made here from a small phantom map written by `emtools phantom`.
final class HostileCorpus {
    let dir: String
    let emtools = TestEnv.product("emtools")
    /// The valid 16³ float32 map everything else is derived from.
    let good: Data

    /// Path of a corpus file.
    func path(_ name: String) -> String { dir + "/" + name }
    /// An empty, writable output folder (checked to be still empty after each failing case).
    var out: String { dir + "/out" }
    /// An empty folder that only root may write to.
    var readOnly: String { dir + "/ro" }

    init() throws {
        dir = TestEnv.temporaryDirectory("hostile")
        // Readable and traversable by `nobody`, which runs the permission cases.
        chmod(dir, 0o755)
        let r = try TestEnv.run(emtools, ["phantom", dir + "/good.mrc", "--size", "16"])
        precondition(r.status == 0, r.stderr)
        good = try Data(contentsOf: URL(fileURLWithPath: dir + "/good.mrc"))
        try make()
    }

    deinit {
        chmod(path("locked-dir"), 0o755)
        chmod(readOnly, 0o755)
        TestEnv.removeTemporary(dir)
    }

    private func put(_ name: String, _ data: Data) throws { try data.write(to: URL(fileURLWithPath: path(name))) }
    private func put(_ name: String, _ text: String) throws { try put(name, Data(text.utf8)) }

    /// The good map with some little-endian 32-bit header words (0-based word numbers) replaced.
    func withWords(_ words: [Int: Int32]) -> Data {
        var d = good
        for (w, v) in words {
            withUnsafeBytes(of: v.littleEndian) { d.replaceSubrange(4 * w ..< 4 * w + 4, with: $0) }
        }
        return d
    }

    private func make() throws {
        let fm = FileManager.default
        for d in ["out", "ro", "a-folder.mrc", "locked-dir"] { try fm.createDirectory(atPath: path(d), withIntermediateDirectories: false) }
        chmod(out, 0o777)
        chmod(readOnly, 0o555)
        try put("empty.mrc", Data())
        try put("short.mrc", good.prefix(500))
        try put("truncated.mrc", good.prefix(good.count - 1000))
        try put("header-only.mrc", good.prefix(1024))
        try put("huge.mrc", withWords([0: 100_000, 1: 100_000, 2: 100_000]))
        try put("negative.mrc", withWords([0: -5]))
        try put("zero.mrc", withWords([2: 0]))
        try put("overflow.mrc", withWords([0: .max, 1: .max, 2: .max]))
        try put("nsymbt-past-end.mrc", withWords([23: .max]))
        try put("nsymbt-negative.mrc", withWords([23: -100]))
        try put("mode.mrc", withWords([3: 77]))
        try put("axis.mrc", withWords([16: 1, 17: 1, 18: 3]))
        try put("text.mrc", String(repeating: "this is not a map\n", count: 200))
        var png = Data([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
        var rng = SplitMix64(seed: 7)
        png.append(contentsOf: (0 ..< 3000).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        try put("picture.mrc", png)
        try put("garbage.mrc", Data((0 ..< 5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        try put("corrupt.mrc.gz", Data([0x1f, 0x8b, 8, 0]) + Data((0 ..< 2000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        let gz = try TestEnv.run("gzip", ["-c", path("good.mrc")]).stdoutData
        try put("truncated.mrc.gz", gz.prefix(gz.count / 2))
        precondition(mkfifo(path("fifo.mrc"), 0o644) == 0)
        try put("locked.mrc", good)
        chmod(path("locked.mrc"), 0)
        try put("locked-dir/inside.mrc", good)
        chmod(path("locked-dir"), 0)

        // STAR files.
        let ok = "data_particles\nloop_\n_rlnA\n_rlnB\n_rlnC\n" + (0 ..< 200).map { "\($0) \($0 * 2 % 7) \($0 % 3)\n" }.joined()
        try put("ok.star", ok)
        try put("garbage.star", Data((0 ..< 5000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        try put("short-row.star", "data_particles\n\nloop_\n_rlnA #1\n_rlnB #2\n1 2\n3\n5 6\n")
        try put("no-columns.star", "data_x\nloop_\n1 2 3\n")
        try put("open-quote.star", "data_x\nloop_\n_rlnA\n'abc\n")
        try put("nul.star", Data("data_x\nloop_\n_rlnA\n1\n".utf8) + Data([0, 0, 10]))
        try put("not-a-number.star", "data_x\nloop_\n_rlnA\n_rlnB\n1 2\nabc 3\n4 5\n")
    }

    /// A loop of a million columns and one row (about 14 MB), made only where it is needed.
    func makeMillionColumns() throws -> String {
        var wide = "data_x\nloop_\n"
        wide.reserveCapacity(14_000_000)
        for i in 0 ..< 1_000_000 { wide += "_rlnC\(i)\n" }
        wide += Array(repeating: "1", count: 1_000_000).joined(separator: " ") + "\n"
        try put("million-columns.star", wide)
        return path("million-columns.star")
    }
}

