import ArgumentParser
import Model
import Solver

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe an instance: sizes, strategies, memory, cliques, load speed.",
        discussion: """
            With --json the `key: value` lines are followed by one JSON object on the last stdout \
            line (docs/schemas/stats.schema.json).
            """)

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    @Flag(help: "Also print one JSON object (docs/schemas/stats.schema.json) as the last stdout line.")
    var json = false

    func run() throws {
        let clock = ProcessClock()
        let t0 = clock.seconds
        let (p, info) = try ProblemReader.readWithInfo(path: problem)
        let loadTime = clock.seconds - t0
        print(InstanceStats(problem: p, file: problem, info: info, loadSeconds: loadTime).report())
        if json { print(Self.jsonObject(p, file: problem, info: info, loadSeconds: loadTime)) }
    }

    /// The `--json` object: the facts of the `key: value` lines as separate typed fields.
    static func jsonObject(_ p: Problem, file: String, info: ProblemReader.ReadInfo, loadSeconds: Double) -> String {
        var o = JSONObject()
        o.add("name", string: p.name)
        o.add("file", string: file)
        o.add("file_bytes", integer: info.fileBytes)
        o.add("json_bytes", integer: info.textBytes)
        o.add("gzip", bool: info.gzip)
        o.add("load_seconds", number: loadSeconds)
        o.add("nodes", integer: p.nodeCount)
        o.add("edges", integer: p.edgeCount)
        var maxStrategies = 0
        var singleStrategy = 0
        var liveNodes = 0
        for i in 0 ..< p.nodeCount {
            maxStrategies = max(maxStrategies, p.strategyCount(i))
            if p.strategyCount(i) == 1 { singleStrategy += 1 }
            if p.isLive(i) { liveNodes += 1 }
        }
        var strategies = JSONObject()
        strategies.add("total", integer: p.strategyTotal)
        strategies.add("mean", number: p.nodeCount > 0 ? Double(p.strategyTotal) / Double(p.nodeCount) : 0)
        strategies.add("max", integer: maxStrategies)
        strategies.add("single_strategy_nodes", integer: singleStrategy)
        o.add("strategies", raw: strategies.text)
        var arity: [Int: Int] = [:]
        for e in 0 ..< p.edgeCount { arity[p.edgeNodeOffset[e + 1] - p.edgeNodeOffset[e], default: 0] += 1 }
        var arityObject = JSONObject()
        for (k, count) in arity.sorted(by: { $0.key < $1.key }) { arityObject.add(String(k), integer: count) }
        o.add("edge_arity", raw: arityObject.text)
        var entries = JSONObject()
        entries.add("total", integer: p.edgeCost.count)
        entries.add("infinite", integer: p.edgeCost.reduce(0) { $0 + ($1 >= Problem.infinity ? 1 : 0) })
        o.add("edge_entries", raw: entries.text)
        o.add("live_nodes", integer: liveNodes)
        o.add("maximal_cliques", integer: IntervalCliques(p).count)
        let minPeak = InstanceStats.minimumUsagePeak(p)
        o.add("usage_limit", integer: p.usageLimit)
        o.add("min_usage_peak", integer: minPeak)
        // Feasible iff the minimum-usage solution fits (no limit: always).
        o.add("feasible", bool: p.usageLimit.map { minPeak <= Int128($0) } ?? true)
        return o.text
    }
}
