import Dispatch
import FoundationEssentials
import Glibc

extension MultiBodyParameters {
    /// The column weights RELION's `relion_flex_analyse` derives from the body maps (flex_analyser.cpp
    /// `initialise`): for each body, the masked map (`rlnReferenceImage` of `model_bodies` in run_model.star
    /// times the body mask) is moved so that its centre of mass is at the box centre, then rotated by 1° of
    /// rot, of tilt and of psi, and shifted by 1 pixel along x; each weight is the root sum of squared voxel
    /// differences between the moved and the unmoved map. Returns [rot, tilt, psi, offset] per body.
    /// - Complexity: four trilinear resamplings of each body map.
    public static func computeWeights(job: MultiBodyJob, bodies: [BodyDefinition]) throws -> [[Double]] {
        let model = try STARDocument.read(job.modelPath)
        let table = try model.requireBlock("model_bodies").requireTable()
        let refs = try table.strings("rlnReferenceImage")
        guard refs.count == bodies.count else {
            throw MultiBodyError.bodyCountMismatch(path: job.modelPath, dataBodies: refs.count, definedBodies: bodies.count)
        }
        let folder = Path.directory(job.modelPath)
        return try bodies.enumerated().map { b, body in
            let mapPath = ProjectPaths.resolve(refs[b], projectDirectory: job.projectDirectory, nextTo: folder)
            let map = try MRCFile.open(mapPath).readVolume()
            guard map.size == body.mask.size else {
                throw MultiBodyError.badMask(path: body.maskPath, reason: "mask is \(body.mask.size) but body map \(mapPath) is \(map.size)")
            }
            return weights(map: map, body: body)
        }
    }

    /// The four weights of one body (see `computeWeights`).
    public static func weights(map: Volume, body: BodyDefinition) -> [Double] {
        let size = map.size
        let (nx, ny, nz) = (size.nx, size.ny, size.nz)
        // Masked map moved by −centre of mass (a whole-pixel shift: out(r) = in(r + com), zero outside).
        let c = body.centreOfMass
        let (cx, cy, cz) = (Int(c.x), Int(c.y), Int(c.z))
        var centred = [Float](repeating: 0, count: size.count)
        for k in 0 ..< nz { for j in 0 ..< ny { for i in 0 ..< nx {
            let si = i + cx, sj = j + cy, sk = k + cz
            guard si >= 0, sj >= 0, sk >= 0, si < nx, sj < ny, sk < nz else { continue }
            let s = si + nx * (sj + ny * sk)
            centred[i + nx * (j + ny * k)] = map.data[s] * body.mask.data[s]
        } } }
        let moves: [(EulerAngles, SIMD3<Double>)] = [
            (EulerAngles(rot: 1, tilt: 90, psi: 0), .zero),
            (EulerAngles(rot: 0, tilt: 91, psi: 0), .zero),
            (EulerAngles(rot: 0, tilt: 90, psi: 1), .zero),
            (EulerAngles(rot: 0, tilt: 90, psi: 0), SIMD3(1, 0, 0)),
        ]
        return moves.map { residual, shift in
            let m = BodyGeometry.bodyRotation(orientation: body.orientation, residual: residual)
            let moved = BodyGeometry.transform(centred, size: size, rotation: m, shift: shift)
            var s = 0.0
            for i in moved.indices { let d = Double(moved[i]) - Double(centred[i]); s += d * d }
            return s.squareRoot()
        }
    }

    /// Read RELION's `*_pca_weights.dat` (a header line `body rot tilt psi offset`, then one line per body:
    /// number and four weights).
    /// - Throws: `FileError`, `MultiBodyError.badWeights`.
    public static func readWeights(_ path: String) throws -> [[Double]] {
        let bytes = try FileBytes.open(path)
        let text = String(decoding: bytes.bytes, as: UTF8.self)
        var out: [[Double]] = []
        for (i, line) in text.split(separator: "\n").enumerated() {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.isEmpty || (i == 0 && words.first == "body") { continue }
            let values = words.map { Double($0) }
            guard values.count == 5, values.allSatisfy({ $0 != nil && $0!.isFinite }) else {
                throw MultiBodyError.badWeights(path: path, reason: "line \(i + 1) should be 'BODY ROT TILT PSI OFFSET'")
            }
            out.append(values.dropFirst().map { $0! })
        }
        guard !out.isEmpty else { throw MultiBodyError.badWeights(path: path, reason: "no weights") }
        return out
    }
}
