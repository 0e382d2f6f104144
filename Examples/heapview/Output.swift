#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout/stderr without Foundation.
enum Output {
    static func stdout(_ s: String) { print(s) }
    static func stderr(_ s: String) {
        var line = s + "\n"
        line.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
    }
}

/// "1.5 MiB" style sizes.
func formatBytes(_ n: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = Double(n)
    var u = 0
    while v >= 1024, u < units.count - 1 { v /= 1024; u += 1 }
    if u == 0 { return "\(n) B" }
    let r = (v * 10).rounded() / 10
    return "\(r) \(units[u])"
}

/// Aligned plain-text tables.
enum Table {
    static func render(_ rows: [[String]], header: [String]?, rightAligned: Set<Int> = []) -> String {
        let all = (header.map { [$0] } ?? []) + rows
        let cols = all.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: cols)
        for r in all { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        var lines: [String] = []
        for (ri, r) in all.enumerated() {
            var line = ""
            for (i, c) in r.enumerated() {
                let fill = String(repeating: " ", count: widths[i] - c.count)
                if rightAligned.contains(i) {
                    line += fill + c + (i == r.count - 1 ? "" : "  ")
                } else {
                    line += c + (i == r.count - 1 ? "" : fill + "  ")
                }
            }
            lines.append(line)
            if ri == 0, header != nil { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n")
    }
}

/// A minimal JSON value with a deterministic renderer (keys in insertion order).
indirect enum JSON {
    case null, bool(Bool), int(Int), double(Double), string(String)
    case array([JSON])
    case object(Object)

    struct Object: ExpressibleByDictionaryLiteral {
        var keys: [String] = []
        var values: [String: JSON] = [:]
        init(dictionaryLiteral elements: (String, JSON)...) { for (k, v) in elements { self[k] = v } }
        subscript(key: String) -> JSON? {
            get { values[key] }
            set {
                if values[key] == nil, newValue != nil { keys.append(key) }
                if newValue == nil { keys.removeAll { $0 == key } }
                values[key] = newValue
            }
        }
    }
    static func object() -> Object { Object() }

    func render() -> String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(to: &out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.enumerated() {
                if i > 0 { out += "," }
                JSON.escape(k, into: &out)
                out += ":"
                o.values[k]?.write(to: &out)
            }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
