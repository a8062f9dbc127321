import EMCore
import Foundation

/// One FSC curve to plot: spatial frequency (1/Å) against correlation.
struct FSCSeries {
    var label: String
    var frequency: [Double]
    var fsc: [Double]
    var color: Color?
    var dash: [Double] = []
}

extension ReportPictures {
    /// An FSC plot: correlation against spatial frequency, ticks labelled in Å (`Resolution (Å)`), the
    /// threshold as a dashed line, and the resolution marked where it was measured.
    func fscPlot(_ curves: [FSCSeries], title: String, threshold: Double = 0.143, resolution: Double?) throws -> Data {
        let maxFrequency = curves.flatMap(\.frequency).filter(\.isFinite).max() ?? 0.5
        let series = curves.map { c in
            PlotSeries(label: curves.count > 1 ? c.label : nil, x: c.frequency, y: c.fsc, color: c.color, dash: c.dash)
        }
        var plot = LinePlot(series: series, title: title,
                            xAxis: PlotAxis(title: "Resolution (Å)", range: 0 ... maxFrequency,
                                            ticks: ReportPictures.resolutionTicks(maxFrequency: maxFrequency)),
                            yAxis: PlotAxis(title: "FSC", range: -0.1 ... 1.05,
                                            ticks: [0, 0.143, 0.5, 1].map { PlotTick(value: $0, label: PlotAxis.defaultLabel($0, step: $0 == 0.143 ? 0.001 : 0.1)) }),
                            legend: .topRight, style: plotStyle)
        plot.referenceLines = [ReferenceLine(at: threshold)]
        var marked: [(Double, Double)] = []
        if let r = resolution, r > 0, 1 / r <= maxFrequency * 1.0001 {
            let nearRight = 1 / r > 0.6 * maxFrequency
            plot.annotations = [PlotAnnotation(ReportText.angstrom(r), x: 1 / r, y: threshold,
                                               offset: (nearRight ? -110 : 14, -34), bold: true)]
            marked = [(1 / r, threshold), (1 / r + (nearRight ? -0.12 : 0.12) * maxFrequency, threshold + 0.1)]
        }
        plot.legend = ReportPictures.emptiestCorner(curves.map { Array(zip($0.frequency, $0.fsc)) }, marked: marked,
                                                    x: 0 ... maxFrequency, y: -0.1 ... 1.05, entries: series.filter { $0.label != nil }.count)
        return try ReportPictures.png(plot.render())
    }

    /// The corner of the plot area whose legend box the curves of `series` cross least, avoiding the `marked`
    /// points (an annotation) above all. The box is the one `PlotFrame.drawLegend` draws at the report plot
    /// size (720 × 480 px, 22-pixel legend type): half the plot width, and 17 % plus 9.3 % per entry of its
    /// height. Each segment between two points is sampled every 1/200 of the plot area, so a curve that
    /// crosses a corner between two widely spaced shells counts as much as a densely sampled one.
    static func emptiestCorner(_ series: [[(Double, Double)]], marked: [(Double, Double)], x: ClosedRange<Double>,
                               y: ClosedRange<Double>, entries: Int = 4) -> LegendPosition {
        let boxWidth = 0.5, boxHeight = min(0.9, 0.17 + 0.093 * Double(max(1, entries) - 1))
        func unit(_ p: (Double, Double)) -> (Double, Double) {
            ((p.0 - x.lowerBound) / (x.upperBound - x.lowerBound), (p.1 - y.lowerBound) / (y.upperBound - y.lowerBound))
        }
        func inside(_ u: (Double, Double), _ corner: LegendPosition) -> Bool {
            let right = u.0 >= 1 - boxWidth, left = u.0 <= boxWidth, top = u.1 >= 1 - boxHeight, bottom = u.1 <= boxHeight
            switch corner {
            case .topRight: return right && top
            case .topLeft: return left && top
            case .bottomRight: return right && bottom
            case .bottomLeft: return left && bottom
            case .none: return false
            }
        }
        var samples: [(Double, Double)] = []
        for curve in series {
            let points = curve.filter { $0.0.isFinite && $0.1.isFinite }.map(unit)
            samples += points.prefix(1)
            for (a, b) in zip(points, points.dropFirst()) {
                let steps = min(400, max(1, Int((max(abs(b.0 - a.0), abs(b.1 - a.1)) * 200).rounded(.up))))
                samples += (1 ... steps).map { i in
                    let t = Double(i) / Double(steps)
                    return (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
                }
            }
        }
        let corners: [LegendPosition] = [.topRight, .bottomLeft, .topLeft, .bottomRight]
        let scores = corners.map { c in
            samples.filter { inside($0, c) }.count + 100_000 * marked.map(unit).filter { inside($0, c) }.count
        }
        return corners[scores.indices.min { scores[$0] < scores[$1] }!]
    }

    /// About five ticks over spatial frequencies 0…`maxFrequency` (1/Å), placed at round resolutions and
    /// labelled in Å (`20`, `8`, `4.5`).
    static func resolutionTicks(maxFrequency: Double) -> [PlotTick] {
        guard maxFrequency > 0, maxFrequency.isFinite else { return [] }
        let candidates: [Double] = [100, 50, 30, 20, 15, 12, 10, 8, 7, 6, 5, 4.5, 4, 3.5, 3, 2.8, 2.5, 2.2, 2, 1.8, 1.6, 1.5, 1.4, 1.2, 1, 0.9, 0.8]
        var ticks: [PlotTick] = []
        var lastFrequency = 0.0
        for a in candidates where 1 / a <= maxFrequency * 1.0001 {
            let f = 1 / a
            guard f - lastFrequency >= maxFrequency / 6 else { continue }
            ticks.append(PlotTick(value: f, label: a == a.rounded() ? String(Int(a)) : String(format: "%.1f", a)))
            lastFrequency = f
        }
        return ticks
    }

    /// Class occupancy over iterations: one line per class, in % of particles.
    func occupancyPlot(iterations: [Int], occupancy: [[Double?]], title: String) throws -> Data {
        let classCount = occupancy.map(\.count).max() ?? 0
        let series = (0 ..< classCount).map { k in
            PlotSeries(label: classCount <= 10 ? "class \(k + 1)" : nil, x: iterations.map(Double.init),
                       y: occupancy.map { k < $0.count ? ($0[k] ?? .nan) * 100 : .nan }, markers: iterations.count <= 30)
        }
        let first = Double(iterations.first ?? 0), last = Double(max(iterations.last ?? 1, (iterations.first ?? 0) + 1))
        let step = max(1, PlotAxis.niceStep(span: last - first, count: 6).rounded(.up))
        let ticks = stride(from: (first / step).rounded(.up) * step, through: last, by: step).map { PlotTick(value: $0, label: String(Int($0))) }
        let plot = LinePlot(series: series, title: title, xAxis: PlotAxis(title: "Iteration", range: first ... last, ticks: ticks),
                            yAxis: PlotAxis(title: "Particles (%)", includesZero: true),
                            legend: classCount <= 10 ? .topLeft : .none, style: plotStyle)
        return try ReportPictures.png(plot.render())
    }
}
