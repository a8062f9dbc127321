import Dispatch
import FoundationEssentials
import Glibc

/// `relion_flex_analyse --PCA_orient` done by emtools: the body-motion table of a multi-body job
/// (`MultiBodyParameters`), its PCA with RELION's normalisation (covariance divided by N, no
/// standardisation), and the amplitudes of every particle along every eigenvector.
///
/// Eigenvector signs follow `SymmetricEigen` (largest component positive); RELION's Jacobi solver picks
/// signs arbitrarily, so an amplitude range taken from RELION's output may need negating (−max…−min).
public struct MultiBodyAnalysis {
    /// The parameter table and the data file it came from.
    public var parameters: MultiBodyParameters
    /// The PCA.
    public var pca: PCA
    /// N × 6·bodies amplitudes (column k = component k + 1), rows in data_particles order.
    public var amplitudes: Matrix

    /// Analyse the job in `job`.
    /// - Parameter weights: column weights per body (e.g. `MultiBodyParameters.readWeights`), else computed.
    public init(job: MultiBodyJob, weights: [[Double]]? = nil) throws {
        parameters = try MultiBodyParameters.read(job, weights: weights)
        pca = try PCA(parameters.table, columnNames: parameters.columnNames, source: job.dataPath, divisor: .population)
        amplitudes = pca.project(parameters.table)
    }

    /// The summary (eigenvalues, percentages, labelled eigenvectors, amplitude ranges).
    public var summary: PCASummary { PCASummary(pca: pca, amplitudes: amplitudes, source: parameters.data.path) }

    /// The particles whose amplitude along `component` lies strictly between `min` and `max`, as a STAR
    /// document with RELION's layout for `--select_eigenvalue` output: `data_optics` (if present) and the
    /// selected rows of `data_particles`.
    public func selection(component: Int, min: Double, max: Double) throws -> (document: STARDocument, count: Int) {
        let rows = PCA.select(amplitudes, component: component, min: min, max: max)
        let doc = parameters.data
        var out = STARDocument(path: doc.path)
        if let optics = doc.block("optics") { out.blocks.append(optics) }
        guard var particles = doc.block("particles") else { throw STARError.missingBlock(path: doc.path, block: "particles") }
        particles.tables = try [particles.requireTable().selecting(rows: rows)]
        out.blocks.append(particles)
        return (out, rows.count)
    }
}
