// heapbench: times each phase of reading a core and prints wall time and peak RSS (VmHWM) after
// each, as a table and as JSON.
//
//   heapbench CORE [EXE]          what `heapview histogram` does: the heap, then the histogram
//   heapbench --top CORE [EXE]    what `heapview top` does: the heap with the dominator tree and
//                                 retained sizes computed beside typing, then the top list
//   heapbench --untyped CORE [EXE]  what holds the live objects no source typed
//   heapbench --live CORE [EXE]   every live object (address, slot size, type), one a line
//   heapbench --diff-live CORE EXE FILE  the objects live here but not in another tool's list
//                                 of live objects, by where the other tool lost them
import GoHeap

#if canImport(Glibc)
import Glibc
#endif

func peakRSS() -> UInt64 { peakResidentBytes() }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

var args = Array(CommandLine.arguments.dropFirst())
let top = args.first == "--top"
if top { args.removeFirst() }
if args.first == "--live" {
    // Every live object, one a line: slot address, slot size, type (for comparing live sets
    // with another tool's).
    args.removeFirst()
    do {
        let process = try Process(corePath: args[0], executablePath: args.count > 1 ? args[1] : nil)
        let heap = try process.heap()
        var out = ""
        for id in 0..<heap.objectCount where heap.isLive(id) {
            out += "\(heap.address(of: id).hex) \(heap.size(of: id)) \(heap.type(of: id)?.name ?? "<unknown>")\n"
            if out.utf8.count > 1 << 20 { print(out, terminator: ""); out = "" }
        }
        print(out, terminator: "")
    } catch { print("heapbench: \(error)"); exit(1) }
    exit(0)
}
if args.first == "--diff-live" {
    // The objects live here but not in another tool's list (FILE: one object address a line,
    // first token, hex), each labelled by the entry into its region: the object live in both
    // (and its field), or the root, whose pointer leads into what the other tool missed.
    args.removeFirst()
    do {
        let process = try Process(corePath: args[0], executablePath: args[1])
        let heap = try process.heap()
        guard let text = readTextFile(args[2]) else { print("heapbench: cannot read \(args[2])"); exit(1) }
        var theirs = [Bool](repeating: false, count: heap.objectCount)
        var theirCount = 0
        var unknown: [UInt64] = []
        for line in text.split(separator: "\n") {
            guard let tok = line.split(separator: " ").first else { continue }
            let hex = tok.hasPrefix("0x") ? tok.dropFirst(2) : tok[...]
            guard let a = UInt64(hex, radix: 16) else { continue }
            guard let id = heap.object(containing: a) else { unknown.append(a); continue }
            if !theirs[id] { theirs[id] = true; theirCount += 1 }
        }
        var notOurs: [Int] = []
        for id in 0..<heap.objectCount where theirs[id] && !heap.isLive(id) { notOurs.append(id) }
        print("live here \(heap.liveCount), in the list \(theirCount) (\(unknown.count) lines at no object), live in the list but not here \(notOurs.count)")
        // What the other tool calls live and this heap does not: each with what holds it.
        for a in unknown.prefix(10) {
            print("  at no object: \(a.hex)")
        }
        for id in notOurs.prefix(60) {
            let holders = heap.referrers(of: id).prefix(3).map { r in
                "\(heap.address(of: r).hex) (\(heap.type(of: r)?.name ?? "untyped"), \(heap.isLive(r) ? "live" : "dead"))"
            }
            print("  live there only: \(heap.address(of: id).hex) \(heap.size(of: id)) B \(heap.type(of: id)?.name ?? "untyped")"
                  + "\(heap.isAllocatedSinceSweep(id) ? ", allocated since the last sweep" : ""); pointed to by \(holders.isEmpty ? "no object" : holders.joined(separator: ", "))")
            if holders.isEmpty {
                print(stackWords(process, heap, pointingInto: id).map { "    " + $0 }.joined(separator: "\n"))
                print(heapWords(process, heap, pointingInto: id).map { "    " + $0 }.joined(separator: "\n"))
            }
        }
        regionReport(process, heap, outside: { heap.isLive($0) && !theirs[$0] }, title: "live here, not in the list")
    } catch { print("heapbench: \(error)"); exit(1) }
    exit(0)
}
if args.first == "--untyped" {
    args.removeFirst()
    do {
        let process = try Process(corePath: args[0], executablePath: args.count > 1 ? args[1] : nil)
        untypedReport(process, try process.heap())
    } catch { print("heapbench: \(error)"); exit(1) }
    exit(0)
}
guard !args.isEmpty else {
    print("usage: heapbench [--top] CORE [EXE]")
    exit(2)
}
var rows: [(String, Double, UInt64)] = []
let clock = ContinuousClock()
let total = clock.now
do {
    var t = clock.now
    let process = try Process(corePath: args[0], executablePath: args.count > 1 ? args[1] : nil)
    rows.append(("open (core, executable, DWARF)", seconds(clock.now - t), peakRSS()))
    t = clock.now
    let heap = try process.heap(precomputing: top ? .retainedSizes : [])
    for p in heap.phaseTimes { rows.append((p.phase, p.seconds, p.peakRSS)) }
    t = clock.now
    var objects = 0
    if top {
        let retained = heap.retainedSizes()
        // The top list: the 25 objects that retain the most.
        var best: [(UInt64, Int)] = []
        for id in 0..<heap.objectCount where heap.isLive(id) {
            let b = retained.bytes(of: id)
            if best.count < 25 || b > best[best.count - 1].0 {
                best.append((b, id))
                best.sort { $0.0 > $1.0 }
                if best.count > 25 { best.removeLast() }
            }
        }
        objects = best.count
        rows.append(("top 25 by retained size", seconds(clock.now - t), peakRSS()))
    } else {
        objects = heap.histogram().count
        rows.append(("histogram", seconds(clock.now - t), peakRSS()))
    }
    let elapsed = seconds(clock.now - total)
    let fileRSS = processStatusBytes("RssFile")
    print("core: \(args[0])  Go \(process.goVersion ?? "?")  objects \(heap.objectCount)  live \(heap.liveCount)  edges \(heap.edgeCount)  \(top ? "top rows" : "types") \(objects)")
    print("phase                              seconds   peak RSS")
    for (name, s, rss) in rows {
        print("\(name.padding(32))  \(String(s, places: 3).leftPad(8))   \(rss == 0 ? "" : "\(rss / 1_048_576) MiB")")
    }
    for p in heap.besideTyping {
        print("  beside typing: \(p.phase.padding(16))  \(String(p.seconds, places: 3).leftPad(8))   \(p.peakRSS / 1_048_576) MiB")
    }
    let peak = peakRSS()
    print("\(top ? "top" : "histogram") end to end         \(String(elapsed, places: 3).leftPad(8))   \(peak / 1_048_576) MiB")
    let perObject = heap.objectCount > 0 ? Double(peak) / Double(heap.objectCount) : 0
    let beyondFile = heap.objectCount > 0 ? (Double(peak) - Double(fileRSS)) / Double(heap.objectCount) : 0
    print("peak RSS per object: \(String(perObject, places: 1)) bytes; beyond the \(fileRSS / 1_048_576) MiB of the core mapped in: \(String(beyondFile, places: 1)) bytes")
    for w in heap.warnings { print("warning: \(w)") }
    if let m = heap.pagesInUse.midUpdate {
        print("pages in use: the runtime counts \(heap.pagesInUse.runtime.map(String.init) ?? "?"), the spans hold \(heap.pagesInUse.counted): \(m)")
    }
    func jsonRows(_ r: [(String, Double, UInt64)]) -> String {
        r.map { "{\"phase\":\"\($0.0)\",\"seconds\":\(String($0.1, places: 4)),\"peakRSS\":\($0.2)}" }.joined(separator: ",")
    }
    var json = "{\"core\":\"\(args[0])\",\"mode\":\"\(top ? "top" : "histogram")\",\"objects\":\(heap.objectCount),\"edges\":\(heap.edgeCount),"
    json += "\"phases\":[\(jsonRows(rows))],\"besideTyping\":[\(jsonRows(heap.besideTyping.map { ($0.phase, $0.seconds, $0.peakRSS) }))],"
    json += "\"totalSeconds\":\(String(elapsed, places: 4)),\"peakRSS\":\(peak),\"fileRSS\":\(fileRSS)}"
    print(json)
} catch {
    print("heapbench: \(error)")
    exit(1)
}
extension String {
    init(_ v: Double, places: Int) {
        var m = 1.0
        for _ in 0..<places { m *= 10 }
        let r = (v * m).rounded() / m
        var s = "\(r)"
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < places { s += String(repeating: "0", count: places - decimals) }
        }
        self = s
    }
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

