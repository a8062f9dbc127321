import EMCore
import Foundation

/// Shared helpers for emtools' tests: temporary folders, running the built binaries and real peer programs
/// (RELION, Python with numpy/mrcfile/starfile from the test virtual environment), repository paths.
public enum TestEnv {
    /// The repository root (two levels above this file's folder).
    public static let repoRoot: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }()

    /// Folder of the built products (`emtools`, `emwatch`) of this test run.
    public static let productsDirectory: String = {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // The runner may be inside an .xctest bundle folder.
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("emtools").path) {
            if dir.lastPathComponent == ".build" { break }
            dir = dir.deletingLastPathComponent()
        }
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("emtools").path) { return dir.path }
        return repoRoot + "/.build/debug"
    }()

    /// Path of a built executable product, e.g. `product("emtools")`.
    public static func product(_ name: String) -> String { productsDirectory + "/" + name }

    /// Python of the test virtual environment (`$EMTOOLS_PYTHON`, else `<repo>/.venv/bin/python`), which
    /// `scripts/install-deps.sh` fills with numpy, mrcfile and starfile.
    public static var python: String {
        if let p = ProcessInfo.processInfo.environment["EMTOOLS_PYTHON"], !p.isEmpty { return p }
        return repoRoot + "/.venv/bin/python"
    }

    /// A new empty folder under the system's temporary folder; remove it with `removeTemporary`.
    public static func temporaryDirectory(_ tag: String = "test") -> String {
        let path = NSTemporaryDirectory() + "emtools-\(tag)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Remove a folder made by `temporaryDirectory`.
    public static func removeTemporary(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// The result of running a program.
    public struct ProcessResult {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data
    }

    /// Run `executable` (a path, or a name looked up in PATH) with `arguments` and wait for it.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, stdin: Data? = nil) throws -> ProcessResult {
        let p = Process()
        if executable.contains("/") {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [executable] + arguments
        }
        if let e = environment { p.environment = ProcessInfo.processInfo.environment.merging(e) { $1 } }
        // Programs run in a temporary folder unless told otherwise, so that a stray file a peer writes into
        // its working folder never lands in the repository.
        p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory ?? NSTemporaryDirectory())
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let s = stdin { input.fileHandleForWriting.write(s) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so that a chatty program cannot block on a full pipe.
        let errBox = ReadBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return ProcessResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }

    /// Run a Python script with the test environment's Python; throws with its stderr if it fails.
    @discardableResult
    public static func python(_ script: String, _ arguments: [String] = []) throws -> String {
        let r = try run(python, ["-c", script] + arguments)
        if r.status != 0 { throw TestFailure("python failed (\(r.status)): \(r.stderr)") }
        return r.stdout
    }

    /// Path of a RELION program from the Debian package `relion` (e.g. `relion_image_handler`).
    public static func relion(_ program: String) -> String { "/usr/bin/" + program }
}

/// An error thrown by test helpers, with a readable message.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// The bytes one reader thread collects; read only after the `DispatchGroup` it leaves has been waited for,
/// which orders the write before the read.
private final class ReadBox: @unchecked Sendable {
    var data = Data()
}
