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

/// Runs `body(i)` for i in 0..<n, spread over the machine's cores.
func parallelFor(_ n: Int, _ body: (Int) -> Void) {
    guard n > 1 else { if n == 1 { body(0) }; return }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: n) { box.value($0) }
    }
}

/// Carries a value the caller guarantees is used safely across threads.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
