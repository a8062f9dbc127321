import Dispatch
import FoundationEssentials
import Glibc

/// Counts of values in consecutive bins: `counts[i]` values fell in `edges[i] ..< edges[i + 1]` (the last bin
/// also holds values equal to its upper edge).
public struct Histogram: Equatable {
    /// Bin edges in data units, ascending, `counts.count + 1` of them.
    public var edges: [Double]
    /// Number (or weight) of values in each bin.
    public var counts: [Double]

    /// Bins given directly (e.g. counts computed elsewhere, or one bar per day).
    public init(edges: [Double], counts: [Double]) {
        precondition(edges.count == counts.count + 1, "a histogram needs one more edge than counts")
        self.edges = edges; self.counts = counts
    }

    /// Bin `values` into `binCount` equal bins over `range` (default: the values' min…max). Non-finite values
    /// and values outside the range are not counted.
    /// - Complexity: O(values.count).
    public init<S: Sequence>(values: S, binCount: Int, range: ClosedRange<Double>? = nil) where S.Element == Double {
        precondition(binCount > 0, "a histogram needs at least one bin")
        let finite = values.filter { $0.isFinite }
        var lo = range?.lowerBound ?? finite.min() ?? 0, hi = range?.upperBound ?? finite.max() ?? 1
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let width = (hi - lo) / Double(binCount)
        var counts = [Double](repeating: 0, count: binCount)
        for v in finite where v >= lo && v <= hi {
            counts[min(binCount - 1, Int((v - lo) / width))] += 1
        }
        self.init(edges: (0 ... binCount).map { lo + Double($0) * width }, counts: counts)
    }

    /// Sum of the counts.
    public var total: Double { counts.reduce(0, +) }
}

/// A bar chart of a `Histogram`: one bar per bin from zero to its count, with the same axes, reference lines,
/// annotations and legend as `LinePlot` (for example PCA amplitude distributions, or free disk space per day).
///
/// ```swift
/// let plot = HistogramPlot(Histogram(values: amplitudes, binCount: 40), title: "PC 1 amplitudes",
///                          xAxis: PlotAxis(title: "Amplitude"), yAxis: PlotAxis(title: "Particles"))
/// try plot.writePNG(to: "pc1.png")
/// ```
public struct HistogramPlot {
    public var histogram: Histogram
    public var title: String?
    public var xAxis: PlotAxis
    /// The y axis; its automatic range always includes zero.
    public var yAxis: PlotAxis
    public var color: Color
    /// Legend text for the bars; nil for no legend entry.
    public var label: String?
    /// Lines drawn over the bars (e.g. a line plot of a fitted density, in the same data units).
    public var overlays: [PlotSeries]
    public var referenceLines: [ReferenceLine]
    public var annotations: [PlotAnnotation]
    public var legend: LegendPosition
    public var style: PlotStyle

    public init(_ histogram: Histogram, title: String? = nil, xAxis: PlotAxis = PlotAxis(), yAxis: PlotAxis = PlotAxis(),
                color: Color = Color.palette[0], label: String? = nil, overlays: [PlotSeries] = [],
                referenceLines: [ReferenceLine] = [], annotations: [PlotAnnotation] = [],
                legend: LegendPosition = .topRight, style: PlotStyle = PlotStyle()) {
        self.histogram = histogram; self.title = title; self.xAxis = xAxis
        var y = yAxis
        y.includesZero = true
        self.yAxis = y
        self.color = color; self.label = label; self.overlays = overlays
        self.referenceLines = referenceLines; self.annotations = annotations
        self.legend = legend; self.style = style
    }

    /// The layout (data ranges, ticks, plot area) the plot is drawn with on `canvas`.
    public func frame(on canvas: Canvas) -> PlotFrame {
        let e = histogram.edges
        var ys = histogram.counts
        for s in overlays { ys += s.y.filter(\.isFinite) }
        let xr = xAxis.resolvedRange(dataMin: e.first ?? 0, dataMax: e.last ?? 1)
        let yr = yAxis.resolvedRange(dataMin: min(0, ys.min() ?? 0), dataMax: ys.max() ?? 1)
        return PlotFrame(canvas: canvas, style: style, title: title, xAxis: xAxis, yAxis: yAxis, xRange: xr, yRange: yr)
    }

    /// Draw the plot on a new canvas of `style.width × style.height` pixels.
    public func render() -> Canvas {
        let canvas = Canvas(width: style.width, height: style.height, background: style.background)
        let f = frame(on: canvas)
        let s = style.scale
        f.drawBackground(canvas)
        f.insidePlotArea(canvas) {
            let base = f.py(max(f.yRange.lowerBound, 0))
            let outline = Color(color.r * 0.6, color.g * 0.6, color.b * 0.6)
            for (i, c) in histogram.counts.enumerated() where c != 0 && c.isFinite {
                let x0 = f.px(histogram.edges[i]), x1 = f.px(histogram.edges[i + 1]), y = f.py(c)
                canvas.fillRect(x: x0, y: min(y, base), width: x1 - x0, height: abs(base - y), color: color)
                if x1 - x0 > 4 * s {
                    canvas.strokeRect(x: x0, y: min(y, base), width: x1 - x0, height: abs(base - y), color: outline, lineWidth: 1 * s)
                }
            }
            for (i, o) in overlays.enumerated() {
                let c = o.color ?? Color.palette[(i + 1) % Color.palette.count]
                let pts = zip(o.x, o.y).filter { $0.0.isFinite && $0.1.isFinite }.map { (f.px($0.0), f.py($0.1)) }
                canvas.strokeLine(pts, color: c, width: o.lineWidth * s, dash: o.dash.map { $0 * s })
            }
            f.drawReferenceLines(referenceLines, on: canvas)
        }
        f.drawAxes(canvas)
        f.drawAnnotations(annotations, on: canvas)
        var entries: [PlotFrame.LegendEntry] = []
        if let l = label { entries.append(.init(label: l, color: color, filled: true)) }
        for (i, o) in overlays.enumerated() {
            if let l = o.label { entries.append(.init(label: l, color: o.color ?? Color.palette[(i + 1) % Color.palette.count], dash: o.dash)) }
        }
        f.drawLegend(entries, at: legend, on: canvas)
        return canvas
    }

    /// Render and save as an RGB PNG at `path` (atomically, through `PNGFile`).
    /// - Throws: `PNGError` or `FileError` naming the path.
    public func writePNG(to path: String) throws {
        try render().writePNG(to: path)
    }
}
