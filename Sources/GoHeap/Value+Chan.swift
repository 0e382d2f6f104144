import GoCore
import GoDWARF

extension Value {
    /// The type a map or channel typedef (or a named type over one) gives through `attribute`
    /// (`\.elem`, `\.key`): the first typedef in the chain that has it.
    func typedefAttribute(_ attribute: KeyPath<GoType, TypeID?>) -> TypeID? {
        var current = type
        for _ in 0..<16 {
            let t = dwarf.type(current)
            if let found = t[keyPath: attribute] { return found }
            guard t.tag == .typedef, let u = t.underlying else { return nil }
            current = u
        }
        return nil
    }

    /// The runtime struct a map or channel value points to (`hash<K,V>`, `map<K,V>`,
    /// `hchan<T>`, as DWARF names them), or `fallback` by name when DWARF does not say.
    func pointee(orNamed fallback: String) throws(ValueError) -> TypeID {
        let l = layout
        if l.tag == .pointer, let e = l.elem { return e }
        guard let t = dwarf.type(named: fallback) else { throw .unknownType("\(typeName): no \(fallback)") }
        return t
    }

    /// The channel's `hchan<T>` as a value; nil for a nil channel.
    func channelHeader() throws(ValueError) -> Value? {
        _ = try expect([.chan], "chan")
        let p = Address(try word(at: address))
        if p.isNull { return nil }
        return value(at: p, try pointee(orNamed: "runtime.hchan"))
    }

    /// The elements buffered in a channel, in the order receives would take them: slot
    /// `(recvx + k) % dataqsiz` for `k < qcount`. Empty for a nil or unbuffered channel.
    ///
    /// The elements are not read: each is a ``Value`` of the channel's element type in the buffer.
    ///
    /// - Throws: ``ValueError/damaged(_:)`` when the header's counts are inconsistent
    ///   (`qcount > dataqsiz`, `recvx ≥ dataqsiz`, an element size that disagrees with DWARF, a
    ///   buffer that is not in the core).
    public func channelElements() throws(ValueError) -> [Value] {
        guard let h = try channelHeader() else { return [] }
        guard let elem = typedefAttribute(\.elem) else { throw .unknownType("\(typeName) has no element type") }
        let count = try h.integerField("qcount"), size = try h.integerField("dataqsiz"), recvx = try h.integerField("recvx")
        guard size < 1 << 40, count <= size, size == 0 || recvx < size else {
            throw .damaged("channel \(h.address): qcount \(count), dataqsiz \(size), recvx \(recvx)")
        }
        if count == 0 { return [] }
        let stride = dwarf.type(dwarf.resolvingTypedefs(elem)).size
        if h.layout.field(named: "elemsize") != nil {
            let runtimeSize = try h.integerField("elemsize")
            guard runtimeSize == stride else {
                throw .damaged("channel \(h.address): elemsize \(runtimeSize), but \(dwarf.type(elem).name) has size \(stride)")
            }
        }
        let buf = Address(try h.integerField("buf"))
        guard !buf.isNull else { throw .damaged("channel \(h.address): \(count) elements queued in a nil buffer") }
        let bytes = size.multipliedReportingOverflow(by: stride)
        guard !bytes.overflow, bytes.partialValue <= AddressSpace.maxRead, count < 1 << 28,
              process.core.memory.isMapped(buf, count: bytes.partialValue) else {
            throw .damaged("channel \(h.address): a buffer of \(size) × \(stride) bytes at \(buf) is not in the core")
        }
        var out: [Value] = []
        out.reserveCapacity(Int(min(count, 1 << 12)))
        for k in 0..<count {
            out.append(value(at: try Value.element(buf, (recvx &+ k) % size, stride: stride), elem))
        }
        return out
    }
}
