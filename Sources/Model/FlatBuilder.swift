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
/// The mapping asks for transparent huge pages, which cuts page faults about 500-fold.
struct FlatBuilder<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity: Int
    /// Bytes of the mapping when `base` came from `mmap`; 0 for a malloc block.
    private var mappedBytes = 0

    private static var stride: Int { MemoryLayout<Element>.stride }
    /// Buffers of at least this many bytes are mapped rather than malloc'ed.
    private static var mapThreshold: Int { 1 << 20 }

    /// `reserve`: an upper bound on the final count if one is known (address space only).
    init(capacity: Int = 1024, reserve: Int = 0) {
        self.capacity = max(capacity, 16)
        if reserve > self.capacity, reserve * Self.stride >= Self.mapThreshold, let p = Self.map(reserve) {
            base = p.pointer
            self.capacity = p.capacity
            mappedBytes = p.bytes
            return
        }
        base = malloc(self.capacity * Self.stride)?.assumingMemoryBound(to: Element.self)
        if base == nil { fatalError("out of memory") }
    }

    @inline(__always) mutating func append(_ x: Element) {
        if count == capacity { grow() }
        base.unsafelyUnwrapped[count] = x
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Element { base.unsafelyUnwrapped[i] }

    mutating func removeAll() { count = 0 }

    /// Drops the elements after the first `n` (used to undo a partly parsed row).
    @inline(__always) mutating func truncate(to n: Int) { count = n }

    private mutating func grow() {
        let newCapacity = capacity * 2
        if newCapacity * Self.stride >= Self.mapThreshold, let p = Self.map(newCapacity) {
            memcpy(p.pointer, base.unsafelyUnwrapped, count * Self.stride)
            freeStorage()
            base = p.pointer
            capacity = p.capacity
            mappedBytes = p.bytes
            return
        }
        if mappedBytes > 0 {
            // Mapping failed (address space limit): continue on the heap.
            guard let raw = malloc(newCapacity * Self.stride) else {
                fatalError("out of memory growing a buffer to \(newCapacity) elements")
            }
            memcpy(raw, base.unsafelyUnwrapped, count * Self.stride)
            freeStorage()
            base = raw.assumingMemoryBound(to: Element.self)
            capacity = newCapacity
            return
        }
        guard let raw = realloc(base, newCapacity * Self.stride) else {
            fatalError("out of memory growing a buffer to \(newCapacity) elements")
        }
        base = raw.assumingMemoryBound(to: Element.self)
        capacity = newCapacity
    }

    /// A fresh anonymous mapping for at least `elements` elements, or nil.
    private static func map(_ elements: Int) -> (pointer: UnsafeMutablePointer<Element>, capacity: Int, bytes: Int)? {
        #if os(Linux)
            let huge = 1 << 21
            let bytes = (elements * stride + huge - 1) & ~(huge - 1)
            let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
            guard let raw, raw != MAP_FAILED else { return nil }
            _ = madvise(raw, bytes, MADV_HUGEPAGE)
            return (raw.assumingMemoryBound(to: Element.self), bytes / stride, bytes)
        #else
            return nil
        #endif
    }

    private mutating func freeStorage() {
        if mappedBytes > 0 {
            munmap(base, mappedBytes)
        } else {
            free(base)
        }
        base = nil
        mappedBytes = 0
    }

    /// Moves the contents into an Array and frees the buffer. Copies in slices and returns each
    /// copied slice of a mapping to the system at once, so the peak stays near one copy.
    mutating func finish() -> [Element] {
        let n = count
        let src = UnsafeMutableRawPointer(base.unsafelyUnwrapped)
        let total = n * Self.stride
        let mapped = mappedBytes > 0
        let result = [Element](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 {
                let dst = UnsafeMutableRawPointer(buf.baseAddress!)
                adviseHugePages(dst, total)
                let slice = 1 << 23
                var done = 0
                while done < total {
                    let k = min(slice, total - done)
                    memcpy(dst + done, src + done, k)
                    #if os(Linux)
                        if mapped && k == slice { _ = madvise(src + done, k, MADV_DONTNEED) }
                    #endif
                    done += k
                }
            }
            initialized = n
        }
        release()
        return result
    }

    mutating func release() {
        freeStorage()
        count = 0
        capacity = 0
    }
}

/// Asks for transparent huge pages for the 2 MiB-aligned interior of a fresh, untouched block
/// (a hint only: contents and ownership are unaffected).
func adviseHugePages(_ p: UnsafeMutableRawPointer, _ bytes: Int) {
    #if os(Linux)
        let huge = 1 << 21
        guard bytes >= 2 * huge else { return }
        let start = (Int(bitPattern: p) + huge - 1) & ~(huge - 1)
        let end = (Int(bitPattern: p) + bytes) & ~(huge - 1)
        if end > start, let q = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(q, end - start, MADV_HUGEPAGE)
        }
    #endif
}
