import Dispatch
import FoundationEssentials
import Glibc

/// A JSON-friendly description of an MRC file's header with typed values (Å, axis order, content kind).
public struct MRCSummary: Codable, Equatable {
    public var file: String
    public var size: [Int]                 // nx, ny, nz in x, y, z order
    public var mode: Int32
    public var modeName: String
    public var voxelSizeAngstrom: [Double] // x, y, z in Å
    public var cellAngstrom: [Float]
    public var cellAngles: [Float]
    public var start: [Int32]
    public var sampling: [Int32]
    public var axisOrder: [Int32]
    public var content: String
    public var headerMin: Float, headerMax: Float, headerMean: Float, headerRMS: Float
    public var spaceGroup: Int32
    public var extendedHeaderBytes: Int32
    public var extendedHeaderType: String
    public var version: Int32
    public var originAngstrom: [Float]
    public var mapID: String
    public var machineStamp: String
    public var byteOrder: String
    public var labels: [String]
    public var compression: String?
    /// Number of FEI1/FEI2 extended-header records, when the file has them.
    public var feiRecords: Int?
    /// The first FEI1/FEI2 record (microscope, HT, dose, pixel size… of the first section).
    public var feiFirstRecord: FEIExtendedHeader.Record?

    /// Summary of an opened file, with its FEI extended header decoded when it has one (an inconsistent
    /// FEI header is left out here; `MRCValidator` reports it).
    public init(_ file: MRCFile) {
        self.init(path: file.path, header: file.header)
        compression = file.compression == .none ? nil : file.compression.rawValue
        if let fei = try? file.feiExtendedHeader() {
            feiRecords = fei.records.count
            feiFirstRecord = fei.records.first
        }
    }

    /// Summary of a header (for a file just written, say).
    public init(path: String, header h: MRCHeader) {
        file = path
        let g = h.axisOrder.isValid ? h.gridSize : GridSize(Int(h.nx), Int(h.ny), Int(h.nz))
        size = [g.nx, g.ny, g.nz]
        mode = h.modeValue
        modeName = h.mode?.name ?? "unknown"
        let v = h.voxelSize
        voxelSizeAngstrom = [v.x, v.y, v.z]
        cellAngstrom = [h.cellA.x, h.cellA.y, h.cellA.z]
        cellAngles = [h.cellB.x, h.cellB.y, h.cellB.z]
        start = [h.nxStart, h.nyStart, h.nzStart]
        sampling = [h.mx, h.my, h.mz]
        axisOrder = [h.axisOrder.column, h.axisOrder.row, h.axisOrder.section]
        switch h.content {
        case .image: content = "image"
        case .imageStack(let n): content = "stack of \(n) images"
        case .volume: content = "volume"
        case .volumeStack(let n, let d): content = "stack of \(n) volumes of \(d) sections"
        }
        headerMin = h.dmin; headerMax = h.dmax; headerMean = h.dmean; headerRMS = h.rms
        spaceGroup = h.ispg
        extendedHeaderBytes = h.nsymbt
        extendedHeaderType = h.extType
        version = h.nversion
        originAngstrom = [h.origin.x, h.origin.y, h.origin.z]
        mapID = h.mapID
        machineStamp = h.machineStamp.map { String(cFormat: "0x%02X", $0) }.joined(separator: " ")
        byteOrder = h.byteOrder.rawValue
        labels = h.labels
        compression = nil
        feiRecords = nil
        feiFirstRecord = nil
    }
}

/// Renders an MRC header as an aligned two-column table for people.
public enum MRCHeaderTable {
    /// The table for `file`: one "name  value" row per header field (typed values: Å, axis order, content),
    /// the labels, and the first FEI record when present.
    public static func render(_ file: MRCFile) -> String {
        let s = MRCSummary(file)
        func f(_ v: Float) -> String { String(cFormat: "%.6g", v) }
        func d(_ v: Double) -> String { String(cFormat: "%.4f", v) }
        var rows: [(String, String)] = [
            ("File", s.file + (s.compression.map { " (\($0))" } ?? "")),
            ("Dimensions (x, y, z)", s.size.map(String.init).joined(separator: " × ")),
            ("Content", s.content),
            ("Mode", "\(s.mode) (\(s.modeName))"),
            ("Voxel size (Å)", s.voxelSizeAngstrom.map(d).joined(separator: ", ")),
            ("Cell (Å)", s.cellAngstrom.map(f).joined(separator: ", ")),
            ("Cell angles (°)", s.cellAngles.map(f).joined(separator: ", ")),
            ("Start (NXSTART…)", s.start.map(String.init).joined(separator: ", ")),
            ("Sampling (MX, MY, MZ)", s.sampling.map(String.init).joined(separator: ", ")),
            ("Axis order (MAPC…)", s.axisOrder.map(String.init).joined(separator: ", ")),
            ("Min / max / mean", "\(f(s.headerMin)) / \(f(s.headerMax)) / \(f(s.headerMean))"),
            ("RMS", f(s.headerRMS)),
            ("Space group (ISPG)", String(s.spaceGroup)),
            ("Extended header", s.extendedHeaderBytes > 0 ? "\(s.extendedHeaderBytes) bytes, type '\(s.extendedHeaderType)'" : "none"),
            ("Version (NVERSION)", String(s.version)),
            ("Origin (Å)", s.originAngstrom.map(f).joined(separator: ", ")),
            ("Byte order", "\(s.byteOrder) (stamp \(s.machineStamp))"),
            ("Labels", s.labels.isEmpty ? "none" : "\(s.labels.count)"),
        ]
        for (i, l) in s.labels.enumerated() { rows.append(("  \(i + 1)", l)) }
        if let n = s.feiRecords, let r = s.feiFirstRecord {
            let px = r.pixelSizeAngstrom
            rows += [
                ("FEI records", "\(n) (metadata version \(r.metadataVersion), \(r.metadataSize) bytes each); first section:"),
                ("  Microscope", [r.microscopeType, r.dNumber].filter { !$0.isEmpty }.joined(separator: ", ")),
                ("  Application", "\(r.application) \(r.applicationVersion)"),
                ("  HT (kV)", f(Float(r.highTensionKilovolts))),
                ("  Dose (e/Å²)", f(Float(r.dosePerSquareAngstrom))),
                ("  Pixel size (Å)", "\(d(px.x)), \(d(px.y))"),
                ("  Defocus (µm)", f(Float(r.defocus * 1e6))),
                ("  Tilt α, β (°)", "\(f(Float(r.alphaTilt))), \(f(Float(r.betaTilt)))"),
                ("  Exposure (s)", f(Float(r.integrationTime))),
                ("  Camera", r.cameraName),
            ]
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        return rows.map { $0.0.padded(to: width) + "  " + $0.1 }.joined(separator: "\n")
    }
}
