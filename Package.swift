// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "labrun",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "labrun", targets: ["labrun"])
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
    // labs/ compiled in: labrun alone carries its labs (Plugins/EmbedLabs says why a plugin).
    .plugin(name: "EmbedLabs", capability: .buildTool()),
    .target(name: "Labs", dependencies: ["LabPipeline"], plugins: ["EmbedLabs"]),
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
    // The commit for `labrun --version`, written before every build.
    .plugin(name: "BuildCommit", capability: .buildTool()),
    // Also the simulated host's tools (nvidia-smi, kubectl, …): one multi-call program.
    .executableTarget(
      name: "labrun",
      dependencies: [
        "LabPipeline", "Labs", "Remote", "LabSim", "Targets", "BundleSigning",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      plugins: ["BuildCommit"]
    ),
    .target(name: "TestSupport", dependencies: ["LabPipeline"]),
    .target(
      name: "BundleSigning",
      dependencies: [
        "LabPipeline",
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
    .testTarget(name: "TargetsTests", dependencies: ["Targets", "Labs", "Remote", "TestSupport"]),
    .testTarget(name: "LabSimTests", dependencies: ["LabSim", "Labs", "TestSupport"]),
    .testTarget(name: "BundleSigningTests", dependencies: ["BundleSigning", "LabPipeline", "TestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["LabPipeline", "TestSupport"]),
  ]
)
