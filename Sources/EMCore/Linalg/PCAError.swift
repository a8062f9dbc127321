/// Why a principal component analysis cannot be done on a table. `description` is one line naming the
/// source (file) and the column or row at fault.
public enum PCAError: Error, Equatable, CustomStringConvertible {
    /// Fewer rows than the analysis needs.
    case tooFewRows(source: String, rows: Int, needed: Int)
    /// No columns to analyse.
    case noColumns(source: String)
    /// A column whose values are all equal cannot be standardised (its standard deviation is zero).
    case constantColumn(source: String, column: String)
    /// A value is NaN or infinite (row is 1-based).
    case nonFinite(source: String, column: String, row: Int, value: Double)
    /// More columns than `PCA.maximumColumns` (the P × P matrices would not fit comfortably in memory).
    case tooManyColumns(source: String, columns: Int, limit: Int)
    /// `select`: a component number outside 1…P.
    case noSuchComponent(source: String, component: Int, components: Int)

    public var description: String {
        switch self {
        case .tooFewRows(let s, let r, let n):
            return "\(s): \(r) row\(r == 1 ? "" : "s"), but PCA needs at least \(n)"
        case .noColumns(let s):
            return "\(s): no columns to analyse"
        case .constantColumn(let s, let c):
            return "\(s): column '\(c)' is constant (zero variance), so it cannot be standardised; drop it or analyse without --standardize"
        case .nonFinite(let s, let c, let r, let v):
            return "\(s): column '\(c)', row \(r): value \(v) is not finite; PCA needs finite numbers"
        case .tooManyColumns(let s, let c, let l):
            return "\(s): \(c) columns, more than the \(l) a PCA here handles (its covariance alone would need \(c * c * 8 / 1_000_000) MB)"
        case .noSuchComponent(let s, let k, let p):
            return "\(s): component \(k) does not exist (there are \(p), numbered 1…\(p))"
        }
    }
}
