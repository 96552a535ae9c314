// Seeded generator of synthetic instances shaped like the real contest ones, streamed straight to
// a JSON file. Depends only on Glibc (Darwin) and `SeededRNG`, not on other Model types.
//
// Shape (modelled on the contest's instances):
// - Nodes in topological order on a timeline of `nodes` steps; node i starts at time i. Most
//   intervals are short; ~25% of the first-half nodes are "activations" that live until the mirrored
//   backward time (so memory peaks mid-timeline); ~3% are long-lived (most of the rest of the
//   timeline); ~1.5% are empty `[0,0]`.
// - Strategy counts: a share of 1-strategy nodes, the rest from a tilted distribution on
//   2...maxStrategies, correlated along "layers" of consecutive nodes; the overall mean is
//   `meanStrategies` in expectation.
// - Usages are powers of two (times 1 or 1.5) between 1 KiB and 1e8, divided by 2^d per strategy
//   ("shard level" d); node costs 0...1e6 and higher for more sharded (smaller) strategies.
// - Edges: a backbone chain (each node to a nearby earlier node), extra nearby edges, hub fan-outs
//   (dozens to hundreds of edges per hub), ~1% parallel edges (some with the pair reversed).
//   Endpoints prefer nodes with many strategies, so big tables dominate the file like in the
//   real large instances.
// - Edge entries: 0...9_999_999, or exactly 1e18 ("infinite") on about `infiniteFraction` of all
//   entries. Guarantees: every row and every column of every table has a finite entry, namely
//   all entries in rows/columns of minimum-usage strategies are finite, so every
//   minimum-usage solution (any tie-breaking) is finite; with `usage_limit` = tightness x its peak
//   and tightness >= 1, it is also feasible. A second hidden random assignment is finite too, and
//   when both endpoints have the same strategy count, equal indices cost 0 (no resharding).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct SyntheticConfig: Sendable {
    public var nodes: Int
    public var edges: Int
    public var meanStrategies: Double
    public var maxStrategies: Int
    /// Fraction of all edge-table entries that are exactly 1_000_000_000_000_000_000.
    public var infiniteFraction: Double
    /// usage_limit = tightness x (peak of the minimum-usage solution); <= 0 omits usage_limit.
    public var memoryTightness: Double
    public var seed: UInt64
    public var name: String

    public init(
        nodes: Int = 1_000, edges: Int = 1_500, meanStrategies: Double = 20, maxStrategies: Int = 64,
        infiniteFraction: Double = 0.4, memoryTightness: Double = 1.1, seed: UInt64 = 1,
        name: String = "synthetic"
    ) {
        self.nodes = nodes
        self.edges = edges
        self.meanStrategies = meanStrategies
        self.maxStrategies = maxStrategies
        self.infiniteFraction = infiniteFraction
        self.memoryTightness = memoryTightness
        self.seed = seed
        self.name = name
    }

    /// About as large as the largest contest instance: 62k nodes, 91k edges, ~20 strategies per
    /// node on average, about 1.3 GB of JSON.
    public static func largest(seed: UInt64) -> SyntheticConfig {
        SyntheticConfig(
            nodes: 62_000, edges: 91_000, meanStrategies: 20, maxStrategies: 64,
            infiniteFraction: 0.4, memoryTightness: 1.1, seed: seed,
            name: "synthetic-largest-\(seed)")
    }
}

public struct SyntheticSummary: Sendable {
    public var bytes: Int
    public var nodes: Int
    public var edges: Int
    public var strategies: Int
    public var edgeEntries: Int
    public var usageLimit: Int64?
}

public struct SyntheticGeneratorError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Generates the instance described by `config` and streams it as JSON to `path` (overwritten).
/// Deterministic: the same config always gives the same bytes.
public func writeSyntheticInstance(_ config: SyntheticConfig, to path: String) throws
    -> SyntheticSummary
{
    let plan = try GenPlan(config)
    return try plan.write(to: path)
}

// MARK: - Random numbers

/// The synthetic generator's draws beyond `SeededRNG`'s own.
extension SeededRNG {
    @inline(__always) mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponential with the given mean.
    @inline(__always) mutating func exponential(_ mean: Double) -> Double {
        -log(1 - unit()) * mean
    }

    /// Log-uniform integer in lo ... hi (1 <= lo <= hi).
    mutating func logUniform(_ lo: Int, _ hi: Int) -> Int {
        let v = Double(lo) * exp(unit() * log(Double(hi) / Double(lo)))
        return min(hi, max(lo, Int(v)))
    }
}

