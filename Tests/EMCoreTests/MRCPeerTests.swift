@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Files written by mrcfile (Python) and RELION, read back by EMCore with the same values and header fields
/// that mrcfile/numpy and RELION themselves read; and EMCore's files checked by mrcfile's validator.
@Suite(.serialized) struct MRCPeerTests {
    /// Python that writes one file per case with mrcfile and, next to it, what mrcfile reads back:
    /// `<name>.f32` (the values as little-endian float32, complex as amplitude) and `cases.json` (header fields).
    static let writeWithMrcfile = #"""
import json, os, sys
import numpy as np, mrcfile
from mrcfile.dtypes import get_ext_header_dtype
d = sys.argv[1]
rng = np.random.default_rng(7)
cases = {}

def record(name, path):
    with mrcfile.open(path, permissive=False) as m:
        h, data = m.header, m.data
        vals = np.abs(data) if np.iscomplexobj(data) else data
        np.ascontiguousarray(vals, dtype='<f4').tofile(os.path.join(d, name + '.f32'))
        cases[name] = dict(
            path=path, shape=list(data.shape), mode=int(h.mode),
            nx=int(h.nx), ny=int(h.ny), nz=int(h.nz), mx=int(h.mx), my=int(h.my), mz=int(h.mz),
            nxstart=int(h.nxstart), nystart=int(h.nystart), nzstart=int(h.nzstart),
            cella=[float(h.cella.x), float(h.cella.y), float(h.cella.z)],
            cellb=[float(h.cellb.alpha), float(h.cellb.beta), float(h.cellb.gamma)],
            axes=[int(h.mapc), int(h.mapr), int(h.maps)],
            dmin=float(h.dmin), dmax=float(h.dmax), dmean=float(h.dmean), rms=float(h.rms),
            ispg=int(h.ispg), nsymbt=int(h.nsymbt), exttyp=bytes(h.exttyp).decode().rstrip('\x00 '),
            nversion=int(h.nversion), origin=[float(h.origin.x), float(h.origin.y), float(h.origin.z)],
            map=bytes(h.map).decode(), machst=[int(b) for b in bytes(h.machst)], nlabl=int(h.nlabl),
            labels=[bytes(l).decode().rstrip() for l in h.label[:int(h.nlabl)]],
            voxel=[float(m.voxel_size.x), float(m.voxel_size.y), float(m.voxel_size.z)],
            big=data.dtype.byteorder == '>' or (data.dtype.byteorder == '=' and sys.byteorder == 'big'),
            stack=bool(m.is_image_stack()), volstack=bool(m.is_volume_stack()),
            stats=[float(vals.min()), float(vals.max()), float(vals.mean(dtype=np.float64)), float(vals.std(dtype=np.float64))])

def new(name, data, order, ext='.mrc', setup=None):
    path = os.path.join(d, name + ext)
    with mrcfile.new(path, data=data.astype(data.dtype.newbyteorder(order)), overwrite=True) as m:
        m.voxel_size = (1.5, 1.25, 2.0)
        m.header.origin = (10.5, -3.0, 7.25)
        m.header.nxstart, m.header.nystart, m.header.nzstart = 2, -4, 6
        m.add_label('written by mrcfile for emtools tests')
        if setup: setup(m)
        m.update_header_stats()
    record(name, path)

for order, tag in (('<', 'le'), ('>', 'be')):
    shape = (5, 6, 7)
    new('int8-' + tag, rng.integers(-128, 128, shape).astype(np.int8), order)
    new('int16-' + tag, rng.integers(-32768, 32768, shape).astype(np.int16), order)
    new('float32-' + tag, rng.normal(0, 3, shape).astype(np.float32), order)
    new('complex64-' + tag, (rng.normal(0, 1, shape) + 1j * rng.normal(0, 1, shape)).astype(np.complex64), order)
    new('uint16-' + tag, rng.integers(0, 65536, shape).astype(np.uint16), order)
    new('float16-' + tag, rng.normal(0, 10, shape).astype(np.float16), order)
    new('imagestack-' + tag, rng.normal(0, 1, (4, 8, 9)).astype(np.float32), order, '.mrcs', lambda m: m.set_image_stack())
    new('volstack-' + tag, rng.normal(0, 1, (3, 2, 4, 5)).astype(np.float32), order)
    def fei(m, order=order):
        ext = np.zeros(2, dtype=get_ext_header_dtype(b'FEI1', order))
        ext['Metadata size'] = ext.dtype.itemsize
        ext['Metadata version'] = 1
        ext['Microscope type'] = b'TITAN52336320'
        ext['Application'] = b'EPU'
        ext['Application version'] = b'3.6.0'
        ext['HT'] = 300000.0
        ext['Dose'] = [4.5e20, 4.7e20]
        ext['Pixel size X'] = 0.83e-10
        ext['Pixel size Y'] = 0.84e-10
        ext['Defocus'] = -1.5e-6
        ext['Alpha tilt'] = [0.0, 30.0]
        ext['Integration time'] = 2.5
        ext['Camera name'] = b'BM-Falcon'
        ext['Is dose fraction'] = True
        ext['Fraction number'] = [1, 2]
        m.set_extended_header(ext)
        m.header.exttyp = b'FEI1'
    new('fei1-' + tag, rng.normal(0, 1, (2, 6, 8)).astype(np.float32), order, '.mrcs', fei)
json.dump(cases, open(os.path.join(d, 'cases.json'), 'w'))
"""#

    struct Case: Decodable {
        var path: String, shape: [Int], mode: Int32
        var nx: Int32, ny: Int32, nz: Int32, mx: Int32, my: Int32, mz: Int32
        var nxstart: Int32, nystart: Int32, nzstart: Int32
        var cella: [Float], cellb: [Float], axes: [Int32]
        var dmin: Float, dmax: Float, dmean: Float, rms: Float
        var ispg: Int32, nsymbt: Int32, exttyp: String, nversion: Int32, origin: [Float]
        var map: String, machst: [UInt8], nlabl: Int32, labels: [String], voxel: [Double]
        var big: Bool, stack: Bool, volstack: Bool, stats: [Double]
    }

    @Test func filesWrittenByMrcfileReadBackIdentically() throws {
        let dir = TestEnv.temporaryDirectory("mrc-peer")
        defer { TestEnv.removeTemporary(dir) }
        try TestEnv.python(Self.writeWithMrcfile, [dir])
        let cases = try JSONDecoder().decode([String: Case].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/cases.json")))
        #expect(cases.count == 18)
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let f = try MRCFile.open(c.path)
            let h = f.header
            #expect(h.modeValue == c.mode, "\(name)")
            #expect([h.nx, h.ny, h.nz] == [c.nx, c.ny, c.nz] && [h.mx, h.my, h.mz] == [c.mx, c.my, c.mz], "\(name)")
            #expect([h.nxStart, h.nyStart, h.nzStart] == [c.nxstart, c.nystart, c.nzstart], "\(name)")
            #expect([h.cellA.x, h.cellA.y, h.cellA.z] == c.cella && [h.cellB.x, h.cellB.y, h.cellB.z] == c.cellb, "\(name)")
            #expect([h.axisOrder.column, h.axisOrder.row, h.axisOrder.section] == c.axes, "\(name)")
            #expect(h.dmin == c.dmin && h.dmax == c.dmax && h.dmean == c.dmean && h.rms == c.rms, "\(name)")
            #expect(h.ispg == c.ispg && h.nsymbt == c.nsymbt && h.extType == c.exttyp && h.nversion == c.nversion, "\(name)")
            #expect([h.origin.x, h.origin.y, h.origin.z] == c.origin, "\(name)")
            #expect(h.mapID == c.map && h.machineStamp == c.machst && h.nlabl == c.nlabl && h.labels == c.labels, "\(name)")
            #expect(h.byteOrder == (c.big ? .big : .little), "\(name)")
            #expect(voxelClose(h.voxelSize, c.voxel), "\(name)")
            switch h.content {
            case .imageStack: #expect(c.stack, "\(name)")
            case .volumeStack(let n, let depth): #expect(c.volstack && n * depth == Int(c.nz), "\(name)")
            default: #expect(!c.stack && !c.volstack, "\(name)")
            }
            let (v, s) = try f.readVolumeAndStatistics()
            let expected = try readFloat32File(dir + "/\(name).f32")
            if f.mode.isComplex {
                // numpy's SIMD |z| for complex64 is within one ulp of the correctly rounded hypotf EMCore uses.
                #expect(v.data.count == expected.count, "\(name)")
                for (a, b) in zip(v.data, expected) { #expect(abs(a - b) <= b.ulp, "\(name): \(a) vs \(b)") }
                #expect(abs(s.min - Float(c.stats[0])) <= Float(c.stats[0]).ulp && abs(s.max - Float(c.stats[1])) <= Float(c.stats[1]).ulp, "\(name)")
            } else {
                #expect(v.data == expected, "values of \(name)")
                #expect(s.min == Float(c.stats[0]) && s.max == Float(c.stats[1]), "\(name)")
            }
            #expect(abs(s.mean - c.stats[2]) <= 1e-6 * max(1, abs(c.stats[1])), "\(name)")
            #expect(abs(s.rms - c.stats[3]) <= 1e-6 * max(1, c.stats[3]), "\(name)")
            #expect(MRCValidator.validate(c.path) == [], "\(name)")
        }
    }

    func voxelClose(_ v: VoxelSize, _ want: [Double]) -> Bool {
        abs(v.x - want[0]) < 1e-6 && abs(v.y - want[1]) < 1e-6 && abs(v.z - want[2]) < 1e-6
    }

    @Test func feiExtendedHeaderWrittenByMrcfileIsDecoded() throws {
        let dir = TestEnv.temporaryDirectory("mrc-fei")
        defer { TestEnv.removeTemporary(dir) }
        try TestEnv.python(Self.writeWithMrcfile, [dir])
        for tag in ["le", "be"] {
            let f = try MRCFile.open("\(dir)/fei1-\(tag).mrcs")
            let fei = try #require(try f.feiExtendedHeader())
            #expect(fei.records.count == 2)
            let r = fei.records[0]
            #expect(r.metadataSize == 768 && r.metadataVersion == 1)
            #expect(r.microscopeType == "TITAN52336320" && r.application == "EPU" && r.applicationVersion == "3.6.0")
            #expect(r.highTension == 300_000 && r.highTensionKilovolts == 300)
            #expect(abs(r.dosePerSquareAngstrom - 4.5) < 1e-12 && abs(fei.records[1].dosePerSquareAngstrom - 4.7) < 1e-12)
            #expect(abs(r.pixelSizeAngstrom.x - 0.83) < 1e-12 && abs(r.pixelSizeAngstrom.y - 0.84) < 1e-12)
            #expect(r.defocus == -1.5e-6 && r.integrationTime == 2.5 && r.cameraName == "BM-Falcon")
            #expect(fei.records[1].alphaTilt == 30 && r.isDoseFraction && fei.records[1].fractionNumber == 2)
            let summary = MRCSummary(f)
            #expect(summary.feiRecords == 2 && summary.feiFirstRecord == r)
            #expect(MRCHeaderTable.render(f).contains("HT (kV)              300"))
        }
    }

    @Test func mrcfileValidatesAndReadsWhatEMCoreWrites() throws {
        let dir = TestEnv.temporaryDirectory("mrc-peer")
        defer { TestEnv.removeTemporary(dir) }
        var paths: [String] = []
        try withEvery([MRCMode.float32, .int16, .float16, .int8, .uint16], [ByteOrder.little, .big]) { mode, order in
            var v = integerVolume(GridSize(6, 5, 4), nonNegative: mode == .uint16)
            // mrcfile's validator sums float16 data in float16: keep the squares small enough not to overflow.
            if mode == .float16 { v.data = v.data.map { $0.truncatingRemainder(dividingBy: 11) } }
            let path = "\(dir)/\(mode.name)-\(order).mrc"
            try MRCWriter.write(v, to: path, options: MRCWriteOptions(mode: mode, byteOrder: order))
            try v.data.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: path + ".f32")) }
            paths.append(path)
        }
        let script = """
        import sys, io, contextlib, numpy as np, mrcfile
        for p in sys.argv[1:]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                ok = mrcfile.validate(p)
            with mrcfile.open(p, permissive=False) as m:
                same = np.array_equal(m.data.astype(np.float32).ravel(), np.fromfile(p + '.f32', dtype=np.float32))
                print(p, ok, same, m.voxel_size.x, m.header.nversion, m.header.origin.x)
        """
        let lines = try TestEnv.python(script, paths).split(separator: "\n")
        #expect(lines.count == 10)
        for line in lines { #expect(line.hasSuffix(" True True 1.25 20140 -10.0"), "\(line)") }
    }

    @Test func relionImageHandlerOutputAndStatisticsAgree() throws {
        let dir = TestEnv.temporaryDirectory("mrc-relion")
        defer { TestEnv.removeTemporary(dir) }
        let v = Phantom.blobs(n: 32, voxelSize: 2.0, noise: 0.05)
        let input = dir + "/in.mrc"
        try MRCWriter.write(v, to: input, options: MRCWriteOptions(byteOrder: .big))
        // RELION rewrites the map (scaled by 2) in its own little-endian float32 layout.
        let r = try TestEnv.run(TestEnv.relion("relion_image_handler"), ["--i", input, "--o", dir + "/out.mrc", "--multiply_constant", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let out = try MRCFile.open(dir + "/out.mrc")
        #expect(out.header.byteOrder == .little && out.gridSize == v.size && abs(out.header.voxelSize.x - 2) < 1e-6)
        let back = try out.readVolume()
        for (a, b) in zip(v.data, back.data) { #expect(b == 2 * a) }
        // RELION's --stats prints avg, stddev (population), min and max with 6 significant digits.
        for path in [input, dir + "/out.mrc"] {
            let stats = try #require(try relionStats(path).first, "relion_image_handler --stats printed nothing for \(path)")
            let ours = try MRCFile.open(path).statistics()
            #expect(close(stats.mean, ours.mean) && close(stats.stddev, ours.rms))
            #expect(close(stats.min, Double(ours.min)) && close(stats.max, Double(ours.max)))
        }
    }

    @Test func relionProjectStacksAreImageStacksWithRELIONsNumbers() throws {
        let dir = TestEnv.temporaryDirectory("mrc-relion")
        defer { TestEnv.removeTemporary(dir) }
        try MRCWriter.write(Phantom.blobs(n: 32, voxelSize: 2.0), to: dir + "/map.mrc")
        let r = try TestEnv.run(TestEnv.relion("relion_project"), ["--i", dir + "/map.mrc", "--o", dir + "/proj", "--nr_uniform", "5", "--angpix", "2"])
        #expect(r.status == 0, "\(r.stderr)")
        let stack = try MRCFile.open(dir + "/proj.mrcs")
        #expect(stack.gridSize == GridSize(32, 32, 5))
        #expect(stack.header.content == .imageStack(count: 5))
        let v = try stack.readVolume()
        let relion = try relionStats(dir + "/proj.mrcs")
        #expect(relion.count == 5)
        for (i, s) in relion.enumerated() {
            let image = Array(v.data[(i * 1024) ..< ((i + 1) * 1024)])
            let ours = image.withUnsafeBufferPointer { VolumeStatistics.of($0) }
            #expect(close(s.mean, ours.mean) && close(s.stddev, ours.rms) && close(s.min, Double(ours.min)) && close(s.max, Double(ours.max)), "image \(i + 1): RELION \(s), ours \(ours)")
        }
    }

    /// Parse `relion_image_handler --i path --stats`: one (avg, stddev, min, max) per image.
    func relionStats(_ path: String) throws -> [(mean: Double, stddev: Double, min: Double, max: Double)] {
        let r = try TestEnv.run(TestEnv.relion("relion_image_handler"), ["--i", path, "--stats"])
        return r.stdout.split(separator: "\n").compactMap { line in
            func value(_ key: String) -> Double? {
                guard let range = line.range(of: key + "= ") else { return nil }
                return Double(line[range.upperBound...].prefix { $0 != " " && $0 != ";" })
            }
            guard let a = value("avg"), let s = value("stddev"), let lo = value("minval"), let hi = value("maxval") else { return nil }
            return (a, s, lo, hi)
        }
    }

    /// Agreement to RELION's six printed significant digits.
    func close(_ printed: Double, _ ours: Double) -> Bool { abs(printed - ours) <= 1e-5 * max(abs(ours), 1e-3) + 1e-9 }
}
