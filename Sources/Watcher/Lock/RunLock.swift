import Foundation

/// The run lock: an exclusive `flock` on `<database>.lock`, so two runs never work at once.
///
/// The kernel drops a `flock` when its holder dies (even by `kill -9`), so a crashed run never blocks the
/// next one: the file left behind is only a note. The holder writes its PID, start time and host into the
/// file for `emwatch status` and `emwatch unlock`.
///
/// Takeover policy: when the lock is held by a live run that started more than `staleAfter` seconds ago
/// (default one hour, `config --stale-lock`), the new run sends that process SIGTERM, then SIGKILL after
/// five seconds, and takes the lock. The holder's PID is taken from the kernel's lock table
/// (`/proc/locks`), not from the file, so a PID written by a dead run is never killed by mistake.
public final class RunLock {
    /// Path of the lock file.
    public let path: String
    private var fd: Int32 = -1

    public init(databasePath: String) { path = databasePath + ".lock" }

    deinit { release() }

    /// Who holds (or last held) the lock, as written in the lock file.
    public struct Holder: Equatable, Sendable, CustomStringConvertible {
        public var pid: Int32
        public var startedAt: Date
        public var host: String
        public var description: String { "pid \(pid) on \(host), started \(SlackMessage.stamp(startedAt))" }
    }

    /// What `acquire` did.
    public enum Outcome: Equatable, Sendable {
        /// The lock was free (a note left by a dead run, if any, is returned).
        case acquired(previous: Holder?)
        /// A stuck run was stopped and its lock taken.
        case tookOver(from: Holder)
        /// A live run holds the lock and is not stale.
        case busy(Holder?)
    }

    /// Try to take the lock without waiting; take it over from a run older than `staleAfter` seconds.
    public func acquire(staleAfter: TimeInterval, now: Date = Date()) throws -> Outcome {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw WatcherError.locked("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        let previous = RunLock.readHolder(fd: fd)
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            self.fd = fd
            try writeHolder(now: now)
            return .acquired(previous: previous)
        }
        guard errno == EWOULDBLOCK else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw WatcherError.locked("cannot lock \(path): \(why)")
        }
        guard let holder = previous, now.timeIntervalSince(holder.startedAt) > staleAfter,
              let pid = RunLock.kernelHolder(of: fd), pid != getpid() else {
            close(fd)
            return .busy(previous)
        }
        kill(pid, SIGTERM)
        for i in 0 ..< 100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                self.fd = fd
                try writeHolder(now: now)
                return .tookOver(from: holder)
            }
            if i == 50 { kill(pid, SIGKILL) }
            usleep(100_000)
        }
        close(fd)
        return .busy(previous)
    }

    /// Release the lock (also done by the kernel when the process ends).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    /// The current holder when the lock is held by a live process, else nil (the lock is free).
    public func liveHolder() -> Holder? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return RunLock.readHolder(fd: fd) ?? Holder(pid: RunLock.kernelHolder(of: fd) ?? 0, startedAt: .distantPast, host: "?")
    }

    /// Stop the live holder (SIGTERM, then SIGKILL after five seconds). Returns the holder stopped, or nil
    /// when the lock was free.
    public func stopHolder() -> Holder? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); return nil }
        let holder = RunLock.readHolder(fd: fd)
        guard let pid = RunLock.kernelHolder(of: fd), pid != getpid() else { return holder }
        kill(pid, SIGTERM)
        for i in 0 ..< 100 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { flock(fd, LOCK_UN); break }
            if i == 50 { kill(pid, SIGKILL) }
            usleep(100_000)
        }
        return holder ?? Holder(pid: pid, startedAt: .distantPast, host: "?")
    }

    private func writeHolder(now: Date) throws {
        let text = "pid=\(getpid())\nstarted=\(Int64(now.timeIntervalSince1970))\nhost=\(HostName.current)\n"
        guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.utf8.count, 0) == text.utf8.count else {
            throw WatcherError.locked("cannot write the lock file \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func readHolder(fd: Int32) -> Holder? {
        var buf = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buf, buf.count, 0)
        guard n > 0 else { return nil }
        var values: [String: String] = [:]
        for line in String(decoding: buf[0 ..< n], as: UTF8.self).split(separator: "\n") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { values[String(kv[0])] = String(kv[1]) }
        }
        guard let pid = values["pid"].flatMap({ Int32($0) }), let t = values["started"].flatMap({ Double($0) }) else { return nil }
        return Holder(pid: pid, startedAt: Date(timeIntervalSince1970: t), host: values["host"] ?? "?")
    }

    /// The PID holding a FLOCK on the file open as `fd`, from `/proc/locks` (Linux).
    static func kernelHolder(of fd: Int32) -> Int32? {
        var st = stat()
        guard fstat(fd, &st) == 0, let text = try? String(contentsOfFile: "/proc/locks", encoding: .utf8) else { return nil }
        let major = (st.st_dev >> 8) & 0xfff, minor = (st.st_dev & 0xff) | ((st.st_dev >> 12) & 0xfff00)
        let wanted = String(format: "%02x:%02x:%llu", major, minor, UInt64(st.st_ino))
        for line in text.split(separator: "\n") {
            // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF" (blocked waiters have "->" and are skipped)
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 6, f[1] == "FLOCK", !line.contains("->") else { continue }
            let id = f[5].lowercased()
            if id == wanted || id.hasSuffix(":\(st.st_ino)") && devMatches(String(id), major: Int(major), minor: Int(minor)) {
                return Int32(f[4])
            }
        }
        return nil
    }

    private static func devMatches(_ id: String, major: Int, minor: Int) -> Bool {
        let p = id.split(separator: ":")
        guard p.count == 3, let ma = Int(p[0], radix: 16), let mi = Int(p[1], radix: 16) else { return false }
        return ma == major && mi == minor
    }
}