// MARK: - Plan (everything except edge tables, in compact arrays)

private let genInfinity: UInt64 = 1_000_000_000_000_000_000

private struct GenPlan {
    let config: SyntheticConfig
    let n: Int
    var k: [Int] = []  // strategies per node
    var offset: [Int] = []  // n + 1 strategy offsets
    var lo: [Int] = []
    var hi: [Int] = []
    var cost: [Int64] = []  // flat node costs
    var usage: [Int64] = []  // flat node usages
    var isMin: [UInt8] = []  // flat: 1 when the strategy has its node's minimum usage
    var hidden: [Int] = []  // second hidden assignment, kept finite
    var edgeU: [Int32] = []
    var edgeV: [Int32] = []
    var minUsagePeak: Int64 = 0
    var usageLimit: Int64? = nil
    var edgeEntries = 0
    /// 24-bit threshold: a non-forced entry is infinite when (r >> 40) < infThreshold.
    var infThreshold: UInt64 = 0

    init(_ config: SyntheticConfig) throws {
        guard config.nodes >= 0, config.edges >= 0 else {
            throw SyntheticGeneratorError("nodes and edges must be >= 0")
        }
        guard config.nodes < Int(Int32.max) else {
            throw SyntheticGeneratorError("too many nodes")
        }
        guard config.edges == 0 || config.nodes >= 2 else {
            throw SyntheticGeneratorError("edges need at least 2 nodes")
        }
        guard config.maxStrategies >= 1 else {
            throw SyntheticGeneratorError("maxStrategies must be >= 1")
        }
        guard config.meanStrategies.isFinite, config.infiniteFraction.isFinite,
            config.memoryTightness.isFinite
        else {
            throw SyntheticGeneratorError("parameters must be finite numbers")
        }
        self.config = config
        self.n = config.nodes
        makeStrategyCounts()
        makeIntervals()
        makeUsagesAndCosts()
        computePeakAndLimit()
        makeEdges()
        computeInfiniteThreshold()
    }

    // MARK: Strategy counts

    /// Cumulative distribution over k = 2 ... maxK, exponentially tilted to have mean `target`.
    static func multiCDF(target: Double, maxK: Int) -> [Double] {
        let count = maxK - 1  // values 2 ... maxK
        func weights(_ lambda: Double) -> [Double] {
            (0..<count).map { exp(-lambda * Double($0) / Double(max(1, count - 1))) }
        }
        func mean(_ w: [Double]) -> Double {
            var s = 0.0
            var m = 0.0
            for (i, x) in w.enumerated() {
                s += x
                m += x * Double(i + 2)
            }
            return m / s
        }
        var w: [Double]
        if target <= 2 {
            w = [1] + [Double](repeating: 0, count: count - 1)
        } else if target >= Double(maxK) {
            w = [Double](repeating: 0, count: count - 1) + [1]
        } else {
            var a = -60.0
            var b = 60.0
            for _ in 0..<100 {
                let mid = (a + b) / 2
                if mean(weights(mid)) > target { a = mid } else { b = mid }
            }
            w = weights((a + b) / 2)
        }
        let total = w.reduce(0, +)
        var cdf: [Double] = []
        var acc = 0.0
        for x in w {
            acc += x / total
            cdf.append(acc)
        }
        cdf[cdf.count - 1] = 1
        return cdf
    }

    mutating func makeStrategyCounts() {
        var rng = SeededRNG(seed: config.seed, stream: 1)
        let maxK = config.maxStrategies
        k = [Int](repeating: 1, count: n)
        if maxK >= 2 {
            let mean = min(max(config.meanStrategies, 1), Double(maxK))
            var ones = 0.4
            var multiMean = (mean - ones) / (1 - ones)
            if multiMean < 2 {
                ones = 2 - mean
                multiMean = 2
            } else if multiMean > Double(maxK) {
                ones = (Double(maxK) - mean) / Double(maxK - 1)
                multiMean = Double(maxK)
            }
            let cdf = GenPlan.multiCDF(target: multiMean, maxK: maxK)
            func draw(_ rng: inout SeededRNG) -> Int {
                let u = rng.unit()
                var a = 0
                var b = cdf.count - 1
                while a < b {
                    let m = (a + b) / 2
                    if cdf[m] > u { b = m } else { a = m + 1 }
                }
                return a + 2
            }
            var layerLeft = 0
            var layerK = 2
            for i in 0..<n {
                if layerLeft == 0 {
                    layerLeft = 4 + rng.below(40)
                    layerK = draw(&rng)
                }
                layerLeft -= 1
                if rng.chance(ones) {
                    k[i] = 1
                } else if rng.chance(0.8) {
                    k[i] = layerK
                } else {
                    k[i] = draw(&rng)
                }
            }
        }
        offset = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { offset[i + 1] = offset[i] + k[i] }
    }

