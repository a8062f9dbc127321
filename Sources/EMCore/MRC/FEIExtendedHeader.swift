import Dispatch
import FoundationEssentials
import Glibc

/// The per-frame metadata that Thermo Fisher (FEI) software (EPU, Tomography, Velox) writes into the
/// extended header of MRC files with EXTTYP "FEI1" or "FEI2": one fixed-layout record per section.
///
/// Each record starts with its own size (768 bytes for metadata version 0/1, 888 for version 2), so the
/// number of records is NSYMBT ÷ record size. Numbers are read in the file's byte order (as mrcfile does);
/// the layout of the fields decoded here is the same in FEI1 and FEI2. Units are those of the format: SI
/// (metres, volts, seconds), with Å conveniences where emtools users expect them.
public struct FEIExtendedHeader: Equatable, Codable {
    /// One section's metadata record.
    public struct Record: Equatable, Codable {
        /// Bytes in this record (offset 0).
        public var metadataSize: Int32
        /// Metadata version (offset 4): 0 or 1 for FEI1, 2 for FEI2.
        public var metadataVersion: Int32
        /// Bitmask 1 (offset 8, always little-endian): which of the first fields are valid.
        public var bitmask1: UInt32
        /// Acquisition time (offset 12) in days since 1899-12-30 (an OLE automation date, as FEI writes it).
        public var timestamp: Double
        /// Microscope type (offset 20), e.g. "TITAN52336320".
        public var microscopeType: String
        /// D-number of the microscope (offset 36).
        public var dNumber: String
        /// Acquiring application (offset 52), e.g. "EPU", and its version (offset 68).
        public var application: String
        public var applicationVersion: String
        /// Accelerating voltage HT in volts (offset 84).
        public var highTension: Double
        /// Dose (offset 92) in electrons per m².
        public var dose: Double
        /// Stage alpha and beta tilt in degrees (offsets 100, 108).
        public var alphaTilt: Double
        public var betaTilt: Double
        /// Stage position x, y, z in metres (offsets 116, 124, 132).
        public var stagePosition: SIMD3<Double>
        /// Tilt axis angle in degrees (offset 140).
        public var tiltAxisAngle: Double
        /// Pixel size x and y in metres (offsets 156, 164).
        public var pixelSize: SIMD2<Double>
        /// Defocus in metres (offset 220).
        public var defocus: Double
        /// Magnification (offset 289).
        public var magnification: Double
        /// Exposure (integration) time in seconds (offset 419).
        public var integrationTime: Double
        /// Camera name (offset 435).
        public var cameraName: String
        /// Whether the section is a dose fraction (offset 655), its number and its first and last frame
        /// (offsets 656, 660, 664).
        public var isDoseFraction: Bool
        public var fractionNumber: Int32
        public var startFrame: Int32
        public var endFrame: Int32

        /// Pixel size x and y in Å (the metres of the record × 10¹⁰).
        public var pixelSizeAngstrom: SIMD2<Double> { pixelSize * 1e10 }
        /// Accelerating voltage in kV.
        public var highTensionKilovolts: Double { highTension / 1000 }
        /// Dose in electrons per Å² (the record's e/m² × 10⁻²⁰).
        public var dosePerSquareAngstrom: Double { dose * 1e-20 }
    }

    /// Bytes the fields decoded here span; a record must be at least this long.
    public static let minimumRecordSize = 668
    /// Largest record size accepted (FEI2 records are 888 bytes; anything far larger is a lying header).
    public static let maximumRecordSize = 1 << 16

    /// The records, one per section (at most NZ of them).
    public var records: [Record]

    /// Decode the FEI1/FEI2 extended header `bytes` of a file in `order` with `sections` sections.
    /// - Throws: `MRCError.badFEIExtendedHeader` when the record size is out of range or larger than the
    ///   extended header.
    public init(bytes: Data, order: ByteOrder, sections: Int, path: String) throws {
        guard bytes.count >= 4 else {
            throw MRCError.badFEIExtendedHeader(path: path, reason: "NSYMBT \(bytes.count) is too small for one record")
        }
        let (records, error): ([Record], String?) = bytes.withUnsafeBytes { raw in
            let r = RecordReader(raw: raw, order: order)
            let size = Int(r.int32(0))
            guard size >= FEIExtendedHeader.minimumRecordSize, size <= FEIExtendedHeader.maximumRecordSize else {
                return ([], "record size \(size) bytes is outside \(FEIExtendedHeader.minimumRecordSize)–\(FEIExtendedHeader.maximumRecordSize)")
            }
            guard size <= raw.count else { return ([], "record size \(size) bytes exceeds NSYMBT \(raw.count)") }
            let count = min(raw.count / size, max(sections, 1))
            return ((0 ..< count).map { RecordReader(raw: UnsafeRawBufferPointer(rebasing: raw[($0 * size)...]), order: order).record() }, nil)
        }
        if let error { throw MRCError.badFEIExtendedHeader(path: path, reason: error) }
        self.records = records
    }
}

/// Reads the packed fields of one FEI record.
private struct RecordReader {
    let raw: UnsafeRawBufferPointer
    let order: ByteOrder

    func int32(_ o: Int) -> Int32 {
        let v = raw.loadUnaligned(fromByteOffset: o, as: Int32.self)
        return order == .little ? Int32(littleEndian: v) : Int32(bigEndian: v)
    }
    func double(_ o: Int) -> Double {
        let v = raw.loadUnaligned(fromByteOffset: o, as: UInt64.self)
        return Double(bitPattern: order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
    }
    func text(_ o: Int, _ n: Int) -> String {
        let bytes = raw[o ..< o + n].prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self).trimmingBlanks()
    }

    func record() -> FEIExtendedHeader.Record {
        FEIExtendedHeader.Record(
            metadataSize: int32(0), metadataVersion: int32(4),
            bitmask1: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)),
            timestamp: double(12), microscopeType: text(20, 16), dNumber: text(36, 16),
            application: text(52, 16), applicationVersion: text(68, 16),
            highTension: double(84), dose: double(92), alphaTilt: double(100), betaTilt: double(108),
            stagePosition: SIMD3(double(116), double(124), double(132)), tiltAxisAngle: double(140),
            pixelSize: SIMD2(double(156), double(164)), defocus: double(220), magnification: double(289),
            integrationTime: double(419), cameraName: text(435, 16),
            isDoseFraction: raw[655] != 0, fractionNumber: int32(656), startFrame: int32(660), endFrame: int32(664))
    }
}

extension MRCFile {
    /// The decoded FEI1/FEI2 extended header, or nil when EXTTYP is neither (or NSYMBT is 0).
    /// - Throws: `MRCError.badFEIExtendedHeader` when the FEI header is inconsistent.
    public func feiExtendedHeader() throws -> FEIExtendedHeader? {
        guard header.extType == "FEI1" || header.extType == "FEI2", !extendedHeader.isEmpty else { return nil }
        return try FEIExtendedHeader(bytes: extendedHeader, order: header.byteOrder, sections: Int(header.nz), path: path)
    }
}
