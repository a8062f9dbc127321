import Dispatch
import Dispatch
import FoundationEssentials
import Glibc

/// Splitting work over the machine's cores with Dispatch.
public enum Parallel {
    /// Number of worker threads to use: `EMTOOLS_THREADS` if set to a positive number, else the active core count.
    /// Read once per process (every parallel loop asks, and building `ProcessInfo.environment` is not free).
    public static var threadCount: Int { configuredThreadCount }

    private static let configuredThreadCount: Int = {
        if let s = getenv("EMTOOLS_THREADS").map({ String(cString: $0) }), let n = Int(s), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Run `body(range)` over `0..<count` split into contiguous chunks, concurrently. Chunks are at least
    /// `minChunk` long so that tiny jobs stay on one thread.
    public static func forEachChunk(count: Int, minChunk: Int = 1 << 14, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = chunkRanges(count: count, minChunk: minChunk)
        if chunks.count == 1 { body(chunks[0]); return }
        DispatchQueue.concurrentPerform(iterations: chunks.count) { i in body(chunks[i]) }
    }

    /// Map each chunk of `0..<count` to a partial result concurrently, returning the partial results in order.
    public static func mapChunks<T>(count: Int, minChunk: Int = 1 << 14, _ body: (Range<Int>) -> T) -> [T] {
        guard count > 0 else { return [] }
        let chunks = chunkRanges(count: count, minChunk: minChunk)
        var results = [T?](repeating: nil, count: chunks.count)
        results.withUnsafeMutableBufferPointer { out in
            let outPtr = out
            DispatchQueue.concurrentPerform(iterations: chunks.count) { i in outPtr[i] = body(chunks[i]) }
        }
        return results.map { $0! }
    }

    /// Contiguous chunk ranges covering `0..<count`: a few per thread for load balance.
    public static func chunkRanges(count: Int, minChunk: Int) -> [Range<Int>] {
        let threads = threadCount
        let wanted = threads == 1 ? 1 : threads * 4
        let n = max(1, min(wanted, count / max(1, minChunk)))
        let size = (count + n - 1) / n
        return stride(from: 0, to: count, by: size).map { $0 ..< min($0 + size, count) }
    }
}
