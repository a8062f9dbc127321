import Dispatch
import FoundationEssentials
import Glibc

/// A Fourier shell correlation curve, shell by shell, with RELION's conventions.
///
/// Shell `i` holds the Fourier coefficients whose frequency index (kx, ky, kz) has `round(√(kx²+ky²+kz²)) = i`,
/// for i = 0 … box/2 (Nyquist for even boxes), counted over the half-complex array as FFTW stores it (RELION's
/// `getFSC`): coefficients beyond the last shell (the corners of the cube) are ignored. Its spatial frequency is
/// `i / (box·pixelSize)` in 1/Å and its resolution `box·pixelSize / i` in Å.
public struct FSCCurve: Equatable, Codable {
    /// Box edge in voxels.
    public var boxSize: Int
    /// Pixel size in Å.
    public var pixelSize: Double
    /// Correlation per shell, shells 0 … box/2.
    public var correlation: [Double]
    /// Fourier coefficients per shell (over the half-complex array, as RELION counts them).
    public var counts: [Int]

    public init(boxSize: Int, pixelSize: Double, correlation: [Double], counts: [Int]) {
        precondition(correlation.count == counts.count)
        self.boxSize = boxSize; self.pixelSize = pixelSize; self.correlation = correlation; self.counts = counts
    }

    /// Number of shells (box/2 + 1).
    public var shellCount: Int { correlation.count }

    /// Spatial frequency of shell `i` in 1/Å: `i / (box·pixelSize)`.
    public func spatialFrequency(_ shell: Int) -> Double { Double(shell) / (Double(boxSize) * pixelSize) }

    /// Resolution of shell `i` in Å: `box·pixelSize / i` (infinite for shell 0).
    public func resolution(_ shell: Int) -> Double { shell == 0 ? .infinity : Double(boxSize) * pixelSize / Double(shell) }

    /// Where the curve crosses `threshold`, by RELION's rule (`relion_postprocess`): walk outwards from shell 0
    /// and stop at the first shell whose correlation is below the threshold; the resolution is that of the shell
    /// just before it, not interpolated. Later rises above the threshold are ignored. The linear interpolation
    /// between those two shells (in spatial frequency) is reported alongside, for information.
    public func crossing(_ threshold: Double) -> FSCCrossing {
        guard let firstBelow = correlation.firstIndex(where: { !($0 >= threshold) }) else {
            let last = shellCount - 1
            return FSCCrossing(threshold: threshold, shell: last, resolution: resolution(last), interpolatedResolution: nil, reachesLastShell: true)
        }
        let shell = firstBelow - 1
        guard shell > 0 else {
            return FSCCrossing(threshold: threshold, shell: max(shell, 0), resolution: nil, interpolatedResolution: nil, reachesLastShell: false)
        }
        let a = correlation[shell], b = correlation[firstBelow]
        var interpolated: Double? = nil
        if a.isFinite && b.isFinite && a > b {
            let f = spatialFrequency(shell) + (a - threshold) / (a - b) * (spatialFrequency(firstBelow) - spatialFrequency(shell))
            interpolated = 1 / f
        }
        return FSCCrossing(threshold: threshold, shell: shell, resolution: resolution(shell), interpolatedResolution: interpolated, reachesLastShell: false)
    }
}

/// The resolution at which an FSC curve falls below a threshold (0.143 for gold-standard half-maps, 0.5 for a
/// map against a model or by older conventions).
public struct FSCCrossing: Equatable, Codable {
    /// The threshold, e.g. 0.143.
    public var threshold: Double
    /// The last shell at or above the threshold before the curve first drops below it (RELION's shell).
    public var shell: Int
    /// Resolution of `shell` in Å (RELION's number); nil when the curve is below the threshold from shell 1 on.
    public var resolution: Double?
    /// Resolution in Å where the straight line between `shell` and the next shell meets the threshold.
    public var interpolatedResolution: Double?
    /// True when the curve never drops below the threshold: the resolution is limited by Nyquist, not measured.
    public var reachesLastShell: Bool

    public init(threshold: Double, shell: Int, resolution: Double?, interpolatedResolution: Double?, reachesLastShell: Bool) {
        self.threshold = threshold; self.shell = shell; self.resolution = resolution
        self.interpolatedResolution = interpolatedResolution; self.reachesLastShell = reachesLastShell
    }
}
