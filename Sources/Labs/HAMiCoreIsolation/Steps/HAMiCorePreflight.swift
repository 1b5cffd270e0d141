import Foundation
import LabPipeline

/// Facts and refusals before anything is staged: a working driver, no MIG, nvcc, a library
/// source, and free memory for every slice plus margin. Changes nothing; its outputs are the
/// card and the nvcc to use, and it captures the host GPU and OS artifacts.
struct HAMiCorePreflight: Step {
  struct Output: Codable, Sendable, Hashable {
    var gpuName: String
    var uuid: String
    var memoryMiB: Int
    var driver: String
    var nvcc: String
  }

  var id: String { "preflight" }
  /// It only looks: a run refused here changed nothing on the host.
  var changesTarget: Bool { false }
  var title: String { "Facts and preflight (refuse before staging anything)" }
  var timeout: Duration { .seconds(120) }

  /// Memory left free beside the slices (CUDA contexts, the probes' own use), in MiB.
  static let marginMiB = 2048

  static let query = RemoteCommand(
    "nvidia-smi --query-gpu=name,uuid,memory.total,memory.used,driver_version,mig.mode.current --format=csv")
  static let osRelease = RemoteCommand("cat /etc/os-release")

  /// Prints the nvcc to use: the parameter, else nvcc on PATH, else /usr/local/cuda/bin/nvcc.
  static func findNVCC(_ given: String) -> RemoteCommand {
    RemoteCommand(
      "n=\(ShellQuote.quote(given)); if [ -z \"$n\" ]; then n=$(command -v nvcc 2>/dev/null) || "
        + "n=/usr/local/cuda/bin/nvcc; fi; if [ -x \"$n\" ]; then printf '%s\\n' \"$n\"; else exit 1; fi")
  }

  /// Exits 0 when `directory` holds both probes, executable (`probe_dir`: built elsewhere).
  static func prebuiltProbes(_ directory: String) -> RemoteCommand {
    RemoteCommand(
      HAMiCoreStageStep.probes.map { "test -x \(ShellQuote.quote(directory + "/" + $0))" }.joined(
        separator: " && "))
  }

  /// Exits 0 when the library source can work: a readable file, or a container tool.
  static func librarySource(_ settings: HAMiCoreSettings) -> RemoteCommand {
    if !settings.library.isEmpty { return RemoteCommand("test -r \(ShellQuote.quote(settings.library))") }
    let tools =
      settings.containerCLI == "auto" ? ["docker", "podman", "nerdctl", "ctr"] : [settings.containerCLI]
    return RemoteCommand(tools.map { "command -v \($0) >/dev/null 2>&1" }.joined(separator: " || "))
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    let facts = try await facts(ctx)
    ctx.satisfied("preflight passed: \(facts.gpuName), \(facts.memoryMiB) MiB, driver \(facts.driver)")
    return true
  }

  func apply(_ ctx: StepContext) async throws -> Output { try await observe(ctx) }

  func observe(_ ctx: StepContext) async throws -> Output {
    let facts = try await facts(ctx)
    try await ctx.capture(
      [RemoteCommand("nvidia-smi"), RemoteCommand("nvidia-smi -L"), Self.query], into: HAMiCoreCatalog.hostGPU
    )
    try await ctx.capture([Self.osRelease, RemoteCommand("uname -r")], into: HAMiCoreCatalog.os)
    return facts
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let probes =
      settings.probeDirectory.isEmpty
      ? Self.findNVCC(settings.nvcc) : Self.prebuiltProbes(settings.probeDirectory)
    return [Self.query, probes, Self.librarySource(settings)]
  }

  /// Reads the facts and throws the first refusal.
  func facts(_ ctx: StepContext) async throws -> Output {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let query = try await ctx.run(Self.query)
    let rows = NvidiaSMIQuery(lines: query.stdoutLines)?.rows ?? []
    guard query.succeeded, let row = rows.first, let name = row["name"], let uuid = row["uuid"],
      let memory = NvidiaSMIQuery.mebibytes(row["memory.total"])
    else {
      throw HAMiCorePreflightError.driverNotWorking(
        output: StepError.tail(of: query.stdoutText + query.stderrText, lines: 3))
    }
    if (row["mig.mode.current"] ?? "").trimmingCharacters(in: .whitespaces) == "Enabled" {
      throw HAMiCorePreflightError.migEnabled(gpu: name)
    }
    var compiler = ""
    if settings.probeDirectory.isEmpty {
      let nvcc = try await ctx.run(Self.findNVCC(settings.nvcc))
      guard nvcc.succeeded, !nvcc.trimmedStdout.isEmpty else {
        throw HAMiCorePreflightError.nvccMissing(
          searched: settings.nvcc.isEmpty ? "PATH and /usr/local/cuda/bin/nvcc" : settings.nvcc)
      }
      compiler = nvcc.trimmedStdout
    } else {
      guard try await ctx.run(Self.prebuiltProbes(settings.probeDirectory)).succeeded else {
        throw HAMiCorePreflightError.prebuiltProbesMissing(directory: settings.probeDirectory)
      }
    }
    guard try await ctx.run(Self.librarySource(settings)).succeeded else {
      if !settings.library.isEmpty { throw HAMiCorePreflightError.libraryUnreadable(path: settings.library) }
      throw HAMiCorePreflightError.noLibrarySource
    }
    let used = NvidiaSMIQuery.mebibytes(row["memory.used"]) ?? 0
    let needed = settings.tenants.reduce(0) { $0 + $1.sliceMiB } + Self.marginMiB
    if memory - used < needed {
      throw HAMiCorePreflightError.notEnoughMemory(neededMiB: needed, freeMiB: memory - used, gpu: name)
    }
    return Output(
      gpuName: name, uuid: uuid, memoryMiB: memory, driver: row["driver_version"] ?? "",
      nvcc: compiler)
  }
}
