/// Exact order statistics (the k-th smallest values) of Float data by radix selection.
///
/// Each finite value is mapped to a UInt32 key that sorts as the value does (sign bit flipped for positive
/// values, all bits flipped for negative ones). The keys' top 11 bits are counted in a first pass (spread
/// over the cores; the keys are not stored), the keys of the buckets holding the wanted ranks are gathered
/// in one more pass, and their middle 11 and low 10 bits are counted the same way, which gives each exact
/// key. Every pass is a straight loop; the
/// counts are kept in four interleaved tables so that runs of equal values (a flat background) do not chain
/// every increment on the same counter. A 512² picture costs a fraction of a millisecond, whatever its
/// values, where quickselect's data-dependent swaps cost several.
struct OrderStatistics {
    /// The values (shared with the caller's array, not copied) and the sampling step.
    private let values: [Float]
    private let step: Int
    /// Counts of the finite values' keys' top 11 bits.
    private let top: [Int]

    /// The number of finite values taken.
    let count: Int

    /// Order statistics of the finite values of `values`, taking every `step`-th value. The first counting
    /// pass runs here, over all cores for large inputs; no copy of the values is made.
    init(_ values: [Float], step: Int = 1) {
        let step = max(1, step)
        self.values = values
        self.step = step
        let slots = (values.count + step - 1) / step
        let partial: [[Int]] = values.withUnsafeBufferPointer { v in
            Parallel.mapChunks(count: slots, minChunk: 1 << 17) { r in
                Self.counts(r.count) { i in
                    let x = v[(r.lowerBound + i) * step]
                    return x.isFinite ? Self.key(x) >> 21 : nil
                }
            }
        }
        var top = partial.first ?? [Int](repeating: 0, count: 1 << 11)
        for p in partial.dropFirst() { for i in top.indices { top[i] += p[i] } }
        self.top = top
        count = top.reduce(0, +)
    }

    @inline(__always) static func key(_ v: Float) -> UInt32 {
        let b = v.bitPattern
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }

    @inline(__always) static func value(_ k: UInt32) -> Float {
        Float(bitPattern: k & 0x8000_0000 != 0 ? k & 0x7FFF_FFFF : ~k)
    }

    /// The values a sort would put at each of `ranks` (0-based, each in `0 ..< count`), in the same order.
    /// -0 and +0 are kept apart (−0 first), which a sort of the values may order either way; their value
    /// is the same.
    func values(atRanks ranks: [Int]) -> [Float] {
        precondition(ranks.allSatisfy { $0 >= 0 && $0 < count }, "OrderStatistics: rank outside the data")
        guard !ranks.isEmpty else { return [] }
        let located = ranks.map { Self.bucket(of: $0, in: top) }
        var buckets: [Int] = []
        for (b, _) in located where !buckets.contains(b) { buckets.append(b) }
        let gathered = gather(buckets)
        var result = [Float](repeating: 0, count: ranks.count)
        for (g, bucket) in buckets.enumerated() {
            gathered[g].withUnsafeBufferPointer { c in
                // Middle bits once per bucket, low bits once per middle bucket: ranks next to each other
                // (a quantile's two neighbours) share both.
                let middle = Self.counts(c, shift: 10, bits: 11)
                var lowTables: [Int: [Int]] = [:]
                for (i, (rank, place)) in zip(ranks, located).enumerated() where place.0 == bucket {
                    let inBucket = rank - place.1
                    let (m, belowM) = Self.bucket(of: inBucket, in: middle)
                    let prefix = UInt32(bucket) << 11 | UInt32(m)
                    if lowTables[m] == nil { lowTables[m] = Self.counts(c, shift: 0, bits: 10, prefix: prefix, prefixShift: 10) }
                    let (l, _) = Self.bucket(of: inBucket - belowM, in: lowTables[m]!)
                    result[i] = Self.value(prefix << 10 | UInt32(l))
                }
            }
        }
        return result
    }

    /// The keys of each top bucket in `buckets`, in one pass over the values.
    private func gather(_ buckets: [Int]) -> [[UInt32]] {
        var slot = [Int16](repeating: -1, count: 1 << 11)
        for (i, b) in buckets.enumerated() { slot[b] = Int16(i) }
        let sizes = buckets.map { top[$0] }
        var offsets = [Int](repeating: 0, count: buckets.count + 1)
        for i in sizes.indices { offsets[i + 1] = offsets[i] + sizes[i] }
        let step = self.step
        let flat = [UInt32](unsafeUninitializedCapacity: offsets.last!) { out, initialized in
            var cursor = Array(offsets.dropLast())
            values.withUnsafeBufferPointer { v in
                slot.withUnsafeBufferPointer { sl in
                    cursor.withUnsafeMutableBufferPointer { cur in
                        var i = 0
                        while i < v.count {
                            let x = v[i]
                            i += step
                            guard x.isFinite else { continue }
                            let k = Self.key(x)
                            let s = Int(sl[Int(k >> 21)])
                            if s >= 0 { out[cur[s]] = k; cur[s] += 1 }
                        }
                    }
                }
            }
            initialized = offsets.last!
        }
        return buckets.indices.map { Array(flat[offsets[$0] ..< offsets[$0 + 1]]) }
    }

    /// Counts of the buckets `bucket(i)` returns for `i` in `0 ..< n` (nil: not counted), buckets below
    /// 2^`bits`, in four interleaved tables added at the end.
    @inline(__always)
    private static func counts(_ n: Int, bits: Int = 11, _ bucket: (Int) -> UInt32?) -> [Int] {
        let size = 1 << bits
        var tables = [UInt32](repeating: 0, count: 4 * size)
        tables.withUnsafeMutableBufferPointer { t in
            let t0 = t.baseAddress!, t1 = t0 + size, t2 = t1 + size, t3 = t2 + size
            var i = 0
            while i + 4 <= n {
                if let b = bucket(i) { t0[Int(b)] &+= 1 }
                if let b = bucket(i + 1) { t1[Int(b)] &+= 1 }
                if let b = bucket(i + 2) { t2[Int(b)] &+= 1 }
                if let b = bucket(i + 3) { t3[Int(b)] &+= 1 }
                i += 4
            }
            while i < n { if let b = bucket(i) { t0[Int(b)] &+= 1 }; i += 1 }
        }
        return (0 ..< size).map { Int(tables[$0]) + Int(tables[size + $0]) + Int(tables[2 * size + $0]) + Int(tables[3 * size + $0]) }
    }

    /// Counts of bits `shift ..< shift + bits` of the keys (only those whose bits from `prefixShift` up equal
    /// `prefix`, when given).
    private static func counts(_ keys: UnsafeBufferPointer<UInt32>, shift: UInt32, bits: Int,
                               prefix: UInt32? = nil, prefixShift: UInt32 = 32) -> [Int] {
        let mask = UInt32(1 << bits - 1)
        if let p = prefix {
            return counts(keys.count, bits: bits) { i in keys[i] >> prefixShift == p ? (keys[i] >> shift) & mask : nil }
        }
        return counts(keys.count, bits: bits) { i in (keys[i] >> shift) & mask }
    }

    /// The bucket holding rank `rank` and the number of values in the buckets below it.
    private static func bucket(of rank: Int, in counts: [Int]) -> (Int, Int) {
        var below = 0
        for (b, n) in counts.enumerated() {
            if rank < below + n { return (b, below) }
            below += n
        }
        preconditionFailure("OrderStatistics: rank beyond the counts")
    }
}
