import EMCore
import Foundation

/// Down-scaled map pictures kept between runs, so that a job whose maps did not change is not read again.
///
/// An entry is keyed by the source file's path, modification time (nanoseconds) and size, plus a variant
/// naming what was drawn (view, section, picture size): a file rewritten in place gets a new key. Entries are
/// Float32 images (before contrast and labels), stored as `<hash>.tile` files in `directory` next to a
/// `<hash>.key` file holding the full key, which is checked on every hit. The cache is only a speed-up:
/// a broken or unwritable cache folder makes every lookup a miss, never an error.
public final class PictureCache: @unchecked Sendable {
    /// Folder holding the entries (created on first write).
    public let directory: String
    private let lock = NSLock()
    private var hitCount = 0, missCount = 0

    public init(directory: String) { self.directory = directory }

    /// The user's cache folder for emtools pictures: `$XDG_CACHE_HOME/emtools/pictures`, else
    /// `~/.cache/emtools/pictures`.
    public static func standardDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") { return x + "/emtools/pictures" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.cache/emtools/pictures"
    }

    /// Lookups answered from the cache since this object was made.
    public var hits: Int { lock.withLock { hitCount } }
    /// Lookups that had to draw the picture since this object was made.
    public var misses: Int { lock.withLock { missCount } }

    /// The key of `variant` of the file at `path` as it is now, or nil when the file cannot be examined.
    public static func key(path: String, variant: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let ns = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        return "\(path)\n\(ns)\n\(st.st_size)\n\(variant)"
    }

    /// The cached picture of `variant` of `path`, or `make()`'s picture, stored for next time.
    /// - Throws: what `make` throws.
    public func image(of path: String, variant: String, make: () throws -> GrayImage) rethrows -> GrayImage {
        let key = PictureCache.key(path: path, variant: variant)
        if let cached = cached(key: key) { return cached }
        let image = try make()
        if let key { store(image, key: key) }
        return image
    }

    /// The cached picture of `variant` of `path` if the file did not change since it was stored (counts a
    /// hit or a miss).
    public func cached(of path: String, variant: String) -> GrayImage? {
        cached(key: PictureCache.key(path: path, variant: variant))
    }

    /// Keep `image` as `variant` of the file at `path` as it is now.
    public func store(_ image: GrayImage, of path: String, variant: String) {
        if let key = PictureCache.key(path: path, variant: variant) { store(image, key: key) }
    }

    /// The entry of `key` (nil key: the file could not be examined, a miss).
    func cached(key: String?) -> GrayImage? {
        let found = key.flatMap { PictureCache.read(base: directory + "/" + PictureCache.hash($0), key: $0) }
        lock.withLock { if found != nil { hitCount += 1 } else { missCount += 1 } }
        return found
    }

    /// Keep `image` under `key`, taken before the picture was made (so a file rewritten meanwhile gets a
    /// new key and is drawn again next time).
    func store(_ image: GrayImage, key: String) {
        PictureCache.write(image, base: directory + "/" + PictureCache.hash(key), key: key, directory: directory)
    }

    /// Remove entries not used for `age` seconds (their files' access is refreshed on every hit).
    public func prune(olderThan age: TimeInterval, now: Date = Date()) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasSuffix(".tile") || name.hasSuffix(".key") {
            let p = directory + "/" + name
            if let d = (try? FileManager.default.attributesOfItem(atPath: p))?[.modificationDate] as? Date,
               now.timeIntervalSince(d) > age {
                try? FileManager.default.removeItem(atPath: p)
            }
        }
    }

    // MARK: storage

    /// 64-bit FNV-1a of the key, as 16 hex digits (the full key is checked on read, so collisions are harmless).
    static func hash(_ key: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return String(format: "%016llx", h)
    }

    private static let magic: [UInt8] = Array("EMTILE1\n".utf8)

    static func read(base: String, key: String) -> GrayImage? {
        guard let storedKey = try? String(contentsOfFile: base + ".key", encoding: .utf8), storedKey == key,
              let data = FileManager.default.contents(atPath: base + ".tile"), data.count >= 32,
              Array(data.prefix(8)) == magic else { return nil }
        let header = data.subdata(in: 8 ..< 32).withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: Int64.self), raw.loadUnaligned(fromByteOffset: 8, as: Int64.self),
             raw.loadUnaligned(fromByteOffset: 16, as: Double.self))
        }
        let (w, h, pixelSize) = (Int(header.0), Int(header.1), header.2)
        guard w > 0, h > 0, w <= 1 << 14, h <= 1 << 14, data.count == 32 + w * h * 4 else { return nil }
        var pixels = [Float](repeating: 0, count: w * h)
        pixels.withUnsafeMutableBytes { dst in data.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[32...])) } }
        utime(base + ".tile", nil)
        return GrayImage(width: w, height: h, pixelSize: pixelSize, pixels: pixels)
    }

    static func write(_ image: GrayImage, base: String, key: String, directory: String) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var data = Data(magic)
            withUnsafeBytes(of: Int64(image.width)) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: Int64(image.height)) { data.append(contentsOf: $0) }
            withUnsafeBytes(of: image.pixelSize) { data.append(contentsOf: $0) }
            image.pixels.withUnsafeBytes { data.append(contentsOf: $0) }
            // The key is written last: an entry whose key file is missing or different is never read.
            try? FileManager.default.removeItem(atPath: base + ".key")
            try AtomicFile.write(data, to: base + ".tile")
            try AtomicFile.write(Data(key.utf8), to: base + ".key")
        } catch {
            // The cache is a speed-up only.
        }
    }
}
