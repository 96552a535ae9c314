import Foundation
import Model
import XCTest

// MARK: - Fixtures built in code

/// A small valid document assembled from text fragments; each test replaces one fragment.
/// `nil` leaves the key out. Node 0 has 3 strategies, node 1 has 4, node 2 has 1, so the
/// edge [0, 1] needs 3 x 4 = 12 entries and the edge [1, 2] needs 4.
struct ReaderDoc {
    var intervals: String? = "[[0, 2], [1, 3], [2, 4]]"
    var costs: String? = "[[1, 2, 3], [4, 5, 6, 7], [8]]"
    var usages: String? = "[[1, 2, 3], [4, 5, 6, 7], [8]]"
    var hasEdges = true
    var edgeNodes: String? = "[[1, 2], [0, 1]]"
    var edgeCosts: String? = "[[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]"
    var limit: String? = "100"
    var hasNodes = true

    var text: String {
        var nodeParts: [String] = []
        if let intervals { nodeParts.append("\"intervals\": \(intervals)") }
        if let costs { nodeParts.append("\"costs\": \(costs)") }
        if let usages { nodeParts.append("\"usages\": \(usages)") }
        var edgeParts: [String] = []
        if let edgeNodes { edgeParts.append("\"nodes\": \(edgeNodes)") }
        if let edgeCosts { edgeParts.append("\"costs\": \(edgeCosts)") }
        var problem = ["\"name\": \"doc\""]
        if hasNodes { problem.append("\"nodes\": {\(nodeParts.joined(separator: ", "))}") }
        if hasEdges { problem.append("\"edges\": {\(edgeParts.joined(separator: ", "))}") }
        if let limit { problem.append("\"usage_limit\": \(limit)") }
        return "{\"problem\": {\(problem.joined(separator: ", "))}}"
    }
}

/// Unique temporary paths; the files are removed by `ReaderTests.tearDown`.
final class TempFiles: @unchecked Sendable {
    private var paths: [String] = []
    private let lock = NSLock()

    func path(_ tag: String) -> String {
        let p = NSTemporaryDirectory() + "iopddl-readertest-\(getpid())-\(tag)-\(UUID().uuidString)"
        lock.withLock { paths.append(p) }
        return p
    }

    func write(_ bytes: [UInt8], _ tag: String) throws -> String {
        let p = path(tag)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }

    func removeAll() {
        lock.withLock {
            for p in paths { try? FileManager.default.removeItem(atPath: p) }
            paths.removeAll()
        }
    }
}

/// Compresses with the system's `gzip` (deterministic: `-n` leaves the name and time out).
func gzipBytes(_ bytes: [UInt8], temp: TempFiles, level: Int = 6) throws -> [UInt8] {
    let input = try temp.write(bytes, "plain")
    let output = temp.path("gz")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "gzip -c -n -\(level) \"$0\" > \"$1\"", input, output]
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw XCTSkip("the system gzip command failed (status \(p.terminationStatus))")
    }
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
}

/// Asserts that every flat array of two problems is identical.
func assertSameProblem(_ a: Problem, _ b: Problem, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.name, b.name, "\(what): name", file: file, line: line)
    XCTAssertEqual(a.intervalLo, b.intervalLo, "\(what): intervalLo", file: file, line: line)
    XCTAssertEqual(a.intervalHi, b.intervalHi, "\(what): intervalHi", file: file, line: line)
    XCTAssertEqual(a.strategyOffset, b.strategyOffset, "\(what): strategyOffset", file: file, line: line)
    XCTAssertEqual(a.nodeCost, b.nodeCost, "\(what): nodeCost", file: file, line: line)
    XCTAssertEqual(a.nodeUsage, b.nodeUsage, "\(what): nodeUsage", file: file, line: line)
    XCTAssertEqual(a.edgeNodeOffset, b.edgeNodeOffset, "\(what): edgeNodeOffset", file: file, line: line)
    XCTAssertEqual(a.edgeNodes, b.edgeNodes, "\(what): edgeNodes", file: file, line: line)
    XCTAssertEqual(a.edgeCostOffset, b.edgeCostOffset, "\(what): edgeCostOffset", file: file, line: line)
    XCTAssertEqual(a.edgeCost, b.edgeCost, "\(what): edgeCost", file: file, line: line)
    XCTAssertEqual(a.usageLimit, b.usageLimit, "\(what): usageLimit", file: file, line: line)
}

final class ReaderTests: XCTestCase {
    let temp = TempFiles()

    override func tearDown() {
        temp.removeAll()
        super.tearDown()
    }

    // MARK: Helpers

