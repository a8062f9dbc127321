import FoundationEssentials
import Glibc

// Text and path helpers that emtools would otherwise take from the full Foundation (NSString, String(format:),
// CharacterSet). EMCore and the `emtools` command link only FoundationEssentials: the full Foundation brings
// CoreFoundation's start-up work and a binary three times the size, about 3 ms of every run.

extension String {
    /// printf-style formatting through the C library (`vsnprintf`), for numbers and C types: `%d`, `%ld`,
    /// `%f`, `%g`, `%e`, `%x`, `%%`, widths and precisions. Swift strings go in by interpolation, not `%s`.
    public init(cFormat format: String, _ arguments: CVarArg...) {
        self = String.formatted(format, arguments)
    }

    private static func formatted(_ format: String, _ arguments: [CVarArg]) -> String {
        withVaList(arguments) { first in
            var buffer = [CChar](repeating: 0, count: 512)
            let needed = Int(vsnprintf(&buffer, buffer.count, format, first))
            if needed < buffer.count { return String(decoding: buffer.prefix(Swift.max(0, needed)).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            return withVaList(arguments) { again in
                var big = [CChar](repeating: 0, count: needed + 1)
                _ = vsnprintf(&big, big.count, format, again)
                return String(decoding: big.prefix(needed).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    /// Left-aligned in a field of `width` characters: padded with spaces, or cut to `width` (as NSString's
    /// `padding(toLength:withPad:" ",startingAt:0)`).
    public func padded(to width: Int) -> String {
        count >= width ? String(prefix(width)) : self + String(repeating: " ", count: width - count)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (as `trimmingCharacters(in: .whitespaces)`).
    public func trimmingBlanks() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isWhitespace && !$0.isNewline }
        guard let start = firstIndex(where: { !isBlank($0) }) else { return "" }
        let end = lastIndex(where: { !isBlank($0) })!
        return String(self[start ... end])
    }
}

/// File-path arithmetic on plain strings, with NSString's rules: `/` separates components, trailing slashes
/// are ignored.
public enum Path {
    /// The last component: `a/b/map.mrc` → `map.mrc`; `/` → `/`.
    public static func lastComponent(_ path: String) -> String {
        let p = trimmed(path)
        if p == "/" || p.isEmpty { return p }
        return p.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? p
    }

    /// The path without its last component: `a/b/map.mrc` → `a/b`; `map.mrc` → ``; `/map.mrc` → `/`.
    public static func directory(_ path: String) -> String {
        let p = trimmed(path)
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        return trimmed(String(p[..<slash]))
    }

    /// `component` appended with one `/`: `("a", "b.png")` → `a/b.png`; `("", "b.png")` → `b.png`.
    public static func join(_ directory: String, _ component: String) -> String {
        if directory.isEmpty { return component }
        return (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/" + component
    }

    /// The extension of the last component without its dot (`map.mrc.gz` → `gz`), or ``.
    public static func pathExtension(_ path: String) -> String {
        let last = lastComponent(path)
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return "" }
        return String(last[last.index(after: dot)...])
    }

    /// The path without the extension of its last component (`a/map.mrc` → `a/map`).
    public static func deletingExtension(_ path: String) -> String {
        let ext = pathExtension(path)
        let p = trimmed(path)
        return ext.isEmpty ? p : String(p.dropLast(ext.count + 1))
    }

    /// `path` without trailing slashes (except a lone `/`).
    private static func trimmed(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    /// True when `path` names a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when something exists at `path` (following symbolic links).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The size in bytes of what `path` names (following symbolic links), or nil when it cannot be stat'ed.
    /// One stat(2): unlike FileManager's attributes, it does not look up the owner's user and group names.
    public static func fileSize(_ path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }
}

/// A mutual-exclusion lock (pthread mutex) for the few shared counters and caches.
public final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Run `body` holding the lock.
    @discardableResult
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}

/// Write text to standard error or output with one write(2) (unbuffered, so progress bars and errors appear
/// at once and in order).
public enum Console {
    public static func writeError(_ text: String) { write(2, text) }
    public static func writeOutput(_ bytes: [UInt8]) { bytes.withUnsafeBytes { writeAll(1, $0) } }
    public static func writeOutput(_ text: String) { write(1, text) }

    private static func write(_ fd: Int32, _ text: String) {
        var t = text
        t.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard var p = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let n = Glibc.write(fd, p, left)
            if n < 0 { if errno == EINTR { continue }; return }
            left -= n
            p += n
        }
    }
}
