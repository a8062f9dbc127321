/// Problems reading a RELION multi-body refinement. Each `description` is one line naming the file (or job
/// folder) and what is wrong with it.
public enum MultiBodyError: Error, Equatable, CustomStringConvertible {
    /// The job folder lacks a file the analysis needs.
    case missingFile(job: String, what: String)
    /// The data file has no `data_images_body_N` blocks: not a multi-body refinement.
    case notMultiBody(path: String)
    /// Body tables and the bodies STAR file disagree on the number of bodies.
    case bodyCountMismatch(path: String, dataBodies: Int, definedBodies: Int)
    /// A body table has a different number of rows than the particles table.
    case rowCountMismatch(path: String, block: String, rows: Int, particles: Int)
    /// A body mask has values outside 0…1 or no positive value, or its size differs from the body map.
    case badMask(path: String, reason: String)
    /// A particle's optics group is not in `data_optics`, or it has no pixel size.
    case noPixelSize(path: String, row: Int)
    /// Fewer particles than RELION needs for the PCA (6 per body).
    case tooFewParticles(path: String, particles: Int, needed: Int)
    /// A PCA weights file (`*_pca_weights.dat`) that cannot be read.
    case badWeights(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let j, let w): return "\(j): no \(w)"
        case .notMultiBody(let p): return "\(p): no data_images_body_1 block, so this is not a multi-body refinement"
        case .bodyCountMismatch(let p, let d, let b):
            return "\(p): \(d) body table\(d == 1 ? "" : "s") in the data file but \(b) bod\(b == 1 ? "y" : "ies") in the bodies STAR file"
        case .rowCountMismatch(let p, let b, let r, let n):
            return "\(p): block '\(b)' has \(r) rows but data_particles has \(n)"
        case .badMask(let p, let r): return "\(p): \(r)"
        case .noPixelSize(let p, let r): return "\(p): particle \(r) has no pixel size (rlnImagePixelSize of its optics group)"
        case .tooFewParticles(let p, let n, let k):
            return "\(p): \(n) particles, but the PCA of the body motions needs at least \(k) (6 per body, as relion_flex_analyse)"
        case .badWeights(let p, let r): return "\(p): \(r)"
        }
    }
}
