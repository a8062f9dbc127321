import Dispatch
import FoundationEssentials
import Glibc

/// One body of a multi-body refinement as RELION defines it from the bodies STAR file
/// (`--multibody_masks`, columns `rlnBodyMaskName`, optional `rlnBodyRotateRelativeTo` or
/// `rlnBodyRotateDirectionX/Y/Z`), following ml_model.cpp `MlModel::initialiseBodies`.
public struct BodyDefinition {
    /// Path of the body's mask (values 0…1).
    public var maskPath: String
    /// The mask, x fastest.
    public var mask: Volume
    /// Centre of mass of the mask in pixels from the box centre (index − size/2), rounded to whole pixels
    /// as RELION does.
    public var centreOfMass: SIMD3<Double>
    /// 1-based number of the body this one rotates relative to, or nil.
    public var rotateRelativeTo: Int?
    /// Unit vector of the rotation direction (from this body's centre of mass towards the body it rotates
    /// relative to, or given explicitly, or towards the box centre).
    public var rotateDirection: SIMD3<Double> = .zero
    /// RELION's `orient_bodies`: `alignWithZ(−rotateDirection)`.
    public var orientation: RotationMatrix = .identity

    /// A body from its parts (`read` computes them from a bodies STAR file).
    public init(maskPath: String, mask: Volume, centreOfMass: SIMD3<Double>, rotateRelativeTo: Int?,
                rotateDirection: SIMD3<Double> = .zero, orientation: RotationMatrix = .identity) {
        self.maskPath = maskPath; self.mask = mask; self.centreOfMass = centreOfMass
        self.rotateRelativeTo = rotateRelativeTo; self.rotateDirection = rotateDirection; self.orientation = orientation
    }

    /// Read the bodies STAR file at `path` and every mask it names (relative paths are resolved against
    /// `projectDirectory`, then the folder of the STAR file, then as given), and compute each body's centre
    /// of mass and orientation.
    /// - Throws: `STARError`, `MRCError`/`FileError` for masks, `MultiBodyError.badMask`.
    public static func read(_ path: String, projectDirectory: String?) throws -> [BodyDefinition] {
        let doc = try STARDocument.read(path)
        guard let table = doc.blocks.lazy.compactMap({ $0.table(with: "rlnBodyMaskName") }).first else {
            throw STARError.missingColumn(path: path, block: doc.blocks.first?.name ?? "", column: "rlnBodyMaskName")
        }
        let masks = try table.strings("rlnBodyMaskName")
        let relative = table.columnIndex("rlnBodyRotateRelativeTo").map { c in (0 ..< table.rowCount).map { table.int(row: $0, column: c) } }
        var explicit: [SIMD3<Double>]? = nil
        if table.columnIndex("rlnBodyRotateDirectionX") != nil {
            let x = try table.doubles("rlnBodyRotateDirectionX"), y = try table.doubles("rlnBodyRotateDirectionY"),
                z = try table.doubles("rlnBodyRotateDirectionZ")
            explicit = (0 ..< table.rowCount).map { SIMD3(x[$0], y[$0], z[$0]) }
        }
        let folder = Path.directory(path)
        var bodies: [BodyDefinition] = []
        for (b, name) in masks.enumerated() {
            let resolved = ProjectPaths.resolve(name, projectDirectory: projectDirectory, nextTo: folder)
            let mask = try MRCFile.open(resolved).readVolume()
            let stats = mask.data.reduce(into: (min: Float.infinity, max: -Float.infinity)) { $0.min = min($0.min, $1); $0.max = max($0.max, $1) }
            guard stats.min >= 0, stats.max <= 1 else {
                throw MultiBodyError.badMask(path: resolved, reason: "mask values must lie in 0…1 (found \(stats.min)…\(stats.max))")
            }
            guard stats.max > 0 else { throw MultiBodyError.badMask(path: resolved, reason: "mask is empty (all zero)") }
            var rel: Int? = nil
            if let r = relative?[b], r >= 1 { rel = r }
            bodies.append(BodyDefinition(maskPath: resolved, mask: mask, centreOfMass: centreOfMass(mask), rotateRelativeTo: rel))
        }
        for b in bodies.indices {
            var dir: SIMD3<Double>
            if let r = bodies[b].rotateRelativeTo, r <= bodies.count {
                dir = bodies[r - 1].centreOfMass - bodies[b].centreOfMass
            } else if let e = explicit {
                dir = e[b]
            } else {
                dir = -bodies[b].centreOfMass
            }
            let len = (dir * dir).sum().squareRoot()
            if len > 0 { dir /= len }
            bodies[b].rotateDirection = dir
            bodies[b].orientation = BodyGeometry.alignWithZ(-dir)
        }
        return bodies
    }

    /// The mask-weighted centre of mass in pixels from the box centre (index − size/2), each coordinate
    /// rounded to the nearest whole pixel (RELION's `centerOfMass` then `ROUND`).
    public static func centreOfMass(_ v: Volume) -> SIMD3<Double> {
        var sum = SIMD3<Double>.zero, mass = 0.0
        let (nx, ny, nz) = (v.size.nx, v.size.ny, v.size.nz)
        for k in 0 ..< nz { for j in 0 ..< ny { for i in 0 ..< nx {
            let w = Double(v.data[i + nx * (j + ny * k)])
            guard w != 0 else { continue }
            sum += w * SIMD3(Double(i - nx / 2), Double(j - ny / 2), Double(k - nz / 2))
            mass += w
        } } }
        guard mass != 0 else { return .zero }
        let c = sum / mass
        return SIMD3(c.x.rounded(), c.y.rounded(), c.z.rounded())
    }
}

/// Resolving the relative paths RELION writes into STAR files (relative to the project folder).
enum ProjectPaths {
    /// `name` if absolute; else the first that exists of: project folder + name, `nextTo` + name,
    /// `nextTo` + last component of name, name as given (relative to the working folder).
    static func resolve(_ name: String, projectDirectory: String?, nextTo folder: String) -> String {
        if name.hasPrefix("/") { return name }
        var candidates: [String] = []
        if let p = projectDirectory { candidates.append(Path.join(p, name)) }
        candidates.append(Path.join(folder, name))
        candidates.append(Path.join(folder, Path.lastComponent(name)))
        for c in candidates where FileManager.default.fileExists(atPath: c) { return c }
        return name
    }
}
