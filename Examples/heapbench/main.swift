// heapbench: times each phase of reading a core (open, spans and objects, pointer scan, roots,
// typing, marking, histogram) and prints wall time and peak RSS (VmHWM) after each, as a table
// and as JSON. Usage: heapbench CORE [EXE]
import GoHeap
#if canImport(Glibc)
import Glibc
#endif

/// Peak resident set size so far, in bytes (VmHWM of /proc/self/status).
func peakRSS() -> UInt64 {
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if s.hasPrefix("VmHWM:") {
            let digits = s.filter(\.isNumber)
            return (UInt64(digits) ?? 0) * 1024
        }
    }
    return 0
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

let args = CommandLine.arguments
guard args.count >= 2 else {
    print("usage: heapbench CORE [EXE]")
    exit(2)
}
var rows: [(String, Double, UInt64)] = []
let clock = ContinuousClock()
let total = clock.now
do {
    var t = clock.now
    let process = try Process(corePath: args[1], executablePath: args.count > 2 ? args[2] : nil)
    rows.append(("open (core, executable, DWARF)", seconds(clock.now - t), peakRSS()))
    t = clock.now
    let heap = try process.heap()
    for (phase, s) in heap.phaseTimes { rows.append((phase, s, 0)) }
    rows[rows.count - 1].2 = peakRSS()
    t = clock.now
    let hist = heap.histogram()
    rows.append(("histogram", seconds(clock.now - t), peakRSS()))
    let histogramEnd = seconds(clock.now - total)
    t = clock.now
    _ = heap.dominators()
    rows.append(("dominator tree", seconds(clock.now - t), peakRSS()))
    t = clock.now
    _ = heap.retainedSizes()
    rows.append(("retained sizes", seconds(clock.now - t), peakRSS()))
    let elapsed = seconds(clock.now - total)
    print("core: \(args[1])  Go \(process.goVersion ?? "?")  objects \(heap.objectCount)  live \(heap.liveCount)  edges \(heap.edgeCount)  types \(hist.count)")
    print("phase                              seconds   peak RSS")
    for (name, s, rss) in rows {
        let n = name.padding(32)
        print("\(n)  \(String(s, places: 3).leftPad(8))   \(rss == 0 ? "" : "\(rss / 1_048_576) MiB")")
    }
    print("total                             \(String(elapsed, places: 3).leftPad(8))   \(peakRSS() / 1_048_576) MiB")
    let perObject = heap.objectCount > 0 ? Double(peakRSS()) / Double(heap.objectCount) : 0
    print("peak RSS per object: \(String(perObject, places: 1)) bytes; histogram end to end \(String(histogramEnd, places: 3)) s")
    var json = "{\"core\":\"\(args[1])\",\"objects\":\(heap.objectCount),\"edges\":\(heap.edgeCount),\"phases\":["
    json += rows.map { "{\"phase\":\"\($0.0)\",\"seconds\":\(String($0.1, places: 4)),\"peakRSS\":\($0.2)}" }.joined(separator: ",")
    json += "],\"totalSeconds\":\(String(elapsed, places: 4)),\"peakRSS\":\(peakRSS())}"
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
