import Dispatch
import FoundationEssentials
import Glibc

/// The temporary files `AtomicFile` is writing right now, removed by a signal handler when the process is
/// interrupted, so that Ctrl-C (SIGINT), a batch system's SIGTERM at the time limit, SIGHUP (the login node's
/// session closing) or SIGPIPE never leave a hidden `.NAME.tmp-…` file behind.
///
/// The handler is installed on the first registration, only for signals whose action is still the default
/// (a signal the user or the program ignores, e.g. SIGHUP under `nohup`, stays ignored). It removes the
/// registered files, restores the default action and re-raises the signal, so the exit status is the usual
/// one for that signal (130 for SIGINT in a shell). The table is fixed-size and read without locks or
/// allocation, as a signal handler must; at most `capacity` files are protected at once (more are still
/// removed on ordinary errors, just not on a signal).
public enum TemporaryFiles {
    /// How many temporary files can be protected at once.
    public static let capacity = 64
    /// The signals after which temporary files are removed.
    public static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGPIPE]

    /// Slot `i` holds a `strdup`ed path or nil; written under `lock`, read by the handler.
    private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    private static let lock = Lock()
    private static var installed = false

    /// Protect `path` until `unregister` is called with the returned slot (nil when the table is full).
    public static func register(_ path: String) -> Int? {
        lock.lock(); defer { lock.unlock() }
        if !installed { installHandlers(); installed = true }
        for i in 0 ..< capacity where slots[i] == nil {
            slots[i] = strdup(path)
            return i
        }
        return nil
    }

    /// Stop protecting the file of `slot` (it was renamed into place or removed).
    public static func unregister(_ slot: Int?) {
        guard let i = slot else { return }
        lock.lock(); defer { lock.unlock() }
        let p = slots[i]
        slots[i] = nil
        free(p)
    }

    /// The paths protected now (for tests).
    public static var registered: [String] {
        lock.lock(); defer { lock.unlock() }
        return (0 ..< capacity).compactMap { slots[$0].map { String(cString: $0) } }
    }

    private static func installHandlers() {
        for sig in signals {
            var old = sigaction()
            guard sigaction(sig, nil, &old) == 0 else { continue }
            // Keep an ignored signal ignored and a handler someone else installed in place.
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) != 0 { continue }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                // Only async-signal-safe calls: unlink, signal, raise.
                for i in 0 ..< TemporaryFiles.capacity {
                    if let p = TemporaryFiles.slots[i] { unlink(p) }
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }
}
