extension DWARFFile {
    /// How many types there are: the file's own (``types``) and those made since.
    public var typeCount: Int { types.count + lazyState.withLock { $0.synthesized.count } }

    /// A struct type the DWARF does not describe but a reader can derive from it, made once per
    /// name and numbered after the file's own types, so that it works wherever a ``TypeID`` does.
    ///
    /// Go emits no type for the record a closure keeps its captured variables in; the SDK
    /// describes one from the closure function's variables (``Variable/closureOffset``) and names
    /// it after the function: `func main.handler.func1`.
    ///
    /// - Parameters:
    ///   - name: the type's name; a second call with the same name returns the first type.
    ///   - size: its size in bytes.
    ///   - fields: name, type and offset of each field, in offset order.
    /// - Returns: the type's ID.
    public func synthesizeStruct(name: String, size: UInt64, fields: [(name: String, type: TypeID, offset: UInt64)]) -> TypeID {
        lazyState.withLock { state in
            if let known = state.synthesizedByName[name] { return known }
            let id = TypeID(rawValue: Int32(truncatingIfNeeded: types.count + state.synthesized.count))
            state.synthesized.append(GoType(
                name: name, size: size, tag: .structure, kind: .struct,
                fields: fields.map { Field(name: $0.name, type: $0.type, offset: $0.offset, isEmbedded: false) },
                elem: nil, key: nil, underlying: nil, count: nil, runtimeTypeOffset: nil, packageName: nil,
                dictIndex: nil, closureOffset: nil, encoding: nil, parameters: [], results: [], dieOffset: 0))
            state.synthesizedByName[name] = id
            return id
        }
    }

    /// A type made by ``synthesizeStruct(name:size:fields:)``, by name.
    public func synthesizedType(named name: String) -> TypeID? {
        lazyState.withLock { $0.synthesizedByName[name] }
    }
}
