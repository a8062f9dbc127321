/// The kinds of news sources a run asks, in this order. RELION projects come first; the queue, disk and
/// EPU sources add their types here.
public enum NewsSources {
    /// Every kind of source; each kind's `configured(in:context:)` says which instances exist.
    nonisolated(unsafe) public static var kinds: [any NewsSource.Type] = [
        RelionProjectSource.self, QueueNewsSource.self, DiskNewsSource.self, EPUNewsSource.self,
    ]
}
