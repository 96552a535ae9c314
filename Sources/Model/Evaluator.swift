/// The independent, obviously-correct evaluator. Everything the program prints is checked here.
///
/// Costs and usages are summed in 128 bits. Memory is the summed usage of the live nodes'
/// chosen strategies at every time (half-open intervals), computed by a sweep.
public struct Evaluation: Sendable, Equatable {
    public var cost: Int128
    public var nodeCost: Int128
    public var edgeCost: Int128
    /// Number of chosen node strategies or edge entries that are "infinite" (>= 1e18).
    public var infiniteTerms: Int
    public var peakUsage: Int128
    /// First time at which the peak is reached (nil when nothing is ever live).
    public var peakTime: Int64?
    public var usageLimit: Int64?
    /// First time at which the limit is exceeded, with the excess there.
    public var firstViolationTime: Int64?
    public var firstViolationExcess: Int128
    /// The live node with the largest usage at the first violation (the biggest contributor).
    public var firstViolationLargestNode: Int?

    public var feasible: Bool { firstViolationTime == nil }
}

public struct SolutionError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum Evaluator {
    /// Checks that `solution` names one valid strategy per node.
    public static func validate(_ problem: Problem, _ solution: [Int]) throws(SolutionError) {
        if solution.count != problem.nodeCount {
            throw SolutionError("solution has \(solution.count) entries, the problem has \(problem.nodeCount) nodes")
        }
        for (i, s) in solution.enumerated() where s < 0 || s >= problem.strategyCount(i) {
            throw SolutionError("node \(i): strategy \(s) is out of range 0..<\(problem.strategyCount(i))")
        }
    }

    public static func evaluate(_ problem: Problem, _ solution: [Int]) throws(SolutionError) -> Evaluation {
        try validate(problem, solution)
        var nodeCost: Int128 = 0
        var infinite = 0
        for i in 0 ..< problem.nodeCount {
            let c = problem.nodeCost[problem.strategyOffset[i] + solution[i]]
            if c >= Problem.infinity { infinite += 1 }
            nodeCost += Int128(c)
        }
        var edgeCost: Int128 = 0
        for e in 0 ..< problem.edgeCount {
            // Row-major index over the edge's nodes.
            var index = 0
            for j in problem.edgeNodeOffset[e] ..< problem.edgeNodeOffset[e + 1] {
                let v = Int(problem.edgeNodes[j])
                index = index * problem.strategyCount(v) + solution[v]
            }
            let c = problem.edgeCost[problem.edgeCostOffset[e] + index]
            if c >= Problem.infinity { infinite += 1 }
            edgeCost += Int128(c)
        }

        // Memory sweep: +usage at lo, -usage at hi; at equal times the ends come first.
        var events: [(time: Int64, delta: Int64, node: Int32)] = []
        events.reserveCapacity(2 * problem.nodeCount)
        for i in 0 ..< problem.nodeCount where problem.intervalHi[i] > problem.intervalLo[i] {
            let u = problem.nodeUsage[problem.strategyOffset[i] + solution[i]]
            if u == 0 { continue }
            events.append((problem.intervalLo[i], u, Int32(i)))
            events.append((problem.intervalHi[i], -u, Int32(i)))
        }
        events.sort { a, b in a.time != b.time ? a.time < b.time : a.delta < b.delta }
        var current: Int128 = 0
        var peak: Int128 = 0
        var peakTime: Int64? = nil
        var violationTime: Int64? = nil
        var excess: Int128 = 0
        var k = 0
        while k < events.count {
            let t = events[k].time
            while k < events.count && events[k].time == t {
                current += Int128(events[k].delta)
                k += 1
            }
            if current > peak {
                peak = current
                peakTime = t
            }
            if violationTime == nil, let limit = problem.usageLimit, current > Int128(limit) {
                violationTime = t
                excess = current - Int128(limit)
            }
        }
        var largest: Int? = nil
        if let t = violationTime {
            var best: Int64 = -1
            for i in 0 ..< problem.nodeCount where problem.intervalLo[i] <= t && t < problem.intervalHi[i] {
                let u = problem.nodeUsage[problem.strategyOffset[i] + solution[i]]
                if u > best { best = u; largest = i }
            }
        }
        return Evaluation(
            cost: nodeCost + edgeCost, nodeCost: nodeCost, edgeCost: edgeCost, infiniteTerms: infinite,
            peakUsage: peak, peakTime: peakTime, usageLimit: problem.usageLimit,
            firstViolationTime: violationTime, firstViolationExcess: excess,
            firstViolationLargestNode: largest)
    }

    /// A one-line description of why a solution is infeasible (nil when feasible).
    public static func violationMessage(_ problem: Problem, _ solution: [Int], _ ev: Evaluation) -> String? {
        guard let t = ev.firstViolationTime, let limit = ev.usageLimit else { return nil }
        var text = "memory limit \(limit) exceeded by \(ev.firstViolationExcess) at time \(t)"
        if let i = ev.firstViolationLargestNode {
            text += "; largest live node there: \(i) (strategy \(solution[i]), usage \(problem.nodeUsage[problem.strategyOffset[i] + solution[i]]))"
        }
        return text
    }
}

/// Solution files: the last line that is a bracketed list, so solver output can be piped in.
public enum SolutionParser {
    public static func parse(_ text: String) throws(SolutionError) -> [Int] {
        var last: Substring? = nil
        // Character.isNewline also covers "\r\n", which Swift treats as one character.
        for line in text.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            let trimmed = line.trimmingSpaces
            if trimmed.first == "[" && trimmed.last == "]" { last = trimmed }
        }
        guard let list = last else { throw SolutionError("no solution line of the form [s0, s1, ...] found") }
        let inner = list.dropFirst().dropLast()
        if inner.allSatisfy({ $0 == " " || $0 == "\t" }) { return [] }
        var result: [Int] = []
        for (k, part) in inner.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let p = part.trimmingSpaces
            guard let v = Int(p) else {
                throw SolutionError("solution entry \(k): expected an integer, found \"\(p.prefix(20))\"")
            }
            result.append(v)
        }
        return result
    }

    /// `[s0, s1, ...]`, the contest's output format.
    public static func format(_ solution: [Int]) -> String {
        var bytes: [UInt8] = [0x5B]
        bytes.reserveCapacity(solution.count * 4 + 2)
        for (k, v) in solution.enumerated() {
            if k > 0 { bytes.append(0x2C); bytes.append(0x20) }
            bytes.append(contentsOf: String(v).utf8)
        }
        bytes.append(0x5D)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
