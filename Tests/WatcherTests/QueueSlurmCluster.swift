import Foundation
import TestSupport
@testable import Watcher
#if canImport(Glibc)
import Glibc
#endif

/// A real one-node Slurm for tests: munged, slurmctld and slurmd from Debian (`slurmctld slurmd slurm-client
/// munge`, installed by `scripts/install-deps.sh --test`), started as daemons (their PIDs read from their PID
/// files; daemons kept as foreground children would each pin a Dispatch worker thread in Foundation's
/// `waitpid` and starve the test's other processes) with everything (key, sockets, state, spool, logs, `slurm.conf`) in a temporary folder. The node
/// is `emnode` at 127.0.0.1 with 2 CPUs; accounting storage is off and finished jobs go to a job-completion
/// file (`jobcomp/filetxt`, read by `sacct -c`); `MinJobAge=5` lets finished jobs leave `squeue` within about a
/// minute. `stop()` (also called on deinit) stops every daemon it started, by PID.
final class SlurmTestCluster {
    let dir: String
    let conf: String
    let jobCompletionFile: String
    /// PIDs of the daemons started, in start order.
    private(set) var pids: [Int32] = []

    /// Environment the Slurm clients need (`SLURM_CONF`).
    var environment: [String: String] { ["SLURM_CONF": conf] }

    /// Runs the daemons' launchers and the Slurm clients (swift-subprocess, as the Watcher does).
    let command: SchedulerCommand

