import Foundation
import LabPipeline

/// The host preflight every lab starts with: the card from `nvidia-smi --query-gpu` (refusing a
/// broken driver, MIG and, where the lab says so, a compute mode) and the host's GPU and OS
/// artifacts; for the labs that run processes straight on the card, also the nvcc or prebuilt
/// probes and free memory for the slices plus margin. Changes nothing.
///
/// Parameterised by who shares the card (`mechanism`, for the refusals' words) and how the
/// lab describes the card (which compute modes it refuses, whether it reads the memory in use).
struct GPUHostPreflight: Sendable {
  /// The card as the query showed it.
  struct Card: Codable, Sendable, Hashable {
    var gpuName: String
    var uuid: String
    var memoryMiB: Int
    var usedMiB: Int
    var driver: String
    /// `Default`, `Exclusive_Process`, `Prohibited`; nil when the query did not ask.
    var computeMode: String?
  }

  /// What the lab shares the card with, for the refusals' words.
  var mechanism: String
  /// Compute modes the lab refuses.
  var refusedComputeModes: Set<String> = []
  /// Whether the query asks for memory.used (the labs that check free memory for their slices;
  /// the Kubernetes lab sizes its slices from the whole card and leaves it out).
  var readsUsedMemory = true

  /// Memory left free beside the slices (CUDA contexts, the probes' own use), in MiB.
  static let marginMiB = 2048

  var query: RemoteCommand {
    let fields =
      ["name", "uuid", "memory.total"] + (readsUsedMemory ? ["memory.used"] : [])
      + ["driver_version", "mig.mode.current"]
      + (refusedComputeModes.isEmpty ? [] : ["compute_mode"])
    return RemoteCommand("nvidia-smi --query-gpu=\(fields.joined(separator: ",")) --format=csv")
  }

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
      ProbeStaging.probes.map { "test -x \(ShellQuote.quote(directory + "/" + $0))" }.joined(
        separator: " && "))
  }

  /// What the plan shows for the probes: nvcc looked for, or the prebuilt ones of `probeDirectory`.
  static func probes(nvcc: String, probeDirectory: String) -> RemoteCommand {
    probeDirectory.isEmpty ? findNVCC(nvcc) : prebuiltProbes(probeDirectory)
  }

  /// The host's GPU and OS, as artifacts.
  func capture(_ ctx: StepContext, gpuFile: String, osFile: String) async throws {
    try await ctx.capture(
      [RemoteCommand("nvidia-smi"), RemoteCommand("nvidia-smi -L"), query], into: gpuFile)
    try await ctx.capture([Self.osRelease, RemoteCommand("uname -r")], into: osFile)
  }

  /// Reads the card and throws the first refusal (driver, MIG, compute mode).
  func card(_ ctx: StepContext) async throws -> Card {
    let output = try await ctx.run(query)
    let rows = NvidiaSMIQuery(lines: output.stdoutLines)?.rows ?? []
    guard output.succeeded, let row = rows.first, let name = row["name"], let uuid = row["uuid"],
      let memory = NvidiaSMIQuery.mebibytes(row["memory.total"])
    else {
      throw GPUHostPreflightError.driverNotWorking(
        output: StepError.tail(of: output.stdoutText + output.stderrText, lines: 3))
    }
    if (row["mig.mode.current"] ?? "").trimmingCharacters(in: .whitespaces) == "Enabled" {
      throw GPUHostPreflightError.migEnabled(gpu: name, mechanism: mechanism)
    }
    let mode = row["compute_mode"]?.trimmingCharacters(in: .whitespaces)
    if let mode, refusedComputeModes.contains(mode) {
      throw GPUHostPreflightError.computeModeRefused(gpu: name, mode: mode, mechanism: mechanism)
    }
    return Card(
      gpuName: name, uuid: uuid, memoryMiB: memory,
      usedMiB: NvidiaSMIQuery.mebibytes(row["memory.used"]) ?? 0,
      driver: row["driver_version"] ?? "", computeMode: mode)
  }

  /// The nvcc to use (`given`, else nvcc on PATH, else /usr/local/cuda/bin/nvcc), or "" when the
  /// probes are prebuilt in `probeDirectory`; throws when neither is there.
  func compiler(_ ctx: StepContext, nvcc given: String, probeDirectory: String) async throws -> String {
    if !probeDirectory.isEmpty {
      guard try await ctx.run(Self.prebuiltProbes(probeDirectory)).succeeded else {
        throw GPUHostPreflightError.prebuiltProbesMissing(directory: probeDirectory)
      }
      return ""
    }
    let nvcc = try await ctx.run(Self.findNVCC(given))
    guard nvcc.succeeded, !nvcc.trimmedStdout.isEmpty else {
      throw GPUHostPreflightError.nvccMissing(
        searched: given.isEmpty ? "PATH and /usr/local/cuda/bin/nvcc" : given)
    }
    return nvcc.trimmedStdout
  }

  /// Throws unless the card has `slices` plus the margin free.
  func requireMemory(_ card: Card, slices: [Int]) throws {
    let needed = slices.reduce(0, +) + Self.marginMiB
    let free = card.memoryMiB - card.usedMiB
    if free < needed {
      throw GPUHostPreflightError.notEnoughMemory(neededMiB: needed, freeMiB: free, gpu: card.gpuName)
    }
  }
}
