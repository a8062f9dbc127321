import Dispatch
import FoundationEssentials
import Glibc

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
    /// A float32 file is projected in place; other modes are read into memory once (one Float32 copy).
    public static func projection(of path: String, angles: EulerAngles, kind: ProjectionKind = .sum, size: Int? = 512) throws -> GrayImage {
        try picture(of: path, view: .angles(angles), kind: kind, size: size)
    }

    /// The slice of the map file at `path` across `axis` at `index` (nil = centre), shrunk to fit `size`.
    public static func slice(of path: String, axis: VolumeAxis = .z, index: Int? = nil, size: Int? = 512) throws -> GrayImage {
        try picture(of: path, view: .slice(axis, index: index), kind: .sum, size: size)
    }

    /// Any `MapView` of the map file at `path`, shrunk to fit `size` (nil = full size).
    public static func picture(of path: String, view: MapView, kind: ProjectionKind = .sum, size: Int? = 512) throws -> GrayImage {
        try pictures(of: path, views: [view], kind: kind, size: size)[0]
    }

    /// Several views of one map file, reading the map into memory at most once (see the overload taking an
    /// `MRCFile`).
    public static func pictures(of path: String, views: [MapView], kind: ProjectionKind = .sum, size: Int? = 512) throws -> [GrayImage] {
        if let s = size, s <= 0 { throw PictureError.emptyPicture(path: path, reason: "picture size must be positive, got \(s)") }
        return try pictures(of: MRCFile.open(path), views: views, kind: kind, size: size)
    }

    /// Several views of an opened map, each shrunk by area averaging to fit `size` (nil = full size). Axis
    /// views and slices come straight from the mapped file; oriented views of a float32 file too, while
    /// those of other modes share one Float32 copy of the map, made on the first such view.
    /// - Throws: `PictureError` naming the file (bad slice index, map too thin to rotate, size not positive)
    ///   or the file's read errors.
    /// - Complexity: one pass over the data per view, each spread over all cores.
    public static func pictures(of file: MRCFile, views: [MapView], kind: ProjectionKind = .sum, size: Int? = 512) throws -> [GrayImage] {
        if let s = size, s <= 0 { throw PictureError.emptyPicture(path: file.path, reason: "picture size must be positive, got \(s)") }
        var volume: Volume? = nil
        return try views.map { view in
            let image: GrayImage
            switch view {
            case .axis(let a): image = try file.projection(along: a, kind: kind)
            case .slice(let a, let i): image = try file.slice(across: a, at: i)
            case .angles(let e):
                if file.isFloat32InPlace {
                    image = try file.projection(at: e, kind: kind)
                } else {
                    let g = file.gridSize
                    guard g.nx >= 2, g.ny >= 2, g.nz >= 2 else { throw PictureError.tooSmallToRotate(path: file.path, size: g) }
                    if volume == nil { volume = try file.readVolume() }
                    do { image = try volume!.projection(at: e, kind: kind) } catch let err as PictureError { throw err.naming(file.path) }
                }
            }
            return size.map { image.downscaled(toFit: $0) } ?? image
        }
    }
}

extension MapView {
    /// The same view with a slice's missing index replaced by the centre of `size` along its axis
    /// (`length / 2`), so that names and reports say which section was cut.
    public func resolved(for size: GridSize) -> MapView {
        if case .slice(let a, nil) = self { return .slice(a, index: a.length(of: size) / 2) }
        return self
    }
}
