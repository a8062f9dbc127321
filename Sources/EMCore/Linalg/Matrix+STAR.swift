import Dispatch
import FoundationEssentials
import Glibc

extension Matrix {
    /// The numeric columns `names` of a STAR loop as an N × P matrix (rows in table order).
    /// - Throws: `STARError.missingColumn` naming the file, block and column; `STARError.notANumber` naming
    ///   the row of the first value that is not a number. NaN and Inf are read as such (PCA refuses them).
    public init(columns names: [String], of table: STARTable) throws {
        let idx = try names.map { try table.requireColumn($0) }
        let n = table.rowCount, p = idx.count
        var values = [Double](repeating: 0, count: n * p)
        for r in 0 ..< n {
            for (j, c) in idx.enumerated() {
                guard let v = table.double(row: r, column: c) else {
                    throw STARError.notANumber(path: table.path, block: table.blockName, column: table.columns[c], row: r + 1,
                                               value: table.string(row: r, column: c))
                }
                values[r * p + j] = v
            }
        }
        self.init(rows: n, columns: p, values: values)
    }
}
