import Foundation
import Testing
import TestSupport

/// OpenBLAS, LAPACKE, FFTW and Cairo are opened on first use (Sources/CDelayLoad), not at start-up: run the built
/// binary with the dynamic loader's own trace (`LD_DEBUG=libs`, on stderr) and read which libraries it initialised.
@Suite struct DelayLoadTests {
    let emtools = TestEnv.product("emtools")
    static let lazyLibraries: Set = ["libopenblas.so.0", "liblapacke.so.3", "libfftw3f.so.3", "libfftw3f_threads.so.3",
                                     "libcairo.so.2"]

    /// Run emtools with the loader's trace; returns its exit status and the lazily loaded libraries it initialised.
    func traced(_ arguments: [String], in dir: String) throws -> (status: Int32, loaded: Set<String>) {
        let r = try TestEnv.run(emtools, arguments, environment: ["LD_DEBUG": "libs"], currentDirectory: dir)
        // The loader prints "calling init: /lib/x86_64-linux-gnu/libcairo.so.2" as it runs each library's constructors.
        let initialised = r.stderr.split(separator: "\n").compactMap { line in
            line.range(of: "calling init: ").map { String(line[$0.upperBound...].split(separator: "/").last ?? "") }
        }
        return (r.status, Self.lazyLibraries.intersection(initialised))
    }

    /// Two small phantom half-maps and a three-column STAR table in a new folder.
    func inputs(_ tag: String) throws -> String {
        let dir = TestEnv.temporaryDirectory(tag)
        for (name, seed) in [("h1.mrc", 1), ("h2.mrc", 2)] {
            let r = try TestEnv.run(emtools, ["phantom", dir + "/" + name, "--size", "24", "--noise", "0.2", "--seed", "\(seed)"])
            if r.status != 0 { throw TestFailure("phantom failed: \(r.stderr)") }
        }
        let rows = (0 ..< 50).map { i in "\(Double(i)) \(Double(i * i % 17)) \(Double(i % 7))" }
        try (["data_", "loop_", "_a", "_b", "_c"] + rows).joined(separator: "\n").appending("\n")
            .write(toFile: dir + "/p.star", atomically: true, encoding: .utf8)
        return dir
    }

    @Test func commandsThatComputeNoFFTPCAOrPictureLoadNoneOfTheLibraries() throws {
        let dir = try inputs("lazy-none")
        defer { TestEnv.removeTemporary(dir) }
        for args in [["--version"], ["header", "h1.mrc"], ["stats", "h1.mrc", "h2.mrc"], ["validate", "h1.mrc"],
                     ["star", "p.star"], ["project", "h1.mrc", "--out", "p.png"]] {
            let r = try traced(args, in: dir)
            #expect(r.status == 0 && r.loaded.isEmpty, "\(args): status \(r.status), loaded \(r.loaded.sorted())")
        }
    }

    @Test func eachLibraryIsLoadedByTheCommandsThatUseIt() throws {
        let dir = try inputs("lazy-used")
        defer { TestEnv.removeTemporary(dir) }
        let cases: [([String], Set<String>)] = [
            (["pca", "p.star", "--columns", "a,b,c"], ["libopenblas.so.0", "liblapacke.so.3"]),
            (["fsc", "h1.mrc", "h2.mrc"], ["libfftw3f.so.3", "libfftw3f_threads.so.3"]),
            (["project", "h1.mrc", "h2.mrc", "--gallery", "g.png"], ["libcairo.so.2"]),
        ]
        for (args, expected) in cases {
            let r = try traced(args, in: dir)
            #expect(r.status == 0 && r.loaded == expected, "\(args): status \(r.status), loaded \(r.loaded.sorted())")
        }
    }

    @Test func anUnloadableLibraryIsOneLineNamingItsPackageAndStatus70() throws {
        let dir = try inputs("lazy-broken")
        defer { TestEnv.removeTemporary(dir) }
        // An empty file found first on the library path: the loader rejects it, as it would a damaged installation.
        let libs = dir + "/libs"
        try FileManager.default.createDirectory(atPath: libs, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: libs + "/libcairo.so.2", contents: Data()))
        let env = ["LD_LIBRARY_PATH": libs]
        let gallery = try TestEnv.run(emtools, ["project", "h1.mrc", "h2.mrc", "--gallery", "g.png"], environment: env,
                                      currentDirectory: dir)
        #expect(gallery.status == 70)
        #expect(gallery.stderr == "emtools: cannot load libcairo.so.2 (Debian package libcairo2): \(libs)/libcairo.so.2: file too short\n")
        // Commands that draw nothing still work on that installation.
        let header = try TestEnv.run(emtools, ["header", "h1.mrc"], environment: env, currentDirectory: dir)
        #expect(header.status == 0 && header.stderr.isEmpty)
    }
}
