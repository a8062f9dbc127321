import GRDB

extension StateStore {
    /// The migrations of the core tables, then those of every kind of news source (`NewsSources.kinds`).
    /// Migrations are never edited once shipped: add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("core-v1") { db in
            try db.create(table: "config") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "project") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull().unique()
                t.column("path", .text).notNull().unique()
                t.column("addedAt", .datetime).notNull()
                t.column("pipelineMtime", .integer)
                t.column("lastError", .text)
            }
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("key", .text).notNull().unique()
                t.column("source", .text).notNull()
                t.column("title", .text).notNull()
                t.column("notice", .blob).notNull()
                t.column("occurredAt", .datetime).notNull()
                t.column("createdAt", .datetime).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("lastError", .text)
                t.column("lastAttemptAt", .datetime)
                t.column("sendingSince", .datetime)
                t.column("channel", .text)
                t.column("ts", .text)
                t.column("sentAt", .datetime)
            }
            try db.create(table: "outbox_file") { t in
                t.column("outboxId", .integer).notNull().references("outbox", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("filename", .text).notNull()
                t.column("title", .text).notNull()
                t.column("data", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("fileId", .text)
                t.primaryKey(["outboxId", "position"])
            }
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .datetime).notNull()
                t.column("finishedAt", .datetime)
                t.column("pid", .integer).notNull()
                t.column("host", .text).notNull()
                t.column("mode", .text).notNull()
                t.column("detected", .integer).notNull().defaults(to: 0)
                t.column("sent", .integer).notNull().defaults(to: 0)
                t.column("problems", .text)
            }
        }
        for kind in NewsSources.kinds { kind.registerMigrations(&m) }
        return m
    }
}
