import Foundation
import LabPipeline

/// Facts and refusals before anything is staged: a working driver, no MIG, nvcc, a library
/// source, and free memory for every slice plus margin. Changes nothing; its outputs are the
/// card and the nvcc to use, and it captures the host GPU and OS artifacts.
struct HAMiCorePreflight: HostPreflightStep {
  struct Output: Codable, Sendable, Hashable {
    var gpuName: String
    var uuid: String
    var memoryMiB: Int
    var driver: String
    var nvcc: String
  }

  var title: String { "Facts and preflight (refuse before staging anything)" }
  static let gpuFile = HAMiCoreCatalog.hostGPU
  static let osFile = HAMiCoreCatalog.os

  /// Exits 0 when the library source can work: a readable file, or a container tool.
  static func librarySource(_ settings: HAMiCoreSettings) -> RemoteCommand {
    switch settings.librarySource {
    case .host(let path): return RemoteCommand("test -r \(ShellQuote.quote(path))")
    case .local: return RemoteCommand("true")
    case .image: break
    }
    let tools =
      settings.containerCLI == "auto" ? ["docker", "podman", "nerdctl", "ctr"] : [settings.containerCLI]
    return RemoteCommand(tools.map { "command -v \($0) >/dev/null 2>&1" }.joined(separator: " || "))
  }

  func passed(_ facts: Output) -> String {
    "preflight passed: \(facts.gpuName), \(facts.memoryMiB) MiB, driver \(facts.driver)"
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let probes = GPUHostPreflight.probes(nvcc: settings.nvcc, probeDirectory: settings.probeDirectory)
    return [Self.host.query, probes, Self.librarySource(settings)]
  }

  /// The shared host preflight (``GPUHostPreflight``): the card, nvcc or prebuilt probes, memory.
  static let host = GPUHostPreflight(mechanism: "HAMi-core")

  /// Reads the facts and throws the first refusal.
  func facts(_ ctx: StepContext) async throws -> Output {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let card = try await Self.host.card(ctx)
    let compiler = try await Self.host.compiler(
      ctx, nvcc: settings.nvcc, probeDirectory: settings.probeDirectory)
    if case .local(let file) = settings.librarySource, !FileManager.default.isReadableFile(atPath: file.path)
    {
      throw HAMiCorePreflightError.localLibraryUnreadable(path: file.path)
    }
    guard try await ctx.run(Self.librarySource(settings)).succeeded else {
      if !settings.library.isEmpty { throw HAMiCorePreflightError.libraryUnreadable(path: settings.library) }
      throw HAMiCorePreflightError.noLibrarySource
    }
    try Self.host.requireMemory(card, slices: settings.tenants.map(\.sliceMiB))
    return Output(
      gpuName: card.gpuName, uuid: card.uuid, memoryMiB: card.memoryMiB, driver: card.driver, nvcc: compiler)
  }
}
