import GoDWARF

/// The status of a goroutine (`runtime.g.atomicstatus`, without the `_Gscan` bit).
public enum GoroutineStatus: Sendable, Equatable, CustomStringConvertible {
    case idle, runnable, running, syscall, waiting, dead, copystack, preempted, leaked, deadExtra
    case other(UInt32)

    init(_ raw: UInt32, names: [Int64: String]) {
        let s = raw & ~0x1000
        switch names[Int64(s)] ?? "" {
        case "_Gidle": self = .idle
        case "_Grunnable": self = .runnable
        case "_Grunning": self = .running
        case "_Gsyscall": self = .syscall
        case "_Gwaiting": self = .waiting
        case "_Gdead": self = .dead
        case "_Gcopystack": self = .copystack
        case "_Gpreempted": self = .preempted
        case "_Gleaked": self = .leaked
        case "_Gdeadextra": self = .deadExtra
        default: self = .other(s)
        }
    }

    public var description: String {
        switch self {
        case .idle: "idle"
        case .runnable: "runnable"
        case .running: "running"
        case .syscall: "syscall"
        case .waiting: "waiting"
        case .dead: "dead"
        case .copystack: "copystack"
        case .preempted: "preempted"
        case .leaked: "leaked"
        case .deadExtra: "dead"
        case .other(let v): "status \(v)"
        }
    }
}

/// A goroutine, read from `runtime.allgs`.
public struct Goroutine: Sendable {
    /// The address of the `runtime.g`.
    public let record: Address
    public let id: Int64
    public let status: GoroutineStatus
    /// The wait reason as the runtime words it for this version ("chan receive"), when waiting
    /// (or leaked).
    public let waitReason: String?
    /// The state as Go's traceback prints it: the wait reason of a waiting goroutine, with
    /// " (leaked)" when the GC found it can never run again (Go 1.26+); else the status.
    public var state: String {
        guard let w = waitReason else { return status.description }
        return status == .leaked ? w + " (leaked)" : w
    }
    public let stackLo: UInt64
    public let stackHi: UInt64
    /// Saved registers (`g.sched`), valid when the goroutine is not running.
    public let pc: UInt64
    public let sp: UInt64
    public let bp: UInt64
    public let syscallSP: UInt64
    public let syscallPC: UInt64
    /// The `runtime.m` running it, 0 if none.
    public let m: UInt64
    /// `gopc`: the pc of the `go` statement that created it.
    public let creatorPC: UInt64
    public let startPC: UInt64
    public let parentID: Int64?
    /// `waitsince`, nanoseconds (runtime clock) when it started waiting, 0 when unknown.
    public let waitSince: Int64
    /// The `runtime.m` this goroutine is locked to (`LockOSThread`), 0 if none.
    public let lockedM: UInt64
    /// `g.labels`: the profiler labels' address, 0 if none (decoded by `Process.labels(of:)`).
    public let labels: UInt64
}

/// Reads `runtime.allgs`.
struct GoroutineReader {
    let mem: AddressSpace
    let dwarf: DWARFFile
    let layout: StructLayout
    /// Load bias of a PIE (DWARF addresses are link-time).
    let bias: UInt64

    func read(allgs: Address, warn: (String) -> Void) throws(HeapError) -> [Goroutine] {
        let array: Address, count: UInt64
        do {
            array = try mem.readPointer(at: allgs)
            count = try mem.read(UInt64.self, at: Address(allgs.rawValue &+ 8))
        } catch { throw error.reading("runtime.allgs") }
        guard count < 1 << 26 else { throw .damaged("runtime.allgs has \(count) entries") }
        let pointers: [UInt8]
        do { pointers = try mem.readBytes(at: array, count: count &* 8) } catch { throw error.reading("the allgs array") }

        var statusNames: [Int64: String] = [:]
        for c in dwarf.constants where c.name.hasPrefix("runtime._G") { statusNames[c.value] = String(c.name.dropFirst("runtime.".count)) }
        let reasons = waitReasonStrings()

        let goid = try layout.slot("goid"), status = try layout.slot("atomicstatus")
        let lo = try layout.slot("stack.lo"), hi = try layout.slot("stack.hi")
        let pc = try layout.slot("sched.pc"), sp = try layout.slot("sched.sp"), bp = try layout.slot("sched.bp")
        let scsp = try layout.slot("syscallsp"), scpc = try layout.slot("syscallpc"), m = try layout.slot("m")
        let gopc = try layout.slot("gopc"), startpc = try layout.slot("startpc")
        let waitreason = try layout.slot("waitreason")
        let waitsince = try layout.slot("waitsince")
        let parent = layout.has("parentGoid") ? try layout.slot("parentGoid") : nil
        let lockedm = try layout.slot("lockedm"), labels = try layout.slot("labels")
        var out: [Goroutine] = []
        var damaged = 0
        for i in 0..<Int(count) {
            let p = pointers.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self) }
            guard p != 0 else { continue }
            let g: Goroutine? = try? mem.withBytes(at: Address(p), count: layout.size) { raw in
                let st = GoroutineStatus(UInt32(truncatingIfNeeded: status.read(raw)), names: statusNames)
                let wr = Int(truncatingIfNeeded: min(waitreason.read(raw), 1 << 16))
                // A leaked goroutine (Go 1.26+: parked forever, as the GC found) keeps its wait reason.
                let reason: String? = ((st == .waiting || st == .leaked) && wr > 0 && wr < reasons.count) ? reasons[wr] : nil
                return Goroutine(record: Address(p), id: Int64(bitPattern: goid.read(raw)), status: st, waitReason: reason,
                                 stackLo: lo.read(raw), stackHi: hi.read(raw), pc: pc.read(raw), sp: sp.read(raw), bp: bp.read(raw),
                                 syscallSP: scsp.read(raw), syscallPC: scpc.read(raw), m: m.read(raw), creatorPC: gopc.read(raw),
                                 startPC: startpc.read(raw), parentID: parent.map { Int64(bitPattern: $0.read(raw)) },
                                 waitSince: Int64(bitPattern: waitsince.read(raw)), lockedM: lockedm.read(raw),
                                 labels: labels.read(raw))
            }
            guard let g else { damaged += 1; continue }
            out.append(g)
        }
        if damaged > 0 { warn("\(damaged) goroutine record(s) could not be read") }
        return out
    }

    /// `runtime.waitReasonStrings`: the runtime's own words for each wait reason of this version.
    func waitReasonStrings() -> [String] {
        guard let g = dwarf.global(named: "runtime.waitReasonStrings"), let t = g.type else { return [] }
        let n = Int(max(0, min(dwarf.type(dwarf.resolvingTypedefs(t)).count ?? 0, 256)))
        var out: [String] = []
        for i in 0..<n {
            let a = Address(g.address &+ bias &+ UInt64(i) &* 16)
            guard let p = try? mem.readPointer(at: a), let len = try? mem.read(UInt64.self, at: Address(a.rawValue &+ 8)),
                  len < 256, let s = try? mem.readString(at: p, count: len) else { out.append(""); continue }
            out.append(s)
        }
        return out
    }
}