    private func read(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Problem {
        do {
            return try ProblemReader.read(bytes: Array(text.utf8), name: "case.json")
        } catch {
            XCTFail("unexpected error: \(error)", file: file, line: line)
            throw error
        }
    }

    /// Reads bytes that must be rejected; checks the file name, the exact JSON path and that the
    /// message contains `message`.
    private func expectError(
        _ bytes: [UInt8], path: String, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let p = try ProblemReader.read(bytes: bytes, name: "case.json")
            XCTFail("accepted invalid input (\(p.nodeCount) nodes); expected an error at '\(path)' containing '\(message)'",
                    file: file, line: line)
        } catch {
            XCTAssertEqual(error.file, "case.json", "\(error)", file: file, line: line)
            XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(message), "message \"\(error.message)\" lacks \"\(message)\"",
                          file: file, line: line)
            // The description is what the CLI prints: file, path, message.
            XCTAssertTrue(error.description.hasPrefix("case.json: "), error.description, file: file, line: line)
        }
    }

    private func expectError(
        _ text: String, path: String, _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        expectError(Array(text.utf8), path: path, message, file: file, line: line)
    }

    private func expectFileError(
        _ filePath: String, path: String = "", _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let p = try ProblemReader.read(path: filePath)
            XCTFail("accepted invalid file (\(p.nodeCount) nodes)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.file, filePath, "\(error)", file: file, line: line)
            XCTAssertEqual(error.path, path, "\(error)", file: file, line: line)
            XCTAssertTrue(error.message.contains(message), "message \"\(error.message)\" lacks \"\(message)\"",
                          file: file, line: line)
        }
    }

    // MARK: - The fixture itself is valid

    func testBaseDocumentIsValid() throws {
        let p = try read(ReaderDoc().text)
        XCTAssertEqual(p.name, "doc")
        XCTAssertEqual(p.nodeCount, 3)
        XCTAssertEqual(p.edgeCount, 2)
        XCTAssertEqual(p.strategyOffset, [0, 3, 7, 8])
        XCTAssertEqual(p.edgeNodes, [1, 2, 0, 1])
        XCTAssertEqual(p.edgeCostOffset, [0, 4, 16])
        XCTAssertEqual(p.usageLimit, 100)
    }

    // MARK: - Malformed input: one test per case

    func testNotJSON() {
        expectError("hello world", path: "", "expected a JSON object at the top level, found 'h'")
    }

    func testEmptyInput() {
        expectError("", path: "", "found end of input")
    }

    func testTruncatedInsideArray() {
        let text = ReaderDoc().text
        // Cut in the middle of problem.nodes.costs[1] = [4, 5, 6, 7], just after "5".
        let cut = text.range(of: "[4, 5")!.upperBound
        expectError(String(text[..<cut]), path: "problem.nodes.costs[1][1]", "found end of input")
    }

    func testTruncatedInsideKey() {
        let text = ReaderDoc().text
        let cut = text.range(of: "\"usa")!.upperBound
        expectError(String(text[..<cut]), path: "problem.nodes", "unterminated string")
    }

    func testTrailingGarbage() {
        expectError(ReaderDoc().text + " \n x", path: "", "expected end of input after the top-level object, found 'x'")
    }

    func testSecondTopLevelObject() {
        expectError(ReaderDoc().text + ReaderDoc().text, path: "", "expected end of input after the top-level object")
    }

    func testTopLevelArray() {
        expectError("[" + ReaderDoc().text + "]", path: "", "expected a JSON object at the top level, found '['")
    }

    func testMissingProblem() {
        expectError("{\"name\": \"x\", \"other\": {\"nodes\": 1}}", path: "", "missing required key \"problem\"")
    }

    func testProblemNotAnObject() {
        expectError("{\"problem\": [1, 2]}", path: "problem", "expected an object, found '['")
    }

    func testMissingNodes() {
        var d = ReaderDoc()
        d.hasNodes = false
        expectError(d.text, path: "problem", "missing required key \"nodes\"")
    }

    func testMissingIntervals() {
        var d = ReaderDoc()
        d.intervals = nil
        expectError(d.text, path: "problem.nodes", "missing required key \"intervals\"")
    }

    func testMissingCosts() {
        var d = ReaderDoc()
        d.costs = nil
        expectError(d.text, path: "problem.nodes", "missing required key \"costs\"")
    }

    func testMissingUsages() {
        var d = ReaderDoc()
        d.usages = nil
        expectError(d.text, path: "problem.nodes", "missing required key \"usages\"")
    }

    func testEdgesWithoutCosts() {
        var d = ReaderDoc()
        d.edgeCosts = nil
        expectError(d.text, path: "problem.edges", "missing required key \"costs\"")
    }

    func testEdgesWithoutNodes() {
        var d = ReaderDoc()
        d.edgeNodes = nil
        expectError(d.text, path: "problem.edges", "missing required key \"nodes\"")
    }

    func testIntervalsAndCostsCountMismatch() {
        var d = ReaderDoc()
        d.intervals = "[[0, 2], [1, 3], [2, 4], [3, 5]]"
        expectError(d.text, path: "problem.nodes.costs", "expected 4 entries (one per interval), found 3")
    }

    func testUsagesCountMismatch() {
        var d = ReaderDoc()
        d.usages = "[[1, 2, 3], [4, 5, 6, 7]]"
        expectError(d.text, path: "problem.nodes.usages", "expected 3 entries (one per interval), found 2")
    }

    func testUsagesRowLengthDiffersFromCosts() {
        var d = ReaderDoc()
        d.usages = "[[1, 2, 3], [4, 5, 6], [8]]"
        expectError(d.text, path: "problem.nodes.usages[1]", "expected 4 entries")
        expectError(d.text, path: "problem.nodes.usages[1]", "found 3")
    }

    func testNodeWithoutStrategies() {
        var d = ReaderDoc()
        d.costs = "[[1, 2, 3], [4, 5, 6, 7], []]"
        d.usages = "[[1, 2, 3], [4, 5, 6, 7], []]"
        d.edgeNodes = "[[0, 1]]"
        d.edgeCosts = "[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]"
        expectError(d.text, path: "problem.nodes.costs[2]", "expected at least one strategy, found none")
    }

    func testIntervalWithThreeEntries() {
        var d = ReaderDoc()
        d.intervals = "[[0, 2], [1, 3, 5], [2, 4]]"
        expectError(d.text, path: "problem.nodes.intervals[1]", "expected 2 entries [lo, hi], found 3")
    }

    func testEdgeNodeIndexOutOfRange() {
        var d = ReaderDoc()
        d.edgeNodes = "[[1, 2], [0, 3]]"
        expectError(d.text, path: "problem.edges.nodes[1][1]", "expected a node index in 0..<3, found 3")
    }

    func testEdgeNodeIndexNegative() {
        var d = ReaderDoc()
        d.edgeNodes = "[[-1, 2], [0, 1]]"
        expectError(d.text, path: "problem.edges.nodes[0][0]", "expected a node index in 0..<3, found -1")
    }

    func testEdgeNodeIndexBeyondInt32() {
        var d = ReaderDoc()
        d.edgeNodes = "[[1, 2], [0, 4294967297]]"
        expectError(d.text, path: "problem.edges.nodes[1][1]", "found 4294967297")
    }

    func testEdgeTableTooShort() {
        var d = ReaderDoc()
        d.edgeCosts = "[[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]"
        expectError(d.text, path: "problem.edges.costs[1]", "expected 12 entries (3 x 4 strategies), found 11")
    }

    func testEdgeTableTooLong() {
        var d = ReaderDoc()
        d.edgeCosts = "[[10, 11, 12, 13, 14], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]"
        expectError(d.text, path: "problem.edges.costs[0]", "expected 4 entries (4 x 1 strategies), found 5")
    }

    func testEdgeCostsCountMismatch() {
        var d = ReaderDoc()
        d.edgeCosts = "[[10, 11, 12, 13]]"
        expectError(d.text, path: "problem.edges.costs", "expected 2 entries (one per edge), found 1")
    }

    func testFractionalNumber() {
        var d = ReaderDoc()
        d.costs = "[[1, 1.5, 3], [4, 5, 6, 7], [8]]"
        expectError(d.text, path: "problem.nodes.costs[0][1]", "expected an integer, found a number with a fraction or exponent")
    }

    func testExponentNumber() {
        var d = ReaderDoc()
        d.edgeCosts = "[[10, 11, 12, 1e3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]"
        expectError(d.text, path: "problem.edges.costs[0][3]", "fraction or exponent")
    }

    func testFractionalNumberNearEndOfInput() {
        // Near the end the scanner takes its slow path; same message.
        var d = ReaderDoc()
        d.limit = "7.0"
        expectError(d.text, path: "problem.usage_limit", "fraction or exponent")
    }

    func testNumberBeyondInt64Max() {
        var d = ReaderDoc()
        d.costs = "[[1, 9223372036854775808, 3], [4, 5, 6, 7], [8]]"
        expectError(d.text, path: "problem.nodes.costs[0][1]", "fits in 64 bits")
    }

    func testNumberBelowInt64Min() {
        var d = ReaderDoc()
        d.intervals = "[[0, 2], [-9223372036854775809, 3], [2, 4]]"
        expectError(d.text, path: "problem.nodes.intervals[1][0]", "fits in 64 bits")
    }

    func testNumberWithManyDigits() {
        var d = ReaderDoc()
        d.edgeCosts = "[[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 123456789012345678901234567890]]"
        expectError(d.text, path: "problem.edges.costs[1][11]", "fits in 64 bits")
    }

    func testUsageLimitString() {
        var d = ReaderDoc()
        d.limit = "\"100\""
        expectError(d.text, path: "problem.usage_limit", "expected an integer, found '\"'")
    }

    func testUsageLimitFloat() {
        var d = ReaderDoc()
        d.limit = "100.25"
        expectError(d.text, path: "problem.usage_limit", "fraction or exponent")
    }

    func testUsageLimitNegative() {
        var d = ReaderDoc()
        d.limit = "-1"
        expectError(d.text, path: "problem.usage_limit", "expected a non-negative integer, found -1")
    }

    func testNegativeUsage() {
        var d = ReaderDoc()
        d.usages = "[[1, 2, 3], [4, 5, -6, 7], [8]]"
        expectError(d.text, path: "problem.nodes.usages[1][2]", "expected a non-negative usage, found -6")
    }

    func testStringWhereIntegerExpected() {
        var d = ReaderDoc()
        d.costs = "[[1, \"2\", 3], [4, 5, 6, 7], [8]]"
        expectError(d.text, path: "problem.nodes.costs[0][1]", "expected an integer")
    }

    func testMissingComma() {
        var d = ReaderDoc()
        d.costs = "[[1, 2 3], [4, 5, 6, 7], [8]]"
        expectError(d.text, path: "problem.nodes.costs[0][1]", "expected ',' or ']', found '3'")
    }

    func testDuplicateKey() {
        let text = "{\"problem\": {\"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1]], \"costs\": [[2]], \"usages\": [[1]]}}}"
        expectError(text, path: "problem.nodes", "duplicate key \"costs\"")
    }

    func testDuplicateProblemKey() {
        let d = ReaderDoc().text
        let inner = String(d.dropFirst().dropLast())  // "problem": {...}
        expectError("{\(inner), \(inner)}", path: "", "duplicate key \"problem\"")
    }

    func testCorruptGzip() throws {
        var gz = try gzipBytes(Array(ReaderDoc().text.utf8), temp: temp)
        XCTAssertGreaterThan(gz.count, 40)
        // Flip bytes in the middle of the deflate data (header is 10 bytes, trailer 8).
        let mid = gz.count / 2
        for i in mid - 3 ... mid + 3 { gz[i] ^= 0xA5 }
        expectError(gz, path: "", "corrupt gzip data")
    }

    func testCorruptGzipTrailerChecksum() throws {
        var gz = try gzipBytes(Array(ReaderDoc().text.utf8), temp: temp)
        gz[gz.count - 6] ^= 0xFF  // CRC-32 of the data
        expectError(gz, path: "", "corrupt gzip data")
    }

    func testTruncatedGzip() throws {
        let gz = try gzipBytes(Array(ReaderDoc().text.utf8), temp: temp)
        expectError(Array(gz[..<(gz.count / 2)]), path: "", "truncated")
    }

    func testGzipWithoutTrailer() throws {
        // All the JSON is there, only the 8-byte trailer (CRC, size) is missing.
        let gz = try gzipBytes(Array(ReaderDoc().text.utf8), temp: temp)
        expectError(Array(gz[..<(gz.count - 8)]), path: "", "truncated")
    }

    func testGarbageAfterGzipMember() throws {
        let gz = try gzipBytes(Array(ReaderDoc().text.utf8), temp: temp)
        expectError(gz + Array("xyz".utf8), path: "", "corrupt gzip data")
    }

    func testNonexistentFile() {
        let p = NSTemporaryDirectory() + "iopddl-no-such-file-\(UUID().uuidString).json"
        expectFileError(p, "cannot open: No such file or directory")
    }

    func testDirectory() {
        expectFileError(NSTemporaryDirectory(), "is a directory")
    }

    func testDeepNestingInUnknownKeyIsRejected() {
        let depth = 100_000
        let deep = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let text = "{\"problem\": {\"junk\": \(deep), \"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1]], \"usages\": [[1]]}}}"
        expectError(text, path: "problem.junk", "nesting deeper than \(ProblemReader.maxDepth) levels")
    }

    func testDeepNestingOfObjectsIsRejected() {
        let depth = 50_000
        let deep = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        expectError("{\"junk\": \(deep)}", path: "junk", "nesting deeper than")
    }

    func testDeepNestingWithinLimitIsSkipped() throws {
        let depth = 5_000
        let deep = String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
        let text = "{\"problem\": {\"junk\": \(deep), \"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1]], \"usages\": [[1]]}}}"
        let p = try read(text)
        XCTAssertEqual(p.nodeCount, 1)
    }

    func testUnbalancedSkippedValue() {
        let text = "{\"problem\": {\"junk\": [1, {\"a\": 2], \"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1]], \"usages\": [[1]]}}}"
        expectError(text, path: "problem.junk", "expected ',' or '}', found ']'")
    }

    func testBadLiteralInSkippedValue() {
        let text = "{\"problem\": {\"flag\": tru, \"nodes\": {\"intervals\": [[0, 1]], \"costs\": [[1]], \"usages\": [[1]]}}}"
        expectError(text, path: "problem.flag", "expected a JSON value")
    }

    // MARK: - Accepted input

    func testKeysInAnyOrder() throws {
        // Edges before nodes, usage_limit first, name last: the real files order keys like this.
        let text = """
            {"problem": {"usage_limit": 100, "edges": {"costs": [[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
            "nodes": [[1, 2], [0, 1]]}, "nodes": {"usages": [[1, 2, 3], [4, 5, 6, 7], [8]],
            "costs": [[1, 2, 3], [4, 5, 6, 7], [8]], "intervals": [[0, 2], [1, 3], [2, 4]]}, "name": "doc"}}
            """
        assertSameProblem(try read(text), try read(ReaderDoc().text), "reordered keys")
    }

    func testUnknownKeysAtEveryLevelAreSkipped() throws {
        let junk = #"{"s": "a \"quoted\" \\ \/ \b\f\n\r\t \u00e9 \ud83d text", "n": [-1.5e-3, 0, 2E+10, true, false, null], "o": {"x": [[], {}, [{}]]}}"#
        let text = """
            {"before": \(junk), "problem": {"x0": 1, "name": "doc", "x1": \(junk), "nodes": {"x2": \(junk),
            "intervals": [[0, 2], [1, 3], [2, 4]], "costs": [[1, 2, 3], [4, 5, 6, 7], [8]], "x3": null,
            "usages": [[1, 2, 3], [4, 5, 6, 7], [8]]}, "edges": {"x4": "str", "nodes": [[1, 2], [0, 1]],
            "costs": [[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]], "x5": \(junk)},
            "usage_limit": 100, "x6": [1, 2, [3]]}, "after": \(junk)}
            """
        assertSameProblem(try read(text), try read(ReaderDoc().text), "unknown keys")
    }

    func testNameWithEscapes() throws {
        let text = #"{"problem": {"name": "a\"b\\c\u0041\n", "nodes": {"intervals": [[0, 1]], "costs": [[1]], "usages": [[1]]}}}"#
        XCTAssertEqual(try read(text).name, "a\"b\\cA\n")
    }

    func testUsageLimitAbsentIsNil() throws {
        var d = ReaderDoc()
        d.limit = nil
        XCTAssertNil(try read(d.text).usageLimit)
    }

    func testUsageLimitNullIsNil() throws {
        var d = ReaderDoc()
        d.limit = "null"
        XCTAssertNil(try read(d.text).usageLimit)
    }

    func testUsageLimitZero() throws {
        var d = ReaderDoc()
        d.limit = "0"
        XCTAssertEqual(try read(d.text).usageLimit, 0)
    }

    func testWhitespaceEverywhere() throws {
        // Insert every JSON whitespace character between all tokens.
        let ws = " \t\r\n \n"
        var out = ws
        for ch in ReaderDoc().text {
            if "{}[],:".contains(ch) {
                out += ws + String(ch) + ws
            } else if ch == " " {
                out += ws
            } else {
                out.append(ch)
            }
        }
        out += ws
        assertSameProblem(try read(out), try read(ReaderDoc().text), "whitespace")
    }

    func testInt64Extremes() throws {
        var d = ReaderDoc()
        d.costs = "[[-9223372036854775808, 9223372036854775807, 0], [4, 5, 6, 7], [-0]]"
        d.edgeCosts = "[[10, 11, 12, 13], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -9223372036854775808, 9223372036854775807]]"
        d.intervals = "[[-9223372036854775808, 9223372036854775807], [1, 3], [2, 4]]"
        d.limit = "9223372036854775807"
        let p = try read(d.text)
        XCTAssertEqual(Array(p.nodeCost[0 ..< 3]), [Int64.min, Int64.max, 0])
        XCTAssertEqual(p.nodeCost[7], 0)
        XCTAssertEqual(Array(p.edgeCost.suffix(2)), [Int64.min, Int64.max])
        XCTAssertEqual(p.intervalLo[0], Int64.min)
        XCTAssertEqual(p.intervalHi[0], Int64.max)
        XCTAssertEqual(p.usageLimit, Int64.max)
    }

    func testInt64ExtremesAtEndOfInput() throws {
        // The last number of the file sits where the scanner's slow path runs.
        var d = ReaderDoc()
        d.limit = "9223372036854775807"
        XCTAssertEqual(try read(d.text + " ").usageLimit, Int64.max)
        d.limit = "9223372036854775808"
        expectError(d.text, path: "problem.usage_limit", "fits in 64 bits")
    }

    func testEmptyEdgeList() throws {
        var d = ReaderDoc()
        d.edgeNodes = "[]"
        d.edgeCosts = "[]"
        let p = try read(d.text)
        XCTAssertEqual(p.edgeCount, 0)
        XCTAssertEqual(p.edgeNodeOffset, [0])
        XCTAssertEqual(p.edgeCostOffset, [0])
        XCTAssertEqual(p.nodeCount, 3)
    }

    func testNoEdgesKey() throws {
        var d = ReaderDoc()
        d.hasEdges = false
        XCTAssertEqual(try read(d.text).edgeCount, 0)
    }

    func testEmptyIntervalsAndArity3Edge() throws {
        var d = ReaderDoc()
        d.intervals = "[[0, 0], [5, 2], [2, 4]]"
        d.edgeNodes = "[[0, 1, 2]]"
        d.edgeCosts = "[[" + (0 ..< 12).map(String.init).joined(separator: ", ") + "]]"
        let p = try read(d.text)
        XCTAssertEqual(p.intervalLo, [0, 5, 2])
        XCTAssertEqual(p.intervalHi, [0, 2, 4])
        XCTAssertEqual([p.isLive(0), p.isLive(1), p.isLive(2)], [false, false, true])
        XCTAssertEqual(Array(p.edgeNodeList(0)), [0, 1, 2])
        XCTAssertEqual(p.edgeCostOffset, [0, 12])
    }

    func testFormatExample() throws {
        // The format's example (5 nodes), written inline.
        let text = """
            {"problem": {"name": "example",
              "nodes": {"intervals": [[30, 70], [40, 70], [50, 120], [110, 140], [110, 150]],
                        "costs": [[15], [55, 65], [25, 45, 35], [85, 75], [95]],
                        "usages": [[10], [25, 25], [15, 20, 15], [10, 10], [15]]},
              "edges": {"nodes": [[0, 1], [0, 2], [1, 3], [2, 4], [3, 4]],
                        "costs": [[30, 40], [50, 10, 40], [90, 10, 20, 80], [60, 20, 30], [70, 60]]},
              "usage_limit": 50}}
            """
        let p = try read(text)
        XCTAssertEqual(p.name, "example")
        XCTAssertEqual(p.nodeCount, 5)
        XCTAssertEqual(p.edgeCount, 5)
        XCTAssertEqual(p.intervalLo, [30, 40, 50, 110, 110])
        XCTAssertEqual(p.intervalHi, [70, 70, 120, 140, 150])
        XCTAssertEqual(p.strategyOffset, [0, 1, 3, 6, 8, 9])
        XCTAssertEqual(p.nodeCost, [15, 55, 65, 25, 45, 35, 85, 75, 95])
        XCTAssertEqual(p.nodeUsage, [10, 25, 25, 15, 20, 15, 10, 10, 15])
        XCTAssertEqual(p.edgeNodeOffset, [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(p.edgeNodes, [0, 1, 0, 2, 1, 3, 2, 4, 3, 4])
        XCTAssertEqual(p.edgeCostOffset, [0, 2, 5, 9, 12, 14])
        XCTAssertEqual(p.edgeCost, [30, 40, 50, 10, 40, 90, 10, 20, 80, 60, 20, 30, 70, 60])
        XCTAssertEqual(p.usageLimit, 50)
        // The optimum [0, 0, 2, 1, 0]: nodes 15 + 55 + 35 + 75 + 95 = 275, edges 30 + 40 + 10 + 30 + 60 = 170
        // (EvaluatorTests.testFormatExampleOptimum spells out the indices).
        XCTAssertEqual(try Evaluator.evaluate(p, [0, 0, 2, 1, 0]).cost, 445)
    }

    func testReadWithInfo() throws {
        let text = ReaderDoc().text
        let plain = try temp.write(Array(text.utf8), "info.json")
        let (p, info) = try ProblemReader.readWithInfo(path: plain)
        XCTAssertEqual(p.nodeCount, 3)
        XCTAssertFalse(info.gzip)
        XCTAssertEqual(info.fileBytes, text.utf8.count)
        XCTAssertEqual(info.textBytes, text.utf8.count)

        let gz = try gzipBytes(Array(text.utf8), temp: temp)
        let gzPath = try temp.write(gz, "info.json.gz")
        let (q, gzInfo) = try ProblemReader.readWithInfo(path: gzPath)
        assertSameProblem(p, q, "gzip")
        XCTAssertTrue(gzInfo.gzip)
        XCTAssertEqual(gzInfo.fileBytes, gz.count)
        XCTAssertEqual(gzInfo.textBytes, text.utf8.count)
    }

    func testGzipReadsLikePlain() throws {
        let text = Array(ReaderDoc().text.utf8)
        let gz = try gzipBytes(text, temp: temp)
        XCTAssertEqual(Array(gz.prefix(2)), [0x1F, 0x8B])
        assertSameProblem(try ProblemReader.read(bytes: gz, name: "g"), try ProblemReader.read(bytes: text, name: "g"), "gzip")
    }

    func testConcatenatedGzipMembers() throws {
        let text = Array(ReaderDoc().text.utf8)
        // Split in the middle of a number and of a key; three members.
        let a = 17, b = text.count / 2
        let gz = try gzipBytes(Array(text[..<a]), temp: temp) + gzipBytes(Array(text[a ..< b]), temp: temp)
            + gzipBytes(Array(text[b...]), temp: temp)
        assertSameProblem(try ProblemReader.read(bytes: gz, name: "g"), try ProblemReader.read(bytes: text, name: "g"), "members")
    }

    func testEmptyGzipMemberBetweenMembers() throws {
        let text = Array(ReaderDoc().text.utf8)
        let gz = try gzipBytes(Array(text[..<40]), temp: temp) + gzipBytes([], temp: temp)
            + gzipBytes(Array(text[40...]), temp: temp)
        assertSameProblem(try ProblemReader.read(bytes: gz, name: "g"), try ProblemReader.read(bytes: text, name: "g"), "empty member")
    }

    // MARK: - Larger than one 4 MiB chunk

    func testFileLargerThanChunkSize() throws {
        let chunk = 1 << 22
        var big = BigInstance(seed: 0x5EED_0001, targetBytes: 10_000_000, boundaries: [chunk, 2 * chunk])
        let text = big.build()
        XCTAssertGreaterThan(text.count, 2 * chunk + 1000)
        // The generator placed numbers across both chunk boundaries.
        XCTAssertEqual(big.straddled.count, 2, "numbers straddling \(big.straddled)")
        let plainPath = try temp.write(text, "big.json")
        let p = try ProblemReader.read(path: plainPath)
        XCTAssertEqual(p.nodeCount, big.costs.count)
        XCTAssertEqual(p.edgeCount, big.edgeNodes.count)
        XCTAssertEqual(p.intervalLo, big.intervals.map(\.0))
        XCTAssertEqual(p.intervalHi, big.intervals.map(\.1))
        XCTAssertEqual(p.nodeCost, big.costs.flatMap { $0 })
        XCTAssertEqual(p.nodeUsage, big.usages.flatMap { $0 })
        XCTAssertEqual(p.edgeNodes, big.edgeNodes.flatMap { $0.map(Int32.init) })
        XCTAssertEqual(p.edgeCost, big.edgeCosts.flatMap { $0 })
        XCTAssertEqual(p.usageLimit, big.limit)

        let gz = try gzipBytes(text, temp: temp, level: 1)
        let gzPath = try temp.write(gz, "big.json.gz")
        let (q, info) = try ProblemReader.readWithInfo(path: gzPath)
        XCTAssertTrue(info.gzip)
        XCTAssertEqual(info.textBytes, text.count)
        assertSameProblem(p, q, "gzip of \(text.count) bytes")
    }
}

/// A seeded instance of about `targetBytes` of JSON with numbers of every width, some negative.
/// At each offset in `boundaries` a 19-digit number is placed so that it straddles the offset.
struct BigInstance {
    var rng: SplitMix64
    let targetBytes: Int
    let boundaries: [Int]
    var intervals: [(Int64, Int64)] = []
    var costs: [[Int64]] = []
    var usages: [[Int64]] = []
    var edgeNodes: [[Int]] = []
    var edgeCosts: [[Int64]] = []
    var limit: Int64 = 0
    /// Boundaries that a number was placed across.
    var straddled: [Int] = []
    private var out: [UInt8] = []

    init(seed: UInt64, targetBytes: Int, boundaries: [Int]) {
        rng = SplitMix64(seed: seed)
        self.targetBytes = targetBytes
        self.boundaries = boundaries
    }

    private mutating func number() -> Int64 {
        switch rng.next() % 6 {
        case 0: return Int64(rng.next() % 10)
        case 1: return Int64(rng.next() % 100_000)
        case 2: return -Int64(rng.next() % 1_000_000)
        case 3: return 1_000_000_000_000_000_000
        case 4: return Int64(bitPattern: rng.next())
        default: return Int64(rng.next() % 1_000_000_000_000)
        }
    }

    /// Appends a number; near a boundary, pads so that a long number crosses it.
    private mutating func emit(_ v: Int64) -> Int64 {
        var v = v
        for b in boundaries where out.count < b && out.count + 40 > b && !straddled.contains(b) {
            // First boundary: 9 digits before it, 10 after. Second: the minus sign just before it.
            let negative = straddled.count % 2 == 1
            v = negative ? -1_234_567_890_123_456_789 : 1_234_567_890_123_456_789
            let start = negative ? b - 1 : b - 9
            if start >= out.count {
                out.append(contentsOf: [UInt8](repeating: 0x20, count: start - out.count))
            }
            straddled.append(b)  // a 19-digit number starting in (b - 9, b) crosses b as well
        }
        out.append(contentsOf: String(v).utf8)
        return v
    }

    private mutating func emitList(_ values: [Int64]) -> [Int64] {
        out.append(0x5B)
        var kept: [Int64] = []
        for (k, v) in values.enumerated() {
            if k > 0 { out.append(contentsOf: Array(", ".utf8)) }
            kept.append(emit(v))
        }
        out.append(0x5D)
        return kept
    }

    mutating func build() -> [UInt8] {
        // Pick sizes first: about 40 bytes per node and 12 per edge-table entry.
        let n = max(2, targetBytes / 4 / 120)
        var k: [Int] = []
        for _ in 0 ..< n { k.append(1 + Int(rng.next() % 8)) }
        var tables: [(Int, Int)] = []
        var entries = 0
        while entries * 12 < targetBytes * 3 / 4 {
            let u = Int(rng.next() % UInt64(n)), v = Int(rng.next() % UInt64(n))
            tables.append((u, v))
            entries += k[u] * k[v]
        }
        out = Array(#"{"problem": {"name": "big", "edges": {"nodes": ["#.utf8)
        for (e, (u, v)) in tables.enumerated() {
            if e > 0 { out.append(0x2C) }
            out.append(contentsOf: Array("[\(u), \(v)]".utf8))
            edgeNodes.append([u, v])
        }
        out.append(contentsOf: Array(#"], "costs": ["#.utf8))
        for (e, (u, v)) in tables.enumerated() {
            if e > 0 { out.append(contentsOf: Array(",\n".utf8)) }
            var row: [Int64] = []
            for _ in 0 ..< k[u] * k[v] { row.append(number()) }
            edgeCosts.append(emitList(row))
        }
        out.append(contentsOf: Array(#"]}, "nodes": {"intervals": ["#.utf8))
        for i in 0 ..< n {
            if i > 0 { out.append(0x2C) }
            let lo = Int64(rng.next() % 100_000)
            let hi = lo + Int64(rng.next() % 1000) - 100
            let pair = emitList([lo, hi])
            intervals.append((pair[0], pair[1]))
        }
        out.append(contentsOf: Array(#"], "costs": ["#.utf8))
        for i in 0 ..< n {
            if i > 0 { out.append(0x2C) }
            var row: [Int64] = []
            for _ in 0 ..< k[i] { row.append(number()) }
            costs.append(emitList(row))
        }
        out.append(contentsOf: Array(#"], "usages": ["#.utf8))
        for i in 0 ..< n {
            if i > 0 { out.append(0x2C) }
            var row: [Int64] = []
            for _ in 0 ..< k[i] { row.append(Int64(rng.next() % 1_000_000_000)) }
            usages.append(emitList(row))
        }
        limit = Int64(rng.next() % 1_000_000_000_000)
        out.append(contentsOf: Array("]}, \"usage_limit\": \(limit)}}\n".utf8))
        return out
    }
}

/// Seeded generator for tests (SplitMix64).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in `range` (small ranges; modulo bias is irrelevant here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}
