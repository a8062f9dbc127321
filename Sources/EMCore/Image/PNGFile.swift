import CPNG
import Foundation

/// Pixel layouts emtools writes and reads as PNG.
public enum PNGFormat: Equatable {
    /// 8-bit grey, one byte per pixel.
    case gray8
    /// 16-bit grey, one UInt16 per pixel (stored big-endian in the file, native in memory).
    case gray16
    /// 8-bit red, green, blue, alpha; four bytes per pixel.
    case rgba8
    /// 8-bit red, green, blue; three bytes per pixel.
    case rgb8

    var channels: Int { switch self { case .gray8, .gray16: 1; case .rgba8: 4; case .rgb8: 3 } }
    var libpngFormat: png_uint_32 {
        switch self {
        case .gray8: return cpng_format_gray()
        case .gray16: return cpng_format_linear_y()
        case .rgba8: return cpng_format_rgba()
        case .rgb8: return cpng_format_rgb()
        }
    }
}

/// A decoded PNG: size, layout and pixels (row-major, top row first). 16-bit grey is returned in `samples16`.
public struct PNGPicture {
    public var width: Int
    public var height: Int
    public var format: PNGFormat
    /// 8-bit samples (gray8, rgb8, rgba8), `width·height·channels` of them.
    public var samples8: [UInt8]
    /// 16-bit samples (gray16).
    public var samples16: [UInt16]
}

/// PNG encoding and decoding through libpng's simplified `png_image_*` API, which reports errors by return
/// value (libpng's classic API uses longjmp, which Swift cannot survive). Files are written atomically.
public enum PNGFile {
    /// Write 8-bit samples (`gray8`, `rgb8` or `rgba8`), rows top to bottom, to `path`.
    public static func write(_ samples: [UInt8], width: Int, height: Int, format: PNGFormat, to path: String) throws {
        precondition(format != .gray16, "use write(samples16:) for 16-bit grey")
        guard width > 0, height > 0, samples.count == width * height * format.channels else {
            throw PNGError.badSize(path: path, width: width, height: height, pixels: samples.count / max(1, format.channels))
        }
        let data = try samples.withUnsafeBytes { try encode($0, width: width, height: height, format: format, path: path) }
        try AtomicFile.write(data, to: path)
    }

    /// Write 16-bit grey samples, rows top to bottom, to `path`.
    public static func write(samples16: [UInt16], width: Int, height: Int, to path: String) throws {
        guard width > 0, height > 0, samples16.count == width * height else {
            throw PNGError.badSize(path: path, width: width, height: height, pixels: samples16.count)
        }
        let data = try samples16.withUnsafeBytes { try encode($0, width: width, height: height, format: .gray16, path: path) }
        try AtomicFile.write(data, to: path)
    }

    /// Encode pixels to PNG bytes in memory (calls `png_image_write_to_memory`).
    ///
    /// 16-bit grey is written with the stored levels unchanged and **no** gamma chunk: libpng's simplified
    /// API labels 16-bit data as linear light (gAMA 1.0 + cHRM), which makes viewers brighten it so that it
    /// no longer looks like the 8-bit picture of the same window. Without the chunk a viewer shows both the
    /// same way, and readers (libpng, Pillow, numpy) get the levels back exactly.
    public static func encode(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, format: PNGFormat, path: String = "<memory>") throws -> Data {
        try encode(pixels, width: width, height: height, format: format, path: path, capacity: nil)
    }

    /// `encode` with the size of the first output buffer given (nil: large enough for any real picture);
    /// tests give a tiny one to check the retry.
    static func encode(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, format: PNGFormat, path: String,
                       capacity: Int?) throws -> Data {
        var image = png_image()
        image.version = cpng_image_version()
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = format.libpngFormat
        // Fast compression: files about a third larger, written several times faster (zlib was a quarter of
        // the time of a 512² projection of a 512³ map).
        image.flags |= png_uint_32(PNG_IMAGE_FLAG_FAST)
        if format == .gray16 { image.flags |= png_uint_32(PNG_IMAGE_FLAG_COLORSPACE_NOT_sRGB) }   // no cHRM
        // Compress once into a buffer that fits any real picture: the raw rows plus deflate's and the chunks'
        // overhead. Should it still be too small, libpng reports the size it needs and the write is repeated
        // once (asking for the size first would compress the picture twice).
        let bytesPerSample = format == .gray16 ? 2 : 1
        let raw = height * (width * format.channels * bytesPerSample + 1)
        var out = Data(count: capacity ?? raw + raw / 16 + 4096)
        var size = png_alloc_size_t(out.count)
        var ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels.baseAddress, 0, nil) }
        if ok == 0 && size > png_alloc_size_t(out.count) {
            out = Data(count: Int(size))
            ok = out.withUnsafeMutableBytes { png_image_write_to_memory(&image, $0.baseAddress, &size, 0, pixels.baseAddress, 0, nil) }
        }
        guard ok != 0 else { throw PNGError.encode(path: path, message: message(&image)) }
        out.count = Int(size)
        return format == .gray16 ? removingChunks(["gAMA"], from: out) : out
    }

    /// `png` without its chunks of the given types. A PNG is an 8-byte signature followed by chunks of
    /// length (4 bytes, big-endian), type (4), data, CRC (4); each CRC covers only its own chunk, so a chunk
    /// can be dropped without touching the others. Bytes that do not parse as chunks are kept as they are.
    static func removingChunks(_ types: Set<String>, from png: Data) -> Data {
        let bytes = [UInt8](png)
        guard bytes.count > 8 else { return png }
        var out = Data(bytes[0 ..< 8])
        var i = 8
        while i + 12 <= bytes.count {
            let length = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            let end = i + 12 + length
            guard end <= bytes.count else { break }
            let type = String(decoding: bytes[i + 4 ..< i + 8], as: UTF8.self)
            if !types.contains(type) { out.append(contentsOf: bytes[i ..< end]) }
            i = end
        }
        if i < bytes.count { out.append(contentsOf: bytes[i...]) }
        return out
    }

    /// Read a PNG file as 8-bit grey (`.gray8`), RGB, RGBA or 16-bit grey (`.gray16`), converting as libpng does.
    public static func read(_ path: String, as format: PNGFormat = .gray8) throws -> PNGPicture {
        var image = png_image()
        image.version = cpng_image_version()
        guard png_image_begin_read_from_file(&image, path) != 0 else { throw PNGError.decode(path: path, message: message(&image)) }
        defer { png_image_free(&image) }
        image.format = format.libpngFormat
        let w = Int(image.width), h = Int(image.height)
        var pic = PNGPicture(width: w, height: h, format: format, samples8: [], samples16: [])
        let ok: Int32
        if format == .gray16 {
            pic.samples16 = [UInt16](repeating: 0, count: w * h)
            ok = pic.samples16.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        } else {
            pic.samples8 = [UInt8](repeating: 0, count: w * h * format.channels)
            ok = pic.samples8.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        }
        guard ok != 0 else { throw PNGError.decode(path: path, message: message(&image)) }
        return pic
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
