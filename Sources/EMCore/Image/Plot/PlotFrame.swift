import Dispatch
import FoundationEssentials
import Glibc

/// The parts every plot shares: layout of the plot area inside the picture, the mapping from data units to
/// pixels, axes with ticks and titles, grid, reference lines, annotations and legend. `LinePlot` and
/// `HistogramPlot` draw their data between `drawBackground` and `drawForeground`.
public struct PlotFrame {
    /// Data range shown along x and y.
    public let xRange: ClosedRange<Double>
    public let yRange: ClosedRange<Double>
    /// Ticks drawn along x and y.
    public let xTicks: [PlotTick]
    public let yTicks: [PlotTick]
    /// Plot area in pixels (left, top, width, height); y grows downwards.
    public let left: Double, top: Double, width: Double, height: Double
    let style: PlotStyle
    let title: String?
    let xAxis: PlotAxis
    let yAxis: PlotAxis

    /// Lay out a plot on `canvas`: margins are sized from the tick labels and titles actually drawn.
    public init(canvas: Canvas, style: PlotStyle, title: String?, xAxis: PlotAxis, yAxis: PlotAxis,
                xRange: ClosedRange<Double>, yRange: ClosedRange<Double>) {
        let s = style.scale
        self.style = style; self.title = title; self.xAxis = xAxis; self.yAxis = yAxis
        self.xRange = xRange; self.yRange = yRange
        xTicks = xAxis.resolvedTicks(in: xRange)
        yTicks = yAxis.resolvedTicks(in: yRange)
        let widest = yTicks.map { canvas.textWidth($0.label, size: style.tickSize * s) }.max() ?? 0
        let leftMargin = (yAxis.title.isEmpty ? 16 * s : style.axisTitleSize * s * 1.7) + widest + 14 * s
        let bottomMargin = style.tickSize * s * 1.6 + (xAxis.title.isEmpty ? 12 * s : style.axisTitleSize * s * 1.7)
        let topMargin = (title?.isEmpty == false) ? style.titleSize * s * 1.9 : 20 * s
        // Room on the right for the last x tick label, which is centred on the axis end.
        let lastLabel = xTicks.last.map { canvas.textWidth($0.label, size: style.tickSize * s) / 2 } ?? 0
        let rightMargin = max(24 * s, lastLabel + 8 * s)
        left = leftMargin
        top = topMargin
        width = max(10, Double(style.width) - leftMargin - rightMargin)
        height = max(10, Double(style.height) - topMargin - bottomMargin)
    }

    /// Horizontal pixel position of data value `x`.
    public func px(_ x: Double) -> Double {
        left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * width
    }

    /// Vertical pixel position of data value `y` (larger y is higher up).
    public func py(_ y: Double) -> Double {
        top + height - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * height
    }

    /// Draw `body` clipped to the plot area.
    public func insidePlotArea(_ canvas: Canvas, _ body: () -> Void) {
        canvas.clipped(x: left, y: top, width: width, height: height, body)
    }

    /// Grid lines (under the data).
    public func drawBackground(_ canvas: Canvas) {
        let s = style.scale
        if xAxis.grid {
            for t in xTicks { canvas.strokeLine([(px(t.value), top), (px(t.value), top + height)], color: style.gridColor, width: 1.5 * s) }
        }
        if yAxis.grid {
            for t in yTicks { canvas.strokeLine([(left, py(t.value)), (left + width, py(t.value))], color: style.gridColor, width: 1.5 * s) }
        }
    }

    /// Axes box, ticks, tick labels, axis titles and the plot title (over the data).
    public func drawAxes(_ canvas: Canvas) {
        let s = style.scale
        let tickLength = 8 * s, tickSize = style.tickSize * s
        canvas.strokeRect(x: left, y: top, width: width, height: height, color: .black, lineWidth: 2 * s)
        var lastRight = -Double.infinity
        for t in xTicks {
            let x = px(t.value)
            canvas.strokeLine([(x, top + height), (x, top + height + tickLength)], color: .black, width: 2 * s)
            let w = canvas.textWidth(t.label, size: tickSize)
            // Skip a label that would overlap the previous one (crowded custom ticks).
            guard x - w / 2 > lastRight + 6 * s else { continue }
            canvas.drawText(t.label, x: x, y: top + height + tickLength + tickSize * 1.05, size: tickSize, alignment: .center)
            lastRight = x + w / 2
        }
        for t in yTicks {
            let y = py(t.value)
            canvas.strokeLine([(left - tickLength, y), (left, y)], color: .black, width: 2 * s)
            canvas.drawText(t.label, x: left - tickLength - 4 * s, y: y + tickSize * 0.36, size: tickSize, alignment: .right)
        }
        let axisSize = style.axisTitleSize * s
        if !xAxis.title.isEmpty {
            canvas.drawText(xAxis.title, x: left + width / 2, y: Double(style.height) - axisSize * 0.5, size: axisSize, alignment: .center)
        }
        if !yAxis.title.isEmpty {
            canvas.drawText(yAxis.title, x: axisSize * 1.1, y: top + height / 2, size: axisSize, alignment: .center, rotation: -.pi / 2)
        }
        if let t = title, !t.isEmpty {
            canvas.drawText(t, x: left + width / 2, y: style.titleSize * s * 1.25, size: style.titleSize * s, alignment: .center, bold: true)
        }
    }

