import Dispatch
import FoundationEssentials
import Glibc

/// Byte order of an MRC file, from its machine stamp (word 54).
public enum ByteOrder: String, Codable {
    case little, big
    /// The order of the machine we run on.
    public static var native: ByteOrder { 1.littleEndian == 1 ? .little : .big }
    /// The 4-byte machine stamp MRC2014 prescribes: 0x44 0x44 0x00 0x00 (little) or 0x11 0x11 0x00 0x00 (big).
    public var machineStamp: [UInt8] { self == .little ? [0x44, 0x44, 0, 0] : [0x11, 0x11, 0, 0] }
}

/// Order in which the file stores the axes: which of x (1), y (2), z (3) runs along columns (fastest),
/// rows, and sections (slowest). Header words 17–19 (MAPC, MAPR, MAPS). Most files are (1, 2, 3).
public struct AxisOrder: Equatable, Codable, CustomStringConvertible {
    public var column: Int32
    public var row: Int32
    public var section: Int32
    public init(column: Int32, row: Int32, section: Int32) { self.column = column; self.row = row; self.section = section }
    /// x along columns, y along rows, z along sections.
    public static let xyz = AxisOrder(column: 1, row: 2, section: 3)
    /// True when the three words are a permutation of 1, 2, 3.
    public var isValid: Bool { [column, row, section].sorted() == [1, 2, 3] }
    public var description: String { "\(column),\(row),\(section)" }
}

/// What the file holds, from ISPG (word 23) and the dimensions, as MRC2014 defines it.
public enum MRCContent: Equatable, Codable {
    /// One 2-D image (NZ = 1).
    case image
    /// NZ 2-D images (ISPG 0).
    case imageStack(count: Int)
    /// One volume (ISPG 1–230).
    case volume
    /// NZ/MZ volumes of MZ sections each (ISPG 401–630).
    case volumeStack(count: Int, depth: Int)
}

/// The 1024-byte MRC2014 main header, in the specification's word order.
///
/// Words 1–56 are 4 bytes each, followed by ten 80-character labels. Pixel size and axis order are exposed
/// as typed values (`voxelSize`, `axisOrder`); the raw words stay available for validation and round trips.
public struct MRCHeader: Equatable, Codable {
    /// Words 1–3 (NX, NY, NZ): columns, rows and sections in the file.
    public var nx: Int32, ny: Int32, nz: Int32
    /// Word 4 (MODE), raw; `mode` is the typed value when known.
    public var modeValue: Int32
    /// Words 5–7 (NXSTART, NYSTART, NZSTART): location of the first column, row, section in the unit cell.
    public var nxStart: Int32, nyStart: Int32, nzStart: Int32
    /// Words 8–10 (MX, MY, MZ): sampling along X, Y, Z of the unit cell.
    public var mx: Int32, my: Int32, mz: Int32
    /// Words 11–13 (CELLA): cell dimensions in Å.
    public var cellA: SIMD3<Float>
    /// Words 14–16 (CELLB): cell angles in degrees.
    public var cellB: SIMD3<Float>
    /// Words 17–19 (MAPC, MAPR, MAPS).
    public var axisOrder: AxisOrder
    /// Words 20–22 (DMIN, DMAX, DMEAN) as stored: minimum, maximum and mean density.
    public var dmin: Float, dmax: Float, dmean: Float
    /// Word 23 (ISPG): space group; 0 = image stack, 1 = volume, 401+ = volume stack.
    public var ispg: Int32
    /// Word 24 (NSYMBT): bytes of extended header following the main header.
    public var nsymbt: Int32
    /// Bytes 105–108 (EXTTYP): extended header type such as "FEI1", "FEI2", "CCP4", "MRCO", "SERI", "AGAR".
    public var extType: String
    /// Bytes 109–112 (NVERSION): format version, 20140 for MRC2014 (20141 for its first update).
    public var nversion: Int32
    /// Words 50–52 (ORIGIN): origin in Å (x, y, z) for MRC2014 files.
    public var origin: SIMD3<Float>
    /// Word 53 (MAP): should read "MAP ".
    public var mapID: String
    /// Word 54 (MACHST): the machine stamp's four bytes.
    public var machineStamp: [UInt8]
    /// Word 55 (RMS): RMS deviation of the densities from the mean.
    public var rms: Float
    /// Word 56 (NLABL): number of labels in use.
    public var nlabl: Int32
    /// Labels 1–10, 80 characters each in the file, trailing spaces removed here.
    public var labels: [String]
    /// Byte order the header was read in (or will be written in).
    public var byteOrder: ByteOrder

    /// Size of the main header in bytes.
    public static let size = 1024

    /// The typed mode, or nil for a mode emtools does not know.
    public var mode: MRCMode? { MRCMode(rawValue: modeValue) }

    /// Voxel size in Å: CELLA divided by MX, MY, MZ (zero where the sampling is zero, meaning unknown).
    public var voxelSize: VoxelSize {
        func d(_ c: Float, _ m: Int32) -> Double { m > 0 ? Double(c) / Double(m) : 0 }
        return VoxelSize(x: d(cellA.x, mx), y: d(cellA.y, my), z: d(cellA.z, mz))
    }

    /// What the file holds: image, image stack, volume or volume stack.
    public var content: MRCContent {
        if ispg == 0 { return nz == 1 ? .image : .imageStack(count: Int(nz)) }
        if ispg >= 401 && ispg <= 630 && mz > 0 && nz % mz == 0 && nz / mz > 1 {
            return .volumeStack(count: Int(nz / mz), depth: Int(mz))
        }
        return nz == 1 ? .image : .volume
    }

    /// Grid size in x, y, z (after undoing the axis order), for a valid axis order.
    public var gridSize: GridSize {
        let n = [Int(nx), Int(ny), Int(nz)]
        var xyz = [0, 0, 0]
        xyz[Int(axisOrder.column) - 1] = n[0]
        xyz[Int(axisOrder.row) - 1] = n[1]
        xyz[Int(axisOrder.section) - 1] = n[2]
        return GridSize(xyz[0], xyz[1], xyz[2])
    }

    /// A header describing `size` voxels of `voxelSize` Å in `mode`, MRC2014 conventions: axis order 1,2,3,
    /// MX/MY/MZ = grid size, cell = size × voxel size, ISPG 1 for a volume and 0 for an image, NVERSION 20140.
    public init(size: GridSize, voxelSize: VoxelSize, mode: MRCMode, byteOrder: ByteOrder = .native) {
        nx = Int32(size.nx); ny = Int32(size.ny); nz = Int32(size.nz)
        modeValue = mode.rawValue
        nxStart = 0; nyStart = 0; nzStart = 0
        mx = nx; my = ny; mz = nz
        cellA = SIMD3(Float(voxelSize.x * Double(size.nx)), Float(voxelSize.y * Double(size.ny)), Float(voxelSize.z * Double(size.nz)))
        cellB = SIMD3(90, 90, 90)
        axisOrder = .xyz
        dmin = 0; dmax = 0; dmean = 0
        ispg = size.nz == 1 ? 0 : 1
        nsymbt = 0
        extType = ""
        nversion = 20140
        origin = .zero
        mapID = "MAP "
        machineStamp = byteOrder.machineStamp
        rms = 0
        nlabl = 0
        labels = []
        self.byteOrder = byteOrder
    }
}
