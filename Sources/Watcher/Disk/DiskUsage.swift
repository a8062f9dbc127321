import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Size and free space of the filesystem holding a path, in bytes.
public struct DiskUsage: Equatable, Sendable {
    /// Size of the filesystem (`f_blocks × f_frsize`).
    public var total: UInt64
    /// Space an unprivileged user can still write (`f_bavail × f_frsize`; root's reserve excluded).
    public var free: UInt64
    /// Space in use (`(f_blocks − f_bfree) × f_frsize`).
    public var used: UInt64
    /// Filesystem id (`f_fsid`), so that several paths on one filesystem are reported once.
    public var filesystemID: UInt64

    public init(total: UInt64, free: UInt64, used: UInt64? = nil, filesystemID: UInt64 = 0) {
        self.total = total; self.free = free; self.used = used ?? (total >= free ? total - free : 0)
        self.filesystemID = filesystemID
    }

    /// Free space as a percentage of the filesystem's size (0–100).
    public var freePercent: Double { total == 0 ? 0 : Double(free) / Double(total) * 100 }
}

/// Why a path's free space could not be read: one line naming the path.
public enum DiskError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(path: String, reason: String)
    /// A threshold text that is neither a size (`500G`, `2T`, `800000000`) nor a percentage (`10%`).
    case badThreshold(String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "\(p): cannot read free space: \(r)"
        case .badThreshold(let t): "disk threshold \"\(t)\": expected a size such as 500G or 2T, or a percentage such as 10%"
        }
    }
}

/// Where free-space numbers come from: the real filesystem (`StatvfsSource`) or, in tests, a stand-in.
public protocol FreeSpaceSource: Sendable {
    func usage(of path: String) throws -> DiskUsage
}

/// Free space from `statvfs(3)`.
public struct StatvfsSource: FreeSpaceSource {
    public init() {}

    public func usage(of path: String) throws -> DiskUsage {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else {
            throw DiskError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let frsize = UInt64(s.f_frsize == 0 ? s.f_bsize : s.f_frsize)
        let total = UInt64(s.f_blocks) * frsize
        return DiskUsage(total: total, free: UInt64(s.f_bavail) * frsize,
                         used: (UInt64(s.f_blocks) - UInt64(s.f_bfree)) * frsize, filesystemID: UInt64(s.f_fsid))
    }
}

/// Byte counts as people read them: decimal units (`412 GB`, `1.2 TB`), like `df -H`.
public enum ByteSize {
    /// `bytes` in decimal units with three significant digits at most.
    public static func format(_ bytes: UInt64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(bytes), i = 0
        while v >= 1000 && i < units.count - 1 { v /= 1000; i += 1 }
        if i == 0 { return "\(bytes) B" }
        return v >= 100 ? String(format: "%.0f %@", v, units[i]) : String(format: "%.1f %@", v, units[i])
    }

    /// Bytes of `500G`, `2T`, `1.5TB`, `800M`, `123456` (decimal units, like `df -H`; `Gi`/`Ti` are binary).
    public static func parse(_ text: String) -> UInt64? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("B") { t.removeLast() }
        var factor = 1.0
        let binary = t.hasSuffix("I")
        if binary { t.removeLast() }
        if let last = t.last, let k = "KMGTPE".firstIndex(of: last) {
            factor = pow(binary ? 1024 : 1000, Double("KMGTPE".distance(from: "KMGTPE".startIndex, to: k) + 1))
            t.removeLast()
        } else if binary { return nil }
        guard let v = Double(t.trimmingCharacters(in: .whitespaces)), v >= 0, v.isFinite, v * factor < 1.8e19 else { return nil }
        return UInt64(v * factor)
    }
}
