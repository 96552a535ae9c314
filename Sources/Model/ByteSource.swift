import CZlib
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file in chunks, inflating it on the fly when it starts with the gzip magic bytes.
/// Owns its file descriptor and zlib state; not shared between threads.
final class ByteSource {
    let file: String
    private let fd: Int32
    let isGzip: Bool
    private var stream: UnsafeMutablePointer<z_stream>?
    private let inCapacity = 1 << 20
    private var inBuffer: UnsafeMutablePointer<UInt8>?
    private var inputFinished = false
    private var memberEnded = false
    /// Bytes read from the file so far (compressed bytes for gzip).
    private(set) var fileBytesRead = 0
    /// Bytes handed out so far (decompressed bytes for gzip).
    private(set) var bytesProduced = 0
    /// The first bytes, read to sniff the format; handed out before anything else.
    private var pending: [UInt8] = []

    init(path: String) throws(InputError) {
        file = path
        let fd = open(path, O_RDONLY)
        if fd < 0 {
            throw InputError(file: path, path: "", "cannot open: \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputError(file: path, path: "", "cannot read: is a directory")
        }
        // Sniff the first two bytes.
        var head = [UInt8](repeating: 0, count: 2)
        var got = 0
        while got < 2 {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, 2 - got) }
            if n < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                throw InputError(file: path, path: "", "cannot read: \(message)")
            }
            if n == 0 { break }
            got += n
        }
        fileBytesRead = got
        head.removeLast(2 - got)
        isGzip = got == 2 && head[0] == 0x1f && head[1] == 0x8b
        if isGzip {
            let s = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            s.initialize(to: z_stream())
            let buf = UnsafeMutablePointer<UInt8>.allocate(capacity: inCapacity)
            buf[0] = head[0]
            buf[1] = head[1]
            s.pointee.next_in = buf
            s.pointee.avail_in = 2
            // 15 + 16: gzip wrapper only.
            if iopddl_inflateInit2(s, 15 + 16) != Z_OK {
                s.deallocate()
                buf.deallocate()
                close(fd)
                throw InputError(file: path, path: "", "cannot initialise zlib")
            }
            stream = s
            inBuffer = buf
        } else {
            pending = head
        }
    }

    deinit {
        if let s = stream {
            inflateEnd(s)
            s.deallocate()
        }
        inBuffer?.deallocate()
        close(fd)
    }

    private func readRaw(_ buf: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws(InputError) -> Int {
        while true {
            let n = read(fd, buf, capacity)
            if n >= 0 {
                fileBytesRead += n
                return n
            }
            if errno == EINTR { continue }
            throw InputError(file: file, path: "", "cannot read: \(String(cString: strerror(errno)))")
        }
    }

    /// Fills `buf` with up to `capacity` bytes; returns 0 only at the end of the data.
    /// Not to be mixed with `ChunkReader` on the same source.
    func fill(_ buf: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws(InputError) -> Int {
        let n = try fillInner(buf, capacity)
        bytesProduced += n
        return n
    }

    private func fillInner(_ buf: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws(InputError) -> Int {
        if !pending.isEmpty {
            let n = min(pending.count, capacity)
            for i in 0 ..< n { buf[i] = pending[i] }
            pending.removeFirst(n)
            return n
        }
        guard let s = stream, let inBuf = inBuffer else { return try readRaw(buf, capacity) }
        s.pointee.next_out = buf
        s.pointee.avail_out = UInt32(capacity)
        while s.pointee.avail_out == UInt32(capacity) {
            if s.pointee.avail_in == 0 && !inputFinished {
                let n = try readRaw(inBuf, inCapacity)
                if n == 0 { inputFinished = true }
                s.pointee.next_in = inBuf
                s.pointee.avail_in = UInt32(n)
            }
            if memberEnded {
                if s.pointee.avail_in == 0 && inputFinished { break }
                if s.pointee.avail_in == 0 { continue }
                // Another gzip member follows (concatenated .gz files are legal).
                if s.pointee.next_in[0] != 0x1f {
                    throw InputError(file: file, path: "", "corrupt gzip data: unexpected bytes after the end of the compressed stream")
                }
                inflateReset(s)
                memberEnded = false
            }
            let ret = inflate(s, Z_NO_FLUSH)
            switch ret {
            case Z_STREAM_END:
                memberEnded = true
            case Z_OK:
                break
            case Z_BUF_ERROR:
                if s.pointee.avail_in == 0 && inputFinished {
                    throw InputError(file: file, path: "", "corrupt gzip data: the compressed stream is truncated")
                }
            default:
                let detail = s.pointee.msg.map { String(cString: $0) } ?? "error \(ret)"
                throw InputError(file: file, path: "", "corrupt gzip data: \(detail)")
            }
        }
        return capacity - Int(s.pointee.avail_out)
    }
}

/// Hands out the bytes of a `ByteSource` in chunks. For gzip input a second thread inflates
/// ahead into a small ring of buffers, so decompression and parsing overlap on two cores.
final class ChunkReader: @unchecked Sendable {
    private let source: ByteSource
    let chunkSize = 1 << 22
    private let ringSize = 4
    private var buffers: [UnsafeMutablePointer<UInt8>] = []
    private var lengths: [Int]
    private var errors: [InputError?]
    private let filled = DispatchSemaphore(value: 0)
    private let emptied: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private var next = 0
    private var started = false
    private var stop = false  // set by the consumer; read by the producer between chunks
    private let threaded: Bool

    var file: String { source.file }

    init(_ source: ByteSource) {
        self.source = source
        threaded = source.isGzip
        let count = threaded ? ringSize : 1
        for _ in 0 ..< count { buffers.append(.allocate(capacity: chunkSize)) }
        lengths = [Int](repeating: 0, count: count)
        errors = [InputError?](repeating: nil, count: count)
        emptied = DispatchSemaphore(value: count)
    }

    private func produce() {
        var slot = 0
        while true {
            emptied.wait()
            if stop { break }
            do {
                lengths[slot] = try source.fill(buffers[slot], chunkSize)
                errors[slot] = nil
            } catch {
                lengths[slot] = 0
                errors[slot] = error
            }
            let done = lengths[slot] == 0
            filled.signal()
            if done { break }
            slot = (slot + 1) % buffers.count
        }
        finished.signal()
    }

    /// The next chunk; length 0 at the end. The previous chunk's memory is reused afterwards.
    func nextChunk() throws(InputError) -> (UnsafeMutablePointer<UInt8>, Int) {
        if next < 0 { return (buffers[0], 0) }  // already at the end
        if !threaded {
            let n = try source.fill(buffers[0], chunkSize)
            if n == 0 { next = -1 }
            return (buffers[0], n)
        }
        if !started {
            started = true
            DispatchQueue.global().async { [self] in produce() }
        } else {
            emptied.signal()  // the consumer is done with the previous chunk
        }
        filled.wait()
        let slot = next
        next = (next + 1) % buffers.count
        if let e = errors[slot] { throw e }
        if lengths[slot] == 0 { next = -1 }
        return (buffers[slot], lengths[slot])
    }

    deinit {
        if threaded && started {
            stop = true
            // Wake the producer if it waits for a free slot, then wait for it to leave.
            for _ in 0 ..< buffers.count { emptied.signal() }
            finished.wait()
        }
        for b in buffers { b.deallocate() }
    }
}
