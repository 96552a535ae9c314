#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An append-only buffer for the reader's hot loop: no uniqueness checks or reference counting
/// per element, and growth by `realloc` (which remaps large blocks instead of copying them).
/// Owned by one function; call `finish()` or `release()` exactly once to free it.
struct FlatBuilder<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = malloc(self.capacity * MemoryLayout<Element>.stride)?.assumingMemoryBound(to: Element.self)
        if base == nil { fatalError("out of memory") }
    }

    @inline(__always) mutating func append(_ x: Element) {
        if count == capacity { grow() }
        base.unsafelyUnwrapped[count] = x
        count += 1
    }

    @inline(__always) subscript(i: Int) -> Element { base.unsafelyUnwrapped[i] }

    mutating func removeAll() { count = 0 }

    private mutating func grow() {
        capacity *= 2
        let raw = realloc(base, capacity * MemoryLayout<Element>.stride)
        guard let raw else { fatalError("out of memory growing a buffer to \(capacity) elements") }
        base = raw.assumingMemoryBound(to: Element.self)
    }

    /// Copies the contents into an Array and frees the buffer.
    mutating func finish() -> [Element] {
        let n = count
        let src = base.unsafelyUnwrapped
        let result = [Element](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 { memcpy(buf.baseAddress!, src, n * MemoryLayout<Element>.stride) }
            initialized = n
        }
        release()
        return result
    }

    mutating func release() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }
}
