import ArgumentParser
import Model

#if canImport(Glibc)
    import Glibc
#endif

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a solution: cost (128-bit), peak usage vs limit, feasibility.",
        discussion: "Exit status: 0 feasible, 1 infeasible, 2 bad input. The solution is the last line of the file that is a bracketed list, so solver output can be piped in.")

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    @Argument(help: "Solution file, or - for standard input.")
    var solution: String

    @Option(help: "Also write the memory profile (usage over time vs the limit, peak marked) as SVG to this file.")
    var svg: String?

    func run() throws {
        let p = try ProblemReader.read(path: problem)
        let text = try readText(solution)
        let s = try SolutionParser.parse(text)
        let ev = try Evaluator.evaluate(p, s)
        print("cost: \(ev.cost)")
        print("node_cost: \(ev.nodeCost)")
        print("edge_cost: \(ev.edgeCost)")
        print("infinite_terms: \(ev.infiniteTerms)")
        print("peak: \(ev.peakUsage)")
        print("peak_time: \(ev.peakTime.map(String.init) ?? "none")")
        print("limit: \(p.usageLimit.map(String.init) ?? "none")")
        print("feasible: \(ev.feasible ? "yes" : "no")")
        if let svg {
            let text = try MemoryProfileSVG.render(p, s)
            guard let f = fopen(svg, "w") else {
                throw CLIFailure(message: "\(svg): cannot write: \(String(cString: strerror(errno)))", code: 2)
            }
            fputs(text, f)
            fclose(f)
        }
        if let why = Evaluator.violationMessage(p, s, ev) {
            throw CLIFailure(message: "solution is infeasible: \(why)", code: 1)
        }
    }
}

/// Reads a whole text file, or standard input for "-".
func readText(_ path: String) throws -> String {
    var bytes: [UInt8] = []
    let fd: Int32 = path == "-" ? 0 : open(path, O_RDONLY)
    if fd < 0 { throw CLIFailure(message: "\(path): cannot open: \(String(cString: strerror(errno)))", code: 2) }
    defer { if fd != 0 { close(fd) } }
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw CLIFailure(message: "\(path): cannot read: \(String(cString: strerror(errno)))", code: 2)
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0 ..< n])
    }
    return String(decoding: bytes, as: UTF8.self)
}
