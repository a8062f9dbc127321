import Dispatch
import FoundationEssentials
import Glibc

extension FSCReport {
    /// Type sizes and line widths for FSC plots: larger than `PlotStyle`'s defaults so that tick labels and the
    /// legend stay legible when a chat client shows the 960 × 640 px picture as a ~360 px wide thumbnail.
    public static let plotStyle = PlotStyle(width: 960, height: 640, titleSize: 36, axisTitleSize: 30, tickSize: 28,
                                            legendSize: 26, annotationSize: 30)

    /// The FSC curves as a line plot: FSC against spatial frequency (1/Å, linear) from 0 to Nyquist, with ticks
    /// labelled in Å (`angstromTicks`), dashed lines at 0.143 and 0.5, the final curve's crossings marked and
    /// annotated with RELION's resolution (the last shell at or above the threshold, see `FSCCurve.crossing`),
    /// and a legend. Without a mask there is one curve; with one, four (corrected, unmasked, masked,
    /// phase-randomised masked), coloured as in RELION's postprocess plot.
    public func plot(style: PlotStyle = FSCReport.plotStyle) -> LinePlot {
        let fin = final
        let x = (0 ..< fin.shellCount).map { fin.spatialFrequency($0) }
        let black = Color(0, 0, 0), green = Color(0.0, 0.62, 0.35), blue = Color(0.0, 0.35, 0.8), red = Color(0.85, 0.2, 0.1)
        var series: [PlotSeries] = []
        if let c = corrected, let m = masked {
            series.append(PlotSeries(label: usesMask ? "Corrected" : "Corrected (not used)", x: x, y: c.correlation, color: black, lineWidth: 5))
            series.append(PlotSeries(label: usesMask ? "Unmasked" : "Unmasked (used)", x: x, y: unmasked.correlation, color: green, lineWidth: 3.5))
            series.append(PlotSeries(label: "Masked", x: x, y: m.correlation, color: blue, lineWidth: 3.5))
            if let r = randomizedMasked {
                series.append(PlotSeries(label: "Phase-randomised", x: x, y: r.correlation, color: red, lineWidth: 3.5, dash: [12, 6]))
            }
        } else {
            series.append(PlotSeries(label: "Unmasked", x: x, y: unmasked.correlation, color: black, lineWidth: 5))
        }
        let nyquist = fin.spatialFrequency(fin.shellCount - 1)
        let lowest = series.flatMap { $0.y.dropFirst() }.filter(\.isFinite).min() ?? 0
        let yMin = min(-0.1, (lowest * 10).rounded(.down) / 10)
        let xAxis = PlotAxis(title: "Resolution (Å)", range: 0 ... nyquist, ticks: FSCReport.angstromTicks(maxFrequency: nyquist))
        let yAxis = PlotAxis(title: "Fourier shell correlation", range: yMin ... 1.05,
                             ticks: stride(from: (yMin * 5).rounded(.up) / 5, through: 1.0001, by: 0.2).map {
                                 PlotTick(value: $0, label: abs($0) < 1e-9 ? "0" : String(cFormat: "%.1f", $0))
                             })
        let gray = Color(0.45, 0.45, 0.45)
        var plot = LinePlot(series: series, title: title, xAxis: xAxis, yAxis: yAxis, legend: .topRight, style: style)
        plot.referenceLines = [ReferenceLine(at: 0.143, label: "0.143", color: gray, dash: [10, 6], lineWidth: 2.5),
                               ReferenceLine(at: 0.5, label: "0.5", color: gray, dash: [4, 6], lineWidth: 2.5)]
        for c in [resolution0143, resolution05] {
            guard let r = c.resolution, c.shell > 0 else { continue }
            plot.annotations.append(PlotAnnotation(String(cFormat: "%.2f Å", r), x: fin.spatialFrequency(c.shell),
                                                   y: fin.correlation[c.shell], offset: (14, -14), color: black,
                                                   marker: true, bold: c.threshold == 0.143))
        }
        return plot
    }

    /// The plot's title: the gold-standard resolution and which curve it comes from.
    var title: String {
        guard let r = resolution0143.resolution else { return "FSC: no resolution at 0.143" }
        let what = usesMask ? "corrected" : "unmasked"
        return String(cFormat: "FSC = 0.143 at %.2f Å", r) + " (\(what))"
    }

    /// Ticks for a spatial-frequency axis from 0 to `maxFrequency` (1/Å) placed at round resolutions and
    /// labelled in Å ("20", "10", "5", "3.3"…): candidate resolutions are taken from the lowest frequency up,
    /// keeping one only when it is at least 0.9/8 of the axis away from the previous tick (0.8/8 from 0).
    public static func angstromTicks(maxFrequency: Double) -> [PlotTick] {
        guard maxFrequency > 0, maxFrequency.isFinite else { return [] }
        var candidates: [Double] = [1000, 500, 200, 100, 50, 40, 30, 25, 20, 15, 12, 10, 8, 7, 6, 5, 4.5, 4, 3.5, 3.2, 3, 2.8,
                                    2.5, 2.2, 2, 1.9, 1.8, 1.7, 1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 1]
        // Finer pixels than 0.5 Å: continue with halving candidates so that every axis gets ticks.
        while 1 / candidates.last! < maxFrequency { candidates.append(candidates.last! * 0.9) }
        let gap = maxFrequency / 8
        var ticks: [PlotTick] = []
        var last = 0.0
        for a in candidates {
            let f = 1 / a
            guard f <= maxFrequency * (1 + 1e-9) else { break }
            if f - last >= gap * (ticks.isEmpty ? 0.8 : 0.9) - 1e-9 * maxFrequency {
                ticks.append(PlotTick(value: f, label: label(a)))
                last = f
            }
        }
        return ticks
    }

    /// "20", "4.5", "3.2", "0.81".
    static func label(_ angstrom: Double) -> String {
        if angstrom >= 10 || angstrom == angstrom.rounded() { return String(cFormat: "%.0f", angstrom) }
        return angstrom >= 1 ? String(cFormat: "%.1f", angstrom) : String(cFormat: "%.2f", angstrom)
    }
}
