import GoCore

/// One physical frame of a goroutine stack, found with Go's pclntab (`pcsp`).
public struct Frame: Sendable {
    /// The pc in this frame: the faulting/current pc for the innermost frame, the return address otherwise.
    public let pc: UInt64
    public let sp: UInt64
    /// The frame's end: sp + frame size + the return address slot.
    public let fp: UInt64
    public let function: String
    /// Link-time entry of the function.
    public let entry: UInt64
}

/// Unwinds a goroutine stack with the pcsp tables of Go's pclntab.
struct Unwinder {
    let core: Core
    let tab: Pclntab

    static let stopAt: Set<String> = ["runtime.goexit", "runtime.mstart", "runtime.mstart0", "runtime.rt0_go",
                                      "runtime.mcall", "runtime.morestack", "runtime.systemstack_switch"]

    /// Frames from (pc, sp) up to the stack's top `hi`, innermost first; at most `limit` frames.
    func frames(pc startPC: UInt64, sp startSP: UInt64, hi: UInt64, limit: Int = 1000) -> [Frame] {
        var out: [Frame] = []
        var pc = startPC, sp = startSP
        while out.count < limit {
            guard let f = core.function(at: pc) else { break }
            let link = pc &- core.loadBias
            guard let delta = tab.spDelta(f, pc: link), delta >= 0 else { break }
            let fp = sp &+ UInt64(delta) &+ 8
            out.append(Frame(pc: pc, sp: sp, fp: fp, function: f.name, entry: f.entry))
            if Unwinder.stopAt.contains(f.name) || fp > hi { break }
            guard let ret = try? core.memory.read(UInt64.self, at: Address(fp &- 8)), ret != 0 else { break }
            pc = ret
            sp = fp
        }
        return out
    }
}