    // MARK: Intervals

    mutating func makeIntervals() {
        var rng = SeededRNG(seed: config.seed, stream: 2)
        let t = n  // timeline 0 ..< n; node i starts at i
        lo = [Int](repeating: 0, count: n)
        hi = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let r = rng.unit()
            if r < 0.015 {
                continue  // [0, 0]
            }
            var h: Int
            if r < 0.045 {
                // Long-lived: most of the rest of the timeline.
                h = i + Int(Double(t - i) * (0.7 + 0.3 * rng.unit()))
            } else if r < 0.295 && i < t / 2 {
                // Activation kept for the mirrored backward step.
                h = t - i + rng.below(9) - 4
            } else {
                h = i + 1 + min(60, Int(rng.exponential(3)))
            }
            h = min(t, max(i + 1, h))
            lo[i] = i
            hi[i] = h
        }
    }

    // MARK: Usages, costs, minimum-usage flags, hidden assignment

    mutating func makeUsagesAndCosts() {
        var rng = SeededRNG(seed: config.seed, stream: 3)
        let total = offset[n]
        usage = [Int64](repeating: 0, count: total)
        cost = [Int64](repeating: 0, count: total)
        isMin = [UInt8](repeating: 0, count: total)
        hidden = [Int](repeating: 0, count: n)
        var level = [Int](repeating: 0, count: config.maxStrategies)
        for i in 0..<n {
            let ki = k[i]
            let base = offset[i]
            // Usages.
            if rng.chance(0.04) {
                // All zero (e.g. views / reshapes).
            } else {
                let e = 10 + rng.below(17)  // 2^10 ... 2^26
                var b = Int64(1) << Int64(e)
                if rng.chance(0.3) { b += b / 2 }
                b = min(b, 100_000_000)
                let maxLevel = min(6, e - 10)
                for s in 0..<ki {
                    let d = ki == 1 ? 0 : rng.below(maxLevel + 1)
                    level[s] = d
                    usage[base + s] = b >> Int64(d)
                }
            }
            // Costs: more sharded (smaller) strategies cost more.
            if !rng.chance(0.25) {
                let c = rng.logUniform(1, 700_000)
                for s in 0..<ki {
                    let d = usage[base + s] == 0 ? rng.below(4) : level[s]
                    let v = c + c * d / 2 + rng.below(c / 4 + 1)
                    cost[base + s] = Int64(min(1_000_000, v))
                }
            }
            for s in 0..<ki { level[s] = 0 }
            // Minimum-usage strategies (all ties).
            var m = Int64.max
            for s in 0..<ki { m = min(m, usage[base + s]) }
            for s in 0..<ki where usage[base + s] == m { isMin[base + s] = 1 }
            hidden[i] = rng.below(ki)
        }
    }

    mutating func computePeakAndLimit() {
        var delta = [Int64](repeating: 0, count: n + 2)
        for i in 0..<n where hi[i] > lo[i] {
            var m = Int64.max
            for s in offset[i]..<offset[i + 1] { m = min(m, usage[s]) }
            delta[lo[i]] += m
            delta[hi[i]] -= m
        }
        var live: Int64 = 0
        var peak: Int64 = 0
        for x in delta {
            live += x
            peak = max(peak, live)
        }
        minUsagePeak = peak
        if config.memoryTightness > 0 {
            let scaled = (Double(peak) * config.memoryTightness).rounded(.down)
            var limit = scaled >= 9.2e18 ? Int64.max : Int64(scaled)
            if config.memoryTightness >= 1 { limit = max(limit, peak) }
            usageLimit = limit
        }
    }

    // MARK: Edges

    mutating func makeEdges() {
        let m = config.edges
        guard m > 0 else { return }
        var rng = SeededRNG(seed: config.seed, stream: 4)
        let maxK = max(1, k.max() ?? 1)
        var us: [Int32] = []
        var vs: [Int32] = []
        us.reserveCapacity(m)
        vs.reserveCapacity(m)
        func add(_ a: Int, _ b: Int) {
            us.append(Int32(min(a, b)))
            vs.append(Int32(max(a, b)))
        }
        // Prefer endpoints with many strategies (acceptance probability (k / maxK)^2), so that
        // big tables dominate the file as in the real large instances.
        let weight = k.map { Double($0 * $0) / Double(maxK * maxK) }
        func accept(_ j: Int, _ rng: inout SeededRNG) -> Bool { rng.unit() < weight[j] }
        func anyWeighted(_ rng: inout SeededRNG) -> Int {
            for _ in 0..<64 {
                let j = rng.below(n)
                if accept(j, &rng) { return j }
            }
            return rng.below(n)
        }
        func offsetDraw(_ rng: inout SeededRNG) -> Int { 1 + min(200, Int(rng.exponential(2.5))) }

        let parallelCount = m >= 20 ? max(1, m / 100) : (m >= 2 ? 1 : 0)
        let hubBudget = Int(Double(m) * 0.18)
        let backbone = min(n - 1, max(0, m - parallelCount - hubBudget))
        let extra = m - parallelCount - hubBudget - backbone

        // Backbone: node i to a nearby earlier node.
        for i in 1..<(backbone + 1) {
            var j = i - 1
            for _ in 0..<16 {
                var d = offsetDraw(&rng)
                if d > i { d = 1 + rng.below(i) }
                if accept(i - d, &rng) {
                    j = i - d
                    break
                }
            }
            add(j, i)
        }
        // Hubs: fan-outs to nodes anywhere on the timeline.
        var hubLeft = hubBudget
        while hubLeft > 0 {
            let h = anyWeighted(&rng)
            let degree = min(hubLeft, rng.logUniform(24, 400))
            for _ in 0..<degree {
                var x = anyWeighted(&rng)
                if x == h { x = (h + 1 + rng.below(n - 1)) % n }
                add(h, x)
            }
            hubLeft -= degree
        }
        // Extra nearby edges between strategy-rich nodes.
        for _ in 0..<extra {
            let u = anyWeighted(&rng)
            var v = -1
            for _ in 0..<16 {
                let d = offsetDraw(&rng)
                var c = rng.chance(0.5) ? u + d : u - d
                if c < 0 || c >= n { c = u + d < n ? u + d : u - d }
                if c < 0 || c >= n || c == u { continue }
                if v < 0 { v = c }
                if accept(c, &rng) {
                    v = c
                    break
                }
            }
            if v < 0 { v = (u + 1 + rng.below(n - 1)) % n }
            add(u, v)
        }
        // Parallel edges: repeat an existing pair, a quarter of them reversed.
        let existing = us.count
        for _ in 0..<parallelCount {
            let e = rng.below(max(1, existing))
            if existing == 0 {
                add(0, 1)
            } else if rng.chance(0.25) {
                us.append(vs[e])
                vs.append(us[e])
            } else {
                us.append(us[e])
                vs.append(vs[e])
            }
        }
        // Order by (u, v) like a topological listing; stable, so deterministic.
        var order = Array(0..<us.count)
        order.sort { a, b in
            if us[a] != us[b] { return us[a] < us[b] }
            if vs[a] != vs[b] { return vs[a] < vs[b] }
            return a < b
        }
        edgeU = order.map { us[$0] }
        edgeV = order.map { vs[$0] }
    }

    // MARK: Infinite entries

    mutating func computeInfiniteThreshold() {
        var total = 0
        var forced = 0
        for e in 0..<edgeU.count {
            let u = Int(edgeU[e])
            let v = Int(edgeV[e])
            let ku = k[u]
            let kv = k[v]
            total += ku * kv
            var r = 0
            for s in offset[u]..<offset[u + 1] { r += Int(isMin[s]) }
            var c = 0
            for s in offset[v]..<offset[v + 1] { c += Int(isMin[s]) }
            forced += r * kv + c * ku - r * c
            let hu = hidden[u]
            let hv = hidden[v]
            if isMin[offset[u] + hu] == 0 && isMin[offset[v] + hv] == 0 { forced += 1 }
            if ku == kv {
                for a in 0..<ku
                where isMin[offset[u] + a] == 0 && isMin[offset[v] + a] == 0
                    && !(a == hu && a == hv)
                {
                    forced += 1
                }
            }
        }
        edgeEntries = total
        let f = min(max(config.infiniteFraction, 0), 1)
        var q = 0.0
        if total > forced { q = min(1, f * Double(total) / Double(total - forced)) }
        infThreshold = UInt64((q * 16_777_216).rounded())
    }

    // MARK: Streaming

    func write(to path: String) throws -> SyntheticSummary {
        let w = try GenWriter(path: path)
        do {
            try stream(w)
            try w.close()
        } catch {
            w.abandon()
            unlink(path)
            throw error
        }
        return SyntheticSummary(
            bytes: w.total, nodes: n, edges: edgeU.count, strategies: offset[n],
            edgeEntries: edgeEntries, usageLimit: usageLimit)
    }

    private func stream(_ w: GenWriter) throws {
        w.ascii("{\"problem\":{\"name\":")
        w.jsonString(config.name)
        w.ascii(",\"nodes\":{\"intervals\":[")
        for i in 0..<n {
            w.reserve(48)
            if i > 0 { w.byte(0x2C) }
            w.byte(0x5B)
            w.uint(UInt64(lo[i]))
            w.byte(0x2C)
            w.uint(UInt64(hi[i]))
            w.byte(0x5D)
        }
        w.ascii("],\"costs\":[")
        writeNodeLists(w, cost)
        w.ascii("],\"usages\":[")
        writeNodeLists(w, usage)
        w.ascii("]},\"edges\":{\"nodes\":[")
        for e in 0..<edgeU.count {
            w.reserve(32)
            if e > 0 { w.byte(0x2C) }
            w.byte(0x5B)
            w.uint(UInt64(edgeU[e]))
            w.byte(0x2C)
            w.uint(UInt64(edgeV[e]))
            w.byte(0x5D)
        }
        w.ascii("],\"costs\":[")
        try writeEdgeTables(w)
        w.ascii("]}")
        if let limit = usageLimit {
            w.ascii(",\"usage_limit\":")
            w.reserve(24)
            w.uint(UInt64(limit))
        }
        w.ascii("}}")
        try w.check()
    }

    private func writeNodeLists(_ w: GenWriter, _ values: [Int64]) {
        values.withUnsafeBufferPointer { vals in
            for i in 0..<n {
                w.reserve(8)
                if i > 0 { w.byte(0x2C) }
                w.byte(0x5B)
                for s in offset[i]..<offset[i + 1] {
                    w.reserve(24)
                    if s > offset[i] { w.byte(0x2C) }
                    w.uint(UInt64(vals[s]))
                }
                w.byte(0x5D)
            }
        }
    }

    private func writeEdgeTables(_ w: GenWriter) throws {
        var rng = SeededRNG(seed: config.seed, stream: 5)
        let threshold = infThreshold
        try isMin.withUnsafeBufferPointer { flags in
            let minFlags = flags.baseAddress!
            for e in 0..<edgeU.count {
                let u = Int(edgeU[e])
                let v = Int(edgeV[e])
                let ku = k[u]
                let kv = k[v]
                let rowFlags = minFlags + offset[u]
                let colFlags = minFlags + offset[v]
                let hu = hidden[u]
                let hv = hidden[v]
                let diagonal = ku == kv
                w.reserve(8)
                if e > 0 { w.byte(0x2C) }
                w.byte(0x5B)
                for a in 0..<ku {
                    let rowForced = rowFlags[a] != 0
                    for b in 0..<kv {
                        w.reserve(24)
                        if a > 0 || b > 0 { w.byte(0x2C) }
                        let r = rng.next()
                        if diagonal && a == b {
                            w.byte(0x30)  // same sharding: no resharding cost
                            continue
                        }
                        let forced = rowForced || colFlags[b] != 0 || (a == hu && b == hv)
                        if !forced && (r >> 40) < threshold {
                            w.infinity()
                        } else {
                            w.uint(GenPlan.finiteEdgeCost(r))
                        }
                    }
                }
                w.byte(0x5D)
                if e & 255 == 0 { try w.check() }
            }
        }
    }

    /// 0 ... 9_999_999 from the low 40 bits of `r`: ~10% zeros, otherwise 1 ... 7 digits
    /// (longer ones more often) and a uniform value with that many digits.
    @inline(__always) static func finiteEdgeCost(_ r: UInt64) -> UInt64 {
        let cls = Int((r >> 32) & 0xFF)
        if cls < 26 { return 0 }
        let digits = genDigitClass[(cls - 26) % 10]  // 0 ... 6
        let lowValue = genPow10[digits]
        let span = genPow10[digits + 1] - lowValue
        return lowValue + ((r & 0xFFFF_FFFF) &* span) >> 32
    }
}

