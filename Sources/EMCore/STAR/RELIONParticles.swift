import Dispatch
import FoundationEssentials
import Glibc

/// The blocks RELION writes, by their `data_` names (RELION 3.0–5.0, single-particle and tomography).
public enum RELIONBlock: String, CaseIterable, Sendable {
    case optics, particles, micrographs, movies
    case pipelineGeneral = "pipeline_general", pipelineProcesses = "pipeline_processes", pipelineNodes = "pipeline_nodes"
    case pipelineInputEdges = "pipeline_input_edges", pipelineOutputEdges = "pipeline_output_edges"
    case modelGeneral = "model_general", modelClasses = "model_classes", modelGroups = "model_groups"
    case optimiserGeneral = "optimiser_general", samplingGeneral = "sampling_general"
    case general, fsc, guinier
    /// RELION 4/5 tomography: tomograms and tilt series.
    case global
}

extension STARDocument {
    /// The block RELION names `block`, if present.
    public func block(_ block: RELIONBlock) -> STARBlock? { self.block(block.rawValue) }
}

/// A typed view of a RELION particle file: RELION 3.1+ `data_optics` + `data_particles`, or a RELION 3.0
/// file whose single block holds the particles (no optics table; per-particle values instead).
///
/// Pixel sizes are in Å/pixel, coordinates in pixels of the micrograph, origins in Å (3.1+:
/// `rlnOriginXAngst`) or pixels (3.0: `rlnOriginX`), angles in degrees (ZYZ, RELION's rot/tilt/psi).
public struct RELIONParticles {
    /// The optics groups (`data_optics`), nil for RELION 3.0 files.
    public let optics: STARTable?
    /// One row per particle.
    public let particles: STARTable

    /// Find the tables in `doc`.
    /// - Throws: `STARError.missingBlock` when there is no particle table.
    public init(_ doc: STARDocument) throws {
        if let p = doc.block(.particles)?.table {
            particles = p
            optics = doc.block(.optics)?.table
        } else if let b = doc.blocks.first(where: { $0.table?.columnIndex("rlnImageName") != nil }), let t = b.table {
            particles = t
            optics = nil
        } else {
            throw STARError.missingBlock(path: doc.path, block: "particles")
        }
    }

    /// Number of particles.
    public var count: Int { particles.rowCount }

    /// Image pixel size of each particle in Å: from its optics group (`rlnImagePixelSize`, RELION 3.1+),
    /// else the particle's own `rlnImagePixelSize`/`rlnPixelSize`, else `rlnDetectorPixelSize` × 10⁴ /
    /// `rlnMagnification` (RELION 3.0).
    /// - Throws: `missingColumn` when none of these exists, `valueNotNumeric` for a bad value, and
    ///   `missingBlock` when a particle names an optics group that is not in `data_optics`.
    public func pixelSizes() throws -> [Double] {
        if let o = optics, o.columnIndex("rlnImagePixelSize") != nil, particles.columnIndex("rlnOpticsGroup") != nil {
            var byGroup: [Int: Double] = [:]
            for (g, s) in zip(try o.ints("rlnOpticsGroup"), try o.doubles("rlnImagePixelSize")) { byGroup[g] = s }
            return try particles.ints("rlnOpticsGroup").map { g in
                guard let s = byGroup[g] else { throw STARError.missingBlock(path: particles.path, block: "optics (group \(g))") }
                return s
            }
        }
        for name in ["rlnImagePixelSize", "rlnPixelSize"] where particles.columnIndex(name) != nil { return try particles.doubles(name) }
        let det = try particles.doubles("rlnDetectorPixelSize"), mag = try particles.doubles("rlnMagnification")
        return zip(det, mag).map { $0 * 1e4 / $1 }
    }

    /// Particles per class (`rlnClassNumber`), in class order.
    public func classSizes() throws -> [(classNumber: Int, count: Int)] {
        var counts: [Int: Int] = [:]
        for c in try particles.ints("rlnClassNumber") { counts[c, default: 0] += 1 }
        return counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
