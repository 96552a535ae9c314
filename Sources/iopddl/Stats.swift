import ArgumentParser
import Model
import Solver

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe an instance: sizes, strategies, memory, cliques, load speed.")

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    func run() throws {
        let clock = ProcessClock()
        let t0 = clock.seconds
        let (p, info) = try ProblemReader.readWithInfo(path: problem)
        let loadTime = clock.seconds - t0
        print(InstanceStats(problem: p, file: problem, info: info, loadSeconds: loadTime).report())
    }
}
