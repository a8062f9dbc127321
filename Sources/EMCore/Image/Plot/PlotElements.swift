import Dispatch
import FoundationEssentials
import Glibc

/// One curve of a line plot: points in data units joined in order, with a legend label.
public struct PlotSeries {
    /// Legend text; nil keeps the series out of the legend.
    public var label: String?
    /// x values in data units (same count as `y`).
    public var x: [Double]
    /// y values in data units. Non-finite values break the line.
    public var y: [Double]
    /// Line colour; nil takes the next colour of `Color.palette`.
    public var color: Color?
    /// Line width in pixels at `PlotStyle.scale` 1.
    public var lineWidth: Double
    /// Dash pattern (on, off lengths in pixels); empty for a solid line.
    public var dash: [Double]
    /// Draw a dot at each point.
    public var markers: Bool

    public init(label: String? = nil, x: [Double], y: [Double], color: Color? = nil, lineWidth: Double = 3,
                dash: [Double] = [], markers: Bool = false) {
        precondition(x.count == y.count, "a plot series needs as many x as y values")
        self.label = label; self.x = x; self.y = y; self.color = color
        self.lineWidth = lineWidth; self.dash = dash; self.markers = markers
    }

    /// A series over x = 0, 1, 2, … (e.g. iterations or days).
    public init(label: String? = nil, values: [Double], color: Color? = nil, lineWidth: Double = 3, dash: [Double] = [],
                markers: Bool = false) {
        self.init(label: label, x: values.indices.map(Double.init), y: values, color: color, lineWidth: lineWidth,
                  dash: dash, markers: markers)
    }
}

/// A straight line across the whole plot at a fixed data value (e.g. FSC = 0.143), with an optional label
/// printed at its end.
public struct ReferenceLine {
    /// Whether the line runs across (constant y) or up (constant x).
    public enum Orientation { case horizontal, vertical }
    public var orientation: Orientation
    /// Position in data units of the axis it is constant on.
    public var value: Double
    /// Text printed next to the line; nil for none.
    public var label: String?
    public var color: Color
    public var dash: [Double]
    public var lineWidth: Double

    public init(_ orientation: Orientation = .horizontal, at value: Double, label: String? = nil,
                color: Color = .gray, dash: [Double] = [10, 6], lineWidth: Double = 2) {
        self.orientation = orientation; self.value = value; self.label = label
        self.color = color; self.dash = dash; self.lineWidth = lineWidth
    }
}

/// Text placed at a data point, optionally with a dot marking the point (e.g. "3.2 Å" at an FSC crossing).
public struct PlotAnnotation {
    public var text: String
    /// Anchor point in data units.
    public var x: Double
    public var y: Double
    /// Text offset from the anchor in pixels (positive: right and down).
    public var offset: (dx: Double, dy: Double)
    public var color: Color
    /// Draw a dot at the anchor.
    public var marker: Bool
    public var bold: Bool

    public init(_ text: String, x: Double, y: Double, offset: (dx: Double, dy: Double) = (10, -10),
                color: Color = .black, marker: Bool = true, bold: Bool = false) {
        self.text = text; self.x = x; self.y = y; self.offset = offset
        self.color = color; self.marker = marker; self.bold = bold
    }
}

/// Corner of the plot area holding the legend.
public enum LegendPosition { case topRight, topLeft, bottomRight, bottomLeft, none }

/// Size and type sizes of a rendered plot. The defaults (960 × 640 px, 22–30 px type) stay readable when a
/// chat client shrinks the picture to a ~450 px wide preview, and print at about 8 cm wide at 300 dpi.
public struct PlotStyle {
    /// Picture width in pixels.
    public var width: Int
    /// Picture height in pixels.
    public var height: Int
    /// Multiplier for type sizes, line widths and margins (2 for a double-resolution picture of the same look).
    public var scale: Double
    public var titleSize: Double
    public var axisTitleSize: Double
    public var tickSize: Double
    public var legendSize: Double
    public var annotationSize: Double
    public var background: Color
    public var gridColor: Color

    public init(width: Int = 960, height: Int = 640, scale: Double = 1, titleSize: Double = 30, axisTitleSize: Double = 25,
                tickSize: Double = 22, legendSize: Double = 22, annotationSize: Double = 22,
                background: Color = .white, gridColor: Color = Color(0.9, 0.9, 0.9)) {
        precondition(width > 0 && height > 0 && scale > 0)
        self.width = width; self.height = height; self.scale = scale
        self.titleSize = titleSize; self.axisTitleSize = axisTitleSize; self.tickSize = tickSize
        self.legendSize = legendSize; self.annotationSize = annotationSize
        self.background = background; self.gridColor = gridColor
    }
}
