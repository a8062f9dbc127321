import Dispatch
import FoundationEssentials
import Glibc

/// A line plot of one or more series with axes, ticks (automatic or custom, e.g. frequencies labelled in Å),
/// horizontal or vertical reference lines, annotations and a legend, drawn with Cairo and saved as PNG.
///
/// ```swift
/// var plot = LinePlot(series: [PlotSeries(label: "class 1", values: occupancy1),
///                              PlotSeries(label: "class 2", values: occupancy2)],
///                     title: "Class occupancy",
///                     xAxis: PlotAxis(title: "Iteration"), yAxis: PlotAxis(title: "Particles (%)", includesZero: true))
/// plot.referenceLines = [ReferenceLine(at: 50, label: "50 %")]
/// try plot.writePNG(to: "occupancy.png")
/// ```
public struct LinePlot {
    public var series: [PlotSeries]
    public var title: String?
    public var xAxis: PlotAxis
    public var yAxis: PlotAxis
    public var referenceLines: [ReferenceLine]
    public var annotations: [PlotAnnotation]
    public var legend: LegendPosition
    public var style: PlotStyle

    public init(series: [PlotSeries], title: String? = nil, xAxis: PlotAxis = PlotAxis(), yAxis: PlotAxis = PlotAxis(),
                referenceLines: [ReferenceLine] = [], annotations: [PlotAnnotation] = [],
                legend: LegendPosition = .topRight, style: PlotStyle = PlotStyle()) {
        self.series = series; self.title = title; self.xAxis = xAxis; self.yAxis = yAxis
        self.referenceLines = referenceLines; self.annotations = annotations
        self.legend = legend; self.style = style
    }

    /// Colour of series `index`: its own, or the palette's (cycling).
    public func color(ofSeries index: Int) -> Color {
        series[index].color ?? Color.palette[index % Color.palette.count]
    }

    /// The layout (data ranges, ticks, plot area) the plot is drawn with on `canvas`.
    public func frame(on canvas: Canvas) -> PlotFrame {
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for (x, y) in zip(s.x, s.y) where x.isFinite && y.isFinite { xs.append(x); ys.append(y) }
        }
        for r in referenceLines where r.orientation == .horizontal && yAxis.range == nil { ys.append(r.value) }
        let xr = xAxis.resolvedRange(dataMin: xs.min() ?? 0, dataMax: xs.max() ?? 1)
        let yr = yAxis.resolvedRange(dataMin: ys.min() ?? 0, dataMax: ys.max() ?? 1)
        return PlotFrame(canvas: canvas, style: style, title: title, xAxis: xAxis, yAxis: yAxis, xRange: xr, yRange: yr)
    }

    /// Draw the plot on a new canvas of `style.width × style.height` pixels.
    public func render() -> Canvas {
        let canvas = Canvas(width: style.width, height: style.height, background: style.background)
        let f = frame(on: canvas)
        let s = style.scale
        f.drawBackground(canvas)
        f.insidePlotArea(canvas) {
            f.drawReferenceLines(referenceLines, on: canvas)
            for (i, series) in self.series.enumerated() {
                let c = color(ofSeries: i)
                // Non-finite values split the series into separate runs.
                var run: [(Double, Double)] = []
                func flush() {
                    if run.count > 1 { canvas.strokeLine(run, color: c, width: series.lineWidth * s, dash: series.dash.map { $0 * s }) }
                    run.removeAll(keepingCapacity: true)
                }
                for (x, y) in zip(series.x, series.y) {
                    if x.isFinite && y.isFinite { run.append((f.px(x), f.py(y))) } else { flush() }
                }
                flush()
                if series.markers {
                    for (x, y) in zip(series.x, series.y) where x.isFinite && y.isFinite {
                        canvas.fillCircle(x: f.px(x), y: f.py(y), radius: (series.lineWidth + 2) * s, color: c)
                    }
                }
            }
        }
        f.drawAxes(canvas)
        f.drawAnnotations(annotations, on: canvas)
        let entries = series.indices.compactMap { i in
            series[i].label.map { PlotFrame.LegendEntry(label: $0, color: color(ofSeries: i), dash: series[i].dash) }
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
