// heapbench: times each phase of reading a core and prints wall time and peak RSS (VmHWM) after
// each, as a table and as JSON.
//
//   heapbench CORE [EXE]          what `heapview histogram` does: the heap, then the histogram
//   heapbench --top CORE [EXE]    what `heapview top` does: the heap with the dominator tree and
//                                 retained sizes computed beside typing, then the top list
import GoHeap
#if canImport(Glibc)
import Glibc
#endif

func peakRSS() -> UInt64 { peakResidentBytes() }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

var args = Array(CommandLine.arguments.dropFirst())
let top = args.first == "--top"
if top { args.removeFirst() }
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

/// What holds the live objects no source typed: each untyped object is labelled by the entry of
/// the untyped region it lies in — the typed object and field, or the root, whose pointer leads
/// into that region (found by flooding forward from every such entry through untyped objects) —
/// and the labels are listed with their objects' count, bytes and an example.
func untypedReport(_ process: Process, _ heap: Heap) {
    var label = [Int32](repeating: -1, count: heap.objectCount)
    var labels: [String] = []
    var labelIndex: [String: Int32] = [:]
    func intern(_ s: String) -> Int32 {
        if let i = labelIndex[s] { return i }
        labels.append(s); labelIndex[s] = Int32(labels.count - 1); return Int32(labels.count - 1)
    }
    var queue: [Int] = []
    func shape(_ id: Int) -> String { "[\(heap.span(of: id).noscan ? "noscan" : "scan") \(heap.size(of: id))]" }
    for r in heap.roots {
        let o = Int(r.object)
        guard o >= 0, heap.type(of: o) == nil, label[o] < 0 else { continue }
        label[o] = intern("root \(r.kind.rawValue) \(r.name)" + (r.function.map { " in \($0)" } ?? "") + " " + shape(o))
        queue.append(o)
    }
    for id in 0..<heap.objectCount where heap.isLive(id) {
        guard let t = heap.type(of: id) else { continue }
        for target in heap.pointers(from: id) where heap.type(of: Int(target)) == nil && label[Int(target)] < 0 {
            let f = heap.pointerField(from: id, to: Int(target), process: process)
            var name = t.name
            if name.hasPrefix("["), let close = name.firstIndex(of: "]") { name = "[N]" + name[name.index(after: close)...] }
            var field = f.field
            if field.hasPrefix("["), let close = field.firstIndex(of: "]") { field = "[i]" + field[field.index(after: close)...] }
            label[Int(target)] = intern("in \(name) \(field) " + shape(Int(target)))
            queue.append(Int(target))
        }
    }
    var head = 0
    while head < queue.count {
        let id = queue[head]; head += 1
        for target in heap.pointers(from: id) where heap.type(of: Int(target)) == nil && label[Int(target)] < 0 {
            label[Int(target)] = label[id]
            queue.append(Int(target))
        }
    }
    var count = [Int](repeating: 0, count: labels.count + 1), bytes = [UInt64](repeating: 0, count: labels.count + 1)
    var example = [UInt64](repeating: 0, count: labels.count + 1)
    var live = 0, untyped = 0
    var untypedBytes: UInt64 = 0
    for id in 0..<heap.objectCount where heap.isLive(id) {
        live += 1
        guard heap.type(of: id) == nil else { continue }
        untyped += 1
        untypedBytes += heap.size(of: id)
        let l = Int(label[id]) + 1
        count[l] += 1; bytes[l] += heap.size(of: id)
        if example[l] == 0 { example[l] = heap.address(of: id) }
    }
    print("live \(live), untyped \(untyped) (\(String(100 * Double(untyped) / Double(max(live, 1)), places: 3))%), \(untypedBytes) B")
    for (title, order) in [("by count", { (a: Int, b: Int) in count[a] > count[b] }), ("by bytes", { (a: Int, b: Int) in bytes[a] > bytes[b] })] {
        print("-- \(title)")
        for l in (0..<count.count).sorted(by: order).prefix(30) where count[l] > 0 {
            print("\(String(count[l]).leftPad(8)) \(String(bytes[l]).leftPad(10))  \(example[l].hex)  \(l == 0 ? "(no entry found)" : labels[l - 1])")
        }
    }
}
extension UInt64 { var hex: String { "0x" + String(self, radix: 16) } }
