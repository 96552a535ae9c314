import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An append-only buffer for the reader's hot loop: no uniqueness checks or reference counting
/// per element. Owned by one function; call `finish()` or `release()` exactly once to free it.
///
/// Small buffers live on the malloc heap and grow by `realloc`. Large ones (`reserve` of a
/// megabyte or more, or a heap buffer that grows past that) live in an anonymous mapping that
/// reserves address space without committing memory (`MAP_NORESERVE`): pages are only backed
/// when written, so a generous reservation costs nothing, and growth within it never copies.
/// With a `PageWarmer`, the pages just ahead of the writes are faulted in on another thread.
/// `finish()` hands a mapped buffer's pages over to the Array instead of copying them.
struct FlatBuilder<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity: Int
    /// Where `append` next leaves its fast path: `capacity`, or the next warming step.
    private var limit: Int
    /// The mapping when `base` came from `mmap` (`base` lies `PageMover.arrayElementOffset`
    /// bytes into it); nil for a malloc block.
    private var mapping: UnsafeMutableRawPointer?
    private var mappedBytes = 0
    private let warmer: PageWarmer?

    private static var stride: Int { MemoryLayout<Element>.stride }
    /// Buffers of at least this many bytes are mapped rather than malloc'ed.
    private static var mapThreshold: Int { 1 << 20 }
    /// Elements per warming step (1 MiB); the warmer stays one to two steps ahead, so at most
    /// two steps are faulted in for nothing at the end.
    private static var warmStep: Int { (1 << 20) / stride }

    /// `reserve`: an upper bound on the final count if one is known (address space only).
    init(capacity: Int = 1024, reserve: Int = 0, warmer: PageWarmer? = nil) {
        self.capacity = max(capacity, 16)
        limit = self.capacity
        self.warmer = warmer
        if reserve > self.capacity, reserve * Self.stride >= Self.mapThreshold, let p = Self.map(reserve) {
            adopt(p)
            return
        }
        base = malloc(self.capacity * Self.stride)?.assumingMemoryBound(to: Element.self)
        if base == nil { fatalError("out of memory") }
    }

    @inline(__always) mutating func append(_ x: Element) {
        if count == limit { reachLimit() }
        base.unsafelyUnwrapped[count] = x
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Element { base.unsafelyUnwrapped[i] }

    mutating func removeAll() { count = 0 }

    /// Drops the elements after the first `n` (used to undo a partly parsed row).
    @inline(__always) mutating func truncate(to n: Int) { count = n }

    /// Takes over a fresh mapping and starts warming it.
    private mutating func adopt(_ p: (mapping: UnsafeMutableRawPointer, pointer: UnsafeMutablePointer<Element>, capacity: Int, bytes: Int)) {
        mapping = p.mapping
        base = p.pointer
        capacity = p.capacity
        mappedBytes = p.bytes
        limit = capacity
        if warmer != nil {
            limit = min(capacity, count + Self.warmStep)
            warm(count, count + 2 * Self.warmStep)
        }
    }

    /// Asks the warmer to fault in elements `from ..< to` (clipped to the buffer).
    private func warm(_ from: Int, _ to: Int) {
        guard let warmer, let b = base else { return }
        let end = min(to, capacity)
        if end > from { warmer.warm(UnsafeMutableRawPointer(b + from), (end - from) * Self.stride) }
    }

    private mutating func reachLimit() {
        if count < capacity {
            // A warming step: keep the warmer a step ahead.
            warm(limit + Self.warmStep, limit + 2 * Self.warmStep)
            limit = min(capacity, limit + Self.warmStep)
        } else {
            grow()
        }
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        if newCapacity * Self.stride >= Self.mapThreshold, let p = Self.map(newCapacity) {
            memcpy(p.pointer, base.unsafelyUnwrapped, count * Self.stride)
            freeStorage()
            adopt(p)
            return
        }
        if mapping != nil {
            // Mapping failed (address space limit): continue on the heap.
            guard let raw = malloc(newCapacity * Self.stride) else {
                fatalError("out of memory growing a buffer to \(newCapacity) elements")
            }
            memcpy(raw, base.unsafelyUnwrapped, count * Self.stride)
            freeStorage()
            base = raw.assumingMemoryBound(to: Element.self)
            capacity = newCapacity
            limit = capacity
            return
        }
        guard let raw = realloc(base, newCapacity * Self.stride) else {
            fatalError("out of memory growing a buffer to \(newCapacity) elements")
        }
        base = raw.assumingMemoryBound(to: Element.self)
        capacity = newCapacity
        limit = capacity
    }

    /// A fresh anonymous mapping for at least `elements` elements, or nil. The elements start
    /// at the offset within a page where a large Array's elements start, so that `finish` can
    /// move whole pages into the Array.
    private static func map(_ elements: Int) -> (mapping: UnsafeMutableRawPointer, pointer: UnsafeMutablePointer<Element>, capacity: Int, bytes: Int)? {
        #if os(Linux)
            let lead = PageMover.arrayElementOffset
            let unit = max(PageMover.pageSize, 1 << 16)
            let bytes = (lead + elements * stride + unit - 1) & ~(unit - 1)
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            guard let raw, raw != MAP_FAILED else { return nil }
            return (raw, (raw + lead).assumingMemoryBound(to: Element.self), (bytes - lead) / stride, bytes)
        #else
            return nil
        #endif
    }

    private mutating func freeStorage() {
        if let m = mapping {
            warmer?.wait()  // no warming of a range that is about to be unmapped
            munmap(m, mappedBytes)
        } else {
            free(base)
        }
        base = nil
        mapping = nil
        mappedBytes = 0
    }

    /// Moves the contents into an Array and frees the buffer.
    mutating func finish() -> [Element] {
        finishCountingMoves().array
    }

    /// `finish`, also telling how many bytes were handed over as whole pages (for tests).
    mutating func finishCountingMoves() -> (array: [Element], movedBytes: Int) {
        let n = count
        let src = UnsafeMutableRawPointer(base.unsafelyUnwrapped)
        let total = n * Self.stride
        let mapped = mapping != nil
        if mapped { warmer?.wait() }
        var moved = 0 ..< 0
        let result = [Element](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 {
                let dst = UnsafeMutableRawPointer(buf.baseAddress!)
                if mapped { moved = PageMover.move(from: src, to: dst, bytes: total) }
                // Copy what was not moved: everything, or the partial pages at both ends.
                memcpy(dst, src, moved.isEmpty ? total : moved.lowerBound)
                if !moved.isEmpty { memcpy(dst + moved.upperBound, src + moved.upperBound, total - moved.upperBound) }
            }
            initialized = n
        }
        release()
        return (result, moved.count)
    }

    mutating func release() {
        freeStorage()
        count = 0
        capacity = 0
        limit = 0
    }
}

