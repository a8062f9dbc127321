import Foundation

/// What to draw of a map: a projection along an axis, a projection at RELION Euler angles, or a slice.
public enum MapView: Equatable, CustomStringConvertible {
    /// Sum (or maximum) projection along an axis.
    case axis(VolumeAxis)
    /// Projection at RELION Euler angles (ZYZ, degrees; see `EulerAngles`).
    case angles(EulerAngles)
    /// The section across an axis at a grid index (nil = centre, length/2).
    case slice(VolumeAxis, index: Int?)

    /// A tag for file names and labels: `z`, `r30_t60_p0`, `slice_z64`.
    public var tag: String {
        switch self {
        case .axis(let a): return a.rawValue
        case .angles(let e): return e.fileTag
        case .slice(let a, let i): return "slice_\(a)" + (i.map(String.init) ?? "mid")
        }
    }

    public var description: String {
        switch self {
        case .axis(let a): return "along \(a)"
        case .angles(let e): return "at \(e)"
        case .slice(let a, let i): return "slice across \(a) at " + (i.map(String.init) ?? "centre")
        }
    }
}

/// One-call pictures of map files, for the CLI and for the Watcher's Slack reports.
///
/// ```swift
/// let image = try MapPicture.projection(of: "run_class001.mrc", axis: .z, size: 512)
/// try image.writePNG(to: "class001.png")                 // 8-bit, 0.5–99.5 % contrast, y up
/// ```
public enum MapPicture {
    /// The projection of the map file at `path` along `axis` (sum, or maximum with `kind: .maximum`), shrunk
    /// by area averaging so that neither side exceeds `size` pixels (nil = full size). Reads the file in
    /// place, without a Float32 copy of the map.
    /// - Throws: `FileError` or `MRCError` for a missing or bad file.
    /// - Complexity: one pass over the file, spread over all cores.
    public static func projection(of path: String, axis: VolumeAxis = .z, kind: ProjectionKind = .sum, size: Int? = 512) throws -> GrayImage {
        try picture(of: path, view: .axis(axis), kind: kind, size: size)
    }

    /// The projection of the map file at `path` seen from RELION Euler angles (degrees), shrunk to fit `size`.
    /// Reads the map into memory once (one Float32 copy).
    public static func projection(of path: String, angles: EulerAngles, kind: ProjectionKind = .sum, size: Int? = 512) throws -> GrayImage {
        try picture(of: path, view: .angles(angles), kind: kind, size: size)
    }

    /// The slice of the map file at `path` across `axis` at `index` (nil = centre), shrunk to fit `size`.
    public static func slice(of path: String, axis: VolumeAxis = .z, index: Int? = nil, size: Int? = 512) throws -> GrayImage {
        try picture(of: path, view: .slice(axis, index: index), kind: .sum, size: size)
    }

    /// Any `MapView` of the map file at `path`, shrunk to fit `size` (nil = full size).
    public static func picture(of path: String, view: MapView, kind: ProjectionKind = .sum, size: Int? = 512) throws -> GrayImage {
        if let s = size, s <= 0 { throw PictureError.emptyPicture(path: path, reason: "picture size must be positive, got \(s)") }
        let file = try MRCFile.open(path)
        let image: GrayImage
        switch view {
        case .axis(let a):
            image = try file.projection(along: a, kind: kind)
        case .slice(let a, let i):
            image = try file.slice(across: a, at: i)
        case .angles(let e):
            do { image = try file.readVolume().projection(at: e, kind: kind) } catch let err as PictureError { throw err.naming(path) }
        }
        return size.map { image.downscaled(toFit: $0) } ?? image
    }

    /// Several views of one map, reading the map into memory at most once: axis views and slices come
    /// straight from the file, oriented views share one Float32 copy.
    public static func pictures(of path: String, views: [MapView], kind: ProjectionKind = .sum, size: Int? = 512) throws -> [GrayImage] {
        if let s = size, s <= 0 { throw PictureError.emptyPicture(path: path, reason: "picture size must be positive, got \(s)") }
        let file = try MRCFile.open(path)
        var volume: Volume? = nil
        return try views.map { view in
            let image: GrayImage
            switch view {
            case .axis(let a): image = try file.projection(along: a, kind: kind)
            case .slice(let a, let i): image = try file.slice(across: a, at: i)
            case .angles(let e):
                if volume == nil { volume = try file.readVolume() }
                do { image = try volume!.projection(at: e, kind: kind) } catch let err as PictureError { throw err.naming(path) }
            }
            return size.map { image.downscaled(toFit: $0) } ?? image
        }
    }
}
