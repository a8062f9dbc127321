import ArgumentParser
import Foundation
import Watcher

/// `emwatch test-slack`: check the token and send a test message.
struct TestSlackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-slack",
        abstract: "Check the Slack token (auth.test), open the DM and send a test message."
    )

    @OptionGroup var db: DatabaseOption
    @Option(help: "Slack Web API base URL (default $EMWATCH_SLACK_URL or https://slack.com/api/).") var slackURL: String?
    @Option(help: "Seconds to wait for one Slack request.") var timeout: Int = 30

    func run() throws {
        try reportingErrors {
            let store = try db.open()
            let config = try store.read(WatcherConfig.load)
            guard let token = config.token else { throw WatcherError.config("no Slack token set: run `emwatch init --token-file FILE`") }
            guard let member = config.memberID else { throw WatcherError.config("no member ID set: run `emwatch init --member U…`") }
            let slack = SlackClient(token: token, baseURL: SlackClient.baseURL(option: slackURL), http: HTTPClient(timeout: timeout))
            let who = try slack.authTest()
            print("token works: bot \(who.user) in workspace \(who.team)")
            let channel = try slack.openDM(member: member)
            try store.write { db in
                var c = try WatcherConfig.load(db)
                c.dmChannel = channel
                c.dmChannelMember = member
                try c.save(db)
            }
            let host = HostName.current
            let n = Notice(key: "test|\(UUID().uuidString)", source: .system, title: "emwatch on \(host) can reach you",
                           lines: ["This is a test message from `emwatch test-slack`."], occurredAt: Date())
            let ts = try slack.postMessage(channel: channel, text: SlackMessage.text(n, sentAt: n.occurredAt),
                                           blocks: SlackMessage.blocks(n, queuedAt: n.occurredAt, sentAt: n.occurredAt), noticeKey: n.key)
            print("test message sent to \(member) (channel \(channel), ts \(ts))")
        }
    }
}
