import CBZip2
import CMappedFiles
import CZlib
import Dispatch
import FoundationEssentials
import Glibc

/// The bytes of a whole file, read-only: memory-mapped for plain files, decompressed into memory for gzip
/// (`.gz`) and bzip2 (`.bz2`) files (recognised by their magic bytes, not their names).
///
/// Decompressed memory grows only as real data arrives, so a small compressed file can never make emtools
/// reserve gigabytes because of a lying header inside it.
///
/// A mapped file that another program truncates while it is being read does not crash the process (reading
/// a page past the end of a file raises SIGBUS): the vanished pages read as zeros and `checkIntact()` throws
/// `FileError.shrankWhileReading` afterwards (CMappedFiles). Every reader of file data calls it before
/// returning a result.
public final class FileBytes {
    /// The file's (decompressed) bytes.
    public let bytes: UnsafeRawBufferPointer
    /// The path it was read from.
    public let path: String
    /// The compression found, if any.
    public let compression: Compression
    private let release: () -> Void

    /// Compression formats recognised by `FileBytes`.
    public enum Compression: String, Codable { case none, gzip, bzip2 }
    /// The open descriptor of a plain (uncompressed) file, for `copyBytes`; -1 for decompressed data.
    private let descriptor: Int32
    /// The CMappedFiles slot guarding the mapping of a plain file against SIGBUS; -1 for decompressed data.
    let guardSlot: Int32

    private init(bytes: UnsafeRawBufferPointer, path: String, compression: Compression, descriptor: Int32 = -1,
                 guardSlot: Int32 = -1, release: @escaping () -> Void) {
        self.bytes = bytes; self.path = path; self.compression = compression; self.descriptor = descriptor
        self.guardSlot = guardSlot; self.release = release
    }

    /// True when the file shrank after it was opened and a read found pages missing (they read as zeros).
    public var isDamaged: Bool { emt_mapping_damaged(guardSlot) != 0 }

    /// Throw when the file shrank while it was being read, so a result computed from zeros is never reported.
    /// - Throws: `FileError.shrankWhileReading`.
    public func checkIntact() throws {
        if isDamaged { throw FileError.shrankWhileReading(path: path) }
    }

    /// Copy `count` bytes starting at byte `offset` of `bytes` into `buffer`. A plain file is read with
    /// pread(2), which never touches the mapping: a streaming pass (statistics) then costs one copy from the
    /// page cache and no page-table work. Decompressed data is copied from memory. A read that comes up short
    /// (the file shrank) copies the rest from the mapping, where the missing pages read as zeros and mark the
    /// file damaged (`checkIntact()`). Safe to call from several threads at once.
    /// - Precondition: `offset ..< offset + count` lies within `bytes`.
    public func copyBytes(at offset: Int, count: Int, into buffer: UnsafeMutableRawPointer) {
        precondition(offset >= 0 && count >= 0 && offset + count <= bytes.count, "FileBytes.copyBytes: range outside the file")
        var done = 0
        if descriptor >= 0 {
            while done < count {
                let n = pread(descriptor, buffer + done, count - done, off_t(offset + done))
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { break }
            }
        }
        // Decompressed data, or a read that failed or came up short: copy the rest from the mapping.
        if done < count { (buffer + done).copyMemory(from: bytes.baseAddress! + offset + done, byteCount: count - done) }
    }

    deinit { release() }

    /// Open `path`, memory-map it, and decompress it when it starts with a gzip or bzip2 signature.
    /// Only regular files are opened: a directory, named pipe, socket or device is refused before it is
    /// opened (opening a FIFO for reading would wait forever for a writer).
    /// - Throws: `FileError` for a missing, unreadable, directory or non-regular path, or corrupt compressed data.
    public static func open(_ path: String) throws -> FileBytes {
        var st = stat()
        if stat(path, &st) != 0 { throw FileError.fromErrno(errno, path: path) }
        try checkRegular(st, path: path)
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw FileError.fromErrno(errno, path: path) }
        // The descriptor stays open only for a plain file (for `copyBytes`); every other path closes it.
        var keepOpen = false
        defer { if !keepOpen { close(fd) } }
        if fstat(fd, &st) != 0 { throw FileError.fromErrno(errno, path: path) }
        try checkRegular(st, path: path)
        let size = Int(st.st_size)
        if size == 0 {
            return FileBytes(bytes: UnsafeRawBufferPointer(start: nil, count: 0), path: path, compression: .none, release: {})
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw FileError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        let mapped = UnsafeRawBufferPointer(start: base, count: size)
        let unmap = { _ = munmap(base, size) }
        if size >= 2 && mapped[0] == 0x1f && mapped[1] == 0x8b {
            defer { unmap() }
            return try gunzip(mapped, path: path)
        }
        if size >= 4 && mapped[0] == 0x42 && mapped[1] == 0x5a && mapped[2] == 0x68 {
            defer { unmap() }
            return try bunzip2(mapped, path: path)
        }
        madvise(base, size, MADV_SEQUENTIAL)
        keepOpen = true
        let slot = emt_mapping_protect(base, size)
        return FileBytes(bytes: mapped, path: path, compression: .none, descriptor: fd, guardSlot: slot,
                         release: { emt_mapping_release(slot); unmap(); close(fd) })
    }

