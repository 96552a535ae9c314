import ArgumentParser
import Model
import Solver

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic instance shaped like the contest's (chains, hubs, 1e18 entries, a binding memory limit).",
        discussion: "`--largest` gives the suite's largest scale: 62k nodes, 91k edges, ~20 strategies per node, about 1.3 GB of JSON.")

    @Argument(help: "Output file (.json).")
    var output: String

    @Flag(help: "The largest scale (overrides the size options).")
    var largest = false

    @Option(help: "Nodes.") var nodes: Int = 1_000
    @Option(help: "Edges.") var edges: Int = 1_500
    @Option(help: "Mean strategies per node.") var meanStrategies: Double = 20
    @Option(help: "Most strategies of one node.") var maxStrategies: Int = 64
    @Option(help: "Fraction of edge-table entries that are 1e18.") var infiniteFraction: Double = 0.4
    @Option(help: "Usage limit as a multiple of the minimum-usage peak (<= 0: no limit).") var tightness: Double = 1.1
    @Option(help: "Random seed.") var seed: UInt64 = 1

    func run() throws {
        let clock = ProcessClock()
        let config = largest
            ? SyntheticConfig.largest(seed: seed)
            : SyntheticConfig(nodes: nodes, edges: edges, meanStrategies: meanStrategies, maxStrategies: maxStrategies,
                              infiniteFraction: infiniteFraction, memoryTightness: tightness, seed: seed)
        let t0 = clock.seconds
        let summary: SyntheticSummary
        do {
            summary = try writeSyntheticInstance(config, to: output)
        } catch let e as SyntheticGeneratorError {
            throw CLIFailure(message: "\(output): \(e.description)", code: 2)
        }
        print("wrote \(output): \(summary.bytes) bytes, \(summary.nodes) nodes, \(summary.edges) edges, \(summary.strategies) strategies, \(summary.edgeEntries) edge entries, usage_limit \(summary.usageLimit.map(String.init) ?? "none") in \(formatFixed(clock.seconds - t0, 2)) s")
    }
}
