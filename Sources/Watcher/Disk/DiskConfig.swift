import Foundation

/// The least free space a path should have: a size or a percentage of its filesystem. Written as text in
/// configuration: `500G`, `2T` (decimal units) or `10%`.
public enum DiskThreshold: Equatable, Sendable, Codable, CustomStringConvertible {
    case bytes(UInt64)
    case percent(Double)

    /// Parse `500G`, `2TB`, `10%`.
    /// - Throws: `DiskError.badThreshold`.
    public init(_ text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasSuffix("%") {
            guard let p = Double(t.dropLast().trimmingCharacters(in: .whitespaces)), p > 0, p < 100 else { throw DiskError.badThreshold(text) }
            self = .percent(p)
        } else {
            guard let b = ByteSize.parse(t), b > 0 else { throw DiskError.badThreshold(text) }
            self = .bytes(b)
        }
    }

    /// The threshold in bytes on a filesystem of `total` bytes.
    public func bytes(ofTotal total: UInt64) -> UInt64 {
        switch self {
        case .bytes(let b): b
        case .percent(let p): UInt64(Double(total) * p / 100)
        }
    }

    public var description: String {
        switch self {
        case .bytes(let b): ByteSize.format(b)
        case .percent(let p): String(format: p == p.rounded() ? "%.0f %%" : "%.1f %%", p)
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .bytes(let b): try c.encode(String(b))
        case .percent(let p): try c.encode("\(p)%")
        }
    }
}

/// One watched path, as `emwatch disk add PATH --min-free 500G|10%` stores it.
public struct DiskPathConfig: Codable, Equatable, Sendable {
    /// Any folder on the filesystem (a project folder, `/data`, a frames root).
    public var path: String
    /// Name shown in messages; the path when nil.
    public var label: String?
    /// Least free space before an alert.
    public var threshold: DiskThreshold

    public init(path: String, label: String? = nil, threshold: DiskThreshold) {
        self.path = path; self.label = label; self.threshold = threshold
    }

    /// The label, else the path.
    public var displayName: String { label ?? path }
}

/// The disks the Watcher follows.
public struct DiskWatchConfig: Codable, Equatable, Sendable {
    /// The watched paths.
    public var paths: [DiskPathConfig]
    /// Hysteresis: after an alert, free space must climb this fraction above the threshold (0.1 = 10 %)
    /// before the recovery message, so a disk hovering at the threshold does not alternate messages.
    public var recoveryMargin: Double
    /// Days of samples kept in `disk_sample`.
    public var historyDays: Double
    /// Days shown by the plot attached to an alert.
    public var plotDays: Double

    public init(paths: [DiskPathConfig] = [], recoveryMargin: Double = 0.1, historyDays: Double = 30, plotDays: Double = 7) {
        self.paths = paths; self.recoveryMargin = recoveryMargin; self.historyDays = historyDays; self.plotDays = plotDays
    }

    enum CodingKeys: String, CodingKey { case paths, recoveryMargin, historyDays, plotDays }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(paths: try c.decodeIfPresent([DiskPathConfig].self, forKey: .paths) ?? [],
                  recoveryMargin: try c.decodeIfPresent(Double.self, forKey: .recoveryMargin) ?? 0.1,
                  historyDays: try c.decodeIfPresent(Double.self, forKey: .historyDays) ?? 30,
                  plotDays: try c.decodeIfPresent(Double.self, forKey: .plotDays) ?? 7)
    }
}
