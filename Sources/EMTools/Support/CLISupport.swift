import ArgumentParser
import EMCore
import Dispatch
import FoundationEssentials
import Glibc

/// Print one line to standard error.
func printError(_ message: String) {
    Console.writeError(message + "\n")
}

/// Print a user-facing error as `emtools: <message>` and remember that the command failed.
/// Errors from EMCore already name the file and the problem in one line.
func report(_ error: Error) {
    printError("emtools: \(describe(error))")
}

/// One-line description of any error.
func describe(_ error: Error) -> String {
    String(describing: error).replacing("\n", with: " ")
}

/// Encode a value as pretty JSON with sorted keys on standard output.
func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try enc.encode(value)
    Console.writeOutput([UInt8](data) + [0x0A])
}

/// Expand command-line file arguments: shell globs that the shell did not expand (quoted, or from scripts)
/// are expanded here; a pattern that matches nothing is kept so that its error names it.
func expandPaths(_ args: [String]) -> [String] {
    var out: [String] = []
    for a in args {
        if a.contains("*") || a.contains("?") || a.contains("[") {
            var g = glob_t()
            defer { globfree(&g) }
            if glob(a, 0, nil, &g) == 0 {
                for i in 0 ..< Int(g.gl_pathc) { if let p = g.gl_pathv[i] { out.append(String(cString: p)) } }
                continue
            }
        }
        out.append(a)
    }
    return out
}

/// A progress bar on standard error, shown only when both standard output and standard error are a terminal
/// (none when output is piped or redirected, or `EMTOOLS_NO_PROGRESS` is set) and the list is long.
final class ProgressBar {
    let total: Int
    let label: String
    let enabled: Bool
    private var done = 0
    private var lastDraw = Date.distantPast
    private let lock = Lock()

    init(total: Int, label: String, minimumItems: Int = 4) {
        self.total = total
        self.label = label
        enabled = isatty(STDERR_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 && total >= minimumItems && ProcessInfo.processInfo.environment["EMTOOLS_NO_PROGRESS"] == nil
    }

    private var visible = false

    /// Erase the bar (before printing results, so that they do not mix with it); `advance` redraws it.
    func clear() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        if visible { Console.writeError("\r\u{1b}[K"); visible = false }
    }

    /// Count one finished item and redraw at most ten times a second (at once after `clear`).
    func advance() {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        done += 1
        let now = Date()
        if visible && done < total && now.timeIntervalSince(lastDraw) < 0.1 { return }
        visible = true
        lastDraw = now
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        Console.writeError("\r\(label) \(bar) \(done)/\(total)")
        if done == total { Console.writeError("\r\u{1b}[K"); visible = false }
    }
}

/// Run `body` for each path, report each failure on its own line, and exit with status 1 if any failed.
func forEachFile(_ paths: [String], label: String, _ body: (String) throws -> Void) throws {
    let bar = ProgressBar(total: paths.count, label: label)
    var failed = 0
    for p in paths {
        bar.clear()
        do { try body(p) } catch { report(error); failed += 1 }
        bar.advance()
    }
    if failed > 0 { throw ExitCode(1) }
}

/// Refuse, as a usage error (exit 64), an output path that is one of the input files: writing it would
/// destroy the data being read (`emtools convert map.mrc map.mrc`, `--out` naming the STAR file read).
/// Files are compared by device and inode when both exist (so a symbolic or hard link is caught too),
/// else by their absolute, standardised paths. Run it from `validate()`, before anything is read.
func refuseOverwritingInputs(outputs: [String?], inputs: [String]) throws {
    for case let out? in outputs {
        if let input = inputs.first(where: { sameFile($0, out) }) {
            throw ValidationError(input == out ? "output \(out) would overwrite an input file"
                                               : "output \(out) would overwrite the input file \(input)")
        }
    }
}

/// True when `a` and `b` name the same file (same device and inode, or the same standardised path).
func sameFile(_ a: String, _ b: String) -> Bool {
    var sa = stat(), sb = stat()
    if stat(a, &sa) == 0 && stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
    return URL(fileURLWithPath: a).standardizedFileURL.path == URL(fileURLWithPath: b).standardizedFileURL.path
}

/// Write several output files as one: if any write fails, those already written are removed again, so that
/// a failure (a full disk, say) never leaves some outputs of the run and not others.
func writeOutputs(_ writes: [(path: String, write: () throws -> Void)]) throws {
    var written: [String] = []
    do {
        for w in writes { try w.write(); written.append(w.path) }
    } catch {
        for p in written { unlink(p) }
        throw error
    }
}
