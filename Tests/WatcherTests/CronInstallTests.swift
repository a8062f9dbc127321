import Foundation
import Testing
import TestSupport

/// `emwatch cron --install` against the real `crontab` of Debian's `cron` package, for the unprivileged user
/// `nobody` (so the tests never touch the crontab of whoever runs them). Needs root to switch user and to
/// clean up `nobody`'s crontab.
@Suite(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/crontab")),
       .serialized)
struct CronInstallTests {
    /// Run `emwatch` as `nobody`, the way a user on a login node runs it.
    func emwatchAsNobody(_ args: [String], home: String) throws -> TestEnv.ProcessResult {
        try TestEnv.run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                             "/usr/bin/env", "HOME=\(home)", TestEnv.product("emwatch")] + args)
    }

    func nobodysCrontab() throws -> [String] {
        let r = try TestEnv.run("/usr/bin/crontab", ["-u", "nobody", "-l"])
        return r.status == 0 ? r.stdout.split(separator: "\n").map(String.init) : []
    }

    func setNobodysCrontab(_ lines: [String]) throws {
        let r = try TestEnv.run("/usr/bin/crontab", ["-u", "nobody", "-"], stdin: Data((lines.joined(separator: "\n") + "\n").utf8))
        if r.status != 0 { throw TestFailure("crontab -u nobody - failed: \(r.stderr)") }
    }

    @Test func installAddsOneLineAndReplacesOnlyItsOwn() throws {
        let dir = TestEnv.temporaryDirectory("cron-install")
        defer {
            TestEnv.removeTemporary(dir)
            _ = try? TestEnv.run("/usr/bin/crontab", ["-u", "nobody", "-r"])
        }
        chmod(dir, 0o777)
        let db = dir + "/watcher.sqlite"
        _ = try TestEnv.run("/usr/bin/crontab", ["-u", "nobody", "-r"])  // start with no crontab at all

        let first = try emwatchAsNobody(["cron", "--install", "--every", "7", "--db", db], home: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("installed in your crontab"))
        var lines = try nobodysCrontab().filter { !$0.hasPrefix("#") }
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("*/7 * * * * ") == true)
        #expect(lines.first?.hasSuffix("# emwatch \(db)") == true)
        #expect(lines.first?.contains(" run --db \(db) ") == true)

        // The user's own lines stay; a second install replaces our line instead of adding one.
        try setNobodysCrontab(try nobodysCrontab() + ["0 3 * * * /bin/true # my nightly job"])
        let second = try emwatchAsNobody(["cron", "--install", "--every", "3", "--db", db], home: dir)
        #expect(second.status == 0, "\(second.stderr)")
        lines = try nobodysCrontab().filter { !$0.hasPrefix("#") }
        #expect(lines.filter { $0.hasSuffix("# emwatch \(db)") }.count == 1)
        #expect(lines.contains { $0.hasPrefix("*/3 * * * * ") && $0.hasSuffix("# emwatch \(db)") })
        #expect(lines.contains("0 3 * * * /bin/true # my nightly job"))
        #expect(!lines.contains { $0.hasPrefix("*/7 ") })

        // Another database gets its own line next to the first.
        let other = dir + "/other.sqlite"
        #expect(try emwatchAsNobody(["cron", "--install", "--db", other], home: dir).status == 0)
        lines = try nobodysCrontab().filter { !$0.hasPrefix("#") }
        #expect(lines.filter { $0.contains("# emwatch ") }.count == 2)
    }
}
