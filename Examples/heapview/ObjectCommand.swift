import ArgumentParser
import GoHeap

/// `object ADDR`: one object's typed fields with their values, and who points to it.
struct ObjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "object", abstract: "One object: its fields, values, pointers, and who points here.")
    @OptionGroup var options: CoreOptions
    @Argument(help: "An address inside the object.") var address: String
    @Option(help: "Show at most N fields or elements.") var limit = 64

    func run() throws {
        let a = try parseAddress(address)
        let (process, heap) = try options.openHeap()
        let id = try requireObject(heap, a)
        let fields = describeFields(process, heap, id, limit: limit)
        let referrers = heap.referrers(of: id)
        if options.json {
            var o = JSON.object()
            o["address"] = .string(heap.dataAddress(of: id).hex)
            o["type"] = .string(heap.type(of: id)?.name ?? "<unknown>")
            o["size"] = .int(Int(heap.size(of: id)))
            o["live"] = .bool(heap.isLive(id))
            o["fields"] = .array(fields.map { f in
                var j = JSON.object()
                j["name"] = .string(f.name); j["type"] = .string(f.type); j["offset"] = .int(Int(f.offset)); j["value"] = .string(f.value)
                j["target"] = f.target.map { .string($0.hex) } ?? .null
                if let d = f.dynamicType { j["dynamicType"] = .string(d) }
                return .object(j)
            })
            o["referrers"] = .array(referrers.prefix(limit).map { r in
                .object(["address": .string(heap.dataAddress(of: r).hex), "type": .string(heap.type(of: r)?.name ?? "<unknown>"),
                         "field": .string(heap.pointerField(from: r, to: id, process: process).field)])
            })
            o["roots"] = .array(heap.roots.filter { $0.object == Int32(id) }.map { r in
                .object(["kind": .string(r.kind.rawValue), "name": .string(r.name), "field": .string(r.field),
                         "function": r.function.map { .string($0) } ?? .null])
            })
            Output.stdout(JSON.object(o).render())
            return
        }
        Output.stdout("\(heap.dataAddress(of: id).hex)  \(heap.type(of: id)?.name ?? "<unknown>")  \(formatBytes(heap.size(of: id)))\(heap.isLive(id) ? "" : "  (unreachable)")")
        Output.stdout(Table.render(fields.map { f in
            [f.name, "+\(f.offset)", f.type, f.value + (f.dynamicType.map { " (\($0))" } ?? "")]
        }, header: ["field", "offset", "type", "value"]))
        let rootsHere = heap.roots.filter { $0.object == Int32(id) }
        if !rootsHere.isEmpty || !referrers.isEmpty { Output.stdout("\npointed to by:") }
        for r in rootsHere {
            Output.stdout("  root \(r.kind.rawValue) \(r.name)\(r.field.isEmpty ? "" : " via \(r.field)")\(r.function.map { " in \($0)" } ?? "")")
        }
        for r in referrers.prefix(limit) {
            Output.stdout("  \(heap.dataAddress(of: r).hex)  \(heap.type(of: r)?.name ?? "<unknown>")  via \(heap.pointerField(from: r, to: id, process: process).field)")
        }
    }
}

struct FieldView {
    let name: String, type: String, offset: UInt64, value: String, target: UInt64?, dynamicType: String?
}

/// The fields (or elements) of an object with their values, from its DWARF type.
func describeFields(_ process: Process, _ heap: Heap, _ id: Int, limit: Int) -> [FieldView] {
    let mem = process.core.memory
    let base = heap.dataAddress(of: id)
    // A tiny block that holds several small values: each where it sits.
    let values = heap.values(in: id, process: process)
    if values.count > 1 || values.first.map({ $0.offset != 0 }) ?? false, let dwarf = process.dwarf {
        var out: [FieldView] = []
        for (k, v) in values.enumerated() {
            let end = k + 1 < values.count ? values[k + 1].offset : heap.size(of: id)
            if let d = v.type.dwarf {
                let f = render(process, heap, name: "value +\(v.offset)", type: d, at: base + v.offset, offset: v.offset)
                out.append(FieldView(name: f.name, type: dwarf.type(d).name, offset: f.offset, value: f.value, target: f.target, dynamicType: f.dynamicType))
            } else {
                // String bytes: up to the next value.
                var bytes = (try? mem.readBytes(at: Address(base + v.offset), count: end - v.offset)) ?? []
                while bytes.last == 0 { bytes.removeLast() }   // the free rest of the block
                let text = String(decoding: bytes, as: UTF8.self).replacingControlCharacters()
                out.append(FieldView(name: "value +\(v.offset)", type: v.type.name, offset: v.offset, value: "\"" + text + "\"",
                                     target: nil, dynamicType: nil))
            }
        }
        return out
    }
    guard let t = heap.type(of: id), let d = t.dwarf, let dwarf = process.dwarf else {
        // Untyped: its words.
        var out: [FieldView] = []
        var off: UInt64 = 0
        while off + 8 <= min(heap.size(of: id), UInt64(limit) * 8) {
            let v = (try? mem.read(UInt64.self, at: Address(base + off))) ?? 0
            let target = heap.object(containing: v).map { heap.dataAddress(of: $0) }
            out.append(FieldView(name: "word \(off / 8)", type: "uintptr", offset: off, value: v.hex, target: target, dynamicType: nil))
            off += 8
        }
        return out
    }
    let elemSize = dwarf.type(dwarf.resolvingTypedefs(d)).size
    var out: [FieldView] = []
    if t.count > 0 {
        for i in 0..<min(t.count, UInt64(limit)) {
            out.append(render(process, heap, name: "[\(i)]", type: d, at: base + i * elemSize, offset: i * elemSize))
        }
        return out
    }
    let r = dwarf.type(dwarf.resolvingTypedefs(d))
    if r.tag == .structure && r.kind != .string && r.kind != .slice && r.kind != .interface {
        for f in r.fields.prefix(limit) {
            guard let ft = f.type else { continue }
            out.append(render(process, heap, name: f.name + (f.isEmbedded ? " (embedded)" : ""), type: ft, at: base + f.offset, offset: f.offset))
        }
        return out
    }
    return [render(process, heap, name: "value", type: d, at: base, offset: 0)]
}