private let genPow10: [UInt64] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000]
private let genDigitClass: [Int] = [0, 1, 2, 3, 4, 4, 5, 5, 6, 6]

// MARK: - Buffered writer

private final class GenWriter {
    private let file: UnsafeMutablePointer<FILE>
    private let buffer: UnsafeMutablePointer<UInt8>
    private let capacity = 4 << 20
    private var pos = 0
    private let pairs: UnsafeMutablePointer<UInt8>
    private let infText: UnsafeMutablePointer<UInt8>
    private var failure: Int32 = 0
    private var closed = false
    let path: String
    private(set) var flushed = 0
    var total: Int { flushed + pos }

    init(path: String) throws {
        guard let f = fopen(path, "wb") else {
            throw SyntheticGeneratorError(
                "cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        self.path = path
        file = f
        buffer = .allocate(capacity: capacity)
        pairs = .allocate(capacity: 200)
        for i in 0..<100 {
            pairs[2 * i] = UInt8(48 + i / 10)
            pairs[2 * i + 1] = UInt8(48 + i % 10)
        }
        let inf = Array(String(genInfinity).utf8)
        infText = .allocate(capacity: inf.count)
        for (i, c) in inf.enumerated() { infText[i] = c }
    }

    deinit {
        if !closed { fclose(file) }
        buffer.deallocate()
        pairs.deallocate()
        infText.deallocate()
    }

    private func flush() {
        if pos > 0 && failure == 0 {
            if fwrite(buffer, 1, pos, file) != pos { failure = errno == 0 ? EIO : errno }
        }
        flushed += pos
        pos = 0
    }

    /// Makes room for `n` more bytes (n <= capacity).
    @inline(__always) func reserve(_ n: Int) {
        if pos + n > capacity { flush() }
    }

    func check() throws {
        if failure != 0 {
            throw SyntheticGeneratorError(
                "cannot write \(path): \(String(cString: strerror(failure)))")
        }
    }

    func close() throws {
        flush()
        try check()
        closed = true
        if fclose(file) != 0 {
            throw SyntheticGeneratorError(
                "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    func abandon() {
        if !closed {
            closed = true
            fclose(file)
        }
    }

    @inline(__always) func byte(_ b: UInt8) {
        buffer[pos] = b
        pos += 1
    }

    func ascii(_ s: String) {
        for c in s.utf8 {
            reserve(1)
            byte(c)
        }
    }

    func jsonString(_ s: String) {
        byte(0x22)
        for c in s.utf8 {
            reserve(8)
            switch c {
            case 0x22: byte(0x5C); byte(0x22)
            case 0x5C: byte(0x5C); byte(0x5C)
            case 0x0A: byte(0x5C); byte(0x6E)
            case 0x0D: byte(0x5C); byte(0x72)
            case 0x09: byte(0x5C); byte(0x74)
            case 0..<0x20:
                for x in Array("\\u00".utf8) { byte(x) }
                byte(pairs[2 * Int(c >> 4) + 1])
                let low = Int(c & 15)
                byte(low < 10 ? UInt8(48 + low) : UInt8(87 + low))
            default: byte(c)
            }
        }
        reserve(1)
        byte(0x22)
    }

    @inline(__always) func infinity() {
        (buffer + pos).update(from: infText, count: 19)
        pos += 19
    }

    /// Decimal digits of `v`; the caller has reserved 20 bytes.
    @inline(__always) func uint(_ value: UInt64) {
        if value < 10 {
            buffer[pos] = UInt8(truncatingIfNeeded: 48 &+ value)
            pos += 1
            return
        }
        var digits = 2
        var limit: UInt64 = 100
        while digits < 20 && value >= limit {
            digits += 1
            limit = limit &* 10
        }
        var v = value
        var p = pos + digits
        pos = p
        while v >= 100 {
            let q = v / 100
            let r = Int(truncatingIfNeeded: v &- q &* 100)
            p -= 2
            buffer[p] = pairs[2 * r]
            buffer[p + 1] = pairs[2 * r + 1]
            v = q
        }
        if v >= 10 {
            let r = Int(truncatingIfNeeded: v)
            p -= 2
            buffer[p] = pairs[2 * r]
            buffer[p + 1] = pairs[2 * r + 1]
        } else {
            p -= 1
            buffer[p] = UInt8(truncatingIfNeeded: 48 &+ v)
        }
    }
}
