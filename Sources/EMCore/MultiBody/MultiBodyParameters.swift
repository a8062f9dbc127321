import Dispatch
import FoundationEssentials
import Glibc

/// The per-particle table of body motions that `relion_flex_analyse --PCA_orient` analyses (RELION 3.1
/// flex_analyser.cpp `make3DModelOneParticle`): six columns per body,
/// `rot-body-B, tilt-body-B, psi-body-B, x-body-B, y-body-B, z-body-B`, each multiplied by a weight.
///
/// - rot, tilt, psi: the body's residual Euler angles (degrees) from `data_images_body_B` of run_data.star,
///   relative to (0, 90, 0) in the body's own frame.
/// - x, y, z: the body's offset (`rlnOriginXAngst/YAngst`, and `ZAngst` for 3-D data, ÷ pixel size, in
///   pixels) taken back into 3-D:
///   `(Aori · Abody)⁻¹ · (−offset)`, with Aori the consensus orientation of the particle and
///   `Abody = Oᵀ · rot90Y · A(rot, tilt, psi) · O` (`BodyGeometry.bodyRotation`).
/// - weights (`weights[B]` = rot, tilt, psi, offset): how much the masked body map changes (root sum of
///   squared voxel differences) for a 1° change of each angle or a 1-pixel shift, so that all columns are in
///   the same "map change" units (`computeWeights`, as RELION writes to `*_pca_weights.dat`).
///
/// RELION then runs PCA on this table with the covariance divided by N (`Covariance.Divisor.population`).
public struct MultiBodyParameters {
    /// Number of bodies.
    public var bodyCount: Int
    /// Column names in RELION's labels (`rot-body-1`, …, `z-body-B`).
    public var columnNames: [String]
    /// Weights per body: [rot, tilt, psi, offset].
    public var weights: [[Double]]
    /// The weighted table, one row per particle in the order of data_particles, 6·bodyCount columns.
    public var table: Matrix
    /// The data STAR file it came from (for selections).
    public var data: STARDocument

    /// The six parameter names per body, in column order.
    public static let parameters = ["rot", "tilt", "psi", "x", "y", "z"]

    /// Build the table from a job's files.
    /// - Parameter weights: weights per body (e.g. from RELION's `*_pca_weights.dat`, see `readWeights`);
    ///   computed from the body maps and masks when nil.
    /// - Throws: `MultiBodyError`, `STARError`, `MRCError`, `FileError`.
    public static func read(_ job: MultiBodyJob, weights given: [[Double]]? = nil) throws -> MultiBodyParameters {
        let doc = try STARDocument.read(job.dataPath)
        var bodyTables: [STARTable] = []
        while let b = doc.block("images_body_\(bodyTables.count + 1)") { bodyTables.append(try b.requireTable()) }
        guard !bodyTables.isEmpty else { throw MultiBodyError.notMultiBody(path: job.dataPath) }
        let particles = try (doc.block("particles") ?? doc.block("")).map { try $0.requireTable() }
            ?? { throw STARError.missingBlock(path: job.dataPath, block: "particles") }()
        let n = particles.rowCount
        for (i, t) in bodyTables.enumerated() where t.rowCount != n {
            throw MultiBodyError.rowCountMismatch(path: job.dataPath, block: "images_body_\(i + 1)", rows: t.rowCount, particles: n)
        }
        let bodies = try BodyDefinition.read(job.bodiesPath, projectDirectory: job.projectDirectory)
        guard bodies.count == bodyTables.count else {
            throw MultiBodyError.bodyCountMismatch(path: job.dataPath, dataBodies: bodyTables.count, definedBodies: bodies.count)
        }
        let nb = bodies.count
        guard n >= 6 * nb else { throw MultiBodyError.tooFewParticles(path: job.dataPath, particles: n, needed: 6 * nb) }
        let w = try given ?? computeWeights(job: job, bodies: bodies)
        guard w.count == nb, w.allSatisfy({ $0.count == 4 }) else {
            throw MultiBodyError.badWeights(path: job.directory, reason: "need 4 weights (rot tilt psi offset) for each of \(nb) bodies")
        }
        let pixel = try pixelSizes(doc, particles: particles, path: job.dataPath, modelPath: job.modelPath)
        let rot = try particles.doubles("rlnAngleRot"), tilt = try particles.doubles("rlnAngleTilt"), psi = try particles.doubles("rlnAnglePsi")
        var table = Matrix(rows: n, columns: 6 * nb)
        for (b, t) in bodyTables.enumerated() {
            let br = try t.doubles("rlnAngleRot"), bt = try t.doubles("rlnAngleTilt"), bp = try t.doubles("rlnAnglePsi")
            let inAngst = t.columnIndex("rlnOriginXAngst") != nil
            let ox = try t.doubles(inAngst ? "rlnOriginXAngst" : "rlnOriginX"), oy = try t.doubles(inAngst ? "rlnOriginYAngst" : "rlnOriginY")
            // Sub-tomogram averaging (3-D data) also refines a z offset.
            let zName = inAngst ? "rlnOriginZAngst" : "rlnOriginZ"
            let oz = t.columnIndex(zName) != nil ? try t.doubles(zName) : [Double](repeating: 0, count: n)
            let o = bodies[b].orientation
            for r in 0 ..< n {
                let residual = EulerAngles(rot: br[r], tilt: bt[r], psi: bp[r])
                let abody = BodyGeometry.bodyRotation(orientation: o, residual: residual)
                let anew = EulerAngles(rot: rot[r], tilt: tilt[r], psi: psi[r]).matrix * abody
                let scale = inAngst ? pixel[r] : 1
                let off3 = anew.transposed * SIMD3(-ox[r] / scale, -oy[r] / scale, -oz[r] / scale)
                let base = r * 6 * nb + 6 * b
                table.values[base + 0] = w[b][0] * br[r]
                table.values[base + 1] = w[b][1] * bt[r]
                table.values[base + 2] = w[b][2] * bp[r]
                table.values[base + 3] = w[b][3] * off3.x
                table.values[base + 4] = w[b][3] * off3.y
                table.values[base + 5] = w[b][3] * off3.z
            }
        }
        let names = (1 ... nb).flatMap { b in parameters.map { "\($0)-body-\(b)" } }
        return MultiBodyParameters(bodyCount: nb, columnNames: names, weights: w, table: table, data: doc)
    }

    /// Pixel size (Å) of each particle: `rlnImagePixelSize` of its optics group (RELION 3.1), else
    /// `rlnPixelSize` of the model's `model_general`.
    static func pixelSizes(_ doc: STARDocument, particles: STARTable, path: String, modelPath: String) throws -> [Double] {
        if let optics = doc.block("optics")?.table, optics.columnIndex("rlnImagePixelSize") != nil {
            let groups = try optics.ints("rlnOpticsGroup"), sizes = try optics.doubles("rlnImagePixelSize")
            let bygroup = Dictionary(zip(groups, sizes), uniquingKeysWith: { a, _ in a })
            let pg = particles.columnIndex("rlnOpticsGroup") != nil ? try particles.ints("rlnOpticsGroup") : [Int](repeating: groups.first ?? 1, count: particles.rowCount)
            return try pg.enumerated().map { r, g in
                guard let s = bygroup[g], s > 0 else { throw MultiBodyError.noPixelSize(path: path, row: r + 1) }
                return s
            }
        }
        let model = try STARDocument.read(modelPath)
        guard let s = model.block("model_general")?.double("rlnPixelSize"), s > 0 else { throw MultiBodyError.noPixelSize(path: path, row: 1) }
        return [Double](repeating: s, count: particles.rowCount)
    }
}
