import EMCore
import Foundation
import Testing
import TestSupport

/// Rendered RGB samples, wrapped so that a failed expectation prints a short description.
private struct Picture: CustomStringConvertible {
    let samples: [UInt8]
    let width: Int
    init(_ canvas: Canvas) { samples = canvas.rgbSamples(); width = canvas.width }
    var description: String { "<\(width)-pixel-wide picture>" }
}

/// The RGB colour of pixel (x, y) of a rendered picture.
private func pixel(_ samples: [UInt8], width: Int, _ x: Double, _ y: Double) -> (Int, Int, Int) {
    let o = (Int(y) * width + Int(x)) * 3  // pixel (i, j) covers [i, i + 1) in Cairo coordinates
    return (Int(samples[o]), Int(samples[o + 1]), Int(samples[o + 2]))
}

/// True when pixel (x, y) has colour `c` within a few levels (anti-aliasing and 8-bit rounding).
private func has(_ pic: Picture, _ x: Double, _ y: Double, _ c: Color, tolerance: Int = 4) -> Bool {
    let p = pixel(pic.samples, width: pic.width, x, y)
    return abs(p.0 - Int(c.r * 255)) <= tolerance && abs(p.1 - Int(c.g * 255)) <= tolerance && abs(p.2 - Int(c.b * 255)) <= tolerance
}

/// Number of clearly dark pixels (text, lines) in a rectangle.
private func darkPixels(_ pic: Picture, x: ClosedRange<Int>, y: ClosedRange<Int>) -> Int {
    let samples = pic.samples, width = pic.width
    var n = 0
    for yy in y { for xx in x { let o = (yy * width + xx) * 3; if Int(samples[o]) + Int(samples[o + 1]) + Int(samples[o + 2]) < 300 { n += 1 } } }
    return n
}

@Suite struct PlotTests {
    @Test func niceTicksAreRoundNumbersInsideTheRange() {
        #expect(PlotAxis.niceTicks(in: 0 ... 1, count: 6) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        #expect(PlotAxis.niceStep(span: 1, count: 6) == 0.2)
        #expect(PlotAxis.niceStep(span: 330, count: 6) == 50)
        #expect(PlotAxis.niceStep(span: 0.33, count: 4) == 0.1)
        #expect(PlotAxis.niceTicks(in: -0.13 ... 0.97, count: 6) == [-0.0, 0.2, 0.4, 0.6000000000000001, 0.8].map { $0 == 0 ? 0 : $0 })
        #expect(PlotAxis.defaultLabel(0.30000000000000004, step: 0.1) == "0.3")
        #expect(PlotAxis.defaultLabel(1500, step: 500) == "1500")
        #expect(PlotAxis.defaultLabel(0.25, step: 0.05) == "0.25")
    }

    @Test func automaticRangeWidensToTickStepsAndKeepsZeroWhenAsked() {
        #expect(PlotAxis().resolvedRange(dataMin: 0.03, dataMax: 0.97) == 0 ... 1)
        #expect(PlotAxis(includesZero: true).resolvedRange(dataMin: 120, dataMax: 980) == 0 ... 1000)
        #expect(PlotAxis(range: -0.1 ... 1.05).resolvedRange(dataMin: 0, dataMax: 5) == -0.1 ... 1.05)
        // A flat series still gets a window around its value.
        let flat = PlotAxis().resolvedRange(dataMin: 3, dataMax: 3)
        #expect(flat.contains(3) && flat.upperBound > flat.lowerBound)
    }

    @Test func customTicksOutsideTheRangeAreDropped() {
        let axis = PlotAxis(ticks: [PlotTick(value: 0.1, label: "10 Å"), PlotTick(value: 0.2, label: "5 Å"), PlotTick(value: 0.6, label: "1.7 Å")])
        #expect(axis.resolvedTicks(in: 0 ... 0.5).map(\.label) == ["10 Å", "5 Å"])
        let formatted = PlotAxis(tickFormatter: { "\(Int($0))%" }).resolvedTicks(in: 0 ... 100)
        #expect(formatted.first?.label == "0%" && formatted.last?.label == "100%")
    }

