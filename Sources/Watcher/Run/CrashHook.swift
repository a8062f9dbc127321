import Foundation

/// A test hook: with `EMWATCH_CRASH_AT=<step>` in the environment, the process kills itself with SIGKILL
/// when it reaches that step (`<step>:<n>` at its n-th time), so tests can check that a run cut off anywhere
/// loses and duplicates nothing. Steps: `polled` (inside a source's transaction, before commit), `committed`,
/// `marked-sending`, `posted`, `marked-posted`, `reserved-upload`, `sent-bytes`, `completed-upload`,
/// `marked-sent`.
public enum CrashHook {
    nonisolated(unsafe) private static var counts: [String: Int] = [:]
    private static let target: (step: String, n: Int)? = {
        guard let v = ProcessInfo.processInfo.environment["EMWATCH_CRASH_AT"], !v.isEmpty else { return nil }
        let parts = v.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()

    /// Kill the process here when the environment asks for this step.
    public static func point(_ step: String) {
        guard let t = target, t.step == step else { return }
        counts[step, default: 0] += 1
        if counts[step] == t.n { kill(getpid(), SIGKILL) }
    }
}
