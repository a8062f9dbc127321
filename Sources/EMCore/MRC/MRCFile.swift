import Dispatch
import FoundationEssentials
import Glibc

/// Options for opening an MRC file.
public struct MRCReadOptions {
    /// Read mode 0 as unsigned bytes (0…255), for files from old IMOD versions. Default: signed, as MRC2014 says.
    public var unsignedMode0 = false
    /// Accept a file longer than header + extended header + data (extra bytes are ignored). Default true;
    /// when false, such a file throws `MRCError.trailingBytes`.
    public var allowTrailingBytes = true
    public init(unsignedMode0: Bool = false, allowTrailingBytes: Bool = true) {
        self.unsignedMode0 = unsignedMode0; self.allowTrailingBytes = allowTrailingBytes
    }
}

/// An opened MRC2014 file: its header, extended header and (memory-mapped) data block, checked for
/// consistency so that reading the data can never run past the file or allocate more than it justifies.
///
/// ```swift
/// let file = try MRCFile.open("map.mrc")
/// print(file.header.voxelSize)           // Å per voxel
/// let volume = try file.readVolume()     // Float32, x fastest, any mode and byte order
/// ```
public final class MRCFile {
    /// Path the file was opened from.
    public let path: String
    /// The main header.
    public let header: MRCHeader
    /// The typed mode (checked to be known at open time).
    public let mode: MRCMode
    /// Raw bytes of the extended header (NSYMBT bytes after the main header).
    public let extendedHeader: Data
    /// Size of the file in bytes (decompressed size for .gz/.bz2 files).
    public let fileSize: Int
    /// Byte offset of the data block (1024 + NSYMBT).
    public let dataOffset: Int
    /// Bytes in the data block as the header describes it.
    public let dataSize: Int
    /// Compression the file was stored with.
    public var compression: FileBytes.Compression { storage.compression }
    let storage: FileBytes
    let options: MRCReadOptions

    /// The raw data block (exactly `dataSize` bytes, in the file's byte order).
    public var dataBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage.bytes[dataOffset ..< dataOffset + dataSize])
    }

    /// Open and check an MRC file. Reads only the header eagerly; the data stays mapped until read.
    /// All checks happen before any data is touched or any memory is reserved for it, so a lying header
    /// fails here with a typed error instead of causing a large allocation.
    /// - Throws: `FileError` (missing, unreadable, directory, not a regular file, corrupt compression) or
    ///   `MRCError` (not MRC, unknown mode, bad or overflowing dimensions, bad axis order, extended header
    ///   past the end, truncated data).
    public static func open(_ path: String, options: MRCReadOptions = .init()) throws -> MRCFile {
        let storage = try FileBytes.open(path)
        return try MRCFile(storage: storage, options: options)
    }

    /// Read only the header of `path` (and check the file's structure), without touching the data.
    public static func readHeader(_ path: String) throws -> MRCHeader { try open(path).header }

    init(storage: FileBytes, options: MRCReadOptions) throws {
        let path = storage.path
        let bytes = storage.bytes
        guard bytes.count >= MRCHeader.size else { throw MRCError.tooShortForHeader(path: path, size: bytes.count) }
        let h = try MRCHeader.decode(UnsafeRawBufferPointer(rebasing: bytes[0 ..< MRCHeader.size]), path: path)
        guard let mode = h.mode else { throw MRCError.unknownMode(path: path, mode: h.modeValue) }
        guard h.nx > 0, h.ny > 0, h.nz > 0 else { throw MRCError.badDimensions(path: path, nx: h.nx, ny: h.ny, nz: h.nz) }
        guard h.axisOrder.isValid else {
            throw MRCError.badAxisOrder(path: path, mapc: h.axisOrder.column, mapr: h.axisOrder.row, maps: h.axisOrder.section)
        }
        guard let size = mode.dataSize(nx: Int(h.nx), ny: Int(h.ny), nz: Int(h.nz)) else {
            throw MRCError.dimensionsOverflow(path: path, nx: h.nx, ny: h.ny, nz: h.nz)
        }
        guard h.nsymbt >= 0, MRCHeader.size + Int(h.nsymbt) <= bytes.count else {
            throw MRCError.badExtendedHeader(path: path, nsymbt: h.nsymbt, fileSize: bytes.count)
        }
        let offset = MRCHeader.size + Int(h.nsymbt)
        let available = bytes.count - offset
        if available < size { throw MRCError.truncated(path: path, expected: size, actual: available) }
        if !options.allowTrailingBytes && available > size {
            throw MRCError.trailingBytes(path: path, extra: available - size)
        }
        self.path = path
        self.header = h
        self.mode = mode
        self.storage = storage
        self.options = options
        self.fileSize = bytes.count
        self.dataOffset = offset
        self.dataSize = size
        self.extendedHeader = Data(UnsafeRawBufferPointer(rebasing: bytes[MRCHeader.size ..< offset]))
    }

    /// Grid size in x, y, z order.
    public var gridSize: GridSize { header.gridSize }

    /// Bytes by which the file is longer than header + extended header + data.
    public var trailingBytes: Int { fileSize - dataOffset - dataSize }
}
