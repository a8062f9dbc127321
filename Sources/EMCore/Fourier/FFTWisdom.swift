import CFFTW
import Dispatch
import FoundationEssentials
import Glibc

/// Process-wide FFTW set-up: the planner lock, the thread layer and the wisdom cache.
///
/// FFTW's planner is not thread-safe, so every call that creates or destroys a plan, or touches wisdom, runs
/// under `FFTWisdom.lock`; executing a finished plan needs no lock.
///
/// Wisdom (FFTW's record of the fastest algorithms it measured) is kept in
/// `$XDG_CACHE_HOME/emtools/fftwf-wisdom-<cpu>` (default `~/.cache/emtools/`), one file per CPU model so that
/// login and compute nodes of a cluster sharing a home folder don't mix their measurements. It is read once per
/// process and written back (atomically) after a plan was measured. An unreadable, corrupt or unwritable cache
/// is ignored: planning then falls back to `FFTW_ESTIMATE`, it never fails.
public enum FFTWisdom {
    /// Serialises the FFTW planner (plan creation and destruction, wisdom import and export).
    static let lock = Lock()
    nonisolated(unsafe) private static var started = false
    nonisolated(unsafe) private static var importedFrom: String?

    /// The wisdom file for this machine, or nil when no cache folder can be named (no HOME, no XDG_CACHE_HOME).
    public static var path: String? {
        let env = ProcessInfo.processInfo.environment
        let base: String
        if let x = env["XDG_CACHE_HOME"], x.hasPrefix("/") { base = x } else if let h = env["HOME"], !h.isEmpty { base = h + "/.cache" } else { return nil }
        return base + "/emtools/fftwf-wisdom-" + cpuTag
    }

    /// A short tag naming the CPU model (architecture plus a hash of `/proc/cpuinfo`'s model name).
    static var cpuTag: String {
        var u = utsname()
        uname(&u)
        let machine = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var model = ""
        if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
            model = String(line)
        }
        // FNV-1a: stable across runs (Swift's Hasher is seeded per process).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in model.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return machine + "-" + String(h & 0xffff_ffff, radix: 16)
    }

    /// Start FFTW's thread layer and import the wisdom file once; set the planner's thread count to
    /// `Parallel.threadCount` (`fftwf_init_threads`, `fftwf_import_wisdom_from_filename`, `fftwf_plan_with_nthreads`).
    /// Call with `lock` held.
    static func prepareLocked(threads: Int) {
        if !started {
            started = true
            fftwf_init_threads()
            if let p = path, FileManager.default.isReadableFile(atPath: p), fftwf_import_wisdom_from_filename(p) != 0 {
                importedFrom = p
            }
        }
        fftwf_plan_with_nthreads(Int32(threads))
    }

    /// Write the planner's accumulated wisdom to the cache file (`fftwf_export_wisdom_to_string`), creating the
    /// folder if needed. Call with `lock` held. Failures are ignored: the cache is an optimisation.
    static func saveLocked() {
        guard let p = path, let s = fftwf_export_wisdom_to_string() else { return }
        defer { free(s) }
        let dir = Path.directory(p)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try? AtomicFile.write(Data(bytes: s, count: strlen(s)), to: p)
    }
}
