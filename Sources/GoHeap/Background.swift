import Dispatch

/// Work started on another core, whose result is collected later with `wait()`.
///
/// The heap builder runs what needs only the pointer graph (marking, dominators) beside
/// typing, which needs the graph and the memory, so a 2-core machine does both at once.
final class Background<T>: @unchecked Sendable {
    private var result: T?
    private var work: (() -> T)?
    private let done = DispatchSemaphore(value: 0)

    init(_ work: @escaping () -> T) {
        self.work = work
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            if let w = self.work { self.result = w() }
            self.work = nil
            self.done.signal()
        }
    }

    /// The result, once the work has finished (nil only if it produced none).
    func wait() -> T? {
        done.wait()
        return result
    }
}

/// A value one thread publishes once and others wait for (the live set, which the typer's last
/// passes need while the graph work goes on to the dominator tree).
final class OneShot<T>: @unchecked Sendable {
    private var value: T?
    private let ready = DispatchSemaphore(value: 0)
    private var published = false

    /// Publishes the value; later calls are ignored. Only one thread may publish.
    func publish(_ v: T) {
        guard !published else { return }
        published = true
        value = v
        ready.signal()
    }

    /// The value, once published (then available to every later call).
    func wait() -> T? {
        ready.wait()
        ready.signal()
        return value
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// An array of `count` copies of `value` whose storage the kernel is asked to back with 2 MiB
/// pages (transparent huge pages, where enabled in "madvise" mode or always): arrays of hundreds
/// of megabytes read at random miss the TLB on nearly every read with 4 KiB pages. A hint only.
func hugePageArray<T: BitwiseCopyable>(repeating value: T, count: Int) -> [T] {
    guard count > 0 else { return [] }
    return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
        #if canImport(Glibc)
        if let base = buffer.baseAddress, count &* MemoryLayout<T>.stride >= 4 << 20 {
            let huge = 2 << 20
            let start = (Int(bitPattern: base) &+ huge &- 1) & ~(huge &- 1)
            let end = (Int(bitPattern: base) &+ count &* MemoryLayout<T>.stride) & ~(huge &- 1)
            if end > start, let p = UnsafeMutableRawPointer(bitPattern: start) {
                _ = madvise(p, end &- start, 14 /* MADV_HUGEPAGE */)
            }
        }
        #endif
        buffer.initialize(repeating: value)
        initialized = count
    }
}
