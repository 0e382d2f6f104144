import GoCore
import GoDWARF

/// One logical frame of a goroutine's stack, as Go's tracebacks show it (inlined calls are frames).
public struct StackFrame: Sendable {
    public let function: String
    public let file: String?
    public let line: Int
    /// The physical frame's pc (for an inlined frame, the pc of the function it was inlined into).
    public let pc: UInt64
    public let sp: UInt64
    /// Bytes of the physical frame (fp − sp).
    public let frameSize: UInt64
    public let inlined: Bool
}

extension Process {
    /// The thread running a goroutine, if any (its `m.procid`).
    public func thread(of g: Goroutine) -> Thread? {
        Unwinder.threadFinder(core: core, m: dwarf.flatMap { try? StructLayout($0, "runtime.m") })(g)
    }

    /// The logical frames of a goroutine, innermost first, through signal frames for a goroutine
    /// that crashed: function, file:line (looked up one byte back, as Go's traceback does, except
    /// where a signal stopped the code), inlined calls expanded from the pclntab's inlining tree.
    public func stackFrames(of g: Goroutine, limit: Int = 1000) -> [StackFrame] {
        guard let tab = try? core.pclntab.get() else { return [] }
        let unwinder = Unwinder(core: core, tab: tab)
        let physical = unwinder.frames(of: g, threadOf: { self.thread(of: $0) })
        let fromThread = Unwinder.start(of: g) == nil
        var out: [StackFrame] = []
        for (i, f) in physical.enumerated() where out.count < limit {
            if f.function.hasPrefix("runtime.sigreturn") { continue }
            let pc = Unwinder.lookupPC(physical, i, fromThread: fromThread) &- core.loadBias
            guard let fn = tab.function(containing: pc) else { continue }
            let logical = tab.frames(fn, pc: pc)
            for (j, l) in logical.enumerated() {
                out.append(StackFrame(function: l.name, file: l.file, line: l.line, pc: f.pc, sp: f.sp,
                                      frameSize: f.fp &- f.sp, inlined: j < logical.count - 1))
            }
        }
        return out
    }
}
