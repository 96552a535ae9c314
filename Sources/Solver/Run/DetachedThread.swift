#if canImport(Glibc)
    import Glibc
#endif

/// A detached POSIX thread, for work that must not wait for a place in Dispatch's pool (which
/// the search workers fill): the bound beside the search, the CLI's signal watcher.
public enum DetachedThread {
    public static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ b: @escaping @Sendable () -> Void) { body = b }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var tid = pthread_t()
        pthread_create(&tid, nil, { arg in
            guard let arg else { return nil }
            let b = Unmanaged<Box>.fromOpaque(arg).takeRetainedValue()
            b.body()
            return nil
        }, box)
        pthread_detach(tid)
    }
}