    @Test func histogramBinsCountEveryFiniteValueInRange() {
        let h = Histogram(values: [0, 0.5, 1, 1, 2, .nan, 7], binCount: 2, range: 0 ... 2)
        #expect(h.edges == [0, 1, 2])
        #expect(h.counts == [2, 3])
        let auto = Histogram(values: (0 ..< 100).map(Double.init), binCount: 10)
        #expect(auto.total == 100)
        #expect(auto.counts.allSatisfy { $0 == 10 })
        #expect(auto.edges.first == 0 && auto.edges.last == 99)
    }

    @Test func linePlotDrawsSeriesReferenceLinesAndLegendWhereTheFrameSays() throws {
        let red = Color(0.8, 0.1, 0.1), blue = Color(0.1, 0.2, 0.8)
        var plot = LinePlot(series: [PlotSeries(label: "rising", x: [0, 10], y: [0, 1], color: red),
                                     PlotSeries(label: "flat", x: [0, 10], y: [0.8, 0.8], color: blue)],
                            title: "Test plot", xAxis: PlotAxis(title: "Iteration"), yAxis: PlotAxis(title: "Value", range: 0 ... 1))
        plot.referenceLines = [ReferenceLine(at: 0.143, label: "0.143", color: Color(0.2, 0.6, 0.2), dash: [])]
        plot.annotations = [PlotAnnotation("peak", x: 10, y: 1)]
        let canvas = plot.render()
        let f = plot.frame(on: canvas)
        let px = Picture(canvas)
        #expect(canvas.width == 960 && canvas.height == 640)
        // The flat series runs along y = 0.8; the rising one passes through (5, 0.5).
        #expect(has(px, f.px(3), f.py(0.8), blue))
        #expect(has(px, f.px(5), f.py(0.5), red))
        #expect(has(px, f.px(2), f.py(0.143), Color(0.2, 0.6, 0.2)))
        // Nothing drawn in an empty part of the plot area.
        #expect(has(px, f.px(7), f.py(0.3), .white, tolerance: 0))
        // Legend text in the top-right corner, title above the plot, tick labels under the x axis.
        #expect(darkPixels(px, x: Int(f.left + f.width) - 150 ... Int(f.left + f.width) - 20, y: Int(f.top) + 12 ... Int(f.top) + 80) > 50)
        #expect(darkPixels(px, x: Int(f.left + f.width / 2) - 60 ... Int(f.left + f.width / 2) + 60, y: 5 ... Int(f.top) - 5) > 50)
        #expect(darkPixels(px, x: Int(f.left) ... Int(f.left + f.width), y: Int(f.top + f.height) + 12 ... Int(f.top + f.height) + 35) > 100)
        // Data maps into the plot area in the expected directions.
        #expect(f.px(0) == f.left && abs(f.px(10) - (f.left + f.width)) < 1e-9)
        #expect(f.py(0) == f.top + f.height && abs(f.py(1) - f.top) < 1e-9)
    }

    @Test func histogramPlotFillsBarsUpToTheirCounts() throws {
        let h = Histogram(edges: [0, 1, 2, 3], counts: [5, 10, 2])
        let color = Color(0.0, 0.45, 0.7)
        let plot = HistogramPlot(h, title: "Counts", xAxis: PlotAxis(title: "Value"), yAxis: PlotAxis(title: "N"), color: color, label: "values")
        let canvas = plot.render()
        let f = plot.frame(on: canvas)
        let px = Picture(canvas)
        #expect(f.yRange.lowerBound == 0 && f.yRange.upperBound >= 10)
        #expect(has(px, f.px(1.5), f.py(5), color))
        #expect(has(px, f.px(0.5), f.py(4), color))
        #expect(!has(px, f.px(2.5), f.py(4), color))
    }

    @Test func pngIsWrittenAtomicallyAndReadsBack() throws {
        let dir = TestEnv.temporaryDirectory("plot")
        defer { TestEnv.removeTemporary(dir) }
        let plot = LinePlot(series: [PlotSeries(label: "a", values: [1, 3, 2, 5])], style: PlotStyle(width: 400, height: 300))
        try plot.writePNG(to: dir + "/a.png")
        let back = try PNGFile.read(dir + "/a.png", as: .rgb8)
        #expect(back.width == 400 && back.height == 300)
        #expect(throws: FileError.self) { try plot.writePNG(to: dir + "/missing-folder/a.png") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.png"])
    }
}
