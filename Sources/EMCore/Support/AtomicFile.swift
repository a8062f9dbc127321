import Dispatch
import FoundationEssentials
import Glibc

/// Writes a file all at once or not at all: data goes to a hidden temporary file in the destination folder,
/// which is renamed over the destination only when everything was written. A failure removes the temporary
/// file, so a reader never sees a half-written map, PNG or STAR file. The temporary file is also removed when
/// the process is interrupted (SIGINT from Ctrl-C, SIGTERM from a batch system's time limit, SIGHUP, SIGPIPE)
/// while it is being written; see `TemporaryFiles`.
public enum AtomicFile {
    /// Write `data` to `path` atomically with the given permissions (default 0644). See
    /// `write(to:permissions:durable:_:)` for `durable`.
    /// - Throws: `FileError.cannotWrite` naming the path and the system's reason.
    public static func write(_ data: Data, to path: String, permissions: mode_t = 0o644, durable: Bool = true) throws {
        try write(to: path, permissions: permissions, durable: durable) { fd in
            try data.withUnsafeBytes { raw in
                try writeAll(fd: fd, raw, path: path)
            }
        }
    }

    /// Write to `path` atomically through a closure that receives an open file descriptor of the temporary file.
    /// The closure may write in several steps; if it throws, nothing appears at `path`.
    ///
    /// `durable` (the default) flushes the data to disk (fsync) before the rename, so that even a power cut
    /// cannot leave an empty file under the final name. Pictures, which are cheap to make again, pass false:
    /// the rename is still atomic for every reader and every failure of the process (errors of the write and
    /// of close are still reported), and the flush, about a millisecond, is a fifth of writing a PNG.
    public static func write(to path: String, permissions: mode_t = 0o644, durable: Bool = true, _ body: (Int32) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let tmp = dir + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        // Registered before it exists, so that an interrupt at any moment finds it.
        let slot = TemporaryFiles.register(tmp)
        defer { TemporaryFiles.unregister(slot) }
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        if fd < 0 { throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var ok = false
        defer {
            if !ok { unlink(tmp) }
        }
        do {
            try body(fd)
            if fchmod(fd, permissions) != 0 || (durable && fsync(fd) != 0) {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw FileError.cannotWrite(path: path, reason: reason)
            }
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        if rename(tmp, path) != 0 { throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        ok = true
    }

    /// Write every byte of `buffer` to `fd`, retrying short writes and EINTR.
    public static func writeAll(fd: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        guard var p = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let n = Glibc.write(fd, p, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            left -= n
            p += n
        }
    }
}
