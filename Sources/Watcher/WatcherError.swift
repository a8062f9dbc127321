import Foundation

/// Errors of the Watcher, each one line naming the file or service and what to do.
/// Messages never contain the Slack token.
public enum WatcherError: Error, Equatable, CustomStringConvertible {
    /// A `default_pipeline.star` that cannot be read.
    case pipeline(path: String, problem: String)
    /// The state database cannot be opened, read or written.
    case database(path: String, problem: String)
    /// A configuration problem (`emwatch init` not run, a bad value).
    case config(String)
    /// A project given to `project add` or `--project` that is not usable.
    case project(String)
    /// Slack answered `ok:false` with this error name for `method`.
    case slack(method: String, error: String)
    /// Slack could not be reached or answered badly (network, HTTP status, malformed reply): worth retrying.
    case slackTransport(method: String, problem: String)
    /// Slack asked to slow down (HTTP 429) for this many seconds.
    case slackRateLimited(method: String, retryAfter: Int)
    /// Another run holds the run lock.
    case locked(String)
    /// A test hook (EMWATCH_CRASH_AT) or other internal problem.
    case other(String)

    public var description: String {
        switch self {
        case let .pipeline(path, problem): return "\(path): \(problem)"
        case let .database(path, problem): return "state database \(path): \(problem)"
        case let .config(m): return m
        case let .project(m): return m
        case let .slack(method, error): return "Slack \(method) failed: \(error)\(SlackErrorHelp.hint(error))"
        case let .slackTransport(method, problem): return "Slack \(method): \(problem)"
        case let .slackRateLimited(method, s): return "Slack \(method): rate limited, retry after \(s) s"
        case let .locked(m): return m
        case let .other(m): return m
        }
    }

    /// True when trying again later may succeed (network, 5xx, 429, timeouts).
    public var isTransient: Bool {
        switch self {
        case .slackTransport, .slackRateLimited: return true
        case let .slack(_, e): return ["ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"].contains(e)
        default: return false
        }
    }

    /// True for a Slack refusal of one message (`msg_too_long`, `invalid_blocks`): other messages may still go.
    public var isMessageSpecific: Bool {
        if case .slack = self { return !stopsSending && !isTransient }
        return false
    }

    /// True when no message can be sent with this configuration (bad token, missing scope, unknown user).
    public var stopsSending: Bool {
        switch self {
        case let .slack(_, e):
            return ["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "missing_scope",
                    "user_not_found", "channel_not_found", "not_in_channel", "no_permission", "team_access_not_granted",
                    "cannot_dm_bot", "user_disabled", "invalid_arguments"].contains(e)
        default: return isTransient
        }
    }
}

/// One-line hints for the Slack errors a user can fix.
enum SlackErrorHelp {
    static func hint(_ error: String) -> String {
        switch error {
        case "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive":
            return " (the bot token is wrong or revoked: run `emwatch config --token-file FILE`)"
        case "missing_scope":
            return " (give the Slack app the scopes chat:write, im:write, im:history, files:write)"
        case "user_not_found":
            return " (the member ID is wrong: run `emwatch config --member U…`)"
        case "channel_not_found":
            return " (the DM channel is unknown: check the member ID and that the app is installed)"
        default: return ""
        }
    }
}