/// Hands whole pages of one buffer over to another (`mremap`): page table entries move, no
/// byte is copied and no page faults in again. This is what makes `FlatBuilder.finish` cheap:
/// copying a gigabyte into a fresh Array costs a second gigabyte of page faults plus the copy.
enum PageMover {
    static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// Where the elements of a large Array start within a page: measured once on an Array too
    /// large for the malloc heap (malloc maps those on their own).
    static let arrayElementOffset: Int = {
        let probe = [Int64](unsafeUninitializedCapacity: 1 << 23) { _, n in n = 0 }
        return probe.withUnsafeBufferPointer { Int(bitPattern: $0.baseAddress) } % pageSize
    }()

    #if os(Linux)
        /// `mremap` is a C variadic function, which Swift cannot call directly; its symbol is
        /// called through a plain five-argument type, which the Linux ABIs pass identically.
        private typealias Remap = @convention(c) (UnsafeMutableRawPointer?, Int, Int, Int32, UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?
    #endif

    /// Moves the whole pages of `src[0 ..< bytes]` to the same offsets in `dst`, which must be
    /// fresh memory owned by the caller; returns the byte range moved (empty when the offsets
    /// within a page differ, the range is small, or the system refuses). `src`'s moved range is
    /// left unmapped.
    static func move(from src: UnsafeMutableRawPointer, to dst: UnsafeMutableRawPointer, bytes: Int) -> Range<Int> {
        #if os(Linux)
            let page = pageSize
            let s = Int(bitPattern: src), d = Int(bitPattern: dst)
            guard bytes >= 64 * page, s % page == d % page, let sym = dlsym(nil, "mremap") else { return 0 ..< 0 }
            // Only pages wholly inside dst[0 ..< bytes]: the partial pages at the ends may hold
            // the Array's header or someone else's memory.
            let first = (page - d % page) % page
            let last = ((d + bytes) & ~(page - 1)) - d
            guard last - first >= page else { return 0 ..< 0 }
            let remap = unsafeBitCast(sym, to: Remap.self)
            let length = last - first
            let target = dst + first
            let r = remap(src + first, length, length, 1 | 2 /* MREMAP_MAYMOVE | MREMAP_FIXED */, target)
            if r != target {
                // The target may have been unmapped before the failure: put fresh pages back.
                _ = mmap(target, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
                return 0 ..< 0
            }
            return first ..< last
        #else
            return 0 ..< 0
        #endif
    }
}

/// Faults in memory on a second thread (`MADV_POPULATE_WRITE`) just ahead of the reader's
/// writes. Filling fresh memory is dominated by the kernel zeroing each page on first touch
/// (several times dearer on a virtual machine whose host backs memory lazily); this moves that
/// work off the parsing thread. A hint only: pages it has not reached yet fault as usual.
final class PageWarmer: @unchecked Sendable {
    private let queue = DispatchQueue(label: "iopddl.reader.warm")
    /// Cleared on the warming thread if the kernel lacks `MADV_POPULATE_WRITE` (before 5.14).
    private var supported = true

    /// Faults in `bytes` bytes at `p` (rounded inwards to whole pages) asynchronously.
    func warm(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
        #if os(Linux)
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (Int(bitPattern: p) + page - 1) & ~(page - 1)
            let end = (Int(bitPattern: p) + bytes) & ~(page - 1)
            guard end > start else { return }
            queue.async { [self] in
                guard supported, let q = UnsafeMutableRawPointer(bitPattern: start) else { return }
                if madvise(q, end - start, 23 /* MADV_POPULATE_WRITE */) != 0 && errno == EINVAL {
                    supported = false
                }
            }
        #endif
    }

    /// Waits until every requested range is done.
    func wait() {
        queue.sync {}
    }
}