/// The goroutine stack words that point into object `id`: the goroutine, the frame holding the
/// word, and whether the frame's stack map (a root) lists it.
func stackWords(_ process: Process, _ heap: Heap, pointingInto id: Int) -> [String] {
    let lo = heap.address(of: id), hi = lo &+ heap.size(of: id)
    let rootSlots = Set(heap.roots.filter { $0.kind == .stack }.map(\.slot))
    var out: [String] = []
    for g in heap.goroutines where g.stackHi > g.stackLo && g.stackHi - g.stackLo < 1 << 30 {
        var a = g.stackLo
        while a < g.stackHi {
            if let v = try? process.core.memory.read(UInt64.self, at: Address(a)), v >= lo, v < hi {
                let frame = process.stackFrames(of: g).first { $0.sp <= a && a < $0.sp &+ $0.frameSize }
                out.append("word \(a.hex) of goroutine \(g.id) (\(g.status)) in \(frame.map { "the frame of \($0.function):\($0.line)" } ?? "no frame (below sp or dead stack)")"
                           + ": \(rootSlots.contains(a) ? "a root" : "not live in the frame's stack map")")
            }
            a &+= 8
        }
    }
    return out.isEmpty ? ["no stack word points into it"] : out
}

/// Words of live heap objects whose value points into object `id` (at most 3), with what the
/// runtime's own bitmap says of each word: the words another tool may have taken for pointers.
func heapWords(_ process: Process, _ heap: Heap, pointingInto id: Int) -> [String] {
    let lo = heap.address(of: id), hi = lo &+ heap.size(of: id)
    var out: [String] = []
    for o in 0..<heap.objectCount where heap.isLive(o) && out.count < 3 {
        let base = heap.address(of: o), size = heap.size(of: o)
        guard !heap.span(of: o).noscan, let bytes = try? process.core.memory.readBytes(at: Address(base), count: size) else { continue }
        var off = 0
        while off + 8 <= bytes.count {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: off, as: UInt64.self) }
            if v >= lo, v < hi {
                let typeSize = heap.type(of: o)?.dwarf.map { process.dwarf?.type($0).size ?? 0 } ?? 0
                let bit = heap.isPointerWord(o, offset: UInt64(off)).map { $0 ? "a pointer" : "not a pointer" } ?? "unknown"
                out.append("word +\(off) of live \(base.hex) (\(heap.type(of: o)?.name ?? "untyped"), \(typeSize) B in a \(size) B slot) holds it: \(bit) in the runtime's bitmap")
            }
            off += 8
        }
    }
    return out.isEmpty ? ["no word of a live object points into it"] : out
}

