/// The general-purpose registers of an x86-64 thread, as the kernel saves them in `NT_PRSTATUS`
/// (`struct user_regs_struct`, arch/x86/include/asm/user_64.h).
public struct Registers: Sendable, Equatable {
    public var r15: UInt64 = 0, r14: UInt64 = 0, r13: UInt64 = 0, r12: UInt64 = 0
    public var rbp: UInt64 = 0, rbx: UInt64 = 0, r11: UInt64 = 0, r10: UInt64 = 0
    public var r9: UInt64 = 0, r8: UInt64 = 0, rax: UInt64 = 0, rcx: UInt64 = 0
    public var rdx: UInt64 = 0, rsi: UInt64 = 0, rdi: UInt64 = 0, origRax: UInt64 = 0
    public var rip: UInt64 = 0, cs: UInt64 = 0, eflags: UInt64 = 0, rsp: UInt64 = 0
    public var ss: UInt64 = 0, fsBase: UInt64 = 0, gsBase: UInt64 = 0
    public var ds: UInt64 = 0, es: UInt64 = 0, fs: UInt64 = 0, gs: UInt64 = 0

    public init() {}

    /// The program counter.
    public var pc: UInt64 { rip }
    /// The stack pointer.
    public var sp: UInt64 { rsp }
    /// The frame pointer.
    public var bp: UInt64 { rbp }

    /// Register by DWARF number (x86-64 psABI numbering: 0 rax, 1 rdx, 2 rcx, 3 rbx, 4 rsi, 5 rdi,
    /// 6 rbp, 7 rsp, 8–15 r8–r15, 16 return address = rip).
    public func dwarfRegister(_ n: Int) -> UInt64? {
        switch n {
        case 0: return rax
        case 1: return rdx
        case 2: return rcx
        case 3: return rbx
        case 4: return rsi
        case 5: return rdi
        case 6: return rbp
        case 7: return rsp
        case 8: return r8
        case 9: return r9
        case 10: return r10
        case 11: return r11
        case 12: return r12
        case 13: return r13
        case 14: return r14
        case 15: return r15
        case 16: return rip
        default: return nil
        }
    }

    /// Decodes the 27 words of `user_regs_struct`.
    init?(_ b: Bytes, at o: Int) {
        var w: [UInt64] = []
        w.reserveCapacity(27)
        for i in 0..<27 {
            guard let v = b.u64(o + i * 8) else { return nil }
            w.append(v)
        }
        r15 = w[0]; r14 = w[1]; r13 = w[2]; r12 = w[3]; rbp = w[4]; rbx = w[5]; r11 = w[6]; r10 = w[7]
        r9 = w[8]; r8 = w[9]; rax = w[10]; rcx = w[11]; rdx = w[12]; rsi = w[13]; rdi = w[14]; origRax = w[15]
        rip = w[16]; cs = w[17]; eflags = w[18]; rsp = w[19]; ss = w[20]; fsBase = w[21]; gsBase = w[22]
        ds = w[23]; es = w[24]; fs = w[25]; gs = w[26]
    }
}

/// One thread of the dumped process, from its `NT_PRSTATUS` note.
public struct Thread: Sendable, Equatable {
    /// The kernel thread id (`pr_pid`).
    public let tid: Int32
    /// The signal the thread was handling when the core was written (`pr_cursig`), 0 if none.
    public let signal: Int32
    public let registers: Registers
}

/// Process information from `NT_PRPSINFO`.
public struct ProcessInfo: Sendable, Equatable {
    public let pid: Int32
    public let parentPID: Int32
    public let uid: UInt32
    public let gid: UInt32
    /// The executable's short name (at most 15 bytes; `pr_fname`).
    public let name: String
    /// The start of the command line (at most 80 bytes; `pr_psargs`).
    public let arguments: String
}

/// One file-backed mapping from `NT_FILE`.
public struct FileMapping: Sendable, Equatable {
    public let start: UInt64
    public let end: UInt64
    /// Offset in the file, in bytes.
    public let fileOffset: UInt64
    public let path: String
}

/// The notes of a core file, decoded.
struct CoreNotes {
    var threads: [Thread] = []
    var process: ProcessInfo?
    var auxv: [(UInt64, UInt64)] = []
    var files: [FileMapping] = []

    func aux(_ key: UInt64) -> UInt64? { auxv.first { $0.0 == key }?.1 }

    static let ntPRStatus: UInt32 = 1
    static let ntPRPSInfo: UInt32 = 3
    static let ntAuxv: UInt32 = 6
    static let ntFile: UInt32 = 0x4649_4c45

    init(_ notes: [RawNote], problem: (String) -> Void) {
        for note in notes where note.name == "CORE" {
            let d = note.desc
            switch note.type {
            case CoreNotes.ntPRStatus:
                // struct elf_prstatus (x86-64): pr_cursig at 12, pr_pid at 32, pr_reg at 112.
                guard let pid = d.i32(32), let sig = d.load(Int16.self, 12), let regs = Registers(d, at: 112) else {
                    problem("short NT_PRSTATUS note (\(d.count) bytes)")
                    continue
                }
                threads.append(Thread(tid: pid, signal: Int32(sig), registers: regs))
            case CoreNotes.ntPRPSInfo:
                // struct elf_prpsinfo (x86-64): uid 16, gid 20, pid 24, ppid 28, fname[16] 40, psargs[80] 56.
                guard let uid = d.u32(16), let gid = d.u32(20), let pid = d.i32(24), let ppid = d.i32(28) else {
                    problem("short NT_PRPSINFO note (\(d.count) bytes)")
                    continue
                }
                let name = d.cString(40, limit: 16) ?? d.string(40, 16) ?? ""
                let args = d.cString(56, limit: 80) ?? d.string(56, 80) ?? ""
                process = ProcessInfo(pid: pid, parentPID: ppid, uid: uid, gid: gid, name: name,
                                      arguments: args.trimmingTrailingSpaces())
            case CoreNotes.ntAuxv:
                var o = 0
                while let k = d.u64(o), let v = d.u64(o + 8) {
                    if k == 0 { break }
                    auxv.append((k, v))
                    o += 16
                }
            case CoreNotes.ntFile:
                guard let count = d.u64(0), let pageSize = d.u64(8) else {
                    problem("short NT_FILE note")
                    continue
                }
                let n = Int(min(count, UInt64(d.count / 24)))
                var names = 16 + n * 24
                for i in 0..<n {
                    let o = 16 + i * 24
                    guard let s = d.u64(o), let e = d.u64(o + 8), let pg = d.u64(o + 16),
                          let path = d.cString(names, limit: 4096) else {
                        problem("NT_FILE note entry \(i) is damaged")
                        break
                    }
                    names += path.utf8.count + 1
                    files.append(FileMapping(start: s, end: e, fileOffset: pg &* pageSize, path: path))
                }
            default:
                break
            }
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\0" { s = s.dropLast() }
        return String(s)
    }
}
