/// One instance of the sharding problem, stored as flat struct-of-arrays.
///
/// Node `i` has strategies `strategyOffset[i] ..< strategyOffset[i + 1]` in `nodeCost` and
/// `nodeUsage`, and the half-open live interval `[intervalLo[i], intervalHi[i])` (empty when
/// `hi <= lo`). Edge `e` joins the nodes `edgeNodes[edgeNodeOffset[e] ..< edgeNodeOffset[e + 1]]`
/// and has the cost table `edgeCost[edgeCostOffset[e] ..< edgeCostOffset[e + 1]]`, row-major over
/// its nodes' strategies (for a pair `[u, v]`: index `s_u * k_v + s_v`). Parallel edges add up.
public struct Problem: Sendable {
    public var name: String
    public var intervalLo: [Int64]
    public var intervalHi: [Int64]
    public var strategyOffset: [Int]
    public var nodeCost: [Int64]
    public var nodeUsage: [Int64]
    public var edgeNodeOffset: [Int]
    public var edgeNodes: [Int32]
    public var edgeCostOffset: [Int]
    public var edgeCost: [Int64]
    /// `nil` means no memory constraint.
    public var usageLimit: Int64?

    /// Costs at or above this are the format's "infinite" markers (forbidden combinations).
    public static let infinity: Int64 = 1_000_000_000_000_000_000

    public var nodeCount: Int { strategyOffset.count - 1 }
    public var edgeCount: Int { edgeNodeOffset.count - 1 }
    public var strategyTotal: Int { nodeCost.count }

    @inline(__always) public func strategyCount(_ node: Int) -> Int {
        strategyOffset[node + 1] - strategyOffset[node]
    }

    @inline(__always) public func isLive(_ node: Int) -> Bool {
        intervalHi[node] > intervalLo[node]
    }

    public func edgeNodeList(_ edge: Int) -> ArraySlice<Int32> {
        edgeNodes[edgeNodeOffset[edge] ..< edgeNodeOffset[edge + 1]]
    }

    /// Builds and validates a problem from flat arrays (what the reader produces).
    /// `file` only names the source in error messages.
    public init(
        name: String, intervalLo: [Int64], intervalHi: [Int64], strategyOffset: [Int],
        nodeCost: [Int64], nodeUsage: [Int64], edgeNodeOffset: [Int], edgeNodes: [Int32],
        edgeCostOffset: [Int], edgeCost: [Int64], usageLimit: Int64?, file: String = "<memory>"
    ) throws(InputError) {
        self.name = name
        self.intervalLo = intervalLo
        self.intervalHi = intervalHi
        self.strategyOffset = strategyOffset
        self.nodeCost = nodeCost
        self.nodeUsage = nodeUsage
        self.edgeNodeOffset = edgeNodeOffset
        self.edgeNodes = edgeNodes
        self.edgeCostOffset = edgeCostOffset
        self.edgeCost = edgeCost
        self.usageLimit = usageLimit
        try validate(file: file)
    }

    /// Convenience for tests and small hand-made instances.
    public init(
        name: String = "problem", intervals: [(Int64, Int64)], costs: [[Int64]], usages: [[Int64]],
        edges: [[Int]], edgeCosts: [[Int64]], usageLimit: Int64?
    ) throws(InputError) {
        var offsets = [0]
        for c in costs { offsets.append(offsets.last! + c.count) }
        var nodeOffsets = [0]
        for e in edges { nodeOffsets.append(nodeOffsets.last! + e.count) }
        var costOffsets = [0]
        for c in edgeCosts { costOffsets.append(costOffsets.last! + c.count) }
        if intervals.count != costs.count {
            throw InputError(path: "problem.nodes.costs",
                             "expected \(intervals.count) entries (one per interval), found \(costs.count)")
        }
        if usages.count != costs.count {
            throw InputError(path: "problem.nodes.usages",
                             "expected \(costs.count) entries (one per node), found \(usages.count)")
        }
        if edges.count != edgeCosts.count {
            throw InputError(path: "problem.edges.costs",
                             "expected \(edges.count) entries (one per edge), found \(edgeCosts.count)")
        }
        var usageOffsets = [0]
        for u in usages { usageOffsets.append(usageOffsets.last! + u.count) }
        for i in 0 ..< costs.count where usages[i].count != costs[i].count {
            throw InputError(path: "problem.nodes.usages[\(i)]",
                             "expected \(costs[i].count) entries (one per strategy), found \(usages[i].count)")
        }
        // Catch indices that do not fit Int32 (the flat form cannot represent them).
        for (e, list) in edges.enumerated() {
            for (j, v) in list.enumerated() where v < 0 || v >= costs.count {
                throw InputError(path: "problem.edges.nodes[\(e)][\(j)]",
                                 "expected a node index in 0..<\(costs.count), found \(v)")
            }
        }
        try self.init(
            name: name, intervalLo: intervals.map(\.0), intervalHi: intervals.map(\.1),
            strategyOffset: offsets, nodeCost: costs.flatMap { $0 }, nodeUsage: usages.flatMap { $0 },
            edgeNodeOffset: nodeOffsets, edgeNodes: edges.flatMap { $0.map { Int32(truncatingIfNeeded: $0) } },
            edgeCostOffset: costOffsets, edgeCost: edgeCosts.flatMap { $0 }, usageLimit: usageLimit)
    }

