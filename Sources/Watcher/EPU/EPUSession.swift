import Foundation

/// What a scan of one EPU session folder found: movies (frame stacks) anywhere below it, typically in
/// `Images-Disc1/GridSquare_*/Data/`.
///
/// A movie is a file whose name ends, ignoring case, in `.eer`, `.tif`, `.tiff` (which covers EPU's
/// `*_fractions.tiff`) or `_fractions.mrc`; EPU's other files (`.xml`, `.jpg`, `.dm`, single-frame `.mrc`
/// averages) are not movies. The whole tree is walked on every scan: the session folder's own modification
/// time does not change when a file is added two levels down, so it cannot be trusted.
public struct EPUSessionScan: Equatable, Sendable {
    /// Number of movies.
    public var movies: Int
    /// Their total size in bytes.
    public var bytes: UInt64
    /// Modification time of the oldest and newest movie; nil without movies.
    public var firstMovie: Date?
    public var lastMovie: Date?
    /// Folders that could not be read, one line each.
    public var problems: [String]

    /// Whether `name` is a movie file name.
    public static func isMovie(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.hasSuffix(".eer") || n.hasSuffix(".tif") || n.hasSuffix(".tiff") || n.hasSuffix("_fractions.mrc")
    }

    /// Walk `folder` (following no symbolic links) and count its movies.
    public static func scan(_ folder: String) -> EPUSessionScan {
        var s = EPUSessionScan(movies: 0, bytes: 0, firstMovie: nil, lastMovie: nil, problems: [])
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey, .contentModificationDateKey]
        var problems: [String] = []
        guard let e = FileManager.default.enumerator(at: URL(fileURLWithPath: folder), includingPropertiesForKeys: keys,
                                                     options: [.skipsHiddenFiles], errorHandler: { url, error in
            problems.append("\(url.path): cannot read: \((error as NSError).localizedDescription)")
            return true
        }) else {
            s.problems = ["\(folder): cannot read"]
            return s
        }
        for case let url as URL in e where isMovie(url.lastPathComponent) {
            guard let v = try? url.resourceValues(forKeys: Set(keys)), v.isRegularFile == true else { continue }
            s.movies += 1
            s.bytes += UInt64(max(0, v.fileSize ?? 0))
            if let m = v.contentModificationDate {
                s.firstMovie = min(s.firstMovie ?? m, m)
                s.lastMovie = max(s.lastMovie ?? m, m)
            }
        }
        s.problems = problems
        return s
    }

    /// Movies per hour between the first and the last movie; nil for a span under one minute.
    public var moviesPerHour: Double? {
        guard let a = firstMovie, let b = lastMovie, b.timeIntervalSince(a) >= 60, movies > 1 else { return nil }
        return Double(movies - 1) / (b.timeIntervalSince(a) / 3600)
    }
}

/// The frames roots the Watcher follows, as `emwatch epu add ROOT [--stall-minutes N]` stores them.
public struct EPUWatchConfig: Codable, Equatable, Sendable {
    /// Folders whose immediate subfolders are EPU sessions (e.g. `/data/frames`).
    public var roots: [String]
    /// Minutes without a new movie after which an active session is reported as stalled.
    public var stallMinutes: Double
    /// Minutes without a new movie after which a session is over and its summary is sent.
    public var endMinutes: Double

    public init(roots: [String] = [], stallMinutes: Double = 30, endMinutes: Double = 180) {
        self.roots = roots; self.stallMinutes = stallMinutes; self.endMinutes = max(endMinutes, stallMinutes)
    }

    enum CodingKeys: String, CodingKey { case roots, stallMinutes, endMinutes }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(roots: try c.decodeIfPresent([String].self, forKey: .roots) ?? [],
                  stallMinutes: try c.decodeIfPresent(Double.self, forKey: .stallMinutes) ?? 30,
                  endMinutes: try c.decodeIfPresent(Double.self, forKey: .endMinutes) ?? 180)
    }
}
