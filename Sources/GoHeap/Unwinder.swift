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
                                      "runtime.mcall", "runtime.morestack"]

    /// Where to start unwinding a goroutine that is not on a thread: its syscall state, else
    /// `g.sched` (which `systemstack` also fills for a goroutine that crashed on the system stack).
    static func start(of g: Goroutine) -> (pc: UInt64, sp: UInt64)? {
        if g.syscallSP != 0, g.syscallSP >= g.stackLo, g.syscallSP < g.stackHi { return (g.syscallPC, g.syscallSP) }
        if g.sp != 0, g.pc != 0, g.sp >= g.stackLo, g.sp < g.stackHi { return (g.pc, g.sp) }
        return nil
    }

    /// Frames from (pc, sp) up to the stack's top `hi`, innermost first; at most `limit` frames.
    ///
    /// A signal handler's frames end in `runtime.sigreturn__sigaction`, the restorer the kernel
    /// returns to: at its stack pointer lies the kernel's `ucontext_t`, whose saved registers
    /// (`uc_mcontext.gregs`, at offset 40: rsp is word 15, rip word 16) continue the unwinding
    /// into the interrupted code.
    func frames(pc startPC: UInt64, sp startSP: UInt64, hi: UInt64 = UInt64.max, limit: Int = 1000) -> [Frame] {
        var out: [Frame] = []
        var pc = startPC, sp = startSP
        while out.count < limit {
            guard let f = core.function(at: pc) else { break }
            if f.name == "runtime.sigreturn__sigaction" || f.name == "runtime.sigreturn" {
                let gregs = sp &+ 40
                guard let rsp = try? core.memory.read(UInt64.self, at: Address(gregs &+ 15 * 8)),
                      let rip = try? core.memory.read(UInt64.self, at: Address(gregs &+ 16 * 8)), rip != 0 else { break }
                out.append(Frame(pc: pc, sp: sp, fp: sp, function: f.name, entry: f.entry))
                pc = rip
                sp = rsp
                continue
            }
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

    /// The frames of a goroutine, innermost first: from its saved state, or, for a goroutine
    /// running on a thread, from that thread's registers (through signal frames), keeping the
    /// frames that lie on the goroutine's own stack.
    ///
    /// A running goroutine is unwound from its thread first: its saved states can be stale (a
    /// goroutine leaving a system call still has its `syscallsp` until `exitsyscall` ends).
    /// `fromThread` says which: frames from a thread start at a pc a signal (or the core dump)
    /// stopped, not at a return address.
    func frames(of g: Goroutine, threadOf: (Goroutine) -> Thread?) -> (frames: [Frame], fromThread: Bool) {
        if g.status == .running, let onThread = threadFrames(of: g, threadOf: threadOf), !onThread.isEmpty { return (onThread, true) }
        if let (pc, sp) = Unwinder.start(of: g) { return (frames(pc: pc, sp: sp, hi: g.stackHi), false) }
        return (threadFrames(of: g, threadOf: threadOf) ?? [], true)
    }

    /// The frames of the goroutine's thread (through signal frames) that lie on its stack.
    func threadFrames(of g: Goroutine, threadOf: (Goroutine) -> Thread?) -> [Frame]? {
        guard let t = threadOf(g) else { return nil }
        let all = frames(pc: t.registers.pc, sp: t.registers.sp)
        guard let first = all.firstIndex(where: { $0.sp >= g.stackLo && $0.sp < g.stackHi }) else { return [] }
        return Array(all[first...].prefix { $0.sp >= g.stackLo && $0.sp < g.stackHi })
    }

    /// The pc to look a frame up at, as Go's traceback does: one byte back into the call
    /// instruction, except at a pc where a signal stopped the code (a thread's registers, the
    /// registers a signal frame saved, the caller of `sigpanic`).
    static func lookupPC(_ frames: [Frame], _ i: Int, fromThread: Bool) -> UInt64 {
        let f = frames[i]
        // A frame a signal interrupted holds the pc it was stopped at, not a return address:
        // below sigpanic, the kernel's signal frame, or asyncPreempt (injected by a signal).
        let trapped = (i == 0 && fromThread)
            || (i > 0 && (frames[i - 1].function == "runtime.sigpanic" || frames[i - 1].function.hasPrefix("runtime.sigreturn")
                || frames[i - 1].function == "runtime.asyncPreempt"))
        return trapped || f.pc == f.entry ? f.pc : f.pc &- 1
    }

    /// The thread running a goroutine: its `m`'s `procid` is the kernel thread id.
    static func threadFinder(core: Core, m: StructLayout?) -> (Goroutine) -> Thread? {
        let procid = try? m?.offset("procid")
        return { g in
            guard g.m != 0, let procid, let tid = try? core.memory.read(UInt64.self, at: Address(g.m &+ procid)) else { return nil }
            return core.threads.first { UInt64(bitPattern: Int64($0.tid)) == tid }
        }
    }
}
