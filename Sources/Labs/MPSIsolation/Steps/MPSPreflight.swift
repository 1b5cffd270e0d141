import Foundation
import LabPipeline

/// Facts and refusals before anything is staged: a working driver, no MIG, a compute mode that
/// serves MPS (Default or Exclusive_Process; never changed by the lab), nvcc, the driver's MPS
/// control program, and free memory for every client's pinned limit plus margin. Changes nothing.
struct MPSPreflight: HostPreflightStep {
  struct Output: Codable, Sendable, Hashable {
    var card: GPUHostPreflight.Card
    var nvcc: String
  }

  var title: String { "Facts and preflight (refuse before staging anything)" }
  static let gpuFile = MPSCatalog.hostGPU
  static let osFile = MPSCatalog.os

  static let host = GPUHostPreflight(mechanism: "MPS", refusedComputeModes: ["Prohibited"])

  /// Exits 0 when the MPS control program is there (a name on PATH or an executable path).
  static func findControl(_ program: String) -> RemoteCommand {
    RemoteCommand(
      program.contains("/")
        ? "test -x \(ShellQuote.quote(program))" : "command -v \(ShellQuote.quote(program))")
  }

  func passed(_ facts: Output) -> String {
    "preflight passed: \(facts.card.gpuName), \(facts.card.memoryMiB) MiB, driver \(facts.card.driver), "
      + "compute mode \(facts.card.computeMode ?? "not reported")"
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let probes = GPUHostPreflight.probes(nvcc: settings.nvcc, probeDirectory: settings.probeDirectory)
    return [Self.host.query, probes, Self.findControl(settings.mpsControl)]
  }

  /// Reads the facts and throws the first refusal.
  func facts(_ ctx: StepContext) async throws -> Output {
    let settings = try MPSSettings(ctx.parameters)
    let card = try await Self.host.card(ctx)
    let nvcc = try await Self.host.compiler(ctx, nvcc: settings.nvcc, probeDirectory: settings.probeDirectory)
    guard try await ctx.run(Self.findControl(settings.mpsControl)).succeeded else {
      throw GPUHostPreflightError.programMissing(
        name: settings.mpsControl,
        fix: "it comes with the NVIDIA driver (nvidia-compute-utils); install it or pass "
          + "--param mps_control=/path/to/nvidia-cuda-mps-control")
    }
    try Self.host.requireMemory(card, slices: settings.tenants.map(\.sliceMiB))
    return Output(card: card, nvcc: nvcc)
  }
}
