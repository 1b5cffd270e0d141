// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "labrun",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "labrun", targets: ["labrun"]),
    .executable(name: "labrun-sim", targets: ["LabSimTool"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(
      name: "CLibSSH2",
      pkgConfig: "libssh2",
      providers: [.apt(["libssh2-1-dev"])]
    ),
    .target(
      name: "LabPipeline",
      dependencies: [
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .target(name: "Labs", dependencies: ["LabPipeline"]),
    .target(
      name: "Remote",
      dependencies: [
        "LabPipeline",
        "CLibSSH2",
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(name: "LabSim", dependencies: ["LabPipeline"]),
    .target(name: "Targets", dependencies: ["LabPipeline", "Remote", "LabSim"]),
    .executableTarget(name: "LabSimTool", dependencies: ["LabSim"]),
    .executableTarget(
      name: "labrun",
      dependencies: [
        "LabPipeline", "Labs", "Remote", "Targets", "BundleSigning",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "TestSupport", dependencies: ["LabPipeline"]),
    .target(
      name: "BundleSigning",
      dependencies: [
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "_CryptoExtras", package: "swift-crypto"),
      ]
    ),
    .executableTarget(
      name: "labrun-bench",
      dependencies: [
        "LabPipeline", "Remote", "TestSupport",
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      path: "Benchmarks/labrun-bench"
    ),
    .testTarget(name: "LabPipelineTests", dependencies: ["LabPipeline", "TestSupport"]),
    .testTarget(name: "LabsTests", dependencies: ["Labs", "TestSupport"]),
    .testTarget(name: "RemoteTests", dependencies: ["Remote", "TestSupport"]),
    .testTarget(name: "TargetsTests", dependencies: ["Targets", "TestSupport"]),
    .testTarget(name: "LabSimTests", dependencies: ["LabSim", "Labs"]),
    .testTarget(name: "BundleSigningTests", dependencies: ["BundleSigning", "TestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
  ]
)
