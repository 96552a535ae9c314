import CZlib
import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file in chunks, inflating it on the fly when it starts with the gzip magic bytes.
/// Owns its file descriptor and zlib state; not shared between threads.
///
/// A plain regular file can also be mapped window by window (`map`), which saves copying it
/// out of the page cache. (As with any mapping, a file truncated by another process while it is
/// being read would fault.)
final class ByteSource {
    let file: String
    private let fd: Int32
    let isGzip: Bool
    /// The file's size when it is a regular file (mappable, and gives a size hint).
    let regularFileSize: Int?
    /// A guess of the text size, for reserving address space: the file size for plain files,
    /// the gzip trailer's size field for gzip (exact for one member under 4 GiB; a hint only).
    private(set) var textSizeHint = 0
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
        let statOK = fstat(fd, &st) == 0
        if statOK && (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw InputError(file: path, path: "", "cannot read: is a directory")
        }
        regularFileSize = statOK && (st.st_mode & S_IFMT) == S_IFREG ? Int(st.st_size) : nil
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
            textSizeHint = gzipSizeHint()
        } else {
            pending = head
            textSizeHint = regularFileSize ?? 0
        }
    }

    /// The last member's uncompressed size modulo 2^32, from the trailer; never below twice
    /// the compressed size (JSON compresses at least that well).
    private func gzipSizeHint() -> Int {
        guard let size = regularFileSize, size >= 18 else { return 0 }
        var trailer: UInt32 = 0
        let n = withUnsafeMutableBytes(of: &trailer) { pread(fd, $0.baseAddress!, 4, off_t(size - 4)) }
        let isize = n == 4 ? Int(UInt32(littleEndian: trailer)) : 0
        return max(isize, 2 * size)
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

    /// Maps `length` bytes at `offset` of a plain regular file read-only and counts them as
    /// read and handed out; nil if the system refuses (the caller then reads instead).
    func map(offset: Int, length: Int) -> UnsafeMutablePointer<UInt8>? {
        let raw = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, off_t(offset))
        guard let raw, raw != MAP_FAILED else { return nil }
        fileBytesRead = offset + length
        bytesProduced = offset + length
        return raw.assumingMemoryBound(to: UInt8.self)
    }

    func unmap(_ p: UnsafeMutablePointer<UInt8>, length: Int) {
        munmap(p, length)
    }

    /// The current size of a regular file (it may change while being read), else nil.
    func currentSize() -> Int? {
        var st = stat()
        return fstat(fd, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Continues with `fill` from `offset` of a plain file after mapping it up to there.
    func continueReading(at offset: Int) throws(InputError) {
        if lseek(fd, off_t(offset), SEEK_SET) < 0 {
            throw InputError(file: file, path: "", "cannot read: \(String(cString: strerror(errno)))")
        }
        pending = []
        fileBytesRead = offset
        bytesProduced = offset
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

/// Hands out the bytes of a `ByteSource` in chunks. A plain regular file is mapped one window
/// at a time (no copy; only one window is resident at once). For gzip input a second thread
/// inflates ahead into a small ring of buffers, so decompression and parsing overlap on two
/// cores. Anything else (pipes) is read into one buffer.
final class ChunkReader {
    private enum Mode { case mapped, reading, inflating }

    private let source: ByteSource
    private var mode: Mode
    let chunkSize: Int
    private let window: Int
    private var atEnd = false
    /// The read buffer (reading mode).
    private var buffer: UnsafeMutablePointer<UInt8>?
    /// The inflating thread's side (inflating mode).
    private var ring: InflateRing?
    // The mapped window (mapped mode).
    private var mapped: UnsafeMutablePointer<UInt8>?
    private var mapOffset = 0
    private var mapLength = 0

    var file: String { source.file }

    /// `window`: bytes mapped at a time (a multiple of the page size); `chunkSize`: bytes per
    /// buffer when reading or inflating.
    init(_ source: ByteSource, window: Int = 1 << 26, chunkSize: Int = 1 << 22) {
        self.source = source
        self.window = window
        self.chunkSize = chunkSize
        if source.isGzip {
            mode = .inflating
            ring = InflateRing(source, chunkSize: chunkSize)
        } else if source.regularFileSize != nil {
            mode = .mapped
        } else {
            mode = .reading
            buffer = .allocate(capacity: chunkSize)
        }
    }

    /// Stands for "no bytes" at the end; never read.
    private static var empty: UnsafeMutablePointer<UInt8> { UnsafeMutablePointer(bitPattern: 8)! }

    /// The next chunk; length 0 at the end. The previous chunk's memory is reused (or
    /// unmapped) afterwards.
    func nextChunk() throws(InputError) -> (UnsafeMutablePointer<UInt8>, Int) {
        if atEnd { return (Self.empty, 0) }
        switch mode {
        case .mapped:
            if let p = mapped {
                source.unmap(p, length: mapLength)
                mapped = nil
                mapOffset += mapLength
                mapLength = 0
            }
            let size = source.currentSize() ?? 0
            if mapOffset >= size {
                atEnd = true
                return (Self.empty, 0)
            }
            let length = min(window, size - mapOffset)
            if let p = source.map(offset: mapOffset, length: length) {
                mapped = p
                mapLength = length
                return (p, length)
            }
            // The system refuses to map: read the rest instead.
            try source.continueReading(at: mapOffset)
            mode = .reading
            buffer = .allocate(capacity: chunkSize)
            return try nextChunk()
        case .reading:
            let b = buffer.unsafelyUnwrapped
            let n = try source.fill(b, chunkSize)
            if n == 0 { atEnd = true }
            return (b, n)
        case .inflating:
            let (p, n) = try ring.unsafelyUnwrapped.nextFilled()
            if n == 0 { atEnd = true }
            return (p, n)
        }
    }

    deinit {
        ring?.shutDown()
        if let p = mapped { source.unmap(p, length: mapLength) }
        buffer?.deallocate()
    }
}

/// A ring of buffers that a second thread fills by inflating a gzip `ByteSource`, while the
/// reader consumes them in order. The thread holds only this object, so dropping the
/// `ChunkReader` (after a parse error, say) stops it through `shutDown`.
private final class InflateRing: @unchecked Sendable {
    private let source: ByteSource
    private let chunkSize: Int
    private let ringSize = 4
    private var buffers: [UnsafeMutablePointer<UInt8>] = []
    private var lengths: [Int]
    private var errors: [InputError?]
    private let filled = DispatchSemaphore(value: 0)
    private let emptied: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private var slotToRead = 0
    private var started = false
    private var stop = false  // set by the consumer; read by the producer between chunks

    init(_ source: ByteSource, chunkSize: Int) {
        self.source = source
        self.chunkSize = chunkSize
        for _ in 0 ..< ringSize { buffers.append(.allocate(capacity: chunkSize)) }
        lengths = [Int](repeating: 0, count: ringSize)
        errors = [InputError?](repeating: nil, count: ringSize)
        // Start at 0 and signal the free slots: libdispatch traps when a semaphore is freed
        // with a value below its initial one, which a stopped producer can leave behind.
        emptied = DispatchSemaphore(value: 0)
        for _ in 0 ..< ringSize { emptied.signal() }
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
            slot = (slot + 1) % ringSize
        }
        finished.signal()
    }

    /// The next filled buffer; the previous one goes back to the producer.
    func nextFilled() throws(InputError) -> (UnsafeMutablePointer<UInt8>, Int) {
        if !started {
            started = true
            DispatchQueue.global().async { [self] in produce() }
        } else {
            emptied.signal()  // the consumer is done with the previous chunk
        }
        filled.wait()
        let slot = slotToRead
        slotToRead = (slotToRead + 1) % ringSize
        if let e = errors[slot] { throw e }
        return (buffers[slot], lengths[slot])
    }

    /// Stops the producer (if it still runs) and waits for it to leave.
    func shutDown() {
        guard started else { return }
        stop = true
        for _ in 0 ..< ringSize { emptied.signal() }
        finished.wait()
    }

    deinit {
        for b in buffers { b.deallocate() }
    }
}
