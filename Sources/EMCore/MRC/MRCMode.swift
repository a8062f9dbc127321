/// The data type of an MRC file's voxels (header word 4, MODE). This is the one table of modes in emtools.
///
/// Mode 0 is read as **signed** 8-bit, as MRC2014 specifies; files from old IMOD versions that stored
/// unsigned bytes in mode 0 can be read as unsigned with `MRCReadOptions.unsignedMode0`.
/// Complex modes (3, 4) convert to Float32 as the amplitude |re + i·im|.
/// Mode 101 packs two 4-bit unsigned values per byte, low nibble first, each row padded to a whole byte.
public enum MRCMode: Int32, CaseIterable, Codable, CustomStringConvertible {
    case int8 = 0
    case int16 = 1
    case float32 = 2
    case complexInt16 = 3
    case complexFloat32 = 4
    case uint16 = 6
    case float16 = 12
    case packed4Bit = 101

    /// Bytes per voxel; mode 101 reports 1 here and is special-cased by `dataSize`.
    public var bytesPerVoxel: Int {
        switch self {
        case .int8, .packed4Bit: return 1
        case .int16, .uint16, .float16: return 2
        case .float32, .complexInt16: return 4
        case .complexFloat32: return 8
        }
    }

    /// Bytes the data block of a grid takes in this mode.
    /// Returns nil when the size overflows `Int` (a lying header).
    public func dataSize(nx: Int, ny: Int, nz: Int) -> Int? {
        let (rows, o1) = ny.multipliedReportingOverflow(by: nz)
        if o1 { return nil }
        let rowBytes = self == .packed4Bit ? (nx + 1) / 2 : nx.multipliedReportingOverflow(by: bytesPerVoxel).partialValue
        if self != .packed4Bit && nx.multipliedReportingOverflow(by: bytesPerVoxel).overflow { return nil }
        let (total, o2) = rowBytes.multipliedReportingOverflow(by: rows)
        return o2 ? nil : total
    }

    /// True for the complex modes 3 and 4.
    public var isComplex: Bool { self == .complexInt16 || self == .complexFloat32 }

    /// Modes emtools can write.
    public var isWritable: Bool { self == .float32 || self == .int16 || self == .float16 || self == .int8 || self == .uint16 }

    /// Name used on the command line and in JSON (`float32`, `int16`, …).
    public var name: String {
        switch self {
        case .int8: return "int8"
        case .int16: return "int16"
        case .float32: return "float32"
        case .complexInt16: return "complex-int16"
        case .complexFloat32: return "complex-float32"
        case .uint16: return "uint16"
        case .float16: return "float16"
        case .packed4Bit: return "uint4-packed"
        }
    }

    /// Parse a name as printed by `name`, or a mode number.
    public init?(name: String) {
        if let n = Int32(name), let m = MRCMode(rawValue: n) { self = m; return }
        guard let m = MRCMode.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = m
    }

    public var description: String { "\(rawValue) (\(name))" }
}
