import Foundation
import Testing
@testable import Watcher

/// Where the FSC plot puts its legend: the corner whose legend box the curves cross least.
@Suite struct ReportPlotLegendTests {
    let x = 0.0 ... 1.0, y = -0.1 ... 1.05

    /// A curve sampled at few shells that drops through the top-right corner between two of them (as
    /// post-processing FSCs of small boxes do near 10 Å) keeps the legend out of that corner.
    @Test func aSparseCurveCrossingACornerBetweenShellsCounts() {
        let drop = [(0.0, 1.0), (0.45, 0.95), (0.75, 0.2), (1.0, 0.0)]
        #expect(ReportPictures.emptiestCorner([drop], marked: [], x: x, y: y) == .bottomLeft)
        // The same curve densely sampled gives the same answer.
        let dense = (0 ... 100).map { i -> (Double, Double) in
            let u = Double(i) / 100
            let j = drop.lastIndex { $0.0 <= u }!, k = min(j + 1, drop.count - 1)
            let t = k == j ? 0 : (u - drop[j].0) / (drop[k].0 - drop[j].0)
            return (u, drop[j].1 + t * (drop[k].1 - drop[j].1))
        }
        #expect(ReportPictures.emptiestCorner([dense], marked: [], x: x, y: y) == .bottomLeft)
    }

    /// The box grows with the entries: a curve low in the bottom-right corner is clear of a one-entry legend
    /// placed at the top right, and a curve through the upper half then rules that corner out for four.
    @Test func theLegendBoxGrowsWithItsEntries() {
        let high = [(0.0, 1.0), (0.4, 1.0), (0.6, 0.6), (1.0, 0.55)]
        // 0.55 in y is 56.5 % up the axis: inside a four-entry box (top 45 %), below a one-entry box (top 17 %).
        #expect(ReportPictures.emptiestCorner([high], marked: [], x: x, y: y, entries: 1) == .topRight)
        #expect(ReportPictures.emptiestCorner([high], marked: [], x: x, y: y, entries: 4) != .topRight)
    }

    /// The resolution label is never covered, whatever the curves.
    @Test func theMarkedAnnotationWinsOverCurves() {
        let flat = [(0.0, 0.0), (1.0, 0.0)]
        #expect(ReportPictures.emptiestCorner([flat], marked: [(0.8, 0.9)], x: x, y: y) == .topLeft)
    }
}