    /// Reference lines across the plot area, each with its label at the right (horizontal) or top (vertical) end.
    public func drawReferenceLines(_ lines: [ReferenceLine], on canvas: Canvas) {
        let s = style.scale, size = style.annotationSize * s * 0.9
        for line in lines {
            switch line.orientation {
            case .horizontal:
                guard yRange.contains(line.value) else { continue }
                let y = py(line.value)
                canvas.strokeLine([(left, y), (left + width, y)], color: line.color, width: line.lineWidth * s, dash: line.dash.map { $0 * s })
                if let l = line.label { canvas.drawText(l, x: left + width - 8 * s, y: y - 6 * s, size: size, color: line.color, alignment: .right) }
            case .vertical:
                guard xRange.contains(line.value) else { continue }
                let x = px(line.value)
                canvas.strokeLine([(x, top), (x, top + height)], color: line.color, width: line.lineWidth * s, dash: line.dash.map { $0 * s })
                if let l = line.label { canvas.drawText(l, x: x + 6 * s, y: top + size * 1.2, size: size, color: line.color) }
            }
        }
    }

    /// Annotations: an optional dot at the data point and the text next to it, kept inside the picture.
    public func drawAnnotations(_ notes: [PlotAnnotation], on canvas: Canvas) {
        let s = style.scale, size = style.annotationSize * s
        for n in notes {
            let x = px(n.x), y = py(n.y)
            if n.marker { canvas.fillCircle(x: x, y: y, radius: 6 * s, color: n.color) }
            let w = canvas.textWidth(n.text, size: size, bold: n.bold)
            var tx = x + n.offset.dx * s
            tx = min(max(tx, left + 4 * s), left + width - w - 4 * s)
            let ty = min(max(y + n.offset.dy * s, top + size), top + height - 4 * s)
            // A white box under the text keeps it readable over grid lines and curves.
            canvas.fillRect(x: tx - 3 * s, y: ty - size * 0.95, width: w + 6 * s, height: size * 1.25, color: style.background)
            canvas.drawText(n.text, x: tx, y: ty, size: size, color: n.color, bold: n.bold)
        }
    }

    /// One legend row: a line sample (or a filled box for bars) and its text.
    public struct LegendEntry {
        public var label: String
        public var color: Color
        public var dash: [Double]
        public var filled: Bool
        public init(label: String, color: Color, dash: [Double] = [], filled: Bool = false) {
            self.label = label; self.color = color; self.dash = dash; self.filled = filled
        }
    }

    /// A framed legend in the chosen corner of the plot area.
    public func drawLegend(_ entries: [LegendEntry], at position: LegendPosition, on canvas: Canvas) {
        guard position != .none, !entries.isEmpty else { return }
        let s = style.scale, size = style.legendSize * s
        let sample = 40 * s, pad = 10 * s, row = size * 1.45
        let textWidth = entries.map { canvas.textWidth($0.label, size: size) }.max() ?? 0
        let boxW = pad * 3 + sample + textWidth, boxH = pad * 2 + row * Double(entries.count) - (row - size * 1.1)
        let margin = 12 * s
        let x0: Double, y0: Double
        switch position {
        case .topRight: x0 = left + width - boxW - margin; y0 = top + margin
        case .topLeft: x0 = left + margin; y0 = top + margin
        case .bottomRight: x0 = left + width - boxW - margin; y0 = top + height - boxH - margin
        case .bottomLeft, .none: x0 = left + margin; y0 = top + height - boxH - margin
        }
        canvas.fillRect(x: x0, y: y0, width: boxW, height: boxH, color: style.background)
        canvas.strokeRect(x: x0, y: y0, width: boxW, height: boxH, color: Color(0.6, 0.6, 0.6), lineWidth: 1.5 * s)
        for (i, e) in entries.enumerated() {
            let baseline = y0 + pad + size * 0.9 + Double(i) * row
            let mid = baseline - size * 0.35
            if e.filled {
                canvas.fillRect(x: x0 + pad, y: mid - size * 0.4, width: sample, height: size * 0.8, color: e.color)
            } else {
                canvas.strokeLine([(x0 + pad, mid), (x0 + pad + sample, mid)], color: e.color, width: 4 * s, dash: e.dash.map { $0 * s })
            }
            canvas.drawText(e.label, x: x0 + pad * 2 + sample, y: baseline, size: size)
        }
    }
}
