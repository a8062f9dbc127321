import ArgumentParser
import Foundation
import Watcher

/// `--db PATH`, shared by every subcommand.
struct DatabaseOption: ParsableArguments {
    @Option(name: .customLong("db"), help: "State database (default: $XDG_DATA_HOME/emtools/watcher.sqlite or ~/.local/share/emtools/watcher.sqlite).")
    var path: String?

    /// The database path, absolute.
    var resolved: String {
        let p = path ?? StateStore.defaultPath
        return p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p
    }

    /// Open the state database (creating it).
    func open() throws -> StateStore { try StateStore(path: resolved) }
}

/// Print one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Run `body`; print any error as one `emwatch: …` line and exit with status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
        printError("emwatch: \(String(describing: error).replacingOccurrences(of: "\n", with: " "))")
        throw ExitCode(1)
    }
}

/// Read a Slack token from a file (first non-empty line), refusing files others can read.
func readToken(file: String) throws -> String {
    var st = stat()
    guard stat(file, &st) == 0 else { throw WatcherError.config("token file \(file): not found") }
    if st.st_mode & 0o077 != 0 {
        throw WatcherError.config("token file \(file): readable by others (mode \(String(st.st_mode & 0o777, radix: 8))); run `chmod 600 \(file)`")
    }
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        throw WatcherError.config("token file \(file): cannot be read")
    }
    return try checkToken(text)
}

/// A token read from standard input (first line).
func readTokenFromStdin() throws -> String {
    guard let line = readLine(strippingNewline: true) else { throw WatcherError.config("no token on standard input") }
    return try checkToken(line)
}

private func checkToken(_ text: String) throws -> String {
    let t = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    guard t.hasPrefix("xox"), t.count > 10, !t.contains(" ") else {
        throw WatcherError.config("that is not a Slack token (a bot token starts with xoxb-)")
    }
    return t
}
