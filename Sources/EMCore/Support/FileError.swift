import Dispatch
import FoundationEssentials
import Glibc

/// Errors of opening, reading and writing files, each naming the file and saying what went wrong in words a
/// user can act on. `description` is one line.
public enum FileError: Error, Equatable, CustomStringConvertible {
    case notFound(path: String)
    case isDirectory(path: String)
    case permissionDenied(path: String)
    case cannotRead(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case decompression(path: String, reason: String)
    /// The file became shorter while it was being read (another program truncated or rewrote it): the
    /// missing part read as zeros, so whatever was computed from it is wrong.
    case shrankWhileReading(path: String)

    public var description: String {
        switch self {
        case .notFound(let p): return "\(p): no such file"
        case .isDirectory(let p): return "\(p): is a directory, not a file"
        case .permissionDenied(let p): return "\(p): permission denied"
        case .cannotRead(let p, let r): return "\(p): cannot read: \(r)"
        case .cannotWrite(let p, let r): return "\(p): cannot write: \(r)"
        case .decompression(let p, let r): return "\(p): cannot decompress: \(r)"
        case .shrankWhileReading(let p):
            return "\(p): the file shrank while it was being read (another program truncated or rewrote it); try again once it is complete"
        }
    }

    /// Turn the current `errno` after a failed `open`/`read` of `path` into a typed error.
    static func fromErrno(_ code: Int32, path: String) -> FileError {
        switch code {
        case ENOENT: return .notFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        default: return .cannotRead(path: path, reason: String(cString: strerror(code)))
        }
    }
}
