import Foundation
import GRDB
import Testing
import TestSupport
@testable import Watcher

/// A frames root written the way EPU writes it, grown by the test between polls; file times are set
/// explicitly so that the polls' `now` and the movies' times agree.
struct EPUTree {
    let root: String
    init() { root = TestEnv.temporaryDirectory("epu") }

    /// Write a movie of `bytes` bytes at `relative` (inside a session) with modification time `time`.
    func movie(_ relative: String, bytes: Int = 1000, at time: Date) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(count: bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
    }

    func folder(_ relative: String, mtime: Date? = nil) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + relative, withIntermediateDirectories: true)
        if let m = mtime { try FileManager.default.setAttributes([.modificationDate: m], ofItemAtPath: root + "/" + relative) }
    }
}

func epuDatabase() throws -> DatabaseQueue {
    let db = try DatabaseQueue()
    var m = DatabaseMigrator()
    EPUWatch.registerMigrations(&m)
    try m.migrate(db)
    return db
}

@Suite struct EPUWatchTests {
    let t0 = Date(timeIntervalSince1970: 1_764_576_000)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }

    @Test func movieNamesCaseInsensitive() {
        for yes in ["FoilHole_1_Data_2_3_20240301_101010_fractions.tiff", "FoilHole_1_Data_2_3_Fractions.mrc", "a.EER", "b.tif", "c.TIFF"] {
            #expect(EPUSessionScan.isMovie(yes), "\(yes)")
        }
        for no in ["FoilHole_1_Data_2_3.mrc", "FoilHole_1_Data_2_3.xml", "GridSquare_1.jpg", "x_fractions.xml", "tiff"] {
            #expect(!EPUSessionScan.isMovie(no), "\(no)")
        }
    }

    @Test func sessionStartsStallsResumesAndEndsOnce() throws {
        let tree = EPUTree()
        defer { TestEnv.removeTemporary(tree.root) }
        let db = try epuDatabase()
        let watch = EPUWatch(config: EPUWatchConfig(roots: [tree.root], stallMinutes: 30, endMinutes: 120))
        func poll(_ minutes: Double) throws -> [String] { try db.write { try watch.poll($0, now: at(minutes)) }.map(\.title) }

        // An old session is already there: recorded, not reported.
        try tree.movie("2026_11_30_old/Images-Disc1/GridSquare_1/Data/m1_fractions.tiff", at: at(-3000))
        #expect(try poll(0).isEmpty)

        // A new session folder: nothing until its first movie.
        try tree.folder("2026_12_01_alice/Images-Disc1/GridSquare_11/Data")
        #expect(try poll(1).isEmpty)
        let s = "2026_12_01_alice/Images-Disc1/"
        try tree.movie(s + "GridSquare_11/Data/FoilHole_1_Data_1_fractions.tiff", bytes: 4000, at: at(2))
        try tree.movie(s + "GridSquare_11/Data/FoilHole_1_Data_2_fractions.tiff", bytes: 4000, at: at(3))
        try tree.movie(s + "GridSquare_11/Data/FoilHole_1_Data_2.xml", bytes: 500, at: at(3))     // not a movie
        try tree.movie(s + "GridSquare_11/Data/FoilHole_1_Data_2.mrc", bytes: 500, at: at(3))     // not a movie
        #expect(try poll(4) == ["EPU session 2026_12_01_alice started: 2 movies (8.0 kB) so far"])

        // Growing, in several grid squares and formats; the session folder's time stays old.
        try tree.folder("2026_12_01_alice", mtime: at(-100))
        for i in 0 ..< 6 { try tree.movie(s + "GridSquare_12/Data/FoilHole_2_Data_\(i).EER", bytes: 4000, at: at(5 + Double(i))) }
        try tree.movie(s + "GridSquare_13/Data/FoilHole_3_Data_1_Fractions.mrc", bytes: 4000, at: at(20))
        #expect(try poll(21).isEmpty)
        #expect(try db.read { try EPUWatch.session($0, path: tree.root + "/2026_12_01_alice") }?.movies == 9)

        // No new movie for 30 minutes: one stall message.
        #expect(try poll(49).isEmpty)
        #expect(try poll(51) == ["EPU session 2026_12_01_alice stalled: no new movie for 31 min (9 movies, last at \(EPUWatch.clock(at(20))))"])
        #expect(try poll(60).isEmpty)

        // Movies again: resumed; then a second stall is news again.
        try tree.movie(s + "GridSquare_14/Data/FoilHole_4_Data_1_fractions.tiff", bytes: 4000, at: at(80))
        #expect(try poll(81) == ["EPU session 2026_12_01_alice resumed: 10 movies"])
        #expect(try poll(111).count == 1)

        // Two hours without a movie: the summary, once.
        let end = try db.write { try watch.poll($0, now: at(201)) }
        #expect(end.map(\.title) == ["EPU session 2026_12_01_alice ended: 10 movies, 40.0 kB in 1.3 h (7 movies/h)"])
        #expect(end.first?.key == "epu|\(tree.root)/2026_12_01_alice|end")
        #expect(end.first?.fields.contains(NoticeField("Rate", "7 movies/h")) == true)
        #expect(try poll(300).isEmpty)
    }

    @Test func unreadableRootIsOneProblemLine() throws {
        let db = try epuDatabase()
        let watch = EPUWatch(config: EPUWatchConfig(roots: ["/nonexistent/frames"]))
        var problems: [String] = []
        #expect(try db.write { try watch.poll($0, now: t0, problems: &problems) }.isEmpty)
        #expect(problems.count == 1 && problems[0].hasPrefix("/nonexistent/frames: cannot list frames root: "))
    }
}