/// One value rendered for humans: numbers, strings (quoted, shortened), pointers with their targets.
func render(_ process: Process, _ heap: Heap, name: String, type: TypeID, at a: UInt64, offset: UInt64) -> FieldView {
    guard let dwarf = process.dwarf else { return FieldView(name: name, type: "?", offset: offset, value: "?", target: nil, dynamicType: nil) }
    let mem = process.core.memory
    let g = dwarf.type(type)
    let r = dwarf.type(dwarf.resolvingTypedefs(type))
    func word(_ x: UInt64) -> UInt64 { (try? mem.read(UInt64.self, at: Address(x))) ?? 0 }
    func target(_ p: UInt64) -> UInt64? { p == 0 ? nil : heap.object(containing: p).map { _ in p } }
    var value = ""
    var tgt: UInt64?
    var dyn: String?
    switch g.kind {
    case .bool: value = ((try? mem.read(UInt8.self, at: Address(a))) ?? 0) != 0 ? "true" : "false"
    case .int, .int64: value = "\(Int64(bitPattern: word(a)))"
    case .int32: value = "\((try? mem.read(Int32.self, at: Address(a))) ?? 0)"
    case .int16: value = "\((try? mem.read(Int16.self, at: Address(a))) ?? 0)"
    case .int8: value = "\((try? mem.read(Int8.self, at: Address(a))) ?? 0)"
    case .uint, .uint64, .uintptr: value = "\(word(a))"
    case .uint32: value = "\((try? mem.read(UInt32.self, at: Address(a))) ?? 0)"
    case .uint16: value = "\((try? mem.read(UInt16.self, at: Address(a))) ?? 0)"
    case .uint8: value = "\((try? mem.read(UInt8.self, at: Address(a))) ?? 0)"
    case .float64: value = "\(Double(bitPattern: word(a)))"
    case .float32: value = "\(Float(bitPattern: (try? mem.read(UInt32.self, at: Address(a))) ?? 0))"
    case .string:
        let p = word(a), n = word(a + 8)
        let s = (try? mem.readString(at: Address(p), count: min(n, 200))) ?? "?"
        value = "\"" + s.replacingControlCharacters() + "\"" + (n > 200 ? "… (\(n) bytes)" : "")
        tgt = target(p)
    case .slice:
        value = "len \(word(a + 8)), cap \(word(a + 16))"
        tgt = target(word(a))
    case .interface:
        let isIface = r.fields.first?.name == "tab"
        var typ = word(a)
        if isIface, typ != 0 { typ = word(typ + 8) }
        let data = word(a + 8)
        if typ == 0 { value = "nil" } else {
            dyn = process.runtimeType(at: typ)?.name
            value = data.hex
            tgt = target(data)
        }
    case .pointer, .map, .chan, .func, .unsafePointer:
        let p = word(a)
        value = p == 0 ? "nil" : p.hex
        tgt = target(p)
        if g.kind == .func, p != 0, let fn = process.core.function(at: word(p)) { value += " (\(fn.name))" }
    default:
        if r.tag == .pointer {
            let p = word(a)
            value = p == 0 ? "nil" : p.hex
            tgt = target(p)
        } else if r.tag == .structure {
            value = "{…}"
        } else if r.tag == .array {
            value = "[\(r.count ?? 0)]…"
        } else {
            value = word(a).hex
        }
    }
    return FieldView(name: name, type: g.name, offset: offset, value: value, target: tgt, dynamicType: dyn)
}

extension String {
    func replacingControlCharacters() -> String {
        var out = ""
        for u in unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            default: if u.value < 0x20 { out += "\\x" + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}