    init() async throws {
        for program in ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/squeue", "/usr/bin/sacct"]
        where !FileManager.default.isExecutableFile(atPath: program) {
            throw TestFailure("\(program) is missing: run scripts/install-deps.sh --test (slurmctld slurmd slurm-client munge)")
        }
        dir = TestEnv.temporaryDirectory("slurm")
        conf = dir + "/slurm.conf"
        jobCompletionFile = dir + "/jobcomp.txt"
        command = SchedulerCommand(timeout: 30, environment: ["SLURM_CONF": conf])
        let fm = FileManager.default
        for sub in ["munge", "state", "spool", "log"] {
            try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        // munged refuses a socket in a folder others cannot reach (0700), and a key others can read.
        for d in [dir, dir + "/munge"] { chmod(d, 0o755) }
        var key = [UInt8](repeating: 0, count: 1024)
        for i in key.indices { key[i] = UInt8.random(in: 0 ... 255) }
        try Data(key).write(to: URL(fileURLWithPath: dir + "/munge.key"))
        chmod(dir + "/munge.key", 0o600)
        let socket = dir + "/munge/munge.socket"
        let ctldPort = try Self.freePort(), slurmdPort = try Self.freePort()
        let config = """
            ClusterName=emtest
            SlurmctldHost=localhost(127.0.0.1)
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort=\(ctldPort)
            SlurmdPort=\(slurmdPort)
            AuthType=auth/munge
            AuthInfo=socket=\(socket)
            CredType=cred/munge
            StateSaveLocation=\(dir)/state
            SlurmdSpoolDir=\(dir)/spool
            SlurmctldPidFile=\(dir)/slurmctld.pid
            SlurmdPidFile=\(dir)/slurmd.pid
            SlurmctldLogFile=\(dir)/log/slurmctld.log
            SlurmdLogFile=\(dir)/log/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SchedulerType=sched/backfill
            MpiDefault=none
            ReturnToService=2
            AccountingStorageType=accounting_storage/none
            JobAcctGatherType=jobacct_gather/none
            JobCompType=jobcomp/filetxt
            JobCompLoc=\(jobCompletionFile)
            MinJobAge=5
            KillWait=2
            InactiveLimit=0
            OverTimeLimit=0
            PlugStackConfig=\(dir)/plugstack.conf
            NodeName=emnode NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 RealMemory=1000 State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """
        try config.write(toFile: conf, atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/plugstack.conf", atomically: true, encoding: .utf8)
        do {
            try await start("/usr/sbin/munged", ["--force", "--socket=\(socket)", "--key-file=\(dir)/munge.key",
                                           "--pid-file=\(dir)/munge/munged.pid", "--log-file=\(dir)/log/munged.log",
                                           "--seed-file=\(dir)/munge/seed"], pidFile: dir + "/munge/munged.pid")
            try await waitFor("munged socket", seconds: 15) { fm.fileExists(atPath: socket) }
            try await start("/usr/sbin/slurmctld", ["-c", "-i", "-f", conf], pidFile: dir + "/slurmctld.pid")
            try await start("/usr/sbin/slurmd", ["-N", "emnode", "-f", conf], pidFile: dir + "/slurmd.pid")
            try await waitFor("node emnode idle", seconds: 30) {
                ((try? await self.client("sinfo", ["-h", "-o", "%T"]))?.stdout ?? "").contains("idle")
            }
        } catch {
            let message = "\(error)\n" + logs()
            stop()
            throw TestFailure(message)
        }
    }

    deinit { stop() }

    /// Start a daemon (it forks and its launcher exits) and record the PID it writes to `pidFile`.
    private func start(_ program: String, _ arguments: [String], pidFile: String) async throws {
        let name = URL(fileURLWithPath: program).lastPathComponent
        // A launcher returns once its daemon is up; on a loaded 2-core machine (the whole suite at once) munged
        // was seen to need more than 30 s for that, so starting gets a longer bound than client commands.
        let launcher = SchedulerCommand(timeout: 120, environment: ["SLURM_CONF": conf])
        let out = try await launcher.output(program, arguments)
        guard out.exitStatus == 0 else { throw TestFailure("\(name) exited with status \(String(describing: out.exitStatus)): \(out.stderr)") }
        try await waitFor("\(name) PID file", seconds: 15) {
            guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
                  let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), Self.isAlive(pid) else { return false }
            pids.append(pid)
            return true
        }
    }

    /// Whether `pid` runs (exists and is not a zombie: this container's init may not reap daemons).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Stop every daemon this cluster started (SIGTERM by PID, SIGKILL after 5 s), newest first, and remove
    /// the folder. Safe to call more than once.
    func stop() {
        for pid in pids.reversed() where Self.isAlive(pid) {
            kill(pid, SIGTERM)
            let deadline = Date().addingTimeInterval(5)
            while Self.isAlive(pid) && Date() < deadline { usleep(50_000) }
            if Self.isAlive(pid) {
                kill(pid, SIGKILL)
                while Self.isAlive(pid) { usleep(50_000) }
            }
        }
        pids.removeAll()
        TestEnv.removeTemporary(dir)
    }

    /// Run a Slurm client with this cluster's configuration.
    @discardableResult
    func client(_ program: String, _ arguments: [String]) async throws -> CommandOutput {
        try await command.output(program, arguments)
    }

    /// Submit a batch job; returns its id.
    func sbatch(_ arguments: [String]) async throws -> String {
        let r = try await client("sbatch", ["--parsable", "-o", "/dev/null", "-e", "/dev/null"] + arguments)
        guard r.exitStatus == 0, let id = r.stdout.split(separator: ";").first?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
            throw TestFailure("sbatch \(arguments) failed: \(r.stderr)")
        }
        return id
    }

    /// The job's state word as `squeue -t all` shows it, or nil once it is no longer listed.
    func state(_ id: String) async throws -> String? {
        let s = try await client("squeue", ["-h", "-t", "all", "-j", id, "-o", "%T"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return s.isEmpty ? nil : s
    }

    /// Wait until `condition` holds, checking every 0.5 s, or throw after `seconds`.
    func waitFor(_ what: String, seconds: Double, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return }
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        throw TestFailure("timed out after \(Int(seconds)) s waiting for \(what)")
    }

    /// Remove a job's line from the job-completion file, in place (slurmctld keeps appending to the same file).
    func forgetCompletion(of id: String) throws {
        let text = try String(contentsOfFile: jobCompletionFile, encoding: .utf8)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.hasPrefix("JobId=\(id) ") }
        let h = try FileHandle(forUpdating: URL(fileURLWithPath: jobCompletionFile))
        try h.truncate(atOffset: 0)
        try h.write(contentsOf: Data((kept.map { $0 + "\n" }.joined()).utf8))
        try h.close()
    }

    /// The daemons' logs, for a failure message.
    func logs() -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/log")) ?? []
        return files.sorted().map { f in
            let t = (try? String(contentsOfFile: dir + "/log/" + f, encoding: .utf8)) ?? ""
            return "--- \(f)\n" + t.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// A TCP port on 127.0.0.1 that is free now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestFailure("bind() failed") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