    /// Checks the cross-array invariants; the reader calls this after parsing.
    func validate(file: String) throws(InputError) {
        let n = intervalLo.count
        func fail(_ path: String, _ message: String) -> InputError {
            InputError(file: file, path: path, message)
        }
        guard intervalHi.count == n, strategyOffset.count == n + 1 else {
            throw fail("problem.nodes.costs", "expected \(n) entries (one per interval), found \(strategyOffset.count - 1)")
        }
        guard nodeUsage.count == nodeCost.count else {
            throw fail("problem.nodes.usages", "expected \(nodeCost.count) usages in all, found \(nodeUsage.count)")
        }
        for i in 0 ..< n {
            let k = strategyOffset[i + 1] - strategyOffset[i]
            if k <= 0 { throw fail("problem.nodes.costs[\(i)]", "expected at least one strategy, found none") }
        }
        for s in 0 ..< nodeUsage.count where nodeUsage[s] < 0 {
            let node = nodeOf(strategy: s)
            throw fail("problem.nodes.usages[\(node)][\(s - strategyOffset[node])]",
                       "expected a non-negative usage, found \(nodeUsage[s])")
        }
        if let limit = usageLimit, limit < 0 {
            throw fail("problem.usage_limit", "expected a non-negative integer, found \(limit)")
        }
        let m = edgeNodeOffset.count - 1
        guard edgeCostOffset.count == m + 1 else {
            throw fail("problem.edges.costs", "expected \(m) entries (one per edge), found \(edgeCostOffset.count - 1)")
        }
        for e in 0 ..< m {
            var size = 1
            for j in edgeNodeOffset[e] ..< edgeNodeOffset[e + 1] {
                let v = Int(edgeNodes[j])
                if v < 0 || v >= n {
                    throw fail("problem.edges.nodes[\(e)][\(j - edgeNodeOffset[e])]",
                               "expected a node index in 0..<\(n), found \(v)")
                }
                let k = strategyOffset[v + 1] - strategyOffset[v]
                let (p, o) = size.multipliedReportingOverflow(by: k)
                size = o ? Int.max : p
            }
            let found = edgeCostOffset[e + 1] - edgeCostOffset[e]
            if found != size {
                let shape = edgeNodes[edgeNodeOffset[e] ..< edgeNodeOffset[e + 1]].map {
                    String(strategyOffset[Int($0) + 1] - strategyOffset[Int($0)])
                }
                let product = shape.isEmpty ? "no nodes" : shape.joined(separator: " x ") + " strategies"
                throw fail("problem.edges.costs[\(e)]", "expected \(size) entries (\(product)), found \(found)")
            }
        }
    }

    /// Per node the strategy of least usage, ties broken by node cost: the peak of this
    /// solution is the lowest possible, so it is feasible if any solution is.
    public func minimumUsageSolution() -> [Int] {
        (0 ..< nodeCount).map { i in
            let o = strategyOffset[i]
            var best = 0
            for s in 1 ..< strategyCount(i) {
                let u = nodeUsage[o + s], ub = nodeUsage[o + best]
                if u < ub || (u == ub && nodeCost[o + s] < nodeCost[o + best]) { best = s }
            }
            return best
        }
    }

    /// The node that owns flat strategy index `s` (binary search; for error messages).
    public func nodeOf(strategy s: Int) -> Int {
        var lo = 0, hi = nodeCount
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if strategyOffset[mid] <= s { lo = mid } else { hi = mid }
        }
        return lo
    }
}

/// Bad input: names the file, the JSON path, what was expected and what was found.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var path: String
    public var message: String

    public init(file: String = "<memory>", path: String, _ message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    /// One line: control characters (from keys or file names) are shown escaped.
    public var description: String {
        let text = path.isEmpty ? "\(file): \(message)" : "\(file): \(path): \(message)"
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F {
                out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
