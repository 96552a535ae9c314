import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a `Problem` as a problem file the reader accepts: compact JSON in the contest's key
/// order, gzip-compressed when the path ends in `.gz`. Deterministic: the same problem always
/// gives the same bytes (the gzip header zlib writes carries no time stamp or file name).
public enum ProblemWriter {
    /// zlib's default trade-off: files about as small as `gzip -6`, a few seconds for 100 MB.
    static let gzipLevel = 6
    /// Bytes collected before each write to the file or the compressor.
    static let chunkBytes = 1 << 22

    /// Writes `problem` to `path` (overwritten) and returns the bytes of JSON written
    /// (before compression). On failure the partial file is removed.
    @discardableResult
    public static func write(_ problem: Problem, to path: String) throws(ProblemWriteError) -> Int {
        let sink = try FileSink(path: path, gzip: path.hasSuffix(".gz"))
        var out = JSONChunks(sink: sink)
        out.emit(problem)
        out.flush()
        do {
            try sink.close()
        } catch {
            unlink(path)
            throw error
        }
        return sink.written
    }

    /// The JSON text of `problem` (for tests and small instances).
    public static func json(_ problem: Problem) -> [UInt8] {
        let sink = MemorySink()
        var out = JSONChunks(sink: sink)
        out.emit(problem)
        out.flush()
        return sink.bytes
    }
}

/// A file that could not be written: names the file and the reason.
public struct ProblemWriteError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - Sinks

private protocol ByteSink: AnyObject {
    func take(_ bytes: UnsafeBufferPointer<UInt8>)
}

private final class MemorySink: ByteSink {
    var bytes: [UInt8] = []
    func take(_ chunk: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: chunk) }
}

/// A plain or gzip file; remembers the first failure and reports it at `close`.
private final class FileSink: ByteSink {
    private let path: String
    private var plain: UnsafeMutablePointer<FILE>?
    private var compressed: gzFile?
    private var failure: String?
    private(set) var written = 0

    init(path: String, gzip: Bool) throws(ProblemWriteError) {
        self.path = path
        if gzip {
            compressed = gzopen(path, "wb\(ProblemWriter.gzipLevel)")
            if compressed == nil { throw ProblemWriteError("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        } else {
            plain = fopen(path, "wb")
            if plain == nil { throw ProblemWriteError("cannot open \(path) for writing: \(String(cString: strerror(errno)))") }
        }
    }

    deinit {
        if let f = plain { fclose(f) }
        if let g = compressed { gzclose(g) }
    }

    func take(_ chunk: UnsafeBufferPointer<UInt8>) {
        guard failure == nil, let base = chunk.baseAddress, chunk.count > 0 else { return }
        written += chunk.count
        if let f = plain {
            if fwrite(base, 1, chunk.count, f) != chunk.count { failure = String(cString: strerror(errno)) }
        } else if let g = compressed {
            if gzwrite(g, base, UInt32(chunk.count)) != Int32(chunk.count) { failure = "compression failed" }
        }
    }

    func close() throws(ProblemWriteError) {
        var problem = failure
        if let f = plain {
            plain = nil
            if fclose(f) != 0 && problem == nil { problem = String(cString: strerror(errno)) }
        }
        if let g = compressed {
            compressed = nil
            if gzclose(g) != Z_OK && problem == nil { problem = "compression failed" }
        }
        if let reason = problem { throw ProblemWriteError("cannot write \(path): \(reason)") }
    }
}

// MARK: - JSON text

private struct JSONChunks {
    let sink: ByteSink
    var buffer: [UInt8] = []

    init(sink: ByteSink) {
        self.sink = sink
        buffer.reserveCapacity(ProblemWriter.chunkBytes + 64)
    }

    mutating func flush() {
        buffer.withUnsafeBufferPointer { sink.take($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    @inline(__always) mutating func ascii(_ text: StaticString) {
        text.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    @inline(__always) mutating func byte(_ b: UInt8) { buffer.append(b) }

    /// Decimal digits of `value`; hands the buffer on once a chunk is full.
    mutating func int(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var v = value.magnitude
        let start = buffer.count
        repeat {
            buffer.append(UInt8(truncatingIfNeeded: 48 &+ v % 10))
            v /= 10
        } while v > 0
        buffer[start ..< buffer.count].reverse()
        if buffer.count >= ProblemWriter.chunkBytes { flush() }
    }

    mutating func string(_ s: String) {
        byte(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): ascii("\\\"")
            case UInt8(ascii: "\\"): ascii("\\\\")
            case 0x0A: ascii("\\n")
            case 0x0D: ascii("\\r")
            case 0x09: ascii("\\t")
            case 0 ..< 0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                ascii("\\u00")
                byte(hex[Int(c >> 4)])
                byte(hex[Int(c & 15)])
            default: byte(c)
            }
        }
        byte(UInt8(ascii: "\""))
    }

    /// `[[a, b, ...], ...]` for the segments `offsets[i] ..< offsets[i + 1]` of `values`.
    mutating func lists<T: BinaryInteger>(_ values: [T], _ offsets: [Int]) {
        byte(UInt8(ascii: "["))
        for i in 0 ..< offsets.count - 1 {
            if i > 0 { byte(UInt8(ascii: ",")) }
            byte(UInt8(ascii: "["))
            for j in offsets[i] ..< offsets[i + 1] {
                if j > offsets[i] { byte(UInt8(ascii: ",")) }
                int(Int64(values[j]))
            }
            byte(UInt8(ascii: "]"))
        }
        byte(UInt8(ascii: "]"))
    }

    mutating func emit(_ p: Problem) {
        ascii("{\"problem\":{\"name\":")
        string(p.name)
        ascii(",\"nodes\":{\"intervals\":[")
        for i in 0 ..< p.nodeCount {
            if i > 0 { byte(UInt8(ascii: ",")) }
            byte(UInt8(ascii: "["))
            int(p.intervalLo[i])
            byte(UInt8(ascii: ","))
            int(p.intervalHi[i])
            byte(UInt8(ascii: "]"))
        }
        ascii("],\"costs\":")
        lists(p.nodeCost, p.strategyOffset)
        ascii(",\"usages\":")
        lists(p.nodeUsage, p.strategyOffset)
        ascii("},\"edges\":{\"nodes\":")
        lists(p.edgeNodes, p.edgeNodeOffset)
        ascii(",\"costs\":")
        lists(p.edgeCost, p.edgeCostOffset)
        ascii("}")
        if let limit = p.usageLimit {
            ascii(",\"usage_limit\":")
            int(limit)
        }
        ascii("}}")
    }
}
