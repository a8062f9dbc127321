import CPNG
import CPNGEncode
import Dispatch
import FoundationEssentials
import Glibc

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
    /// PNG colour type for `emt_png_encode`.
    var layout: Int32 {
        switch self {
        case .gray8, .gray16: return Int32(EMT_PNG_GRAY.rawValue)
        case .rgba8: return Int32(EMT_PNG_RGBA.rawValue)
        case .rgb8: return Int32(EMT_PNG_RGB.rawValue)
        }
    }
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

/// PNG encoding and decoding through libpng. Decoding uses the simplified `png_image_*` API, which reports
/// errors by return value; encoding uses the full API through the C shim CPNGEncode, which keeps libpng's
/// longjmp error handling in C (Swift cannot survive a longjmp). Files are written atomically.
public enum PNGFile {
    /// Write 8-bit samples (`gray8`, `rgb8` or `rgba8`), rows top to bottom, to `path`.
    public static func write(_ samples: [UInt8], width: Int, height: Int, format: PNGFormat, to path: String) throws {
        precondition(format != .gray16, "use write(samples16:) for 16-bit grey")
        guard width > 0, height > 0, samples.count == width * height * format.channels else {
            throw PNGError.badSize(path: path, width: width, height: height, pixels: samples.count / max(1, format.channels))
        }
        let data = try samples.withUnsafeBytes { try encode($0, width: width, height: height, format: format, path: path) }
        try AtomicFile.write(data, to: path, durable: false)
    }

    /// Write 16-bit grey samples, rows top to bottom, to `path`.
    public static func write(samples16: [UInt16], width: Int, height: Int, to path: String) throws {
        guard width > 0, height > 0, samples16.count == width * height else {
            throw PNGError.badSize(path: path, width: width, height: height, pixels: samples16.count)
        }
        let data = try samples16.withUnsafeBytes { try encode($0, width: width, height: height, format: .gray16, path: path) }
        try AtomicFile.write(data, to: path, durable: false)
    }

    /// Encode pixels (rows top to bottom, tightly packed) to PNG bytes in memory.
    ///
    /// Encoding goes through the C shim `emt_png_encode` (libpng's full write API, whose longjmp errors stay
    /// in C), because the simplified API can neither choose the row filter nor compress on several cores.
    /// The rows get the "up" filter and are deflated at level 1 in slices on all cores (the pigz layout;
    /// Huffman coding only for grey, run-length matching for colour); libpng writes the chunks. For a 512²
    /// projection that is about 2 ms, against 8 ms for the simplified API's fast setting, with files a
    /// fifth smaller.
    ///
    /// 8-bit pictures carry an sRGB chunk. 16-bit grey is written with the stored levels unchanged and **no**
    /// colour chunk: a gAMA 1.0 (linear light) label would make viewers brighten it so that it no longer
    /// looks like the 8-bit picture of the same window. Readers (libpng, Pillow, numpy) get the levels back
    /// exactly.
    public static func encode(_ pixels: UnsafeRawBufferPointer, width: Int, height: Int, format: PNGFormat, path: String = "<memory>") throws -> Data {
        let bytesPerPixel = format.channels * (format == .gray16 ? 2 : 1)
        guard width > 0, height > 0, pixels.count >= width * height * bytesPerPixel, pixels.baseAddress != nil else {
            throw PNGError.badSize(path: path, width: width, height: height, pixels: pixels.count / bytesPerPixel)
        }
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        var text = [CChar](repeating: 0, count: 256)
        let status = text.withUnsafeMutableBufferPointer { m in
            emt_png_encode(pixels.baseAddress, Int32(width), Int32(height), format.layout, format == .gray16 ? 16 : 8,
                           Int32(Parallel.threadCount), &out, &size, m.baseAddress, m.count)
        }
        guard status == 0, let buffer = out else {
            let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PNGError.encode(path: path, message: message)
        }
        defer { emt_png_free(buffer) }
        return Data(bytes: buffer, count: size)
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
