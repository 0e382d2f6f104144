// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "GoHeap",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "GoDWARF", targets: ["GoDWARF"]),
        .library(name: "GoCore", targets: ["GoCore"]),
        .library(name: "GoHeap", targets: ["GoHeap"]),
        .executable(name: "heapview", targets: ["heapview"]),
        .executable(name: "heapbench", targets: ["heapbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CElf", path: "Sources/CElf", pkgConfig: "libelf",
            providers: [.apt(["libelf-dev"])]),
        .systemLibrary(
            name: "CDwarf", path: "Sources/CDwarf", pkgConfig: "libdw",
            providers: [.apt(["libdw-dev"])]),
        .target(name: "GoDWARF", dependencies: ["CDwarf", "CElf"]),
        .target(name: "GoCore", dependencies: ["CElf"]),
        .target(name: "CSupport"),
        .target(name: "GoHeap", dependencies: ["GoCore", "GoDWARF", "CSupport"]),
        .executableTarget(
            name: "heapview",
            dependencies: ["GoHeap", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Examples/heapview"),
        .executableTarget(name: "heapbench", dependencies: ["GoHeap"], path: "Examples/heapbench"),
        .target(name: "FixtureSupport", path: "Tests/FixtureSupport"),
        .testTarget(name: "GoDWARFTests", dependencies: ["GoDWARF", "FixtureSupport"]),
        .testTarget(name: "GoCoreTests", dependencies: ["GoCore", "GoDWARF", "FixtureSupport"]),
        .testTarget(name: "GoHeapTests", dependencies: ["GoHeap", "FixtureSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
