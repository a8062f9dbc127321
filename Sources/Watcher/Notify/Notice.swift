import Foundation

/// One thing to tell the user: it becomes one Slack message (text and Block Kit sections), with its
/// attachments uploaded into that message's thread. Every source of news (RELION jobs, queue jobs, disks,
/// EPU sessions) produces Notices; the outbox stores each one before anything is sent.
public struct Notice: Codable, Equatable, Sendable {
    /// Stable identity of the event. The outbox keeps each key once, so the same event found by two runs
    /// (or by a run repeated after a crash) is never queued or sent twice. Built from what identifies the
    /// event on disk, e.g. `relion|<project>|Refine3D/job012/|finished`.
    public var key: String
    /// Where the news comes from.
    public var source: NoticeSource
    /// One line, shown first and used as the notification text, e.g.
    /// `Refine3D/job012 (final_map): Running → Finished`.
    public var title: String
    /// Further lines of text (Slack mrkdwn), in order.
    public var lines: [String]
    /// Name–value pairs shown as a compact table (e.g. `Resolution` = `3.41 Å`).
    public var fields: [NoticeField]
    /// Pictures and documents to upload into the message's thread.
    public var attachments: [NoticeAttachment]
    /// When the event happened (file time of the marker, or when it was seen), shown in the message, so
    /// that a message delivered late by a retry still says when the event happened.
    public var occurredAt: Date

    public init(key: String, source: NoticeSource, title: String, lines: [String] = [], fields: [NoticeField] = [],
                attachments: [NoticeAttachment] = [], occurredAt: Date) {
        self.key = key
        self.source = source
        self.title = title
        self.lines = lines
        self.fields = fields
        self.attachments = attachments
        self.occurredAt = occurredAt
    }
}

/// The kind of thing a Notice is about.
public enum NoticeSource: String, Codable, Sendable {
    case relion, queue, disk, epu, system
}

/// A name–value pair of a Notice (`Resolution`, `3.41 Å`).
public struct NoticeField: Codable, Equatable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) { self.name = name; self.value = value }
}

/// A file uploaded into the thread of a Notice's message: its bytes are kept with the Notice, so a retry
/// on a later run uploads exactly what was made when the event was seen.
public struct NoticeAttachment: Codable, Equatable, Sendable {
    /// File name shown in Slack, e.g. `Refine3D_job012_fsc.png`.
    public var filename: String
    /// Title shown above the picture.
    public var title: String
    /// The file's bytes (PNG, PDF, …).
    public var data: Data

    public init(filename: String, title: String, data: Data) {
        self.filename = filename
        self.title = title
        self.data = data
    }
}
