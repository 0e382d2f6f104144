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
