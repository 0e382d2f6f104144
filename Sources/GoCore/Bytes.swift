/// A bounds-checked, little-endian view of bytes that belong to a mapped file.
///
/// All reads return nil when out of range: callers turn that into a typed error naming
/// what they were reading. Loads are unaligned-safe (ELF notes are not 8-byte aligned).
/// The owner of the memory (a `MappedFile`) must outlive the view; the SDK keeps it alive
/// by holding the file object next to every `Bytes` it hands out.
@usableFromInline
struct Bytes: @unchecked Sendable {
    @usableFromInline let base: UnsafeRawPointer?
    @usableFromInline let count: Int

    @inlinable init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = base == nil ? 0 : count
    }
    @usableFromInline static let empty = Bytes(base: nil, count: 0)

    @inlinable func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }
    @inlinable func contains(_ offset: UInt64, _ length: UInt64) -> Bool {
        offset <= UInt64(count) && length <= UInt64(count) - offset
    }
    /// A sub-view, or nil when out of range.
    @inlinable func slice(_ offset: UInt64, _ length: UInt64) -> Bytes? {
        guard contains(offset, length), let b = base else { return length == 0 ? .empty : nil }
        return Bytes(base: b + Int(offset), count: Int(length))
    }
    @inlinable func load<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T? {
        guard contains(offset, MemoryLayout<T>.size), let b = base else { return nil }
        return T(littleEndian: b.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
    @inlinable func u8(_ o: Int) -> UInt8? { load(UInt8.self, o) }
    @inlinable func u16(_ o: Int) -> UInt16? { load(UInt16.self, o) }
    @inlinable func u32(_ o: Int) -> UInt32? { load(UInt32.self, o) }
    @inlinable func u64(_ o: Int) -> UInt64? { load(UInt64.self, o) }
    @inlinable func i32(_ o: Int) -> Int32? { load(Int32.self, o) }

    /// Copies `length` bytes out.
    func array(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard contains(offset, length) else { return nil }
        guard length > 0, let b = base else { return [] }
        return Array(UnsafeRawBufferPointer(start: b + offset, count: length))
    }
    /// A NUL-terminated string starting at `offset`, at most `limit` bytes long; nil when no NUL is found in range.
    func cString(_ offset: Int, limit: Int = 4096) -> String? {
        guard offset >= 0, offset < count, let b = base else { return nil }
        let end = min(count, offset + max(0, limit))
        var i = offset
        while i < end {
            if b.load(fromByteOffset: i, as: UInt8.self) == 0 {
                return String(decoding: UnsafeRawBufferPointer(start: b + offset, count: i - offset), as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
    /// A string of exactly `length` bytes.
    func string(_ offset: Int, _ length: Int) -> String? {
        guard contains(offset, length), let b = base else { return length == 0 ? "" : nil }
        return String(decoding: UnsafeRawBufferPointer(start: b + offset, count: length), as: UTF8.self)
    }
    /// An unsigned LEB128 varint; returns the value and the number of bytes used.
    @inlinable func uvarint(_ offset: Int) -> (UInt64, Int)? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var i = offset
        while shift < 64 {
            guard let byte = u8(i) else { return nil }
            value |= UInt64(byte & 0x7f) << shift
            i += 1
            if byte & 0x80 == 0 { return (value, i - offset) }
            shift += 7
        }
        return nil
    }
}
