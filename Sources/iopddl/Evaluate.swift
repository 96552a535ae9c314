import ArgumentParser
import Model

#if canImport(Glibc)
    import Glibc
#endif

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a solution: cost (128-bit), peak usage vs limit, feasibility.",
        discussion: """
            Exit status: 0 feasible, 1 infeasible, 2 bad input. The solution is the last line of \
            the file that is a bracketed list, so solver output can be piped in. With --json the \
            `key: value` lines are followed by one JSON object on the last stdout line \
            (docs/schemas/evaluate.schema.json), also when the solution is infeasible.
            """)

    @Argument(help: "Problem file (.json or .json.gz).")
    var problem: String

    @Argument(help: "Solution file, or - for standard input.")
    var solution: String

    @Option(help: "Also write the memory profile (usage over time vs the limit, peak marked) as SVG to this file.")
    var svg: String?

    @Flag(help: "Also print one JSON object (docs/schemas/evaluate.schema.json) as the last stdout line.")
    var json = false

    func run() throws {
        let p = try ProblemReader.read(path: problem)
        let text = try readText(solution)
        let s = try SolutionParser.parse(text)
        let ev = try Evaluator.evaluate(p, s)
        let violation = Evaluator.violationMessage(p, s, ev)
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
        if json { print(Self.jsonObject(p, ev, violation: violation)) }
        if let why = violation {
            throw CLIFailure(message: "solution is infeasible: \(why)", code: 1)
        }
    }
}

extension Evaluate {
    /// The `--json` object: the same facts as the `key: value` lines, numbers as JSON integers
    /// (costs can exceed 2^53: readers that need them exact must parse integers exactly).
    static func jsonObject(_ p: Problem, _ ev: Evaluation, violation: String?) -> String {
        var o = JSONObject()
        o.add("cost", integer: ev.cost)
        o.add("node_cost", integer: ev.nodeCost)
        o.add("edge_cost", integer: ev.edgeCost)
        o.add("infinite_terms", integer: ev.infiniteTerms)
        o.add("peak", integer: ev.peakUsage)
        o.add("peak_time", integer: ev.peakTime)
        o.add("limit", integer: p.usageLimit)
        o.add("feasible", bool: ev.feasible)
        if let time = ev.firstViolationTime, let message = violation {
            var v = JSONObject()
            v.add("time", integer: time)
            v.add("excess", integer: ev.firstViolationExcess)
            v.add("largest_node", integer: ev.firstViolationLargestNode)
            v.add("message", string: message)
            o.add("violation", raw: v.text)
        } else {
            o.add("violation", raw: "null")
        }
        return o.text
    }
}

/// A JSON object written field by field on one line, keys in the order added.
struct JSONObject {
    private var fields: [String] = []

    var text: String { "{" + fields.joined(separator: ", ") + "}" }

    mutating func add(_ key: String, raw: String) { fields.append(Self.quoted(key) + ": " + raw) }
    mutating func add(_ key: String, string: String) { add(key, raw: Self.quoted(string)) }
    mutating func add(_ key: String, bool: Bool) { add(key, raw: bool ? "true" : "false") }
    mutating func add(_ key: String, number: Double) { add(key, raw: number.isFinite ? String(number) : "null") }
    mutating func add<T: BinaryInteger>(_ key: String, integer: T?) { add(key, raw: integer.map { String($0) } ?? "null") }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
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
        let n = chunk.withUnsafeMutableBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return read(fd, base, buffer.count)
        }
        if n < 0 {
            if errno == EINTR { continue }
            throw CLIFailure(message: "\(path): cannot read: \(String(cString: strerror(errno)))", code: 2)
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0 ..< n])
    }
    return String(decoding: bytes, as: UTF8.self)
}