    /// Throw unless `st` describes a regular file.
    private static func checkRegular(_ st: stat, path: String) throws {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw FileError.isDirectory(path: path)
        case S_IFIFO: throw FileError.cannotRead(path: path, reason: "a named pipe (FIFO), not a regular file")
        case S_IFSOCK: throw FileError.cannotRead(path: path, reason: "a socket, not a regular file")
        default: throw FileError.cannotRead(path: path, reason: "a device, not a regular file")
        }
    }

    /// A growable malloc'd buffer for decompressed output.
    private struct Growable {
        var base: UnsafeMutableRawPointer
        var capacity: Int
        var count = 0
        init(initial: Int) { capacity = max(initial, 1 << 16); base = malloc(capacity)! }
        mutating func reserveMore(_ n: Int) {
            if count + n <= capacity { return }
            capacity = max(capacity * 2, count + n)
            base = realloc(base, capacity)!
        }
    }

    private static func finish(_ g: Growable, path: String, compression: Compression) -> FileBytes {
        let p = g.base
        return FileBytes(bytes: UnsafeRawBufferPointer(start: p, count: g.count), path: path, compression: compression,
                         release: { free(p) })
    }

    private static func gunzip(_ input: UnsafeRawBufferPointer, path: String) throws -> FileBytes {
        var s = z_stream()
        // 15 + 32: gzip or zlib header, detected automatically.
        guard inflateInit2_(&s, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw FileError.decompression(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&s) }
        var g = Growable(initial: input.count * 2)
        var offset = 0
        while true {
            // Feed at most 1 GiB at a time (avail_in is 32-bit).
            if s.avail_in == 0 && offset < input.count {
                let n = min(input.count - offset, 1 << 30)
                s.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self))
                s.avail_in = uInt(n)
                offset += n
            }
            g.reserveMore(1 << 20)
            let room = min(g.capacity - g.count, 1 << 30)
            s.next_out = g.base.advanced(by: g.count).assumingMemoryBound(to: Bytef.self)
            s.avail_out = uInt(room)
            let rc = inflate(&s, Z_NO_FLUSH)
            g.count += room - Int(s.avail_out)
            if rc == Z_STREAM_END {
                // Concatenated gzip members: continue if more input follows.
                if s.avail_in == 0 && offset >= input.count { break }
                inflateReset(&s)
                continue
            }
            if rc == Z_BUF_ERROR && s.avail_in == 0 && offset >= input.count {
                free(g.base)
                throw FileError.decompression(path: path, reason: "the gzip stream ends early (truncated file)")
            }
            if rc != Z_OK && rc != Z_BUF_ERROR {
                free(g.base)
                let msg = s.msg.map { String(cString: $0) } ?? "error \(rc)"
                throw FileError.decompression(path: path, reason: "corrupt gzip data (\(msg))")
            }
        }
        return finish(g, path: path, compression: .gzip)
    }

    private static func bunzip2(_ input: UnsafeRawBufferPointer, path: String) throws -> FileBytes {
        var s = bz_stream()
        guard BZ2_bzDecompressInit(&s, 0, 0) == BZ_OK else {
            throw FileError.decompression(path: path, reason: "bzip2 could not start")
        }
        defer { BZ2_bzDecompressEnd(&s) }
        var g = Growable(initial: input.count * 4)
        var offset = 0
        while true {
            if s.avail_in == 0 && offset < input.count {
                let n = min(input.count - offset, 1 << 30)
                s.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self))
                s.avail_in = UInt32(n)
                offset += n
            }
            g.reserveMore(1 << 20)
            let room = min(g.capacity - g.count, 1 << 30)
            s.next_out = g.base.advanced(by: g.count).assumingMemoryBound(to: CChar.self)
            s.avail_out = UInt32(room)
            let rc = BZ2_bzDecompress(&s)
            g.count += room - Int(s.avail_out)
            if rc == BZ_STREAM_END {
                if s.avail_in == 0 && offset >= input.count { break }
                BZ2_bzDecompressEnd(&s)
                guard BZ2_bzDecompressInit(&s, 0, 0) == BZ_OK else { break }
                continue
            }
            if rc != BZ_OK {
                free(g.base)
                throw FileError.decompression(path: path, reason: "corrupt bzip2 data (error \(rc))")
            }
            if s.avail_in == 0 && offset >= input.count && s.avail_out > 0 {
                free(g.base)
                throw FileError.decompression(path: path, reason: "the bzip2 stream ends early (truncated file)")
            }
        }
        return finish(g, path: path, compression: .bzip2)
    }
}
