import Dispatch
import FoundationEssentials
import Glibc

/// One problem found by `MRCValidator`.
public struct MRCProblem: Codable, Equatable {
    /// `error`: the file breaks MRC2014 or cannot be read; `warning`: readable but non-standard.
    public enum Severity: String, Codable { case error, warning }
    public var severity: Severity
    public var message: String
    public init(_ severity: Severity, _ message: String) { self.severity = severity; self.message = message }
}

/// Checks a file against MRC2014 in the spirit of mrcfile's validator, listing every problem rather than
/// stopping at the first: structure (size, mode, dimensions, extended header), header words (MAP id, machine
/// stamp, axis order, space group, sampling, cell, labels, version, extended header type) and the stored
/// statistics against the data.
public enum MRCValidator {
    /// Relative tolerance for comparing header statistics with the data (float32 rounding of large sums).
    public static let statisticsTolerance = 1e-3

    /// Validate `path`; an empty result means the file is valid. A file that cannot be opened gives one
    /// error (the reason it cannot be read) plus whatever problems its header words show.
    /// - Complexity: one parallel pass over the data (for the statistics).
    public static func validate(_ path: String) -> [MRCProblem] {
        let file: MRCFile
        do { file = try MRCFile.open(path) } catch {
            var problems = [MRCProblem(.error, String(describing: error))]
            // Still report header-word problems when the header itself could be decoded.
            if let bytes = try? FileBytes.open(path), bytes.bytes.count >= MRCHeader.size,
               let h = try? MRCHeader.decode(UnsafeRawBufferPointer(rebasing: bytes.bytes[0 ..< MRCHeader.size]), path: path) {
                problems += headerProblems(h, path: path)
            }
            return problems
        }
        var problems = headerProblems(file.header, path: path)
        if file.trailingBytes > 0 {
            problems.append(MRCProblem(.error, "\(path): file is \(file.trailingBytes) bytes longer than header, extended header and data require"))
        }
        do { _ = try file.feiExtendedHeader() } catch { problems.append(MRCProblem(.error, String(describing: error))) }
        problems += statisticsProblems(file, path: path)
        return problems
    }

    /// Problems visible in the header words alone (no file access).
    public static func headerProblems(_ h: MRCHeader, path: String) -> [MRCProblem] {
        var p: [MRCProblem] = []
        func err(_ m: String) { p.append(MRCProblem(.error, "\(path): \(m)")) }
        func warn(_ m: String) { p.append(MRCProblem(.warning, "\(path): \(m)")) }
        if h.mapID != "MAP " { err("map ID is '\(h.mapID)', expected 'MAP '") }
        let stamp = h.machineStamp
        let standard = stamp == [0x44, 0x44, 0, 0] || stamp == [0x44, 0x41, 0, 0] || stamp == [0x11, 0x11, 0, 0]
        if !standard {
            err("machine stamp \(stamp.map { String(cFormat: "0x%02X", $0) }.joined(separator: " ")) is not 0x44 0x44 0x00 0x00 (little-endian) or 0x11 0x11 0x00 0x00 (big-endian)")
        }
        if h.mode == nil { err("unknown mode \(h.modeValue)") }
        if h.nx <= 0 || h.ny <= 0 || h.nz <= 0 { err("dimensions \(h.nx)×\(h.ny)×\(h.nz) must be positive") }
        if !h.axisOrder.isValid { err("axis order \(h.axisOrder) is not a permutation of 1,2,3") }
        if h.mx <= 0 || h.my <= 0 || h.mz <= 0 { err("sampling MX, MY, MZ = \(h.mx), \(h.my), \(h.mz) must be positive (pixel size unknown)") }
        if h.cellA.x < 0 || h.cellA.y < 0 || h.cellA.z < 0 { err("cell dimensions \(h.cellA.x), \(h.cellA.y), \(h.cellA.z) Å must not be negative") }
        let ispgOK = h.ispg == 0 || (1 ... 230).contains(h.ispg) || (401 ... 630).contains(h.ispg)
        if !ispgOK { err("space group ISPG \(h.ispg) is not 0, 1–230 or 401–630") }
        if h.ispg == 0 && h.mz != 1 && h.nz > 1 && h.mz != h.nz { warn("image stack (ISPG 0) should have MZ = 1, has \(h.mz)") }
        if h.ispg >= 401 && h.mz > 0 && h.nz % h.mz != 0 { err("volume stack: NZ \(h.nz) is not a multiple of MZ \(h.mz)") }
        if (1 ... 230).contains(h.ispg) && h.mz > 0 && h.mz != h.nz { warn("volume (ISPG \(h.ispg)) has MZ \(h.mz) ≠ NZ \(h.nz)") }
        if h.nlabl < 0 || h.nlabl > 10 { err("NLABL \(h.nlabl) is not between 0 and 10") }
        if h.nversion != 20140 && h.nversion != 20141 { err("format version NVERSION is \(h.nversion), expected 20140 or 20141") }
        if h.nsymbt > 0 {
            let known = ["CCP4", "MRCO", "SERI", "AGAR", "FEI1", "FEI2", "HDF5"]
            if !known.contains(h.extType) { warn("extended header type '\(h.extType)' is not one of \(known.joined(separator: ", "))") }
        }
        return p
    }

    /// Compare DMIN, DMAX, DMEAN and RMS with the data. MRC2014 allows "not determined": DMAX < DMIN,
    /// DMEAN < min(DMIN, DMAX) and RMS < 0 are accepted as such. Complex modes are not compared: writers
    /// disagree on what the statistics of complex values are (amplitudes, real parts, complex mean).
    static func statisticsProblems(_ file: MRCFile, path: String) -> [MRCProblem] {
        let h = file.header
        if file.mode.isComplex { return [] }
        let s: VolumeStatistics
        do { s = try file.statistics() } catch { return [MRCProblem(.error, String(describing: error))] }
        var p: [MRCProblem] = []
        if !s.min.isFinite || !s.max.isFinite || !s.mean.isFinite {
            p.append(MRCProblem(.warning, "\(path): data contain NaN or infinite values"))
            return p
        }
        let scale = max(Double(abs(s.max)), Double(abs(s.min)), s.rms, 1e-30)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= statisticsTolerance * scale }
        if h.dmax >= h.dmin {
            if !close(Double(h.dmin), Double(s.min)) { p.append(MRCProblem(.error, "\(path): header minimum \(h.dmin) differs from the data's \(s.min)")) }
            if !close(Double(h.dmax), Double(s.max)) { p.append(MRCProblem(.error, "\(path): header maximum \(h.dmax) differs from the data's \(s.max)")) }
        }
        if h.dmean >= min(h.dmin, h.dmax), !close(Double(h.dmean), s.mean) {
            p.append(MRCProblem(.error, "\(path): header mean \(h.dmean) differs from the data's \(Float(s.mean))"))
        }
        if h.rms >= 0, !close(Double(h.rms), s.rms) {
            p.append(MRCProblem(.error, "\(path): header RMS \(h.rms) differs from the data's \(Float(s.rms))"))
        }
        return p
    }
}
