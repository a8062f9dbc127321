import EMCore
import Foundation

/// The picture attached to a disk alert: free space over the last days, with the threshold as a dashed line.
public enum DiskPlot {
    /// A PNG of free space (GB or TB) against hours (history under two days) or days before `now`.
    /// - Parameters:
    ///   - samples: (time, free bytes) pairs, any order.
    ///   - threshold: the alert threshold in bytes, drawn as a reference line.
    /// - Throws: `PNGError` if encoding fails.
    public static func png(title: String, samples: [(Date, UInt64)], threshold: UInt64, now: Date) throws -> Data {
        let sorted = samples.sorted { $0.0 < $1.0 }
        let peak = max(sorted.map(\.1).max() ?? 0, threshold)
        let (unit, scale): (String, Double) = peak >= 2_000_000_000_000 ? ("TB", 1e12) : ("GB", 1e9)
        // Hours for a short history, days for a longer one.
        let span = now.timeIntervalSince(sorted.first?.0 ?? now)
        let (xTitle, xScale) = span < 2 * 86400 ? ("Hours before now", 3600.0) : ("Days before now", 86400.0)
        let x = sorted.map { $0.0.timeIntervalSince(now) / xScale }
        let y = sorted.map { Double($0.1) / scale }
        var plot = LinePlot(series: [PlotSeries(label: nil, x: x, y: y, color: Color(0.13, 0.4, 0.75), markers: sorted.count < 3)],
                            title: title,
                            xAxis: PlotAxis(title: xTitle),
                            yAxis: PlotAxis(title: "Free space (\(unit))", includesZero: true),
                            legend: .none, style: PlotStyle(width: 960, height: 540))
        plot.referenceLines = [ReferenceLine(at: Double(threshold) / scale, label: "threshold", color: Color(0.8, 0.2, 0.2))]
        let canvas = plot.render()
        let rgb = canvas.rgbSamples()
        return try rgb.withUnsafeBytes { try PNGFile.encode($0, width: canvas.width, height: canvas.height, format: .rgb8) }
    }
}
