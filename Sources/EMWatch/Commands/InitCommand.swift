import ArgumentParser
import Foundation
import Watcher

/// Settings shared by `init` and `config`.
struct SettingsOptions: ParsableArguments {
    @Option(help: "File holding the Slack bot token (xoxb-…), mode 0600.")
    var tokenFile: String?

    @Flag(help: "Read the Slack bot token from standard input.")
    var tokenStdin = false

    @Option(help: "Your Slack member ID (U… or W…; Slack profile → ⋯ → Copy member ID).")
    var member: String?

    @Option(help: "How maps are drawn: projection or slice.")
    var picture: PictureStyle?

    @Option(help: "Job types not to report, comma-separated (kinds like select,joinstar or labels like relion.external).")
    var ignore: String?

    @Option(help: "Seconds after which a run still holding the lock is stopped by the next run (default 3600).")
    var staleLock: Int?

    func validate() throws {
        if tokenFile != nil && tokenStdin { throw ValidationError("give --token-file or --token-stdin, not both") }
        if let m = member, !(m.hasPrefix("U") || m.hasPrefix("W")) || m.count < 5 || m.contains(where: { !$0.isLetter && !$0.isNumber }) {
            throw ValidationError("--member must be a Slack member ID like U012AB3CD")
        }
        if let s = staleLock, s < 60 { throw ValidationError("--stale-lock must be at least 60 seconds") }
    }

    /// Apply the options given to `config`.
    func apply(to config: inout WatcherConfig) throws {
        if let f = tokenFile { config.token = try readToken(file: f) }
        if tokenStdin { config.token = try readTokenFromStdin() }
        if let m = member { config.memberID = m }
        if let p = picture { config.pictureStyle = p }
        if let i = ignore {
            config.ignoredTypes = i.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        }
        if let s = staleLock { config.staleLockSeconds = s }
    }
}

extension PictureStyle: ExpressibleByArgument {}

/// `emwatch init`: create the state database and store the Slack settings.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the state database and store the Slack bot token and your member ID.",
        discussion: "Example: emwatch init --token-file ~/.slack-token --member U012AB3CD"
    )

    @OptionGroup var db: DatabaseOption
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        try reportingErrors {
            let store = try db.open()
            let config = try store.write { d -> WatcherConfig in
                var c = try WatcherConfig.load(d)
                try settings.apply(to: &c)
                try c.save(d)
                return c
            }
            print("state database: \(store.path)")
            print(config)
            if config.token == nil || config.memberID == nil {
                print("next: give the missing settings with `emwatch config --token-file FILE --member U…`")
            } else {
                print("next: `emwatch test-slack`, then `emwatch project add PATH`")
            }
        }
    }
}

/// `emwatch config`: show or change the settings.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the settings, or change those given (the token is never shown).",
        discussion: "Example: emwatch config --picture slice --ignore select,joinstar"
    )

    @OptionGroup var db: DatabaseOption
    @OptionGroup var settings: SettingsOptions

    func run() throws {
        try reportingErrors {
            let store = try db.open()
            let config = try store.write { d -> WatcherConfig in
                var c = try WatcherConfig.load(d)
                let old = c
                try settings.apply(to: &c)
                if c.memberID != old.memberID { c.dmChannel = nil; c.dmChannelMember = nil }
                if c != old { try c.save(d) }
                return c
            }
            print(config)
        }
    }
}