/// What holds the live objects no source typed (see `regionReport`).
func untypedReport(_ process: Process, _ heap: Heap) {
    regionReport(process, heap, outside: { heap.isLive($0) && heap.type(of: $0) == nil }, title: "untyped")
}

/// The objects for which `outside` holds, each labelled by the entry of the region (of such
/// objects) it lies in — the object for which it does not hold, and its field, or the root,
/// whose pointer leads into the region: found by flooding forward from every entry through the
/// region's objects. Prints the labels with their objects' count, bytes and an example.
func regionReport(_ process: Process, _ heap: Heap, outside: (Int) -> Bool, title: String) {
    var inRegion = [Bool](repeating: false, count: heap.objectCount)
    for id in 0..<heap.objectCount where outside(id) { inRegion[id] = true }
    var label = [Int32](repeating: -1, count: heap.objectCount)
    var labels: [String] = []
    var labelIndex: [String: Int32] = [:]
    /// Per label: an entry (object outside the region, byte offset of its word, the target).
    var entries: [(from: Int, offset: UInt64, to: Int)?] = []
    func intern(_ s: String, entry: (from: Int, offset: UInt64, to: Int)? = nil) -> Int32 {
        if let i = labelIndex[s] { return i }
        labels.append(s); entries.append(entry); labelIndex[s] = Int32(labels.count - 1); return Int32(labels.count - 1)
    }
    var queue: [Int] = []
    func shape(_ id: Int) -> String { "[\(heap.span(of: id).noscan ? "noscan" : "scan") \(heap.size(of: id))]" }
    func typeName(_ id: Int) -> String {
        var name = heap.type(of: id)?.name ?? "<unknown>"
        if name.hasPrefix("["), let close = name.firstIndex(of: "]") { name = "[N]" + name[name.index(after: close)...] }
        return name
    }
    for r in heap.roots {
        let o = Int(r.object)
        guard o >= 0, inRegion[o], label[o] < 0 else { continue }
        label[o] = intern("root \(r.kind.rawValue) \(r.name)" + (r.function.map { " in \($0)" } ?? "") + " -> \(typeName(o)) " + shape(o))
        queue.append(o)
    }
    for id in 0..<heap.objectCount where heap.isLive(id) && !inRegion[id] {
        for target in heap.pointers(from: id) where inRegion[Int(target)] && label[Int(target)] < 0 {
            let f = heap.pointerField(from: id, to: Int(target), process: process)
            var field = f.field
            if field.hasPrefix("["), let close = field.firstIndex(of: "]") { field = "[i]" + field[field.index(after: close)...] }
            let slotOffset = f.offset &+ (heap.dataAddress(of: id) &- heap.address(of: id))
            label[Int(target)] = intern("in \(typeName(id)) \(field) -> \(typeName(Int(target))) " + shape(Int(target)),
                                        entry: (id, slotOffset, Int(target)))
            queue.append(Int(target))
        }
    }
    var head = 0
    while head < queue.count {
        let id = queue[head]; head += 1
        for target in heap.pointers(from: id) where inRegion[Int(target)] && label[Int(target)] < 0 {
            label[Int(target)] = label[id]
            queue.append(Int(target))
        }
    }
    var count = [Int](repeating: 0, count: labels.count + 1), bytes = [UInt64](repeating: 0, count: labels.count + 1)
    var example = [UInt64](repeating: 0, count: labels.count + 1)
    var live = 0, n = 0
    var regionBytes: UInt64 = 0
    for id in 0..<heap.objectCount where heap.isLive(id) {
        live += 1
        guard inRegion[id] else { continue }
        n += 1
        regionBytes += heap.size(of: id)
        let l = Int(label[id]) + 1
        count[l] += 1; bytes[l] += heap.size(of: id)
        if example[l] == 0 { example[l] = heap.address(of: id) }
    }
    print("live \(live), \(title) \(n) (\(String(100 * Double(n) / Double(max(live, 1)), places: 3))%), \(regionBytes) B")
    // The region's objects by the kind of their entry: a word of a small object (≤ 512 B, its
    // pointers in the span's bitmap), of an object with an allocation header (513 B–32 KiB on
    // Go 1.22+), of a large object (one per span), or a root.
    var byKind: [String: (count: Int, bytes: UInt64)] = [:]
    for id in 0..<heap.objectCount where heap.isLive(id) && inRegion[id] {
        let l = Int(label[id])
        var kind = "no entry found"
        if l >= 0 {
            if let e = entries[l] {
                let size = heap.size(of: e.from)
                kind = size <= 512 ? "in a small object" : (size <= 32768 ? "in an object of 513 B to 32 KiB" : "in a large object")
            } else {
                kind = "from a root"
            }
        }
        byKind[kind, default: (0, 0)].count += 1
        byKind[kind, default: (0, 0)].bytes += heap.size(of: id)
    }
    for (k, v) in byKind.sorted(by: { $0.value.count > $1.value.count }) { print("  entered \(k): \(v.count) objects, \(v.bytes) B") }
    for (title, order) in [("by count", { (a: Int, b: Int) in count[a] > count[b] }), ("by bytes", { (a: Int, b: Int) in bytes[a] > bytes[b] })] {
        print("-- \(title)")
        for l in (0..<count.count).sorted(by: order).prefix(30) where count[l] > 0 {
            print("\(String(count[l]).leftPad(8)) \(String(bytes[l]).leftPad(10))  \(example[l].hex)  \(l == 0 ? "(no entry found)" : labels[l - 1])")
            // The runtime's own word on the entry: is that word a pointer in its metadata?
            if title == "by bytes", l > 0, let e = entries[l - 1] {
                let bit = heap.isPointerWord(e.from, offset: e.offset).map { $0 ? "a pointer" : "NOT a pointer" } ?? "unknown"
                print("           entry: word +\(e.offset) of \(heap.address(of: e.from).hex) (\(heap.size(of: e.from)) B) is \(bit) in the runtime's bitmap; it points to \(heap.address(of: e.to).hex), an allocated \(heap.size(of: e.to))-byte slot")
            }
        }
    }
}
extension UInt64 { var hex: String { "0x" + String(self, radix: 16) } }

/// A whole text file (the other tool's list of objects).
func readTextFile(_ path: String) -> String? {
    guard let f = fopen(path, "rb") else { return nil }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        bytes += buf[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}
