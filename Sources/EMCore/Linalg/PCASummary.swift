import Dispatch
import FoundationEssentials
import Glibc

/// What a PCA found, ready to print or encode as JSON (the `emtools pca --json` document and what the Watcher
/// sends when a multi-body job finishes). Percentages are of the total variance (sum of eigenvalues).
public struct PCASummary: Codable, Equatable {
    /// One principal component.
    public struct Component: Codable, Equatable {
        /// 1-based component number, in order of decreasing eigenvalue.
        public var number: Int
        /// Eigenvalue (variance along the component), in squared column units.
        public var eigenvalue: Double
        /// Share of the total variance, in percent (0…100).
        public var percent: Double
        /// Running sum of `percent` up to this component.
        public var cumulativePercent: Double
        /// Eigenvector components in column order (unit length, largest component positive).
        public var vector: [Double]
        /// Smallest amplitude of the rows along this component.
        public var amplitudeMin: Double
        /// Largest amplitude of the rows along this component.
        public var amplitudeMax: Double
    }

    /// The file(s) analysed.
    public var source: String
    /// Number of rows (particles).
    public var rows: Int
    /// Column names, in the order of each `vector`.
    public var columns: [String]
    /// Whether columns were standardised.
    public var standardized: Bool
    /// `sample` (N − 1) or `population` (N).
    public var divisor: Covariance.Divisor
    /// All components, largest eigenvalue first.
    public var components: [Component]

    /// Summarise `pca`, with `amplitudes` = `pca.project(data)` (N × P).
    public init(pca: PCA, amplitudes: Matrix, source: String) {
        let frac = pca.explainedFraction, cum = pca.cumulativeFraction
        let p = pca.eigenvalues.count
        var lo = [Double](repeating: .infinity, count: p), hi = [Double](repeating: -.infinity, count: p)
        for r in 0 ..< amplitudes.rows {
            for k in 0 ..< amplitudes.columns { let a = amplitudes[r, k]; lo[k] = min(lo[k], a); hi[k] = max(hi[k], a) }
        }
        components = (0 ..< p).map { k in
            Component(number: k + 1, eigenvalue: pca.eigenvalues[k], percent: 100 * frac[k], cumulativePercent: 100 * cum[k],
                      vector: pca.eigenvectors.row(k), amplitudeMin: k < amplitudes.columns ? lo[k] : 0,
                      amplitudeMax: k < amplitudes.columns ? hi[k] : 0)
        }
        self.source = source; rows = pca.rowCount; columns = pca.columnNames
        standardized = pca.standardized; divisor = pca.divisor
    }
}

extension PCASummary {
    /// One line for notifications: the share of variance of the first `count` components and their sum,
    /// e.g. `PC1 32.8 %, PC2 30.5 %, PC3 22.7 % (86.0 % together) of 12 columns over 41234 rows`.
    public func headline(components count: Int = 3) -> String {
        let shown = components.prefix(Swift.max(1, count))
        let parts = shown.map { String(cFormat: "PC%d %.1f %%", $0.number, $0.percent) }.joined(separator: ", ")
        let together = shown.count > 1 ? String(cFormat: " (%.1f %% together)", shown.last!.cumulativePercent) : ""
        return "\(parts)\(together) of \(columns.count) columns over \(rows) rows"
    }
}

extension PCA {
    /// Indices (0-based) of the rows whose amplitude along component `component` (1-based) lies strictly
    /// between `min` and `max`, as `relion_flex_analyse --select_eigenvalue` selects particles.
    public static func select(_ amplitudes: Matrix, component: Int, min lo: Double = -.infinity, max hi: Double = .infinity) -> [Int] {
        precondition(component >= 1 && component <= amplitudes.columns, "component out of range")
        return (0 ..< amplitudes.rows).filter { let a = amplitudes[$0, component - 1]; return a > lo && a < hi }
    }

    /// A histogram plot of the amplitudes along the first `components` eigenvectors: component 1 as bars,
    /// the others as outlined step lines over the same amplitude axis, with the share of variance in the legend;
    /// `rowsLabel` titles the count axis (e.g. "Particles").
    public func amplitudePlot(_ amplitudes: Matrix, components: Int = 3, bins: Int = 100, title: String? = nil,
                              rowsLabel: String = "Rows") -> HistogramPlot {
        let k = Swift.max(1, Swift.min(components, amplitudes.columns))
        var lo = Double.infinity, hi = -Double.infinity
        for r in 0 ..< amplitudes.rows { for c in 0 ..< k { lo = Swift.min(lo, amplitudes[r, c]); hi = Swift.max(hi, amplitudes[r, c]) } }
        if !(lo < hi) { lo = (lo.isFinite ? lo : 0) - 0.5; hi = lo + 1 }
        let frac = explainedFraction
        func label(_ c: Int) -> String { String(cFormat: "PC %d (%.1f%%)", c + 1, 100 * frac[c]) }
        let first = Histogram(values: amplitudes.column(0), binCount: bins, range: lo ... hi)
        var overlays: [PlotSeries] = []
        for c in 1 ..< k {
            let h = Histogram(values: amplitudes.column(c), binCount: bins, range: lo ... hi)
            var xs: [Double] = [], ys: [Double] = []
            for i in h.counts.indices { xs += [h.edges[i], h.edges[i + 1]]; ys += [h.counts[i], h.counts[i]] }
            overlays.append(PlotSeries(label: label(c), x: xs, y: ys, color: Color.palette[c % Color.palette.count], lineWidth: 2.5))
        }
        return HistogramPlot(first, title: title ?? "Amplitudes along the first \(k) eigenvector\(k == 1 ? "" : "s")",
                             xAxis: PlotAxis(title: "Amplitude"), yAxis: PlotAxis(title: rowsLabel),
                             label: label(0), overlays: overlays)
    }
}
