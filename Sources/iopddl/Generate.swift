import ArgumentParser
import Model
import Solver

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic instance shaped like the contest's (chains, hubs, 1e18 entries, a binding memory limit), or one derived from a given instance.",
        discussion: """
            `--largest` gives the suite's largest scale: 62k nodes, 91k edges, ~20 strategies per node, about 1.3 GB of JSON.

            With `--from FILE` the output is FILE made harder: `--add-edges K --infinite-share F` adds K edges \
            (between nodes near in the graph or live at the same time) whose tables are a share F exactly 1e18; \
            `--strategy-factor X` gives each node about X times its strategies (perturbed copies, tables extended \
            to match); `--limit-factor L` sets usage_limit to L x the least possible peak. The minimum-usage \
            labelling stays feasible and finite on every new edge, so the instance stays feasible. The output is \
            gzip-compressed when its name ends in .gz.
            """)

    @Argument(help: "Output file (.json; with --from also .json.gz); or give it with -o.")
    var output: String?

    @Option(name: [.customShort("o"), .customLong("out")], help: "Output file (instead of the argument).")
    var outputOption: String?

    @Flag(help: "The largest scale (overrides the size options).")
    var largest = false

    @Option(help: "Nodes (default 1000).") var nodes: Int?
    @Option(help: "Edges (default 1500).") var edges: Int?
    @Option(help: "Mean strategies per node (default 20).") var meanStrategies: Double?
    @Option(help: "Most strategies of one node (default 64).") var maxStrategies: Int?
    @Option(help: "Fraction of edge-table entries that are 1e18 (default 0.4).") var infiniteFraction: Double?
    @Option(help: "Usage limit as a multiple of the minimum-usage peak (<= 0: no limit; default 1.1).") var tightness: Double?
    @Option(help: "Random seed.") var seed: UInt64 = 1

    @Option(help: "Derive from this instance (.json or .json.gz) instead of a synthetic one.") var from: String?
    @Option(help: "With --from: edges to add.") var addEdges: Int?
    @Option(help: "With --add-edges: share of each added table that is 1e18, in [0, 1) (default \(DerivationOptions.defaultInfiniteShare)).")
    var infiniteShare: Double?
    @Option(help: "With --from: strategies per node become about this multiple (>= 1).") var strategyFactor: Double?
    @Option(help: "With --from: usage_limit = this x the least possible peak (>= 1; default: the source's limit).")
    var limitFactor: Double?
    @Option(help: ArgumentHelp("With --add-edges: a solution of the source (the last bracketed line of the file, as `evaluate` reads) that gets a finite entry on every added edge too; repeatable. Give a finite one when the minimum-usage labelling has infinite terms, so the derived instance keeps a finite solution.", valueName: "solution-file"))
    var keepFinite: [String] = []
    @Option(help: ArgumentHelp("With --add-edges: a solution of the source that gets a finite and cheap entry on every added edge (the smallest of a few draws), so the added edges cost a good solution little; repeatable.", valueName: "solution-file"))
    var plant: [String] = []

    func run() throws {
        let clock = ProcessClock()
        let t0 = clock.seconds
        guard let path = try outputPath() else {
            throw CLIFailure(message: "missing the output file (an argument or -o OUT)", code: 2)
        }
        if let source = from {
            try derive(from: source, to: path, clock: clock, start: t0)
            return
        }
        let derivationFlags: [(String, Bool)] = [
            ("--add-edges", addEdges != nil), ("--infinite-share", infiniteShare != nil),
            ("--strategy-factor", strategyFactor != nil), ("--limit-factor", limitFactor != nil),
        ]
        if let (flag, _) = derivationFlags.first(where: { $0.1 }) {
            throw CLIFailure(message: "\(flag) needs --from FILE", code: 2)
        }
        let config = largest
            ? SyntheticConfig.largest(seed: seed)
            : SyntheticConfig(nodes: nodes ?? 1_000, edges: edges ?? 1_500, meanStrategies: meanStrategies ?? 20,
                              maxStrategies: maxStrategies ?? 64, infiniteFraction: infiniteFraction ?? 0.4,
                              memoryTightness: tightness ?? 1.1, seed: seed)
        let summary: SyntheticSummary
        do {
            summary = try writeSyntheticInstance(config, to: path)
        } catch let e as SyntheticGeneratorError {
            throw CLIFailure(message: "\(path): \(e.description)", code: 2)
        }
        print("wrote \(path): \(summary.bytes) bytes, \(summary.nodes) nodes, \(summary.edges) edges, \(summary.strategies) strategies, \(summary.edgeEntries) edge entries, usage_limit \(summary.usageLimit.map(String.init) ?? "none") in \(formatFixed(clock.seconds - t0, 2)) s")
    }

    private func outputPath() throws -> String? {
        if let a = output, let b = outputOption, a != b {
            throw CLIFailure(message: "two output files given: \(a) and -o \(b)", code: 2)
        }
        return output ?? outputOption
    }

    private func readSolutions(_ files: [String], option: String) throws -> [[Int]] {
        var solutions: [[Int]] = []
        for file in files {
            do {
                solutions.append(try SolutionParser.parse(try readText(file)))
            } catch let e as CLIFailure {
                throw CLIFailure(message: "\(option) \(e.message)", code: e.code)
            } catch {
                throw CLIFailure(message: "\(option) \(file): \(error)", code: 2)
            }
        }
        return solutions
    }

    private func derive(from source: String, to path: String, clock: ProcessClock, start t0: Double) throws {
        let syntheticFlags: [(String, Bool)] = [
            ("--largest", largest), ("--nodes", nodes != nil), ("--edges", edges != nil),
            ("--mean-strategies", meanStrategies != nil), ("--max-strategies", maxStrategies != nil),
            ("--infinite-fraction", infiniteFraction != nil), ("--tightness", tightness != nil),
        ]
        if let (flag, _) = syntheticFlags.first(where: { $0.1 }) {
            throw CLIFailure(message: "\(flag) makes a synthetic instance; it does not apply with --from", code: 2)
        }
        if infiniteShare != nil && (addEdges ?? 0) == 0 {
            throw CLIFailure(message: "--infinite-share needs --add-edges K (K > 0)", code: 2)
        }
        if !keepFinite.isEmpty && (addEdges ?? 0) == 0 {
            throw CLIFailure(message: "--keep-finite needs --add-edges K (K > 0)", code: 2)
        }
        if !plant.isEmpty && (addEdges ?? 0) == 0 {
            throw CLIFailure(message: "--plant needs --add-edges K (K > 0)", code: 2)
        }
        let options = DerivationOptions(
            addEdges: addEdges ?? 0, infiniteShare: infiniteShare ?? DerivationOptions.defaultInfiniteShare,
            strategyFactor: strategyFactor ?? 1, limitFactor: limitFactor)
        do {
            try options.validate()
            let problem: Problem
            do {
                problem = try ProblemReader.read(path: source)
            } catch {
                throw CLIFailure(message: "--from \(error)", code: 2)
            }
            let kept = try readSolutions(keepFinite, option: "--keep-finite")
            let planted = try readSolutions(plant, option: "--plant")
            var rng = SeededRNG(seed: seed)
            let name = options.derivedName(source: problem.name, seed: seed)
            let derived = try DerivedInstance.derive(from: problem, options: options, name: name, keepFinite: kept,
                                                     planted: planted, using: &rng)
            let bytes = try ProblemWriter.write(derived.problem, to: path)
            let p = derived.problem
            let entries = p.edgeCost.count
            let infinite = p.edgeCost.reduce(0) { $0 + ($1 >= Problem.infinity ? 1 : 0) }
            let addedShare = derived.addedEntries > 0
                ? formatFixed(100 * Double(derived.addedInfinite) / Double(derived.addedEntries), 1) + "%" : "-"
            print("wrote \(path): \(p.name): \(bytes) bytes of JSON, \(p.nodeCount) nodes, \(p.edgeCount) edges (\(derived.addedEdges) added, \(derived.addedEntries) entries, \(addedShare) infinite), \(p.strategyTotal) strategies (source \(problem.strategyTotal)), \(entries) edge entries (\(infinite) infinite, \(formatFixed(entries > 0 ? 100 * Double(infinite) / Double(entries) : 0, 1))%), usage_limit \(p.usageLimit.map(String.init) ?? "none") (least peak \(derived.minimumPeak)), reference cost \(derived.referenceEvaluation.cost) with \(derived.referenceEvaluation.infiniteTerms) infinite terms\(derived.keptEvaluations.map { ", kept/planted solution cost \($0.cost) with \($0.infiniteTerms) infinite terms (\($0.feasible ? "feasible" : "over the limit"))" }.joined()), in \(formatFixed(clock.seconds - t0, 2)) s")
        } catch let e as DerivationError {
            throw CLIFailure(message: e.description, code: 2)
        } catch let e as ProblemWriteError {
            throw CLIFailure(message: e.description, code: 2)
        }
    }
}
