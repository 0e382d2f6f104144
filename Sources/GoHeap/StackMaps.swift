import GoCore

/// The words of a goroutine frame that the GC scans, from Go's stack maps
/// (`runtime/stkframe.go` getStackMap, `mgcmark.go` scanframeworker):
/// - locals: `FUNCDATA_LocalsPointerMaps`, bitmap number `PCDATA_StackMapIndex` at the frame's
///   pc − 1 (−1 means 0), over the words [varp − nbit·8, varp), where varp = fp − 8, less 8 more
///   for the saved frame pointer when the frame has locals;
/// - arguments: `FUNCDATA_ArgsPointerMaps`, same index, from argp = fp;
/// - stack objects (`FUNCDATA_StackObjects`): variables whose address is taken; the GC scans
///   those a live pointer reaches; here every one of them is scanned (a small over-approximation).
/// A frame without maps (assembly, `asyncPreempt`) is scanned conservatively, as the GC does for
/// preempted frames.
struct StackMaps {
    let core: Core
    let tab: Pclntab
    /// Runtime address of `moduledata.rodata`, base of stack-object masks.
    let rodata: UInt64

    static let argsMaps = 0, localsMaps = 1, stackObjects = 2, stackMapIndex = 1

    var mem: AddressSpace { core.memory }

    /// Calls `body` with the address of every word of `frame` that may hold a live pointer.
    /// As the runtime's getStackMap, the maps are looked up at pc − 1 unless pc is the entry.
    func forEachLiveSlot(_ frame: Frame, _ body: (UInt64) -> Void) {
        guard let f = core.function(at: frame.pc) else { return }
        let link = frame.pc &- core.loadBias
        var varp = frame.fp &- 8
        if varp > frame.sp { varp &-= 8 }
        let argp = frame.fp
        if f.funcID != 0 && f.name == "runtime.asyncPreempt" { conservative(frame, f, body); return }
        let target = link != f.entry ? link &- 1 : link
        var index = link == f.entry ? -1 : (tab.pcdata(f, index: StackMaps.stackMapIndex, pc: target) ?? -1)
        if index < 0 { index = 0 }
        // Locals.
        if varp > frame.sp {
            guard let locals = bitmap(f, StackMaps.localsMaps, index) else { conservative(frame, f, body); return }
            let start = varp &- UInt64(locals.nbit) &* 8
            forEachBit(locals) { body(start &+ UInt64($0) &* 8) }
        }
        // Arguments.
        if let args = bitmap(f, StackMaps.argsMaps, index) {
            forEachBit(args) { body(argp &+ UInt64($0) &* 8) }
        }
        // Stack objects.
        if let p = tab.funcdata(f, index: StackMaps.stackObjects).map({ $0 &+ core.loadBias }),
           let n = try? mem.read(UInt64.self, at: Address(p)), n < 1 << 16 {
            for i in 0..<n {
                let r = p &+ 8 &+ i &* 16
                guard let off = try? mem.read(Int32.self, at: Address(r)), let ptrBytes = try? mem.read(Int32.self, at: Address(r &+ 8)),
                      let gcOff = try? mem.read(UInt32.self, at: Address(r &+ 12)), ptrBytes > 0, ptrBytes < 1 << 20 else { continue }
                let base = off >= 0 ? argp : varp
                let object = UInt64(bitPattern: Int64(bitPattern: base) &+ Int64(off))
                guard object >= frame.sp, let mask = try? mem.readBytes(at: Address(rodata &+ UInt64(gcOff)), count: UInt64((ptrBytes / 8 + 7) / 8)) else { continue }
                for w in 0..<Int(ptrBytes / 8) where (mask[w >> 3] >> UInt8(w & 7)) & 1 == 1 { body(object &+ UInt64(w) &* 8) }
            }
        }
    }

    struct Bits { let nbit: Int32; let bytes: [UInt8] }

    /// Bitmap `index` of a stackmap funcdata: {n int32, nbit int32, bytedata}.
    func bitmap(_ f: Pclntab.Function, _ which: Int, _ index: Int32) -> Bits? {
        guard let link = tab.funcdata(f, index: which) else { return nil }
        let p = link &+ core.loadBias
        guard let n = try? mem.read(Int32.self, at: Address(p)), let nbit = try? mem.read(Int32.self, at: Address(p &+ 4)),
              n > 0, nbit >= 0, nbit < 1 << 20 else { return nil }
        let idx = index < n ? index : 0
        let stride = UInt64((nbit + 7) / 8)
        guard let bytes = try? mem.readBytes(at: Address(p &+ 8 &+ UInt64(idx) &* stride), count: stride) else { return nil }
        return Bits(nbit: nbit, bytes: bytes)
    }

    func forEachBit(_ b: Bits, _ body: (Int) -> Void) {
        for i in 0..<Int(b.nbit) where (b.bytes[i >> 3] >> UInt8(i & 7)) & 1 == 1 { body(i) }
    }

    func conservative(_ frame: Frame, _ f: Pclntab.Function, _ body: (UInt64) -> Void) {
        let end = frame.fp &+ UInt64(max(0, f.argumentSize))
        var a = frame.sp
        let limit = frame.fp.addingReportingOverflow(1 << 16)
        let stop = limit.overflow ? UInt64.max : limit.partialValue
        while a < end, end &- a >= 8, a < stop { body(a); a &+= 8 }
    }
}
