import EMCore
import Foundation
import GRDB
import Testing
import TestSupport
@testable import Watcher

/// Free space the test sets between polls.
final class SetFreeSpace: FreeSpaceSource, @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: DiskUsage] = [:]
    func set(_ path: String, total: UInt64, free: UInt64, fsid: UInt64 = 0) {
        lock.withLock { values[path] = DiskUsage(total: total, free: free, filesystemID: fsid) }
    }
    func usage(of path: String) throws -> DiskUsage {
        try lock.withLock {
            guard let u = values[path] else { throw DiskError.unreadable(path: path, reason: "No such file or directory") }
            return u
        }
    }
}

func diskDatabase() throws -> DatabaseQueue {
    let db = try DatabaseQueue()
    var m = DatabaseMigrator()
    DiskWatch.registerMigrations(&m)
    try m.migrate(db)
    return db
}

@Suite struct DiskWatchTests {
    let t0 = Date(timeIntervalSince1970: 1_764_547_200)
    let tb: UInt64 = 1_000_000_000_000

    @Test func thresholdsAndSizesParse() throws {
        #expect(try DiskThreshold("500G") == .bytes(500_000_000_000))
        #expect(try DiskThreshold("2TB") == .bytes(2_000_000_000_000))
        #expect(try DiskThreshold("1.5Ti") == .bytes(UInt64(1.5 * 1_099_511_627_776)))
        #expect(try DiskThreshold("10%") == .percent(10))
        #expect(try DiskThreshold("10%").bytes(ofTotal: 4 * tb) == 400_000_000_000)
        #expect(throws: DiskError.badThreshold("lots")) { try DiskThreshold("lots") }
        #expect(throws: DiskError.badThreshold("120%")) { try DiskThreshold("120%") }
        #expect(ByteSize.format(412_345_678_901) == "412 GB")
        #expect(ByteSize.format(1_234_567_890_123) == "1.2 TB")
        let c = try JSONDecoder().decode(DiskWatchConfig.self, from: Data(#"{"paths":[{"path":"/data","threshold":"10%"}]}"#.utf8))
        #expect(c.paths == [DiskPathConfig(path: "/data", threshold: .percent(10))] && c.recoveryMargin == 0.1)
        #expect(try JSONDecoder().decode(DiskWatchConfig.self, from: try JSONEncoder().encode(c)) == c)
    }

    @Test func oneAlertWithAPlotOneRecoveryAndHysteresisBetween() throws {
        let db = try diskDatabase()
        let space = SetFreeSpace()
        let watch = DiskWatch(config: DiskWatchConfig(paths: [DiskPathConfig(path: "/data", threshold: try DiskThreshold("500G"))]),
                              source: space)
        func poll(hours: Double, free: UInt64) throws -> [Notice] {
            space.set("/data", total: 10 * tb, free: free)
            return try db.write { try watch.poll($0, now: t0.addingTimeInterval(hours * 3600)) }
        }
        // Filling up by 100 GB an hour.
        for h in 0 ..< 5 { #expect(try poll(hours: Double(h), free: 900_000_000_000 - UInt64(h) * 100_000_000_000).isEmpty) }
        let alert = try poll(hours: 5, free: 400_000_000_000)
        #expect(alert.map(\.title) == ["Disk /data: only 400 GB free (4.0 %), below 500 GB"])
        let a = try #require(alert.first)
        #expect(a.key == "disk|/data|low|\(Int(t0.timeIntervalSince1970) + 5 * 3600)")
        #expect(a.lines == ["Free space fell by 500 GB in 5 h (2.4 TB per day); at this rate full in 0.2 days."])
        #expect(a.fields.contains(NoticeField("Used", "9.6 TB")))
        let png = try #require(a.attachments.first)
        #expect(png.filename == "disk_data_free.png")
        #expect(png.data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let folder = TestEnv.temporaryDirectory("disk")
        defer { TestEnv.removeTemporary(folder) }
        let path = folder + "/plot.png"
        try png.data.write(to: URL(fileURLWithPath: path))
        let picture = try PNGFile.read(path, as: .rgb8)
        if let keep = ProcessInfo.processInfo.environment["EMTOOLS_KEEP_PLOT"] { try? png.data.write(to: URL(fileURLWithPath: keep)) }
        #expect(picture.width == 960 && picture.height == 540)

        #expect(try poll(hours: 6, free: 300_000_000_000).isEmpty)           // still low: no repeat
        #expect(try poll(hours: 7, free: 520_000_000_000).isEmpty)           // above 500 GB, not above 550 GB
        let back = try poll(hours: 8, free: 600_000_000_000)
        #expect(back.map(\.title) == ["Disk /data: free space back to 600 GB (6.0 %), above 500 GB"])
        #expect(try poll(hours: 9, free: 520_000_000_000).isEmpty)           // normal again: only under 500 GB alerts
        #expect(try poll(hours: 10, free: 450_000_000_000).count == 1)
        let samples = try db.read { try DiskWatch.history($0, path: "/data", since: t0) }
        #expect(samples.count == 11 && samples.last?.2 == 450_000_000_000)
    }

    @Test func percentThresholdSharedFilesystemAndUnreadablePath() throws {
        let db = try diskDatabase()
        let space = SetFreeSpace()
        space.set("/data/p1", total: 10 * tb, free: tb / 2, fsid: 7)
        space.set("/data/p2", total: 10 * tb, free: tb / 2, fsid: 7)
        let watch = DiskWatch(config: DiskWatchConfig(paths: [
            DiskPathConfig(path: "/data/p1", label: "projects", threshold: .percent(10)),
            DiskPathConfig(path: "/data/p2", threshold: .percent(10)),
            DiskPathConfig(path: "/gone", threshold: .percent(10)),
        ]), source: space)
        var problems: [String] = []
        let n = try db.write { try watch.poll($0, now: t0, problems: &problems) }
        #expect(n.map(\.title) == ["Disk projects: only 500 GB free (5.0 %), below 10 %"])
        #expect(n.first?.fields.contains(NoticeField("Threshold", "10 % = 1.0 TB")) == true)
        #expect(problems == ["/gone: cannot read free space: No such file or directory"])
    }

    @Test func realStatvfsOnASmallTmpfs() throws {
        let mount = TestEnv.temporaryDirectory("tmpfs")
        defer { TestEnv.removeTemporary(mount) }
        let r = try TestEnv.run("/bin/mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mount])
        try #require(r.status == 0, "mount tmpfs (needs root): \(r.stderr)")
        defer { _ = try? TestEnv.run("/bin/umount", [mount]) }

        let empty = try StatvfsSource().usage(of: mount)
        #expect(empty.total == 8 << 20 && empty.free == 8 << 20 && empty.used == 0)
        let db = try diskDatabase()
        let watch = DiskWatch(config: DiskWatchConfig(paths: [DiskPathConfig(path: mount, label: "scratch", threshold: try DiskThreshold("3M"))]))
        #expect(try db.write { try watch.poll($0, now: t0) }.isEmpty)
        // Write 6 MiB: 2 MiB left, under 3 MB.
        try Data(count: 6 << 20).write(to: URL(fileURLWithPath: mount + "/movie.tiff"))
        let full = try StatvfsSource().usage(of: mount)
        #expect(full.free == 2 << 20 && full.used == 6 << 20)
        let alert = try db.write { try watch.poll($0, now: t0.addingTimeInterval(300)) }
        #expect(alert.map(\.title) == ["Disk scratch: only 2.1 MB free (25.0 %), below 3.0 MB"])
        try FileManager.default.removeItem(atPath: mount + "/movie.tiff")
        let back = try db.write { try watch.poll($0, now: t0.addingTimeInterval(600)) }
        #expect(back.map(\.title) == ["Disk scratch: free space back to 8.4 MB (100.0 %), above 3.0 MB"])
        #expect(throws: DiskError.unreadable(path: mount + "/missing", reason: "No such file or directory")) {
            try StatvfsSource().usage(of: mount + "/missing")
        }
    }
}
