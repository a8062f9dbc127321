import Foundation
import Subprocess

/// Why a scheduler command gave no usable answer. Each message is one line naming the command.
public enum QueueError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The program is not installed or not on PATH (e.g. `squeue` on a machine without Slurm).
    case commandNotFound(String)
    /// The command ran longer than the allowed seconds and was stopped.
    case timedOut(command: String, seconds: Double)
    /// The command exited with a non-zero status (or a signal); `message` is the first line of its stderr.
    case failed(command: String, status: String, message: String)
    /// The command's output is not in the documented format.
    case unreadableOutput(command: String, problem: String)

    public var description: String {
        switch self {
        case .commandNotFound(let c): "\(c): command not found (is the scheduler's client installed and on PATH?)"
        case .timedOut(let c, let s): "\(c): no answer within \(Int(s)) s, stopped"
        case .failed(let c, let status, let m): "\(c): failed (\(status))" + (m.isEmpty ? "" : ": \(m)")
        case .unreadableOutput(let c, let p): "\(c): unreadable output: \(p)"
        }
    }
}

/// What a finished command printed.
public struct CommandOutput: Sendable {
    /// Standard output and standard error, as text.
    public var stdout: String
    public var stderr: String
    /// Exit status; nil when it died of a signal.
    public var exitStatus: Int32?
}

/// Runs scheduler commands (`squeue`, `qstat`, `bjobs`, …) through swift-subprocess with a timeout, with the
/// environment of this process plus `environment` (e.g. `SLURM_CONF`). Output is capped at `outputLimit` bytes.
public struct SchedulerCommand: Sendable {
    /// Seconds a command may run before it is stopped (SIGTERM, then SIGKILL).
    public var timeout: Double
    /// Extra environment variables for every command.
    public var environment: [String: String]
    /// Largest accepted output in bytes (a queue of 100 000 jobs in JSON is about 300 MB; the default 256 MB).
    public var outputLimit: Int

    public init(timeout: Double = 60, environment: [String: String] = [:], outputLimit: Int = 256 << 20) {
        self.timeout = timeout; self.environment = environment; self.outputLimit = outputLimit
    }

    /// Run `program` with `arguments` and return its output whatever its exit status.
    /// - Throws: `QueueError.commandNotFound` or `.timedOut`.
    public func output(_ program: String, _ arguments: [String]) async throws -> CommandOutput {
        let shown = ([program] + arguments).joined(separator: " ")
        let env = Environment.inherit.updating(Dictionary(uniqueKeysWithValues: environment.map {
            (Environment.Key(stringLiteral: $0.key), Optional($0.value))
        }))
        let executable: Executable = program.contains("/") ? .path(.init(program)) : .name(program)
        let limit = outputLimit, seconds = timeout
        return try await withThrowingTaskGroup(of: CommandOutput?.self) { group in
            group.addTask {
                do {
                    let r = try await Subprocess.run(executable, arguments: Arguments(arguments), environment: env,
                                                     output: .string(limit: limit), error: .string(limit: 1 << 20))
                    var status: Int32? = nil
                    if case .exited(let code) = r.terminationStatus { status = code }
                    return CommandOutput(stdout: r.standardOutput, stderr: r.standardError, exitStatus: status)
                } catch let e as SubprocessError {
                    if e.code == .executableNotFound {
                        throw QueueError.commandNotFound(program)
                    }
                    if e.code == .outputLimitExceeded {
                        throw QueueError.unreadableOutput(command: shown, problem: "more than \(limit) bytes of output")
                    }
                    throw QueueError.failed(command: shown, status: "could not run", message: "\(e)")
                }
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let out = first else { throw QueueError.timedOut(command: shown, seconds: seconds) }
            return out
        }
    }

    /// Run and require exit status 0; returns stdout.
    /// - Throws: `QueueError.failed` with the first line of stderr, or what `output` throws.
    public func run(_ program: String, _ arguments: [String]) async throws -> String {
        let out = try await output(program, arguments)
        guard out.exitStatus == 0 else {
            let status = out.exitStatus.map { "exit status \($0)" } ?? "killed by a signal"
            throw QueueError.failed(command: ([program] + arguments.prefix(3)).joined(separator: " "), status: status,
                                    message: Self.firstLine(out.stderr))
        }
        return out.stdout
    }

    /// First non-empty line of `text`, trimmed, at most 300 characters.
    static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        return String(line.trimmingCharacters(in: .whitespaces).prefix(300))
    }
}
