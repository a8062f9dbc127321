import Dispatch
import FoundationEssentials
import Glibc

/// One tick mark on a plot axis: its position in data units and the text printed under (or beside) it.
public struct PlotTick: Equatable {
    /// Position in the axis's data units.
    public var value: Double
    /// Text shown at the tick.
    public var label: String
    public init(value: Double, label: String) { self.value = value; self.label = label }
}

/// A plot axis: its title, its range in data units and its ticks.
///
/// By default the range comes from the data (widened to round numbers) and the ticks are "nice" numbers
/// (1, 2 or 5 × 10ⁿ apart). Give `range` to fix the range, `ticks` to place ticks and labels yourself (for
/// example spatial frequencies labelled in Å), or `tickFormatter` to keep automatic positions but change their text.
public struct PlotAxis {
    /// Axis title, e.g. `"Resolution (Å)"`.
    public var title: String
    /// Fixed range in data units; nil to fit the data.
    public var range: ClosedRange<Double>?
    /// Explicit ticks; nil for automatic nice ticks over the range.
    public var ticks: [PlotTick]?
    /// Text of automatic ticks; nil for a compact decimal (`PlotAxis.defaultLabel`).
    public var tickFormatter: ((Double) -> String)?
    /// Keep zero inside an automatic range (useful for counts and bar heights).
    public var includesZero: Bool
    /// Draw light grid lines across the plot at each tick.
    public var grid: Bool
    /// About how many automatic ticks to aim for.
    public var targetTickCount: Int

    public init(title: String = "", range: ClosedRange<Double>? = nil, ticks: [PlotTick]? = nil,
                tickFormatter: ((Double) -> String)? = nil, includesZero: Bool = false, grid: Bool = true,
                targetTickCount: Int = 6) {
        self.title = title
        self.range = range
        self.ticks = ticks
        self.tickFormatter = tickFormatter
        self.includesZero = includesZero
        self.grid = grid
        self.targetTickCount = targetTickCount
    }

    /// The range to draw for data spanning `dataMin…dataMax`: the fixed range if given, else the data range
    /// widened outwards to the nearest nice tick step (a flat or empty data range gets a unit-wide window).
    public func resolvedRange(dataMin: Double, dataMax: Double) -> ClosedRange<Double> {
        if let r = range, r.upperBound > r.lowerBound { return r }
        var lo = dataMin.isFinite ? dataMin : 0, hi = dataMax.isFinite ? dataMax : 1
        if lo > hi { (lo, hi) = (0, 1) }
        if includesZero { lo = min(lo, 0); hi = max(hi, 0) }
        if hi - lo < 1e-12 * max(1, abs(hi)) { lo -= 0.5; hi += 0.5 }
        let step = PlotAxis.niceStep(span: hi - lo, count: targetTickCount)
        return (floor(lo / step + 1e-9) * step) ... (ceil(hi / step - 1e-9) * step)
    }

    /// Ticks to draw over `range`: the explicit ticks inside it, or nice automatic ticks.
    public func resolvedTicks(in range: ClosedRange<Double>) -> [PlotTick] {
        if let t = ticks {
            let eps = 1e-9 * (range.upperBound - range.lowerBound)
            return t.filter { $0.value >= range.lowerBound - eps && $0.value <= range.upperBound + eps }
        }
        let values = PlotAxis.niceTicks(in: range, count: targetTickCount)
        let step = values.count > 1 ? values[1] - values[0] : 1
        return values.map { PlotTick(value: $0, label: tickFormatter?($0) ?? PlotAxis.defaultLabel($0, step: step)) }
    }

    /// A "nice" step (1, 2 or 5 × 10ⁿ) giving about `count` intervals over `span`.
    public static func niceStep(span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count - 1))
        let magnitude = pow(10, floor(log10(raw)))
        let fraction = raw / magnitude
        let nice: Double = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        return nice * magnitude
    }

    /// Multiples of a nice step inside `range` (both ends included when they fall on a multiple).
    public static func niceTicks(in range: ClosedRange<Double>, count: Int) -> [Double] {
        let step = niceStep(span: range.upperBound - range.lowerBound, count: count)
        let first = ceil(range.lowerBound / step - 1e-9), last = floor(range.upperBound / step + 1e-9)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < step * 1e-9 ? 0 : v
        }
    }

    /// `value` printed with as many decimals as the tick `step` needs (no trailing noise like 0.30000000004).
    public static func defaultLabel(_ value: Double, step: Double) -> String {
        let decimals = step >= 1 ? 0 : min(10, Int(ceil(-log10(step) - 1e-9)))
        if abs(value) >= 1e6 || (abs(value) > 0 && abs(value) < 1e-4) { return String(cFormat: "%.2g", value) }
        return String(cFormat: "%.\(decimals)f", value)
    }
}
