@testable import EMCore
import Foundation
import Testing
import TestSupport

/// Axis projections and slices of files written by mrcfile equal numpy's sums, maxima and indexing of the
/// same files: every writable mode, both byte orders, a permuted axis order, a non-cubic grid.
@Suite(.serialized) struct ProjectionNumpyTests {
    /// Python that writes one map per case with mrcfile and, for each, numpy's reference results as raw
    /// little-endian float64: `<case>_<sum|max>_<x|y|z>.f64` and `<case>_slice_<axis>_<index>.f64`, plus
    /// `cases.json` with the slice indices.
    static let script = #"""
import json, os, sys
import numpy as np, mrcfile
d = sys.argv[1]
rng = np.random.default_rng(11)
shape = (23, 29, 37)                       # z, y, x: a non-cubic grid catches axis mix-ups
base = rng.normal(0, 2, shape)
cases = {}

def reference(name, vol):
    vol = np.asarray(vol, dtype=np.float64)   # indexed [z, y, x]
    for ax, k in (('x', 2), ('y', 1), ('z', 0)):
        vol.sum(axis=k).astype('<f8').tofile(os.path.join(d, f'{name}_sum_{ax}.f64'))
        vol.max(axis=k).astype('<f8').tofile(os.path.join(d, f'{name}_max_{ax}.f64'))
    idx = {'z': [0, 11, 22], 'y': [0, 14, 28], 'x': [0, 18, 36]}
    for i in idx['z']: vol[i, :, :].astype('<f8').tofile(os.path.join(d, f'{name}_slice_z_{i}.f64'))
    for i in idx['y']: vol[:, i, :].astype('<f8').tofile(os.path.join(d, f'{name}_slice_y_{i}.f64'))
    for i in idx['x']: vol[:, :, i].astype('<f8').tofile(os.path.join(d, f'{name}_slice_x_{i}.f64'))
    cases[name] = idx

def new(name, data):
    path = os.path.join(d, name + '.mrc')
    with mrcfile.new(path, data=data, overwrite=True) as m:
        m.voxel_size = 1.5
    with mrcfile.open(path) as m:
        reference(name, m.data)

new('float32-le', base.astype('<f4'))
new('float32-be', base.astype('>f4'))
new('float16', base.astype('<f2'))
new('int16', (base * 1000).astype('<i2'))
new('uint16', rng.integers(0, 65536, shape).astype('<u2'))
new('int8', rng.integers(-128, 128, shape).astype('i1'))

# Axis order MAPC/MAPR/MAPS = 3,1,2: columns run along z, rows along x, sections along y,
# so the stored array is the [z, y, x] volume transposed to [y, x, z].
vol = base.astype('<f4')
path = os.path.join(d, 'axes312.mrc')
with mrcfile.new(path, data=np.ascontiguousarray(vol.transpose(1, 2, 0)), overwrite=True) as m:
    m.voxel_size = 1.5
    m.header.mapc, m.header.mapr, m.header.maps = 3, 1, 2
reference('axes312', vol)
json.dump(cases, open(os.path.join(d, 'cases.json'), 'w'))
"""#

    static func readF64(_ path: String) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in (0 ..< data.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
    }

    /// Largest |a − b| over the largest |b| (plus 1, so that all-zero references compare absolutely).
    static func relativeError(_ a: [Float], _ b: [Double]) -> Double {
        precondition(a.count == b.count)
        let scale = (b.map(abs).max() ?? 0) + 1
        return zip(a, b).map { abs(Double($0) - $1) }.max()! / scale
    }

    @Test func axisProjectionsAndSlicesEqualNumpy() throws {
        let dir = TestEnv.temporaryDirectory("proj-numpy")
        defer { TestEnv.removeTemporary(dir) }
        try TestEnv.python(Self.script, [dir])
        let cases = try JSONDecoder().decode([String: [String: [Int]]].self,
                                             from: Data(contentsOf: URL(fileURLWithPath: dir + "/cases.json")))
        #expect(cases.count == 7)
        for (name, indices) in cases.sorted(by: { $0.key < $1.key }) {
            let file = try MRCFile.open("\(dir)/\(name).mrc")
            #expect(file.gridSize == GridSize(37, 29, 23), "\(name)")
            let volume = try file.readVolume()
            for axis in VolumeAxis.allCases {
                let (h, v) = axis.imageAxes
                for kind in ProjectionKind.allCases {
                    let ref = try Self.readF64("\(dir)/\(name)_\(kind == .sum ? "sum" : "max")_\(axis).f64")
                    let fromFile = try file.projection(along: axis, kind: kind)
                    let fromVolume = volume.projection(along: axis, kind: kind)
                    #expect(fromFile.width == h.length(of: file.gridSize) && fromFile.height == v.length(of: file.gridSize))
                    #expect(fromFile.pixelSize == 1.5)
                    let tolerance = kind == .sum ? 1e-6 : 0
                    #expect(Self.relativeError(fromFile.pixels, ref) <= tolerance, "\(name) \(kind) along \(axis), from the file")
                    #expect(Self.relativeError(fromVolume.pixels, ref) <= tolerance, "\(name) \(kind) along \(axis), from a Volume")
                }
                for index in indices[axis.rawValue]! {
                    let ref = try Self.readF64("\(dir)/\(name)_slice_\(axis)_\(index).f64")
                    #expect(Self.relativeError(try file.slice(across: axis, at: index).pixels, ref) == 0, "\(name) slice \(axis) \(index)")
                    #expect(Self.relativeError(try volume.slice(across: axis, at: index).pixels, ref) == 0, "\(name) slice \(axis) \(index)")
                }
                // No index: the centre, length / 2 (RELION's origin).
                let mid = axis.length(of: file.gridSize) / 2
                #expect(try file.slice(across: axis) == file.slice(across: axis, at: mid))
            }
        }
    }

    @Test func sliceOutsideTheGridNamesTheFileAxisAndRange() throws {
        let dir = TestEnv.temporaryDirectory("proj-slice-range")
        defer { TestEnv.removeTemporary(dir) }
        let path = dir + "/small.mrc"
        try MRCWriter.write(Phantom.blobs(n: 8), to: path)
        let file = try MRCFile.open(path)
        #expect(throws: PictureError.indexOutOfRange(path: path, axis: .y, index: 8, length: 8)) { try file.slice(across: .y, at: 8) }
        #expect(throws: PictureError.indexOutOfRange(path: path, axis: .x, index: -1, length: 8)) { try file.slice(across: .x, at: -1) }
        let message = String(describing: PictureError.indexOutOfRange(path: path, axis: .y, index: 8, length: 8))
        #expect(message == "\(path): slice index 8 along y is outside 0…7")
    }
}
