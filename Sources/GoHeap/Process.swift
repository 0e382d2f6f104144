@_exported import GoCore
@_exported import GoDWARF
import Synchronization

/// A Go process, as its core file shows it: the core and executable (`GoCore`) with the
/// executable's DWARF (`GoDWARF`), from which the runtime's own structures are reconstructed.
///
/// Opening never fails for a missing DWARF: features that need types degrade and `warnings` says so.
///
/// ```swift
/// let process = try Process(corePath: "core", executablePath: "server")
/// print(process.goVersion ?? "?", process.core.threads.count)
/// ```
public final class Process: Sendable {
    public let core: Core
    /// The executable's DWARF, or nil when it has none (see `warnings`).
    public let dwarf: DWARFFile?
    public let warnings: [Warning]
    private let heapCache = Mutex<Result<Heap, HeapError>?>(nil)

    /// The reconstructed heap, built on first use and kept.
    ///
    /// `precomputing` names analyses to compute while the heap is built, on another core beside
    /// the typing of objects (which they do not need), instead of on first use afterwards.
    /// - Throws: `HeapError` when the heap cannot be read at all (no DWARF, damaged `mheap_`).
    public func heap(precomputing: HeapPrecomputation = []) throws(HeapError) -> Heap {
        let r: Result<Heap, HeapError> = heapCache.withLock { cached in
            if let cached { return cached }
            var builder = HeapBuilder(process: self, precomputing: precomputing)
            let r = Result { () throws(HeapError) -> Heap in try builder.build() }
            cached = r
            return r
        }
        return try r.get()
    }

    /// Opens a core and its executable (found from the core's notes when `executablePath` is nil).
    public init(corePath: String, executablePath: String? = nil) throws {
        let core = try Core(path: corePath, executablePath: executablePath)
        self.core = core
        var warnings = core.warnings
        if core.executable.hasDWARF {
            do {
                dwarf = try DWARFFile(path: core.executable.path)
            } catch {
                dwarf = nil
                warnings.append(Warning("cannot read DWARF: \(error)"))
            }
        } else {
            dwarf = nil
        }
        self.warnings = warnings
    }

    private let typeReader = Mutex<RuntimeTypeReader?>(nil)

    /// The runtime type descriptor (`internal/abi.Type`) at a runtime address, with its name,
    /// size, kind and pointer mask; nil when unreadable or without DWARF layouts.
    public func runtimeType(at address: UInt64) -> RuntimeType? {
        typeReader.withLock { reader -> RuntimeType? in
            if reader == nil { reader = makeTypeReader() }
            return reader?.type(at: address)
        }
    }

    /// The DWARF type of a runtime type: by `DW_AT_go_runtime_type`, else by name.
    public func dwarfType(for rt: RuntimeType) -> TypeID? {
        guard let dwarf else { return nil }
        let base = typeReader.withLock { reader -> UInt64 in
            if reader == nil { reader = makeTypeReader() }
            return reader?.modules.first?.types ?? 0
        }
        if rt.address >= base, let t = dwarf.type(runtimeTypeOffset: rt.address &- base) { return t }
        return dwarf.type(named: rt.name)
    }

    private func makeTypeReader() -> RuntimeTypeReader? {
        guard let dwarf, let raw = core.goVersion, let version = GoVersion(raw), let layouts = try? RuntimeLayouts(dwarf) else { return nil }
        guard let modules = try? HeapBuilder(process: self).moduleTypeRanges(dwarf: dwarf, layouts: layouts) else { return nil }
        return try? RuntimeTypeReader(mem: core.memory, dwarf: dwarf, layouts: layouts, version: version, modules: modules,
                                      inProgress: globalAddress("runtime.inProgress")?.rawValue)
    }

    /// The Go version of the target, e.g. "go1.26.6".
    public var goVersion: String? { core.goVersion }

    /// The runtime address of a global variable: from DWARF, or from the symbol table when stripped of DWARF.
    public func globalAddress(_ name: String) -> Address? {
        if let v = dwarf?.global(named: name) { return Address(v.address &+ core.loadBias) }
        return core.symbol(named: name)?.address
    }
}
