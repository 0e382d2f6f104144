/// What holds a root pointer.
public enum RootKind: String, Sendable {
    /// A global variable (data or bss).
    case global
    /// A goroutine stack slot.
    case stack
    /// A finalizer: its function, or what the object with the finalizer points to.
    case finalizer
    /// A cleanup (`runtime.AddCleanup`): its function and argument.
    case cleanup
    /// Any other runtime root (weak handles, queued finalizers, …).
    case other
}

/// A pointer from outside the heap into a heap object: where the GC starts marking.
public struct Root: Sendable {
    public let kind: RootKind
    /// A human name: the variable for globals and stack slots ("main.cache", "buf"), else
    /// "goroutine 7", "finalizer of 0xc000123000", …
    public let name: String
    /// Where in the variable the pointer word sits, as a Go field path: ".entries", "[3]",
    /// ".Cache.items[2]"; empty when the variable is the pointer itself (a pointer, map or
    /// chan), or the header word of a slice, string or interface.
    public var field: String = ""
    /// Address of the pointer word (0 when the root is not a word in memory).
    public let slot: UInt64
    /// The object pointed to.
    public let object: Int32
    /// For stack roots: the function of the frame holding the slot.
    public let function: String?
    /// For stack roots: the goroutine id.
    public let goroutine: Int64?
}
