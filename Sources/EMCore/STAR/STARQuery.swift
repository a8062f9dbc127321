import Dispatch
import FoundationEssentials
import Glibc

/// A row condition such as `rlnClassNumber==3`, `rlnDefocusU<15000` or `rlnMicrographName!=a.mrc`.
///
/// Operators: `==` (or `=`), `!=`, `<`, `<=`, `>`, `>=`. When both the value in the condition and the cell
/// are numbers they are compared as numbers (so `3` equals `3.000000`); otherwise as text (byte order).
public struct STARCondition: Equatable, CustomStringConvertible, Sendable {
    public enum Operator: String, Sendable, CaseIterable { case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=" }
    /// Column name without the leading underscore.
    public var column: String
    public var op: Operator
    /// The right-hand side as written.
    public var value: String

    public init(column: String, op: Operator, value: String) {
        self.column = STARTable.normalise(column); self.op = op; self.value = value
    }

    /// Parse `NAME OP VALUE` (spaces around the operator allowed; quotes around VALUE removed).
    /// - Throws: `STARConditionError` when there is no operator, name or value.
    public init(parsing text: String) throws {
        let chars = Array(text)
        var i = 0
        while i < chars.count && !"=!<>".contains(chars[i]) { i += 1 }
        guard i < chars.count else { throw STARConditionError(text: text, reason: "no comparison (use ==, !=, <, <=, >, >=)") }
        let name = String(chars[..<i]).trimmingBlanks()
        var j = i
        while j < chars.count && "=!<>".contains(chars[j]) { j += 1 }
        let opText = String(chars[i ..< j])
        let op: Operator
        switch opText {
        case "==", "=": op = .equal
        case "!=": op = .notEqual
        case "<": op = .less
        case "<=": op = .lessOrEqual
        case ">": op = .greater
        case ">=": op = .greaterOrEqual
        default: throw STARConditionError(text: text, reason: "unknown comparison '\(opText)'")
        }
        var value = String(chars[j...]).trimmingBlanks()
        if value.count >= 2, let f = value.first, f == "'" || f == "\"", value.last == f { value = String(value.dropFirst().dropLast()) }
        guard !name.isEmpty else { throw STARConditionError(text: text, reason: "no column name before '\(opText)'") }
        self.init(column: name, op: op, value: value)
    }

    public var description: String { "\(column)\(op.rawValue)\(value)" }

    @inline(__always) func holds(_ order: Int) -> Bool {
        switch op {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}

/// A `--where` condition that cannot be read.
public struct STARConditionError: Error, CustomStringConvertible, Equatable {
    public var text: String, reason: String
    public var description: String { "condition '\(text)': \(reason)" }
}

extension STARTable {
    /// Indices of the rows that satisfy every condition (all ANDed), in order. Runs over all cores.
    /// - Throws: `missingColumn` for a condition on a column the table does not have.
    public func rows(where conditions: [STARCondition]) throws -> [Int] {
        struct Compiled { var column: Int; var condition: STARCondition; var number: Double?; var text: [UInt8] }
        let compiled = try conditions.map { c in
            Compiled(column: try requireColumn(c.column), condition: c, number: Double(c.value), text: Array(c.value.utf8))
        }
        let base = storage.bytes.baseAddress
        let parts = Parallel.mapChunks(count: rowCount, minChunk: 1 << 14) { range -> [Int] in
            var keep: [Int] = []
            for r in range {
                var ok = true
                for c in compiled {
                    let cell = cells.cell(row: r, column: c.column)
                    let p = base.map { $0 + STARCells.offset(cell) } ?? UnsafePointer(bitPattern: 1)!
                    let n = STARCells.length(cell)
                    let order: Int
                    if let x = c.number, let v = NumberParsing.double(p, n) {
                        order = v < x ? -1 : (v > x ? 1 : 0)
                    } else {
                        order = c.text.withUnsafeBufferPointer { t -> Int in
                            let m = min(n, t.count)
                            let d = m == 0 ? 0 : memcmp(p, t.baseAddress!, m)
                            return d != 0 ? Int(d) : (n < t.count ? -1 : (n > t.count ? 1 : 0))
                        }
                    }
                    if !c.condition.holds(order) { ok = false; break }
                }
                if ok { keep.append(r) }
            }
            return keep
        }
        return withExtendedLifetime(storage) { parts.flatMap { $0 } }
    }

    /// The rows that satisfy every condition, as a new table.
    public func filtered(_ conditions: [STARCondition]) throws -> STARTable {
        conditions.isEmpty ? self : selecting(rows: try rows(where: conditions))
    }

    /// Number of rows for each distinct value of column `name`: numerically ascending when every value
    /// is a number, else in byte order of the text.
    public func counts(by name: String) throws -> [(value: String, count: Int)] {
        let c = try requireColumn(name)
        var counts: [String: Int] = [:]
        let parts = Parallel.mapChunks(count: rowCount, minChunk: 1 << 15) { range -> [String: Int] in
            var local: [String: Int] = [:]
            for r in range { local[string(row: r, column: c), default: 0] += 1 }
            return local
        }
        for p in parts { counts.merge(p, uniquingKeysWith: +) }
        return STARTable.sorted(counts)
    }

    /// Counts of values, numerically ascending when every value is a number, else in byte order of the text.
    static func sorted(_ counts: [String: Int]) -> [(value: String, count: Int)] {
        let numbers = counts.keys.map { Double($0) }
        if numbers.allSatisfy({ $0 != nil }) {
            return counts.sorted { (Double($0.key)!, $0.key) < (Double($1.key)!, $1.key) }.map { ($0.key, $0.value) }
        }
        return counts.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { ($0.key, $0.value) }
    }
}
