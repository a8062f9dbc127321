import EMCore
import Foundation

/// How reports draw maps, galleries and plots, sized to stay readable in Slack's ~360 px preview.
///
/// Map pictures are shrunk to `tileSize` pixels (area averaging) straight from the mapped file, made in
/// parallel (one Dispatch worker per core) and kept in the `PictureCache` by file modification time, so a
/// Class3D job with 50 classes or a 4 GB map costs one pass per map, once.
public struct ReportPictures: Sendable {
    /// Cache of map pictures between runs; nil draws every picture afresh.
    public var cache: PictureCache?
    /// Edge of one gallery panel, pixels.
    public var tileSize: Int
    /// Label type size, pixels (26 px in an 808 px wide gallery reads as ~11.5 px in a 360 px preview).
    public var labelSize: Double
    /// Panels per gallery row, and rows per gallery picture: more panels go to further pictures.
    public var columns: Int
    public var rowsPerPage: Int
    /// At most this many gallery pictures per report (the most populated classes first).
    public var maxPages: Int
    /// Plot size, pixels; PlotStyle's 22–30 px type reads as 11–15 px in a 360 px preview.
    public var plotWidth: Int
    public var plotHeight: Int

    public init(cache: PictureCache? = nil, tileSize: Int = 192, labelSize: Double = 26, columns: Int = 4,
                rowsPerPage: Int = 3, maxPages: Int = 5, plotWidth: Int = 720, plotHeight: Int = 480) {
        self.cache = cache; self.tileSize = tileSize; self.labelSize = labelSize; self.columns = columns
        self.rowsPerPage = rowsPerPage; self.maxPages = maxPages; self.plotWidth = plotWidth; self.plotHeight = plotHeight
    }

    /// Panels per gallery picture.
    public var tilesPerPage: Int { columns * rowsPerPage }

    // MARK: map pictures

    /// The view of one map among many: the sum projection along z, or the central z slice.
    static func view(_ style: PictureStyle) -> MapView {
        style == .projection ? .axis(.z) : .slice(.z, index: nil)
    }

    /// The three views of a single map: along (or across) x, y and z.
    static func views(_ style: PictureStyle) -> [MapView] {
        VolumeAxis.allCases.map { style == .projection ? .axis($0) : .slice($0, index: nil) }
    }

    /// Pictures of `views` of the map at `path`, each shrunk to `tileSize`, from the cache when the file
    /// did not change; the missing views are made reading the file once.
    func images(of path: String, views: [MapView]) throws -> [GrayImage] {
        let size = tileSize
        guard let cache else { return try MapPicture.pictures(of: path, views: views, size: size) }
        let keys = views.map { PictureCache.key(path: path, variant: "\($0.tag)@\(size)") }
        var found = keys.map { cache.cached(key: $0) }
        let missing = views.indices.filter { found[$0] == nil }
        if !missing.isEmpty {
            let made = try MapPicture.pictures(of: path, views: missing.map { views[$0] }, size: size)
            for (i, image) in zip(missing, made) {
                found[i] = image
                if let key = keys[i] { cache.store(image, key: key) }
            }
        }
        return found.map { $0! }
    }

    /// Sections `sections` (0-based) of the image stack at `path` (class averages), each shrunk to `tileSize`.
    func sections(of path: String, _ sections: [Int]) throws -> [GrayImage] {
        let size = tileSize
        var file: MRCFile? = nil
        return try sections.map { k in
            let make = {
                if file == nil { file = try MRCFile.open(path) }
                return try file!.slice(across: .z, at: k).downscaled(toFit: size)
            }
            return try cache?.image(of: path, variant: "section\(k)@\(size)", make: make) ?? make()
        }
    }

    /// `body` over `items` in parallel, one Dispatch worker per core, results in input order.
    static func parallelMap<T, R>(_ items: [T], _ body: (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: items.count) { i in
            let r = body(items[i])
            lock.withLock { results[i] = r }
        }
        return results.map { $0! }
    }

    // MARK: galleries

    /// One map per panel (`view` of each), labelled, in gallery pictures of `tilesPerPage` panels.
    /// Maps that cannot be drawn are left out and named in the returned problems.
    func mapGallery(_ maps: [(path: String, label: String)], style: PictureStyle, name: String, title: String)
        -> (attachments: [NoticeAttachment], problems: [String]) {
        let view = ReportPictures.view(style)
        let made = ReportPictures.parallelMap(maps) { m in
            Result { try images(of: m.path, views: [view])[0] }
        }
        var tiles: [Gallery.Tile] = [], problems: [String] = []
        for (m, r) in zip(maps, made) {
            switch r {
            case .success(let image): tiles.append(Gallery.Tile(image: image, label: m.label))
            case .failure(let e): problems.append("no picture of \((m.path as NSString).lastPathComponent): \(ReportText.describe(e))")
            }
        }
        let (pages, more) = galleryPages(tiles, name: name, title: title)
        return (pages, problems + more)
    }

    /// The three views (x, y, z) of one map as one labelled gallery picture.
    func singleMap(_ path: String, style: PictureStyle, name: String, title: String) throws -> NoticeAttachment {
        let views = ReportPictures.views(style)
        let images = try self.images(of: path, views: views)
        let word = style == .projection ? "along" : "slice"
        let tiles = zip(views, images).map { v, image -> Gallery.Tile in
            let axis: String
            switch v { case .axis(let a), .slice(let a, _): axis = a.rawValue; case .angles: axis = v.tag }
            return Gallery.Tile(image: image, label: "\(word) \(axis)")
        }
        let gallery = Gallery(tiles: tiles, columns: 3, tileSize: tileSize, labelSize: labelSize)
        return NoticeAttachment(filename: name + ".png", title: title, data: try ReportPictures.png(try gallery.render(path: path)))
    }

    /// Gallery pictures of `tiles` in order, `tilesPerPage` each, at most `maxPages`; a line says what was
    /// left out.
    func galleryPages(_ tiles: [Gallery.Tile], name: String, title: String) -> (attachments: [NoticeAttachment], problems: [String]) {
        guard !tiles.isEmpty else { return ([], []) }
        let per = max(1, tilesPerPage)
        let pageCount = min(maxPages, (tiles.count + per - 1) / per)
        var out: [NoticeAttachment] = [], problems: [String] = []
        for p in 0 ..< pageCount {
            let slice = Array(tiles[(p * per) ..< min(tiles.count, (p + 1) * per)])
            let gallery = Gallery(tiles: slice, columns: min(columns, slice.count), tileSize: tileSize, labelSize: labelSize)
            let suffix = pageCount > 1 ? "_\(p + 1)" : ""
            let t = pageCount > 1 ? "\(title) (\(p + 1)/\(pageCount))" : title
            do {
                out.append(NoticeAttachment(filename: name + suffix + ".png", title: t, data: try ReportPictures.png(try gallery.render())))
            } catch { problems.append("no gallery \(name)\(suffix).png: \(ReportText.describe(error))") }
        }
        if pageCount * per < tiles.count {
            problems.append("gallery shows the first \(pageCount * per) of \(tiles.count) pictures")
        }
        return (out, problems)
    }

    // MARK: plots and PNG bytes

    /// The plot style of report plots.
    var plotStyle: PlotStyle { PlotStyle(width: plotWidth, height: plotHeight) }

    /// PNG bytes (RGB) of a canvas.
    static func png(_ canvas: Canvas) throws -> Data {
        let samples = canvas.rgbSamples()
        return try samples.withUnsafeBytes { try PNGFile.encode($0, width: canvas.width, height: canvas.height, format: .rgb8) }
    }
}
